"""Characters no front-matter string may hold, found with the line they are on.

C0 controls but tab and line feed, DEL, C1 controls, lone surrogates (YAML's
``"\\ud83d"`` escapes) and U+FFFE/U+FFFF. XML 1.0 forbids most of them (one
makes the Atom feed unreadable), UTF-8 cannot encode a surrogate (the page, or
``pmsite actions``' output, cannot be written), and ESC sequences rewrite the
terminal that prints them. ``validate`` reports them; commands that do not
validate (``actions``, ``metrics``) leave such files out with the same message.
Imported exports are not refused for them: ``printable`` replaces them.
"""

from __future__ import annotations

import re
from typing import Any

from pmsite.model import Finding, Postmortem, field_name

FORBIDDEN_CHARACTER = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
_CONTROL_NAMES = {0x00: "NUL", 0x08: "backspace", 0x0B: "vertical tab", 0x0C: "form feed", 0x0D: "carriage return",
                  0x1B: "escape", 0x7F: "delete"}


def printable(text: str) -> str:
    """``text`` with line breaks as ``\\n`` and every forbidden character as U+FFFD (for imported text)."""
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return FORBIDDEN_CHARACTER.sub("\ufffd", text) if FORBIDDEN_CHARACTER.search(text) else text


def printable_all(texts: tuple[str, ...]) -> tuple[str, ...]:
    """``printable`` of each text; the same tuple when none needs it (one scan for all)."""
    if not FORBIDDEN_CHARACTER.search("\n".join(texts)):
        return texts
    return tuple(printable(text) for text in texts)


def character_findings(pm: Postmortem) -> list[Finding]:
    """One error per front-matter key or string value (at any depth) holding a forbidden character,
    and one for the first in the Markdown text (it reaches the page and terminals too)."""
    findings = []
    stack: list[tuple[tuple, Any]] = [((), pm.meta)]
    while stack:  # iterative: front-matter may nest deeply
        path, value = stack.pop()
        if isinstance(value, dict):
            for key, item in value.items():
                if isinstance(key, str) and (bad := FORBIDDEN_CHARACTER.search(key)):
                    findings.append(_finding(pm, path + (key,), f"the key {key!r}", bad.group()))
                stack.append((path + (key,), item))
        elif isinstance(value, list):
            stack.extend((path + (index,), item) for index, item in enumerate(value))
        elif isinstance(value, str) and (bad := FORBIDDEN_CHARACTER.search(value)):
            findings.append(_finding(pm, path, field_name(path), bad.group()))
    if bad := FORBIDDEN_CHARACTER.search(pm.body):  # the file was UTF-8: only control characters get here
        before = pm.body[:bad.start()]
        findings.append(_finding(pm, None, "the text", bad.group(),
                                 (pm.body_line + before.count("\n"), bad.start() - before.rfind("\n"))))
    return findings


def _finding(pm: Postmortem, path: tuple | None, what: str, char: str,
             position: tuple[int, int] | None = None) -> Finding:
    code = ord(char)
    if 0xD800 <= code <= 0xDFFF:
        description = f"a lone surrogate U+{code:04X} (half of a character written as two \\u escapes)"
        suggestion = ("write the character itself, or one \\U escape such as \\U0001F600; YAML does not join "
                      "a \\ud83d\\ude00 pair")
    else:
        name = _CONTROL_NAMES.get(code) or ("a C1 control" if code >= 0x80 else "a control character")
        description = f"the invisible character U+{code:04X} ({name})"
        suggestion = "delete it (it often comes with text pasted from a terminal); it breaks the Atom feed and terminals"
    line, column = position or pm.position_of(path)
    return Finding(path=pm.display_path, line=line, column=column, rule="schema/character",
                   category="schema", severity="error", message=f"{what} contains {description}", suggestion=suggestion)
