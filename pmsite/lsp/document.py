"""One open document, checked as ``pmsite lint`` and ``pmsite validate`` check it, edit after edit.

The language server calls ``DocumentLinter.check`` on every change, so it must stay fast on a
long postmortem: only the prose blocks (paragraphs, list items, headings, table cells) whose
text changed since the last check are linted again. It does that through the real lint stage,
not a copy of it: the changed blocks are linted inside a copy of the document in which every
unchanged block is blanked out with spaces (``textmask`` keeps offsets the same way), so each
finding lands at its own line and column. Findings of unchanged blocks come from the cache,
moved to where their block now starts. Suppression comments are applied afterwards to the whole
document, so adding one above an unchanged paragraph takes effect at once.

The block cache is keyed by the block's text and by the document's front-matter (its ``authors``
and ``participants`` decide who is a person); a changed front-matter re-lints every block. A
linter serves one configuration: a changed pmsite.yaml gets a new linter with an empty cache.
"""

from __future__ import annotations

import bisect
import dataclasses
import re
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

from pmsite import load, sections, textmask
from pmsite.cache import digest
from pmsite.config import Config
from pmsite.lint import DIRECTIVE, Suppressions, action_sections, lint
from pmsite.model import Finding, Fix, Postmortem
from pmsite.validate import cross_file_findings, validate_file

#: Larger documents get one diagnostic instead of live findings: ``pmsite lint`` still works.
MAX_LIVE_CHARS = 1_000_000
#: Cached blocks kept across all documents (a long postmortem has a few hundred).
_MAX_CACHED_BLOCKS = 20_000
#: The cache entry for findings outside the prose blocks, such as action-item titles in the
#: front-matter: they depend on the front-matter alone, which the context key covers.
_OUTSIDE_BLOCKS = "\0outside the prose blocks"


@dataclass
class DocumentReport:
    """What one check found, and how much of the document it had to lint again."""

    findings: list[Finding]
    #: Prose blocks in the document, and how many of them were linted this time.
    blocks: int = 0
    relinted: int = 0


@dataclass(frozen=True)
class _Placed:
    """A lint finding of one block, with offsets relative to the block's start."""

    start: int
    end: int
    finding: Finding
    fix: tuple[int, int, str] | None


class _Lines:
    """Offsets <-> 1-based (line, column) in one text (the one place the server converts them)."""

    def __init__(self, text: str) -> None:
        self.starts = [0] + [m.end() for m in re.finditer("\n", text)]

    def offset(self, line: int, column: int) -> int:
        return self.starts[min(line, len(self.starts)) - 1] + column - 1

    def position(self, offset: int) -> tuple[int, int]:
        line = bisect.bisect_right(self.starts, offset) - 1
        return line + 1, offset - self.starts[line] + 1


