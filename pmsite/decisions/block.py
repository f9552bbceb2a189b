"""Write the ``decisions:`` block into a postmortem, leaving every other byte of the file alone.

The block is found by its lines: from the top-level ``decisions:`` key to the
last line that belongs to it (indented, or an indentless ``- `` item), so the
comments, blank lines and keys around it stay as they were. A file without the
key gets the block just before the closing ``---``. The result is parsed again
and compared with the original front-matter before anything is written: if any
value other than ``decisions`` would change, nothing is written.

Files are written atomically (a temporary file renamed over the original), and
only if they still hold the bytes the caller read: a file edited while an
interview ran is never overwritten.
"""

from __future__ import annotations

import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from pmsite.errors import ContentError
from pmsite.yamlpos import YamlSyntaxError, parse_yaml

KEY = "decisions"
_FENCE = re.compile(r"^---[ \t]*$")
_CLOSING_FENCE = re.compile(r"^(---|\.\.\.)[ \t]*$")
_BLOCK_KEY = re.compile(rf"^{KEY}[ \t]*:")


class _Dumper(yaml.SafeDumper):
    """Block style with list items indented under their key, as the sample postmortems write them."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)


def _represent_text(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    """Long answers as folded ``>-`` blocks (readable in review); short ones plain or quoted."""
    if len(value) > 80 and "\n" not in value and value == value.strip() and "  " not in value:
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=">")
    return dumper.represent_str(value)


_Dumper.add_representer(str, _represent_text)
#: Timestamps stay plain text (``at: 2024-03-07T10:22:00Z``), as pmsite reads front-matter (``yamlpos``).
_Dumper.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeDumper.yaml_implicit_resolvers.items()
}


def render_block(decisions: list[dict[str, Any]], newline: str = "\n") -> str:
    """The ``decisions:`` block as YAML text, ending with a newline."""
    text = yaml.dump({KEY: decisions}, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=96,
                     default_flow_style=False)
    return text.replace("\n", newline)


@dataclass(frozen=True)
class FrontMatter:
    """Where things are in a file's lines (0-based indexes, each line with its own line ending)."""

    lines: list[str]
    closing: int
    #: ``[start, end)`` of the existing block, or None.
    block: tuple[int, int] | None


def _locate(text: str, display: str) -> FrontMatter:
    lines = text.splitlines(keepends=True)
    if not lines or not _FENCE.match(lines[0].lstrip("\ufeff").rstrip("\r\n")):
        raise ContentError(f"{display}:1: the file has no front-matter; 'pmsite new' writes a postmortem with one")
    closing = next((i for i in range(1, len(lines)) if _CLOSING_FENCE.match(lines[i].rstrip("\r\n"))), None)
    if closing is None:
        raise ContentError(f"{display}:1: the front-matter is never closed; add a line with only '---'")
    start = next((i for i in range(1, closing) if _BLOCK_KEY.match(lines[i])), None)
    if start is None:
        return FrontMatter(lines, closing, None)
    end = start + 1
    for index in range(start + 1, closing):
        line = lines[index].rstrip("\r\n")
        if not line.strip():
            continue
        if line[0] in " \t-":
            end = index + 1  # a line of the block; blank lines before it belong to it too
        else:
            break  # the next key, or a comment that introduces what follows
    return FrontMatter(lines, closing, (start, end))


def _front_matter(lines: list[str], closing: int, display: str) -> dict[str, Any]:
    try:
        data = parse_yaml("".join(lines[1:closing]).lstrip("\ufeff")).data
    except YamlSyntaxError as exc:
        raise ContentError(f"{display}:{exc.position.line + 1}: {exc.message}; fix the front-matter first") from None
    return data if isinstance(data, dict) else {}


def replace_block(text: str, decisions: list[dict[str, Any]], display: str) -> str:
    """``text`` with its ``decisions:`` block replaced by ``decisions`` (removed when empty)."""
    found = _locate(text, display)
    lines = found.lines
    before = _front_matter(lines, found.closing, display)
    newline = "\r\n" if lines[0].endswith("\r\n") else "\n"
    block = render_block(decisions, newline).splitlines(keepends=True) if decisions else []
    if found.block is not None:
        start, end = found.block
        if end == found.closing and block and not lines[end - 1].endswith(("\n", "\r")):
            block[-1] = block[-1].rstrip("\r\n")
        new_lines = lines[:start] + block + lines[end:]
        new_closing = found.closing - (end - start) + len(block)
    else:
        new_lines = lines[:found.closing] + block + lines[found.closing:]
        new_closing = found.closing + len(block)
    after = _front_matter(new_lines, new_closing, display)
    expected = {key: value for key, value in before.items() if key != KEY}
    if decisions:
        expected[KEY] = decisions
    if {key: value for key, value in after.items()} != expected:
        raise ContentError(f"{display}: could not write the decisions: block without changing other "
                           "front-matter (is 'decisions:' written in flow style or twice?); nothing was written")
    return "".join(new_lines)


def read_text(path: Path) -> tuple[bytes, str]:
    """The file's bytes (to detect a change later) and its text with line endings as they are."""
    data = path.read_bytes()
    try:
        return data, data.decode("utf-8")
    except UnicodeDecodeError:
        raise ContentError(f"{path}: is not UTF-8 text; save it as UTF-8 first") from None


def write_if_unchanged(path: Path, original: bytes, text: str) -> bool:
    """Replace ``path`` by ``text`` atomically, unless its bytes are no longer ``original``.

    Returns False (and writes nothing) when the file changed or disappeared.
    """
    try:
        if path.read_bytes() != original:
            return False
    except FileNotFoundError:
        return False
    mode = path.stat().st_mode & 0o7777
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(text.encode("utf-8"))
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return True


def save_beside(path: Path, decisions: list[dict[str, Any]]) -> Path:
    """Keep answers that could not be written into ``path`` in a new file next to it; returns its path."""
    for counter in range(1, 1000):
        suffix = "" if counter == 1 else f"-{counter}"
        target = path.with_name(f"{path.stem}.decisions{suffix}.yaml")
        try:
            with target.open("x", encoding="utf-8") as out:
                out.write(render_block(decisions))
            return target
        except FileExistsError:
            continue
    raise ContentError(f"{path}: could not find a free name to save the answers next to it")
