"""The site shows review state and approvers, each item's tracker link and last pull, and late postmortems."""

from __future__ import annotations

import datetime as dt
import json

from pmsite.config import load_config
from pmsite.pipeline import build
from tests.trackers.corpus import POSTMORTEM, make_site

DRAFT = """---
id: PM-2024-019
title: Search <b>latency</b> after a synonym reload
status: draft
severity: SEV2
type: performance
date: 2024-03-01
teams: [search]
---
"""


def test_tracker_home_and_postmortem_pages(tmp_path):
    path = make_site(tmp_path, "")
    path.write_text(POSTMORTEM.replace("severity: SEV2", "severity: SEV3").replace("teams: [payments]", "teams: [payments]\nreviewers: [tom, lena]\napproved_by: [tom]")
                    .replace("    status: open    # updated by the tracker",
                             "    status: done    # updated by the tracker\n    completed: 2024-03-30\n"
                             "    link: https://github.com/acme/postmortems/issues/12"))
    (tmp_path / "content" / "postmortems" / "2024-03-01-search.md").write_text(DRAFT)
    (tmp_path / ".pmsite").mkdir()
    (tmp_path / ".pmsite" / "tracker-sync.json").write_text(json.dumps({"items": {"PM-2024-017/AI-1": {
        "tracker": "github", "key": "#12", "link": "https://github.com/acme/postmortems/issues/12",
        "state": "closed/completed", "status": "done", "pulled": "2024-04-01"}}}))
    result = build(load_config(tmp_path), tmp_path / "site", as_of=dt.date(2024, 4, 2))
    tracker = (result.out_dir / "actions" / "index.html").read_text()
    assert ('<a href="https://github.com/acme/postmortems/issues/12">Add a circuit breaker to the payment client</a> '
            '<span class="muted">(#12)</span>') in tracker
    assert '<span class="muted sync-state">github: closed/completed, pulled 2024-04-01</span>' in tracker
    # the draft is not on the site, but its lateness is (SEV2: 14 days after 2024-03-01), escaped
    late = ("<li><strong>PM-2024-019</strong> (SEV2, draft): Search &lt;b&gt;latency&lt;/b&gt; after a synonym reload "
            '<span class="muted">due 2024-03-15, 18 days late; search</span></li>')
    assert late in tracker and late in (result.out_dir / "index.html").read_text()
    page = (result.out_dir / "postmortems" / "2024-03-07-checkout-latency" / "index.html").read_text()
    assert '<p class="review-state">Review: published; approved by tom; reviewers: tom, lena.</p>' in page
