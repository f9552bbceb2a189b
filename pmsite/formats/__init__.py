"""Formatters turn findings into text for people or machines; stages never print.

Each format is a function ``(findings, options) -> str`` registered in ``FORMATS``.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Callable

from pmsite.model import Finding


@dataclass
class FormatOptions:
    color: bool = False
    #: Tool name and version, for machine formats that carry them.
    tool_version: str = ""
    #: Extra data a format may show (e.g. blamelessness scores per file).
    extra: dict = field(default_factory=dict)
    #: Each file's text by its display path, for formats that count columns in bytes (rdjson).
    sources: dict[str, str] = field(default_factory=dict)


Formatter = Callable[[list[Finding], FormatOptions], str]
FORMATS: dict[str, Formatter] = {}


def register(name: str) -> Callable[[Formatter], Formatter]:
    def decorator(function: Formatter) -> Formatter:
        FORMATS[name] = function
        return function

    return decorator


def summary_line(findings: list[Finding]) -> str:
    """'3 errors, 1 warning in 2 files' (or 'no problems found')."""
    if not findings:
        return "no problems found"
    counts = Counter(f.severity for f in findings)
    parts = [f"{counts[level]} {level}{'s' if counts[level] != 1 else ''}"
             for level in ("error", "warning", "info") if counts[level]]
    files = len({f.path for f in findings})
    return f"{', '.join(parts)} in {files} file{'s' if files != 1 else ''}"


from pmsite.formats import github, json_format, markdown, rdjson, sarif, text  # noqa: E402,F401  (registers the formats)
