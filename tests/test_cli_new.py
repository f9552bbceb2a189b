"""``pmsite new`` and ``pmsite init``: start well, never overwrite."""

from __future__ import annotations

import datetime as dt
import shutil

import yaml

from pmsite.cli import cli
from pmsite.sections import sections_for


def new(runner, root, *args):
    return runner.invoke(cli, ["-C", str(root), "new", *args])


def front_matter(path):
    return yaml.safe_load(path.read_text(encoding="utf-8").split("---\n")[1])


def test_new_writes_a_dated_slugged_draft_that_validates(runner, site_root):
    result = new(runner, site_root, "Cache flush: outage!", "--severity", "sev1", "--type", "security",
                 "--date", "2025-02-03")
    assert result.exit_code == 0, result.output
    path = site_root / "content" / "postmortems" / "2025-02-03-cache-flush-outage.md"
    meta = front_matter(path)
    assert (meta["id"], meta["title"], meta["status"], meta["severity"], meta["type"]) == (
        "PM-2025-001", "Cache flush: outage!", "draft", "SEV1", "security")
    text = path.read_text(encoding="utf-8")
    for section in sections_for("SEV1", "security"):
        assert f"\n## {section.title}\n" in text
    assert runner.invoke(cli, ["-C", str(site_root), "validate"]).exit_code == 0


def test_depth_grows_with_severity(runner, site_root):
    new(runner, site_root, "Small thing", "--severity", "SEV4", "--type", "availability", "--date", "2025-01-01")
    new(runner, site_root, "Big thing", "--severity", "SEV2", "--type", "data-loss", "--date", "2025-01-01")
    small = (site_root / "content" / "postmortems" / "2025-01-01-small-thing.md").read_text(encoding="utf-8")
    big = (site_root / "content" / "postmortems" / "2025-01-01-big-thing.md").read_text(encoding="utf-8")
    assert "## Decision points" not in small and "## Detection gap" not in small
    assert "## Decision points" in big and "## Data recovery and verification" in big
    assert "make sense at the time" in big  # the second-story question, not "who"


def test_ids_continue_from_the_highest_in_the_year(runner, site_root):
    for title in ("One", "Two", "Three"):
        new(runner, site_root, title, "--severity", "SEV3", "--type", "other", "--date", "2025-05-05")
    (site_root / "content" / "postmortems" / "2025-05-05-two.md").unlink()
    new(runner, site_root, "Four", "--severity", "SEV3", "--type", "other", "--date", "2025-06-06")
    new(runner, site_root, "Next year", "--severity", "SEV3", "--type", "other", "--date", "2026-01-01")
    folder = site_root / "content" / "postmortems"
    assert front_matter(folder / "2025-06-06-four.md")["id"] == "PM-2025-004"
    assert front_matter(folder / "2026-01-01-next-year.md")["id"] == "PM-2026-001"


def test_new_refuses_to_overwrite(runner, site_root):
    args = ("Same title", "--severity", "SEV3", "--type", "other", "--date", "2025-05-05")
    assert new(runner, site_root, *args).exit_code == 0
    path = site_root / "content" / "postmortems" / "2025-05-05-same-title.md"
    path.write_text("my edits\n", encoding="utf-8")
    again = new(runner, site_root, *args)
    assert again.exit_code == 2 and "already exists" in again.output
    assert path.read_text(encoding="utf-8") == "my edits\n"


def test_new_rejects_titles_without_letters_and_bad_choices(runner, site_root):
    assert "no letters or digits" in new(runner, site_root, "!!!", "--severity", "SEV3", "--type", "other").output
    bad = new(runner, site_root, "x", "--severity", "SEV9", "--type", "other")
    assert bad.exit_code == 2 and "SEV9" in bad.output


def test_init_then_new_then_validate_is_clean(runner, tmp_path):
    assert runner.invoke(cli, ["-C", str(tmp_path), "init", "x"]).exit_code == 0
    repo = tmp_path / "x"
    for expected in ("pmsite.yaml", ".gitignore", ".github/workflows", ".pre-commit-config.yaml"):
        assert (repo / expected).exists(), expected
    assert len(list((repo / "content" / "postmortems").glob("*.md"))) == 1
    assert new(runner, repo, "Cache flush outage", "--severity", "SEV1", "--type", "availability").exit_code == 0
    result = runner.invoke(cli, ["-C", str(repo), "validate"])
    assert (result.exit_code, result.output) == (0, "no problems found\n")


