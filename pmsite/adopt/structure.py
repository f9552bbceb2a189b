"""The shapes of a Markdown postmortem that inference reads: sections, lists, tables,
``Label: value`` lines, and the dates, times, zones and durations written in them.

Everything is plain parsing of what is written; nothing is guessed here.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from pmsite import sections


@dataclass
class Section:
    title: str
    level: int
    #: 1-based line of the heading in the Markdown text (0 for text before the first heading).
    line: int
    #: (1-based line, text) of the lines under the heading, sub-sections included.
    lines: list[tuple[int, str]] = field(default_factory=list)

    def where(self) -> str:
        return f"heading '{self.title}' (line {self.line})" if self.line else "the text before the first heading"


def split_sections(text: str) -> list[Section]:
    """Each heading with the lines up to the next heading of the same or a higher level."""
    lines = text.split("\n")
    found = sections.headings(text)
    result = [Section("", 0, 0, [(n + 1, lines[n]) for n in range(found[0][0] if found else len(lines))])]
    for index, (offset, level, title) in enumerate(found):
        end = next((o for o, lvl, _ in found[index + 1:] if lvl <= level), len(lines))
        result.append(Section(plain(title), level, offset + 1, [(n + 1, lines[n]) for n in range(offset + 1, end)]))
    return result


#: A heading's number: '1.', '2.3', 'IV.', 'A)' ('## 1. Executive Summary' in a corporate template).
_HEADING_NUMBER = re.compile(r"^\s*(?:\d{1,2}(?:\.\d{1,2})*\.?|[IVXivx]{1,4}[.)]|[A-Ha-h][.)])\s+(?=\S)")


def section_name(title: str) -> str:
    """A heading as its section's name is matched: lower case, no punctuation, without its number or a
    closing bracket ('Action items (owner/due)')."""
    return sections.normalise_title(re.sub(r"\s*\([^()]*\)\W*$", "", _HEADING_NUMBER.sub("", title)) or title)


def find_sections(all_sections: list[Section], pattern: re.Pattern) -> list[Section]:
    """Sections whose title matches, outermost only (a match inside a match is part of it)."""
    matched = [s for s in all_sections if s.line and pattern.search(section_name(s.title))]
    return [s for s in matched if not any(o is not s and o.line < s.line and s.line <= o.lines[-1][0]
                                          for o in matched if o.lines)]


_LINK = re.compile(r"!?\[([^\]]*)\]\(([^)\s]*)(?:\s+\"[^\"]*\")?\)")
_EMPHASIS = re.compile(r"(\*\*|__|\*|_|~~|`)(?=\S)(.+?)(?<=\S)\1")
_TAG = re.compile(r"<[^>]{0,200}>")
#: Control, zero-width and direction characters (exports carry them) never reach a front-matter value.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")


def plain(text: str) -> str:
    """Markdown inline text as plain text: link labels, no emphasis, no tags, entities decoded."""
    text = _LINK.sub(lambda m: m.group(1) or m.group(2), text)
    for _ in range(2):
        text = _EMPHASIS.sub(r"\2", text)
    text = _TAG.sub(" ", text).replace("\\", "")
    return re.sub(r"\s+", " ", _CONTROL.sub("", html.unescape(text))).strip()


def person(text: str) -> str:
    """A name as written, without the '@' of a mention ('@kavi') or of Google's 'user@' shorthand ('kavi@')."""
    return re.sub(r"^@(?=\w)|(?<=\w)@$", "", text.strip())


def links(text: str) -> list[str]:
    urls = [m.group(2) for m in _LINK.finditer(text)] + re.findall(r"<(https?://[^>\s]+)>", text)
    urls += re.findall(r"(?<![(<\[])\bhttps?://[^\s)>\]|]+", _LINK.sub("", text))
    return [u for u in dict.fromkeys(urls) if u.startswith(("http://", "https://"))]


# -- lists ----------------------------------------------------------------------------------
#: A list item: '- ', '1. ', or an HTML '<li>' line that Markdown files may hold.
#: A checkbox needs no list marker: Dropbox Paper and some exports write '[ ] Add an alert' or '☐ Add an alert'.
_ITEM = re.compile(r"^(?P<indent>\s*)(?:[-*+]\s|\d{1,3}[.)]\s|<li\b[^>]*>|(?=\\?\[[ xX]\\?\]\s|[☐☑☒]\s))\s*(?:\\?\[(?P<box>[ xX])\\?\]\s+|(?P<glyph>[☐☑☒✅✔✓])\s*)?"
                   r"(?P<text>.*)$")


