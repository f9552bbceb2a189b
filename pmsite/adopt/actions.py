"""Action items from an old postmortem's "Action items" lists and tables.

Each item keeps the text it is written with; owner, due date, status and tracker
link are read only where the item states them: a column, an ``owner:`` or
``@mention``, a checkbox, a ``Status:`` line nested under it. Nothing is filled in.
"""

from __future__ import annotations

import re
from typing import Any

from pmsite.adopt.structure import Section, first_date, label_key, links, list_items, person, plain, tables

#: Words that introduce who owns an item ('DRI' is the directly responsible individual).
_OWNER_WORDS = r"owner|assignee|assigned to|responsible|responsable|verantwortlich|dri"
#: 'owner ana' needs no colon; the other words do ('DRI: Cy Lo'), or 'responsible for', 'drift' would name owners.
_OWNER = re.compile(r"\b(?:(?:owner|assignee|assigned to)\b\s*[:=]?|(?:responsible|responsable|verantwortlich|dri)\s*[:=])"
                    r"\s*(?P<owner>@?[\w.-]+(?: [A-Z][\w.-]+)?)", re.IGNORECASE)
#: '@ana: Add a queue alert': the owner first.
_LEADING_MENTION = re.compile(r"^@(?P<handle>[A-Za-z][\w.-]*[A-Za-z0-9])\s*[:\-–—]\s+(?=\S)")
#: '@joao' ending an item's text (or before its due date) names who owns it; not an e-mail address, and
#: not a mention inside the sentence ('tell @support about it').
_MENTION = re.compile(r"(?<![\w@.])@(?P<handle>[A-Za-z][\w.-]*[A-Za-z0-9](?: [A-Z][a-z]+(?=\s*$))?)"
                      r"(?=\s*(?:$|[-–—,;(|])|\)\s*$)")
_DUE = re.compile(r"\b(?:due|deadline|by|target)\s*(?:date)?\s*[:=]?\s*(?P<date>\d{4}-\d{2}-\d{2}|\d{1,2}[/.]\d{1,2}[/.]\d{4}|"
                  r"\d{1,2}\.?\s+[A-Za-z]{3,9},?\s+\d{4}|[A-Za-z]{3,9}\.?\s+\d{1,2},?\s+\d{4})", re.IGNORECASE)
#: Where an item's text turns to its owner, due date or status: "(owner: payments)", ", due 2024-04-01".
_TRAILER = re.compile(rf"\s*[(\[,;]?\s*\b(?:(?:{_OWNER_WORDS}|status)\s*[:=]|due\s*(?:date\s*)?[:=]?\s*(?:\d|[A-Z][a-z]{2,8}\.? \d))"
                      r".*$", re.IGNORECASE)
#: A tracker key such as PAY-512, which the item's link already carries.
_KEY = r"[A-Z][A-Z0-9]{1,9}-\d+"
_STATUS_WORDS = (("done", r"done|complete[d]?|closed|fixed|resolved|yes|✅|✔|x"),
                 ("in_progress", r"in[ _-]?progress|ongoing|started|wip|doing|(?:in |under )?review|in development"),
                 ("blocked", r"blocked|on hold"),
                 ("wont_do", r"won'?t (?:do|fix)|wont[ _]do|cancell?ed|dropped|rejected"),
                 ("open", r"open|to[ -]?do|not (?:yet )?started|planned|new|backlog|pending|no"))
#: 'Status: In review' inside an item's text, up to the next separator.
_INLINE_STATUS = re.compile(r"\bstatus\s*[:=]\s*(?P<value>[A-Za-z][A-Za-z' _-]{1,20}?)\s*(?=[—–;,|)(]|\s-\s|$)",
                            re.IGNORECASE)
#: A status written in capitals inside another cell ("SRCH-411 **DONE**", as the SRE book's template does).
_CAPITAL_STATUS = re.compile(r"\b(DONE|FIXED|CLOSED|COMPLETED?|IN PROGRESS|TODO|OPEN|BLOCKED)\b")


def status_of(value: str) -> str | None:
    value = re.sub(r"^[^\w']+(?=\w)|(?<=\w)[^\w']+$", "", plain(value).strip().lower())  # '✅ Done'
    for status, pattern in _STATUS_WORDS:  # the first words say it: 'Done (2024-03-01)', 'Closed - fixed in v2'
        if re.match(rf"(?:{pattern})(?=$|[\s(,;:.\-–—/])", value):
            return status
    return None


