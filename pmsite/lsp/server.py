"""``pmsite lsp``: the Language Server Protocol over stdio, on pygls.

Findings appear in the editor while the author types: the same lint and validate findings
as the CLI (``DocumentLinter`` runs the same stages), hover for the advice and the rewrite,
and quick fixes to rewrite, to silence a rule on one line, or to open the rule's
documentation. The spaCy model loads once per server, on the first sentence that needs it.
"""

from __future__ import annotations

import asyncio
import dataclasses
import time
from dataclasses import dataclass
from pathlib import Path

from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.uris import to_fs_path

from pmsite import __version__, load, sections
from pmsite.config import Config, find_root, load_config
from pmsite.errors import PmsiteError
from pmsite.lsp.document import DocumentLinter, DocumentReport
from pmsite.model import Finding
from pmsite.rules import DOCS_URL, RULES_BY_ID, documentation_url

#: Wait this long after a keystroke before linting, so a burst of typing is checked once.
DEBOUNCE_SECONDS = 0.2
OPEN_DOCUMENTATION = "pmsite.openRuleDocumentation"
_SEVERITIES = {"error": types.DiagnosticSeverity.Error, "warning": types.DiagnosticSeverity.Warning,
               "info": types.DiagnosticSeverity.Information}


@dataclass
class _Checked:
    """The findings published for one version of a document: hover and code actions read them."""

    version: int | None
    text: str
    findings: list[Finding]


class PmsiteLanguageServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__("pmsite", __version__, text_document_sync_kind=types.TextDocumentSyncKind.Incremental)
        self.debounce = DEBOUNCE_SECONDS
        self.linters: dict[Path, tuple[float, DocumentLinter]] = {}
        self.checked: dict[str, _Checked] = {}
        self.pending: dict[str, asyncio.Task] = {}
        self.lock = asyncio.Lock()

    # -- configuration ---------------------------------------------------------------------
    def linter_for(self, path: Path) -> DocumentLinter:
        """The linter of the repository holding ``path``; a changed pmsite.yaml is read again."""
        root = find_root(path.parent)
        config_path = root / "pmsite.yaml"
        stamp = config_path.stat().st_mtime if config_path.is_file() else 0.0
        known = self.linters.get(root)
        if known is None or known[0] != stamp:
            config: Config = load_config(root)
            known = (stamp, DocumentLinter(config))
            self.linters[root] = known
        return known[1]

    # -- checking --------------------------------------------------------------------------
    def schedule(self, uri: str, delay: float) -> None:
        """Check ``uri`` after ``delay`` seconds, replacing a check still waiting for it."""
        waiting = self.pending.pop(uri, None)
        if waiting is not None:
            waiting.cancel()
        self.pending[uri] = asyncio.ensure_future(self._check_later(uri, delay))

    async def _check_later(self, uri: str, delay: float) -> None:
        try:
            await self._check_and_publish(uri, delay)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # logged for the editor's output panel; the server keeps serving
            self.window_log_message(types.LogMessageParams(
                type=types.MessageType.Error, message=f"pmsite: checking {uri} failed: {type(exc).__name__}: {exc}"))

    async def _check_and_publish(self, uri: str, delay: float) -> None:
        if delay:
            await asyncio.sleep(delay)
        document = self.workspace.get_text_document(uri)
        version, text = document.version, document.source
        path = Path(to_fs_path(uri) or uri)
        async with self.lock:  # one check at a time: the block cache is not shared across threads
            started = time.perf_counter()
            report = await asyncio.to_thread(self._check, path, text)
        current = self.workspace.get_text_document(uri)
        if current.version != version:
            return  # typed on meanwhile: the newer check publishes
        self.checked[uri] = _Checked(version, text, report.findings)
        self.window_log_message(types.LogMessageParams(
            type=types.MessageType.Log,
            message=(f"pmsite: {path.name}: linted {report.relinted} of {report.blocks} blocks, "
                     f"{len(report.findings)} findings, {(time.perf_counter() - started) * 1000:.0f} ms")))
        self.text_document_publish_diagnostics(types.PublishDiagnosticsParams(
            uri=uri, version=version, diagnostics=[self.diagnostic(text, f) for f in report.findings]))

    def _check(self, path: Path, text: str) -> DocumentReport:
        """Never raises: a problem becomes one diagnostic at the top of the document."""
        try:
            unreadable = _unreadable_on_disk(path)
            if unreadable is not None:
                return DocumentReport([unreadable])
            return self.linter_for(path).check(path, text)
        except PmsiteError as exc:
            message, advice = exc.format_message(), "fix pmsite.yaml; the server reads it again when it changes"
        except Exception as exc:  # a crash must not take the editor's server down
            message = f"pmsite could not check this file ({type(exc).__name__}: {exc})"
            advice = "please report it with the file; `pmsite lint` shows the same from a terminal"
        return DocumentReport([Finding(path=path.name, line=1, column=1, rule="lint/server-error", category="lint",
                                       severity="error", message=message, suggestion=advice)])

    # -- conversions -----------------------------------------------------------------------
    def position(self, text: str, line: int, column: int) -> types.Position:
        """A 1-based (line, character column) of pmsite -> an LSP position in the negotiated units."""
        lines = text.split("\n")
        if line > len(lines):
            return types.Position(line=len(lines) - 1, character=_units(lines[-1], self.encoding))
        prefix = lines[line - 1][:max(column - 1, 0)]
        return types.Position(line=line - 1, character=_units(prefix, self.encoding))

    def offset(self, text: str, position: types.Position) -> tuple[int, int]:
        """An LSP position -> pmsite's 1-based (line, character column)."""
        lines = text.split("\n")
        line = lines[min(position.line, len(lines) - 1)]
        count = column = 0
        while column < len(line) and count < position.character:
            count += _units(line[column], self.encoding)
            column += 1
        return position.line + 1, column + 1

    @property
    def encoding(self) -> str:
        return str(self.workspace.position_encoding or types.PositionEncodingKind.Utf16)

    def range(self, text: str, line: int, column: int, end_line: int, end_column: int) -> types.Range:
        return types.Range(start=self.position(text, line, column), end=self.position(text, end_line, end_column))

    def diagnostic(self, text: str, finding: Finding) -> types.Diagnostic:
        return types.Diagnostic(
            range=self.range(text, finding.line, finding.column, finding.end_line or finding.line,
                             max(finding.end_column or finding.column, finding.column)),
            severity=_SEVERITIES.get(finding.severity, types.DiagnosticSeverity.Warning),
            code=finding.rule,
            code_description=types.CodeDescription(href=documentation_url(finding.rule)),
            source="pmsite",
            message=finding.message,
        )

    def findings_at(self, uri: str, start: tuple[int, int], end: tuple[int, int]) -> tuple[_Checked | None, list[Finding]]:
        """Published findings whose range touches [start, end] (1-based line, column)."""
        checked = self.checked.get(uri)
        if checked is None:
            return None, []
        return checked, [f for f in checked.findings
                         if (f.line, f.column) <= end and start <= (f.end_line or f.line, f.end_column or f.column)]


def _units(text: str, encoding: str) -> int:
    """How many code units the client counts in ``text`` (UTF-16 unless it negotiated another)."""
    if encoding == types.PositionEncodingKind.Utf8:
        return len(text.encode("utf-8", "surrogatepass"))
    if encoding == types.PositionEncodingKind.Utf32:
        return len(text)
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def _unreadable_on_disk(path: Path) -> Finding | None:
    """A file the editor opened that is not UTF-8 text on disk gets the loader's one finding."""
    try:
        data = path.read_bytes() if path.is_file() else None
    except OSError:
        return None
    if data is None:
        return None
    _, problem = load.decode(data, path.name)
    return problem


# -- the protocol ------------------------------------------------------------------------------

server = PmsiteLanguageServer()


