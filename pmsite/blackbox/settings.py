"""The ``blackbox:`` section of pmsite.yaml, checked, plus base URLs and tokens.

Tokens come only from environment variables or a ``token_file`` (``NAME=value``
lines) that nobody but its owner can read: a token in pmsite.yaml would end up
in git. Base URLs come from the section or ``PAGERDUTY_API_URL``,
``SLACK_API_URL`` and ``GITHUB_API_URL`` (the environment wins, so one
deployment can point the same repository at the EU region or GHES).
"""

from __future__ import annotations

import datetime as dt
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping
from urllib.parse import urlsplit

from pmsite.config import Config
from pmsite.errors import ConfigError
from pmsite.scaffold import SEVERITY_CHOICES, TYPE_CHOICES, slugify

TOKEN_NAMES = ("PAGERDUTY_TOKEN", "SLACK_TOKEN", "GITHUB_TOKEN", "GRAFANA_TOKEN", "PAGERDUTY_WEBHOOK_SECRET")
URL_VARIABLES = {"pagerduty": "PAGERDUTY_API_URL", "slack": "SLACK_API_URL", "github": "GITHUB_API_URL"}
DEFAULT_URLS = {"pagerduty": "https://api.pagerduty.com", "slack": "https://slack.com/api",
                "github": "https://api.github.com"}
#: PagerDuty guarantees delivery of webhooks up to 55 KB and drops any above 256 KB.
DEFAULT_MAX_BODY = 256 * 1024
#: PagerDuty retries a webhook for about 20 minutes; an event older than this is a replay.
DEFAULT_MAX_AGE = dt.timedelta(minutes=30)
DEFAULT_SEVERITY = {"P1": "SEV1", "P2": "SEV2", "P3": "SEV3", "P4": "SEV4", "P5": "SEV4"}


class BlackboxError(ConfigError):
    """The black box cannot run as configured; the message says what to set."""


@dataclass(frozen=True)
class Dashboard:
    """One dashboard to photograph: ``from``/``to`` are set on its URL."""

    name: str
    url: str
    #: CSS selector that appears once the panels have rendered (optional).
    wait_for: str = ""
    #: Extra time for panels to draw after the page (and ``wait_for``) is ready.
    wait_seconds: float = 3.0
    #: A page not ready after this long is recorded as a timeout in the manifest.
    timeout_seconds: float = 60.0


@dataclass(frozen=True)
class Settings:
    """What every black-box stage needs to know, with defaults that work."""

    root: Path
    out_dir: Path
    queue_path: Path
    urls: dict[str, str]
    margin: dt.timedelta = dt.timedelta(minutes=30)
    #: Slack channel of an incident by convention; ``{number}`` and ``{id}`` are filled in.
    channel_convention: str = "inc-{number}"
    #: Channels always read besides the incident's own (e.g. a shared ops channel).
    channels: tuple[str, ...] = ()
    workspace_url: str = ""
    repos: dict[str, tuple[str, ...]] = field(default_factory=dict)
    dashboards: tuple[Dashboard, ...] = ()
    chromium: str = "/usr/bin/chromium"
    retries: int = 3
    backoff_seconds: float = 5.0
    #: Longest Retry-After the clients honour before calling the source failed.
    max_retry_after: float = 120.0
    http_timeout: float = 30.0
    severity: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_SEVERITY))
    default_severity: str = "SEV3"
    incident_type: str = "availability"
    webhook_path: str = "/pagerduty"
    max_body_bytes: int = DEFAULT_MAX_BODY
    max_age: dt.timedelta = DEFAULT_MAX_AGE
    publish: dict[str, Any] = field(default_factory=dict)
    token_file: str = ""


