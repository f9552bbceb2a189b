"""Charts drawn as inline SVG at build time: no chart JavaScript on the page.

Each chart carries the data table it was drawn from, which the theme shows
under it: screen readers, printouts and people who prefer numbers get the same
information. Colours come from CSS classes (``series-0``, ``tone-done`` ...),
so the theme's light and dark palettes apply, and the legend is HTML beside
the SVG, so it wraps instead of running off the chart.

Text is laid out for two sizes: the theme draws chart text at 11 units on a
wide screen and at 15 units on a phone, where the 480-unit-wide chart shrinks
to about 360 px, so no text ends up smaller than 11 px. Labels are never
shortened: categories get a row of their own above their bar.

Durations are medians with the interquartile range, not means: a few long
incidents swamp a mean (the VOID report; Google's "Incident Metrics in SRE").
A period with fewer than ``MIN_COMPARABLE`` incidents is drawn hollow and
noted as too few to compare.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from html import escape
from typing import Callable

from markupsafe import Markup

WIDTH, HEIGHT = 480, 250
LEFT, RIGHT, TOP, BOTTOM = 58, 20, 26, 46
#: Character width and line height in SVG units at the largest text size (15 units, phones).
CHAR, LINE = 8.6, 17
#: Below this many incidents a median says little; such periods are drawn hollow.
MIN_COMPARABLE = 3


@dataclass(frozen=True)
class Series:
    name: str
    values: tuple[float | None, ...]
    #: CSS class of its colour; ``series-N`` by position when empty.
    tone: str = ""


@dataclass(frozen=True)
class Period:
    """One step of a time axis: ``2024-03`` shown as "Mar" over "2024"."""

    key: str
    label: str
    #: The year, written under the label where the year changes.
    year: str


@dataclass(frozen=True)
class Spread:
    """Median and interquartile range of one period's values."""

    count: int
    median: float | None = None
    low: float | None = None
    high: float | None = None


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
    #: (name, CSS class) of each series, shown as an HTML legend.
    legend: tuple[tuple[str, str], ...] = field(default=())


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


def _tone(series: Series, index: int) -> str:
    return series.tone or f"series-{index}"


def _open(slug: str, title: str, height: int) -> list[str]:
    return [f'<svg class="chart" viewBox="0 0 {WIDTH} {height}" role="img" aria-labelledby="{slug}-title" '
            f'preserveAspectRatio="xMidYMid meet"><title id="{slug}-title">{escape(title)}</title>']


def _y_ticks(ticks: list[tuple[float, str]], to_y: Callable[[float], float]) -> list[str]:
    parts = []
    for value, text in ticks:
        y = to_y(value)
        parts.append(f'<line class="grid" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}"/>'
                     f'<text class="axis" x="{LEFT - 5}" y="{y + 4:.1f}" text-anchor="end">{escape(text)}</text>')
    return parts


def _x_labels(periods: tuple[Period, ...], to_x: Callable[[int], float]) -> list[str]:
    """Period labels, thinned so that none overlap at the largest text size; the year under the first
    label of each year shown."""
    if not periods:
        return []
    widest = max(len(p.label) for p in periods) * CHAR + 10
    room = (WIDTH - LEFT - RIGHT) / len(periods)
    every = max(1, math.ceil(widest / room))
    parts, last_year = [], ""
    base = HEIGHT - BOTTOM
    for index, period in enumerate(periods):
        if index % every:
            continue
        x = to_x(index)
        parts.append(f'<text class="axis" x="{x:.1f}" y="{base + LINE}" text-anchor="middle">{escape(period.label)}</text>')
        if period.year != last_year and period.year != period.label:
            parts.append(f'<text class="axis year" x="{x:.1f}" y="{base + 2 * LINE}" text-anchor="middle">'
                         f'{escape(period.year)}</text>')
        last_year = period.year
    return parts


def _slots(count: int) -> tuple[float, Callable[[int], float]]:
    slot = (WIDTH - LEFT - RIGHT) / max(1, count)
    return slot, lambda index: LEFT + slot * (index + 0.5)


