"""No output reveals a group under the threshold, not even by differencing published figures.

Property-style: hundreds of random pulse datasets (teams of 0-9 respondents,
random weeks, questions and thresholds). For each, the report (JSON and text)
is checked against group sizes computed here from the raw answers, and every
sum or difference of published distributions of a quarter (coefficients -1, 0,
+1, as in "organisation minus the teams shown") is checked against the true
distribution of every small set of teams.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import random

import pytest

from pmsite.pulse.privacy import plan_quarter
from pmsite.pulse.report import build_report, to_text
from pmsite.pulse.settings import PulseSettings, default_questions
from pmsite.pulse.store import Answer, quarter_of

TEAMS = ("ant", "bee", "cat", "dog", "eel", "fox")
AS_OF = dt.date(2026, 12, 31)


def people_lower_bound(answers: list[Answer]) -> int:
    """Written independently of pmsite.pulse.privacy: one person answers a question at most once a week."""
    best = 0
    for week in {a.week for a in answers}:
        for question in {a.question for a in answers}:
            best = max(best, sum(1 for a in answers if a.week == week and a.question == question))
    return best


def scored_distribution(answers: list[Answer], questions) -> tuple[int, ...]:
    by_id = {q.id: q for q in questions}
    counts = [0] * 7
    for a in answers:
        value = 8 - a.answer if by_id[a.question].reverse else a.answer
        counts[value - 1] += 1
    return tuple(counts)


def random_dataset(rng: random.Random) -> tuple[list[Answer], int]:
    questions = default_questions()
    k = rng.randint(3, 6)
    weeks = [f"2026-W{w:02d}" for w in rng.sample(range(1, 40), rng.randint(1, 5))]
    answers = []
    for team in rng.sample(TEAMS, rng.randint(1, len(TEAMS))):
        people = rng.choice([0, 1, 1, 2, 2, 3, 4, 5, 6, 9])
        for week in weeks:
            for question in rng.sample(questions, rng.randint(1, 3)):
                for _ in range(people):
                    if rng.random() < 0.8:
                        answers.append(Answer(team, week, question.id, rng.randint(1, 7)))
    return answers, k


def published_groups(report: dict) -> dict[str, dict[str, tuple[int, ...]]]:
    """quarter -> {group name: distribution} of everything the JSON report publishes."""
    found: dict[str, dict[str, tuple[int, ...]]] = {}
    for quarter in report["quarters"]:
        groups = found.setdefault(quarter["quarter"], {})
        for f in [quarter["organisation"], quarter["other_teams"], *quarter["teams"]]:
            if f is not None:
                assert f["quarter"] == quarter["quarter"]
                groups[f["group"]] = tuple(f["distribution"])
    return found


@pytest.mark.parametrize("seed", range(200))
def test_no_output_reveals_a_group_under_the_threshold(tmp_path, seed):
    rng = random.Random(seed)
    answers, k = random_dataset(rng)
    questions = default_questions()
    settings = PulseSettings(folder=tmp_path, questions=questions, teams=TEAMS, min_responses=k)
    report = build_report(answers, settings, AS_OF, incident_figures={})
    document = json.loads(json.dumps(report.to_dict()))
    text = to_text(report)

    by_quarter: dict[str, dict[str, list[Answer]]] = {}
    for a in answers:
        by_quarter.setdefault(quarter_of(a.week), {}).setdefault(a.team, []).append(a)
    published = published_groups(document)
    for quarter, teams in by_quarter.items():
        shown = published.get(quarter, {})
        everyone = [a for members in teams.values() for a in members]
        # 1. every published team figure is a team of at least k people, with its true distribution
        for team, members in teams.items():
            if team in shown:
                assert people_lower_bound(members) >= k
                assert shown[team] == scored_distribution(members, questions)
            elif people_lower_bound(members) < k:
                assert f"  {team}: median" not in text.split(f"\n{quarter}\n")[-1].split("\n\n")[0]
        if "organisation" in shown:
            assert people_lower_bound(everyone) >= k
        else:
            assert people_lower_bound(everyone) < k or not everyone
        # 2. differencing: no combination of published distributions equals a small set of teams
        names = sorted(shown)
        vectors = [shown[n] for n in names]
        reachable = set()
        for coefficients in itertools.product((-1, 0, 1), repeat=len(vectors)):
            if any(coefficients):
                reachable.add(tuple(sum(c * v[i] for c, v in zip(coefficients, vectors)) for i in range(7)))
        for size in range(1, len(teams) + 1):
            for subset in itertools.combinations(sorted(teams), size):
                members = [a for t in subset for a in teams[t]]
                if members and people_lower_bound(members) < k:
                    assert scored_distribution(members, questions) not in reachable, (quarter, subset)
    # 3. no team appears in a quarter where it had under k people (JSON trends too)
    for team, points in document["trends"].items():
        for point in points:
            assert people_lower_bound(by_quarter[point["quarter"]][team]) >= k


def test_one_small_team_beside_big_ones_forces_a_second_team_out():
    def team(name, people):
        return [Answer(name, "2026-W10", "ps2", 4) for _ in range(people)]

    plan = plan_quarter("2026-Q1", {"big": team("big", 9), "mid": team("mid", 6), "tiny": team("tiny", 2)}, 5)
    assert plan.shown == ("big",)
    assert plan.merged == ("mid", "tiny")
    assert plan.other_shown and plan.org_shown


def test_one_person_answering_every_question_is_one_person():
    answers = [Answer("solo", "2026-W10", q.id, 5) for q in default_questions()]
    plan = plan_quarter("2026-Q1", {"solo": answers}, 3)
    assert plan.shown == () and not plan.org_shown


def culture_content(report) -> str:
    """The Culture page's content block, drawn with the real theme template."""
    import jinja2

    from pmsite.resources import themes_dir

    bare_base = jinja2.DictLoader({"base.html": "{% block content %}{% endblock %}"})  # no site chrome needed
    loader = jinja2.ChoiceLoader([bare_base, jinja2.FileSystemLoader(themes_dir() / "default")])
    environment = jinja2.Environment(loader=loader, autoescape=True)
    return environment.get_template("culture.html").render(report=report, url=lambda path="": "/" + path)


@pytest.mark.parametrize("seed", range(0, 200, 4))
def test_culture_page_shows_no_team_under_the_threshold(tmp_path, seed):
    answers, k = random_dataset(random.Random(seed))
    settings = PulseSettings(folder=tmp_path, questions=default_questions(), teams=TEAMS, min_responses=k)
    report = build_report(answers, settings, AS_OF, incident_figures={})
    page = culture_content(report)
    published = published_groups(json.loads(json.dumps(report.to_dict())))
    for quarter in {quarter_of(a.week) for a in answers}:
        start = page.find(f"<caption>{quarter}:")
        table = page[start:page.find("</table>", start)] if start >= 0 else ""
        assert (start >= 0) == (quarter in published)
        for team in TEAMS:
            members = [a for a in answers if a.team == team and quarter_of(a.week) == quarter]
            row = f'<th scope="row">{team}</th>'
            assert (row in table) == (team in published.get(quarter, {}))
            if row in table:
                assert people_lower_bound(members) >= k
    for team in TEAMS:
        if not any(team in groups for groups in published.values()):
            assert f"<caption>{team}</caption>" not in page
