"""The ``decisions:`` front-matter block read into dataclasses.

Reading is tolerant: entries of the wrong shape are skipped or read as empty
text, because the schema already reports them at their lines; the site and the
reports then show what is usable.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from pmsite.model import Postmortem, parse_timestamp

CUE_TAGS = ("missing", "misleading", "late", "ambiguous", "conflicting")


@dataclass(frozen=True)
class Option:
    text: str
    would_take: str = ""
    known: str = ""


@dataclass(frozen=True)
class Cue:
    text: str
    tag: str
    #: Optional short name grouping the same cue across postmortems.
    signal: str = ""


@dataclass(frozen=True)
class Decision:
    #: 0-based position in the ``decisions`` list (the key path of its findings).
    index: int
    at: dt.datetime | None
    at_text: str
    who: str
    situation: str
    options: tuple[Option, ...]
    chosen: str
    why: str
    cues: tuple[Cue, ...] = ()
    outcome: str = ""

    @property
    def number(self) -> int:
        """1-based, as ``pmsite decisions --edit N`` and the map count them."""
        return self.index + 1

    @property
    def chosen_index(self) -> int | None:
        """Which option was taken: ``chosen`` matches its text, ignoring case and spacing."""
        wanted = same_text(self.chosen)
        return next((i for i, option in enumerate(self.options) if same_text(option.text) == wanted), None)


def same_text(value: str) -> str:
    return " ".join(value.split()).casefold()


def _text(value: Any) -> str:
    return " ".join(str(value).split()) if isinstance(value, (str, int, float)) and not isinstance(value, bool) else ""


def _entries(value: Any) -> list[dict[str, Any]]:
    return [entry for entry in value if isinstance(entry, dict)] if isinstance(value, list) else []


def decisions_of(pm: Postmortem) -> list[Decision]:
    """Every decision point of a postmortem that is a mapping, in file order."""
    raw = pm.meta.get("decisions")
    result = []
    for index, entry in enumerate(raw if isinstance(raw, list) else []):
        if not isinstance(entry, dict):
            continue
        options = tuple(Option(_text(o.get("option")), _text(o.get("would_take")), _text(o.get("known")))
                        for o in _entries(entry.get("options")))
        cues = tuple(Cue(_text(c.get("cue")), _text(c.get("tag")), _text(c.get("signal")))
                     for c in _entries(entry.get("cues")))
        result.append(Decision(
            index=index, at=parse_timestamp(entry.get("at")), at_text=_text(entry.get("at")),
            who=_text(entry.get("who")), situation=_text(entry.get("situation")), options=options,
            chosen=_text(entry.get("chosen")), why=_text(entry.get("why")), cues=cues,
            outcome=_text(entry.get("outcome")),
        ))
    return result


def incident_window(pm: Postmortem) -> tuple[dt.datetime | None, dt.datetime | None]:
    """From ``started_at`` (or ``detected_at``) to ``resolved_at`` (or ``mitigated_at``), as far as known."""
    start = pm.timestamp("started_at") or pm.timestamp("detected_at")
    end = pm.timestamp("resolved_at") or pm.timestamp("mitigated_at")
    return start, end
