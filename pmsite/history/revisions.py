"""Reading one revision's front-matter: the postmortem id, its status and each action item's status.

Every revision of every postmortem is read, so the common block style has a
fast path (``_scan``) and YAML (bounded: ``pmsite.yamlpos``) decides the rest.
A revision that cannot be read says why (``problem``) and the walk skips it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from pmsite.history.records import ITEM_STATUSES
from pmsite.yamlpos import YamlSyntaxError, load_plain

_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?)^(?:---|\.\.\.)[ \t]*$", re.DOTALL | re.MULTILINE)


@dataclass
class _Revision:
    """What history needs from one blob's front-matter; ``problem`` is set when it did not parse."""

    pm_id: str = ""
    status: str = ""
    items: dict[str, str] = field(default_factory=dict)
    unknown: dict[str, str] = field(default_factory=dict)
    problem: str = ""
    line: int = 1


def _read_revision(data: bytes) -> _Revision:
    try:
        text = data.decode("utf-8-sig").replace("\r\n", "\n")
    except UnicodeDecodeError:
        return _Revision(problem="the file was not UTF-8 text")
    match = _FRONT_MATTER.match(text)
    if match is None:
        return _Revision(problem="the file had no closed front-matter block")
    return _read_front_matter(match.group(1))


@lru_cache(maxsize=4096)
def _read_front_matter(front_matter: str) -> _Revision:
    """Cached: most commits to a postmortem edit the body and leave the front-matter alone."""
    return _scan(front_matter) or _parse(front_matter)


def _parse(front_matter: str) -> _Revision:
    """The reference reading of a revision, with the YAML parser."""
    try:
        meta = load_plain(front_matter)
    except YamlSyntaxError as exc:
        return _Revision(problem=f"the front-matter did not parse ({exc.message})", line=exc.position.line + 1)
    if not isinstance(meta, dict):
        return _Revision(problem="the front-matter was not a mapping of keys to values")
    revision = _Revision(pm_id=meta.get("id") if isinstance(meta.get("id"), str) else "",
                         status=str(meta.get("status") or ""))
    items = meta.get("action_items")
    for item in items if isinstance(items, list) else []:
        if isinstance(item, dict) and isinstance(item.get("id"), (str, int)):
            _add_item(revision, str(item["id"]), str(item.get("status") or ""))
    return revision


def _add_item(revision: _Revision, item_id: str, status: str) -> None:
    target = revision.items if status in ITEM_STATUSES else revision.unknown
    target[item_id] = status


# A fast path for the plain block style that 'pmsite new' writes and people keep: YAML
# parsing is ~2 ms a revision even with libyaml, which would dominate a cold walk. The scanner
# accepts only lines it fully understands and returns None for anything else (flow mappings,
# anchors, multi-line plain scalars, typed ids or statuses ...), so YAML decides those.
_KEY = re.compile(r"([A-Za-z_][\w-]*):(?:[ ]+(.*))?")
_BLOCK = re.compile(r"[|>][-+]?[1-9]?(?:[ ]+#.*)?")
_DOUBLE = re.compile(r'"([^"\\]*)"(?:[ ]+#.*)?')
_SINGLE = re.compile(r"'((?:[^']|'')*)'(?:[ ]+#.*)?")
_FLOW = re.compile(r"""\[(?:[^\[\]{}"'#]|"[^"\\]*"|'[^']*')*\](?:[ ]+#.*)?""")
_NOT_TEXT = re.compile(r"[-+.0-9].*|true|false|yes|no|on|off|y|n|null|~", re.IGNORECASE)


def _scalar(value: str) -> tuple[str, str] | None:
    """(kind, text) of a one-line value: kind is text, typed, empty, block or flow; None if unsure."""
    if not value:
        return "empty", ""
    first = value[0]
    if first == '"':
        match = _DOUBLE.fullmatch(value)
        return ("text", match.group(1)) if match else None
    if first == "'":
        match = _SINGLE.fullmatch(value)
        return ("text", match.group(1).replace("''", "'")) if match else None
    if first == "[":
        return ("flow", "") if _FLOW.fullmatch(value) else None
    if first in "|>":
        return ("block", "") if _BLOCK.fullmatch(value) else None
    text = value.split(" #", 1)[0].rstrip()
    if first in "{]}#&*!%@`,?:-" or ": " in text or text.endswith(":") or "\t" in text:
        return None
    return ("typed", text) if _NOT_TEXT.fullmatch(text) else ("text", text)


@lru_cache(maxsize=1 << 16)
def _line(line: str) -> tuple[int, int, str | None, tuple[str, str] | None, str] | None:
    """(indent, dash width, key, value, raw value) of one line; None for blank and comment lines.

    ``dash width`` is how far a ``- `` item moves its first key (0: no dash).
    Cached: revisions of a file share nearly all their lines.
    """
    body = line.lstrip(" ")
    if not body or body[0] == "#":
        return None
    indent, dash = len(line) - len(body), 0
    if body.startswith("- "):
        rest = body[2:].lstrip(" ")
        dash, body = len(body) - len(rest), rest
    pair = _KEY.fullmatch(body)
    if pair:
        raw = pair.group(2) or ""
        return indent, dash, pair.group(1), _scalar(raw), raw
    return indent, dash, None, _scalar(body) if dash else None, ""


#: Top-level keys whose nested blocks history never reads: skipped like the text of a block scalar.
_UNREAD_BLOCKS = frozenset({"decisions"})


def _scan(front_matter: str) -> _Revision | None:
    """Read id and statuses from simple block-style front-matter, or None to let YAML decide."""
    revision = _Revision()
    top_key = ""
    nested = False  # the last top-level key had no value: a block sequence may follow
    sequence_indent = key_indent = block_indent = -1
    item: dict[str, str] | None = None

    def close_item() -> bool:
        if item is not None and top_key == "action_items":
            if "id" not in item:
                return False
            _add_item(revision, item["id"], item.get("status", ""))
        return True

    for line in front_matter.split("\n"):
        parsed = _line(line)
        if parsed is None:
            continue
        indent, dash, key, value, raw = parsed
        if indent <= block_indent:
            block_indent = -1
        if block_indent >= 0:
            continue  # text of a block scalar
        if dash:
            if not (indent == sequence_indent or (nested and sequence_indent < 0)) or not close_item():
                return None
            sequence_indent, item = indent, None
            if key is None:  # a scalar item, e.g. a lesson
                if value is None or value[0] == "empty":
                    return None
                block_indent = indent if value[0] == "block" else -1
                continue
            item, key_indent = {}, indent + dash
            indent = key_indent
        elif indent == 0:
            if not close_item() or value is None:
                return None
            item, sequence_indent = None, -1
            top_key, kind, text = key, value[0], value[1]
            if top_key in ("id", "status"):
                if kind not in ("text", "empty"):
                    return None
                setattr(revision, "pm_id" if top_key == "id" else "status", text)
            elif top_key == "action_items" and kind != "empty" and raw.split(" #")[0].strip() != "[]":
                return None
            skipped = top_key in _UNREAD_BLOCKS and kind == "empty"
            nested = kind == "empty" and not skipped
            block_indent = 0 if kind == "block" or skipped else -1
            continue
        elif item is None or indent != key_indent:
            return None
        if key is None or value is None or value[0] == "empty" or (key in ("id", "status") and value[0] != "text"):
            return None
        item[key] = value[1]
        block_indent = indent if value[0] == "block" else -1
    return revision if close_item() else None
