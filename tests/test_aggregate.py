"""Aggregation on hand-made postmortems; every expected figure is worked out in the comments."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from pmsite.aggregate import aggregate
from pmsite.aggregate.metrics import Distribution, percentile
from pmsite.config import load_config
from pmsite.errors import ConfigError
from pmsite.history import History, mine
from pmsite.load import load
from tests.conftest import write
from tests.git_fixture import GitRepo

AS_OF = dt.date(2024, 3, 1)


def item(item_id: str, priority: str, kind: str, status: str, due: str | None = None,
         completed: str | None = None, category: str = "monitoring", owner: str = "team") -> str:
    lines = [f"  - id: {item_id}", f"    title: Fix {item_id}", f"    category: {category}", f"    kind: {kind}",
             f"    priority: {priority}", f"    owner: {owner}", f"    status: {status}"]
    lines += [f"    due: {due}"] * bool(due) + [f"    completed: {completed}"] * bool(completed)
    return "\n".join(lines)


def postmortem(pm_id: str, severity: str, day: str, times: tuple[str, str, str, str], *, items: list[str],
               detection: str = "alert", teams: str = "[payments]", extra: str = "",
               participants: str = "[priya]") -> str:
    started, detected, mitigated, resolved = (f"{day}T{t}:00Z" for t in times)
    return "\n".join([
        "---", f"id: {pm_id}", f"title: Incident {pm_id}", "status: published", f"severity: {severity}",
        "type: availability", f"date: {day}", f"started_at: {started}", f"detected_at: {detected}",
        f"mitigated_at: {mitigated}", f"resolved_at: {resolved}", f"detection: {detection}",
        f"teams: {teams}", "services: [checkout]", f"participants: {participants}", "authors: [priya]",
        *([extra] if extra else []), "action_items:", *items, "---", "", "## Summary", "", "Text.", "",
    ])


# Three incidents; see test_metrics_on_three_incidents for the arithmetic.
PM_A = postmortem("PM-A", "SEV1", "2024-01-10", ("10:00", "10:10", "10:40", "12:00"),
                  extra="published: 2024-01-20\nfingerprint: pool-exhaustion",
                  participants="[priya, tom]",
                  items=[item("AI-1", "P1", "systemic", "done", "2024-02-01", "2024-01-25"),
                         item("AI-2", "P2", "mitigation", "open", "2024-02-10")])
PM_B = postmortem("PM-B", "SEV2", "2024-02-05", ("00:00", "00:30", "02:00", "05:00"), detection="customer",
                  teams="[search]", participants="[tom, kofi]",
                  extra="published: 2024-02-25\nfingerprint: pool-exhaustion",
                  items=[item("AI-1", "P1", "systemic", "done", "2024-02-10", "2024-02-15"),
                         item("AI-2", "P3", "mitigation", "wont_do", "2024-03-10")])
PM_C = postmortem("PM-C", "SEV3", "2024-02-20", ("09:00", "09:05", "09:20", "09:30"), detection="human_report",
                  teams="[search, platform]", participants="[aiko]", extra="related: [PM-A]",
                  items=[item("AI-1", "P2", "systemic", "in_progress", "2024-02-25", category="process")])


def loaded(root: Path, *texts: str):
    for number, text in enumerate(texts):
        write(root / "content" / "postmortems" / f"{number:02d}.md", text, dedent=False)
    config = load_config(root)
    result = load([], config)
    assert result.findings == []
    return result.postmortems, config


def by_id(items):
    return {(i.postmortem_id, i.id): i for i in items}


def test_percentile_interpolates_between_ranks():
    assert percentile([5, 10, 30], 0.9) == pytest.approx(26)  # rank 1.8: 10 + 0.8 * 20
    assert percentile([7], 0.9) == 7
    assert Distribution.of([None, 3, 1, 2]) == Distribution(3, 2.0, 2.8)
    assert Distribution.of([]) == Distribution(0, None, None)


def test_metrics_on_three_incidents(site_root: Path):
    postmortems, config = loaded(site_root, PM_A, PM_B, PM_C)
    result = aggregate(postmortems, History(), config, AS_OF)
    summary = result.metrics

    assert summary.incidents == 3
    assert summary.by_severity == {"SEV1": 1, "SEV2": 1, "SEV3": 1}
    # detect: A 10, B 30, C 5 min -> median 10, p90 at rank 1.8 = 10 + 0.8 * 20 = 26
    assert summary.time_to_detect_minutes == Distribution(3, 10.0, 26.0)
    # mitigate from start: A 40, B 120, C 20 -> median 40, p90 40 + 0.8 * 80 = 104
    assert summary.time_to_mitigate_minutes == Distribution(3, 40.0, 104.0)
    # resolve: A 120, B 300, C 30 -> median 120, p90 120 + 0.8 * 180 = 264
    assert summary.time_to_resolve_minutes == Distribution(3, 120.0, 264.0)
    # publish: A 01-10 -> 01-20 = 10 days, B 02-05 -> 02-25 = 20 days, C unpublished (no git)
    assert summary.time_to_publish_days == Distribution(2, 15.0, 19.0)

    action = summary.action_items
    assert action["total"] == 5
    assert action["completion_rate"] == 0.5  # 2 done of 4 (wont_do left out)
    assert action["on_time_rate"] == 0.5  # A/AI-1 before due, B/AI-1 five days late
    assert action["late"] == 1
    assert action["overdue"] == 2  # A/AI-2 and C/AI-1
    assert action["stale"] == 1  # A/AI-2 unchanged since 2024-01-10; C/AI-1 only 10 days
    # days to close from the incident day: A/AI-1 15, B/AI-1 10
    assert action["days_to_close_by_priority"] == {"P1": {"count": 2, "median": 12.5, "p90": 14.5}}
    assert summary.learning_debt == {"payments": 1, "platform": 1, "search": 1}
    assert summary.fix_kinds == {"mitigation": 2, "systemic": 3}
    assert summary.mitigation_systemic_ratio == 0.667
    assert summary.fix_categories == {"monitoring": 4, "process": 1}
    # A and B share a fingerprint, C is related to A: one group, B and C recur
    assert [g.ids for g in result.recurrence_groups] == [["PM-A", "PM-B", "PM-C"]]
    assert summary.recurring_incidents == ["PM-B", "PM-C"]
    assert summary.recurrence_rate == 0.667
    assert summary.human_reported_share == 0.667  # customer + human_report of 3
    assert summary.participants == 4  # priya, tom, kofi, aiko
    # 0.5*20 + 0.5*20 + (1 - 2/4)*15 + (1 of 2 published within 14 days)*15 + (1 - 0.667)*20 + min(1, 0.6/0.5)*10
    assert summary.health_score == pytest.approx(51.7)


def test_health_weights_are_configurable(site_root: Path):
    write(site_root / "pmsite.yaml", """
        metrics:
          health_weights: {completion: 1, on_time: 0, no_overdue: 0, timely_publication: 0,
                           no_recurrence: 0, systemic: 0}
    """)
    postmortems, config = loaded(site_root, PM_A, PM_B, PM_C)
    assert aggregate(postmortems, History(), config, AS_OF).metrics.health_score == 50.0


def test_unknown_health_component_is_a_config_error(site_root: Path):
    write(site_root / "pmsite.yaml", "metrics:\n  health_weights: {speed: 3}\n")
    postmortems, config = loaded(site_root, PM_A)
    with pytest.raises(ConfigError, match="metrics.health_weights has unknown component 'speed'"):
        aggregate(postmortems, History(), config, AS_OF)


def test_overdue_escalation_and_stale(site_root: Path):
    postmortems, config = loaded(site_root, PM_A, PM_B, PM_C)
    items = by_id(aggregate(postmortems, History(), config, AS_OF).action_items)
    assert (items["PM-A", "AI-2"].days_overdue, items["PM-A", "AI-2"].escalation) == (20, "director")
    assert (items["PM-C", "AI-1"].days_overdue, items["PM-C", "AI-1"].escalation) == (5, "reminder")
    assert items["PM-A", "AI-2"].stale and not items["PM-C", "AI-1"].stale
    assert not items["PM-B", "AI-2"].overdue  # wont_do is closed
    assert items["PM-B", "AI-1"].on_time is False and items["PM-A", "AI-1"].on_time is True

    # reminder up to 7 days, manager up to 14, director beyond
    levels = {}
    for days in (7, 8, 14, 15):
        level = aggregate(postmortems, History(), config, dt.date(2024, 2, 25) + dt.timedelta(days=days))
        levels[days] = by_id(level.action_items)["PM-C", "AI-1"].escalation
    assert levels == {7: "reminder", 8: "manager", 14: "manager", 15: "director"}


def test_escalation_thresholds_are_configurable(site_root: Path):
    write(site_root / "pmsite.yaml", "escalation:\n  reminder: 2\n  manager: 4\n  stale: 60\n")
    postmortems, config = loaded(site_root, PM_A, PM_C)
    items = by_id(aggregate(postmortems, History(), config, AS_OF).action_items)
    assert items["PM-C", "AI-1"].escalation == "director"  # 5 days > 4
    assert not items["PM-A", "AI-2"].stale  # 51 days < 60


def test_due_defaults_from_the_sla_policy(site_root: Path):
    write(site_root / "pmsite.yaml", """
        sla:
          P2: 10
          by_severity:
            SEV3: {P2: 5}
    """)
    no_due = [item("AI-1", "P1", "systemic", "open"), item("AI-2", "P2", "systemic", "open")]
    sev1 = postmortem("PM-1", "SEV1", "2024-01-10", ("10:00", "10:10", "10:40", "12:00"), items=no_due,
                      extra="published: 2024-01-20")
    sev2 = postmortem("PM-2", "SEV2", "2024-01-10", ("10:00", "10:10", "10:40", "12:00"), items=no_due)
    sev3 = postmortem("PM-3", "SEV3", "2024-01-10", ("10:00", "10:10", "10:40", "12:00"), items=no_due)
    postmortems, config = loaded(site_root, sev1, sev2, sev3)
    items = by_id(aggregate(postmortems, History(), config, AS_OF).action_items)
    # SEV1 defaults P1 7 / P2 21 days from publication (2024-01-20)
    assert items["PM-1", "AI-1"].due == dt.date(2024, 1, 27)
    assert items["PM-1", "AI-2"].due == dt.date(2024, 2, 10)
    # SEV2 unpublished: from the incident day; P1 default 14, P2 configured 10
    assert items["PM-2", "AI-1"].due == dt.date(2024, 1, 24)
    assert items["PM-2", "AI-2"].due == dt.date(2024, 1, 20)
    assert items["PM-3", "AI-2"].due == dt.date(2024, 1, 15)
    assert {i.due_source for i in items.values()} == {"sla"}


def test_a_bad_sla_value_names_the_key(site_root: Path):
    write(site_root / "pmsite.yaml", "sla:\n  P1: two weeks\n")
    postmortems, config = loaded(site_root, PM_A)
    with pytest.raises(ConfigError) as error:
        aggregate(postmortems, History(), config, AS_OF)
    assert error.value.message == ("pmsite.yaml: sla.P1 must be a whole number of days of 0 or more, "
                                   "got 'two weeks'; fix it or remove it to use the default")


def test_window_and_breakdown(site_root: Path):
    postmortems, config = loaded(site_root, PM_A, PM_B, PM_C)
    result = aggregate(postmortems, History(), config, AS_OF, since=dt.date(2024, 2, 1), by="team")
    assert result.metrics.incidents == 2
    assert sorted(result.groups) == ["platform", "search"]
    assert result.groups["search"].incidents == 2 and result.groups["platform"].incidents == 1
    # recurrence is judged against the whole corpus: B and C both repeat A
    assert result.metrics.recurrence_rate == 1.0
    document = result.metrics_dict()
    assert [p["id"] for p in document["postmortems"]] == ["PM-B", "PM-C"]
    assert set(document["groups"]) == {"platform", "search"}


def test_patterns_need_three_incidents(site_root: Path):
    texts = [postmortem(f"PM-{n}", "SEV3", f"2024-0{n}-01", ("10:00", "10:10", "10:40", "12:00"),
                        extra=f"tags: [{tag}]", items=[item("AI-1", "P2", "systemic", "done", category="testing")])
             for n, tag in ((1, "config-change"), (2, "feature-flag"), (3, "bad-config"), (4, "dns"), (5, "dns"))]
    postmortems, config = loaded(site_root, *texts)
    patterns = aggregate(postmortems, History(), config, AS_OF).patterns
    assert [(p.name, p.incident_ids) for p in patterns] == [("configuration", ["PM-1", "PM-2", "PM-3"])]

    write(site_root / "pmsite.yaml", """
        patterns:
          min_count: 2
          table:
            configuration: null
            testing: {match: [testing], recommendation: Test more.}
    """)
    config = load_config(site_root)
    patterns = aggregate(postmortems, History(), config, AS_OF).patterns
    assert [(p.name, p.count) for p in patterns] == [("testing", 5), ("dependency", 2)]


def test_digests_by_month(site_root: Path):
    postmortems, config = loaded(site_root, PM_A, PM_B, PM_C)
    digests = aggregate(postmortems, History(), config, AS_OF).digests
    assert [d.month for d in digests] == ["2024-01", "2024-02"]
    january, february = digests
    assert [i.id for i in february.incidents] == ["PM-B", "PM-C"]  # worst severity first
    # systemic fixes completed: A/AI-1 on 2024-01-25, B/AI-1 on 2024-02-15
    assert [(a.postmortem_id, a.id) for a in january.systemic_fixes_completed] == [("PM-A", "AI-1")]
    assert [(a.postmortem_id, a.id) for a in february.systemic_fixes_completed] == [("PM-B", "AI-1")]


def test_git_history_fills_completed_and_published(tmp_path: Path):
    git = GitRepo(tmp_path)
    path = "content/postmortems/a.md"
    open_item = postmortem("PM-G", "SEV2", "2024-01-10", ("10:00", "10:10", "10:40", "12:00"),
                           items=[item("AI-1", "P1", "systemic", "open", "2024-02-01"),
                                  item("AI-2", "P2", "systemic", "open", "2024-02-01")])
    git.write(path, open_item)
    git.commit("publish", "2024-01-15 09:00")
    git.write(path, open_item.replace("status: open", "status: done", 1))
    git.commit("AI-1 done", "2024-02-03 17:00")
    config = load_config(tmp_path)
    postmortems = load([], config).postmortems
    result = aggregate(postmortems, mine(config), config, AS_OF)
    items = by_id(result.action_items)
    assert (items["PM-G", "AI-1"].completed, items["PM-G", "AI-1"].completed_source) == (dt.date(2024, 2, 3), "history")
    assert items["PM-G", "AI-1"].on_time is False  # two days after the due date
    assert items["PM-G", "AI-1"].days_to_close == 24  # from the incident day 2024-01-10
    assert items["PM-G", "AI-2"].last_change == dt.date(2024, 1, 15)
    incident = result.incidents[0]
    assert (incident.published, incident.published_source) == (dt.date(2024, 1, 15), "history")
    assert incident.time_to_publish_days == 5
    assert incident.contributors == ["Priya Raman"]


def test_front_matter_published_wins_over_an_import_commit(tmp_path: Path):
    git = GitRepo(tmp_path)
    old = postmortem("PM-OLD", "SEV3", "2019-05-02", ("10:00", "10:10", "10:40", "12:00"),
                     extra="published: 2019-05-09", items=[item("AI-1", "P2", "systemic", "done", "2019-06-01")])
    git.write("content/postmortems/old.md", old)
    git.commit("import five years of postmortems", "2024-01-15 09:00")
    config = load_config(tmp_path)
    result = aggregate(load([], config).postmortems, mine(config), config, AS_OF)
    incident = result.incidents[0]
    assert (incident.published, incident.published_source, incident.time_to_publish_days) == (
        dt.date(2019, 5, 9), "front-matter", 7)
    # imported already done: the import commit is not its completion day
    assert result.action_items[0].completed is None


def test_many_postmortems_published_by_one_commit_are_flagged_as_a_bulk_import(tmp_path: Path):
    git = GitRepo(tmp_path)
    for number in range(5):
        text = postmortem(f"PM-IMP{number}", "SEV3", f"2020-0{number + 1}-02", ("10:00", "10:10", "10:40", "12:00"),
                          items=[item("AI-1", "P2", "systemic", "done", "2020-12-01")])
        if number == 4:  # one of them already says when it was published: no warning for it
            text = text.replace("date: 2020-05-02\n", "date: 2020-05-02\npublished: 2020-05-09\n")
        git.write(f"content/postmortems/{number}.md", text)
    git.commit("import the old postmortems", "2024-01-15 09:00")
    config = load_config(tmp_path)
    result = aggregate(load([], config).postmortems, mine(config), config, AS_OF)
    assert result.warnings == []  # four from history are below the import threshold
    for number in range(6, 11):
        git.write(f"content/postmortems/{number}.md", postmortem(
            f"PM-IMP{number}", "SEV3", "2021-01-02", ("10:00", "10:10", "10:40", "12:00"),
            items=[item("AI-1", "P2", "systemic", "open", "2021-12-01")]))
    git.commit("import the rest", "2024-02-01 09:00")
    result = aggregate(load([], config).postmortems, mine(config), config, AS_OF)
    flagged = sorted(w.path for w in result.warnings)
    assert flagged == [f"content/postmortems/{n}.md" for n in (10, 6, 7, 8, 9)]
    assert {w.rule for w in result.warnings} == {"history/bulk-import"}
    assert result.warnings[0].line == 7  # the date: line, where published: belongs
    assert "4 other postmortems (2024-02-01)" in result.warnings[0].message
