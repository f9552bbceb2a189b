"""Medians of 1-7 answers with bootstrap intervals, and Spearman's rank correlation.

numpy (already installed as spaCy's dependency) draws the resamples: a bootstrap
resample of Likert answers is a multinomial draw of the seven counts, so a
thousand resamples of thousands of answers cost microseconds, not a Python loop.
Seeds are derived from the group's name, so every run prints the same figures.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from dataclasses import dataclass

RESAMPLES = 2000
LEVEL = 0.95


def seed_for(base: int, *names: str) -> int:
    """A stable seed per group: the same data gives the same interval in every run."""
    return base * 1_000_003 + zlib.crc32("\x1f".join(names).encode("utf-8"))


def median_of_counts(counts: Sequence[int]) -> float | None:
    """Median of answers given as counts of 1..7 (mean of the two middle answers when even)."""
    total = sum(counts)
    if total == 0:
        return None
    lower, upper = (total - 1) // 2, total // 2
    seen, low, high = 0, None, None
    for value, count in enumerate(counts, 1):
        seen += count
        if low is None and seen > lower:
            low = value
        if seen > upper:
            high = value
            break
    return (low + high) / 2


def median_interval(counts: Sequence[int], seed: int, resamples: int = RESAMPLES) -> tuple[float, float] | None:
    """Percentile bootstrap interval (95 %) of the median of answers with these 1..7 counts."""
    import numpy as np

    total = int(sum(counts))
    if total == 0:
        return None
    rng = np.random.default_rng(seed)
    drawn = rng.multinomial(total, np.asarray(counts, dtype=float) / total, size=resamples)
    cumulative = drawn.cumsum(axis=1)
    low = (cumulative > (total - 1) // 2).argmax(axis=1) + 1
    high = (cumulative > total // 2).argmax(axis=1) + 1
    medians = (low + high) / 2
    tail = (1 - LEVEL) / 2
    return float(np.quantile(medians, tail)), float(np.quantile(medians, 1 - tail))


def ranks(values: Sequence[float]) -> list[float]:
    """Ranks from 1, ties sharing their average rank (as Spearman's coefficient needs)."""
    order = sorted(range(len(values)), key=lambda i: values[i])
    result = [0.0] * len(values)
    start = 0
    while start < len(order):
        end = start
        while end + 1 < len(order) and values[order[end + 1]] == values[order[start]]:
            end += 1
        for position in range(start, end + 1):
            result[order[position]] = (start + end) / 2 + 1
        start = end + 1
    return result


def spearman(xs: Sequence[float], ys: Sequence[float]) -> float | None:
    """Spearman's rho: Pearson's correlation of the ranks; None when either side has no spread."""
    rx, ry = ranks(xs), ranks(ys)
    n = len(rx)
    mean = (n + 1) / 2
    sxy = sum((a - mean) * (b - mean) for a, b in zip(rx, ry))
    sxx = sum((a - mean) ** 2 for a in rx)
    syy = sum((b - mean) ** 2 for b in ry)
    if sxx == 0 or syy == 0:
        return None
    return sxy / (sxx * syy) ** 0.5


@dataclass(frozen=True)
class Correlation:
    pairs: int
    rho: float | None
    interval: tuple[float, float] | None


def spearman_with_interval(xs: Sequence[float], ys: Sequence[float], seed: int,
                           resamples: int = RESAMPLES) -> Correlation:
    """rho and a percentile bootstrap interval over resampled pairs (resamples without spread skipped)."""
    import numpy as np

    rho = spearman(xs, ys)
    if rho is None:
        return Correlation(len(xs), None, None)
    rng = np.random.default_rng(seed)
    picks = rng.integers(0, len(xs), size=(resamples, len(xs)))
    found = [r for r in (spearman([xs[i] for i in row], [ys[i] for i in row]) for row in picks.tolist())
             if r is not None]
    if len(found) < resamples / 2:
        return Correlation(len(xs), rho, None)
    tail = (1 - LEVEL) / 2
    return Correlation(len(xs), rho, (float(np.quantile(found, tail)), float(np.quantile(found, 1 - tail))))
