"""The prose of a Markdown file, at the same offsets as the original text.

mistune keeps no source positions (NOTES.md), so the linter reads a *masked*
copy of the file instead: every character that is not prose (front-matter keys
and non-prose values, fenced and inline code, HTML comments and tags, URLs,
link targets, table pipes, Markdown markers) becomes a space, newlines stay.
An offset into the masked text is therefore an offset into the original file,
and one function (``pmsite.lint``) turns it into line and column.

``prose_blocks`` then cuts the masked text into the units a sentence cannot
cross (paragraphs, headings, list items, table cells, front-matter values) and
``sentences`` splits each block into sentences without a parser.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: Front-matter keys whose values are prose worth linting; every other value is masked.
PROSE_KEYS = frozenset({"title", "summary", "lessons"})
#: Keys inside a top-level list of mappings whose values are prose (``decisions``: docs/decisions.md).
NESTED_PROSE_KEYS = {"decisions": frozenset({"situation", "why", "option", "would_take", "known", "cue", "outcome"})}

_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_FM_KEY = re.compile(r"^([A-Za-z_][\w-]*)[ \t]*:(?:[ \t]+|$)")
_FM_ITEM = re.compile(r"^[ \t]+-[ \t]+")
_FM_NESTED_KEY = re.compile(r"^([ \t-]*)([A-Za-z_][\w-]*)[ \t]*:(?:[ \t]+|$)")
_FM_BLOCK_INDICATOR = re.compile(r"^[|>][+-]?\d*[ \t]*$")
_COMMENT = re.compile(r"<!--.*?(?:-->|\Z)", re.S)
_INLINE_CODE = re.compile(r"(?<!`)(`+)(?!`)(?:[^`\n]|\n(?![ \t]*\n)|`(?!\1))+?(?<!`)\1(?!`)")
_HTML_TAG = re.compile(r"</?[A-Za-z][^<>\n]*>")
_IMAGE = re.compile(r"!\[[^\]\n]*\]\([^)\n]*\)")
_LINK_TARGET = re.compile(r"(?<=\])\((?:[^()\n]|\([^()\n]*\))*\)|(?<=\])\[[^\]\n]*\]")
_LINK_DEFINITION = re.compile(r"^ {0,3}\[[^\]\n]+\]:[^\n]*$", re.M)
_URL = re.compile(r"\b(?:https?|ftp|file)://[^\s<>()\[\]]+|\bwww\.[^\s<>()\[\]]+|\b[\w.+-]+@[\w-]+\.[\w.-]+")
_FOOTNOTE = re.compile(r"\[\^[^\]\n]*\]")
_EMPHASIS = re.compile(r"\*+|~~|(?<![\w])_+|_+(?![\w])")
_LINK_BRACKETS = re.compile(r"[\[\]]")
_LINE_MARKER = re.compile(r"^[ \t]*(?:(?:>[ \t]?)+|#{1,6}(?=[ \t]|$)|[-*+](?=[ \t])|\d{1,9}[.)](?=[ \t])|\[[ xX]\](?=[ \t]))")
_QUOTE_PREFIX = re.compile(r"^[ \t]{0,3}>")
_TABLE_RULE = re.compile(r"^[ \t|:-]+$")
_NEW_BLOCK = re.compile(r"^[ \t]{0,3}(?:#{1,6}(?:[ \t]|$)|[-*+][ \t]|\d{1,9}[.)][ \t])")


@dataclass(frozen=True)
class Block:
    """A run of prose no sentence crosses: ``masked[start:end]``."""

    start: int
    end: int
    #: A blockquote: the record of what someone said, not the author's voice.
    quoted: bool = False


def _blank(match: re.Match) -> str:
    return re.sub(r"[^\n]", " ", match.group(0))


def _spaces(text: str) -> str:
    return re.sub(r"[^\n]", " ", text)


class _NestedKeys:
    """Which key of a list of mappings (``decisions:``) each indented line belongs to."""

    def __init__(self, prose: frozenset[str]) -> None:
        self.prose = prose
        self.key: str | None = None
        self.indent = -1
        self.has_value = False  # a value on the key's line: deeper lines continue it (not structure)

    def keep(self, line: str) -> str:
        indent = len(line) - len(line.lstrip(" \t-"))
        if self.key is not None and self.has_value and indent > self.indent:
            return line if self.key in self.prose else ""
        match = _FM_NESTED_KEY.match(line)
        if match is None:
            return ""
        self.key, self.indent = match.group(2), len(match.group(1))
        value = line[match.end():]
        self.has_value = bool(value.strip())
        return _spaces(line[: match.end()]) + value if self.key in self.prose else ""


def _mask_front_matter(lines: list[str]) -> list[str]:
    """Keep only the values of prose keys (``PROSE_KEYS``, ``NESTED_PROSE_KEYS``), without YAML syntax."""
    masked, key, nested = [], None, None
    for line in lines:
        key_match = _FM_KEY.match(line)
        if key_match:
            key = key_match.group(1)
            nested = _NestedKeys(NESTED_PROSE_KEYS[key]) if key in NESTED_PROSE_KEYS else None
            kept = _spaces(line[: key_match.end()]) + line[key_match.end():]
        elif nested is not None and line.startswith((" ", "\t", "-")):
            kept = nested.keep(line)
        elif line.startswith((" ", "\t")) and key is not None:
            item = _FM_ITEM.match(line)
            kept = _spaces(line[: item.end()]) + line[item.end():] if item else line
        else:
            key, kept = None, ""
        if nested is not None and not key_match:
            pass  # kept is already only prose
        elif key not in PROSE_KEYS:
            kept = ""
        if _FM_BLOCK_INDICATOR.match(kept.strip()) or kept.strip() in ("[", "]"):
            kept = ""
        kept = re.sub(r"(?<![\w])['\"]|['\"](?![\w])|^\s*-\s", lambda m: _spaces(m.group(0)), kept)
        masked.append(kept.ljust(len(line)) if kept else " " * len(line))
    return masked


def mask(text: str, front_matter_lines: tuple[int, int] | None = None) -> str:
    """Return ``text`` with every non-prose character replaced by a space.

    ``front_matter_lines`` is ``Postmortem.front_matter_lines`` (1-based lines of
    the opening and closing ``---``); the result has the same length and the
    same newlines as ``text``.
    """
    lines = text.split("\n")
    first_body = 0
    if front_matter_lines:
        opening, closing = front_matter_lines
        lines[opening - 1] = " " * len(lines[opening - 1])
        lines[opening:closing - 1] = _mask_front_matter(lines[opening:closing - 1])
        lines[closing - 1] = " " * len(lines[closing - 1])
        first_body = closing

    fence: str | None = None
    for number in range(first_body, len(lines)):
        line = lines[number]
        opener = _FENCE.match(line.lstrip(">").lstrip() if _QUOTE_PREFIX.match(line) else line)
        if fence is not None:
            if opener and opener.group(1)[0] == fence[0] and len(opener.group(1)) >= len(fence):
                fence = None
            lines[number] = " " * len(line)
        elif opener:
            fence = opener.group(1)
            lines[number] = " " * len(line)
        elif line.startswith(("    ", "\t")) and number > 0 and not lines[number - 1].strip() \
                and not _NEW_BLOCK.match(line.lstrip()):
            lines[number] = " " * len(line)  # indented code block after a blank line
    body = "\n".join(lines)

    for pattern in (_COMMENT, _LINK_DEFINITION, _IMAGE, _INLINE_CODE, _HTML_TAG, _LINK_TARGET, _URL, _FOOTNOTE):
        body = pattern.sub(_blank, body)
    lines = body.split("\n")
    for number in range(first_body, len(lines)):
        line = lines[number]
        marker = _LINE_MARKER.match(line)
        if marker:
            line = " " * marker.end() + line[marker.end():]
        if "|" in line:
            line = " " * len(line) if _TABLE_RULE.match(line) else line.replace("|", " ")
        lines[number] = _LINK_BRACKETS.sub(" ", _EMPHASIS.sub(_blank, line))
    return "\n".join(lines)


def prose_blocks(text: str, masked: str, front_matter_lines: tuple[int, int] | None = None) -> list[Block]:
    """Cut the masked text into paragraphs, headings, list items, table cells and values."""
    blocks: list[Block] = []
    start: int | None = None
    quoted = False
    last_front_matter_line = front_matter_lines[1] if front_matter_lines else 0

    def close(end: int) -> None:
        nonlocal start
        if start is not None and masked[start:end].strip():
            blocks.append(Block(start, end, quoted))
        start = None

    offset = 0
    for number, (line, prose) in enumerate(zip(text.split("\n"), masked.split("\n")), start=1):
        end = offset + len(line)
        line_quoted = bool(_QUOTE_PREFIX.match(line))
        if not prose.strip():
            close(offset)
        elif number <= last_front_matter_line:
            if _FM_KEY.match(line) or _FM_ITEM.match(line) or _FM_NESTED_KEY.match(line):
                close(offset)
            if start is None:
                start, quoted = offset, False
        elif "|" in line.strip("| \t") or line.lstrip().startswith("|"):
            close(offset)
            cell_start = offset
            for cell in re.finditer(r"(?:\\\||[^|])+", line):
                cell_start = offset + cell.start()
                if masked[cell_start: offset + cell.end()].strip():
                    blocks.append(Block(cell_start, offset + cell.end(), line_quoted))
        else:
            body_line = line.lstrip(" \t>") if line_quoted else line
            if _NEW_BLOCK.match(body_line) or line_quoted != quoted:
                close(offset)
            if start is None:
                start, quoted = offset, line_quoted
            if body_line.lstrip().startswith("#"):
                close(end)
        offset = end + 1
    close(len(masked))
    return blocks


_ABBREVIATIONS = frozenset({"e.g", "i.e", "etc", "vs", "mr", "mrs", "dr", "approx", "fig", "cf", "incl"})
_SENTENCE_END = re.compile(r"[.!?]+[\"')\]”’]*(?=\s+[\"'(\[“‘]?[A-Z0-9])|[.!?]+[\"')\]”’]*\s*$|[;]\s")
#: Sentences longer than this are cut (a 5 MB line must not reach the parser whole).
MAX_SENTENCE_CHARS = 1500


def sentences(masked: str, block: Block) -> list[tuple[int, int]]:
    """Split a block into ``(start, end)`` sentence spans of ``masked``, trimmed of spaces."""
    spans, start = [], block.start
    text = masked[block.start:block.end]
    for match in _SENTENCE_END.finditer(text):
        word = re.search(r"([\w.]+)\.$", text[:match.start() + 1])
        if match.group(0).startswith(".") and word and (word.group(1).lower() in _ABBREVIATIONS
                                                        or (len(word.group(1)) == 1 and word.group(1).isupper())):
            continue  # "e.g." and initials: "Lieutenant William N. Wilson"
        spans.append((start, block.start + match.end()))
        start = block.start + match.end()
    spans.append((start, block.end))
    result = []
    for span_start, span_end in spans:
        while span_start < span_end and masked[span_start].isspace():
            span_start += 1
        while span_end > span_start and masked[span_end - 1].isspace():
            span_end -= 1
        while span_end - span_start > MAX_SENTENCE_CHARS:
            cut = masked.rfind(" ", span_start, span_start + MAX_SENTENCE_CHARS)
            cut = cut if cut > span_start else span_start + MAX_SENTENCE_CHARS
            result.append((span_start, cut))
            span_start = cut
            while span_start < span_end and masked[span_start].isspace():
                span_start += 1
        if span_end > span_start:
            result.append((span_start, span_end))
    return result


_QUOTATION = re.compile(r"\"[^\"\n]{2,500}\"|“[^”\n]{2,500}”")


def quotations(masked: str) -> list[tuple[int, int]]:
    """Spans of text in double quotes: reported speech, written as it was said."""
    return [match.span() for match in _QUOTATION.finditer(masked)]
