"""Contributors are people: bots and shared accounts that commit for them are left out."""

from __future__ import annotations

import pytest

from pmsite.aggregate.people import configured_bots, people
from pmsite.config import load_config
from pmsite.errors import ConfigError
from tests.conftest import write
from tests.git_fixture import GitRepo


@pytest.mark.parametrize("name", ["github-actions[bot]", "dependabot", "Renovate Bot", "release-bot",
                                  "Seed 4806caf8 maintainers", "GitLab CI", "noreply"])
def test_bot_like_names_are_not_people(name):
    assert people([name]) == []


@pytest.mark.parametrize("name", ["Priya Raman", "Abbot Lee", "Bo Tran", "Robotham", "Tom"])
def test_people_stay(name):
    assert people([name]) == [name]


def test_configured_bots_are_left_out_in_any_case(tmp_path):
    write(tmp_path / "pmsite.yaml", "history:\n  bots: [Deploy Account]\n")
    bots = configured_bots(load_config(tmp_path))
    assert people(["deploy account", "Priya Raman"], bots) == ["Priya Raman"]
    write(tmp_path / "pmsite.yaml", "history:\n  bots: Deploy Account\n")
    with pytest.raises(ConfigError, match="history.bots must be a list"):
        configured_bots(load_config(tmp_path))


def test_metrics_count_people_only(runner, tmp_path):
    import json

    from pmsite.cli import cli
    from tests.test_aggregate import PM_A

    git = GitRepo(tmp_path)
    git.write("content/postmortems/a.md", PM_A)
    git.commit("Write the postmortem", "2024-01-20 10:00")
    git.write("content/postmortems/a.md", PM_A + "\nA later fix.\n")
    git.commit("Fix a link", "2024-01-21 10:00", author="github-actions[bot]", email="41898282+github-actions[bot]@users.noreply.github.com")
    result = runner.invoke(cli, ["-C", str(tmp_path), "metrics", "--format", "json", "--as-of", "2024-03-01"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["summary"]["contributors"] == 1
    assert document["postmortems"][0]["contributors"] == ["Priya Raman"]