def _linear(top: float) -> Callable[[float], float]:
    height = HEIGHT - TOP - BOTTOM
    return lambda value: TOP + height - height * value / top


def bar_chart(slug: str, title: str, description: str, periods: tuple[Period, ...], series: tuple[Series, ...],
              label_header: str) -> Chart:
    """Stacked vertical bars of counts over time (e.g. incidents per month by severity); whole-number ticks."""
    totals = [sum(s.values[i] or 0 for s in series) for i in range(len(periods))]
    top, step = _axis(max(totals, default=0), integer=True)
    to_y = _linear(top)
    slot, to_x = _slots(len(periods))
    parts = _open(slug, title, HEIGHT)
    parts += _y_ticks([(step * i, _number(step * i)) for i in range(round(top / step) + 1)], to_y)
    width = max(2.0, min(slot * 0.7, 40))
    for i, period in enumerate(periods):
        base = 0.0
        for index, item in enumerate(series):
            value = item.values[i] or 0
            if not value:
                continue
            upper, lower = to_y(base + value), to_y(base)
            parts.append(f'<rect class="{_tone(item, index)}" x="{to_x(i) - width / 2:.1f}" y="{upper:.1f}" '
                         f'width="{width:.1f}" height="{lower - upper:.1f}"><title>{escape(period.key)}, '
                         f'{escape(item.name)}: {_number(value)}</title></rect>')
            base += value
    parts += _x_labels(periods, to_x)
    parts.append("</svg>")
    headers = (label_header, *(s.name for s in series))
    rows = tuple((p.key, *(_number(s.values[i]) for s in series)) for i, p in enumerate(periods))
    if len(series) > 1:
        headers = (*headers, "Total")
        rows = tuple((*row, _number(totals[i])) for i, row in enumerate(rows))
    legend = tuple((s.name, _tone(s, i)) for i, s in enumerate(series)) if len(series) > 1 else ()
    return Chart(slug, title, description, Markup("".join(parts)), headers, rows, legend=legend)


#: Ticks of a logarithmic duration axis, in minutes, with their labels.
_LOG_TICKS = ((1, "1 min"), (10, "10 min"), (60, "1 h"), (360, "6 h"), (1440, "1 d"), (10080, "7 d"),
              (43200, "30 d"), (129600, "90 d"))


def _log_scale(values: list[float]) -> tuple[Callable[[float], float], list[tuple[float, str]]]:
    """A log axis from the tick below the smallest value to the tick above the largest."""
    low, high = max(min(values, default=10.0), 1.0), max(max(values, default=60.0), 1.0)
    below = [t for t in _LOG_TICKS if t[0] <= low] or [_LOG_TICKS[0]]
    above = [t for t in _LOG_TICKS if t[0] >= high] or [_LOG_TICKS[-1]]
    ticks = [t for t in _LOG_TICKS if below[-1][0] <= t[0] <= above[0][0]]
    bottom, top = math.log10(ticks[0][0]), math.log10(ticks[-1][0])
    height = HEIGHT - TOP - BOTTOM
    span = max(top - bottom, 1e-9)

    def to_y(value: float) -> float:
        return TOP + height - height * (math.log10(max(value, 1.0)) - bottom) / span

    return to_y, ticks


