"""A postmortem's decision map drawn as inline SVG on the incident's time axis (no JavaScript).

Each decision point sits on the time axis at its ``at``; the path taken runs
from decision to decision as a solid line, and at each point the option taken
leaves solid while the options not taken branch off dashed. The cues of each
point are marked by their tag as a word (missing, misleading...), so the map
reads in black and white and in print. Colours are CSS classes of the theme.

Every text comes from the front-matter, which is untrusted: all of it is
escaped here, and long texts are shortened on the map (the full text is in a
``<title>`` tooltip and in the table the theme draws from ``DecisionMap.rows``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from html import escape

from markupsafe import Markup

from pmsite.decisions.model import Decision, decisions_of, incident_window
from pmsite.model import Postmortem

WIDTH = 720
LEFT, RIGHT = 24, 24
AXIS_Y = 40
LINE = 22
#: Average width of a character of the map's 12 px text, to shorten labels to the room they have.
CHAR_WIDTH = 6.6
MARKERS = (("started_at", "start"), ("detected_at", "detected"), ("mitigated_at", "mitigated"),
           ("resolved_at", "resolved"))


@dataclass(frozen=True)
class Row:
    """One decision point as the table shows it."""

    decision: Decision
    time: str
    #: (option, taken?) with the option taken first.
    options: tuple[tuple[object, bool], ...]


@dataclass(frozen=True)
class DecisionMap:
    svg: Markup
    rows: tuple[Row, ...]
    #: "UTC" times as written on the map and in the table.
    time_label: str


def _short(text: str, room: float) -> str:
    limit = max(8, int(room / CHAR_WIDTH))
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _clock(value: dt.datetime, several_days: bool) -> str:
    return value.strftime("%m-%d %H:%M" if several_days else "%H:%M")


def _ordered_options(decision: Decision) -> tuple[tuple[object, bool], ...]:
    taken = decision.chosen_index
    first = [(decision.options[taken], True)] if taken is not None else []
    return tuple(first + [(o, False) for i, o in enumerate(decision.options) if i != taken])


def draw(pm: Postmortem) -> DecisionMap | None:
    """The map of a postmortem's decision points, or None when it has none with a readable time."""
    decisions = [d for d in decisions_of(pm) if d.at is not None]
    if not decisions:
        return None
    start, end = incident_window(pm)
    first = min([d.at for d in decisions] + ([start] if start else []))
    last = max([d.at for d in decisions] + ([end] if end else []))
    span = max((last - first).total_seconds(), 60.0)
    several_days = first.date() != last.date()

    def x(value: dt.datetime) -> float:
        return LEFT + (WIDTH - LEFT - RIGHT) * (value - first).total_seconds() / span

    rows = tuple(Row(d, _clock(d.at, several_days), _ordered_options(d)) for d in decisions)
    parts: list[str] = []
    # the time axis with the incident's own milestones
    parts.append(f'<line class="dm-axis" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{AXIS_Y}" y2="{AXIS_Y}"/>')
    last_label = -1e9
    for key, name in MARKERS:
        value = pm.timestamp(key)
        if value is None or not first <= value <= last:
            continue
        px = x(value)
        parts.append(f'<line class="dm-tick" x1="{px:.1f}" x2="{px:.1f}" y1="{AXIS_Y - 6}" y2="{AXIS_Y + 6}"/>')
        if px - last_label >= 64:
            anchor = "start" if px < LEFT + 30 else "end" if px > WIDTH - RIGHT - 30 else "middle"
            parts.append(f'<text class="dm-label" x="{px:.1f}" y="{AXIS_Y - 12}" text-anchor="{anchor}">'
                         f'{escape(name)} {escape(_clock(value, several_days))}</text>')
            last_label = px
    # one band per decision point
    y = AXIS_Y + 34
    nodes: list[tuple[float, float]] = []
    for row in rows:
        decision = row.decision
        px = x(decision.at)
        to_left = px > WIDTH * 0.55
        direction = -1 if to_left else 1
        room = (px - LEFT - 48) if to_left else (WIDTH - RIGHT - px - 48)
        anchor = "end" if to_left else "start"
        nodes.append((px, y))
        parts.append(f'<line class="dm-guide" x1="{px:.1f}" x2="{px:.1f}" y1="{AXIS_Y}" y2="{y - 11}"/>')
        parts.append(f'<g class="dm-point"><title>{escape(f"Decision {decision.number} at {row.time}: {decision.who}")}'
                     f'</title><circle class="dm-node" cx="{px:.1f}" cy="{y}" r="11"/>'
                     f'<text class="dm-number" x="{px:.1f}" y="{y + 4}" text-anchor="middle">{decision.number}</text></g>')
        line_y = y
        for option, taken in row.options:
            end_x = px + direction * 34
            kind = "dm-taken" if taken else "dm-not-taken"
            path = (f"M{px + direction * 11:.1f},{y} H{end_x:.1f}" if line_y == y
                    else f"M{px:.1f},{y + 11} V{line_y} H{end_x:.1f}")
            text = ("taken: " if taken else "not taken: ") + option.text
            parts.append(f'<g class="{kind}"><title>{escape(text)}</title><path d="{path}"/>'
                         f'<circle cx="{end_x:.1f}" cy="{line_y}" r="4"/>'
                         f'<text x="{end_x + direction * 8:.1f}" y="{line_y + 4}" text-anchor="{anchor}">'
                         f'{escape(_short(option.text, room))}</text></g>')
            line_y += LINE
        for cue in decision.cues:
            tag = cue.tag if cue.tag else "cue"
            badge = len(tag) * CHAR_WIDTH + 10
            bx = px + direction * 34 - (badge if to_left else 0)
            text_x = bx - 6 if to_left else bx + badge + 6
            parts.append(f'<g class="dm-cue dm-cue-{escape(tag)}"><title>{escape(f"{tag}: {cue.text}")}</title>'
                         f'<rect x="{bx:.1f}" y="{line_y - 9}" width="{badge:.1f}" height="16" rx="3"/>'
                         f'<text class="dm-tag" x="{bx + 5:.1f}" y="{line_y + 3}">{escape(tag)}</text>'
                         f'<text x="{text_x:.1f}" y="{line_y + 3}" text-anchor="{anchor}">'
                         f'{escape(_short(cue.text, room - badge - 6))}</text></g>')
            line_y += LINE
        y = line_y + 22
    if len(nodes) > 1:
        points = " ".join(f"{nx:.1f},{ny}" for nx, ny in nodes)
        parts.insert(0, f'<polyline class="dm-path" points="{points}"/>')
    height = y - 8
    times = f"{_clock(first, several_days)} to {_clock(last, several_days)} UTC"
    title = f"Decision map: {len(rows)} decision point{'s' if len(rows) != 1 else ''}, {times}"
    svg = (f'<svg class="decision-map" viewBox="0 0 {WIDTH} {height}" role="img" aria-labelledby="dm-title dm-desc" '
           f'preserveAspectRatio="xMinYMin meet"><title id="dm-title">{escape(title)}</title>'
           f'<desc id="dm-desc">Solid lines are the options taken, dashed lines the options not taken; '
           f'cues are marked by tag. The table below lists the same content.</desc>{"".join(parts)}</svg>')
    return DecisionMap(Markup(svg), rows, "UTC")
