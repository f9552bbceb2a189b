"""reviewdog's Diagnostic Format (rdjson), so rewrites arrive on pull requests as suggested changes.

``reviewdog -f=rdjson -reporter=github-pr-review`` posts each diagnostic as a review comment
and each ``suggestions`` entry as a GitHub "suggested change" a reviewer applies with one
click. Only drop-in rewrites (``Finding.fix``) become suggestions; advice stays in the message.

Positions are 1-based and columns count UTF-8 bytes, as the format requires (reviewdog's
``proto/rdf/reviewdog.proto``); pmsite counts characters, so the formatter converts with the
file's text when the caller passes it in ``options.sources``.
"""

from __future__ import annotations

import json

from pmsite.formats import FormatOptions, register
from pmsite.model import Finding
from pmsite.rules import documentation_url

_SEVERITIES = {"error": "ERROR", "warning": "WARNING", "info": "INFO"}
SOURCE = {"name": "pmsite", "url": "https://github.com/pmsite/pmsite"}


class _Columns:
    """Character columns to UTF-8 byte columns, line by line (identical for ASCII lines)."""

    def __init__(self, text: str | None) -> None:
        self.lines = text.split("\n") if text is not None else None

    def byte_column(self, line: int, column: int) -> int:
        if self.lines is None or not 1 <= line <= len(self.lines):
            return column
        prefix = self.lines[line - 1][:column - 1]
        return len(prefix.encode("utf-8", "surrogatepass")) + 1

    def range(self, line: int, column: int, end_line: int, end_column: int) -> dict:
        return {"start": {"line": line, "column": self.byte_column(line, column)},
                "end": {"line": end_line, "column": self.byte_column(end_line, end_column)}}


def diagnostic(finding: Finding, text: str | None = None) -> dict:
    """One rdjson ``Diagnostic``; ``text`` is the file's text, for byte columns."""
    columns = _Columns(text)
    message = finding.message + (f"\n\nSuggestion: {finding.suggestion}" if finding.suggestion else "")
    result = {
        "message": message,
        "location": {"path": finding.path, "range": columns.range(
            finding.line, finding.column, finding.end_line or finding.line,
            max(finding.end_column or finding.column, finding.column))},
        "severity": _SEVERITIES.get(finding.severity, "UNKNOWN_SEVERITY"),
        "source": SOURCE,
        "code": {"value": finding.rule, "url": documentation_url(finding.rule)},
    }
    if finding.fix is not None:
        fix = finding.fix
        result["suggestions"] = [{"range": columns.range(fix.line, fix.column, fix.end_line, fix.end_column),
                                  "text": fix.text}]
    return result


@register("rdjson")
def format_rdjson(findings: list[Finding], options: FormatOptions) -> str:
    document = {
        "source": SOURCE,
        "diagnostics": [diagnostic(finding, options.sources.get(finding.path))
                        for finding in sorted(findings, key=lambda f: f.sort_key())],
    }
    return json.dumps(document, indent=2, ensure_ascii=False)
