"""Front-matter from what an old postmortem's text says, and where it says it.

Each value comes with the heading or line it was read from; a field the text
does not state is listed as missing, never invented. The body stays whole.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from pmsite.adopt import times
from pmsite.adopt.actions import action_items
from pmsite.adopt.dates import incident_date
from pmsite.adopt.language import in_english
from pmsite.adopt.prose import WINDOW_START, prose_entries
from pmsite.adopt.read import BYLINE, Document
from pmsite.adopt.updates import moments, status_updates
from pmsite.adopt.structure import (DATE, MONTHS, Section, date_of, find_sections, labeled, list_items,
                                    paragraphs, person, plain, row_fields, section_name, split_sections)
from pmsite import sections
from pmsite.scaffold import TYPE_CHOICES, slugify

#: Fields the schema requires of a written postmortem; an imported one may lack those its text does not state.
REPORTED_FIELDS = ("severity", "type", "date", "summary", "started_at", "detected_at", "resolved_at", "services",
                   "action_items")

#: One name of an action-item section; a heading may join several ('Action items / Follow-ups', 'Next steps &
#: action items', 'Action items and owners'). 'Actions taken' or 'Immediate actions' tell the response instead.
_ACTIONS_NAME = (r"(action items?|actions?|follow ?ups?|follow ?up (actions|items|tasks|action items|steps|work)|"
                 r"remediations?|remediation (items|actions|tasks|plan|steps|work|and prevention)|"
                 r"(corrective|preventi?v?e|preventative|improvement)( and (preventi?v?e|preventative|corrective))? "
                 r"(actions?|measures)|repair items|next steps|action plan|todo|to do|tasks|actions to take|"
                 r"recommendations?|future work)")
_KNOWN = {
    "summary": re.compile(r"^((executive |incident |issue |event |brief |short )?summary( of (the )?(incident|event|"
                          r"outage|issue))?|(incident )?overview|tl ?dr|abstract|"
                          r"(incident )?description|what happened|synopsis)$"),
    "timeline": re.compile(r"\b(timeline|chronology|sequence of events|time line)\b"),
    "actions": re.compile(rf"^({_ACTIONS_NAME}(( and)? ({_ACTIONS_NAME}|owners))*|"
                          # a public cloud's review: 'How are we making incidents like this less likely…?'
                          r"how (are|will|can) we (prevent\w*|reduc\w*|avoid\w*)\b.*|"
                          r"how (are|will|can) we (make|making)\b.*\bless (likely|impactful|frequent)\b.*|"
                          r"what (are we|we are|we re|we will be|we ll be) (doing|changing|improving)\b.*)$"),
    "lessons": re.compile(r"\b(lessons?( learned| learnt)?|learnings|what we learned|takeaways|key takeaways)\b"),
    "attendees": re.compile(r"^(attendees|participants|people involved|responders|present|involved)$"),
    "services": re.compile(r"^(affected|impacted) (services|systems|components)$|^(services|systems|components) "
                           r"(affected|impacted)$"),
    "other": re.compile(r"\b(impact|root causes?|contributing factors?|causes?|detection|resolution|recovery|"
                        r"background|stats|statistics|what went (well|wrong)|where we got lucky|trigger|"
                        r"mitigation|analysis|investigation|why (it|this) happened|how we fixed|prevent\w*|"
                        r"what we (are|re) doing|five whys|5 whys|customer impact)\b"),
}
#: A title or file name that says it is about an incident counts as one postmortem heading.
_INCIDENT_NAME = re.compile(r"post-?mortem|incident|outage|retrospective|\brca\b|root cause|disruption|degradation|"
                            r"availability report|"
                            r"^summary of the\b.*\b(?:event|issue|interruption)\b|"
                            r"\bPM-?\d{4}", re.IGNORECASE)
_SEVERITY_LABEL = re.compile(r"^(severity|sev|incident severity|incident level|severity level|impact level|priority|"
                             r"incident priority)$")
_SEVERITY_VALUE = (
    (re.compile(r"^\W*sev(?:erity)?[\s-]?([0-4])\b", re.IGNORECASE), lambda m: f"SEV{max(1, int(m[1]))}"),
    (re.compile(r"^\W*[ps]([0-4])\b", re.IGNORECASE), lambda m: f"SEV{max(1, int(m[1]))}"),
    (re.compile(r"^\W*(?:level|lvl)?\s*([1-4])\b", re.IGNORECASE), lambda m: f"SEV{m[1]}"),
    # English, German, French
    (re.compile(r"^\W*(critical|blocker|highest|kritisch|critique|bloquante?)\b", re.IGNORECASE), lambda m: "SEV1"),
    (re.compile(r"^\W*(high|major|hoch|schwer|majeure?|élevée?|haute)\b", re.IGNORECASE), lambda m: "SEV2"),
    # 'minor' is SEV3, as Atlassian's and PagerDuty's scales have it (critical, major, minor); 'low' is a fourth level
    (re.compile(r"^\W*(medium|moderate|minor|mittel|moyenne?|modérée?|mineure?)\b", re.IGNORECASE), lambda m: "SEV3"),
    (re.compile(r"^\W*(low|lowest|niedrig|gering|faible|basse)\b", re.IGNORECASE), lambda m: "SEV4"),
)
#: A line that is nothing but a severity: 'Sev 2', 'SEV-1', '**SEV1**', GitLab's '~severity::2' label.
_SEVERITY_LINE = re.compile(r"^\W*(?:sev(?:erity)?[\s-]?|~?\"?severity::)(?P<level>[1-4])\"?\W*$", re.IGNORECASE)
#: '[SEV1] Checkout down', 'SEV-2: Payment errors', 'Checkout down (Sev 1)', 'P1 - Login outage'.
_TITLE_SEVERITY = re.compile(r"^\W*(?:sev(?:erity)?[\s-]?|p)(?P<level>[0-4])\b\W|[\[(]\s*sev(?:erity)?[\s-]?"
                             r"(?P<level2>[0-4])\s*[\])]", re.IGNORECASE)
_ID_IN_NAME = re.compile(r"\b(?P<prefix>[A-Z]{2,8})-?(?P<year>(?:19|20)\d{2})-(?P<number>\d{3,})\b")
_PLACEHOLDER = re.compile(r"\b(20xx|yyyy|HH:mm|XXX|YYY|ZZZ|Incident Title|Short event description|TBD|"
                          r"lorem ipsum)\b", re.IGNORECASE)


#: A line that answers nothing: GitHub issue forms write '_No response_' under a question left blank.
_NO_ANSWER = re.compile(r"^[ \t]*[_*]*(?:no response|n/?a|none|tbd|tba)[_*.]*[ \t]*$", re.IGNORECASE | re.MULTILINE)


#: Blockquote marks and a callout's type ('> [!NOTE]', Obsidian's '> [!info] Facts'): what is inside a callout
#: is read as if written outside it.
_QUOTE_MARK = re.compile(r"^[ \t]*(?:>[ \t]?)+(?:\[![A-Za-z]+\][-+]?[ \t]*)?", re.MULTILINE)


class NotAPostmortem(Exception):
    """The text is not a postmortem (a README, a template, an empty file); the message says why."""


@dataclass
class Inferred:
    meta: dict[str, Any]
    #: field -> where in the source it was read from
    sources: dict[str, str] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    #: an id the source names (its file name or title), if any
    named_id: str = ""

    def set(self, key: str, value: Any, where: str) -> None:
        if value in (None, "", []):
            return
        self.meta[key] = value
        self.sources[key] = where


def infer(document: Document, taxonomy: dict[str, list[str]]) -> Inferred:
    """What the document says about itself, as front-matter values with their sources."""
    text = document.markdown
    if not text.strip():
        raise NotAPostmortem("the file is empty")
    text, language_notes = in_english(text)
    text = _QUOTE_MARK.sub("", _NO_ANSWER.sub("", text))
    all_sections = split_sections(_with_pseudo_headings(text))
    known = {kind: find_sections(all_sections, pattern) for kind, pattern in _KNOWN.items()}
    timeline_notes = _unnamed_timeline(all_sections, known)
    top = min((s.level for s in all_sections[1:]), default=1)
    named = bool(_INCIDENT_NAME.search(document.path.name) or any(
        _INCIDENT_NAME.search(s.title) for s in all_sections[1:] if s.level == top))
    dated_sections = _one_incident(all_sections, known["timeline"])
    lines = _own_lines(all_sections)
    listed = {n for kind in ("timeline", "actions", "lessons") for section in known[kind] for n, _ in section.lines}
    fields = labeled(lines) + _heading_fields(all_sections) + row_fields([ln for ln in lines if ln[0] not in listed])
    updates = [] if known["timeline"] else status_updates(lines)
    told = [] if known["timeline"] or updates else prose_entries(lines, None)[0]
    narrated = len(told) >= 2
    # 'Between 13:45 UTC on 12 March 2024 and …': one dated window states the start by itself
    windowed = any(entry.text.startswith(WINDOW_START) and entry.day for entry in told)
    if _signs_of_a_postmortem(known, named, updates, narrated, dated_sections, fields) < 2:
        raise NotAPostmortem("no postmortem headings (Summary, Timeline, Impact, Root cause, Action items, "
                             "Lessons): not read as a postmortem")
    if _PLACEHOLDER.search(text) and not any(d for d in map(date_of, DATE.finditer(text)) if d):
        raise NotAPostmortem("a template: placeholders such as 'YYYY' or 'Short event description' and no real date")
    result = Inferred({}, notes=language_notes + timeline_notes)
    where = (lambda s: s.where()) if document.kind == "markdown" else (lambda s: f"heading '{s.title}'")
    _title(result, document.path, all_sections, fields)
    _from_front_matter(result, document.front_matter)
    summary_sections = known["summary"]
    lead = _lead(all_sections)
    undated_lead = [replace(lead[0], lines=[(n, "" if BYLINE.match(line) else line) for n, line in lead[0].lines])]
    # a status page's lead is its latest update: its first update gives the day instead
    incident_date(result, document, fields, summary_sections or ([] if updates else undated_lead), known["timeline"],
                  where, [s.title for s in all_sections[1:]] + [line for _, line in lead[0].lines])
    in_actions = {number for section in known["actions"] for number, _ in section.lines}  # an item's own priority
    _severity_and_type(result, [f for f in fields if f[0] not in in_actions],
                       [line for line in lines if line[0] not in in_actions])
    # a status page's first words are its latest update, not a summary
    _summary(result, summary_sections, [] if updates else undated_lead + all_sections[1:], where)
    teaser = next((v.strip() for k in ("summary", "description", "excerpt")
                   for v in [document.front_matter.get(k)] if isinstance(v, str) and len(v.strip()) >= 10), "")
    if teaser and not summary_sections:  # a blog post's own summary line, when no section is one
        result.set("summary", teaser, "the source's front-matter")
    _timeline(result, known["timeline"], fields, lines, where)
    if updates:
        _from_status_updates(result, updates)
    elif narrated or windowed or dated_sections == 1:
        _from_prose(result, lines)
    _detection(result, fields)
    _durations(result, lines, _heading_fields(all_sections))
    _people(result, known["attendees"], fields, where)
    byline = next((m for _, line in lead[0].lines for m in [BYLINE.match(line)]
                   if m and (m["author"] or m["author_after"])), None)
    if byline and "authors" not in result.meta:
        result.set("authors", [byline["author"] or byline["author_after"]], f"the byline '{byline[0].strip()}'")
    # configured names count where the text says what was affected, not in action items or lessons
    impact = [s for s in all_sections[1:] if re.search(r"\bimpact\b", section_name(s.title))]
    affected = "\n".join([result.meta["title"], *(s.title for s in all_sections[1:]), *(
        line for s in [*summary_sections, *impact, *known["timeline"], *known["services"]] for _, line in s.lines)])
    _services_and_teams(result, known["services"], fields, affected, taxonomy, where)
    _tags(result, fields)
    _lessons(result, known["lessons"], where)
    items, item_notes = action_items(known["actions"], where)
    result.notes += item_notes
    if known["actions"]:
        result.set("action_items", items, "; ".join(where(s) for s in known["actions"]))
    result.missing = [key for key in REPORTED_FIELDS if key not in result.meta]
    return result


def _signs_of_a_postmortem(known, named: bool, updates, narrated: bool, dated_sections: int, fields) -> int:
    """Each section kind a postmortem has, a title or file name naming an incident, a status page's updates
    (two signs: they are an incident's record by themselves), times told in sentences, one section headed by
    a day and a time ('May 21 09:12 UTC (lasting 65 minutes)'), two moments of the incident stated as fields
    ('Start time:', 'Resolved:'). A severity line is not one: runbooks say which alerts page them; nor is a
    list of attendees: every meeting's minutes have one."""
    moments = {times.moment_of(label) for _, label, _ in fields} - {None}
    return (sum(bool(found) for kind, found in known.items() if kind != "attendees") + named
            + 2 * (len(updates) >= 2) + narrated
            + (dated_sections == 1) + (len(moments) >= 2))


_BOLD_LINE = re.compile(r"^\s*(\*\*|__)(?P<text>[^*_\n]{2,60}?)\s*:?\s*\1\s*:?\s*$")
#: 'TIMELINE' or 'Action items:' alone on a line, as plain-text postmortems mark their sections.
_PLAIN_HEADING = re.compile(r"^(?P<text>[A-Za-z][A-Za-z &/'(),;-]{2,48}?)\s*(?P<colon>:)?\s*$")


def _is_title_line(lines: list[str], index: int) -> bool:
    line = lines[index].strip()
    return (len(line) <= 80 and not line.endswith((".", ":", ",")) and not _FIELD_START.match(line)
            and not re.match(r"(last |first )?(updated|modified|edited|created|published|draft|status|version|"
                             r"table of contents|contents|confidential|internal)\b", line, re.IGNORECASE)
            and not line.startswith(("#", "|", "-", "*", "+", ">", "<", "[", "!", "`"))
            and (index + 1 >= len(lines) or not lines[index + 1].strip()
                 or bool(_FIELD_START.match(lines[index + 1].strip()))))  # 'Date: …' lines under a plain title


def _with_pseudo_headings(text: str) -> str:
    """The text as inference reads it: a line that is only bold text naming a postmortem section
    ('**Timeline**', as Word documents without heading styles have), or a capitalised or colon-ended line
    alone after a blank line ('TIMELINE', 'Action items:'), counts as a heading; a bold first line is the
    title when nothing else is a level-1 heading. Line numbers stay; the body is not changed."""
    lines = text.split("\n")
    has_title = any(level == 1 for _, level, _ in sections.headings(text))
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    for index, line in enumerate(lines):
        match = _BOLD_LINE.match(line)
        plain_match = None if match or (index and lines[index - 1].strip()) else _PLAIN_HEADING.match(line)
        named = plain_match and any(pattern.fullmatch(section_name(plain_match["text"])) for pattern in _KNOWN.values())
        if plain_match and (plain_match["colon"] or plain_match["text"].split()[0].isupper() or named) \
                and len(plain_match["text"].split()) <= 6:  # 'TIMELINE', 'Action items:', 'Summary' alone
            match = plain_match
        if match and any(pattern.search(section_name(match["text"])) for pattern in _KNOWN.values()):
            lines[index] = "## " + match["text"].strip()
        elif index == first and not has_title and (match is not None or _is_title_line(lines, index)):
            lines[index] = "# " + (match["text"] if match else line).strip()  # a bold or lone first line
    return "\n".join(lines)


def _unnamed_timeline(all_sections: list[Section], known: dict[str, list[Section]]) -> list[str]:
    """Without a section named a timeline, the first section whose items are timed entries is one
    ('How did we respond?' over '12 March 2024 @ 13:45 UTC – …' bullets); the note says which."""
    if known["timeline"]:
        return []
    taken = [s for kind in ("actions", "lessons", "attendees") for s in known[kind]]
    found = next((s for s in all_sections[1:] if s not in taken and times.reads_as_timeline(s)), None)
    if found is None:
        return []
    known["timeline"] = [found]
    return [f"heading '{found.title}' (line {found.line}) is read as the timeline: its items start with times"]


def _heading_fields(all_sections: list[Section]) -> list[tuple[int, str, str]]:
    """A short section that is one value ('## Severity' over 'SEV-2', '## Date' over '4 March 2024', a GitHub
    issue form's '### Start time (UTC)' over '2024-08-27 16:40'), as the 'Label: value' line it stands for;
    a short list is one value ('container-registry, ci-runners'). A zone in the heading's brackets goes with
    the value."""
    found = []
    for section in all_sections[1:]:
        filled = [(n, line.strip()) for n, line in section.lines if line.strip()]
        name, bracket = re.match(r"(.*?)\s*(?:\(([^()]*)\))?\s*$", section.title).groups()
        items = list_items(section.lines)
        if items and len(items) == len(filled) <= 8 and all(len(plain(i.text)) <= 40 for i in items):
            value = ", ".join(plain(i.text) for i in items)
        elif filled and len(filled) <= 2 and len(filled[0][1]) <= 80 and not filled[0][1].startswith(("|", "#")):
            value = plain(filled[0][1].lstrip("-*+ "))
        else:
            continue
        if len(name.split()) <= 4:
            zone = f" ({bracket})" if bracket and times.ZONE.fullmatch(bracket.strip()) else ""
            found.append((filled[0][0], section_name(name or section.title), value + zone))
    return found


def _own_lines(all_sections: list[Section]) -> list[tuple[int, str]]:
    """Every line once (sections hold their sub-sections' lines too)."""
    seen: dict[int, str] = {}
    for section in all_sections:
        for number, line in section.lines:
            seen.setdefault(number, line)
    return sorted(seen.items())


def _title(result: Inferred, path: Path, all_sections: list[Section], fields) -> None:
    """The level-1 heading; else a lone top heading above all others ('## Incident: …' over '###' sections);
    else a 'Title:' line; else the file name."""
    headings = [s for s in all_sections[1:] if s.title]
    first = min(headings, key=lambda s: (s.level, s.line)) if headings else None
    if first is not None and any(pattern.search(section_name(first.title))
                                 for kind, pattern in _KNOWN.items() if kind != "other"):
        first = None  # "# Summary" names a section, not the document
    lone_top = first is not None and first is headings[0] and sum(s.level == first.level for s in headings) == 1
    stem = re.sub(r"^\s*[A-Z]{2,8}-?\d{4}-\d{3,}\s*[-–:_]?\s*", "", path.stem if path.suffix else path.name).strip()
    stated = next(((n, v) for n, label, v in fields if label in ("title", "incident title", "incident name")
                   and len(v) >= 3), None)
    if first is not None and (first.level == 1 or lone_top) and len(first.title) >= 3:
        result.set("title", first.title.strip(), f"first heading, line {first.line}")
    elif stated:
        result.set("title", stated[1], f"line {stated[0]} ('title')")
    else:
        result.set("title", stem if len(stem) >= 3 else path.name, "the file name")  # the schema wants 3
    for candidate in (path.name, result.meta.get("title", "")):
        match = _ID_IN_NAME.search(candidate)
        if match:
            result.named_id = f"{match['prefix']}-{match['year']}-{match['number']}"
            result.sources["id"] = "the file name" if candidate == path.name else "the title"
            break


def _from_front_matter(result: Inferred, values: dict) -> None:
    """Title, date, tags and authors from another tool's front-matter (the values it states by name)."""
    where = "the source's front-matter"
    if isinstance(values.get("title"), str) and len(values["title"].strip()) >= 3:
        result.set("title", values["title"].strip(), where)
    for key, names in (("tags", ("tags", "categories")), ("authors", ("authors", "author"))):
        found = [values.get(name) for name in names if values.get(name)]
        items = [str(i) for value in found for i in (value if isinstance(value, list) else [value])
                 if isinstance(i, (str, int))]  # not Hugo's 'author: {name: …}' tables
        cleaned = [slugify(i, 40) if key == "tags" else i.strip() for i in items]
        result.set(key, list(dict.fromkeys(c for c in cleaned if c)), where)


#: A heading that starts with a day and a time: 'April 16 08:05 UTC (lasting 2 hours)', '2024-04-03 17:20'.
_DATED_HEADING = re.compile(rf"^\W*(?:\d{{4}}-\d{{2}}-\d{{2}}|(?:{'|'.join(MONTHS)})\.?\s+\d{{1,2}}(?:st|nd|rd|th)?,?"
                            rf"(?:\s+\d{{4}})?|\d{{1,2}}\.?\s+(?:{'|'.join(MONTHS)})\.?(?:\s+\d{{4}})?)\b[\s,]*"
                            r"(?:at\s+)?\d{1,2}[:.]\d{2}", re.IGNORECASE)


def _one_incident(all_sections: list[Section], timeline_sections: list[Section]) -> int:
    """A monthly availability report tells several incidents, one section each: importing it as one
    postmortem would mix their times, so it is skipped with a reason. The number of sections headed by
    a day and a time."""
    in_timeline = {n for s in timeline_sections for n, _ in s.lines}
    headings = [(s.line, s.title) for s in all_sections[1:]]
    headings += [(n, bold["text"]) for n, line in _own_lines(all_sections) for bold in [_BOLD_LINE.match(line)] if bold]
    dated = [title for line, title in headings if line not in in_timeline and _DATED_HEADING.match(title)]
    days = {re.sub(r"\W+", " ", _DATED_HEADING.match(title)[0].rsplit(" ", 1)[0]).strip().lower() for title in dated}
    if len(dated) >= 2 and len(days) >= 2:  # one day's bold times are one incident's story
        raise NotAPostmortem(f"several incidents in one file (sections '{dated[0]}', '{dated[1]}'…): split it "
                             "into one file per incident to import them")
    return len(dated)


def _lead(all_sections: list[Section]) -> list[Section]:
    """The text before the first section heading (under the title heading, if there is one)."""
    titled = len(all_sections) > 1 and all_sections[1].level == 1 and not any(s.level == 1 for s in all_sections[2:])
    end = all_sections[2].line if titled and len(all_sections) > 2 else float("inf")
    lines = all_sections[0].lines + ([(n, line) for n, line in all_sections[1].lines if n < end] if titled else [])
    return [Section("", 0, 0, lines)]


def _severity_and_type(result: Inferred, fields, lines) -> None:
    """A 'Severity:' line (before a 'Priority:' line), a severity tag in the title ('[SEV1] …'), or a line
    that is only a severity ('Sev 2')."""
    by_kind = sorted(fields, key=lambda field: "sev" not in field[1])  # stable: severity labels first
    for number, label, value in by_kind:
        if "severity" not in result.meta and _SEVERITY_LABEL.match(label):
            for pattern, make in _SEVERITY_VALUE:
                match = pattern.match(value)
                if match:
                    result.set("severity", make(match), f"line {number} ('{label}: {value[:30]}')")
                    break
        if "type" not in result.meta and re.fullmatch(r"(incident )?(type|category|kind)", label):
            wanted = value.strip().lower().replace(" ", "-")
            if wanted in TYPE_CHOICES:
                result.set("type", wanted, f"line {number} ('{label}: {value[:30]}')")
    tag = _TITLE_SEVERITY.search(result.meta.get("title", ""))
    if tag and "severity" not in result.meta:
        result.set("severity", f"SEV{max(1, int(tag['level'] or tag['level2']))}", f"the title ('{tag[0].strip()}')")
    for number, line in lines if "severity" not in result.meta else []:
        match = _SEVERITY_LINE.match(plain(line))
        if match and not line.lstrip().startswith("#"):
            result.set("severity", f"SEV{match['level']}", f"line {number} ('{plain(line)[:30]}')")
            break


#: A paragraph that starts 'Incident Date: …' holds fields, not a summary.
_FIELD_START = re.compile(r"^[A-Z][\w ()/-]{1,30}:\s")
_SUMMARY_LABEL = re.compile(r"^(?:summary|executive summary|incident summary|overview|tl;? ?dr|what happened)\s*:\s*",
                            re.IGNORECASE)


def _summary(result: Inferred, summary_sections, all_sections, where) -> None:
    if not summary_sections:  # the SRE book's template: '**Summary:** …' as a paragraph of its own
        for section in all_sections:
            labelled = [(n, _SUMMARY_LABEL.sub("", p)) for n, p in paragraphs(section.lines) if _SUMMARY_LABEL.match(p)]
            if labelled:
                summary_sections, all_sections = [Section(section.title, section.level, section.line,
                                                          [(labelled[0][0], labelled[0][1])])], []
                break
    for section in summary_sections or all_sections[:1]:
        every = paragraphs(section.lines)
        prose = [(n, p) for n, p in every if not _FIELD_START.match(p)]  # 'Duration: …' is a field, not the summary
        found = prose or (every if summary_sections else [])
        if found:
            number, paragraph = found[0]
            sentences = re.split(r"(?<=[.!?])\s+(?=[A-Z])", paragraph)
            summary = " ".join(sentences[:3]).strip()
            if len(summary) >= 10:
                return result.set("summary", summary, f"{where(section)}, first paragraph (line {number})")


def _timeline(result: Inferred, timeline_sections, fields, lines, where) -> None:
    """Timestamps stated on their own lines ('Start time: ...') win; the timeline gives the others."""
    stated_zone = times.zone_stated(lines)
    day = dt.date.fromisoformat(result.meta["date"]) if "date" in result.meta else None
    found, notes = times.stated_timestamps(fields, stated_zone[0], day)
    for section in timeline_sections[:1]:
        stated = tuple(next((f.value for f in found if f.key == key), None) for key in ("started_at", "resolved_at"))
        entries, _, timeline_notes = times.timeline_entries(section, day, stated_zone, stated)
        from_timeline, order_notes = times.timestamps(entries, where(section), day)
        notes += timeline_notes + order_notes
        found += [f for f in from_timeline if not any(g.key == f.key for g in found)]
    if len(timeline_sections) > 1:
        notes.append(f"{len(timeline_sections)} timeline sections: times read from the first only")
    kept, order_notes = times.in_order(found)
    result.notes += notes + order_notes
    for finding in kept:
        result.set(finding.key, finding.value.isoformat(), finding.where)


def _from_status_updates(result: Inferred, updates) -> None:
    """A status page's 'Investigating … Resolved' updates give the day and the moments they name."""
    result.notes += [u.problem for u in updates if u.problem]
    found = [times.TimeFinding(key, instant, f"the '{key.split('_')[0]}' status update, line {line}")
             for key, (instant, line) in moments(updates).items() if key not in result.meta]
    kept, notes = times.in_order(found)
    result.notes += notes
    for finding in kept:
        result.set(finding.key, finding.value.isoformat(), finding.where)
    first = min((u for u in updates if u.posted), key=lambda u: u.posted, default=None)
    if first and "date" not in result.meta:
        result.set("date", first.posted.date().isoformat(), f"the first status update, line {first.line}")
    if "started_at" not in result.meta:
        result.notes.append("status updates say when the team knew, not when the impact began: started_at left out")


def _from_prose(result: Inferred, lines) -> None:
    """A narrative without a timeline section: its sentences with zoned times are the entries."""
    day = dt.date.fromisoformat(result.meta["date"]) if "date" in result.meta else None
    entries, notes = prose_entries(lines, day)
    found, order_notes = times.timestamps(entries, "a sentence of the text,")
    kept, in_order_notes = times.in_order([f for f in found if f.key not in result.meta])
    result.notes += notes + order_notes + in_order_notes
    for finding in kept:
        result.set(finding.key, finding.value.isoformat(), finding.where)


_DETECTION = (("customer", r"customer|client|user report|support ticket"),
              ("automated_test", r"synthetic|automated test|smoke test|canary|health ?check|ci\b"),
              ("alert", r"alert|alarm|monitor|pager|page[ds]?\b|on-?call"),
              ("human_report", r"employee|engineer|staff|colleague|internal report|noticed|reported"))


def _detection(result: Inferred, fields) -> None:
    """'Detected by: customer report' and the like, as the schema's detection values."""
    for number, label, value in fields:
        if re.fullmatch(r"(detected by|detection( method| source)?|how (was it |it was )?detected|found by)", label):
            for kind, pattern in _DETECTION:
                if re.search(pattern, value, re.IGNORECASE):
                    return result.set("detection", kind, f"line {number} ('{label}: {value[:30]}')")


def _durations(result: Inferred, lines, section_fields) -> None:
    found, notes = times.stated_durations(lines, section_fields)
    result.notes += notes
    stated = {finding.key: finding.value for finding in found}
    if stated:
        result.meta["durations"] = {key: int(value) if float(value).is_integer() else value
                                    for key, value in stated.items()}
        result.sources["durations"] = "; ".join(f"{f.key}: {f.where}" for f in found)


def _names(items) -> list[str]:
    """Attendee lines as names: 'AF, AN, EC' or 'RF SC AN' (initials) or one name per item."""
    names: list[str] = []
    for item in items:
        text = re.sub(r"\s*\([^)]{0,60}\)", "", plain(item))  # 'Priya Raman (incident commander)'
        text = re.sub(r"\s+[-–—]\s+.*$", "", text)  # 'Jonas Berg - database'
        parts = [person(p) for p in re.split(r",|;| and ", text) if person(p)]
        for part in parts:
            words = part.split()
            if len(words) > 1 and all(re.fullmatch(r"[A-Z]{1,4}", w) for w in words):
                names += words
            elif 0 < len(part) <= 60 and not re.search(r"[(:]|\buse\b", part):
                names.append(part)
    return list(dict.fromkeys(names))


def _people(result: Inferred, attendees, fields, where) -> None:
    for section in attendees[:1]:
        result.set("participants", _names([item.text for item in list_items(section.lines)]), where(section))
    for number, label, value in fields if "participants" not in result.meta else []:
        if re.fullmatch(r"(attendees|participants|responders|people involved|present)", label):
            result.set("participants", _names([value]), f"line {number} ('{label}')")
            break
    for number, label, value in fields if "authors" not in result.meta else []:
        if re.fullmatch(r"(authors?|written by|prepared by|(postmortem|post[- ]?incident review|pir|retrospective|retro|"
                        r"review|report|document) (owner|author)s?)", label):
            names = [person(n) for n in re.split(r",|;| and ", value) if person(n)]
            result.set("authors", list(dict.fromkeys(names)), f"line {number} ('{label}')")
            break


def _configured(name: str, text: str) -> bool:
    words = re.split(r"[-_\s]+", name.strip())
    pattern = r"(?<![\w-])" + r"[-_\s]?".join(map(re.escape, words)) + r"(?![\w-])"
    return re.search(pattern, text, re.IGNORECASE) is not None


def _services_and_teams(result: Inferred, service_sections, fields, text: str, taxonomy, where) -> None:
    for key, label_pattern in (("services", r"(affected |impacted )?(services?|systems?|components?|component/s)( affected| impacted)?|"
                                            r"this incident affected"),
                               ("teams", r"(teams?|owning teams?|teams? involved|responding teams?|team attribution)")):
        for number, label, value in fields:
            if re.fullmatch(label_pattern, label):
                names = [slugify(n, 40) for n in re.split(r",|;| and |/", value) if slugify(n, 40)]
                result.set(key, list(dict.fromkeys(names)), f"line {number} ('{label}')")
                break
    if "services" not in result.meta:
        for section in service_sections[:1]:
            names = [slugify(plain(i.text), 40) for i in list_items(section.lines) if len(plain(i.text)) <= 40]
            result.set("services", list(dict.fromkeys(n for n in names if n)), where(section))
    for key in ("services", "teams"):
        if key in result.meta:
            continue
        configured = [str(n) for n in taxonomy.get(key) or [] if isinstance(n, (str, int))]
        named = [name for name in configured if _configured(name, text)]
        result.set(key, named, f"configured {key} (pmsite.yaml taxonomy) named in the title, headings, summary, "
                               "impact or timeline")


def _tags(result: Inferred, fields) -> None:
    tags = []
    sources = []
    for number, label, value in fields:
        if re.fullmatch(r"(category|categories|tags?|labels?|area|component)", label) and value.strip():
            if label in ("category", "categories") and value.strip().lower().replace(" ", "-") in TYPE_CHOICES:
                continue
            for part in re.split(r",|;|\band\b", value):
                tag = slugify(part, 40)
                if tag and not re.fullmatch(r"x+|n-?a|none|tbd", tag):
                    tags.append(tag)
                    sources.append(f"line {number}")
    if "tags" not in result.meta:
        result.set("tags", list(dict.fromkeys(tags)), f"'{'; '.join(dict.fromkeys(sources))}' (category or tag lines)")


def _lessons(result: Inferred, lesson_sections, where) -> None:
    lessons = []
    for section in lesson_sections:
        items = list_items(section.lines)
        found = [plain(i.text) for i in items] if items else [text for _, text in paragraphs(section.lines)]
        lessons += [text for text in found if len(text) >= 3]
    if lesson_sections:
        result.set("lessons", lessons, "; ".join(where(s) for s in lesson_sections))