#: An owner cell or line that names nobody.
_NOBODY = re.compile(r"\W*(tbd|tba|tbc|n/?a|none|nobody|unassigned|unknown|todo|\?+|-+|—)?\W*", re.IGNORECASE)


def owner_of(value: str) -> str | None:
    name = person(plain(value))
    return None if _NOBODY.fullmatch(name) else name


def action_items(action_sections: list[Section], where) -> tuple[list[dict[str, Any]], list[str]]:
    """Every item of every action-item section, numbered AI-1…, and notes on what was odd."""
    items: list[dict[str, Any]] = []
    notes: list[str] = []
    for section in action_sections:
        # a one-column table is an action table only when its header says so (not Jira's 'Comments' box)
        section_tables = [table for table in tables(section.lines) if len(table.header) > 1 or re.search(
            r"\b(actions?|tasks?|items?|follow[ -]?ups?|todo)\b", plain(" ".join(table.header)), re.IGNORECASE)]
        for table in section_tables:
            items += _table_items(table)
        if not section_tables:
            items += [item for entry in list_items(section.lines) for item in [_list_item(entry)] if item]
    if len(action_sections) > 1:
        notes.append(f"{len(action_sections)} action item sections ("
                     + ", ".join(where(s) for s in action_sections) + "): items read from all of them")
    return [{"id": f"AI-{number}", **item} for number, item in enumerate(items, 1)], notes


#: A bracket ending an item that says its status or when it is expected: '(Completed)', '(In progress)',
#: '(Estimated completion: May 2024)', '(ETA: 2024-06-01)'. It is not part of the item's title.
_STATUS_BRACKET = re.compile(r"\s*\((?:(?P<status>completed?|done|in progress|ongoing|not started|open|closed|planned|"
                             r"blocked)|(?P<eta>(?:estimated |expected |target )?(?:completion|eta|due)\b[^()]{0,40}))\)"
                             r"[\s.]*$", re.IGNORECASE)


#: Between an item's text and the fields after it: 'Add an alert — Sam — due Feb 20, 2024'.
_DASHES = re.compile(r"\s+(?:—|–|--)\s+")
#: A part after a dash that is a field or says nobody ('due …', 'Owner: …', 'TBD'), not the item's own words.
_FIELD_PART = re.compile(rf"(?:{_OWNER_WORDS}|due|deadline|eta|target|status|priority)\b|"
                         r"(?:tbd|tba|tbc|n/?a|\?+)\W*$", re.IGNORECASE)


def _list_item(entry) -> dict[str, Any] | None:
    text = entry.text
    bold = re.match(r"^\s*(\*\*|__)(?P<lead>.+?)\1\s*[:.\-–]?\s*", text)
    title = plain(bold["lead"]) if bold and len(plain(bold["lead"])) >= 3 else plain(text)
    leading = _LEADING_MENTION.match(title)
    title = title[leading.end():] if leading else title
    parts = _DASHES.split(title)
    if len(parts) > 1 and any(_FIELD_PART.match(part) for part in parts[1:]):
        title = parts[0]  # an unlabelled part between ('— Sam —') is not read as the owner: it says no role
    title = _TRAILER.sub("", title) or plain(text)
    bracket = _STATUS_BRACKET.search(title)
    title = title[:bracket.start()] if bracket and bracket.start() >= 3 else title
    owner, mention = _OWNER.search(plain(text)), _MENTION.search(plain(text))
    if mention and not owner:
        title = re.sub(r"\s{2,}", " ", re.sub(r"\(\s*\)", "", _MENTION.sub("", title)))
    if title.count("(") > title.count(")"):  # '(OPS-12, @bo, due …' lost its fields and its close
        title = title[:title.rindex("(")]
    title = _without_key(title, bool(links(text))).rstrip(" :;,-–—")
    if len(title) < 3:
        return None
    item: dict[str, Any] = {"title": title}
    if (owner and owner_of(owner["owner"])) or mention or leading:
        item["owner"] = owner_of(owner["owner"]) if owner else (mention or leading)["handle"]
    due = _DUE.search(plain(text))
    if due and first_date(due["date"]):
        item["due"] = first_date(due["date"]).isoformat()
    found_links = links(text)
    if found_links:
        item["link"] = found_links[0]
    if entry.checked is not None:
        item["status"] = "done" if entry.checked else "open"
    inline = _INLINE_STATUS.search(plain(text))
    if inline and status_of(inline["value"]):
        item["status"] = status_of(inline["value"])
    if bracket and bracket["status"]:
        item["status"] = status_of(bracket["status"])
    elif bracket and "due" not in item and first_date(bracket["eta"]):
        item["due"] = first_date(bracket["eta"]).isoformat()
    _nested_fields(item, entry.children)
    return item


