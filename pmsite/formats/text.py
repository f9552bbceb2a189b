"""``path:line:col: severity rule message`` lines, as flake8 and compilers print them.

Findings come sorted by file and line. Under each, indented: the sentence it is
about (``> ...``), why the wording is a problem for lint rules (``why:``) and the
suggested fix or rewrite (``hint:``). Lint runs add each file's blamelessness
score below the findings. Colour only on a terminal.
"""

from __future__ import annotations

import click

from pmsite.formats import FormatOptions, register, summary_line
from pmsite.model import Finding
from pmsite.rules import RULES_BY_ID

_COLORS = {"error": "red", "warning": "yellow", "info": "cyan"}


@register("text")
def format_text(findings: list[Finding], options: FormatOptions) -> str:
    def style(text: str, **styles) -> str:
        return click.style(text, **styles) if options.color else text

    lines = []
    for finding in sorted(findings, key=lambda f: f.sort_key()):
        severity = style(finding.severity, fg=_COLORS.get(finding.severity), bold=True)
        location = style(f"{finding.path}:{finding.line}:{finding.column}:", bold=True)
        lines.append(f"{location} {severity} {finding.rule} {finding.message}")
        if finding.context:
            lines.append(style(f"    > {finding.context}", dim=True))
        rule = RULES_BY_ID.get(finding.rule)
        if rule is not None:
            lines.append(f"    why: {rule.advice}")
        if finding.suggestion:
            lines.append(f"    hint: {finding.suggestion}")
    scores = options.extra.get("scores") or {}
    shown = {finding.path for finding in findings}
    for path, score in sorted(scores.items()):
        if score < 100 and path in shown:
            lines.append(f"  {path}: blamelessness {score}/100")
    lines.append(summary_line(findings))
    return "\n".join(lines)
