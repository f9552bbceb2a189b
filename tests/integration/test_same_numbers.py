"""The CLI and the site count the same things: published postmortems by default, all with --drafts.

The issue this guards against: ``pmsite actions`` said 63 items and 15 overdue
while the tracker page said 57 and 12, because one counted drafts and the other
did not, and neither said so. Both now state what they left out.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import re
import shutil
from pathlib import Path

import pytest

from pmsite.cli import cli
from pmsite.config import load_config
from pmsite.pipeline import build
from tests.conftest import REPO_ROOT

AS_OF = "2026-12-06"


@pytest.fixture(scope="module")
def sample(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("same-numbers")
    shutil.copytree(REPO_ROOT / "content" / "postmortems", root / "content" / "postmortems")
    shutil.copy(REPO_ROOT / "pmsite.yaml", root / "pmsite.yaml")
    return root


def site_figures(root: Path, drafts: bool) -> dict[str, object]:
    out = root / ("site-drafts" if drafts else "site")
    build(load_config(root), out_dir=out, drafts=drafts, as_of=dt.date.fromisoformat(AS_OF))
    tracker = html.unescape((out / "actions" / "index.html").read_text(encoding="utf-8"))
    metrics = html.unescape((out / "metrics" / "index.html").read_text(encoding="utf-8"))
    health = re.search(r'Learning health</span><span class="value">(\d+)<', metrics)
    note = re.search(r'<p class="left-out">(.*?)\.</p>', tracker)
    return {
        "items": int(re.search(r"(\d+) action items across all postmortems", tracker)[1]),
        "overdue": int(re.search(r'href="#overdue">Overdue \((\d+)\)', tracker)[1]),
        "incidents": int(re.search(r"(\d+) postmortems, as of", metrics)[1]),
        "health": int(health[1]),
        "note": note[1] if note else None,
    }


def cli_figures(runner, root: Path, drafts: bool) -> dict[str, object]:
    flag = ["--drafts"] if drafts else []
    actions = runner.invoke(cli, ["-C", str(root), "actions", "--format", "json", "--as-of", AS_OF, *flag])
    metrics = runner.invoke(cli, ["-C", str(root), "metrics", "--format", "json", "--as-of", AS_OF, *flag])
    text = runner.invoke(cli, ["-C", str(root), "metrics", "--as-of", AS_OF, *flag])
    assert actions.exit_code == metrics.exit_code == text.exit_code == 0, actions.output + metrics.output
    items = json.loads(actions.stdout)
    summary = json.loads(metrics.stdout)
    note = re.search(r"^(\d+ draft.*not counted.*)$", text.stdout, re.M)
    return {
        "items": len(items["action_items"]),
        "overdue": sum(item["overdue"] for item in items["action_items"]),
        "incidents": summary["summary"]["incidents"],
        "health": round(summary["summary"]["health_score"]),
        "note": note[1] if note else None,
        "left_out": (items["drafts_not_counted"], summary["drafts_not_counted"]),
    }


def test_published_only_by_default_and_both_say_what_they_left_out(runner, sample: Path):
    on_site = site_figures(sample, drafts=False)
    in_cli = cli_figures(runner, sample, drafts=False)
    drafts = sum(1 for path in (sample / "content" / "postmortems").glob("*.md")
                 if not re.search(r"^status: published$", path.read_text(encoding="utf-8"), re.M))
    assert drafts >= 1  # the sample has drafts, or this test would prove nothing
    assert in_cli.pop("left_out") == (drafts, drafts)
    assert in_cli == on_site
    assert on_site["note"] == f"{drafts} draft or in-review postmortem{'s' if drafts != 1 else ''} not counted (--drafts counts them)"


def test_drafts_counts_them_on_both(runner, sample: Path):
    on_site = site_figures(sample, drafts=True)
    in_cli = cli_figures(runner, sample, drafts=True)
    assert in_cli.pop("left_out") == (0, 0)
    assert in_cli == on_site
    assert on_site["note"] is None
    assert on_site["incidents"] > site_figures(sample, drafts=False)["incidents"]