@server.feature(types.INITIALIZE)
def _initialize(ls: PmsiteLanguageServer, params: types.InitializeParams) -> None:
    options = params.initialization_options or {}
    if isinstance(options, dict) and isinstance(options.get("debounceMilliseconds"), (int, float)):
        ls.debounce = max(0.0, options["debounceMilliseconds"] / 1000)


@server.feature(types.TEXT_DOCUMENT_DID_OPEN)
def _did_open(ls: PmsiteLanguageServer, params: types.DidOpenTextDocumentParams) -> None:
    ls.schedule(params.text_document.uri, 0)


@server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
def _did_change(ls: PmsiteLanguageServer, params: types.DidChangeTextDocumentParams) -> None:
    ls.schedule(params.text_document.uri, ls.debounce)


@server.feature(types.TEXT_DOCUMENT_DID_SAVE)
def _did_save(ls: PmsiteLanguageServer, params: types.DidSaveTextDocumentParams) -> None:
    for _, linter in ls.linters.values():
        linter.forget_corpus()
    ls.schedule(params.text_document.uri, 0)


@server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
def _did_close(ls: PmsiteLanguageServer, params: types.DidCloseTextDocumentParams) -> None:
    uri = params.text_document.uri
    waiting = ls.pending.pop(uri, None)
    if waiting is not None:
        waiting.cancel()
    ls.checked.pop(uri, None)
    ls.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=[]))


@server.feature(types.TEXT_DOCUMENT_HOVER)
def _hover(ls: PmsiteLanguageServer, params: types.HoverParams) -> types.Hover | None:
    checked = ls.checked.get(params.text_document.uri)
    if checked is None:
        return None
    at = ls.offset(checked.text, params.position)
    _, findings = ls.findings_at(params.text_document.uri, at, at)
    if not findings:
        return None
    return types.Hover(contents=types.MarkupContent(kind=types.MarkupKind.Markdown,
                                                    value="\n\n---\n\n".join(map(hover_text, findings))))


def hover_text(finding: Finding) -> str:
    """The finding, why it matters and what to write instead, as Markdown."""
    rule = RULES_BY_ID.get(finding.rule)
    parts = [f"**{finding.rule}**: {finding.message}"]
    if rule is not None:
        parts.append(rule.advice)
    if finding.fix is not None:
        parts.append(f"Suggested rewrite: {finding.fix.text}")
    elif finding.suggestion:
        parts.append(f"Suggestion: {finding.suggestion}")
    parts.append(f"[Rule documentation]({documentation_url(finding.rule)})")
    return "\n\n".join(parts)


@server.feature(types.TEXT_DOCUMENT_CODE_ACTION,
                types.CodeActionOptions(code_action_kinds=[types.CodeActionKind.QuickFix]))
def _code_actions(ls: PmsiteLanguageServer, params: types.CodeActionParams) -> list[types.CodeAction]:
    uri = params.text_document.uri
    document = ls.workspace.get_text_document(uri)
    checked = ls.checked.get(uri)
    if checked is None or checked.version != document.version:
        return []  # findings of an older text would edit the wrong words
    start, end = ls.offset(checked.text, params.range.start), ls.offset(checked.text, params.range.end)
    _, findings = ls.findings_at(uri, start, end)
    actions: list[types.CodeAction] = []
    for finding in findings:
        diagnostic = ls.diagnostic(checked.text, finding)
        if finding.fix is not None:
            fix = finding.fix
            actions.append(types.CodeAction(
                title=f"Rewrite as suggested: {_shorten(fix.text)}", kind=types.CodeActionKind.QuickFix,
                diagnostics=[diagnostic], is_preferred=True,
                edit=_edit(uri, ls.range(checked.text, fix.line, fix.column, fix.end_line, fix.end_column), fix.text)))
        if finding.rule in RULES_BY_ID:
            edit_range, new_text = disable_comment(checked.text, finding.line, finding.rule)
            actions.append(types.CodeAction(
                title=f"Disable {finding.rule} for this line", kind=types.CodeActionKind.QuickFix,
                diagnostics=[diagnostic],
                edit=_edit(uri, ls.range(checked.text, *edit_range), new_text)))
        actions.append(types.CodeAction(
            title=f"Open documentation for {finding.rule}", kind=types.CodeActionKind.QuickFix,
            diagnostics=[diagnostic],
            command=types.Command(title="Open rule documentation", command=OPEN_DOCUMENTATION,
                                  arguments=[documentation_url(finding.rule)])))
    return actions