def load_settings(config: Config, environ: Mapping[str, str] | None = None) -> Settings:
    """Read ``blackbox:`` and the URL variables; every wrong value names its key."""
    environ = os.environ if environ is None else environ
    where = config.display_path(config.path) if config.path else "pmsite.yaml"
    section = config.section("blackbox")

    def value(path: str, kind: type | tuple[type, ...], default: Any) -> Any:
        node: Any = section
        for key in path.split("."):
            node = node.get(key) if isinstance(node, dict) else None
        if node is None:
            return default
        is_number = kind in (int, float, (int, float))
        if not isinstance(node, kind) or (is_number and isinstance(node, bool)):  # true is not a number
            names = kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
            raise BlackboxError(f"{where}: blackbox.{path} must be {names}, got {type(node).__name__}")
        return node

    urls = {}
    for name, default in DEFAULT_URLS.items():
        url = environ.get(URL_VARIABLES[name]) or value(f"{name}.api_url", str, default)
        if urlsplit(url).scheme not in ("http", "https") or not urlsplit(url).netloc:
            raise BlackboxError(f"{where}: the {name} API URL {url!r} is not an http(s) URL "
                                f"(set blackbox.{name}.api_url or {URL_VARIABLES[name]})")
        urls[name] = url.rstrip("/")
    repos = {}
    for service, names in value("github.repos", dict, {}).items():
        names = [names] if isinstance(names, str) else names
        if not isinstance(names, list) or not all(isinstance(n, str) and n.count("/") == 1 for n in names):
            raise BlackboxError(f"{where}: blackbox.github.repos.{service} must be owner/name or a list of them")
        repos[str(service).lower()] = tuple(names)
    severity = dict(DEFAULT_SEVERITY) | {str(k): str(v) for k, v in value("severity", dict, {}).items()}
    wrong = sorted({v for v in severity.values()} - set(SEVERITY_CHOICES))
    if wrong:
        raise BlackboxError(f"{where}: blackbox.severity maps to {', '.join(wrong)}; use {', '.join(SEVERITY_CHOICES)}")
    default_severity = value("default_severity", str, "SEV3")
    incident_type = value("incident_type", str, "availability")
    if default_severity not in SEVERITY_CHOICES or incident_type not in TYPE_CHOICES:
        raise BlackboxError(f"{where}: blackbox.default_severity must be one of {', '.join(SEVERITY_CHOICES)} and "
                            f"blackbox.incident_type one of {', '.join(TYPE_CHOICES)}")
    webhook_path = value("webhook.path", str, "/pagerduty")
    out_dir = (config.root / value("out_dir", str, "incident-packs")).resolve()
    return Settings(
        root=config.root,
        out_dir=out_dir,
        # Beside the packs, not in .pmsite-cache/: deleting a cache must never lose a queued incident.
        queue_path=(config.root / value("queue", str, str(out_dir / ".queue.sqlite"))).resolve(),
        urls=urls,
        margin=dt.timedelta(minutes=value("margin_minutes", (int, float), 30)),
        channel_convention=value("slack.channel_convention", str, "inc-{number}"),
        channels=tuple(str(c).lstrip("#") for c in value("slack.channels", list, [])),
        workspace_url=value("slack.workspace_url", str, ""),
        repos=repos,
        dashboards=_dashboards(value("dashboards", list, []), where),
        chromium=value("chromium", str, "/usr/bin/chromium"),
        retries=max(1, value("retries", int, 3)),
        backoff_seconds=value("backoff_seconds", (int, float), 5.0),
        max_retry_after=value("max_retry_after_seconds", (int, float), 120.0),
        http_timeout=value("http_timeout_seconds", (int, float), 30.0),
        severity=severity,
        default_severity=default_severity,
        incident_type=incident_type,
        webhook_path="/" + webhook_path.lstrip("/"),
        max_body_bytes=value("webhook.max_body_bytes", int, DEFAULT_MAX_BODY),
        max_age=dt.timedelta(minutes=value("webhook.max_age_minutes", (int, float), 30)),
        publish=value("publish", dict, {}),
        token_file=value("token_file", str, ""),
    )


def _dashboards(entries: list, where: str) -> tuple[Dashboard, ...]:
    dashboards = []
    for index, entry in enumerate(entries):
        here = f"{where}: blackbox.dashboards[{index}]"
        if not isinstance(entry, dict) or not isinstance(entry.get("url"), str):
            raise BlackboxError(f"{here} needs a url (and optionally name, wait_for, wait_seconds, timeout_seconds)")
        if urlsplit(entry["url"]).scheme not in ("http", "https"):
            raise BlackboxError(f"{here}.url {entry['url']!r} is not an http(s) URL")
        try:
            dashboards.append(Dashboard(
                name=str(entry.get("name") or f"dashboard-{index + 1}"), url=entry["url"],
                wait_for=str(entry.get("wait_for") or ""), wait_seconds=float(entry.get("wait_seconds", 3)),
                timeout_seconds=float(entry.get("timeout_seconds", 60))))
        except (TypeError, ValueError):
            raise BlackboxError(f"{here}: wait_seconds and timeout_seconds must be numbers") from None
    names = [slugify(d.name) for d in dashboards]
    if len(set(names)) != len(names):
        raise BlackboxError(f"{where}: blackbox.dashboards: two dashboards have the same name once made a file "
                            "name (letters and digits); rename one")
    return tuple(dashboards)


class Secrets:
    """Tokens by name, from the environment or a private token file; never printed."""

    def __init__(self, values: dict[str, str]) -> None:
        self._values = {k: v for k, v in values.items() if v}

    def __repr__(self) -> str:  # a stray log line shows names, never values
        return f"Secrets({sorted(self._values)})"

    def get(self, name: str) -> str:
        return self._values.get(name, "")

    def values(self) -> list[str]:
        return list(self._values.values())


def load_secrets(environ: Mapping[str, str] | None = None, token_file: str | None = None) -> Secrets:
    """Environment variables win; ``token_file`` (or ``PMSITE_BLACKBOX_TOKEN_FILE``) fills the rest."""
    environ = os.environ if environ is None else environ
    values = {name: environ.get(name, "") for name in TOKEN_NAMES}
    token_file = token_file or environ.get("PMSITE_BLACKBOX_TOKEN_FILE")
    if token_file:
        values = _read_token_file(Path(token_file)) | {k: v for k, v in values.items() if v}
    return Secrets(values)


def _read_token_file(path: Path) -> dict[str, str]:
    try:
        mode = path.stat().st_mode
        if mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise BlackboxError(f"{path}: the token file is readable by others (mode {stat.S_IMODE(mode):04o}); "
                                f"run: chmod 600 {path}")
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise BlackboxError(f"{path}: cannot read the token file ({exc.strerror})") from None
    values = {}
    for number, line in enumerate(lines, start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        name, sep, token = line.partition("=")
        name = name.strip().removeprefix("export ").strip()
        if not sep or name not in TOKEN_NAMES:
            raise BlackboxError(f"{path}:{number}: expected NAME=value with NAME one of {', '.join(TOKEN_NAMES)}")
        values[name] = token.strip().strip("'\"")
    return values
