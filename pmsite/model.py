"""The small dataclasses every stage passes along.

A ``Postmortem`` remembers where each front-matter key and the body came from
in the original file, so any stage can report ``path:line:column`` without
re-reading the file.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from enum import IntEnum
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any, NamedTuple

from pmsite.cache import digest
from pmsite.timeutil import in_supported_range, parse_iso_datetime

SEVERITIES = ("SEV1", "SEV2", "SEV3", "SEV4")
STATUSES = ("draft", "in-review", "published", "wont_publish")
FINDING_LEVELS = ("info", "warning", "error")

#: A front-matter location: a tuple of keys and list indexes, e.g. ("action_items", 0, "owner").
KeyPath = tuple


class ExitStatus(IntEnum):
    """Process exit codes shared by every command (DESIGN.md, CLI contract)."""

    OK = 0
    FINDINGS = 1
    USAGE = 2


def level_rank(level: str) -> int:
    """Order finding severities so ``--min-severity`` can compare them."""
    return FINDING_LEVELS.index(level)


class Position(NamedTuple):
    """A 1-based line and column in the original file (a tuple: cheap to build and to cache)."""

    line: int
    column: int


@dataclass(frozen=True)
class Fix:
    """A drop-in edit that resolves a finding: replace the range (1-based, end exclusive) with ``text``.

    Editors offer it as a quick fix, reviewdog as a suggested change and SARIF as a ``fix``;
    only rewrites that can stand in for the original words get one (``pmsite.fixes``).
    """

    line: int
    column: int
    end_line: int
    end_column: int
    text: str


@dataclass
class Finding:
    """One problem found by any stage: validation, lint or history."""

    path: str
    line: int
    column: int
    rule: str
    category: str
    severity: str
    message: str
    suggestion: str = ""
    end_line: int | None = None
    end_column: int | None = None
    #: The sentence or source line the finding is about, for text output.
    context: str = ""
    #: A drop-in rewrite, when the suggestion is one (``None`` otherwise).
    fix: Fix | None = None

    def __post_init__(self) -> None:
        if isinstance(self.fix, dict):  # read back from a cache or JSON
            self.fix = Fix(**self.fix)
        if self.end_line is None:
            self.end_line = self.line
        if self.end_column is None:
            self.end_column = self.column

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def sort_key(self) -> tuple:
        return (self.path, self.line, self.column, self.rule)


@dataclass
class Postmortem:
    """A loaded Markdown file: front-matter, body and a map back to the source."""

    path: Path
    #: Path shown to users: relative to the repository root when possible, POSIX style.
    display_path: str
    #: Whole file text with BOM removed and line endings normalised to ``\n``.
    #: Line numbers are unchanged by that normalisation.
    text: str
    meta: dict[str, Any] = field(default_factory=dict)
    body: str = ""
    #: 1-based line of the first body line in ``text``.
    body_line: int = 1
    #: Character offset of the body in ``text``.
    body_offset: int = 0
    #: Where each front-matter key (and list item) starts: KeyPath -> (line, column).
    #: Plain tuples keep loading and caching cheap; ``position_of`` gives a Position.
    key_positions: dict[KeyPath, tuple[int, int]] = field(default_factory=dict)
    #: Span of the front-matter block (lines of the opening and closing ``---``), if any.
    front_matter_lines: tuple[int, int] | None = None

    # -- content hashes: the keys of the per-file caches, computed once -------------
    @cached_property
    def text_digest(self) -> str:
        """Hash of ``text`` (load sets it from the hash it looked the file up by)."""
        return digest(self.text)

    @cached_property
    def body_digest(self) -> str:
        """Stands for the body in the render cache: the body is ``text`` from ``body_offset`` on."""
        return digest(self.text_digest, str(self.body_offset))

    # -- locations -----------------------------------------------------------------
    def position_of(self, key_path: KeyPath) -> Position:
        """Best position for a front-matter key path: the deepest known prefix."""
        key_path = tuple(key_path)
        while key_path:
            if key_path in self.key_positions:
                return Position(*self.key_positions[key_path])
            key_path = key_path[:-1]
        if self.front_matter_lines:
            return Position(self.front_matter_lines[0], 1)
        return Position(1, 1)

    # -- typed accessors used by later stages --------------------------------------
    @property
    def id(self) -> str:
        value = self.meta.get("id")
        return value if isinstance(value, str) else ""

    @property
    def title(self) -> str:
        value = self.meta.get("title")
        return str(value) if value is not None else self.path.stem

    @property
    def status(self) -> str:
        return str(self.meta.get("status", ""))

    @property
    def severity(self) -> str:
        return str(self.meta.get("severity", ""))

    @property
    def slug(self) -> str:
        return self.path.stem

    def date(self, key: str) -> dt.date | None:
        """A ``YYYY-MM-DD`` field as a date, or None when absent or malformed."""
        return parse_date(self.meta.get(key))

    def timestamp(self, key: str) -> dt.datetime | None:
        """An ISO 8601 timestamp field as an aware UTC datetime, or None."""
        return parse_timestamp(self.meta.get(key))

    def str_list(self, key: str) -> list[str]:
        value = self.meta.get(key) or []
        return [str(v) for v in value] if isinstance(value, list) else []

    @property
    def action_items(self) -> list[dict[str, Any]]:
        items = self.meta.get("action_items") or []
        return [item for item in items if isinstance(item, dict)] if isinstance(items, list) else []


def field_name(path: KeyPath) -> str:
    """``("action_items", 0, "owner")`` -> ``action_items[0].owner``, as messages name a field."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "front-matter"


def parse_date(value: Any) -> dt.date | None:
    """Accept the string form the loader keeps (``2024-03-07``) or a date object.

    A day outside ``SUPPORTED_YEARS`` is None, as a malformed one is: every stage
    reads dates through here, so none has to guard its date arithmetic.
    """
    if isinstance(value, dt.datetime):
        value = value.date()
    elif isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value.strip())
        except ValueError:
            return None
    return value if isinstance(value, dt.date) and in_supported_range(value) else None


def parse_timestamp(value: Any) -> dt.datetime | None:
    """Parse an ISO 8601 timestamp that carries an offset; naive times and times outside
    ``SUPPORTED_YEARS`` are rejected (None)."""
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.timezone.utc) if value.tzinfo is not None and in_supported_range(value) else None
    return _utc_timestamp(value) if isinstance(value, str) else None


@lru_cache(maxsize=8192)
def _utc_timestamp(text: str) -> dt.datetime | None:
    """Cached: every stage reads the same few timestamps of each postmortem, many times over."""
    text = text.strip()
    if len(text) < 16 or text[10] not in "Tt ":  # a date alone is not a timestamp
        return None
    parsed = parse_iso_datetime(text)
    if parsed is None or parsed.tzinfo is None or not in_supported_range(parsed):
        return None
    return parsed.astimezone(dt.timezone.utc)
