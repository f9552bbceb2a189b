"""The decision map on the site (escaped, on the time axis), cues across incidents, patterns, templates."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from pmsite.aggregate import aggregate
from pmsite.config import load_config
from pmsite.decisions.cues import cue_groups
from pmsite.decisions.model import decisions_of
from pmsite.history import History
from pmsite.load import load, parse_postmortem
from pmsite.pipeline import build
from pmsite.render.decision_map import draw
from pmsite.scaffold import Draft, render_draft
from tests.conftest import REPO_ROOT, write

HOSTILE = "<script>alert(1)</script> & \"quotes\""


def postmortem(text_id: str, cues: str, *, who: str = "on-call SRE", situation: str = "Errors rose.") -> str:
    return f"""---
id: {text_id}
title: Errors
status: published
severity: SEV3
type: availability
date: 2024-03-07
started_at: 2024-03-07T10:00:00Z
detected_at: 2024-03-07T10:05:00Z
resolved_at: 2024-03-07T11:00:00Z
decisions:
  - at: 2024-03-07T10:10:00Z
    who: '{who}'
    situation: '{situation}'
    options:
      - option: Roll back
      - option: Wait
      - option: Fail over
    chosen: Wait
    why: The error rate was falling.
    cues:
{cues}
  - at: 2024-03-07T10:50:00Z
    who: incident commander
    situation: Errors at baseline.
    options: [{{option: Close the incident}}]
    chosen: Close the incident
    why: An hour of normal traffic.
---

## Summary

Errors.
"""


def cue(text: str, tag: str, signal: str = "") -> str:
    return f"      - cue: '{text}'\n        tag: {tag}\n" + (f"        signal: {signal}\n" if signal else "")


def parsed(text: str, name: str = "pm.md"):
    pm, findings = parse_postmortem(text, Path(name), name)
    assert findings == []
    return pm


def test_the_map_puts_points_on_the_time_axis_and_marks_paths_and_cues():
    pm = parsed(postmortem("PM-2024-001", cue("Region dashboard averaged", "misleading") + cue("No alert", "missing")))
    drawn = draw(pm)
    svg = str(drawn.svg)
    xs = [float(x) for x in re.findall(r'<circle class="dm-node" cx="([\d.]+)"', svg)]
    # 10:10 and 10:50 on an axis from 10:00 to 11:00, between the margins of a 720-wide map
    assert xs == [24 + 672 * 10 / 60, 24 + 672 * 50 / 60]
    assert svg.count('class="dm-taken"') == 2 and svg.count('class="dm-not-taken"') == 2
    assert 'class="dm-cue dm-cue-misleading"' in svg and 'class="dm-cue dm-cue-missing"' in svg
    assert "start 10:00" in svg and "resolved 11:00" in svg
    assert [option.text for option, taken in drawn.rows[0].options] == ["Wait", "Roll back", "Fail over"]
    assert draw(parsed(postmortem("PM-2024-002", "      []").replace("decisions:", "nothing:"))) is None


def test_every_text_on_the_map_is_escaped():
    pm = parsed(postmortem("PM-2024-001", cue(HOSTILE, "misleading"), who=HOSTILE, situation=HOSTILE))
    svg = str(draw(pm).svg)
    assert "<script" not in svg and "&lt;script&gt;" in svg and "&quot;quotes&quot;" in svg


def test_a_built_page_escapes_decision_texts_and_the_misled_page_lists_them(tmp_path):
    site = tmp_path / "repo"
    write(site / "pmsite.yaml", "title: T\n")
    write(site / "content/postmortems/a.md", postmortem("PM-2024-001", cue(HOSTILE, "misleading"), situation=HOSTILE),
          dedent=False)
    build(load_config(site), out_dir=tmp_path / "out", as_of=dt.date(2024, 6, 1))
    page = (tmp_path / "out/postmortems/a/index.html").read_text(encoding="utf-8")
    misled = (tmp_path / "out/misled/index.html").read_text(encoding="utf-8")
    for html in (page, misled):
        assert "<script>alert" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert 'id="decision-map"' in page and page.count("<tr>") >= 2
    assert 'href="/misled/"' in (tmp_path / "out/metrics/index.html").read_text(encoding="utf-8")


def test_cues_group_by_signal_or_wording_and_count_incidents_once():
    one = parsed(postmortem("PM-2024-001", cue("Region dashboard averaged!", "misleading")
                            + cue("region  dashboard averaged", "misleading")
                            + cue("Status page green", "misleading", "provider-status")), "a.md")
    two = parsed(postmortem("PM-2024-002", cue("Region Dashboard averaged", "late")
                            + cue("Vendor status page updated late", "late", "provider-status")), "b.md")
    groups = {g.key: g for g in cue_groups([two, one])}
    region = groups["text:region dashboard averaged"]
    assert region.incidents == ["PM-2024-001", "PM-2024-002"] and dict(region.tags) == {"misleading": 1, "late": 1}
    status = groups["signal:provider-status"]
    assert status.wordings == ["Status page green", "Vendor status page updated late"] and status.count == 2
    assert status.main_tag == "misleading"  # a tie goes to the order of the tags


def test_a_cue_in_min_count_incidents_becomes_a_pattern_with_a_recommendation(tmp_path):
    write(tmp_path / "pmsite.yaml", "patterns:\n  min_count: 2\n")
    config = load_config(tmp_path)
    pms = [parsed(postmortem(f"PM-2024-00{n}", cue("Latency panel averaged across regions", "misleading", "region-avg")),
                  f"{n}.md") for n in (1, 2)]
    lonely = parsed(postmortem("PM-2024-003", cue("Something else", "missing")), "3.md")
    result = aggregate([*pms, lonely], History(), config, dt.date(2024, 6, 1))
    found = {p.name: p for p in result.patterns}
    pattern = found["misleading cue: region-avg"]
    assert pattern.incident_ids == ["PM-2024-001", "PM-2024-002"] and pattern.count == 2
    assert pattern.recommendation.startswith("Change what this signal shows")
    assert not any("Something else" in name for name in found)


def test_deep_templates_point_to_the_interview():
    day = dt.date(2024, 3, 7)
    deep = render_draft(Draft("Outage", "SEV1", "availability", day), "PM-2024-001")
    light = render_draft(Draft("Blip", "SEV4", "availability", day), "PM-2024-002")
    assert "pmsite decisions" in deep and "pmsite decisions" not in light


def test_the_sample_corpus_has_decision_maps_that_share_a_misleading_cue():
    config = load_config(REPO_ROOT)
    corpus = load([], config).postmortems
    mapped = [pm for pm in corpus if decisions_of(pm)]
    assert len(mapped) >= 3
    top = cue_groups(corpus)[0]
    assert top.count >= 3 and top.tags["misleading"] >= 3