class DocumentLinter:
    """Lints and validates open documents of one repository (one ``pmsite.yaml``)."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self._blocks: OrderedDict[tuple[str, str, bool], list[_Placed]] = OrderedDict()
        self._corpus: list[Postmortem] | None = None

    def display_path(self, path: Path) -> str:
        try:
            return path.resolve().relative_to(self.config.root).as_posix()
        except ValueError:
            return path.as_posix()

    def forget_corpus(self) -> None:
        """A file was saved: cross-file checks (unique ids, ``related``) read the folder again."""
        self._corpus = None

    # -- the check -------------------------------------------------------------------------
    def check(self, path: Path, text: str) -> DocumentReport:
        display = self.display_path(path)
        if len(text) > MAX_LIVE_CHARS:
            return DocumentReport([Finding(
                path=display, line=1, column=1, rule="lint/too-large", category="lint", severity="warning",
                message=f"this file has {len(text):,} characters; live checks stop at {MAX_LIVE_CHARS:,}",
                suggestion="run `pmsite lint` and `pmsite validate` on it from a terminal")])
        text = text.replace("\r\n", "\n").replace("\r", "\n")
        postmortem, findings = load.parse_postmortem(text, path, display)
        if self._is_postmortem(path, postmortem):
            findings += self._validate(postmortem)
        report = self._lint(postmortem)
        report.findings = sorted(findings + report.findings, key=lambda f: f.sort_key())
        return report

    def _is_postmortem(self, path: Path, postmortem: Postmortem) -> bool:
        """Files in the content folder, and any file whose front-matter has an id, are validated."""
        return self.config.content_dir in path.resolve().parents or "id" in postmortem.meta

    def _validate(self, postmortem: Postmortem) -> list[Finding]:
        if self._corpus is None:
            self._corpus = load.load_corpus(self.config)
        others = [pm for pm in self._corpus if pm.path.resolve() != postmortem.path.resolve()]
        return validate_file(postmortem) + cross_file_findings([postmortem], [*others, postmortem])

    def _lint(self, postmortem: Postmortem) -> DocumentReport:
        text = postmortem.text
        masked = textmask.mask(text, postmortem.front_matter_lines)
        blocks = textmask.prose_blocks(text, masked, postmortem.front_matter_lines)
        context = self._context_key(postmortem)
        # Under an "Action items" heading a block gets the action-item rules: a renamed heading relints it.
        in_actions = action_sections(postmortem)
        keys = [(context, text[block.start:block.end], block.quoted, in_actions(block.start)) for block in blocks]
        outside = (context, _OUTSIDE_BLOCKS, False, False)
        stale = [i for i, key in enumerate(keys) if key not in self._blocks]
        lines = _Lines(text)
        if stale or outside not in self._blocks:
            self._lint_blocks(postmortem, blocks, stale, keys, outside, lines)
        suppressions = Suppressions(text, lines.starts)
        findings: list[Finding] = []
        for block_start, key in [*((block.start, key) for block, key in zip(blocks, keys)), (0, outside)]:
            self._blocks.move_to_end(key)
            for placed in self._blocks[key]:
                if suppressions.hides(placed.finding.rule, block_start + placed.start):
                    continue
                findings.append(self._moved(placed, block_start, lines))
        if not blocks:
            findings.append(Finding(path=postmortem.display_path, line=1, column=1, rule="lint/no-prose",
                                    category="lint", severity="info", message="no prose to check in this file",
                                    suggestion="write the postmortem below the front-matter"))
        while len(self._blocks) > _MAX_CACHED_BLOCKS:
            self._blocks.popitem(last=False)
        return DocumentReport(findings, blocks=len(blocks), relinted=len(stale))

    def _lint_blocks(self, postmortem: Postmortem, blocks: list, stale: list[int], keys: list,
                     outside: tuple, lines: _Lines) -> None:
        """Lint the stale blocks through the lint stage, in a copy where every other block is blank.

        Everything else stays as it is: the front-matter (its parsed ``meta`` names the people,
        its action-item titles are linted too) and the headings (a heading decides whether the
        blocks below it are action items). Their findings outside any block are cached as one
        entry, under the front-matter's context key.
        """
        text = postmortem.text
        stale_set = set(stale)
        headings = {postmortem.body_offset + start for start, _ in sections.heading_offsets(postmortem.body)}
        blank = [False] * len(text)
        for i, block in enumerate(blocks):
            if i not in stale_set and block.start not in headings:
                blank[block.start:block.end] = [True] * (block.end - block.start)  # headings stay: they scope rules
        chars = [" " if b and c != "\n" else c for c, b in zip(text, blank)]
        partial = DIRECTIVE.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)), "".join(chars))
        copy = dataclasses.replace(postmortem, text=partial, body=partial[postmortem.body_offset:])
        found = lint([copy], self.config, use_cache=False).findings
        placed: dict[int | None, list[_Placed]] = {i: [] for i in (*stale, None)}
        starts = [block.start for block in blocks]
        for finding in found:
            if finding.rule.startswith("lint/"):
                continue  # about the copy, not the document (e.g. "no prose" in a blanked copy)
            start = lines.offset(finding.line, finding.column)
            position = bisect.bisect_right(starts, start) - 1
            index = position if position >= 0 and start < blocks[position].end else None
            if index is not None and index not in stale_set:
                continue  # an unchanged heading linted again: its findings are cached already
            block_start = blocks[index].start if index is not None else 0  # None: outside the prose
            end = lines.offset(finding.end_line or finding.line, finding.end_column or finding.column)
            fix = None
            if finding.fix is not None:
                fix = (lines.offset(finding.fix.line, finding.fix.column) - block_start,
                       lines.offset(finding.fix.end_line, finding.fix.end_column) - block_start, finding.fix.text)
            placed[index].append(_Placed(start - block_start, end - block_start, finding, fix))
        for i in stale:
            self._blocks[keys[i]] = placed[i]
        self._blocks[outside] = placed[None]

    @staticmethod
    def _moved(placed: _Placed, block_start: int, lines: _Lines) -> Finding:
        line, column = lines.position(block_start + placed.start)
        end_line, end_column = lines.position(block_start + placed.end)
        fix = None
        if placed.fix is not None:
            fix = Fix(*lines.position(block_start + placed.fix[0]), *lines.position(block_start + placed.fix[1]),
                      placed.fix[2])
        return dataclasses.replace(placed.finding, line=line, column=column, end_line=end_line,
                                   end_column=end_column, fix=fix)

    def _context_key(self, postmortem: Postmortem) -> str:
        """Everything besides a block's own text that its findings depend on.

        The configuration is not part of it: a linter serves one configuration, and the
        server makes a new linter (with an empty cache) when pmsite.yaml changes.
        """
        front_matter = postmortem.text[:postmortem.body_offset] if postmortem.front_matter_lines else ""
        return digest(front_matter, postmortem.display_path)

