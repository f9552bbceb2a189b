"""``pulse import`` and ``pulse report`` end to end, and the Culture page of a built site."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

from pmsite.cli import cli
from pmsite.config import load_config
from pmsite.pipeline import build
from tests.conftest import REPO_ROOT

SAMPLE = "2026-03-17-chf-basket-total-rounding-mismatch.md"


def answers_csv(path: Path) -> Path:
    """Week 10 of 2026: payments 6 people, search 7, platform 2 (too few to show)."""
    rows = ["team,submitted_at,question,answer"]
    for team, values in (("payments", [5, 6, 4, 7, 5, 6]), ("search", [3, 4, 4, 5, 3, 2, 4]), ("platform", [1, 7])):
        rows += [f"{team},2026-03-0{2 + i % 3}T10:0{i}:00,ps2,{v}" for i, v in enumerate(values)]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_import_then_report_text(runner, pulse_root):
    result = runner.invoke(cli, ["-C", str(pulse_root), "pulse", "import", str(answers_csv(pulse_root / "in.csv"))])
    assert result.exit_code == 0, result.output
    assert result.output == "content/pulse/2026-W10.csv: 15 answers added\n"
    result = runner.invoke(cli, ["-C", str(pulse_root), "pulse", "report", "--as-of", "2026-06-30"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    # search (7) is shown; payments (6) is held back with platform (2) so that
    # "organisation - search" cannot be split into payments and platform
    assert lines[2] == "2026-Q1"
    assert lines[3].startswith("  organisation: median 4 (95% CI ")  # 8th of 15 sorted answers
    assert lines[3].endswith("mean 4.40, 15 answers [1:1 2:1 3:2 4:4 5:3 6:2 7:2]")
    assert lines[4].startswith("  search: median 4 (95% CI ") and lines[4].endswith("7 answers [1:0 2:1 3:2 4:3 5:1 6:0 7:0]")
    assert lines[5].startswith("  other teams: median 5.5") and lines[5].endswith("8 answers [1:1 2:0 3:0 4:1 5:2 6:2 7:2]")
    assert "platform: median" not in result.output and "payments: median" not in result.output
    assert lines[6] == ("  note: Not shown on their own (fewer than 5 people answering, or held back so that a smaller "
                        "team cannot be worked out from the totals): payments, platform; shown together as 'other teams'.")


def test_report_json_matches_and_has_no_small_group(runner, pulse_root):
    runner.invoke(cli, ["-C", str(pulse_root), "pulse", "import", str(answers_csv(pulse_root / "in.csv"))])
    result = runner.invoke(cli, ["-C", str(pulse_root), "pulse", "report", "-f", "json", "--as-of", "2026-06-30"])
    document = json.loads(result.output)
    [quarter] = document["quarters"]
    assert [f["group"] for f in quarter["teams"]] == ["search"]
    assert quarter["other_teams"]["distribution"] == [1, 0, 0, 1, 2, 2, 2]
    assert document["trends"].keys() == {"search"}
    assert [r["verdict"] for r in document["relations"]] == [
        "not enough data: 0 team-quarters with both figures, at least 8 needed"] * 3


def test_report_without_pulse_folder(runner, pulse_root):
    result = runner.invoke(cli, ["-C", str(pulse_root), "pulse", "report"])
    assert result.exit_code == 2
    assert result.output == ("Error: no pulse answers: content/pulse/ does not exist; "
                             "import some with 'pmsite pulse import'\n")


def with_postmortem(root: Path) -> Path:
    shutil.copy(REPO_ROOT / "content" / "postmortems" / SAMPLE, root / "content" / "postmortems" / SAMPLE)
    return root


def test_culture_page_only_with_a_pulse_folder(pulse_root, tmp_path):
    with_postmortem(pulse_root)
    out = tmp_path / "site"
    build(load_config(pulse_root), out_dir=out, as_of=dt.date(2026, 6, 30))
    assert not (out / "culture").exists()
    assert "Culture" not in (out / "index.html").read_text(encoding="utf-8")


def test_culture_page_shows_what_the_report_shows(runner, pulse_root, tmp_path):
    runner.invoke(cli, ["-C", str(with_postmortem(pulse_root)), "pulse", "import",
                        str(answers_csv(pulse_root / "in.csv"))])
    out = tmp_path / "site"
    build(load_config(pulse_root), out_dir=out, as_of=dt.date(2026, 6, 30))
    page = (out / "culture" / "index.html").read_text(encoding="utf-8")
    assert '<a href="/culture/" aria-current="page">Culture</a>' in page
    assert '<tr><th scope="row">search</th><td>7</td><td>4</td>' in page
    assert '<tr><th scope="row">Other teams (together)</th><td>8</td><td>5.5</td>' in page
    assert '<th scope="row">platform</th>' not in page and '<th scope="row">payments</th>' not in page
    assert "Do not rank teams" in page
    assert "not enough data" in page


def test_a_broken_week_file_stops_the_report_naming_file_and_line(runner, pulse_root):
    folder = pulse_root / "content" / "pulse"
    folder.mkdir()
    (folder / "2026-W10.csv").write_text("team,week,question,answer\nsearch,2026-W10,ps1,5\nsearch,2026-W11,ps1,5\n",
                                         encoding="utf-8")
    result = runner.invoke(cli, ["-C", str(pulse_root), "pulse", "report"])
    assert result.exit_code == 2
    assert result.output == ("Error: content/pulse/2026-W10.csv:3: week '2026-W11' does not match the file name "
                             "2026-W10\n")


def test_report_without_any_postmortems_folder(runner, pulse_root):
    runner.invoke(cli, ["-C", str(pulse_root), "pulse", "import", str(answers_csv(pulse_root / "in.csv"))])
    shutil.rmtree(pulse_root / "content" / "postmortems")
    result = runner.invoke(cli, ["-C", str(pulse_root), "pulse", "report", "--as-of", "2026-06-30"])
    assert result.exit_code == 0, result.output
    assert "  search: median 4 " in result.output


def test_report_counts_the_incidents_the_site_counts(runner, pulse_root, monkeypatch):
    """Drafts stay out of the incident figures, as on the Culture page, unless --drafts (as build --drafts)."""
    import pmsite.pulse.report

    with_postmortem(pulse_root)
    draft = (REPO_ROOT / "content" / "postmortems" / SAMPLE).read_text(encoding="utf-8")
    draft = draft.replace("status: published", "status: draft", 1).replace("id: PM-", "id: PM-9", 1)
    (pulse_root / "content" / "postmortems" / "draft.md").write_text(draft, encoding="utf-8")
    runner.invoke(cli, ["-C", str(pulse_root), "pulse", "import", str(answers_csv(pulse_root / "in.csv"))])
    counted = []
    real = pmsite.pulse.report.incident_figures

    def spy(postmortems, *args):
        counted.append(sorted(pm.status for pm in postmortems))
        return real(postmortems, *args)

    monkeypatch.setattr(pmsite.pulse.report, "incident_figures", spy)
    for extra in ([], ["--drafts"]):
        result = runner.invoke(cli, ["-C", str(pulse_root), "pulse", "report", "--as-of", "2026-06-30", *extra])
        assert result.exit_code == 0, result.output
    assert counted == [["published"], ["draft", "published"]]
