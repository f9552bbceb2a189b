"""CSV that is safe to open in a spreadsheet.

``pmsite actions --format csv`` and ``pmsite timeline --format csv`` carry text
from postmortems and chat exports, which anyone can write. A cell that starts
with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is a formula to Excel,
LibreOffice and Google Sheets (``=HYPERLINK(...)``, ``-2+cmd|' /C calc'!A0``), so
such cells get a leading ``'`` as OWASP recommends ("CSV Injection"). Plain
numbers (``-3``, ``+1.5``) stay as they are: they are not formulas. Line breaks
inside a cell are written as ``\n``: the csv module quotes a cell only for the
characters of its line terminator, so a lone ``\r`` would split the row.
"""

from __future__ import annotations

import csv
import io
import re
from typing import Iterable

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?\d+(?:\.\d+)?")


def safe_cell(value: str) -> str:
    """``value``, with a ``'`` in front when a spreadsheet would run it as a formula."""
    if value.startswith(FORMULA_TRIGGERS) and not _NUMBER.fullmatch(value):
        value = "'" + value
    return value.replace("\r\n", "\n").replace("\r", "\n") if "\r" in value else value


def csv_text(header: Iterable[str], rows: Iterable[Iterable[str]]) -> str:
    """A header and rows as CSV text (``\\n`` line ends), every cell made safe."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows([safe_cell(cell) for cell in row] for row in rows)
    return buffer.getvalue()
