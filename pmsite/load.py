"""Stage 1, load: Markdown files with YAML front-matter -> ``Postmortem`` objects.

Reading never stops at a bad file: problems that keep a file from being read
(bytes that are not UTF-8, a binary file, broken YAML, unclosed front-matter)
become findings with a line and column, and the other files load as usual.
Front-matter the parse cache lacks is parsed on every core when there is much of it.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from pmsite.cache import PickleCache, digest, source_salt
from pmsite.config import Config
from pmsite.errors import ContentError
from pmsite.model import Finding, Postmortem, Position
from pmsite.parallel import OrderedMap
from pmsite.yamlpos import YamlSyntaxError, parse_yaml

_FENCE = re.compile(r"^---[ \t]*$")
_CLOSING_FENCE = re.compile(r"^(---|\.\.\.)[ \t]*$")
_BINARY_SNIFF = 8192


@dataclass
class LoadResult:
    postmortems: list[Postmortem] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)


def _finding(display: str, position: Position, rule: str, message: str, suggestion: str = "") -> Finding:
    return Finding(
        path=display,
        line=position.line,
        column=position.column,
        rule=rule,
        category="syntax",
        severity="error",
        message=message,
        suggestion=suggestion,
    )


def decode(data: bytes, display: str) -> tuple[str | None, Finding | None]:
    """Bytes -> text with BOM removed and ``\\n`` line endings, or a finding saying why not."""
    if b"\x00" in data[:_BINARY_SNIFF]:
        return None, _finding(
            display, Position(1, 1), "syntax/binary",
            "this is a binary file, not Markdown text",
            "remove it from the content folder or rename it so it does not end in .md",
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        before = data[: exc.start]
        line = before.count(b"\n") + 1
        column = exc.start - (before.rfind(b"\n") + 1) + 1
        return None, _finding(
            display, Position(line, column), "syntax/encoding",
            f"byte 0x{data[exc.start]:02x} is not valid UTF-8",
            "save the file as UTF-8 (most editors: 'Save with encoding' > UTF-8)",
        )
    return text.replace("\r\n", "\n").replace("\r", "\n"), None


def parse_postmortem(text: str, path: Path, display: str) -> tuple[Postmortem, list[Finding]]:
    """Split front-matter from body and map every key to its line in ``text``."""
    postmortem = Postmortem(path=path, display_path=display, text=text, body=text)
    lines = text.split("\n")
    if not lines or not _FENCE.match(lines[0]):
        return postmortem, []

    closing = next((i for i in range(1, len(lines)) if _CLOSING_FENCE.match(lines[i])), None)
    if closing is None:
        return postmortem, [
            _finding(
                display, Position(1, 1), "syntax/unclosed-front-matter",
                "the front-matter opened on line 1 is never closed",
                "add a line with only '---' after the last front-matter key",
            )
        ]
    postmortem.front_matter_lines = (1, closing + 1)
    body_offset = sum(len(line) + 1 for line in lines[: closing + 1])
    postmortem.body_offset = min(body_offset, len(text))
    postmortem.body = text[postmortem.body_offset :]
    postmortem.body_line = closing + 2

    yaml_text = "\n".join(lines[1:closing])
    try:
        parsed = parse_yaml(yaml_text, first_line=2)
    except YamlSyntaxError as exc:
        return postmortem, [
            _finding(display, exc.position, exc.rule, exc.message, exc.suggestion)
        ]
    if parsed.data is None:
        return postmortem, []
    if not isinstance(parsed.data, dict):
        return postmortem, [
            _finding(display, Position(2, 1), "syntax/front-matter-not-mapping",
                     "the front-matter must be 'key: value' lines, not a list or a single value",
                     "write one 'key: value' per line, e.g. 'title: Checkout latency'")
        ]
    postmortem.meta = parsed.data
    postmortem.key_positions = parsed.positions
    findings = [
        _finding(display, position, "syntax/duplicate-key",
                 f"the key {'.'.join(map(str, key_path))!r} is written twice; only the last value counts",
                 "remove one of the two")
        for key_path, position in parsed.duplicate_keys
    ]
    return postmortem, findings


def parse_cache(config: Config) -> PickleCache:
    """Parsed front-matter by content hash, so a warm run reads files but parses no YAML.

    Parsing YAML with positions is ~1.5 ms a file: most of a warm ``pmsite
    metrics`` on 2,000 postmortems. Salted with this module's and the YAML
    reader's source, so a change to either parses everything again.
    """
    from pmsite import yamlpos

    return PickleCache(config.cache_dir("load") / "front-matter.pickle", source_salt(Path(__file__), Path(yamlpos.__file__)))


_CACHED_FIELDS = ("meta", "key_positions", "front_matter_lines", "body_offset", "body_line")


@dataclass
class _ReadFile:
    """A file read and decoded, with its parse from the cache when the cache has it."""

    path: Path
    display: str
    text: str | None
    key: str = ""
    parsed: dict | None = None
    findings: list[Finding] = field(default_factory=list)


def _read(path: Path, config: Config, cache: PickleCache | None) -> _ReadFile:
    display = config.display_path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        return _ReadFile(path, display, None, findings=[_finding(
            display, Position(1, 1), "syntax/unreadable", f"cannot read the file: {exc.strerror or exc}",
            "check that the file exists and is readable")])
    text, problem = decode(data, display)
    if problem is not None:
        return _ReadFile(path, display, None, findings=[problem])
    if cache is None:
        return _ReadFile(path, display, text)
    key = digest(text)
    return _ReadFile(path, display, text, key, cache.get(key))


def _parse(file: _ReadFile) -> tuple[dict, list[Finding]]:
    """What the cache keeps of a parse (plain values: cheap to send from a worker process)."""
    postmortem, findings = parse_postmortem(file.text or "", file.path, file.display)
    return {name: getattr(postmortem, name) for name in _CACHED_FIELDS}, findings


def _postmortem(file: _ReadFile, parsed: dict) -> Postmortem:
    text = file.text or ""
    postmortem = Postmortem(path=file.path, display_path=file.display, text=text, body=text[parsed["body_offset"]:],
                            **parsed)
    if file.key:
        postmortem.text_digest = file.key
    return postmortem


def read_file(path: Path, config: Config, cache: PickleCache | None = None) -> tuple[Postmortem | None, list[Finding]]:
    """Load one file; a file that cannot be read as text gives None and a finding."""
    return next(_finish([_read(path, config, cache)], cache))


def _finish(files: list[_ReadFile], cache: PickleCache | None) -> Iterator[tuple[Postmortem | None, list[Finding]]]:
    """Parse the files the cache lacks (on every core when there are many) and give each its postmortem."""
    missing = [file for file in files if file.text is not None and file.parsed is None]
    with OrderedMap(_parse, missing) as parses:
        for file, (parsed, findings) in zip(missing, parses):
            file.parsed, file.findings = parsed, findings
            if cache is not None and not findings:  # findings name the file: only clean parses are shared
                cache.put(file.key, parsed)
    for file in files:
        yield (_postmortem(file, file.parsed) if file.parsed is not None else None), file.findings


def collect_paths(paths: list[Path], config: Config, refused: list[Finding] | None = None) -> list[Path]:
    """Expand folders to their Markdown files (sorted, so output is reproducible).

    Files named explicitly are read whatever their extension; inside folders,
    ``*.md`` files are taken except those whose name starts with ``_`` or ``.``
    (section index pages and editor leftovers, as in Hugo). Symbolic links in
    folders are followed only when they stay inside the repository; the others
    are left out, with a finding in ``refused``.
    """
    if not paths:
        paths = [config.content_dir]
    files: list[Path] = []
    for path in paths:
        path = path.resolve()  # once per argument: what is found below it is then absolute
        if path.is_dir():
            found = _markdown_files(path, config, refused if refused is not None else [])
            if not found:
                raise ContentError(f"{config.display_path(path)}: no Markdown (.md) files in this folder")
            files.extend(found)
        elif path.is_file():
            files.append(path)
        elif not path.exists():
            hint = ""
            if path == config.content_dir:
                hint = "; create it, run 'pmsite init', or set content_dir in pmsite.yaml"
            raise ContentError(f"{config.display_path(path)}: no such file or folder{hint}")
        else:
            raise ContentError(f"{config.display_path(path)}: not a regular file or folder")
    unique: dict[Path, None] = {}
    for file in files:
        unique.setdefault(file, None)
    return list(unique)


def _markdown_files(folder: Path, config: Config, refused: list[Finding]) -> list[Path]:
    """The ``*.md`` files below ``folder``, following links that stay in the repository (or the folder).

    A link out of it (to ``/etc/passwd``, a home folder, ``.git/config``) would
    publish or print a file the repository does not hold: it becomes a finding instead.
    """
    inside = (config.root, folder)
    git = config.root / ".git"  # inside the repository, but not its content: remotes may hold tokens
    found: list[Path] = []
    pending, seen = [folder], {(folder.stat().st_dev, folder.stat().st_ino)}
    while pending:
        current = pending.pop()
        try:
            entries = sorted(os.scandir(current), key=lambda entry: entry.name)  # findings in a stable order
        except OSError:
            continue
        for entry in entries:
            if entry.name.startswith((".", "_")):
                continue
            path = Path(entry.path)
            if entry.is_symlink():
                target = path.resolve()
                if not any(target == base or base in target.parents for base in inside) \
                        or target == git or git in target.parents:
                    refused.append(_finding(
                        config.display_path(path), Position(1, 1), "syntax/link-outside-repository",
                        f"this is a symbolic link to {target}, outside the repository's files; it is not read",
                        "replace the link with the file itself, or remove it"))
                    continue
            try:
                if entry.is_dir():
                    info = entry.stat()
                    if (info.st_dev, info.st_ino) not in seen:  # a link back up the tree is walked once
                        seen.add((info.st_dev, info.st_ino))
                        pending.append(path)
                elif entry.name.endswith(".md") and entry.is_file():
                    found.append(path)
            except OSError:
                continue
    return sorted(found)


def load(paths: list[Path], config: Config, *, use_cache: bool = True) -> LoadResult:
    """Load every file under ``paths`` (the content folder when empty)."""
    result = LoadResult()
    cache = parse_cache(config) if use_cache else None
    files = collect_paths(paths, config, result.findings)
    for postmortem, findings in _finish([_read(path, config, cache) for path in files], cache):
        result.findings.extend(findings)
        if postmortem is not None:
            result.postmortems.append(postmortem)
    if cache is not None:
        cache.save()
    return result


def load_corpus(config: Config) -> list[Postmortem]:
    """Every readable postmortem in the content folder (empty when there is none).

    Cross-file rules and history need the whole repository even when a command
    was asked about one file.
    """
    try:
        return load([config.content_dir], config).postmortems
    except ContentError:
        return []
