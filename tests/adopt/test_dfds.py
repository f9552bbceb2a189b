"""Import the DFDS postmortems (MIT, shared/real-world/dfds beside the repository), build a site from them.

The corpus is read in place, never copied into the repository. The values
asserted here were checked by hand against the documents.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from pmsite.cli import cli
from pmsite.config import load_config
from pmsite.load import load_corpus
from tests.conftest import REPO_ROOT

#: shared/ sits beside the clone (CI, the main checkout) or beside the folder of worktrees.
CANDIDATES = [parent / "shared" / "real-world" / "dfds" for parent in (REPO_ROOT.parent, REPO_ROOT.parent.parent)]


@pytest.fixture(scope="module")
def dfds() -> Path:
    found = next((path for path in CANDIDATES if path.is_dir()), None)
    if found is None:
        pytest.fail(f"the DFDS corpus is missing: expected {CANDIDATES[0]} (shared/ beside the repository)")
    return found


@pytest.fixture(scope="module")
def imported(dfds, tmp_path_factory):
    """A repository with every DFDS postmortem imported (in one command) and its output."""
    root = tmp_path_factory.mktemp("dfds-site")
    (root / "pmsite.yaml").write_text("title: DFDS postmortems\ntaxonomy:\n  services: [kiam, coredns, traefik, "
                                      "flux, prometheus, kafka]\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["-C", str(root), "import", str(dfds)])
    return root, result


def test_every_dfds_postmortem_imports_in_one_command_and_passes_validate(imported, dfds):
    root, result = imported
    assert result.exit_code == 0, result.output
    postmortems = sorted(p.name for p in dfds.iterdir() if p.name.startswith("PM2"))
    summary = result.output.splitlines()[-1]
    assert summary == f"Summary: {len(postmortems)} imported, 3 skipped; {len(postmortems)} of {len(postmortems)} " \
                      "pass validate"
    skipped = [line.split(": ")[0].rsplit("/", 1)[-1] for line in result.output.splitlines() if line.startswith("skipped")]
    assert skipped == ["LICENSE", "PMyyyy-nnn - Postmortem template.md", "README.md"]
    validate = run(["-C", str(root), "validate", "--min-severity", "warning"])
    assert validate.exit_code == 0, validate.output


def run(args: list[str]):
    return CliRunner().invoke(cli, args)


def by_id(root: Path) -> dict:
    return {pm.id: pm.meta for pm in load_corpus(load_config(root))}


def test_hand_checked_fields(imported):
    meta = by_id(imported[0])
    coredns = meta["PM-2020-004"]
    assert coredns["date"] == "2020-02-03"
    assert coredns["started_at"] == "2020-02-03T11:21:00+01:00"  # "All times in CET."
    assert coredns["resolved_at"] == "2020-02-03T13:30:00+01:00"
    assert coredns["durations"] == {"time_to_resolve": 31}  # detection stated as "?"
    assert coredns["services"] == ["kiam", "coredns"]  # configured names it mentions, in configured order
    assert len(coredns["action_items"]) == 2 and "severity" not in coredns
    ami = meta["PM-2022-009"]  # the one file without a .md suffix
    assert ami["durations"] == {"time_to_detect": 420, "time_to_resolve": 3250}
    assert ami["participants"] == ["RF", "ED", "EC", "SC", "JB", "JA", "JS"]
    assert len(ami["action_items"]) == 7
    nodes = meta["PM-2024-001"]
    assert nodes["started_at"] == "2024-03-13T10:01:00+00:00"
    assert nodes["detected_at"] == "2024-03-13T10:03:00+00:00"
    assert nodes["participants"] == ["AF", "AN", "EC", "RF", "SC"]
    starvation = meta["PM-2019-009"]
    assert starvation["date"] == "2019-11-29"
    assert starvation["action_items"][0]["title"] == "Make sure all deployed resources have a plan for monitoring / scaling"


def test_the_imported_site_measures_with_the_inferred_times(imported):
    root, _ = imported
    metrics = json.loads(run(["-C", str(root), "metrics", "--format", "json"]).stdout)["summary"]
    stated = [m["durations"]["time_to_detect"] for m in by_id(root).values()
              if "time_to_detect" in m.get("durations", {})]
    assert metrics["time_to_detect_minutes"]["count"] >= len(stated) > 20
    build = run(["-C", str(root), "build"])
    assert build.exit_code == 0, build.output
    site = root / "site"
    page = (site / "postmortems" / "2022-10-29-bad-aws-eks-ami" / "index.html").read_text()
    assert "<dt>Time to detect</dt><dd>7 h 00 min</dd>" in page
    assert "<dt>Severity</dt><dd><span class=\"muted\">not recorded</span>" in page
    assert "Similar past incidents" in page
    dashboard = (site / "metrics" / "index.html").read_text()
    assert "not recorded, skipped" in dashboard
    shutil.rmtree(site)
