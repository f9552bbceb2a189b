"""Inline SVG charts carry their numbers as a table and escape every label."""

from __future__ import annotations

from pmsite.render.charts import Series, _axis, bar_chart, line_chart


def test_stacked_bar_chart_has_bars_legend_and_totals():
    chart = bar_chart("c", "Incidents", "per month", ("2024-01", "2024-02"),
                      (Series("SEV1", (1, 0)), Series("SEV2", (2, 3))), "Month")
    assert chart.svg.startswith('<svg class="chart"') and '<title id="c-title">Incidents</title>' in chart.svg
    assert chart.svg.count('<rect class="series-') == 3 + 2  # three non-zero bars, two legend keys
    assert chart.headers == ("Month", "SEV1", "SEV2", "Total")
    assert chart.rows == (("2024-01", "1", "2", "3"), ("2024-02", "0", "3", "3"))


def test_line_chart_leaves_gaps_for_missing_values():
    chart = line_chart("t", "Hours", "", ("a", "b", "c", "d"), (Series("h", (1.5, None, 2.0, 4.0)),), "Month")
    assert chart.svg.count("<polyline") == 1  # a alone, then c-d joined
    assert chart.rows[1] == ("b", "–") and chart.rows[0] == ("a", "1.5")


def test_labels_are_escaped():
    chart = bar_chart("x", "<b>", "", ("<script>",), (Series("s&p", (1,)),), "L")
    assert "<script>" not in chart.svg and "&lt;script&gt;" in chart.svg and "&lt;b&gt;" in chart.svg


def test_axis_is_round_with_at_most_four_ticks_and_whole_counts():
    assert [_axis(v, integer=True) for v in (0, 1, 3, 5, 14, 101)] == [
        (1, 1), (1, 1), (3, 1), (6, 2), (15, 5), (150, 50)]
    assert _axis(0.7, integer=False) == (0.8, 0.2)
    assert _axis(160.2, integer=False) == (200, 50)