@dataclass
class ListItem:
    line: int
    text: str
    #: None without a checkbox, else whether it is ticked.
    checked: bool | None
    children: list[str] = field(default_factory=list)


def list_items(lines: list[tuple[int, str]]) -> list[ListItem]:
    """Top-level list items (continuation lines joined); nested items become ``children``."""
    items: list[ListItem] = []
    top_indent: int | None = None
    previous_blank = True
    for number, line in lines:
        match = _ITEM.match(line)
        if match:
            indent = len(match["indent"].expandtabs(4))
            if top_indent is None or indent <= top_indent:
                top_indent = indent
                box = match["box"] if match["box"] is not None else match["glyph"]
                items.append(ListItem(number, match["text"].strip(), None if box is None else box in "xX☑☒✅✔✓"))
            elif items:
                items[-1].children.append(match["text"].strip())
        elif items and line.strip() and not line.lstrip().startswith(("|", "#")) and (
                line.startswith((" ", "\t")) or not previous_blank):
            target = items[-1]
            if target.children:
                target.children[-1] += " " + line.strip()
            else:
                target.text += " " + line.strip()
        elif line.strip():
            top_indent = None  # a paragraph ends the list
        previous_blank = not line.strip()
    return [item for item in items if plain(item.text)]


def paragraphs(lines: list[tuple[int, str]]) -> list[tuple[int, str]]:
    """Plain paragraphs (not lists, tables, code or headings) as (first line, text)."""
    found: list[tuple[int, str]] = []
    current: list[str] = []
    start = 0
    fence = False
    for number, line in [*lines, (0, "")]:
        stripped = line.strip()
        if stripped.startswith(("```", "~~~")):
            fence = not fence
            continue
        is_text = stripped and not fence and not _ITEM.match(line) and not stripped.startswith(("|", "#", ">")) \
            and not re.fullmatch(r"!\[[^\]]*\]\([^)]*\)", stripped)  # an image alone is no prose
        if is_text:
            if not current:
                start = number
            current.append(stripped)
        elif current:
            found.append((start, plain(" ".join(current))))
            current = []
    return [(n, t) for n, t in found if t]


# -- tables ----------------------------------------------------------------------------------
@dataclass
class Table:
    line: int
    header: list[str]
    #: (1-based line, cells as Markdown) for each data row.
    rows: list[tuple[int, list[str]]]


_SEPARATOR = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$")


def split_row(line: str) -> list[str]:
    cells = re.split(r"(?<!\\)\|", line.strip())
    if cells and not cells[0].strip():
        cells = cells[1:]
    if cells and not cells[-1].strip():
        cells = cells[:-1]
    return [cell.strip() for cell in cells]


def tables(lines: list[tuple[int, str]]) -> list[Table]:
    """Pipe tables with a separator row under their header."""
    found = []
    index = 0
    while index < len(lines) - 1:
        number, line = lines[index]
        if "|" in line and _SEPARATOR.match(lines[index + 1][1]):
            table = Table(number, [plain(c) for c in split_row(line)], [])
            index += 2
            while index < len(lines) and "|" in lines[index][1] and lines[index][1].strip():
                table.rows.append((lines[index][0], split_row(lines[index][1])))
                index += 1
            found.append(table)
        else:
            index += 1
    return found


# -- "Label: value" lines ------------------------------------------------------------------
_LABELED = re.compile(r"^\s*(?:(?:[-*+]|\d{1,3}[.)])\s+)?(?:\*\*|__)?(?P<label>[^\W\d_](?:[^\W\d_]|[ /()&'-]){1,40}?)(?:\*\*|__)?\s*"
                      r"(?::(?:\*\*|__)?|\s[-–—]\s)\s*(?P<value>\S.*)$")


def labeled(lines: list[tuple[int, str]]) -> list[tuple[int, str, str]]:
    """(line, label in lower case, value) from 'Label: value' lines and two-column table rows."""
    found = []
    previous = ""
    for number, line in lines:
        term, previous = previous, line.strip() or previous
        if line.lstrip().startswith("|"):
            cells = split_row(line)
            if len(cells) == 2 and not _SEPARATOR.match(line):
                found.append(field_of(number, cells[0], cells[1]))
            continue
        definition = _DEFINITION.match(line)
        if definition and _DEFINED_TERM.fullmatch(plain(term)):  # 'Severity' over ':   SEV2' (a definition list)
            found.append(field_of(number, term, definition["value"]))
            continue
        for part in _FIELD_SEPARATOR.split(line):  # 'Incident date: May 14 · Severity: SEV 2 · Status: Final'
            match = _LABELED.match(part)
            if match:
                found.append(field_of(number, match["label"], match["value"]))
    return found


