"""The bundled sample corpus committed as a repository with realistic dates.

Each postmortem is committed a week after it was resolved, with unrelated
commits in between. The bundled sample entered pmsite's own repository in one
import commit, so it carries ``published`` dates; this repository simulates
the postmortems being written in it instead, and keeps ``published`` only on
the two that were imported from an older system (PM-2024-003, PM-2024-011). Five done
items without ``completed`` are committed open and closed in a later commit,
one postmortem is renamed after publication and one arrives through a merge.
The expected figures below were worked out by hand from the sample files, drafts included (--drafts).
"""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
from pathlib import Path

import pytest

from pmsite.cli import cli
from tests.conftest import REPO_ROOT
from tests.git_fixture import GitRepo

SAMPLE = REPO_ROOT / "content" / "postmortems"
FOLDER = "content/postmortems"
AS_OF = "2026-11-10"

#: (file prefix, item id) -> day the commit marking it done lands (these items have no ``completed``).
CLOSED_LATER = {
    ("2024-01-18", "AI-2"): "2024-02-12",  # due 2024-02-15: on time
    ("2024-09-14", "AI-1"): "2024-11-04",  # due 2024-10-31: late
    ("2025-03-04", "AI-2"): "2025-04-28",  # due 2025-04-30: on time
    ("2026-01-13", "AI-4"): "2026-02-20",  # due 2026-02-28: on time
    ("2026-05-05", "AI-2"): "2026-05-15",  # due 2026-05-12: late
}
RENAMED = "2024-05-22"
IMPORTED_FROM_ELSEWHERE = ("2024-01-18", "2024-03-07")
MERGED = "2026-07-22"


def with_status(text: str, item_id: str, status: str) -> str:
    """Set one action item's status in the front-matter text."""
    pattern = re.compile(rf"(- id: {item_id}\n(?:    .*\n)*?    status: )\w+")
    changed, count = pattern.subn(rf"\g<1>{status}", text, count=1)
    assert count == 1, item_id
    return changed


def publication_day(text: str) -> str:
    published = re.search(r"^published: (\S+)", text, re.MULTILINE)
    if published:
        return published.group(1)
    resolved = dt.date.fromisoformat(re.search(r"^resolved_at: (\S{10})", text, re.MULTILINE).group(1))
    return (resolved + dt.timedelta(days=7)).isoformat()


