"""Reports are reused only while every input is unchanged: files, commits, config, options."""

from __future__ import annotations

import json
from pathlib import Path

import pygit2
import pytest

from pmsite.cache import read_sealed, write_sealed
from pmsite.cli import cli
from pmsite.config import load_config
from tests.conftest import write
from tests.git_fixture import GitRepo
from tests.test_aggregate import PM_A, PM_B

OVERDUE = ("actions", "--overdue", "--format", "json", "--as-of", "2024-03-01")


def run(runner, root: Path, *args: str) -> str:
    result = runner.invoke(cli, ["-C", str(root), *args])
    assert result.exit_code == 0, result.output
    return result.stdout


@pytest.fixture
def two(site_root: Path) -> Path:
    write(site_root / "content" / "postmortems" / "a.md", PM_A, dedent=False)
    write(site_root / "content" / "postmortems" / "b.md", PM_B, dedent=False)
    return site_root


def overdue_days(output: str) -> dict[str, int]:
    return {f"{i['postmortem_id']}/{i['id']}": i["days_overdue"] for i in json.loads(output)["action_items"]}


def test_the_same_question_is_answered_from_the_stored_report(runner, two: Path):
    first = run(runner, two, *OVERDUE)
    stored = list(load_config(two).cache_dir("reports").glob("*.json"))
    assert len(stored) == 1
    data = json.loads(read_sealed(stored[0]))
    assert data["output"] == first
    write_sealed(stored[0], json.dumps({**data, "output": "from the cache\n"}).encode("utf-8"))

    assert run(runner, two, *OVERDUE) == "from the cache\n"
    assert run(runner, two, *OVERDUE[:-1], "2024-03-02") != "from the cache\n"  # another day, another report


def test_an_edit_that_keeps_the_size_is_seen_at_once(runner, two: Path):
    before = overdue_days(run(runner, two, *OVERDUE))
    path = two / "content" / "postmortems" / "a.md"
    text = path.read_text(encoding="utf-8")
    assert "due: 2024-02-10" in text
    path.write_text(text.replace("due: 2024-02-10", "due: 2024-02-20"), encoding="utf-8")  # same size, same tick

    after = overdue_days(run(runner, two, *OVERDUE))
    assert after["PM-A/AI-2"] == before["PM-A/AI-2"] - 10


def test_a_config_change_is_seen(runner, two: Path):
    def escalation() -> str:
        return json.loads(run(runner, two, *OVERDUE))["action_items"][0]["escalation"]

    assert escalation() == "director"  # 20 days overdue
    (two / "pmsite.yaml").write_text("title: Test\nescalation:\n  reminder: 30\n", encoding="utf-8")
    assert escalation() == "reminder"


def test_a_rewritten_history_is_seen_though_no_file_changed(runner, tmp_path: Path):
    git = GitRepo(tmp_path)
    git.write("content/postmortems/b.md", PM_B.replace("published: 2024-02-25\n", ""))
    git.commit("publish", "2024-02-26 10:00")

    def published() -> str:
        return json.loads(run(runner, tmp_path, "metrics", "--format", "json"))["postmortems"][0]["published_at"]

    assert published().startswith("2024-02-26")
    tree = git.repo.head.peel(pygit2.Commit).tree.id
    signature = pygit2.Signature("CI", "ci@example.com", 1709546400, 0)  # 2024-03-04 10:00 UTC
    rewritten = git.repo.create_commit(None, signature, signature, "publish, rewritten", tree, [])
    git.repo.references["refs/heads/main"].set_target(rewritten)
    assert published().startswith("2024-03-04")


def test_reports_work_when_the_cache_cannot_be_written(runner, two: Path):
    load_config(two).cache_dir("reports").parent.parent.mkdir(parents=True, exist_ok=True)
    load_config(two).cache_dir("reports").parent.write_text("not a folder\n", encoding="utf-8")
    assert overdue_days(run(runner, two, *OVERDUE)) == overdue_days(run(runner, two, *OVERDUE))
