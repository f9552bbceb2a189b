"""Change action-item keys in a postmortem's front-matter by editing only their lines.

A round trip through a YAML library re-flows lists, quotes and indentation;
this edits text at the positions PyYAML's composer reports, so comments, key
order, blank lines, line endings and the body stay byte for byte, and a diff
shows only the keys that changed. The result is parsed again and compared
with what was asked before anyone writes it.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

import yaml

from pmsite.errors import PmsiteError
from pmsite.yamlpos import load_plain

_PLAIN = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_./:?=&%+~@-]*$")
_SPECIAL = {"true", "false", "yes", "no", "on", "off", "null", "~", "y", "n"}


class EditError(PmsiteError):
    """The front-matter cannot be edited safely; nothing was written."""


@dataclass(frozen=True)
class ItemEdit:
    """Set ``key`` of action item number ``index`` to ``value``; ``None`` removes the key."""

    index: int
    key: str
    value: str | None


def yaml_scalar(value: str) -> str:
    """A value as plain YAML when it reads back as the same text, else double-quoted (JSON is YAML)."""
    if _PLAIN.match(value) and value.lower() not in _SPECIAL and ": " not in value and " #" not in value:
        return value
    return json.dumps(value, ensure_ascii=False)


def _front_matter(lines: list[str], where: str) -> int:
    """Index of the closing fence line."""
    if not lines or lines[0].rstrip("\r\n").rstrip() != "---":
        raise EditError(f"{where}: no front-matter to edit")
    for number, line in enumerate(lines[1:], start=1):
        if line.rstrip("\r\n").rstrip() in ("---", "..."):
            return number
    raise EditError(f"{where}: the front-matter is never closed")


def _items(yaml_text: str, where: str) -> list[yaml.MappingNode]:
    try:
        root = yaml.compose(yaml_text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        raise EditError(f"{where}: the front-matter does not parse ({exc}); fix it first") from None
    if not isinstance(root, yaml.MappingNode):
        raise EditError(f"{where}: the front-matter is not a mapping")
    for key, value in root.value:
        if key.value == "action_items" and isinstance(value, yaml.SequenceNode):
            return list(value.value)
    return []


def edit_action_items(text: str, edits: list[ItemEdit], where: str) -> str:
    """``text`` with ``edits`` applied to its front-matter; raises EditError and changes nothing if unsafe."""
    lines = text.splitlines(keepends=True)
    closing = _front_matter(lines, where)
    newline = "\r\n" if lines[0].endswith("\r\n") else "\n"
    items = _items("".join(lines[1:closing]), where)
    before = load_plain("".join(lines[1:closing])) or {}
    # (line index, order, kind, payload): applied bottom-up so earlier positions stay valid
    operations: list[tuple[int, int, str, object]] = []
    for order, edit in enumerate(edits):
        if edit.index >= len(items) or not isinstance(items[edit.index], yaml.MappingNode):
            raise EditError(f"{where}: action item {edit.index + 1} is not a mapping")
        item = items[edit.index]
        if item.flow_style:
            raise EditError(f"{where}:{item.start_mark.line + 2}: action item {edit.index + 1} is written in flow "
                            "style ({...}); write it as one key per line so pmsite can edit it")
        pair = next(((k, v) for k, v in item.value if k.value == edit.key), None)
        if pair is not None:
            key_node, value_node = pair
            if value_node.start_mark.line != value_node.end_mark.line or not isinstance(value_node, yaml.ScalarNode):
                raise EditError(f"{where}:{key_node.start_mark.line + 2}: {edit.key} spans several lines; "
                                "put it on one line so pmsite can edit it")
            line = value_node.start_mark.line + 1
            operations.append((line, order, "remove" if edit.value is None else "replace",
                               (value_node.start_mark.column, value_node.end_mark.column, edit.value)))
        elif edit.value is not None:
            last = item.value[-1][1]
            line = last.end_mark.line + 1 + (0 if last.end_mark.column == 0 else 1)
            indent = item.value[0][0].start_mark.column
            operations.append((line, order, "insert", " " * indent + f"{edit.key}: {yaml_scalar(edit.value)}{newline}"))
    for line, _, kind, payload in sorted(operations, key=lambda op: (op[0], op[1]), reverse=True):
        if kind == "insert":
            lines.insert(line, payload)
            continue
        start, end, value = payload
        current = lines[line]
        if kind == "remove":
            if current[:start].strip().startswith("-"):
                raise EditError(f"{where}:{line + 1}: cannot remove the first key of an action item")
            del lines[line]
        else:
            lines[line] = current[:start] + yaml_scalar(value) + current[end:]
    result = "".join(lines)
    _verify(before, result, edits, closing, text, where)
    return result


def _verify(before: dict, result: str, edits: list[ItemEdit], closing: int, original: str, where: str) -> None:
    """The edited text must parse to exactly the requested values, with the body untouched."""
    lines = result.splitlines(keepends=True)
    new_closing = _front_matter(lines, where)
    expected = json.loads(json.dumps(before, default=str))
    for edit in edits:
        item = expected["action_items"][edit.index]
        if edit.value is None:
            item.pop(edit.key, None)
        else:
            item[edit.key] = edit.value
    got = json.loads(json.dumps(load_plain("".join(lines[1:new_closing])) or {}, default=str))
    old_body = "".join(original.splitlines(keepends=True)[closing:])
    if got != expected or "".join(lines[new_closing:]) != old_body:
        raise EditError(f"{where}: editing the front-matter in place would change more than asked; "
                        "nothing was written (please report this with the file)")
