"""``path:line:col: severity rule message`` lines, as flake8 and compilers print them."""

from __future__ import annotations

import click

from pmsite.formats import FormatOptions, register, summary_line
from pmsite.model import Finding

_COLORS = {"error": "red", "warning": "yellow", "info": "cyan"}


@register("text")
def format_text(findings: list[Finding], options: FormatOptions) -> str:
    lines = []
    for finding in findings:
        severity = finding.severity
        if options.color:
            severity = click.style(severity, fg=_COLORS.get(severity), bold=True)
        lines.append(f"{finding.path}:{finding.line}:{finding.column}: {severity} {finding.rule} {finding.message}")
        if finding.suggestion:
            lines.append(f"    hint: {finding.suggestion}")
    lines.append(summary_line(findings))
    return "\n".join(lines)
