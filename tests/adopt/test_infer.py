"""What an old postmortem's text states becomes front-matter, with where it was read; nothing more."""

from __future__ import annotations

from pathlib import Path

import pytest

from pmsite.adopt.infer import NotAPostmortem, infer
from pmsite.adopt.read import Document

TAXONOMY = {"services": ["checkout", "payments-api", "search"], "teams": ["payments", "platform"]}

FULL = """\
# Checkout 503s after a pool resize

| Field | Value |
| --- | --- |
| Severity | SEV2 |
| Incident date | 2024-01-18 |
| Authors | Priya Shah, Tom Berg |

## Summary

A resize of the payments-api connection pool left checkout without database connections. Customers saw
503 errors for 47 minutes. The payments team rolled the change back.

Second paragraph that is not part of the summary.

## Timeline

All times are UTC.

| Time | Event |
| --- | --- |
| 2024-01-18 13:55 | Deploy of the pool resize starts |
| 2024-01-18 14:02 | Alert fired: checkout 5xx above 2% |
| 2024-01-18 14:20 | Rollback mitigated the errors |
| 2024-01-18 14:42 | Incident resolved, error rate back to normal |

## Lessons learned

- A pool size is a capacity limit, not a tuning knob.
- Severity 1 work elsewhere delayed the review.

## Action items

| Action | Owner | Due | Status | Ticket |
| --- | --- | --- | --- | --- |
| Load-test pool changes before deploy | payments | 2024-02-15 | Done | [PAY-12](https://tracker.example/PAY-12) |
| Alert on pool saturation | platform | 2024-03-01 | in progress | |

## Stats

- Time to detect: 7 minutes
- Time to recovery: 1h 5m
"""


def document(text: str, name: str = "checkout.md", kind: str = "markdown") -> Document:
    return Document(Path(name), kind, text)


def test_fields_come_from_where_the_text_states_them():
    found = infer(document(FULL), TAXONOMY)
    meta = found.meta
    assert meta["title"] == "Checkout 503s after a pool resize"
    assert meta["severity"] == "SEV2"
    assert meta["date"] == "2024-01-18"
    assert meta["authors"] == ["Priya Shah", "Tom Berg"]
    assert meta["summary"].startswith("A resize of the payments-api connection pool")
    assert meta["summary"].endswith("rolled the change back.")
    assert meta["started_at"] == "2024-01-18T13:55:00+00:00"
    assert meta["detected_at"] == "2024-01-18T14:02:00+00:00"
    assert meta["mitigated_at"] == "2024-01-18T14:20:00+00:00"
    assert meta["resolved_at"] == "2024-01-18T14:42:00+00:00"
    assert meta["durations"] == {"time_to_detect": 7, "time_to_resolve": 65}
    assert meta["services"] == ["checkout", "payments-api"]  # configured names the text uses
    assert meta["teams"] == ["payments"]  # "platform" owns an action item: not a team of the incident
    assert meta["lessons"][0] == "A pool size is a capacity limit, not a tuning knob."
    assert meta["action_items"] == [
        {"id": "AI-1", "title": "Load-test pool changes before deploy", "owner": "payments", "due": "2024-02-15",
         "status": "done", "link": "https://tracker.example/PAY-12"},
        {"id": "AI-2", "title": "Alert on pool saturation", "owner": "platform", "due": "2024-03-01",
         "status": "in_progress"},
    ]
    assert found.sources["severity"].startswith("line 5")
    assert found.sources["detected_at"] == "timeline entry 'Alert fired: checkout 5xx above 2%', line 23"
    assert found.sources["action_items"] == "heading 'Action items' (line 32)"
    assert found.missing == ["type"]


NO_ZONE = """\
# Search latency after synonym reload

## Summary

On 7 March 2024 search slowed down after a synonym reload.

## Timeline

| Time | Event |
| --- | --- |
| 2024-03-07 09:10 | Synonyms reloaded |
| 2024-03-07 09:25 | Customers reported slow search |

## Follow-ups

- [x] Reload synonyms off-peak (owner: search)
- [ ] Add a latency SLO alert, due 2024-04-01 https://tracker.example/S-9
"""


def test_an_unknown_time_zone_leaves_the_timestamps_out_with_a_note():
    found = infer(document(NO_ZONE), TAXONOMY)
    assert found.meta["date"] == "2024-03-07"
    assert not {"started_at", "detected_at", "resolved_at"} & found.meta.keys()
    assert any("does not say its time zone" in note for note in found.notes)
    assert found.meta["action_items"] == [
        {"id": "AI-1", "title": "Reload synonyms off-peak", "owner": "search", "status": "done"},
        {"id": "AI-2", "title": "Add a latency SLO alert",
         "due": "2024-04-01", "link": "https://tracker.example/S-9", "status": "open"},
    ]
    assert "severity" in found.missing and "type" in found.missing


