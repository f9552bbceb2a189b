"""The bundled sample corpus keeps the coverage the foundation issue asks for.

The site, the metrics and the linter are all demonstrated on this corpus, so
losing a severity, a status or the recurrence would quietly hollow out the demo.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest

from pmsite.config import load_config
from pmsite.load import load
from pmsite.validate import validate
from tests.conftest import REPO_ROOT

AS_OF = dt.date(2026, 11, 22)


@pytest.fixture(scope="module")
def corpus():
    config = load_config(REPO_ROOT)
    result = load([], config)
    assert result.findings == []
    return result.postmortems


def test_sample_corpus_validates_cleanly(corpus):
    assert [f for f in validate(corpus, corpus) if f.severity == "error"] == []


def test_size_spread_and_taxonomy(corpus):
    assert len(corpus) >= 15
    years = {pm.date("date").year for pm in corpus}
    assert max(years) - min(years) >= 2
    assert {pm.severity for pm in corpus} == {"SEV1", "SEV2", "SEV3", "SEV4"}
    assert len({s for pm in corpus for s in pm.str_list("services")}) >= 5
    assert len({t for pm in corpus for t in pm.str_list("teams")}) >= 3
    assert {"availability", "security", "data-loss", "performance"} <= {pm.meta["type"] for pm in corpus}


def test_action_items_in_every_status_with_overdue_and_late_ones(corpus):
    items = [item for pm in corpus for item in pm.action_items]
    assert set(Counter(item["status"] for item in items)) == {"open", "in_progress", "blocked", "done", "wont_do"}
    overdue = [i for i in items if i["status"] in ("open", "in_progress", "blocked")
               and i.get("due") and dt.date.fromisoformat(i["due"]) < AS_OF]
    late = [i for i in items if i.get("completed") and i.get("due") and i["completed"] > i["due"]]
    assert overdue and late


def test_recurrence_and_related_links(corpus):
    fingerprints = Counter(pm.meta["fingerprint"] for pm in corpus if pm.meta.get("fingerprint"))
    assert any(count >= 2 for count in fingerprints.values())
    assert any(pm.str_list("related") for pm in corpus)


def test_exactly_one_draft_and_it_is_the_deliberately_blaming_one(corpus):
    drafts = [pm for pm in corpus if pm.status == "draft"]
    assert len(drafts) == 1
    assert any(phrase in drafts[0].body.lower() for phrase in ("should have known", "careless", "human error"))