def field_of(number: int, label: str, value: str) -> tuple[int, str, str]:
    """(line, label as inference matches it, value); a zone in the label's brackets ('Start (UTC)',
    'Detected (CET)') goes with the value, as if written after it."""
    bracket = re.search(r"\(([^()]*)\)\W*$", plain(label))
    zone = f" ({bracket[1].strip()})" if bracket and ZONE.fullmatch(bracket[1].strip()) else ""
    return number, label_key(label).rstrip(":"), plain(value) + zone


def row_fields(lines: list[tuple[int, str]]) -> list[tuple[int, str, str]]:
    """A table of one row under a header of field names ('| Date | Authors | Severity |' over their values),
    as the 'Label: value' lines it stands for. Tables of more rows are lists of things, not fields."""
    found = []
    for table in tables(lines):
        if len(table.rows) == 1 and len(table.header) >= 2 and all(_DEFINED_TERM.fullmatch(h) for h in table.header):
            number, cells = table.rows[0]
            found += [field_of(number, name, cell) for name, cell in zip(table.header, cells) if plain(cell)]
    return found


#: A definition list of Markdown Extra and Pandoc: a term on its own line, then ':   its value'.
_DEFINITION = re.compile(r"^:[ \t]+(?P<value>\S.*)$")
_DEFINED_TERM = re.compile(r"[^\W\d_](?:[^\W\d_]|[ /()&'-]){1,40}")
#: Between two 'Label: value' fields written on one line.
#: Also between sentences: 'All times in PST. Incident date: January 22, 2024.'
_FIELD_SEPARATOR = re.compile(r"(?:\s+[·•|]\s+|(?<=[A-Za-z0-9]\.)\s+)"
                              r"(?=(?:\*\*|__)?[A-Z][A-Za-z /()&'-]{1,40}?(?:\*\*|__)?\s*:\s)")


def label_key(label: str) -> str:
    """A label as inference matches it: lower case, 'Service(s)' as 'services', 'Post-Mortem' as 'postmortem'."""
    key = re.sub(r"\(s\)", "s", plain(label).lower()).strip()
    key = re.sub(r"\s*\([^)]*\)$", "", key) or key  # 'Time to detect (TTD)' 
    return re.sub(r"\b(post|pre)-(mortem)\b", r"\1\2", key)


# -- dates, times, zones, durations ---------------------------------------------------------
MONTHS = {name: number for number, names in enumerate(
    (("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"), ("may",), ("jun", "june"),
     ("jul", "july"), ("aug", "august"), ("sep", "sept", "september"), ("oct", "october"), ("nov", "november"),
     ("dec", "december"),), 1) for name in names}
#: German and French month names ('21. Mai 2024', 'le 10 septembre 2024').
MONTHS |= {name: number for number, names in enumerate(
    (("januar", "janvier"), ("februar", "février", "fevrier"), ("märz", "mars"), ("avril",), ("mai",),
     ("juni", "juin"), ("juli", "juillet"), ("august", "août"), ("septembre",), ("oktober", "octobre"),
     ("novembre",), ("dezember", "décembre")), 1) for name in names}
_MONTH = "(?:" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\.?"
DATE = re.compile(
    r"\b(?P<iy>\d{4})-(?P<im>\d{2})-(?P<id>\d{2})(?!\d)"  # also the day of '2024-03-04T14:05'
    r"|\b(?P<sy>\d{4})(?P<ssep>[/.])(?P<sm>\d{1,2})(?P=ssep)(?P<sd>\d{1,2})(?![\d/.])"  # year first: '2024/01/09', '2024.01.09'
    rf"|\b(?P<d>\d{{1,2}})(?:st|nd|rd|th)?\.?(?:\s+|-)(?:of\s+)?(?P<m>{_MONTH})(?:,?\s+|-)(?P<y>\d{{4}})\b"
    rf"|\b(?P<m2>{_MONTH})\s+(?P<d2>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<y2>\d{{4}})\b"
    # all-numeric: read only when one part cannot be a month ('03/24/2024', '24.03.2024'), else no date
    r"|(?<![\d/.-])(?P<na>\d{1,2})(?P<sep>[/.])(?P<nb>\d{1,2})(?P=sep)(?P<ny>\d{4})(?![\d/.-])",
    re.IGNORECASE)


