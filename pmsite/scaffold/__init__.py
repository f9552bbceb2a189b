"""Scaffold postmortems (``pmsite new``) and whole repositories (``pmsite init``).

The template is built from ``pmsite.sections`` so what it asks for is exactly
what ``validate`` later checks. Neither command ever overwrites a file.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2
import yaml

from pmsite import sections
from pmsite.config import Config
from pmsite.errors import ScaffoldError
from pmsite.resources import scaffold_dir
from pmsite.validate import TIMESTAMP_ORDER

SEVERITY_CHOICES = ("SEV1", "SEV2", "SEV3", "SEV4")
TYPE_CHOICES = ("availability", "performance", "security", "data-loss", "data-integrity", "capacity", "other")
_ID_NUMBER = re.compile(r"^(?P<prefix>[A-Z][A-Z0-9]*)-(?P<year>\d{4})-(?P<number>\d+)$")
_ID_IN_TEXT = re.compile(r"^id:\s*['\"]?([A-Z][A-Z0-9]*-\d{4}-\d+)", re.MULTILINE)


def slugify(title: str, max_length: int = 60) -> str:
    """ASCII, lower case, hyphens: safe as a file name and a URL on every system."""
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_title.lower()).strip("-")
    if len(slug) > max_length:
        slug = slug[:max_length].rsplit("-", 1)[0] or slug[:max_length]
    return slug


def next_id(content_dir: Path, year: int, prefix: str = "PM") -> str:
    """The next free ``PREFIX-YEAR-NNN``, reading ids from every file (valid or not)."""
    highest = 0
    if content_dir.is_dir():
        for path in content_dir.rglob("*.md"):
            try:
                head = path.read_text(encoding="utf-8-sig", errors="replace")[:4096]
            except OSError:
                continue
            for match in _ID_IN_TEXT.finditer(head):
                parts = _ID_NUMBER.match(match.group(1))
                if parts and parts["prefix"] == prefix and int(parts["year"]) == year:
                    highest = max(highest, int(parts["number"]))
    return f"{prefix}-{year}-{highest + 1:03d}"


def _yaml_scalar(value: Any) -> str:
    """One YAML value on one line: quoted when it has to be, flow style for lists."""
    return yaml.safe_dump(value, default_flow_style=True, allow_unicode=True, width=10_000).strip().removesuffix("\n...").removesuffix("...").strip()


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(scaffold_dir())),
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
        autoescape=False,  # Markdown and YAML, not HTML: values go through the yaml filter instead
    )
    env.filters["yaml"] = _yaml_scalar
    return env


@dataclass
class Draft:
    """What ``pmsite new`` needs; importers fill ``prefill`` and ``timeline``."""

    title: str
    severity: str
    incident_type: str
    date: dt.date
    #: Front-matter values known up front: started_at, detected_at, ..., services, teams, participants, incident_url.
    prefill: dict[str, Any] = field(default_factory=dict)
    #: A Markdown timeline table to put under "## Timeline".
    timeline: str = ""


#: Characters the schema refuses in service, team and people names (``$defs/name``), and U+FFFD,
#: which stands where an export had a control character.
_NOT_IN_NAMES = re.compile("[<>&\"'`\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2066-\u2069\ufeff\ufffd]+")
_NAME_LISTS = ("services", "teams", "participants")


def _names(values: list[str]) -> list[str]:
    """Names from an export as the schema accepts them: refused characters become spaces."""
    cleaned = (" ".join(_NOT_IN_NAMES.sub(" ", str(value)).split()) for value in values)
    return list(dict.fromkeys(name for name in cleaned if name))


def render_draft(draft: Draft, postmortem_id: str) -> str:
    prefill = {key: None for key in TIMESTAMP_ORDER} | {"detection": None, "services": [], "incident_url": None,
                                                        "teams": [], "participants": []}
    prefill.update({k: v for k, v in draft.prefill.items() if v})
    prefill.update({key: _names(prefill[key]) for key in _NAME_LISTS})  # exports are untrusted text
    return _environment().get_template("postmortem.md.j2").render(
        id=postmortem_id,
        title=draft.title,
        severity=draft.severity,
        type=draft.incident_type,
        date=draft.date.isoformat(),
        deep=sections.is_deep(draft.severity),
        sections=sections.sections_for(draft.severity, draft.incident_type),
        timestamp_keys=TIMESTAMP_ORDER,
        prefill=prefill,
        timeline=draft.timeline.strip(),
    )


def new_postmortem(config: Config, draft: Draft) -> Path:
    """Write ``content/postmortems/YYYY-MM-DD-slug.md``; refuse to overwrite."""
    if not draft.title.strip():
        raise ScaffoldError("the title is empty; describe what happened to the system, e.g. 'Checkout latency after cache flush'")
    slug = slugify(draft.title)
    if not slug:
        raise ScaffoldError(f"the title {draft.title!r} has no letters or digits to build a file name from")
    target = config.content_dir / f"{draft.date.isoformat()}-{slug}.md"
    if target.exists():
        raise ScaffoldError(f"{config.display_path(target)} already exists; pmsite never overwrites a postmortem. "
                            "Pick another title or --date, or edit the existing file.")
    prefix = str(config.raw.get("id_prefix") or "PM")
    text = render_draft(draft, next_id(config.content_dir, draft.date.year, prefix))
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        with target.open("x", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
    except FileExistsError:
        raise ScaffoldError(f"{config.display_path(target)} already exists; pmsite never overwrites a postmortem") from None
    return target


#: In a scaffold file name, the day ``pmsite init`` runs (the example is dated today).
_TODAY = "TODAY"


def _init_files(today: dt.date) -> dict[str, Path]:
    """Relative target path -> template file; ``dot-`` names become dotfiles, ``TODAY`` the date."""
    source = scaffold_dir() / "init"
    files = {}
    for path in sorted(source.rglob("*")):
        if path.is_file() and path.name != "__pycache__":
            relative = "/".join(part.replace("dot-", ".", 1) if part.startswith("dot-") else part
                                for part in path.relative_to(source).parts)
            files[relative.replace(_TODAY, today.isoformat()).removesuffix(".j2")] = path
    return files


def _init_text(source: Path, today: dt.date) -> bytes:
    """A ``.j2`` scaffold file is rendered with ``today`` (so the example never starts out overdue)."""
    if source.suffix != ".j2":
        return source.read_bytes()
    template = _environment().from_string(source.read_text(encoding="utf-8"))
    return template.render(today=today, days=lambda n: dt.timedelta(days=n)).encode("utf-8")


@dataclass
class InitResult:
    written: list[Path]
    #: The folder of the git repository ``init`` created, or None when ``target`` already was in one.
    git_initialised: Path | None


def init_repository(target: Path, today: dt.date) -> InitResult:
    """Scaffold a postmortem repository in ``target``; write nothing if any file exists.

    The example postmortem is a draft dated ``today``: it counts in no figure and
    no action item of it is overdue. Outside a git repository, one is created, as
    publication and completion dates come from history.
    """
    files = _init_files(today)
    existing = [rel for rel in files if (target / rel).exists()]
    if existing:
        raise ScaffoldError(
            f"{target}: these files already exist and pmsite init never overwrites: {', '.join(existing)}. "
            "Run it in an empty folder, or move those files away first."
        )
    written = []
    for relative, source in files.items():
        destination = target / relative
        destination.parent.mkdir(parents=True, exist_ok=True)
        destination.write_bytes(_init_text(source, today))
        written.append(destination)
    return InitResult(written, _git_init(target))


def _git_init(target: Path) -> Path | None:
    import pygit2  # only init needs it here; the history stage does the reading

    if pygit2.discover_repository(str(target)) is not None:
        return None
    pygit2.init_repository(str(target), initial_head="main")
    return target
