"""The analysis sections a postmortem is asked for, by severity and type.

One table serves both ``pmsite new`` (which writes the headings with their
guidance) and ``pmsite validate`` (which checks published SEV1/SEV2 postmortems
carry the headings their template asked for), so the two cannot drift apart.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import accumulate
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
#: A setext underline: '=' makes the paragraph above an h1, '-' an h2 (no spaces inside: '- - -' is a rule).
_SETEXT_UNDERLINE = re.compile(r"^ {0,3}(=+|-+)[ \t]*$")
#: List items and quotes: their text is theirs, not the document's (a heading there is no section).
_CONTAINER = re.compile(r"^ {0,3}(?:[-+*]|\d{1,9}[.)]|(>))(?:([ \t]+)|$)")
_THEMATIC_BREAK = re.compile(r"^ {0,3}((\*[ \t]*){3,}|(_[ \t]*){3,}|(-[ \t]*){3,})$")
_INDENTED_CODE = re.compile(r"^( {4}| {0,3}\t)")
_TABLE_DELIMITER = re.compile(r"^ {0,3}\|?[ \t]*:?-+:?[ \t]*(\|[ \t]*:?-+:?[ \t]*)*\|?[ \t]*$")
_TABLE_CELL_BORDER = re.compile(r"(?<!\\)\|")
_HTML_BLOCK_TAGS = (
    "address|article|aside|base|basefont|blockquote|body|caption|center|col|colgroup|dd|details|dialog|dir|div|dl|dt"
    "|fieldset|figcaption|figure|footer|form|frame|frameset|h[1-6]|head|header|hr|html|iframe|legend|li|link|main"
    "|menu|menuitem|nav|noframes|ol|optgroup|option|p|param|search|section|summary|table|tbody|td|tfoot|th|thead"
    "|title|tr|track|ul")
#: CommonMark's HTML blocks as (start, end): the end is a pattern of the line that closes the block,
#: None for "a blank line". The last kind (a lone tag) cannot interrupt a paragraph.
_HTML_BLOCKS = tuple((re.compile(start, re.IGNORECASE), re.compile(end, re.IGNORECASE) if end else None) for start, end in (
    (r"^ {0,3}<(script|pre|style|textarea)([ \t>]|$)", r"</(script|pre|style|textarea)>"),
    (r"^ {0,3}<!--", r"-->"),
    (r"^ {0,3}<\?", r"\?>"),
    (r"^ {0,3}<![a-z]", r">"),
    (r"^ {0,3}<!\[CDATA\[", r"\]\]>"),
    (rf"^ {{0,3}}</?({_HTML_BLOCK_TAGS})([ \t>]|/>|$)", None),
    (r"^ {0,3}(<[a-z][a-z0-9-]*(\s+[a-z_:][\w.:-]*(\s*=\s*([^\s\"'=<>`]+|'[^']*'|\"[^\"]*\"))?)*\s*/?>"
     r"|</[a-z][a-z0-9-]*\s*>)[ \t]*$", None),
))
_YAML_KEY = re.compile(r"^[A-Za-z_][\w .-]*:(\s|$)")


@dataclass(frozen=True)
class Heading:
    #: Line offsets in the body of the heading's first line and of its last (a setext underline).
    line: int
    last_line: int
    level: int
    text: str


def _front_matter_end(lines: list[str]) -> int:
    """Lines taken by a leading YAML front-matter block ('---', 'key: ...', ..., '---' or '...'), else 0."""
    if len(lines) < 3 or lines[0].rstrip() != "---" or not _YAML_KEY.match(lines[1]):
        return 0
    closing = next((n for n in range(1, len(lines)) if lines[n].rstrip() in ("---", "...")), None)
    return 0 if closing is None else closing + 1


def _cells(row: str) -> int:
    return len(_TABLE_CELL_BORDER.split(row.strip().removeprefix("|").removesuffix("|")))


def heading_spans(body: str) -> list[Heading]:
    """ATX ('## Title') and setext ('Title' over '=====' or '-----') headings of the document, in order.

    Read as CommonMark (with GitHub's tables) reads them, closely enough for section checks:
    nothing in fenced code, HTML blocks, tables, list items, quotes or a leading front-matter
    counts, and a '---' line ends a setext heading only under a paragraph line: after a
    blank line (or a list item, a table) it is a thematic break.
    """
    lines = body.split("\n")
    found: list[Heading] = []
    fence: str | None = None
    html_end: re.Pattern | None = None  # the end of the HTML block being read (None with a blank line)
    in_html = in_table = in_container = after_blank = False
    lazy = False  # the list item or quote has text a line can continue
    item_has_text = False  # a list item with no text ends at a blank line
    item_indent = 0  # the list item's text starts in this column (0 in a quote: a blank line ends it)
    paragraph: int | None = None  # first line of the top-level paragraph the current line continues
    for number in range(_front_matter_end(lines), len(lines)):
        line = lines[number]
        blank = not line.strip()
        if fence is not None:
            marker = _FENCE_OPEN.match(line)
            if marker and marker.group(1).startswith(fence) and not line[marker.end():].strip():
                fence = None
            continue
        if in_html:
            in_html = not (html_end.search(line) if html_end else blank)
            after_blank = blank
            continue
        if blank:
            # A quote ends at a blank line, and so does an item that has no text yet.
            in_container = in_container and item_indent > 0 and item_has_text
            paragraph, in_table, after_blank = None, False, True
            continue
        expanded = line.expandtabs(4) if "\t" in line else line
        indent = len(expanded) - len(expanded.lstrip())
        if in_container and item_indent and indent >= item_indent:
            after_blank, lazy, item_has_text = False, not _ATX_HEADING.match(line.lstrip()), True
            continue  # indented under a list item: its own text
        first = expanded[indent] if indent < len(expanded) else ""  # most lines start with a letter: skip the patterns
        heading = first == "#" and _ATX_HEADING.match(line)
        fence_match = first in "`~" and _FENCE_OPEN.match(line)
        continues_text = paragraph is not None or (in_container and lazy and not after_blank)
        html = first == "<" and next(((start, end) for kind, (start, end) in enumerate(_HTML_BLOCKS)
                                      if (not continues_text or kind < len(_HTML_BLOCKS) - 1) and start.match(line)), None)
        if heading or fence_match or html:
            paragraph = None
            in_table = in_container = False
        if heading:
            found.append(Heading(number, number, len(heading.group(1)), heading.group(2).strip()))
        elif fence_match:
            fence = fence_match.group(1)[0] * len(fence_match.group(1))
        elif html:
            html_end = html[1]
            in_html = not (html_end.search(line[html[0].match(line).end():]) if html_end else False)
        elif in_table and indent < 4 and not _THEMATIC_BREAK.match(line) and not _CONTAINER.match(line):
            pass  # a row
        elif paragraph is not None and _TABLE_DELIMITER.match(line) and "|" in lines[number - 1] \
                and _cells(lines[number - 1]) == _cells(line):
            paragraph, in_table = None, True  # the line above is the table's header row
        elif paragraph is not None and (underline := _SETEXT_UNDERLINE.match(line)):
            text = " ".join(part.strip() for part in lines[paragraph:number])
            found.append(Heading(paragraph, number, 1 if underline.group(1)[0] == "=" else 2, text))
            paragraph = None
        elif _THEMATIC_BREAK.match(line):
            paragraph, in_table, in_container = None, False, False
        elif container := _CONTAINER.match(line):
            paragraph, in_table, in_container = None, False, True
            lazy = item_has_text = bool(line[container.end():].strip())  # an empty item has no text to continue
            spaces = len((container.group(2) or "").expandtabs(4))
            item_indent = 0 if container.group(1) else container.end() - len(container.group(2) or "") + (
                spaces if lazy and spaces <= 4 else 1)
        elif in_container and lazy and not after_blank:
            pass  # the lazy continuation of a list item's or quote's text
        elif paragraph is None:
            in_table = in_container = False
            paragraph = None if _INDENTED_CODE.match(line) else number  # else: indented code
        after_blank = False
    return found


def heading_offsets(body: str) -> list[tuple[int, Heading]]:
    """Each heading with the offset in ``body`` where its first line starts."""
    line_starts = [0, *accumulate(len(line) + 1 for line in body.split("\n"))]
    return [(line_starts[heading.line], heading) for heading in heading_spans(body)]


def headings(body: str) -> list[tuple[int, int, str]]:
    """ATX and setext headings outside fenced code and front-matter: (line offset in body, level, text)."""
    return [(heading.line, heading.level, heading.text) for heading in heading_spans(body)]


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
        text = _COMMENT.sub("", self.text)
        in_headings = {n for heading in heading_spans(text) for n in range(heading.line, heading.last_line + 1)}
        lines = [line.strip() for line in text.split("\n")]
        for number, line in enumerate(lines):
            if not line or number in in_headings or _TABLE_RULE.match(line) or _PLACEHOLDER.match(line):
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
    found = heading_spans(body)
    lines = body.split("\n")
    texts = []
    for index, heading in enumerate(found):
        end = next((other.line for other in found[index + 1:] if other.level <= heading.level), len(lines))
        texts.append(SectionText(heading.text, heading.line, heading.level,
                                 "\n".join(lines[heading.last_line + 1:end])))
    return texts


def matches(heading: str, title: str) -> bool:
    """A heading stands for a template section when one name starts the other ("Timeline (UTC)")."""
    have, wanted = normalise_title(heading), normalise_title(title)
    return bool(have) and (have.startswith(wanted) or wanted.startswith(have))


def find_sections(body: str, titles: Iterable[str]) -> dict[str, SectionText | None]:
    """For each wanted title, the first section of the body that stands for it (None when missing)."""
    texts = section_texts(body)
    return {title: next((t for t in texts if matches(t.title, title)), None) for title in titles}
