"""A Markdown report for ``$GITHUB_STEP_SUMMARY`` or a pull request comment.

GitHub shows only 10 annotations of each level per step; this table carries
every finding, with the sentence and the suggested rewrite, plus the
blamelessness score of each file when the lint stage provides them.
"""

from __future__ import annotations

from pmsite.formats import FormatOptions, register, summary_line
from pmsite.model import Finding

_ICONS = {"error": "🔴 error", "warning": "🟡 warning", "info": "🔵 info"}


def cell(text: str) -> str:
    """Text safe inside a table cell: pipes escaped, no line breaks, no HTML."""
    text = " ".join(str(text).split())
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;")


@register("markdown")
def format_markdown(findings: list[Finding], options: FormatOptions) -> str:
    lines = ["## pmsite lint", "", summary_line(findings).capitalize() + "."]
    scores = options.extra.get("scores") or {}
    if scores:
        lines += ["", "| File | Blamelessness |", "| --- | ---: |"]
        lines += [f"| `{cell(path)}` | {score}/100 |" for path, score in sorted(scores.items())]
    if findings:
        lines += ["", "| Location | Level | Rule | Finding | Suggestion |", "| --- | --- | --- | --- | --- |"]
        for f in sorted(findings, key=lambda f: f.sort_key()):
            finding = cell(f.message) + (f"<br>> _{cell(f.context)}_" if f.context else "")
            lines.append(f"| `{cell(f.path)}:{f.line}:{f.column}` | {_ICONS.get(f.severity, f.severity)} | "
                         f"`{f.rule}` | {finding} | {cell(f.suggestion)} |")
    return "\n".join(lines)