def median_chart(slug: str, title: str, description: str, periods: tuple[Period, ...], spreads: tuple[Spread, ...],
                 label_header: str, show: Callable[[float], str], log: bool) -> Chart:
    """One point per period at the median, a whisker over the interquartile range and "n = 3" above it.

    No line joins the points: with a few incidents a period, a line would jump
    from 0 h to 240 h and suggest a trend that is not there. ``log`` draws the
    values on a logarithmic axis (durations from minutes to weeks).
    """
    values = [v for s in spreads for v in (s.median, s.low, s.high) if v is not None]
    if log:
        to_y, ticks = _log_scale(values)
    else:
        top, step = _axis(max(values, default=0), integer=False)
        to_y, ticks = _linear(top), [(step * i, show(step * i)) for i in range(round(top / step) + 1)]
    slot, to_x = _slots(len(periods))
    parts = _open(slug, title, HEIGHT)
    parts += _y_ticks(ticks, to_y)
    labelled = len(periods) * (len("n = 99") * CHAR) <= (WIDTH - LEFT - RIGHT) * 1.05
    for i, (period, spread) in enumerate(zip(periods, spreads)):
        if spread.median is None:
            continue
        x, y = to_x(i), to_y(spread.median)
        few = spread.count < MIN_COMPARABLE
        tip = f"{period.key}: median {show(spread.median)}, n = {spread.count}"
        if spread.low is not None and spread.high is not None and not few:
            tip += f", middle half {show(spread.low)} to {show(spread.high)}"
            parts.append(f'<line class="whisker" x1="{x:.1f}" x2="{x:.1f}" y1="{to_y(spread.low):.1f}" '
                         f'y2="{to_y(spread.high):.1f}"/>')
        parts.append(f'<circle class="point{" few" if few else ""}" cx="{x:.1f}" cy="{y:.1f}" r="4.5">'
                     f'<title>{escape(tip)}</title></circle>')
        if labelled:
            top_y = to_y(spread.high) if spread.high is not None and not few else y
            parts.append(f'<text class="count" x="{x:.1f}" y="{max(top_y - 8, LINE - 4):.1f}" '
                         f'text-anchor="middle">n = {spread.count}</text>')
    parts += _x_labels(periods, to_x)
    parts.append("</svg>")
    rows = tuple((p.key, str(s.count), show(s.median) if s.median is not None else "–",
                  f"{show(s.low)} – {show(s.high)}" if s.low is not None and s.high is not None else "–")
                 for p, s in zip(periods, spreads))
    notes = ["Points are medians; the whiskers span the middle half of the incidents (interquartile range). "
             "Means are not shown: a few long incidents would swamp them."]
    few = [p.key for p, s in zip(periods, spreads) if 0 < s.count < MIN_COMPARABLE]
    if few:
        notes.append(f"Hollow points ({', '.join(few)}): fewer than {MIN_COMPARABLE} incidents, "
                     "too few to compare with other periods.")
    return Chart(slug, title, description, Markup("".join(parts)),
                 (label_header, "Incidents (n)", "Median", "Interquartile range"), rows, tuple(notes))


def row_chart(slug: str, title: str, description: str, labels: tuple[str, ...], series: tuple[Series, ...],
              label_header: str) -> Chart:
    """Horizontal stacked bars, one row per category with its full name above the bar (never cut)."""
    totals = [sum(s.values[i] or 0 for s in series) for i in range(len(labels))]
    top = max(totals, default=0) or 1
    row = 2 * LINE + 6
    height = TOP + row * max(1, len(labels)) + 4
    right = WIDTH - RIGHT - 4 * CHAR  # room for the total after the bar
    parts = _open(slug, title, height)
    for i, label in enumerate(labels):
        y = TOP + row * i
        parts.append(f'<text class="axis category" x="{RIGHT}" y="{y:.1f}">{escape(label)}</text>')
        x = float(RIGHT)
        for index, item in enumerate(series):
            value = item.values[i] or 0
            if not value:
                continue
            width = (right - RIGHT) * value / top
            parts.append(f'<rect class="{_tone(item, index)}" x="{x:.1f}" y="{y + 5:.1f}" width="{width:.1f}" '
                         f'height="{LINE - 3}"><title>{escape(label)}, {escape(item.name)}: '
                         f'{_number(value)}</title></rect>')
            x += width
        parts.append(f'<text class="axis" x="{x + 5:.1f}" y="{y + LINE:.1f}">{_number(totals[i])}</text>')
    parts.append("</svg>")
    headers = (label_header, *(s.name for s in series))
    table = tuple((label, *(_number(s.values[i]) for s in series)) for i, label in enumerate(labels))
    if len(series) > 1:
        headers = (*headers, "Total")
        table = tuple((*r, _number(totals[i])) for i, r in enumerate(table))
    legend = tuple((s.name, _tone(s, i)) for i, s in enumerate(series)) if len(series) > 1 else ()
    return Chart(slug, title, description, Markup("".join(parts)), headers, table, legend=legend)
