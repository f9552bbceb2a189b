"""The analysis sections a postmortem is asked for, by severity and type.

One table serves both ``pmsite new`` (which writes the headings with their
guidance) and ``pmsite validate`` (which checks published SEV1/SEV2 postmortems
carry the headings their template asked for), so the two cannot drift apart.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable


@dataclass(frozen=True)
class Section:
    title: str
    #: Guidance shown to the author inside an HTML comment (the linter ignores comments).
    guidance: str
    #: Checked by ``validate`` on published SEV1/SEV2 postmortems.
    required_when_deep: bool = False


COMMON_HEAD = (
    Section("Summary", "Two or three sentences: what happened to whom, for how long, and what we learned. "
            "Write it so an engineer on another team checks their own system."),
    Section("Impact", "Who noticed what, for how long, and how much: requests failed, orders delayed, "
            "data affected. Numbers beat adjectives."),
    Section("Timeline", "Times in UTC. Record what people saw and did, and what the system did, without "
            "judging it. `pmsite timeline` can build this table from chat and paging exports.", True),
    Section("The second story", "For each key decision: what did the people involved know, see and "
            "expect at that moment? What made the action make sense at the time? Ask 'what', not 'who'.", True),
    Section("Contributing factors and latent conditions", "Which layers of defence had holes "
            "(design, tests, review, deploy safety, monitoring, runbooks)? Which conditions were in place "
            "long before the day? There is rarely a single root cause.", True),
)

DEEP = (
    Section("Decision points", "List the moments where the response could have gone another way. For each: "
            "the options people saw, the information they had, the pressures (time, load, ambiguity) "
            "and what the system showed them. 'pmsite decisions PATH' interviews you for each point and "
            "writes the decision map (docs/decisions.md).", True),
    Section("Detection gap", "How long between the start and detection? Which signal existed but did "
            "not alert, and why? What would have shown it sooner?", True),
)

BY_TYPE = {
    "security": (
        Section("Exposure window", "From when to when was the weakness exploitable, and from when to when "
                "was it exploited, if at all? What data or access was exposed, to whom?", True),
        Section("Disclosure", "Who was told (customers, regulators, partners), when, and by whom? "
                "What obligations applied and how were they met?", True),
    ),
    "data-loss": (
        Section("Data recovery and verification", "What was lost, what was recovered, from where "
                "(backups, replicas, logs), and how was the recovered data verified to be complete "
                "and correct?", True),
    ),
    "data-integrity": (
        Section("Data recovery and verification", "Which records were wrong, how were they found and "
                "corrected, and how was the correction verified?", True),
    ),
}

COMMON_TAIL = (
    Section("What went well", "Which defences held? What helped people respond: tools, runbooks, colleagues?"),
    Section("Where we got lucky", "What kept this from being worse that we cannot count on next time?"),
    Section("Action items", "Keep the list in the front-matter (action_items). Prefer systemic fixes that "
            "remove a latent condition over mitigations; 'be more careful' is not an action item."),
    Section("Lessons", "What does the organisation know now that it did not know before?"),
)


def is_deep(severity: str) -> bool:
    """SEV1 and SEV2 get the decision-point and detection-gap analysis."""
    return severity in ("SEV1", "SEV2")


def sections_for(severity: str, incident_type: str) -> list[Section]:
    """The headings a template asks for, in order."""
    deep = DEEP if is_deep(severity) else ()
    return [*COMMON_HEAD, *deep, *BY_TYPE.get(incident_type, ()), *COMMON_TAIL]


def required_titles(severity: str, incident_type: str) -> list[str]:
    return [s.title for s in sections_for(severity, incident_type) if s.required_when_deep]


_ATX_HEADING = re.compile(r"^ {0,3}(#{1,6})[ \t]+(.+?)[ \t#]*$")
_FENCE_OPEN = re.compile(r"^ {0,3}(`{3,}|~{3,})")


def headings(body: str) -> list[tuple[int, int, str]]:
    """ATX headings outside fenced code: (line offset in body, level, text)."""
    found = []
    fence: str | None = None
    for number, line in enumerate(body.split("\n")):
        fence_match = _FENCE_OPEN.match(line)
        if fence_match:
            marker = fence_match.group(1)
            if fence is None:
                fence = marker[0] * len(marker)
            elif marker.startswith(fence):
                fence = None
            continue
        if fence is None:
            heading = _ATX_HEADING.match(line)
            if heading:
                found.append((number, len(heading.group(1)), heading.group(2).strip()))
    return found


def normalise_title(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", title.lower()).strip()


_COMMENT = re.compile(r"<!--.*?(?:-->|\Z)", re.DOTALL)
#: Lines that stand for text still to be written.
_PLACEHOLDER = re.compile(r"^[-*+>\s]*(tbd|tba|tbc|todo|fixme|xxx|to be (written|done|completed|decided)|coming soon|\.\.\.|…)"
                          r"[\s.:!-]*$", re.IGNORECASE)
_TABLE_RULE = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$")


@dataclass(frozen=True)
class SectionText:
    """A heading and the text under it, up to the next heading of the same or a higher level."""

    title: str
    #: Line offset of the heading in the body.
    line: int
    level: int
    text: str

    @property
    def is_blank(self) -> bool:
        """Nothing but guidance comments, sub-headings, placeholders (TBD, TODO, ...), whitespace
        or an empty table skeleton.

        The template's guidance is an HTML comment and its timeline an empty table row,
        so a section left as the template wrote it counts as empty.
        """
        lines = [line.strip() for line in _COMMENT.sub("", self.text).split("\n")]
        for number, line in enumerate(lines):
            if not line or _ATX_HEADING.match(line) or _TABLE_RULE.match(line) or _PLACEHOLDER.match(line):
                continue
            if line.startswith("|"):
                cells = [cell.strip() for cell in line.strip("|").split("|")]
                is_header = number + 1 < len(lines) and _TABLE_RULE.match(lines[number + 1])
                if is_header or not any(cells[1:]):  # a header, or a row with only a time in it
                    continue
            return False
        return True


def section_texts(body: str) -> list[SectionText]:
    """Every heading outside fenced code with the text it owns."""
    found = headings(body)
    lines = body.split("\n")
    texts = []
    for index, (line, level, title) in enumerate(found):
        end = next((other for other, other_level, _ in found[index + 1:] if other_level <= level), len(lines))
        texts.append(SectionText(title, line, level, "\n".join(lines[line + 1:end])))
    return texts


def matches(heading: str, title: str) -> bool:
    """A heading stands for a template section when one name starts the other ("Timeline (UTC)")."""
    have, wanted = normalise_title(heading), normalise_title(title)
    return bool(have) and (have.startswith(wanted) or wanted.startswith(have))


def find_sections(body: str, titles: Iterable[str]) -> dict[str, SectionText | None]:
    """For each wanted title, the first section of the body that stands for it (None when missing)."""
    texts = section_texts(body)
    return {title: next((t for t in texts if matches(t.title, title)), None) for title in titles}
