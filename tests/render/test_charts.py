"""Inline SVG charts carry their numbers as a table, escape every label and never cut one."""

from __future__ import annotations

import datetime as dt
import re

from pmsite.render.charts import Period, Series, Spread, _axis, bar_chart, median_chart, row_chart
from pmsite.render.dashboard import periods, spread
from pmsite.timeutil import format_minutes

MONTHS = (Period("2024-01", "Jan", "2024"), Period("2024-02", "Feb", "2024"))


def test_stacked_bar_chart_has_bars_an_html_legend_and_totals():
    chart = bar_chart("c", "Incidents", "per month", MONTHS,
                      (Series("SEV1", (1, 0), "tone-sev1"), Series("SEV2", (2, 3), "tone-sev2")), "Month")
    assert chart.svg.startswith('<svg class="chart"') and '<title id="c-title">Incidents</title>' in chart.svg
    assert chart.svg.count('<rect class="tone-') == 3  # three non-zero bars
    assert chart.legend == (("SEV1", "tone-sev1"), ("SEV2", "tone-sev2"))
    assert chart.headers == ("Month", "SEV1", "SEV2", "Total")
    assert chart.rows == (("2024-01", "1", "2", "3"), ("2024-02", "0", "3", "3"))


def test_time_axis_writes_the_year_once_under_its_first_month():
    chart = bar_chart("c", "t", "", periods(dt.date(2024, 11, 5), dt.date(2025, 2, 1), "month"),
                      (Series("n", (1, 0, 2, 1)),), "Month")
    labels = re.findall(r'<text class="axis[^"]*"[^>]*>([^<]+)</text>', chart.svg)
    assert [label for label in labels if not label.isdigit() or len(label) == 4] == \
        ["Nov", "2024", "Dec", "Jan", "2025", "Feb"]


def test_count_axes_have_whole_number_ticks():
    chart = bar_chart("c", "t", "", MONTHS, (Series("n", (1, 3)),), "Month")
    ticks = re.findall(r'text-anchor="end">([^<]+)</text>', chart.svg)
    assert ticks == ["0", "1", "2", "3"]


def test_medians_are_points_with_their_sample_size_and_few_incidents_are_hollow_and_noted():
    spreads = (spread([30.0, 90.0, 120.0, 600.0]), spread([45.0]), Spread(0))
    axis = (Period("2024", "2024", "2024"), Period("2025", "2025", "2025"), Period("2026", "2026", "2026"))
    chart = median_chart("r", "Time to resolve", "", axis, spreads, "Year", format_minutes, log=True)
    assert "<polyline" not in chart.svg and "<path" not in chart.svg  # no line jumps between periods
    assert chart.svg.count('<circle class="point"') == 1 and chart.svg.count('<circle class="point few"') == 1
    assert chart.svg.count('class="whisker"') == 1  # the interquartile range of the period with 4 incidents
    assert ">n = 4</text>" in chart.svg and ">n = 1</text>" in chart.svg
    assert chart.rows[0] == ("2024", "4", "1.8 h", "1.2 h – 4.0 h")  # quartiles: 30 + .75 * 60, 120 + .25 * 480
    assert chart.rows[2] == ("2026", "0", "–", "–")
    assert any("2025" in note and "too few to compare" in note for note in chart.notes)
    assert any("Means are not shown" in note for note in chart.notes)
    ticks = re.findall(r'text-anchor="end">([^<]+)</text>', chart.svg)
    assert ticks == ["10 min", "1 h", "6 h"]  # log scale: the tick below 30 min to the one above 4 h


def test_category_labels_are_never_cut():
    name = "connection-pool-exhaustion, cache-flush-cold-start"
    chart = row_chart("x", "Recurrences", "", (name,), (Series("Incidents", (3,)),), "Group")
    assert f">{name}</text>" in chart.svg and "…" not in chart.svg


def test_done_is_not_drawn_in_an_error_colour():
    chart = row_chart("x", "Completion", "", ("tooling",),
                      (Series("done", (2,), "tone-done"), Series("open", (1,), "tone-open")), "Category")
    assert '<rect class="tone-done"' in chart.svg and "series-0" not in chart.svg


def test_labels_are_escaped():
    chart = bar_chart("x", "<b>", "", (Period("<script>", "<i>", "2024"),), (Series("s&p", (1,)),), "L")
    assert "<script>" not in chart.svg and "&lt;script&gt;" in chart.svg and "&lt;b&gt;" in chart.svg
    assert "<i>" not in chart.svg


def test_axis_is_round_with_at_most_four_ticks_and_whole_counts():
    assert [_axis(v, integer=True) for v in (0, 1, 3, 5, 14, 101)] == [
        (1, 1), (1, 1), (3, 1), (6, 2), (15, 5), (150, 50)]
    assert _axis(0.7, integer=False) == (0.8, 0.2)
    assert _axis(160.2, integer=False) == (200, 50)


def test_periods_start_at_the_first_incident():
    assert [p.key for p in periods(dt.date(2023, 11, 20), dt.date(2024, 2, 1), "month")] == [
        "2023-11", "2023-12", "2024-01", "2024-02"]
    assert [p.key for p in periods(dt.date(2023, 11, 20), dt.date(2024, 4, 1), "quarter")] == [
        "2023-Q4", "2024-Q1", "2024-Q2"]
    assert [p.label for p in periods(dt.date(2022, 5, 1), dt.date(2024, 1, 1), "year")] == ["2022", "2023", "2024"]