def _without_key(title: str, linked: bool) -> str:
    """'PAY-512 Remove pins' and 'Remove pins (PAY-512)' as 'Remove pins' when the link carries the key."""
    if not linked:
        return title.strip()
    stripped = re.sub(rf"^\s*{_KEY}\s*[:\-–]?\s+", "", title)
    stripped = re.sub(rf"\s*[(\[]\s*{_KEY}\s*[)\]][\s:;,\-–—]*$", "", stripped)
    return stripped.strip() if len(stripped.strip()) >= 3 else title.strip()


def _nested_fields(item: dict[str, Any], children: list[str]) -> None:
    """'Owner: Ada', 'Status: In progress', 'Due: 2024-05-01' written as sub-items; they win over a checkbox."""
    for child in children:
        match = re.match(r"^\s*(?:\*\*|__)?(?P<label>[A-Za-z][A-Za-z ]{1,20}?)(?:\*\*|__)?\s*:(?:\*\*|__)?\s*"
                         r"(?P<value>\S.*)$", child)
        if not match:
            continue
        label, value = label_key(match["label"]), plain(match["value"])
        if re.fullmatch(_OWNER_WORDS, label) and owner_of(value):
            item["owner"] = owner_of(value)
        elif re.fullmatch(r"status|state", label) and status_of(value):
            item["status"] = status_of(value)
        elif re.fullmatch(r"due(?: date)?|deadline|target(?: date)?", label) and first_date(value):
            item["due"] = first_date(value).isoformat()
        elif re.fullmatch(r"ticket|issue|link|jira|tracker", label) and links(match["value"]):
            item.setdefault("link", links(match["value"])[0])


def _table_items(table) -> list[dict[str, Any]]:
    columns: dict[str, int] = {}
    for index, name in enumerate(table.header):
        lowered = name.lower()
        for key, pattern in (("owner", r"owner|assignee|who|responsible|team|dri"), ("due", r"due|deadline|target|when|by|eta"),
                             ("status", r"status|state|done|complete"),
                             ("link", r"link|ticket|issue|jira|tracker|url|bug"),
                             ("priority", r"priority|prio"),
                             ("title", r"action|item|task|description|what|title|follow|summary")):
            if key not in columns and re.search(rf"\b({pattern})\b", lowered):
                columns[key] = index
                break
    title_column = columns.get("title", _longest_column(table, set(columns.values())))
    items = []
    for _, cells in table.rows:
        cell = lambda key: cells[columns[key]] if key in columns and columns[key] < len(cells) else ""
        title = plain(cells[title_column]) if title_column < len(cells) else ""
        if len(title) < 3:
            continue
        item: dict[str, Any] = {"title": title}
        if owner_of(cell("owner")):
            item["owner"] = owner_of(cell("owner"))
        if first_date(cell("due")):
            item["due"] = first_date(cell("due")).isoformat()
        status = status_of(cell("status")) if "status" in columns else _capital_status(cells, title_column)
        if status:
            item["status"] = status
        priority = re.fullmatch(r"\W*P?([1-3])\W*", plain(cell("priority")), re.IGNORECASE)
        if priority:
            item["priority"] = f"P{priority[1]}"
        found_links = links(cell("link")) or links(" ".join(cells))
        if found_links:
            item["link"] = found_links[0]
        items.append(item)
    return items


def _longest_column(table, taken: set[int]) -> int:
    """Without an Action/Task/Summary column, the item is the column with the most text."""
    free = [i for i in range(len(table.header)) if i not in taken] or [0]
    return max(free, key=lambda i: sum(len(plain(cells[i])) for _, cells in table.rows if i < len(cells)))


def _capital_status(cells: list[str], title_column: int) -> str | None:
    """Without a Status column, a status word in capitals in another cell ('Bug 123 **DONE**')."""
    for index, cell in enumerate(cells):
        match = _CAPITAL_STATUS.search(plain(cell)) if index != title_column else None
        if match:
            return status_of(match[1])
    return None
