"""PagerDuty REST API v2: incidents and log entries, and the facts a draft takes from them."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from pmsite.importers import ImportOptions, Source, TimelineError, detect_kind
from pmsite.importers import pagerduty
from tests.conftest import REPO_ROOT

FIXTURES = REPO_ROOT / "tests" / "fixtures" / "timeline"
INCIDENT = FIXTURES / "pagerduty-incident.json"
LOG_ENTRIES = FIXTURES / "pagerduty-log-entries.json"
UTC = dt.timezone.utc


def source(path):
    return Source(path, path.name)


def test_both_api_responses_are_detected():
    assert detect_kind(source(INCIDENT)) == detect_kind(source(LOG_ENTRIES)) == "pagerduty"


def test_log_entries_become_events_by_type():
    events = {e.kind: e for e in pagerduty.read(source(LOG_ENTRIES), ImportOptions())}
    assert set(events) == {"trigger", "notify", "assign", "acknowledge", "escalate", "note", "resolve"}
    assert events["trigger"].text == "Triggered: CheckoutLatencyHigh: checkout-api p99 > 2s"
    assert events["trigger"].who == "Alertmanager" and not events["trigger"].person
    assert events["acknowledge"].who == "Priya Raman" and events["acknowledge"].person
    assert events["note"].text.startswith("Note: Rolled back deploy 2024.03.07-3")
    assert events["notify"].text == "Notified Priya Raman by auto"
    assert events["assign"].text == "Assigned to Priya Raman"
    assert events["escalate"].text == "Escalated to Level 2: Tom Becker"
    assert events["resolve"].time == dt.datetime(2024, 3, 8, 0, 6, 12, tzinfo=UTC)
    assert events["resolve"].link.endswith("/log_entries/R6RESOLVE000001")


def test_incident_alone_gives_trigger_and_resolution_with_the_same_text():
    events = pagerduty.read(source(INCIDENT), ImportOptions())
    entries = {e.kind: e for e in pagerduty.read(source(LOG_ENTRIES), ImportOptions())}
    assert [(e.kind, e.time, e.text) for e in events] == [
        ("trigger", entries["trigger"].time, entries["trigger"].text),
        ("resolve", entries["resolve"].time, entries["resolve"].text),
    ]


def test_incident_facts_for_a_draft():
    facts = pagerduty.read_incident(source(INCIDENT), ImportOptions())
    assert facts.title == "CheckoutLatencyHigh: checkout-api p99 > 2s"
    assert facts.started_at == facts.detected_at == dt.datetime(2024, 3, 7, 23, 41, 30, tzinfo=UTC)
    assert facts.resolved_at == dt.datetime(2024, 3, 8, 0, 6, 12, tzinfo=UTC)
    assert facts.services == ["checkout-api"]
    assert facts.url == "https://acme.pagerduty.com/incidents/Q2XWN4K0ABCDEF"


def test_facts_from_log_entries_only():
    facts = pagerduty.read_incident(source(LOG_ENTRIES), ImportOptions())
    assert facts.detected_at == dt.datetime(2024, 3, 7, 23, 41, 30, tzinfo=UTC)
    assert facts.resolved_at == dt.datetime(2024, 3, 8, 0, 6, 12, tzinfo=UTC)
    assert facts.services == ["checkout-api"]
    assert facts.url == "https://acme.pagerduty.com/incidents/Q2XWN4K0ABCDEF"


def test_log_entry_without_type_names_the_entry(tmp_path):
    data = json.loads(LOG_ENTRIES.read_text())
    del data["log_entries"][2]["type"]
    broken = tmp_path / "entries.json"
    broken.write_text(json.dumps(data))
    with pytest.raises(TimelineError, match=r"^entries.json log entry 3: expected a log entry object with a 'type'"):
        pagerduty.read(source(broken), ImportOptions())


def test_other_json_is_refused(tmp_path):
    other = tmp_path / "other.json"
    other.write_text('{"incidents": []}')
    with pytest.raises(TimelineError, match=r"expected a PagerDuty API response with an 'incident' or 'log_entries'"):
        pagerduty.read(source(other), ImportOptions())


@pytest.mark.parametrize("wrapped", [True, False])
def test_an_incident_without_incident_number_is_recognised(tmp_path, wrapped):
    """Hand-made, or from another API version: no incident_number, maybe not even the {"incident": ...} wrapper."""
    incident = json.loads(INCIDENT.read_text())["incident"]
    del incident["incident_number"]
    path = tmp_path / "incident.json"
    path.write_text(json.dumps({"incident": incident} if wrapped else incident, indent=2))
    assert '"incident_number"' not in path.read_text()
    assert detect_kind(source(path)) == "pagerduty"
    facts = pagerduty.read_incident(source(path), ImportOptions())
    assert facts.title == "CheckoutLatencyHigh: checkout-api p99 > 2s"
    assert [e.kind for e in facts.events] == ["trigger", "resolve"]


def test_json_that_is_no_export_names_what_was_expected(tmp_path):
    path = tmp_path / "report.json"
    path.write_text(json.dumps({"name": "checkout", "results": [1, 2]}, indent=2))
    with pytest.raises(TimelineError, match=r"^report.json: this JSON is an object with the keys name, results, "
                                            r"not an export pmsite reads; expected a PagerDuty incident .* JSON Lines"):
        detect_kind(source(path))
    listed = tmp_path / "list.json"
    listed.write_text('[\n  1,\n  2\n]\n')
    with pytest.raises(TimelineError, match=r"this JSON is a JSON list, not an export"):
        detect_kind(source(listed))
