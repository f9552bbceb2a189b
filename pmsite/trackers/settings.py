"""``trackers:`` in pmsite.yaml, checked once; tokens come from the environment only."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

from pmsite.config import Config
from pmsite.errors import ConfigError

PMSITE_STATUSES = ("open", "in_progress", "blocked", "done", "wont_do")

#: Tracker state -> pmsite status when pmsite.yaml says nothing (lower case; see each client for the names).
DEFAULT_STATES = {
    "github": {"open": "open", "closed": "done", "closed/not_planned": "wont_do"},
    "jira": {"new": "open", "indeterminate": "in_progress", "done": "done"},
    "linear": {"triage": "open", "backlog": "open", "unstarted": "open", "started": "in_progress",
               "completed": "done", "canceled": "wont_do"},
}
#: Settings each tracker requires, with an example value for the message.
REQUIRED = {"github": {"repo": "acme/postmortems"}, "jira": {"url": "https://acme.atlassian.net", "project": "OPS"},
            "linear": {"team": "the team's id (Linear: Settings > Teams > copy id)"}}
KNOWN = {"repo", "api_url", "url", "project", "issue_type", "team", "endpoint", "token_env", "email_env",
         "states", "labels", "timeout", "retries", "backoff", "max_wait", "site_url"}
TOKEN_ENV = {"github": "GITHUB_TOKEN", "jira": "JIRA_API_TOKEN", "linear": "LINEAR_API_KEY"}


@dataclass(frozen=True)
class TrackerSettings:
    name: str
    options: dict[str, Any]
    #: pmsite owner (person or team) -> the tracker's user.
    users: dict[str, str]
    #: lower-case tracker state -> pmsite status.
    states: dict[str, str]
    timeout: float = 20.0
    retries: int = 4
    #: Seconds before the first retry; doubled each time.
    backoff: float = 1.0
    #: Longest wait pmsite accepts from Retry-After or a rate-limit reset before giving up on a call.
    max_wait: float = 120.0
    #: Absolute URL of the published site, for links to postmortem pages in issues.
    site_url: str = ""
    env: dict[str, str] = field(default_factory=lambda: dict(os.environ), repr=False)

    def option(self, key: str, default: str = "") -> str:
        value = self.options.get(key, default)
        return str(value) if value is not None else default

    def secret(self, env_key: str, default_env: str, what: str) -> str:
        """A token from the environment variable the settings name (never from pmsite.yaml)."""
        variable = self.option(env_key, default_env)
        value = self.env.get(variable, "").strip()
        if not value:
            raise ConfigError(f"{what} is not set: export {variable}=... (pmsite reads it from the environment "
                              f"only, so it never lands in the repository)")
        return value

    @classmethod
    def from_config(cls, config: Config, name: str, env: dict[str, str] | None = None) -> TrackerSettings:
        where = config.path.name if config.path else "pmsite.yaml"
        section = config.section("trackers")
        raw = section.get(name)
        if raw is None:
            example = ", ".join(f"{k}: {v}" for k, v in REQUIRED[name].items())
            raise ConfigError(f"{where}: trackers.{name} is missing; add it, e.g. 'trackers: {{{name}: {{{example}}}}}'")
        if not isinstance(raw, dict):
            raise ConfigError(f"{where}: trackers.{name} must be a mapping of settings")
        unknown = sorted(set(map(str, raw)) - KNOWN)
        if unknown:
            raise ConfigError(f"{where}: trackers.{name}.{unknown[0]} is not a setting; known: {', '.join(sorted(KNOWN))}")
        for key, example in REQUIRED[name].items():
            if key == "url" and name == "jira" and not raw.get(key):
                raise ConfigError(f"{where}: trackers.jira.url is missing: the Jira site, e.g. {example}")
            if not raw.get(key) and not (key == "repo" and (env or os.environ).get("GITHUB_REPOSITORY")):
                raise ConfigError(f"{where}: trackers.{name}.{key} is missing, e.g. {example}")
        users = section.get("users") or {}
        if not isinstance(users, dict) or not all(isinstance(v, (str, dict)) for v in users.values()):
            raise ConfigError(f"{where}: trackers.users must map owners to tracker users, "
                              f"e.g. 'users: {{priya: {{github: priya-r, jira: 5b10ac8d82e05b22cc7d4ef5}}}}'")
        mapped = {}
        for owner, value in users.items():
            user = value.get(name) if isinstance(value, dict) else value
            if user:
                mapped[str(owner)] = str(user)
        states = {**DEFAULT_STATES[name]}
        custom = raw.get("states") or {}
        if not isinstance(custom, dict):
            raise ConfigError(f"{where}: trackers.{name}.states must map tracker states to pmsite statuses")
        for state, status in custom.items():
            if status not in PMSITE_STATUSES:
                raise ConfigError(f"{where}: trackers.{name}.states maps {state!r} to {status!r}; "
                                  f"pmsite statuses are {', '.join(PMSITE_STATUSES)}")
            states[str(state).lower()] = status
        numbers = {}
        for key, default in (("timeout", 20.0), ("retries", 4), ("backoff", 1.0), ("max_wait", 120.0)):
            value = raw.get(key, default)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
                raise ConfigError(f"{where}: trackers.{name}.{key} must be a number of 0 or more, got {value!r}")
            numbers[key] = value
        site_url = str(raw.get("site_url") or section.get("site_url") or "")
        if not site_url and config.base_url.startswith(("http://", "https://")):
            site_url = config.base_url
        return cls(name=name, options=dict(raw), users=mapped, states=states, timeout=float(numbers["timeout"]),
                   retries=int(numbers["retries"]), backoff=float(numbers["backoff"]),
                   max_wait=float(numbers["max_wait"]), site_url=site_url,
                   env=dict(env if env is not None else os.environ))