@pytest.fixture(scope="module")
def sample_repo(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("sample")
    shutil.copy(REPO_ROOT / "pmsite.yaml", root / "pmsite.yaml")
    git = GitRepo(root)
    git.write("src/app.py", "print('v0')\n")
    git.commit("Initial commit", "2024-01-02 09:00")

    events = []  # (day, order, action)
    for path in sorted(SAMPLE.glob("*.md")):
        text = path.read_text(encoding="utf-8")
        if not path.name.startswith(IMPORTED_FROM_ELSEWHERE):
            text = re.sub(r"^published: .*\n", "", text, flags=re.MULTILINE)
        first = text
        for (prefix, item_id), day in CLOSED_LATER.items():
            if path.name.startswith(prefix):
                first = with_status(first, item_id, "open")
                events.append((day, 1, ("close", path.name, item_id)))
        events.append((publication_day(text), 0, ("publish", path.name, first)))
    events.sort(key=lambda e: (e[0], e[1]))

    for number, (day, _, (kind, name, payload)) in enumerate(events):
        git.write("src/app.py", f"print('v{number + 1}')\n")
        git.commit(f"Unrelated change {number}", f"{day} 08:00", author="Tom Okafor", email="tom@example.com")
        target = f"{FOLDER}/{name}"
        if kind == "close":
            git.write(target, with_status((root / target).read_text(encoding="utf-8"), payload, "done"))
            git.commit(f"{name}: {payload} done", f"{day} 15:00", author="Tom Okafor", email="tom@example.com")
        elif name.startswith(MERGED):
            git.write(target, payload)
            git.branch_commit("cdn-pm", "Draft CDN postmortem", "2026-07-24 11:00",
                              author="Dana Ortiz", email="dana@example.com")
            branch = git.repo.references["refs/heads/cdn-pm"].target
            git.commit("Merge cdn-pm", f"{day} 10:00",
                       parents=[git.repo.head.target, branch])
        elif name.startswith(RENAMED):
            git.write(f"{FOLDER}/login-outage.md", payload)
            git.commit("Publish login outage", f"{day} 10:00")
        else:
            git.write(target, payload)
            git.commit(f"Publish {name}", f"{day} 10:00")
    renamed = next(p.name for p in SAMPLE.glob(f"{RENAMED}*.md"))
    git.move(f"{FOLDER}/login-outage.md", f"{FOLDER}/{renamed}")
    git.commit("Rename to the dated file name", "2024-06-20 10:00")
    return root


def run(runner, root: Path, *args: str):
    result = runner.invoke(cli, ["-C", str(root), *args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result


def test_overdue_actions_of_the_sample(runner, sample_repo: Path):
    result = run(runner, sample_repo, "actions", "--drafts", "--overdue", "--format", "json", "--as-of", AS_OF)
    overdue = {(i["postmortem_id"], i["id"]): (i["days_overdue"], i["escalation"])
               for i in json.loads(result.stdout)["action_items"]}
    assert overdue == {  # days from the due date to 2026-11-10
        ("PM-2024-041", "AI-3"): (589, "director"),  # due 2025-03-31, blocked
        ("PM-2025-004", "AI-3"): (498, "director"),  # due 2025-06-30
        ("PM-2025-004", "AI-4"): (559, "director"),  # due 2025-04-30
        ("PM-2025-014", "AI-2"): (544, "director"),  # due 2025-05-15
        ("PM-2025-021", "AI-2"): (406, "director"),  # due 2025-09-30
        ("PM-2025-030", "AI-2"): (345, "director"),  # due 2025-11-30
        ("PM-2025-036", "AI-2"): (224, "director"),  # due 2026-03-31
        ("PM-2026-002", "AI-3"): (194, "director"),  # due 2026-04-30
        ("PM-2026-008", "AI-3"): (133, "director"),  # due 2026-06-30
        ("PM-2026-013", "AI-3"): (41, "director"),  # due 2026-09-30
        ("PM-2026-013", "AI-4"): (71, "director"),  # due 2026-08-31
        ("PM-2026-019", "AI-2"): (10, "manager"),  # due 2026-10-31
        ("PM-2026-024", "AI-1"): (10, "manager"),  # due 2026-10-31
    }
    text = run(runner, sample_repo, "actions", "--drafts", "--overdue", "--as-of", AS_OF).stdout
    assert text.splitlines()[-1] == "13 action items, 13 overdue as of 2026-11-10"


def test_items_closed_in_later_commits_are_dated_by_them(runner, sample_repo: Path):
    result = run(runner, sample_repo, "actions", "--drafts", "--status", "done", "--format", "json", "--as-of", AS_OF)
    items = {(i["postmortem_id"], i["id"]): i for i in json.loads(result.stdout)["action_items"]}
    dated = {key: (items[key]["completed"], items[key]["completed_source"], items[key]["on_time"])
             for key in items if items[key]["completed_source"] == "history"}
    assert dated == {
        ("PM-2024-003", "AI-2"): ("2024-02-12", "history", True),
        ("PM-2024-033", "AI-1"): ("2024-11-04", "history", False),
        ("PM-2025-009", "AI-2"): ("2025-04-28", "history", True),
        ("PM-2026-002", "AI-4"): ("2026-02-20", "history", True),
        ("PM-2026-013", "AI-2"): ("2026-05-15", "history", False),
    }


def test_metrics_of_the_sample(runner, sample_repo: Path):
    result = run(runner, sample_repo, "metrics", "--drafts", "--format", "json", "--as-of", AS_OF)
    document = json.loads(result.stdout)
    summary = document["summary"]
    assert summary["incidents"] == 18
    assert summary["by_severity"] == {"SEV1": 4, "SEV2": 6, "SEV3": 5, "SEV4": 3}
    action = summary["action_items"]
    assert action["by_status"] == {"blocked": 2, "done": 40, "in_progress": 5, "open": 12, "wont_do": 4}
    assert action["completion_rate"] == round(40 / 59, 3)
    # 8 done late by their front-matter dates, 2 more by history: 30 of 40 on time
    assert action["on_time_rate"] == 0.75
    assert action["overdue"] == 13
    # committed a week after resolution, except PM-2024-003 (11 days) and PM-2024-011 (8); the two
    # in-review/draft ones are not published: fourteen 7s, an 8 and an 11 -> p90 at rank 13.5 = 7.5
    assert summary["time_to_publish_days"] == {"count": 16, "median": 7.0, "p90": 7.5}
    assert summary["recurrence_rate"] == 0.5  # 9 of 18 repeat an earlier incident
    assert summary["human_reported_share"] == round(8 / 18, 3)  # 4 customer + 4 human_report
    # authors of commits that touched postmortems: Priya, Tom (closures), Dana (merged branch)
    assert summary["contributors"] == 3

    postmortems = {p["id"]: p for p in document["postmortems"]}
    login = postmortems["PM-2024-019"]  # renamed after publication
    assert (login["published_at"], login["published_source"], login["revisions"]) == ("2024-05-29", "history", 2)
    cdn = postmortems["PM-2026-019"]  # published through a merge commit
    assert cdn["published_at"] == "2026-07-29"
    assert cdn["first_draft_at"] == "2026-07-24T11:00:00+00:00"  # the side branch commit
    assert cdn["contributors"] == ["Dana Ortiz"]  # who merged did not write it
    assert postmortems["PM-2026-024"]["published_at"] is None  # still in review
    assert postmortems["PM-2026-029"]["published_at"] is None  # a draft
    assert postmortems["PM-2024-003"]["published_source"] == "front-matter"


def test_the_sample_history_has_no_warnings(runner, sample_repo: Path):
    result = run(runner, sample_repo, "metrics", "--drafts", "--as-of", AS_OF)
    assert result.stderr == ""
    assert "incidents             18 (SEV1 4, SEV2 6, SEV3 5, SEV4 3)" in result.stdout

