"""History mining on real repositories built with pygit2 (fixed author and committer dates)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from pmsite.config import load_config
from pmsite.history import _FRONT_MATTER, StatusChange, _parse, _scan, mine, start_mining
from tests.git_fixture import GitRepo, when

PM = "content/postmortems/2024-03-07-cache.md"


def postmortem(pm_id: str | None = "PM-1", status: str = "published", items: dict[str, str] | None = None,
               extra: str = "") -> str:
    """A small postmortem whose action items have the given statuses."""
    lines = ["---"]
    if pm_id:
        lines.append(f"id: {pm_id}")
    lines += [f"status: {status}", "title: Cache flush", *([extra] if extra else [])]
    if items:
        lines.append("action_items:")
        for item_id, item_status in items.items():
            lines += [f"  - id: {item_id}", f"    title: Fix {item_id}", f"    status: {item_status}"]
    lines += ["---", "", "## Summary", "", "Text.", ""]
    return "\n".join(lines)


@pytest.fixture
def git(tmp_path: Path) -> GitRepo:
    return GitRepo(tmp_path)


def mined(git: GitRepo, **kwargs):
    return mine(load_config(git.root), **kwargs)


def test_publication_through_a_merge_commit(git: GitRepo):
    git.write("README.md", "repo\n")
    git.commit("init", "2024-03-01 09:00")
    git.write(PM, postmortem())
    git.branch_commit("pm", "Draft cache postmortem", "2024-03-08 10:00", author="Tom", email="tom@example.com")
    git.write(PM, postmortem(extra="summary: more"))
    git.branch_commit("pm", "Review\n\nCo-authored-by: Kofi Mensah <kofi@example.com>\n", "2024-03-09 11:00",
                      author="Tom", email="tom@example.com")
    feature = git.repo.references["refs/heads/pm"].target
    git.commit("Merge pm", "2024-03-12 16:00", author="Priya", email="priya@example.com",
               parents=[git.repo.head.target, feature])

    found = mined(git).postmortems["PM-1"]
    assert found.published_at == when("2024-03-12 16:00")  # when it reached the default branch
    assert found.first_draft_at == when("2024-03-08 10:00")  # the side branch's first commit
    assert found.last_updated == when("2024-03-12 16:00")
    assert found.revisions == 2  # the two authored commits, not the merge
    assert found.contributors == ["Kofi Mensah", "Tom"]


def test_item_closed_in_a_later_commit_is_dated_by_that_commit(git: GitRepo):
    git.write(PM, postmortem(items={"AI-1": "open", "AI-2": "open"}))
    git.commit("publish", "2024-03-10 12:00")
    git.write("src/app.py", "print()\n")
    git.commit("unrelated", "2024-03-20 12:00")
    git.write(PM, postmortem(items={"AI-1": "in_progress", "AI-2": "open"}))
    git.commit("start AI-1", "2024-03-25 12:00")
    git.write(PM, postmortem(items={"AI-1": "done", "AI-2": "open"}))
    git.commit("AI-1 done", "2024-04-02 08:30")

    found = mined(git).postmortems["PM-1"]
    assert found.item_changes("AI-1") == [
        StatusChange("AI-1", when("2024-03-10 12:00"), found.item_changes("AI-1")[0].commit, None, "open"),
        StatusChange("AI-1", when("2024-03-25 12:00"), found.item_changes("AI-1")[1].commit, "open", "in_progress"),
        StatusChange("AI-1", when("2024-04-02 08:30"), found.item_changes("AI-1")[2].commit, "in_progress", "done"),
    ]
    assert found.reached_at("AI-1", "done") == when("2024-04-02 08:30")
    assert found.reached_at("AI-2", "done") is None
    assert found.last_change_at("AI-2") == when("2024-03-10 12:00")
    assert found.revisions == 3


def test_a_renamed_postmortem_keeps_its_history(git: GitRepo):
    git.write(PM, postmortem(items={"AI-1": "open"}))
    git.commit("publish", "2024-03-10 12:00")
    git.move(PM, "content/postmortems/2024/cache-flush.md")
    git.commit("move into a year folder", "2024-06-01 12:00")
    git.write("content/postmortems/2024/cache-flush.md", postmortem(items={"AI-1": "done"}))
    git.commit("done", "2024-06-05 12:00")

    result = mined(git)
    assert list(result.postmortems) == ["PM-1"]
    found = result.postmortems["PM-1"]
    assert found.paths == [PM, "content/postmortems/2024/cache-flush.md"]
    assert found.published_at == when("2024-03-10 12:00")
    assert found.reached_at("AI-1", "done") == when("2024-06-05 12:00")
    assert found.revisions == 3


def test_a_postmortem_without_id_is_keyed_by_its_newest_path(git: GitRepo):
    git.write(PM, postmortem(pm_id=None))
    git.commit("publish", "2024-03-10 12:00")
    git.move(PM, "content/postmortems/cache.md")
    git.commit("rename", "2024-04-10 12:00")

    result = mined(git)
    assert list(result.postmortems) == ["content/postmortems/cache.md"]
    assert result.postmortems["content/postmortems/cache.md"].published_at == when("2024-03-10 12:00")


def test_a_file_moved_into_the_folder_is_not_dated_to_the_move(git: GitRepo):
    git.write("drafts/cache.md", postmortem(status="draft"))
    git.commit("draft outside the folder", "2024-03-08 09:00", author="Aiko", email="aiko@example.com")
    git.write("drafts/cache.md", postmortem(status="published"))
    git.commit("ready", "2024-03-11 09:00", author="Aiko", email="aiko@example.com")
    git.move("drafts/cache.md", PM)
    git.commit("move to the site", "2024-05-01 09:00")

    found = mined(git).postmortems["PM-1"]
    assert found.first_draft_at == when("2024-03-08 09:00")
    assert found.published_at == when("2024-03-11 09:00")
    assert found.paths == ["drafts/cache.md", PM]
    assert found.contributors == ["Aiko", "Priya Raman"]


def test_published_is_the_first_commit_with_a_published_status(git: GitRepo):
    git.write(PM, postmortem(status="draft"))
    git.commit("draft", "2024-03-08 09:00")
    git.write(PM, postmortem(status="in-review"))
    git.commit("review", "2024-03-09 09:00")
    git.write(PM, postmortem(status="published"))
    git.commit("publish", "2024-03-14 09:00")

    found = mined(git).postmortems["PM-1"]
    assert found.created_at == when("2024-03-08 09:00")
    assert found.published_at == when("2024-03-14 09:00")


def test_a_folder_that_is_not_a_repository_gives_a_warning(tmp_path: Path):
    (tmp_path / "content" / "postmortems").mkdir(parents=True)
    result = mine(load_config(tmp_path))
    assert result.postmortems == {}
    assert [w.rule for w in result.warnings] == ["history/no-repository"]
    assert result.warnings[0].path == "content/postmortems"


def test_a_shallow_clone_warns_and_leaves_older_files_undated(git: GitRepo, tmp_path_factory):
    git.write(PM, postmortem())
    git.commit("publish", "2024-03-10 12:00")
    git.write("content/postmortems/2024-05-01-queue.md", postmortem(pm_id="PM-2"))
    git.commit("second", "2024-05-02 12:00")
    clone = tmp_path_factory.mktemp("clone") / "repo"
    subprocess.run(["git", "clone", "-q", "--depth", "1", f"file://{git.root}", str(clone)], check=True)

    result = mine(load_config(clone))
    assert result.warnings[0].rule == "history/shallow-clone"
    assert "fetch-depth: 0" in result.warnings[0].suggestion
    assert result.postmortems["PM-1"].published_at is None  # older than the clone: unknown, not misdated
    assert result.postmortems["PM-2"].published_at is None


def test_invalid_front_matter_in_a_past_commit_is_skipped_with_a_warning(git: GitRepo):
    git.write(PM, postmortem(items={"AI-1": "open"}))
    git.commit("publish", "2024-03-10 12:00")
    git.write(PM, postmortem(items={"AI-1": "open"}).replace("title: Cache flush", "title: [unclosed"))
    broken = git.commit("oops", "2024-03-11 12:00")
    git.write(PM, postmortem(items={"AI-1": "done"}))
    git.commit("fix", "2024-03-12 12:00")

    result = mined(git)
    found = result.postmortems["PM-1"]
    assert found.reached_at("AI-1", "done") == when("2024-03-12 12:00")
    assert found.revisions == 3
    [warning] = result.warnings
    assert warning.rule == "history/invalid-revision"
    assert warning.path == PM
    assert f"in commit {str(broken)[:7]} (2024-03-11) the front-matter did not parse" in warning.message
    assert warning.line > 1


def test_unknown_status_in_an_old_revision_keeps_the_previous_one(git: GitRepo):
    git.write(PM, postmortem(items={"AI-1": "open"}))
    git.commit("publish", "2024-03-10 12:00")
    git.write(PM, postmortem(items={"AI-1": "closed"}))
    git.commit("old tracker word", "2024-03-15 12:00")
    git.write(PM, postmortem(items={"AI-1": "done"}))
    git.commit("schema status", "2024-03-20 12:00")

    result = mined(git)
    changes = result.postmortems["PM-1"].item_changes("AI-1")
    assert [(c.old, c.new) for c in changes] == [(None, "open"), ("open", "done")]
    assert changes[-1].at == when("2024-03-20 12:00")
    assert [w.rule for w in result.warnings] == ["history/unknown-status"]
    assert "'closed'" in result.warnings[0].message


def test_action_items_removed_and_readded(git: GitRepo):
    git.write(PM, postmortem(items={"AI-1": "open", "AI-2": "open"}))
    git.commit("publish", "2024-03-10 12:00")
    git.write(PM, postmortem(items={"AI-2": "open"}))
    git.commit("drop AI-1", "2024-03-12 12:00")
    git.write(PM, postmortem(items={"AI-1": "done", "AI-2": "open"}))
    git.commit("restore AI-1 as done", "2024-03-20 12:00")

    found = mined(git).postmortems["PM-1"]
    assert [(c.old, c.new, c.at) for c in found.item_changes("AI-1")] == [
        (None, "open", when("2024-03-10 12:00")),
        ("open", None, when("2024-03-12 12:00")),
        (None, "done", when("2024-03-20 12:00")),
    ]
    # re-added already done: no commit shows it being finished, so the day is unknown
    assert found.reached_at("AI-1", "done") is None


def test_a_deleted_postmortem_is_kept_with_its_deletion_date(git: GitRepo):
    git.write(PM, postmortem(items={"AI-1": "open"}))
    git.write("content/postmortems/other.md", postmortem(pm_id="PM-2"))
    git.commit("publish", "2024-03-10 12:00")
    git.remove(PM)
    git.commit("withdrawn", "2024-04-01 12:00")

    result = mined(git)
    gone = result.postmortems["PM-1"]
    assert gone.deleted_at == when("2024-04-01 12:00")
    assert (gone.item_changes("AI-1")[-1].old, gone.item_changes("AI-1")[-1].new) == ("open", None)
    assert result.postmortems["PM-2"].deleted_at is None


def test_a_deleted_and_readded_postmortem_is_one_history(git: GitRepo):
    git.write(PM, postmortem())
    git.commit("publish", "2024-03-10 12:00")
    git.remove(PM)
    git.commit("withdrawn", "2024-04-01 12:00")
    git.write("content/postmortems/back.md", postmortem(extra="summary: rewritten from scratch"))
    git.commit("back", "2024-05-01 12:00")

    found = mined(git).postmortems["PM-1"]
    assert found.published_at == when("2024-03-10 12:00")
    assert found.deleted_at is None
    assert found.path == "content/postmortems/back.md"
    assert found.revisions == 2


def test_the_cache_resumes_from_the_last_run(git: GitRepo):
    git.write(PM, postmortem(items={"AI-1": "open"}))
    git.commit("publish", "2024-03-10 12:00")
    for day in range(11, 16):
        git.write("src/app.py", f"print({day})\n")
        git.commit("unrelated", f"2024-03-{day} 12:00")
    first = mined(git)
    assert first.commits_read == 6
    assert list(load_config(git.root).cache_dir("history").glob("*.json")) != []
    assert mined(git).commits_read == 0

    git.write(PM, postmortem(items={"AI-1": "done"}))
    git.commit("done", "2024-03-20 12:00")
    resumed = mined(git)
    assert resumed.commits_read == 1
    assert resumed.postmortems == mined(git, use_cache=False).postmortems
    assert resumed.postmortems["PM-1"].reached_at("AI-1", "done") == when("2024-03-20 12:00")


def test_mining_in_another_process_gives_the_same_history(git: GitRepo):
    git.write(PM, postmortem(items={"AI-1": "open"}))
    git.commit("publish", "2024-03-10 12:00")
    git.write(PM, postmortem(items={"AI-1": "done"}))
    git.commit("done", "2024-03-12 12:00", author="Tom", email="tom@example.com")
    config = load_config(git.root)

    cold = start_mining(config).result()  # no cache for HEAD: walked in a forked process
    assert cold.commits_read == 2
    assert cold.postmortems == mine(config, use_cache=False).postmortems
    assert cold.postmortems["PM-1"].contributors == ["Priya Raman", "Tom"]
    warm = start_mining(config).result()  # the child's cache is there for the parent
    assert warm.commits_read == 0
    assert warm.postmortems == cold.postmortems


def test_mining_outside_a_repository_still_warns(tmp_path: Path):
    found = start_mining(load_config(tmp_path)).result()
    assert [w.rule for w in found.warnings] == ["history/no-repository"]


def test_a_stale_or_foreign_cache_file_is_ignored(git: GitRepo):
    git.write(PM, postmortem())
    head = git.commit("publish", "2024-03-10 12:00")
    cache = load_config(git.root).cache_dir("history")
    cache.mkdir(parents=True)
    (cache / f"{head}.json").write_text("{not json", encoding="utf-8")
    result = mined(git)
    assert result.commits_read == 1
    assert result.postmortems["PM-1"].published_at == when("2024-03-10 12:00")


# -- the fast front-matter reader must agree with YAML or step aside ------------------------

ITEMS = "action_items:\n  - id: AI-1\n    status: open\n  - id: AI-2\n    title: 'It''s: quoted'\n    status: done\n"
AGREES = [
    "id: PM-1\nstatus: published\n" + ITEMS,
    "id: PM-1\nsummary: >-\n  Folded text: with colons\n  - and dashes\n" + ITEMS,
    'id: "PM-1"  # quoted\nstatus: draft\nlessons:\n  - "One: two"\n  - >-\n    folded lesson\n' + ITEMS,
    "id: PM-1\naction_items:\n- id: AI-1\n  status: blocked\ntags: [a, 'b', \"c\"]\n",
    "id: PM-1\naction_items: []\n",
    "status: published\naction_items:\n  - id: AI-1\n    status: closed\n",  # unknown status
]
DECLINES = [
    "id: PM-1\ntitle: [unclosed\n" + ITEMS,  # YAML must report the error
    "id: 17\n" + ITEMS,  # typed id: YAML says it is not text
    "id: PM-1\naction_items: [{id: AI-1, status: open}]\n",
    "id: PM-1\nsummary: plain text that\n  goes on\n" + ITEMS,
    "id: &anchor PM-1\n" + ITEMS,
    "id: PM-1\naction_items:\n  - id: AI-1\n    status: yes\n",
    "id: PM-1\naction_items:\n  - title: no id\n    status: open\n",
]


@pytest.mark.parametrize("front_matter", AGREES)
def test_fast_reading_agrees_with_yaml(front_matter: str):
    fast = _scan(front_matter)
    assert fast is not None
    assert fast == _parse(front_matter)


@pytest.mark.parametrize("front_matter", DECLINES)
def test_fast_reading_leaves_unusual_front_matter_to_yaml(front_matter: str):
    assert _scan(front_matter) is None


def test_fast_reading_handles_every_sample_postmortem():
    samples = sorted(Path(__file__).parent.parent.glob("content/postmortems/*.md"))
    assert samples
    for sample in samples:
        front_matter = _FRONT_MATTER.match(sample.read_text(encoding="utf-8")).group(1)
        assert _scan(front_matter) == _parse(front_matter), sample.name


def test_a_past_revision_nested_too_deep_is_skipped_with_a_warning_and_every_command_works(tmp_path):
    """Once such a revision was in history, build, actions and metrics failed for ever (RecursionError)."""
    from click.testing import CliRunner

    from pmsite.cli import cli
    from tests.render.site_fixture import POSTMORTEMS, make_site

    repo = make_site(tmp_path)
    name, good = next(iter(POSTMORTEMS.items()))
    repo.write(f"content/postmortems/{name}", good.replace("tags: [", "tags: " + "[" * 500 + "]" * 500 + "\nx: ["))
    repo.commit("a broken edit", "2024-07-03 09:00")
    repo.write(f"content/postmortems/{name}", good)
    repo.commit("fixed", "2024-07-04 09:00")

    history = mine(load_config(tmp_path))
    [warning] = [w for w in history.warnings if w.rule == "history/invalid-revision"]
    assert warning.path == f"content/postmortems/{name}" and "nests deeper than" in warning.message
    runner = CliRunner()
    for command in (["build", "--as-of", "2024-07-15"], ["actions"], ["metrics"]):
        result = runner.invoke(cli, ["-C", str(tmp_path), *command])
        assert result.exit_code == 0, (command, result.output)
        assert "unexpected problem" not in result.output