def date_of(match: re.Match) -> dt.date | None:
    try:
        if match["iy"]:
            return dt.date(int(match["iy"]), int(match["im"]), int(match["id"]))
        if match["sy"]:
            return dt.date(int(match["sy"]), int(match["sm"]), int(match["sd"]))
        if match["y"]:
            return dt.date(int(match["y"]), MONTHS[match["m"].lower().rstrip(".")], int(match["d"]))
        if match["ny"]:
            first, second = int(match["na"]), int(match["nb"])
            if (first > 12) == (second > 12):
                return None  # '03/04/2024': 3 April or March 4th, the text does not say
            day, month = (first, second) if first > 12 else (second, first)
            return dt.date(int(match["ny"]), month, day)
        return dt.date(int(match["y2"]), MONTHS[match["m2"].lower().rstrip(".")], int(match["d2"]))
    except (ValueError, KeyError):
        return None


def first_date(text: str) -> dt.date | None:
    return next((day for day in map(date_of, DATE.finditer(text)) if day), None)


def stated_day(value: object) -> dt.date | None:
    """The day of another tool's front-matter value: a YAML or TOML date or time, or text holding a date."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return first_date(str(value)) if value else None


#: '03/04/2024' or '3-4-24': day first or month first depends on who wrote it, so it is never read as a date.
NUMERIC_DATE = re.compile(r"(?<![\d/.-])\d{1,2}([/.-])\d{1,2}\1(?:\d{4}|\d{2})(?![\d/.-])")


def numeric_date(text: str) -> str:
    """The first ambiguous all-numeric date in the text ('' if none), for a note saying why no date was read."""
    match = next((m for m in NUMERIC_DATE.finditer(text) if not first_date(m[0])), None)
    return match[0] if match else ""


#: Abbreviations that name one offset (or one zone with its summer time); CST and IST name several.
ZONES: dict[str, dt.tzinfo] = {
    "UTC": dt.timezone.utc, "GMT": dt.timezone.utc, "Z": dt.timezone.utc, "ZULU": dt.timezone.utc,
    "CET": ZoneInfo("CET"), "CEST": ZoneInfo("CET"), "EET": ZoneInfo("EET"), "EEST": ZoneInfo("EET"),
    "WET": ZoneInfo("WET"), "WEST": ZoneInfo("WET"), "BST": dt.timezone(dt.timedelta(hours=1)),
    "EST": dt.timezone(dt.timedelta(hours=-5)), "EDT": dt.timezone(dt.timedelta(hours=-4)),
    "CDT": dt.timezone(dt.timedelta(hours=-5)), "MST": dt.timezone(dt.timedelta(hours=-7)),
    "MDT": dt.timezone(dt.timedelta(hours=-6)), "PST": dt.timezone(dt.timedelta(hours=-8)),
    "PDT": dt.timezone(dt.timedelta(hours=-7)), "JST": dt.timezone(dt.timedelta(hours=9)),
    "MEZ": ZoneInfo("CET"), "MESZ": ZoneInfo("CET"),  # German for CET and CEST
    "AEST": dt.timezone(dt.timedelta(hours=10)), "AEDT": dt.timezone(dt.timedelta(hours=11)),
    # more abbreviations that name one offset each
    **{name: dt.timezone(dt.timedelta(minutes=minutes)) for name, minutes in (
        ("HST", -600), ("AKST", -540), ("AKDT", -480), ("BRT", -180), ("WAT", 60), ("CAT", 120), ("SAST", 120),
        ("EAT", 180), ("MSK", 180), ("PKT", 300), ("NPT", 345), ("ICT", 420), ("WIB", 420), ("SGT", 480),
        ("HKT", 480), ("AWST", 480), ("KST", 540), ("ACST", 570), ("ACDT", 630), ("NZST", 720), ("NZDT", 780))},
    # US zones named without standard/daylight: the zone's own rules say which applies that day
    "ET": ZoneInfo("America/New_York"), "CT": ZoneInfo("America/Chicago"), "MT": ZoneInfo("America/Denver"),
    "PT": ZoneInfo("America/Los_Angeles"),
}
#: Zones written out: 'All times in Pacific Time'.
ZONE_NAMES = {"eastern": "ET", "central": "CT", "mountain": "MT", "pacific": "PT", "coordinated universal": "UTC",
              "central european": "CET", "central european summer": "CET", "greenwich mean": "GMT"}
AMBIGUOUS_ZONES = ("CST", "IST", "AST")
ZONE = re.compile(r"\b(?:UTC|GMT)\s*(?P<sign>[+-])\s*(?P<h>\d{1,2})(?::?(?P<m>\d{2}))?\b"
                  r"|\b(?P<iana>(?:Europe|America|Asia|Africa|Australia|Pacific|Atlantic|US)/[A-Z][A-Za-z_]+)\b"
                  r"|\b(?i:(?P<named>" + "|".join(sorted(ZONE_NAMES, key=len, reverse=True))
                  + r") (?:standard |daylight )?time)\b"
                  r"|\b(?P<abbr>" + "|".join(sorted([*ZONES, *AMBIGUOUS_ZONES], key=len, reverse=True)) + r")\b"
                  # an ISO 8601 offset right after a time's minutes or seconds: '14:05:00+01:00', '14:05Z'
                  r"|(?<=:\d\d)(?:(?P<isign>[+-])(?P<ih>[01]\d):?(?P<imin>[0-5]\d)(?!\d)|(?P<isoz>Z)\b)")


def zone_of(match: re.Match) -> dt.tzinfo | None:
    """The zone a match names, or None when the abbreviation is ambiguous."""
    if match["sign"] or match["isign"]:
        sign, hours, mins = (match["sign"], match["h"], match["m"]) if match["sign"] else \
            (match["isign"], match["ih"], match["imin"])
        minutes = int(hours) * 60 + int(mins or 0)
        return dt.timezone(dt.timedelta(minutes=minutes if sign == "+" else -minutes))
    if match["isoz"]:
        return dt.timezone.utc
    if match["named"]:
        return ZONES[ZONE_NAMES[match["named"].lower()]]
    if match["iana"]:
        try:
            return ZoneInfo(match["iana"])
        except (KeyError, ValueError, OSError):
            return None
    return ZONES.get(match["abbr"])


TIME = re.compile(r"(?<![\d:])(?:(?P<h>[01]?\d|2[0-3])[:.h](?P<min>[0-5]\d)(?::(?P<s>[0-5]\d))?\s*(?P<ampm>[ap]\.?m\.?)?"
                  r"|(?P<h12>1[0-2]|0?[1-9])\s*(?P<ampm12>[ap]\.?m\.?)(?![a-z]))(?![\d:])",  # '2pm', '2 PM PST'
                  re.IGNORECASE)


def time_of(match: re.Match) -> dt.time:
    hour = int(match["h"] or match["h12"])
    ampm = (match["ampm"] or match["ampm12"] or "").lower().replace(".", "")
    if ampm == "pm" and hour < 12:
        hour += 12
    elif ampm == "am" and hour == 12:
        hour = 0
    return dt.time(hour, int(match["min"] or 0), int(match["s"] or 0))


_DURATION_PART = re.compile(r"(?P<n>\d+(?:[.,]\d+)?)\s*(?P<unit>d(?:ays?)?|h(?:ours?|rs?|eures?)?|m(?:in(?:ute)?s?|inuten)?|"
                            r"s(?:ec(?:ond)?s?)?)\b", re.IGNORECASE)
_UNIT_MINUTES = {"d": 1440, "h": 60, "m": 1, "s": 1 / 60}


#: Durations written in words: 'an hour and a half', 'half an hour', 'two hours'.
_WORD_DURATIONS = ((r"\b(?:an?|one) (hour|day) and a half\b", lambda m: f"1.5 {m[1]}s"),
                   (r"\bhalf an? (hour|day)\b", lambda m: f"0.5 {m[1]}"), (r"\b(?:an?|one) (hour|day|minute)\b", r"1 \1"))
_NUMBER_WORDS = dict(zip("two three four five six seven eight nine ten eleven twelve".split(), range(2, 13)))


def duration_minutes(text: str) -> float | None:
    """'54 hours 10 minutes', '1h 30m', '399 minutes', '2 days', 'an hour and a half' -> minutes; None for
    '?' or 'N/A'."""
    text = text.strip()
    for pattern, replacement in _WORD_DURATIONS:
        text = re.sub(pattern, replacement, text, flags=re.IGNORECASE)
    text = re.sub(rf"\b({'|'.join(_NUMBER_WORDS)})\b(?= (?:hours?|minutes?|days?)\b)",
                  lambda m: str(_NUMBER_WORDS[m[1].lower()]), text, flags=re.IGNORECASE)
    clock = re.fullmatch(r"(\d{1,3}):([0-5]\d)(?::([0-5]\d))?", text)
    if clock:
        return int(clock[1]) * 60 + int(clock[2]) + int(clock[3] or 0) / 60
    parts = list(_DURATION_PART.finditer(text))
    if not parts or re.sub(r"[\s,and]+", "", _DURATION_PART.sub("", text).lower().replace("approximately", "")
                                                 .replace("about", "").replace("~", "")):
        return None
    return round(sum(float(p["n"].replace(",", ".")) * _UNIT_MINUTES[p["unit"][0].lower()] for p in parts), 1)
