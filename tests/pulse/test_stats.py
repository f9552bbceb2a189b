"""Medians, bootstrap intervals and Spearman's rho against hand-worked values."""

from __future__ import annotations

import pytest

from pmsite.pulse.stats import (
    median_interval,
    median_of_counts,
    ranks,
    seed_for,
    spearman,
    spearman_with_interval,
)


@pytest.mark.parametrize(("counts", "median"), [
    ((0, 0, 1, 0, 0, 0, 0), 3),             # one answer: 3
    ((1, 0, 0, 0, 0, 0, 1), 4),             # 1 and 7: halfway
    ((0, 2, 0, 0, 3, 0, 0), 5),             # 2 2 5 5 5
    ((0, 0, 0, 2, 0, 2, 0), 5),             # 4 4 6 6
    ((0, 0, 0, 0, 0, 0, 0), None),
])
def test_median_of_counts(counts, median):
    assert median_of_counts(counts) == median


def test_median_interval_is_reproducible_and_brackets_the_median():
    counts = (1, 2, 6, 10, 14, 9, 4)
    first = median_interval(counts, seed_for(20, "payments", "2026-Q1"))
    assert first == median_interval(counts, seed_for(20, "payments", "2026-Q1"))
    assert first[0] <= median_of_counts(counts) <= first[1]
    assert 3 <= first[0] <= first[1] <= 6


def test_median_interval_of_identical_answers_has_no_width():
    assert median_interval((0, 0, 0, 0, 12, 0, 0), 1) == (5.0, 5.0)


def test_median_interval_narrows_with_more_answers():
    few = median_interval((1, 1, 1, 1, 1, 1, 1), 3)
    many = median_interval((100, 100, 100, 100, 100, 100, 100), 3)
    assert many[1] - many[0] < few[1] - few[0]


def test_ranks_share_ties():
    assert ranks([10, 20, 20, 5]) == [2, 3.5, 3.5, 1]


def test_spearman_textbook_values():
    assert spearman([1, 2, 3, 4, 5], [2, 1, 4, 3, 5]) == pytest.approx(0.8)  # 1 - 6*4/(5*24)
    assert spearman([1, 2, 3], [30, 20, 10]) == pytest.approx(-1)
    assert spearman([1, 1, 1], [1, 2, 3]) is None
    # ties: ranks x = 1.5 1.5 3 4, y = 1 2 3 4 -> Pearson of the ranks
    assert spearman([5, 5, 6, 7], [1, 2, 3, 4]) == pytest.approx(0.9486833, abs=1e-6)


def test_spearman_interval_is_seeded_and_contains_rho():
    xs = [4.1, 4.5, 4.9, 5.0, 5.2, 5.4, 5.6, 5.9, 6.0, 6.2]
    ys = [30, 25, 26, 20, 14, 18, 12, 9, 11, 5]
    found = spearman_with_interval(xs, ys, 7)
    assert found == spearman_with_interval(xs, ys, 7)
    assert found.pairs == 10
    assert found.interval[0] <= found.rho <= found.interval[1] < 0