def test_init_refuses_to_overwrite_and_writes_nothing(runner, tmp_path):
    (tmp_path / "pmsite.yaml").write_text("title: mine\n", encoding="utf-8")
    result = runner.invoke(cli, ["-C", str(tmp_path), "init"])
    assert result.exit_code == 2 and "pmsite.yaml" in result.output
    assert (tmp_path / "pmsite.yaml").read_text(encoding="utf-8") == "title: mine\n"
    assert not (tmp_path / "content").exists()


def test_a_new_repository_starts_clean(runner, tmp_path):
    """The issue's done-when: `pmsite init x && cd x && pmsite build && pmsite metrics` shows no overdue
    item and no warning; init says it created the git repository and ends with the next steps."""
    init = runner.invoke(cli, ["-C", str(tmp_path), "init", "x"])
    assert init.exit_code == 0, init.output
    repo = tmp_path / "x"
    assert (repo / ".git").is_dir()
    assert "initialised a git repository here" in init.stdout
    assert "next steps:\n  1. cd x\n" in init.stdout
    example = next((repo / "content" / "postmortems").glob("*.md"))
    today = dt.datetime.now(dt.timezone.utc).date().isoformat()
    assert example.name.startswith(today)
    assert "status: draft\n" in example.read_text(encoding="utf-8")

    built = runner.invoke(cli, ["-C", str(repo), "build"])
    assert built.exit_code == 0, built.output
    assert "warning" not in built.output.lower().replace("0 warnings", "")
    assert "1 draft or in-review postmortem not counted" in built.stdout
    metrics = runner.invoke(cli, ["-C", str(repo), "metrics"])
    actions = runner.invoke(cli, ["-C", str(repo), "actions", "--drafts"])
    assert metrics.exit_code == actions.exit_code == 0
    assert "overdue 0;" in metrics.stdout and "incidents             0 (none)" in metrics.stdout
    assert "warning" not in metrics.stderr + actions.stderr
    assert actions.stdout.splitlines()[-1] == f"2 action items, 0 overdue as of {today}"


def test_init_inside_a_repository_does_not_nest_one(runner, tmp_path):
    assert runner.invoke(cli, ["-C", str(tmp_path), "init", "outer"]).exit_code == 0
    inner = runner.invoke(cli, ["-C", str(tmp_path / "outer"), "init", "docs"])
    assert inner.exit_code == 0, inner.output
    assert not (tmp_path / "outer" / "docs" / ".git").exists()
    assert "git repository" not in inner.stdout


def test_a_build_prints_every_warning_it_counts(runner, tmp_path):
    assert runner.invoke(cli, ["-C", str(tmp_path), "init", "x"]).exit_code == 0
    shutil.rmtree(tmp_path / "x" / ".git")
    built = runner.invoke(cli, ["-C", str(tmp_path / "x"), "build"])
    assert built.exit_code == 0, built.output
    assert "Findings: 0 errors, 1 warnings, 0 info (listed above)" in built.stdout
    assert "warning history/no-repository this folder is not in a git repository" in built.stdout


def test_new_drill_writes_a_practice_postmortem_left_out_of_the_metrics(runner, site_root):
    """The schema allows ``type: drill``; ``new --type drill`` writes what ``pmsite drill postmortem`` writes."""
    import json

    new(runner, site_root, "Checkout outage", "--severity", "SEV3", "--type", "availability", "--date", "2025-03-01")
    before = runner.invoke(cli, ["-C", str(site_root), "metrics", "--format", "json", "--drafts"])
    assert before.exit_code == 0, before.output
    result = new(runner, site_root, "Game day: region failover", "--severity", "SEV2", "--type", "drill",
                 "--date", "2025-03-05")
    assert result.exit_code == 0, result.output
    path = site_root / "content" / "postmortems" / "2025-03-05-game-day-region-failover.md"
    assert (front_matter(path)["type"], front_matter(path)["status"]) == ("drill", "draft")
    assert "type: drill, left out of the incident metrics" in result.output
    assert "'pmsite drill postmortem'" in result.output  # where a drill run with pmsite gets its timeline
    assert "similar past postmortems" not in result.output and "fingerprint" not in result.output
    assert runner.invoke(cli, ["-C", str(site_root), "validate"]).exit_code == 0
    after = runner.invoke(cli, ["-C", str(site_root), "metrics", "--format", "json", "--drafts"])
    counted = json.loads(after.stdout)["postmortems"]
    assert counted == json.loads(before.stdout)["postmortems"] and len(counted) == 1
