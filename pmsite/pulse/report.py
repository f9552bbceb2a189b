"""The pulse figures, the same for ``pmsite pulse report`` and the site's Culture page.

Per quarter: the organisation's and each shown team's median with a bootstrap
interval and the distribution of answers (reverse-worded items flipped, so 7 is
always the safest). Per team: its trend against its own past, never a ranking of
teams. Then the relation with incident figures of the same teams and quarters.
Only groups that ``privacy.plan_quarter`` allows ever reach this report.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from typing import Any

from pmsite.pulse.privacy import OTHER_TEAMS, plan_quarter
from pmsite.pulse.settings import PulseSettings
from pmsite.pulse.stats import (
    Correlation,
    median_interval,
    median_of_counts,
    seed_for,
    spearman_with_interval,
)
from pmsite.pulse.store import Answer, quarter_of, week_monday

ORGANISATION = "organisation"


@dataclass(frozen=True)
class Figures:
    """One shown group: at least ``min_responses`` people by construction."""

    group: str
    quarter: str
    answers: int
    #: Answers scored 1..7 (reverse-worded items flipped).
    distribution: tuple[int, ...]
    median: float
    interval: tuple[float, float]
    mean: float


@dataclass(frozen=True)
class Quarter:
    quarter: str
    organisation: Figures | None
    teams: tuple[Figures, ...]
    other_teams: Figures | None
    #: How many teams are not shown on their own this quarter (merged or suppressed).
    not_shown: int
    note: str


@dataclass(frozen=True)
class TrendPoint:
    quarter: str
    median: float
    interval: tuple[float, float]
    #: Against the team's previous shown quarter, e.g. "higher than 2026-Q1 (within the uncertainty)".
    change: str


@dataclass(frozen=True)
class Relation:
    measure: str
    #: Which direction is good for the incident figure, to read the sign.
    reading: str
    pairs: int
    rho: float | None
    interval: tuple[float, float] | None
    verdict: str


@dataclass
class CultureReport:
    as_of: dt.date
    min_responses: int
    questions: list[dict[str, Any]]
    quarters: list[Quarter]
    trends: dict[str, list[TrendPoint]]
    relations: list[Relation] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["as_of"] = self.as_of.isoformat()
        return data


def quarter_span(quarter: str) -> tuple[dt.date, dt.date]:
    year, number = int(quarter[:4]), int(quarter[-1])
    start = dt.date(year, 3 * number - 2, 1)
    end = dt.date(year + (number == 4), 1 if number == 4 else 3 * number + 1, 1) - dt.timedelta(days=1)
    return start, end


def _figures(group: str, quarter: str, answers: list[Answer], settings: PulseSettings) -> Figures:
    questions = settings.by_id
    counts = [0] * 7
    for a in answers:
        counts[questions[a.question].score(a.answer) - 1] += 1
    total = sum(counts)
    return Figures(group, quarter, total, tuple(counts), median_of_counts(counts),
                   median_interval(counts, seed_for(settings.seed, group, quarter)),
                   round(sum(v * c for v, c in enumerate(counts, 1)) / total, 2))


def _change(now: Figures, before: Figures | None) -> str:
    if before is None:
        return "first quarter shown"
    word = "higher than" if now.median > before.median else "lower than" if now.median < before.median else "same as"
    low, high = now.interval
    certainty = "within the uncertainty" if low <= before.median <= high else "outside the uncertainty"
    return f"{word} {before.quarter} ({before.median:g}; {certainty})"


#: (label, how to read it, figure of an incident Summary)
INCIDENT_MEASURES = (
    ("Median days to publish a postmortem", "lower is better: a negative rho goes with faster postmortems",
     lambda s: s.time_to_publish_days.median),
    ("Share of systemic action items", "higher is better",
     lambda s: (s.fix_kinds.get("systemic", 0) / sum(s.fix_kinds.values())) if sum(s.fix_kinds.values()) else None),
    ("Share of incidents reported by people", "higher means people speak up",
     lambda s: s.human_reported_share),
)


def _relation(label: str, reading: str, pairs: list[tuple[float, float]], settings: PulseSettings) -> Relation:
    if len(pairs) < settings.min_pairs:
        return Relation(label, reading, len(pairs), None, None,
                        f"not enough data: {len(pairs)} team-quarters with both figures, "
                        f"at least {settings.min_pairs} needed")
    found: Correlation = spearman_with_interval([p[0] for p in pairs], [p[1] for p in pairs],
                                                seed_for(settings.seed, label))
    if found.rho is None:
        return Relation(label, reading, len(pairs), None, None, "not enough data: one side does not vary")
    rho = round(found.rho, 2)
    interval = None if found.interval is None else (round(found.interval[0], 2), round(found.interval[1], 2))
    if interval is None:
        verdict = "no interval: too few distinct resamples"
    elif interval[0] <= 0 <= interval[1]:
        verdict = "no clear relation: the interval includes 0"
    else:
        verdict = f"a {'positive' if rho > 0 else 'negative'} relation (an association, not a cause)"
    return Relation(label, reading, len(pairs), rho, interval, verdict)


def build_report(answers: list[Answer], settings: PulseSettings, as_of: dt.date,
                 incident_figures: dict[tuple[str, str], Any] | None = None) -> CultureReport:
    """Figures for every quarter up to ``as_of``; ``incident_figures`` maps (team, quarter) to a Summary."""
    k = settings.min_responses
    by_quarter: dict[str, dict[str, list[Answer]]] = defaultdict(lambda: defaultdict(list))
    for a in answers:
        if week_monday(a.week) <= as_of:
            by_quarter[quarter_of(a.week)][a.team].append(a)
    quarters: list[Quarter] = []
    shown_teams: dict[str, list[Figures]] = defaultdict(list)
    for quarter in sorted(by_quarter):
        teams = by_quarter[quarter]
        plan = plan_quarter(quarter, teams, k)
        figures = tuple(_figures(t, quarter, teams[t], settings) for t in plan.shown)
        for f in figures:
            shown_teams[f.group].append(f)
        other = (_figures(OTHER_TEAMS, quarter, [a for t in plan.merged for a in teams[t]], settings)
                 if plan.other_shown else None)
        org = _figures(ORGANISATION, quarter, [a for t in teams for a in teams[t]], settings) if plan.org_shown else None
        hidden = len(teams) - len(plan.shown)
        note = "" if not hidden else (
            f"Not shown on their own (fewer than {k} people answering, or held back so that a smaller team "
            f"cannot be worked out from the totals): {', '.join(plan.merged)}"
            + ("; shown together as 'other teams'." if other else "; counted in the organisation only."))
        if org is None:
            note = f"Fewer than {k} people answered across the organisation: nothing is shown for this quarter."
        quarters.append(Quarter(quarter, org, figures, other, hidden, note))
    trends = {team: [TrendPoint(f.quarter, f.median, f.interval, _change(f, points[i - 1] if i else None))
                     for i, f in enumerate(points)] for team, points in sorted(shown_teams.items())}
    relations = []
    if incident_figures is not None:
        for label, reading, read in INCIDENT_MEASURES:
            pairs = []
            for team, points in sorted(shown_teams.items()):
                for f in points:
                    summary = incident_figures.get((team, f.quarter))
                    value = read(summary) if summary is not None else None
                    if value is not None:
                        pairs.append((f.mean, float(value)))
            relations.append(_relation(label, reading, pairs, settings))
    questions = [{"id": q.id, "text": q.text, "reverse": q.reverse, "source": q.source} for q in settings.questions]
    return CultureReport(as_of, k, questions, quarters[::-1], trends, relations)


def incident_figures(postmortems: list, history: Any, config: Any, as_of: dt.date,
                     quarters: list[str]) -> dict[tuple[str, str], Any]:
    """Incident Summaries per (team, quarter), from the aggregate stage."""
    from pmsite.aggregate import aggregate

    found = {}
    for quarter in quarters:
        since, until = quarter_span(quarter)
        groups = aggregate(postmortems, history, config, as_of, since=since, until=min(until, as_of), by="team").groups
        found.update({(team, quarter): summary for team, summary in groups.items()})
    return found


def pulse_quarters(answers: list[Answer], as_of: dt.date) -> list[str]:
    return sorted({quarter_of(a.week) for a in answers if week_monday(a.week) <= as_of})


def _figure_line(f: Figures) -> str:
    low, high = f.interval
    counts = " ".join(f"{value}:{count}" for value, count in enumerate(f.distribution, 1))
    return f"median {f.median:g} (95% CI {low:g}-{high:g}), mean {f.mean:.2f}, {f.answers} answers [{counts}]"


def to_text(report: CultureReport) -> str:
    """The report as the terminal shows it (the same figures as the page)."""
    lines = [(f"Safety-culture pulse as of {report.as_of.isoformat()} (1-7, higher = safer; "
              f"groups under {report.min_responses} people are never shown)")]
    if not report.quarters:
        lines.append("no answers yet: import a form export or run 'pmsite pulse serve'")
    for quarter in report.quarters:
        lines.append("")
        lines.append(quarter.quarter)
        if quarter.organisation:
            lines.append(f"  {ORGANISATION}: {_figure_line(quarter.organisation)}")
        for f in quarter.teams:
            lines.append(f"  {f.group}: {_figure_line(f)}")
        if quarter.other_teams:
            lines.append(f"  {OTHER_TEAMS}: {_figure_line(quarter.other_teams)}")
        if quarter.note:
            lines.append(f"  note: {quarter.note}")
    if report.trends:
        lines += ["", "Each team against its own past"]
        for team, points in report.trends.items():
            lines.append(f"  {team}: " + "; ".join(f"{p.quarter} {p.median:g} ({p.change})" for p in points))
    if report.relations:
        lines += ["", "Relation with incident figures (Spearman's rho over team-quarters)"]
        for r in report.relations:
            figure = "" if r.rho is None else f"rho {r.rho:+.2f}" + (
                f" (95% CI {r.interval[0]:+.2f} to {r.interval[1]:+.2f}), " if r.interval else ", ")
            lines.append(f"  {r.measure}: {figure}{r.verdict} [{r.reading}]")
    return "\n".join(lines) + "\n"
