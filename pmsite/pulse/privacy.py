"""Which groups may be shown: k-anonymity by construction, with complementary suppression.

The unit is a group: a team's answers in one quarter, or the whole organisation's.
Its size is a lower bound of the number of different people behind it: the
largest number of answers to one question in one week (one person answers a
question at most once a week, but may answer all questions every week, so
counting answers would let one person pass for seven).

For each quarter:

1. teams of at least ``k`` (``pulse.min_responses``) are shown on their own;
2. the others are merged into "other teams", shown only when the merged group is
   itself at least ``k``; when it is smaller (one small team, or a few tiny ones),
   the smallest shown team joins the merged group until it reaches ``k`` — the
   complementary suppression that stops "organisation minus the teams shown"
   from revealing a small team;
3. the organisation is shown when it reaches ``k``.

Every published distribution then adds up: organisation = shown teams + other
teams, and each term is a group of at least ``k``, so no difference of published
figures (counts, distributions, and so medians) isolates a smaller group. Quarters
never overlap and no all-time figure is published, so no difference across
periods exists either.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from pmsite.pulse.store import Answer

OTHER_TEAMS = "other teams"


def group_size(answers: Iterable[Answer]) -> int:
    """Fewest people who can have given these answers (see the module docstring)."""
    per_cell = Counter((a.week, a.question) for a in answers)
    return max(per_cell.values(), default=0)


@dataclass(frozen=True)
class QuarterPlan:
    quarter: str
    #: Teams shown on their own (each of at least k).
    shown: tuple[str, ...]
    #: Teams merged into "other teams" (shown only when ``other_shown``).
    merged: tuple[str, ...]
    other_shown: bool
    org_shown: bool


def plan_quarter(quarter: str, by_team: dict[str, list[Answer]], k: int) -> QuarterPlan:
    sizes = {team: group_size(answers) for team, answers in by_team.items()}
    shown = sorted((t for t in by_team if sizes[t] >= k), key=lambda t: (sizes[t], t))
    merged = sorted(t for t in by_team if sizes[t] < k)
    org_shown = group_size(a for answers in by_team.values() for a in answers) >= k

    def merged_size() -> int:
        return group_size(a for t in merged for a in by_team[t])

    while merged and merged_size() < k and shown:
        merged.append(shown.pop(0))  # complementary suppression: the smallest shown team joins the rest
    other_shown = bool(merged) and merged_size() >= k and bool(shown)
    return QuarterPlan(quarter, tuple(sorted(shown)), tuple(sorted(merged)), other_shown, org_shown)