def test_an_ambiguous_zone_is_not_resolved():
    text = NO_ZONE.replace("## Timeline\n", "## Timeline\n\nAll times in CST.\n")
    found = infer(document(text), TAXONOMY)
    assert "started_at" not in found.meta
    assert any("'CST' names more than one time zone" in note for note in found.notes)


def test_a_named_zone_gives_offsets_with_summer_time():
    text = NO_ZONE.replace("## Timeline\n", "## Timeline\n\nAll times in CET.\n").replace("2024-03-07", "2024-07-07")
    found = infer(document(text), TAXONOMY)
    assert found.meta["started_at"] == "2024-07-07T09:10:00+02:00"
    assert found.meta["detected_at"] == "2024-07-07T09:25:00+02:00"


def test_two_action_item_sections_are_both_read_and_noted():
    text = FULL + "\n## Remediation\n\n- Document the pool size limits\n"
    found = infer(document(text), TAXONOMY)
    assert [item["title"] for item in found.meta["action_items"]] == [
        "Load-test pool changes before deploy", "Alert on pool saturation", "Document the pool size limits"]
    assert [item["id"] for item in found.meta["action_items"]] == ["AI-1", "AI-2", "AI-3"]
    assert any(note.startswith("2 action item sections") for note in found.notes)


def test_severity_is_read_from_a_label_only_never_from_prose():
    text = FULL.replace("| Severity | SEV2 |\n", "")
    found = infer(document(text), TAXONOMY)
    assert "severity" not in found.meta  # "Severity 1 work elsewhere" in the lessons is not a label


@pytest.mark.parametrize(("label", "severity"), [("Priority: P1", "SEV1"), ("Severity: critical", "SEV1"),
                                                 ("**Severity**: Minor", "SEV3"), ("Sev: 3", "SEV3")])
def test_severity_words_map_to_levels(label, severity):
    text = FULL.replace("| Severity | SEV2 |\n", "") + f"\n## Details\n\n- {label}\n"
    assert infer(document(text), TAXONOMY).meta["severity"] == severity


def test_stated_durations_that_are_not_durations_are_noted():
    text = FULL.replace("Time to detect: 7 minutes", "Time to detect: ?")
    found = infer(document(text), TAXONOMY)
    assert found.meta["durations"] == {"time_to_resolve": 65}
    assert any("time to detect is stated as '?'" in note for note in found.notes)


def test_the_title_falls_back_to_the_file_name_and_an_id_in_it_is_kept():
    text = FULL.replace("# Checkout 503s after a pool resize\n", "")
    found = infer(document(text, "OPS2023-014 - Checkout pool resize.md"), TAXONOMY)
    assert found.meta["title"] == "Checkout pool resize"
    assert found.sources["title"] == "the file name"
    assert found.named_id == "OPS-2023-014"


@pytest.mark.parametrize(("text", "reason"), [
    ("", "the file is empty"),
    ("# Runbooks\n\nHow to restart the search cluster.\n\n## Steps\n\n1. Drain\n", "no postmortem headings"),
    ("# Incident Title\n\n## Summary\n\n## Timeline\n\n| 20xx-MM-DD HH:mm | Short event description |\n",
     "a template"),
    # a meeting's minutes: who was there and what they will do says nothing of an incident
    ("# Platform weekly, 4 March 2024\n\n## Attendees\n\n- Ana\n- Bo\n\n## Agenda\n\n1. Q2 roadmap\n\n"
     "## Action items\n\n- [ ] Ana: draft the Q2 roadmap by 2024-03-11\n", "no postmortem headings"),
])
def test_what_is_not_a_postmortem_is_refused_with_a_reason(text, reason):
    with pytest.raises(NotAPostmortem, match=reason):
        infer(document(text), TAXONOMY)


def test_attendees_count_with_an_incident_sign_and_are_read():
    found = infer(document("# Checkout outage\n\n## Attendees\n\n- Ana\n- Bo\n\n## Action items\n\n"
                           "- [ ] Alert on pool saturation\n", "2024-03-04-checkout.md"), TAXONOMY)
    assert found.meta["participants"] == ["Ana", "Bo"] and len(found.meta["action_items"]) == 1


def test_due_to_in_an_item_is_prose_not_a_due_date():
    text = NO_ZONE + "- Alert on unhealthy targets: silent failures are due to missing checks\n"
    titles = [item["title"] for item in infer(document(text), TAXONOMY).meta["action_items"]]
    assert titles[-1] == "Alert on unhealthy targets: silent failures are due to missing checks"


def test_no_start_time_when_the_first_entries_have_no_time():
    text = NO_ZONE.replace("## Timeline\n", "## Timeline\n\nAll times in UTC.\n").replace(
        "| 2024-03-07 09:10 | Synonyms reloaded |", "| 2024-03-05 HH:mm | Synonym file edited |\n"
                                                  "| 2024-03-07 09:10 | Synonyms reloaded |")
    found = infer(document(text), TAXONOMY)
    assert "started_at" not in found.meta
    assert found.meta["detected_at"] == "2024-03-07T09:25:00+00:00"
    assert any("first entries (line 13) have no time" in note for note in found.notes)


