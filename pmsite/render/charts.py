"""Charts drawn as inline SVG at build time: no chart JavaScript on the page.

Each chart carries the data table it was drawn from, which the theme shows
under it: screen readers, printouts and people who prefer numbers get the same
information. Colours come from CSS classes (``series-0`` ...), so the theme's
light and dark palettes apply.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from html import escape

from markupsafe import Markup

WIDTH, HEIGHT = 640, 260
LEFT, RIGHT, TOP, BOTTOM = 48, 12, 14, 44


@dataclass(frozen=True)
class Series:
    name: str
    values: tuple[float | None, ...]


@dataclass(frozen=True)
class Chart:
    """An SVG chart plus the table of the numbers behind it."""

    slug: str
    title: str
    description: str
    svg: Markup
    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    notes: tuple[str, ...] = field(default=())


def _number(value: float | None, unit: str = "") -> str:
    if value is None:
        return "–"
    text = f"{value:.0f}" if float(value).is_integer() or abs(value) >= 100 else f"{value:.1f}"
    return f"{text}{unit}"


def _axis(value: float, integer: bool) -> tuple[float, float]:
    """A round axis maximum at or above ``value`` and its tick step (1, 2 or 5 x 10^n), at most 4 ticks.

    Counts (``integer``) never get fractional ticks.
    """
    wanted = max(value, 1e-9) / 4
    magnitude = 10.0 ** math.floor(math.log10(wanted))
    step = next(s * magnitude for s in (1, 2, 5, 10) if s * magnitude >= wanted)
    if integer:
        step = max(1.0, float(round(step)))
    return step * max(1, math.ceil(value / step - 1e-9)), step


def _short(label: str, limit: int = 18) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"


@dataclass(frozen=True)
class _Plot:
    """Maps data to SVG coordinates: one slot per label along x, 0..y_max along y."""

    y_max: float
    step: float
    count: int

    @property
    def slot(self) -> float:
        return (WIDTH - LEFT - RIGHT) / max(1, self.count)

    def x(self, index: int) -> float:
        return LEFT + self.slot * (index + 0.5)

    def y(self, value: float) -> float:
        height = HEIGHT - TOP - BOTTOM
        return TOP + height - height * value / self.y_max


def _frame(slug: str, title: str, plot: _Plot, unit: str, labels: tuple[str, ...], body: list[str]) -> Markup:
    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-labelledby="{slug}-title" '
        f'preserveAspectRatio="xMidYMid meet"><title id="{slug}-title">{escape(title)}</title>'
    ]
    for i in range(round(plot.y_max / plot.step) + 1):
        value = plot.step * i
        y = plot.y(value)
        parts.append(f'<line class="grid" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}"/>')
        parts.append(f'<text class="axis" x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">'
                     f'{escape(_number(value, unit))}</text>')
    every = max(1, -(-len(labels) // 12))  # at most about 12 labels on the x axis
    for index, label in enumerate(labels):
        if index % every:
            continue
        parts.append(f'<text class="axis" x="{plot.x(index):.1f}" y="{HEIGHT - BOTTOM + 16}" text-anchor="middle">'
                     f'{escape(_short(label))}</text>')
    parts.extend(body)
    parts.append("</svg>")
    return Markup("".join(parts))


def _legend(series: tuple[Series, ...]) -> list[str]:
    parts, x = [], LEFT
    for index, item in enumerate(series):
        parts.append(f'<rect class="series-{index}" x="{x}" y="{HEIGHT - 16}" width="10" height="10"/>'
                     f'<text class="legend" x="{x + 14}" y="{HEIGHT - 7}">{escape(item.name)}</text>')
        x += 24 + 7 * len(item.name)
    return parts


def _table(labels: tuple[str, ...], series: tuple[Series, ...], label_header: str, unit: str) -> tuple:
    headers = (label_header, *(s.name for s in series))
    rows = tuple((label, *(_number(s.values[i], unit) for s in series)) for i, label in enumerate(labels))
    return headers, rows


def bar_chart(slug: str, title: str, description: str, labels: tuple[str, ...], series: tuple[Series, ...],
              label_header: str, unit: str = "") -> Chart:
    """Stacked vertical bars, one per label (e.g. incidents per month by severity)."""
    totals = [sum(s.values[i] or 0 for s in series) for i in range(len(labels))]
    plot = _Plot(*_axis(max(totals, default=0), integer=True), len(labels))
    body = []
    for i, label in enumerate(labels):
        base = 0.0
        for index, item in enumerate(series):
            value = item.values[i] or 0
            if not value:
                continue
            top, bottom = plot.y(base + value), plot.y(base)
            body.append(f'<rect class="series-{index}" x="{plot.x(i) - plot.slot * 0.35:.1f}" y="{top:.1f}" '
                        f'width="{plot.slot * 0.7:.1f}" height="{bottom - top:.1f}"><title>{escape(label)}, '
                        f'{escape(item.name)}: {escape(_number(value, unit))}</title></rect>')
            base += value
    headers, rows = _table(labels, series, label_header, unit)
    if len(series) > 1:
        headers = (*headers, "Total")
        rows = tuple((*row, _number(totals[i], unit)) for i, row in enumerate(rows))
        body.extend(_legend(series))
    return Chart(slug, title, description, _frame(slug, title, plot, unit, labels, body), headers, rows)


def line_chart(slug: str, title: str, description: str, labels: tuple[str, ...], series: tuple[Series, ...],
               label_header: str, unit: str = "") -> Chart:
    """One line per series; gaps where a value is missing (e.g. hours to resolve per month)."""
    values = [v for s in series for v in s.values if v is not None]
    plot = _Plot(*_axis(max(values, default=0), integer=False), len(labels))
    body = []
    for index, item in enumerate(series):
        segments: list[list[str]] = [[]]
        for i, value in enumerate(item.values):
            if value is None:
                segments.append([])
                continue
            x, y = plot.x(i), plot.y(value)
            segments[-1].append(f"{x:.1f},{y:.1f}")
            body.append(f'<circle class="series-{index}" cx="{x:.1f}" cy="{y:.1f}" r="3.5"><title>'
                        f'{escape(labels[i])}, {escape(item.name)}: {escape(_number(value, unit))}</title></circle>')
        for points in segments:
            if len(points) > 1:
                body.append(f'<polyline class="line series-{index}" points="{" ".join(points)}"/>')
    headers, rows = _table(labels, series, label_header, unit)
    if len(series) > 1:
        body.extend(_legend(series))
    return Chart(slug, title, description, _frame(slug, title, plot, unit, labels, body), headers, rows)