@server.feature(types.TEXT_DOCUMENT_DOCUMENT_SYMBOL)
def _outline(ls: PmsiteLanguageServer, params: types.DocumentSymbolParams) -> list[types.DocumentSymbol]:
    """The editor's outline: the document's headings, ATX and setext, each holding its sub-sections."""
    uri = params.text_document.uri
    text = ls.workspace.get_text_document(uri).source.replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    path = Path(to_fs_path(uri) or uri)
    postmortem, _ = load.parse_postmortem(text, path, path.name)  # where the body starts, as the CLI reads it
    first = postmortem.body_line - 1
    found = [dataclasses.replace(h, line=h.line + first, last_line=h.last_line + first)
             for h in sections.heading_spans(postmortem.body)]
    top: list[types.DocumentSymbol] = []
    open_sections: list[tuple[int, types.DocumentSymbol]] = []  # (level, symbol), outermost first
    for index, heading in enumerate(found):
        end = next((other.line for other in found[index + 1:] if other.level <= heading.level), len(lines)) - 1
        while end > heading.last_line and not lines[end].strip():
            end -= 1  # the section ends at its last written line
        symbol = types.DocumentSymbol(
            name=heading.text or "(untitled)", kind=types.SymbolKind.String,
            range=ls.range(text, heading.line + 1, 1, end + 1, len(lines[end]) + 1),
            selection_range=ls.range(text, heading.line + 1, 1, heading.last_line + 1, len(lines[heading.last_line]) + 1),
            detail=f"h{heading.level}", children=[])
        while open_sections and open_sections[-1][0] >= heading.level:
            open_sections.pop()
        (open_sections[-1][1].children if open_sections else top).append(symbol)
        open_sections.append((heading.level, symbol))
    return top


@server.command(OPEN_DOCUMENTATION)
async def _open_documentation(ls: PmsiteLanguageServer, url: str) -> None:
    if not url.startswith(DOCS_URL):  # only pmsite's own pages, whatever a client sends
        return
    await ls.window_show_document_async(types.ShowDocumentParams(uri=url, external=True))


def disable_comment(text: str, line: int, rule: str) -> tuple[tuple[int, int, int, int], str]:
    """Where to put ``<!-- pmsite-lint disable-next-line RULE -->`` so it silences ``line`` only.

    Above a line that starts a block it gets a line of its own. Inside a paragraph, a line of
    its own would cut the paragraph in two (an HTML comment starts an HTML block), so the
    comment goes at the end of the line before, where it is inline HTML.
    """
    lines = text.split("\n")
    comment = f"<!-- pmsite-lint disable-next-line {rule} -->"
    previous = lines[line - 2] if line >= 2 else ""
    starts_block = (not previous.strip() or previous.strip() in ("---", "...") or set(previous.strip()) == {"="}
                    or previous.lstrip().startswith(("#", "```", "~~~", "|")))  # '===': a setext underline
    if line >= 2 and not starts_block:
        end = len(previous) + 1
        return (line - 1, end, line - 1, end), f" {comment}"
    indent = lines[line - 1][:len(lines[line - 1]) - len(lines[line - 1].lstrip())]
    return (line, 1, line, 1), f"{indent}{comment}\n"


def _edit(uri: str, where: types.Range, new_text: str) -> types.WorkspaceEdit:
    return types.WorkspaceEdit(changes={uri: [types.TextEdit(range=where, new_text=new_text)]})


def _shorten(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"


def run() -> None:
    """Serve one editor over stdin/stdout until it says exit."""
    server.start_io()