BOLD_FIELDS = """\
# Database outage

**Date:** January 5th, 2023
**Severity:** SEV-1

## Incident Summary

The primary database ran out of disk. Writes failed for 42 minutes.

## Timeline (all times UTC)

- **14:02** - Disk usage alert fired
- **14:30** - Mitigated by deleting old WAL files
- **14:44** - Incident resolved

## Action Items

| Action Item | Type | Owner | Bug |
|---|---|---|---|
| Fix WAL archiving | prevent | alice | [DB-1](https://bugs.example/DB-1) |
"""


def test_bold_fields_a_zone_in_the_heading_and_a_list_timeline_without_days():
    found = infer(document(BOLD_FIELDS), TAXONOMY)
    assert (found.meta["date"], found.meta["severity"]) == ("2023-01-05", "SEV1")
    assert found.meta["started_at"] == "2023-01-05T14:02:00+00:00"
    assert found.meta["mitigated_at"] == "2023-01-05T14:30:00+00:00"
    assert found.meta["resolved_at"] == "2023-01-05T14:44:00+00:00"
    assert found.meta["action_items"] == [{"id": "AI-1", "title": "Fix WAL archiving", "owner": "alice",
                                           "link": "https://bugs.example/DB-1"}]
    assert any("read as 2023-01-05, the incident date" in note for note in found.notes)


DAY_HEADINGS = """\
# Payment failures

## Summary

Payments failed on 3 March 2021.

## Timeline

### March 3, 2021
- 23:40 UTC: first errors
- 23:55 UTC: alert fired
### March 4, 2021
- 02:00 UTC: fix deployed, resolved
"""


def test_day_headings_inside_a_timeline_date_the_entries_below_them():
    found = infer(document(DAY_HEADINGS), TAXONOMY)
    assert found.meta["started_at"] == "2021-03-03T23:40:00+00:00"
    assert found.meta["detected_at"] == "2021-03-03T23:55:00+00:00"
    assert found.meta["resolved_at"] == "2021-03-04T02:00:00+00:00"


def test_timestamps_and_detection_stated_on_their_own_lines_win_over_the_timeline():
    text = BOLD_FIELDS.replace("**Severity:** SEV-1\n", "**Severity:** SEV-1\n- Start time: 2023-01-05 13:50 UTC\n"
                               "- Detected by: PagerDuty alert\n- End time: 2023-01-05 15:00\n")
    found = infer(document(text), TAXONOMY)
    assert found.meta["started_at"] == "2023-01-05T13:50:00+00:00"
    assert found.sources["started_at"] == "line 5 ('start time: 2023-01-05 13:50 UTC')"
    assert found.meta["resolved_at"] == "2023-01-05T15:00:00+00:00"  # the zone from the Timeline heading
    assert found.meta["mitigated_at"] == "2023-01-05T14:30:00+00:00"  # not stated: from the timeline
    assert found.meta["detection"] == "alert"


def test_a_stated_time_without_any_zone_is_left_out():
    text = NO_ZONE.replace("## Summary\n", "- Start time: 2024-03-07 09:00\n\n## Summary\n")
    found = infer(document(text), TAXONOMY)
    assert "started_at" not in found.meta
    assert "line 3: start time has no time zone: left out" in found.notes


def test_a_plain_language_postmortem_is_recognised_and_control_characters_dropped():
    text = ("# Checkout outage\n\n## What happened\n\nCheckout\x07 failed for 20 minutes on 4 June 2024.\n\n"
            "## How we fixed it\n\nWe rolled back.\n")
    found = infer(document(text, "notes.md"), TAXONOMY)
    assert found.meta["summary"] == "Checkout failed for 20 minutes on 4 June 2024."
    with pytest.raises(NotAPostmortem):  # one heading, and nothing in its name says incident
        infer(document("# Checkout\n\n## What happened\n\nText.\n", "notes.md"), TAXONOMY)


def test_finding_the_root_cause_is_not_detecting_the_incident():
    """'Root cause discovered' comes after the outage was noticed: it marks no detection."""
    text = """\
# All services returning 404

## Summary

Every service behind the ingress answered 404 until the ingress controller was rolled back.

## Timeline

All times in UTC.

| Time | Event |
| --- | --- |
| 2021-09-06 08:00 | All services returning 404 |
| 2021-09-06 08:50 | Roll back initiated |
| 2021-09-06 09:10 | Root cause discovered by deleting the malformed route |
| 2021-09-06 09:20 | Services restored |
"""
    found = infer(document(text), TAXONOMY)
    assert "detected_at" not in found.meta
    paged = infer(document(text.replace("All services returning 404 |", "Alert fired: services returning 404 |")),
                  TAXONOMY)
    assert paged.meta["detected_at"] == "2021-09-06T08:00:00+00:00"
