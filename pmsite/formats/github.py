"""GitHub Actions workflow commands: one annotation per finding on the pull request line.

``::warning file=PATH,line=L,col=C,endLine=L2,endColumn=C2,title=RULE::MESSAGE``;
``info`` becomes ``::notice``. GitHub shows at most 10 annotations of each level
per step, which is why the workflow also writes the ``markdown`` summary.
"""

from __future__ import annotations

from pmsite.formats import FormatOptions, register
from pmsite.model import Finding

_COMMANDS = {"error": "error", "warning": "warning", "info": "notice"}


def escape_data(text: str) -> str:
    """Escape a message the way the Actions toolkit does (``%``, CR and LF)."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """Escape a property value: also ``:`` and ``,``, which separate properties."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


@register("github")
def format_github(findings: list[Finding], options: FormatOptions) -> str:
    lines = []
    for f in sorted(findings, key=lambda f: f.sort_key()):
        properties = {"file": f.path, "line": f.line, "col": f.column}
        if f.end_line == f.line and f.end_column and f.end_column > f.column:
            properties["endColumn"] = f.end_column
        elif f.end_line and f.end_line != f.line:
            properties["endLine"] = f.end_line
        properties["title"] = f.rule
        message = f.message + (f"\n{f.suggestion}" if f.suggestion else "")
        rendered = ",".join(f"{key}={escape_property(str(value))}" for key, value in properties.items())
        lines.append(f"::{_COMMANDS.get(f.severity, 'warning')} {rendered}::{escape_data(message)}")
    return "\n".join(lines)
