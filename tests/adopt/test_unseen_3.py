"""Import a third batch of unseen postmortem shapes (tests/fixtures/adopt-unseen-3, see its README).

Every expected value was read off the documents by hand before the importer was changed for
them: what each one states, and, where a document leaves a value out or states it ambiguously
(a dd/mm date such as '07/08/2024', a '_No response_' answer), that the field is absent and
reported rather than guessed.
"""

from __future__ import annotations

import pytest

from tests.adopt.test_unseen import (ABSENT, assert_as_stated, assert_imported_and_valid, import_folder, infer_text,
                                     print_scores, score)
from tests.conftest import REPO_ROOT

CORPUS = REPO_ROOT / "tests" / "fixtures" / "adopt-unseen-3"
SERVICES = "[blob-storage, search-api, card-payments, billing-worker]"

#: source file -> field -> the value the document states (ABSENT: it states none, or only an ambiguous one).
EXPECTED: dict[str, dict] = {
    "azure-pir-blob-storage.md": {  # What happened / How did we respond / How are we making … less likely
        "title": "Post Incident Review (PIR) – Storage – Degraded availability of Blob Storage in West Europe",
        "date": "2024-03-12", "severity": ABSENT,
        "started_at": "2024-03-12T13:45:00+00:00", "detected_at": "2024-03-12T13:58:00+00:00",
        "mitigated_at": "2024-03-12T19:20:00+00:00", "resolved_at": "2024-03-13T02:10:00+00:00",
        "services": ["blob-storage"],
        "summary_starts": "Between 13:45 UTC on 12 March 2024 and 02:10 UTC on 13 March 2024, a subset",
        "items": [("We have rolled back the configuration change and blocked it from being redeployed", None, "done",
                   None),
                  ("We are adding a rate limit to partition map reloads on storage front ends", None, None, None),
                  ("We are extending our canary validation to a region with a production-sized partition count",
                   None, None, None)],
    },
    "firehydrant-retrospective.md": {  # metadata lines, a Milestones table of full timestamps
        "title": "INC-482: Search results empty for logged-out users", "date": "2024-04-02", "severity": "SEV3",
        "started_at": "2024-04-02T10:15:00+00:00", "detected_at": "2024-04-02T10:31:00+00:00",
        "mitigated_at": "2024-04-02T11:07:00+00:00", "resolved_at": "2024-04-02T11:20:00+00:00",
        "services": ["search-api", "web-frontend"], "authors": ["Aiko Tanaka"],
        "items": [("Add a logged-out search check to the synthetic suite", "Aiko Tanaka", "open", None),
                  ("Default the audience segment when the flag service is unreachable", "Tomás Ruiz", "in_progress",
                   None)],
        "links": ["https://tickets.example.com/browse/SRCH-1201", "https://tickets.example.com/browse/SRCH-1202"],
    },
    "jsm-post-incident-review.html": {  # a <dl> of fields, <time> elements, lozenges
        "title": "Post-incident review: Card payments declined at checkout", "date": "2024-05-06",
        "severity": "SEV1",  # 'Priority: Highest', read as every 'Priority:' field is
        "started_at": "2024-05-06T08:12:00+00:00", "detected_at": "2024-05-06T08:19:00+00:00",
        "resolved_at": "2024-05-06T09:47:00+00:00", "services": ["card-payments", "checkout-web"],
        "participants": ["Olu Bakare", "Hana Sato"],
        "items": [("Renew the acquirer certificate automatically 30 days before expiry", "Olu Bakare", "done",
                   "2024-06-03"),
                  ("Alert on acquirer TLS handshake failures", "Hana Sato", "open", "2024-06-14")],
    },
    "sre-workbook-field-row.md": {  # fields as a one-row table under their names; Google 'user@' names
        "title": "Postmortem: Shopping cart totals wrong after currency service rollout", "date": "2024-02-20",
        "severity": "SEV2", "authors": ["jenl", "kavi"],
        "started_at": "2024-02-20T09:12:00+00:00", "detected_at": "2024-02-20T10:05:00+00:00",
        "resolved_at": "2024-02-20T10:40:00+00:00",
        "items": [("Alert when the exchange rate table is older than 24 hours", "kavi", None, None),
                  ("Refuse to serve a bundled rate table in production", "jenl", None, None),
                  ("Add a cart total comparison to the rollout canary", "mireia", None, None)],
        "links": [None, None, None],  # 'b/330142' is a bug number, not an address
    },
    "morgue-irc-log.md": {  # 'Timezone: America/New_York' for Start/Detect/End time fields; IRC log lines
        "title": "Listing photo uploads failing", "date": "2024-07-02", "severity": "SEV2",
        "started_at": "2024-07-02T14:02:00-04:00", "detected_at": "2024-07-02T14:10:00-04:00",
        "resolved_at": "2024-07-02T15:31:00-04:00", "tags": ["uploads", "storage", "deploy"],
        "items": [("Validate bucket names against the environment in the deploy checks", "jcruz", None, None),
                  ("Page on upload success rate below 90 % for 5 minutes", "dchen", None, None)],
    },
    "notion-emoji-callouts.md": {  # property lines under the title, an <aside> callout, emoji headings
        "title": "Billing emails sent twice", "date": "2024-03-18", "severity": "SEV3",
        "started_at": "2024-03-18T06:04:00+01:00", "detected_at": "2024-03-18T07:25:00+01:00",
        "mitigated_at": "2024-03-18T07:40:00+01:00", "resolved_at": "2024-03-18T09:15:00+01:00",
        "services": ["billing-worker", "email-sender"], "tags": ["billing", "queues"],
        "summary_starts": "About 2,400 customers received their March invoice email twice.",
        "lessons": ["Batch jobs need to survive a restart at any point."],
        "items": [("Make the invoice run idempotent per invoice id", "Anna Kowalski", "done", None),
                  ("Drain worker nodes before upgrades", "Luca Bianchi", "open", None),
                  ("Add a duplicate-send alert", None, "open", None)],
    },
    "docx-field-table.docx": {  # a field/value table at the top, dd/mm dates that only read one way
        "title": "Incident report: Warehouse label printing stopped", "date": "2024-05-14", "severity": "SEV2",
        "started_at": "2024-05-14T06:20:00+01:00", "detected_at": "2024-05-14T06:41:00+01:00",
        "resolved_at": "2024-05-14T09:05:00+01:00", "authors": ["Gareth Evans"],
        "services": ["label-printing", "wms"],
        "items": [("Purge failed print jobs nightly", "Site IT", None, "2024-05-31"),
                  ("Alert on print server disk usage above 80%", "Site IT", None, "2024-06-14"),  # merged cell
                  ("Add a manual label fallback to the shift runbook", "Gareth Evans", None, None)],
    },
    "setext-ddmmyyyy.txt": {  # setext headings; '07/08/2024' is 7 August or July 8: never guessed
        "title": "Post-incident report: Nightly backup job overran", "date": ABSENT, "severity": "SEV3",
        "started_at": ABSENT, "detected_at": ABSENT, "resolved_at": ABSENT, "authors": ["P. Okonkwo"],
        "items": [("Move the backup to a replica", "DB team", None, "2024-08-30"),
                  ("Alert when the backup runs past 06:00", "P. Okonkwo", None, None)],
        "note": "'07/08/2024' could be day/month or month/day",
    },
    "html-active-content.html": {  # scripts, styles, iframe, svg, noscript, form, on* attributes
        "title": "API gateway returned 502s after a TLS library upgrade", "date": "2024-09-17", "severity": "SEV2",
        "started_at": "2024-09-17T11:02:00+00:00", "detected_at": "2024-09-17T11:09:00+00:00",
        "mitigated_at": "2024-09-17T11:31:00+00:00", "resolved_at": "2024-09-17T12:05:00+00:00",
        "authors": ["Marek Nowak"],
        "items": [("NET-55 Pin the TLS library version in the gateway image", "Marek Nowak", None, None),
                  ("Add a TLS handshake canary before fleet upgrades", "Ewa Zielinska", None, None)],
        "links": [None, "https://jira.example.com/browse/NET-56"],
        "body_lacks": ["onerror", "alert(", "analytics", "onclick", "onload", "javascript:", "iframe", "grafana",
                       "Was this helpful", "pixel.gif", "app.js", "font-family", "refresh"],
    },
    "twelve-hour-overnight.md": {  # 'p.m.'/'a.m.' under bold day lines, across midnight, ET in November
        "title": "Outage report: Mobile push notifications delayed overnight", "date": "2024-11-08",
        "severity": "SEV2", "authors": ["Dana Whitfield"],
        "started_at": "2024-11-08T23:05:00-05:00",  # 'failures begin', not the earlier rotation job
        "detected_at": "2024-11-08T23:48:00-05:00", "mitigated_at": "2024-11-09T01:10:00-05:00",
        "resolved_at": "2024-11-09T03:05:00-05:00",
        "items": [("Alert on push provider authentication errors", "Dana Whitfield", None, "2024-11-22"),
                  ("Run certificate rotations in business hours", "Platform on-call", None, "2024-12-06")],
    },
    "utf16-notepad.txt": {  # UTF-16 with a byte order mark (Notepad's 'Unicode'), CRLF, plain text
        "title": "Shared drive outage - Leeds office", "date": "2024-10-01", "severity": "SEV4",
        "services": ["file-share"],
        "started_at": "2024-10-01T09:10:00+00:00", "detected_at": "2024-10-01T09:14:00+00:00",
        "resolved_at": "2024-10-01T09:50:00+00:00",
        "items": [("Schedule firmware updates outside office hours", "IT Ops", None, None),
                  ("Add the NAS controller to the monitoring system", "IT Ops", None, None)],
    },
    "docusaurus-admonitions.md": {  # Docusaurus front-matter (no date), an MDX import, ':::' admonitions
        "title": "Payment webhooks dropped during a queue migration", "date": "2024-06-11", "severity": "SEV2",
        "tags": ["payments", "webhooks", "queue-migration"], "services": ["payments-webhooks", "order-service"],
        "started_at": "2024-06-11T14:03:00+02:00", "detected_at": "2024-06-11T14:38:00+02:00",
        "mitigated_at": "2024-06-11T14:50:00+02:00", "resolved_at": "2024-06-11T15:40:00+02:00",
        "items": [("Fail the consumer health check when no subscription is active", "ifeoma", "done", None),
                  ("Replay webhooks automatically after a consumer outage", "dmitri", "open", None)],
    },
    "availability-report-may.md": {  # a monthly report telling one incident under its day-and-time heading
        "title": "Availability report: May 2024", "date": "2024-05-21",  # 'May 21' in the report of 'May 2024'
        "severity": ABSENT, "started_at": "2024-05-21T09:12:00+00:00", "detected_at": "2024-05-21T09:20:00+00:00",
        "resolved_at": "2024-05-21T10:17:00+00:00",  # 'The backlog of queued jobs cleared at 10:17 UTC'
        "items": [],  # what they will change is prose, not a list
    },
    "github-issue-form.md": {  # '### Question' over its answer; '_No response_' answers nothing
        "title": "Postmortem: Container registry pulls timing out (#1432)", "date": "2024-08-27",
        "severity": "SEV1", "started_at": "2024-08-27T16:40:00+00:00", "detected_at": ABSENT,
        "resolved_at": "2024-08-27T18:05:00+00:00", "services": ["container-registry", "ci-runners"],
        "lessons": ABSENT,
        "items": [("Add a pull latency alert for the registry", "rkhan", "open", None),
                  ("Cache base images on the CI runners", "lwei", "open", None)],
    },
}
#: Text that is not UTF-8 and has no byte order mark saying what it is: reported, never decoded by guess.
SKIPPED = {"latin1-legacy.md", "README.md"}


if __name__ == "__main__":  # python3 -m tests.adopt.test_unseen_3 content/postmortems
    import sys

    print_scores(sys.argv[1], EXPECTED)


@pytest.fixture(scope="module")
def imported(tmp_path_factory):
    return import_folder(tmp_path_factory.mktemp("unseen-3-site"), CORPUS, SERVICES)


def test_every_postmortem_imports_and_validates_and_latin1_is_refused_with_its_line(imported):
    assert_imported_and_valid(imported, EXPECTED, SKIPPED)
    _, reports, _ = imported
    assert reports["latin1-legacy.md"]["reason"] == ("line 4: byte 0xe9 is not valid UTF-8; save the file as UTF-8 "
                                                     "and import it again")


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_fields_are_what_the_document_states(imported, name):
    _, reports, metas = imported
    assert_as_stated(name, EXPECTED[name], metas[name], reports[name])
    assert score(metas[name].meta, EXPECTED[name])[1:] == (0, 0)


def test_what_is_not_stated_or_ambiguous_is_reported_not_guessed(imported):
    _, reports, metas = imported
    backup = reports["setext-ddmmyyyy.txt"]
    assert {"date", "started_at", "detected_at", "resolved_at"} <= set(backup["missing"])
    assert any("07/08/2024" in note and "timestamps left out" in note for note in backup["notes"])
    form = reports["github-issue-form.md"]
    assert "detected_at" in form["missing"] and "lessons" not in metas["github-issue-form.md"].meta
    assert "_No response_" in metas["github-issue-form.md"].body  # the body is kept whole
    azure = reports["azure-pir-blob-storage.md"]
    assert any("'How did we respond?'" in note and "read as the timeline" in note for note in azure["notes"])
    assert not any("communications" in note for note in azure["notes"])  # a feedback survey is no action section
    assert any("UTF-16" in note for note in reports["utf16-notepad.txt"]["notes"])
    assert any("merged cells" in note for note in reports["docx-field-table.docx"]["notes"])


def test_re_running_changes_nothing_and_a_dry_run_writes_nothing(imported, tmp_path):
    from click.testing import CliRunner

    from pmsite.cli import cli
    from tests.adopt.test_import_cli import digests

    root, _, _ = imported
    folder = root / "content" / "postmortems"
    before, sources = digests(folder), digests(CORPUS)
    again = CliRunner().invoke(cli, ["-C", str(root), "import", str(CORPUS)])
    assert again.exit_code == 0 and again.output.splitlines()[-1].startswith(f"Summary: {len(EXPECTED)} already imported")
    assert digests(folder) == before and digests(CORPUS) == sources
    (tmp_path / "pmsite.yaml").write_text("title: Dry\n", encoding="utf-8")
    dry = CliRunner().invoke(cli, ["-C", str(tmp_path), "import", str(CORPUS), "--dry-run"])
    assert dry.exit_code == 0 and f"{len(EXPECTED)} would import" in dry.output
    assert not (tmp_path / "content").exists()


# -- the rules behind the batch, in other words than its documents ---------------------------------------------
def test_a_definition_list_and_a_one_row_field_table_are_fields(tmp_path):
    meta, _ = infer_text(tmp_path, "# Queue outage\n\nIncident date\n:   4 March 2024\n\nSeverity\n:   High\n\n"
                         "## Summary\n\nThe queue stopped.\n\n## Action items\n\n- Add an alert\n")
    assert (meta["date"], meta["severity"]) == ("2024-03-04", "SEV2")
    meta, _ = infer_text(tmp_path, "# Queue outage\n\n| Incident date | Severity | Post-incident review owner |\n"
                         "|---|---|---|\n| 2024-03-04 | Lowest | ana@ |\n\n## Summary\n\nThe queue stopped.\n\n"
                         "## Timeline (UTC)\n\n| Time | Event |\n|---|---|\n| 10:00 | Errors start |\n| 10:40 | Resolved |\n")
    assert (meta["date"], meta["severity"], meta["authors"]) == ("2024-03-04", "SEV4", ["ana"])
    assert (meta["started_at"], meta["resolved_at"]) == ("2024-03-04T10:00:00+00:00", "2024-03-04T10:40:00+00:00")


def test_a_time_zone_line_and_a_zone_in_a_question_heading(tmp_path):
    meta, _ = infer_text(tmp_path, "# Mail delays\n\nTime zone: Europe/Oslo\nStart: 2024-01-05 10:00\n"
                         "Detect: 2024-01-05 10:20\n\n## Summary\n\nMail was slow.\n\n## Action items\n\n- Fix\n")
    assert (meta["started_at"], meta["detected_at"]) == ("2024-01-05T10:00:00+01:00", "2024-01-05T10:20:00+01:00")
    meta, notes = infer_text(tmp_path, "# Mail delays\n\n### Start time (CET)\n\n2024-01-05 10:00\n\n"
                             "### Detection time\n\nN/A\n\n### Services affected\n\n- mail\n- calendar\n\n"
                             "### Summary\n\nMail was slow.\n\n### Action items\n\n_No response_\n")
    assert meta["started_at"] == "2024-01-05T10:00:00+01:00" and "detected_at" not in meta
    assert meta["services"] == ["mail", "calendar"] and meta.get("action_items", []) == []


def test_a_section_of_timed_items_is_the_timeline_when_none_is_named(tmp_path):
    meta, notes = infer_text(tmp_path, "# API errors\n\nDate: 2024-05-02\n\n## Summary\n\nErrors.\n\n## Response\n\n"
                             "- 13:40 UTC deploy\n- 13:45 UTC errors begin\n- 13:58 UTC alert fired\n"
                             "- 19:20 UTC service restored\n\n## Next steps\n\n- Add a canary (In progress)\n"
                             "- Add an alert (ETA: 2024-06-01)\n")
    assert (meta["started_at"], meta["detected_at"], meta["resolved_at"]) == (
        "2024-05-02T13:45:00+00:00", "2024-05-02T13:58:00+00:00", "2024-05-02T19:20:00+00:00")
    assert any("'Response'" in note for note in notes)
    assert [(i["title"], i.get("status"), i.get("due")) for i in meta["action_items"]] == [
        ("Add a canary", "in_progress", None), ("Add an alert", None, "2024-06-01")]
    meta, _ = infer_text(tmp_path, "# API errors\n\n## Summary\n\nErrors.\n\n## Response\n\n- Rolled back\n"
                         "- Paged the team at 13:58 UTC\n- Wrote this\n\n## Action items\n\n- Fix\n")
    assert "started_at" not in meta  # one time among plain items is no timeline


def test_a_dated_window_alone_states_the_start_and_a_chat_log_is_a_timeline(tmp_path):
    meta, _ = infer_text(tmp_path, "## Post Incident Review (PIR) - DNS resolution failures\n\n### What happened?\n\n"
                         "Between 22:10 UTC on 3 May 2024 and 01:30 UTC on 4 May 2024, lookups failed.\n\n"
                         "### What went wrong and why?\n\nA bad zone file.\n")
    assert (meta["date"], meta["started_at"]) == ("2024-05-03", "2024-05-03T22:10:00+00:00")
    assert "resolved_at" not in meta  # the window's end is when impact ended, not said to be resolved
    meta, _ = infer_text(tmp_path, "# Uploads failing\n\nDate: 2024-07-02\n\n## Summary\n\nUploads failed.\n\n"
                         "## Timeline (EDT)\n\n[14:02] <deploybot> deploy 4821\n[14:09] <ana> customers report "
                         "errors\n[15:31] <ana> resolved\n")
    assert (meta["started_at"], meta["detected_at"], meta["resolved_at"]) == (
        "2024-07-02T14:02:00-04:00", "2024-07-02T14:09:00-04:00", "2024-07-02T15:31:00-04:00")


def test_byte_order_marks_say_the_encoding_and_utf16_without_one_is_refused(tmp_path):
    from pmsite.adopt.read import NotConvertible, read_document

    text = "# Outage\n\n## Summary\n\nDown on 2024-03-04.\n"
    for encoding in ("utf-16-be", "utf-32"):
        path = tmp_path / f"{encoding}.md"
        path.write_bytes((("\ufeff" + text) if encoding.endswith("be") else text).encode(encoding))  # 'utf-32' adds one
        document = read_document(path)
        assert document.markdown.startswith("# Outage") and "byte order mark" in document.notes[0]
    path = tmp_path / "no-bom.md"
    path.write_bytes(text.encode("utf-16-le"))
    with pytest.raises(NotConvertible, match="UTF-16 text without a byte order mark"):
        read_document(path)


def test_an_html_definition_list_with_a_list_value(tmp_path):
    from pmsite.adopt.infer import infer
    from pmsite.adopt.read import read_document

    path = tmp_path / "review.html"
    path.write_text("<html><body><h1>Login outage</h1><dl><dt>Incident date</dt><dd>March 4, 2024</dd>"
                    "<dt>Affected services</dt><dd><ul><li>login</li><li>sso</li></ul></dd></dl>"
                    "<h2>Summary</h2><p>Logins failed.</p></body></html>", encoding="utf-8")
    document = read_document(path)
    assert "**Incident date:** March 4, 2024" in document.markdown and "- sso" in document.markdown
    assert infer(document, {}).meta["date"] == "2024-03-04"


def test_a_plain_first_line_over_field_lines_is_the_title_and_tickets_are_detection(tmp_path):
    meta, _ = infer_text(tmp_path, "VPN outage - Oslo office\nDate: 2024-02-01\nSeverity: Highest\n\nSUMMARY\n"
                         "The VPN was down.\n\nTIMELINE (all times UTC)\n08:00 VPN concentrator reboots\n"
                         "08:06 Service desk receives a ticket from staff\n08:30 VPN back to normal\n")
    assert (meta["title"], meta["severity"], meta["detected_at"]) == (
        "VPN outage - Oslo office", "SEV1", "2024-02-01T08:06:00+00:00")


def test_a_report_of_one_month_dates_its_one_incident_and_two_days_date_nothing(tmp_path):
    text = ("# Service report - October 2024\n\nWe had one incident in October.\n\n**Oct 9 16:40 UTC (lasting 2 hours)**"
            "\n\nOn Oct 9 at 16:40 UTC, builds failed. At 16:55 UTC our alarms fired. At 18:40 UTC the queue had drained."
            "\n")
    meta, _ = infer_text(tmp_path, text)
    assert (meta["date"], meta["started_at"], meta["detected_at"], meta["resolved_at"]) == (
        "2024-10-09", "2024-10-09T16:40:00+00:00", "2024-10-09T16:55:00+00:00", "2024-10-09T18:40:00+00:00")
    meta, _ = infer_text(tmp_path, text.replace("On Oct 9", "On Oct 10") + "\n## Impact\n\nBuilds failed.\n")
    assert "date" not in meta and "started_at" not in meta  # Oct 9 or Oct 10: the text says both


def test_checkboxes_without_a_list_marker_and_dash_separated_fields_after_an_item(tmp_path):
    meta, _ = infer_text(tmp_path, "# Login failures\n\nDate: Feb 2, 2024\n\n## Timeline (PT)\n\n- 2:05 PM errors begin\n"
                         "- 3:01 PM all clear\n\n## Follow-ups\n\n[ ] Add an alert — Sam — due Feb 20, 2024\n"
                         "☑ Add a runbook — TBD\n[x] Rotate the key -- status: done\n")
    assert meta["resolved_at"] == "2024-02-02T15:01:00-08:00"
    assert [(i["title"], i.get("owner"), i.get("status"), i.get("due")) for i in meta["action_items"]] == [
        ("Add an alert", None, "open", "2024-02-20"),  # 'Sam' is not labelled an owner: left out
        ("Add a runbook", None, "done", None), ("Rotate the key", None, "done", None)]


def test_a_stated_start_and_end_give_the_days_of_a_timeline_across_midnight_only_when_they_match(tmp_path):
    text = ("# Outage: image CDN errors\n\n**Incident start:** 2024-06-01 22:50 CEST\n**Incident end:** 2024-06-02 "
            "{end} CEST\n\n## Summary\n\nThe CDN failed.\n\n## Timeline\n\n- 22:50 errors start\n- 23:05 alert fires\n"
            "- 00:40 mitigated by failover\n- 01:15 resolved\n")
    meta, _ = infer_text(tmp_path, text.format(end="01:15"))
    assert (meta["detected_at"], meta["mitigated_at"]) == ("2024-06-01T23:05:00+02:00", "2024-06-02T00:40:00+02:00")
    meta, notes = infer_text(tmp_path, text.format(end="02:30"))  # the last entry is not the stated end
    assert "detected_at" not in meta and "mitigated_at" not in meta and meta["resolved_at"] == "2024-06-02T02:30:00+02:00"
    assert any("crosses midnight" in note for note in notes)


def test_a_row_of_one_cell_over_a_table_is_its_caption_not_its_header(tmp_path):
    from pmsite.adopt.infer import infer
    from pmsite.adopt.read import read_document

    path = tmp_path / "cache.html"
    path.write_text("<html><body><h1>Cache outage</h1><p>Date: 2024-03-04</p><h2>Summary</h2><p>Cache down.</p>"
                    "<h2>Action items</h2><table><tr><th colspan='3'>Follow-up work</th></tr><tr><th>Action</th>"
                    "<th>Owner</th><th>Due</th></tr><tr><td>Add cache alert</td><td rowspan='2'>Ops</td>"
                    "<td>2024-04-01</td></tr><tr><td>Add runbook</td><td>2024-04-15</td></tr></table></body></html>",
                    encoding="utf-8")
    document = read_document(path)
    assert "*Follow-up work*" in document.markdown and any("merged cells" in note for note in document.notes)
    assert [(i["title"], i.get("owner"), i.get("due")) for i in infer(document, {}).meta["action_items"]] == [
        ("Add cache alert", "Ops", "2024-04-01"), ("Add runbook", "Ops", "2024-04-15")]


def test_callouts_are_read_as_their_text_and_a_zone_in_a_labels_brackets_goes_with_its_value(tmp_path):
    meta, _ = infer_text(tmp_path, "# Checkout errors after deploy\n\n> [!NOTE]\n> **Severity:** SEV2\n> **Date:** "
                         "2024-03-04\n\n## Timeline\n\n> All times UTC.\n>\n> - 10:00 errors start\n> - 10:30 resolved\n\n"
                         "## Action items\n\n> - [ ] Add a canary (owner: ana)\n")
    assert (meta["severity"], meta["date"], meta["resolved_at"]) == ("SEV2", "2024-03-04", "2024-03-04T10:30:00+00:00")
    assert meta["action_items"][0] == {"id": "AI-1", "title": "Add a canary", "owner": "ana", "status": "open"}
    meta, _ = infer_text(tmp_path, "# Checkout errors\n\n| Key | Value |\n|---|---|\n| Severity | SEV2 |\n"
                         "| Start (UTC) | 2024-03-04 10:00 |\n| Resolved (UTC) | 2024-03-04 10:30 |\n| Detected | "
                         "2024-03-04 10:05 |\n\n## Summary\n\nCheckout failed.\n")
    assert (meta["started_at"], meta["resolved_at"]) == ("2024-03-04T10:00:00+00:00", "2024-03-04T10:30:00+00:00")
    assert meta["detected_at"] == "2024-03-04T10:05:00+00:00"  # a zone the table writes serves all its rows


def test_more_zone_abbreviations_and_year_first_dotted_dates(tmp_path):
    meta, _ = infer_text(tmp_path, "# Payments outage\n\nDate: 2024.03.12\n\n## Timeline (all times SGT)\n\n"
                         "- 09:00 errors start\n- 09:40 resolved\n\n## Action items\n\n- Fix\n")
    assert (meta["date"], meta["started_at"]) == ("2024-03-12", "2024-03-12T09:00:00+08:00")


def test_numbered_headings_name_their_sections(tmp_path):
    meta, _ = infer_text(tmp_path, "# Incident Report: Email delays\n\n## 1. Executive Summary\n\nEmails were delayed "
                         "on 2024-05-07.\n\n## 2.1 Timeline (UTC)\n\n- 08:00 queue grows\n- 10:00 queue drained\n\n"
                         "## IV. Corrective Actions\n\n- Add a queue alert (owner: mail)\n\n## B) Lessons learned\n\n"
                         "- Alerts matter.\n")
    assert (meta["summary"], meta["date"], meta["resolved_at"]) == (
        "Emails were delayed on 2024-05-07.", "2024-05-07", "2024-05-07T10:00:00+00:00")
    assert meta["action_items"] == [{"id": "AI-1", "title": "Add a queue alert", "owner": "mail"}]
    assert meta["lessons"] == ["Alerts matter."]


@pytest.mark.parametrize("heading", ["Action Items (owner/due)", "Action items / Follow-ups", "Next steps & action items",
                                     "Remediation tasks", "Corrective and preventive actions (CAPA)", "Tasks"])
def test_action_sections_named_in_more_ways_and_the_response_is_not_one(tmp_path, heading):
    meta, _ = infer_text(tmp_path, f"# Queue outage\n\n## Summary (TL;DR)\n\nThe queue stopped on 2024-03-04.\n\n"
                         f"## Actions taken\n\n- Restarted the broker\n\n## {heading}\n\n- Add a queue alert\n")
    assert meta["summary"] == "The queue stopped on 2024-03-04."
    assert [i["title"] for i in meta["action_items"]] == ["Add a queue alert"]  # not 'Restarted the broker'


def test_owners_written_first_or_as_a_dri_and_fields_in_one_bracket(tmp_path):
    meta, _ = infer_text(tmp_path, "# Queue outage\n\n## Summary\n\nThe queue stopped on 2024-03-04.\n\n## Action items\n\n"
                         "- [ ] @ana: Add a queue alert\n- [x] Add a runbook (OPS-12, @bo, due 2024-04-01)\n"
                         "- [ ] Tune retries — DRI: Cy Lo\n\n## Follow-ups\n\n| Description | DRI | Target date |\n"
                         "|---|---|---|\n| Cap the producer rate | Dee | 2024-05-01 |\n")
    assert [(i["title"], i.get("owner"), i.get("due")) for i in meta["action_items"]] == [
        ("Add a queue alert", "ana", None), ("Add a runbook", "bo", "2024-04-01"), ("Tune retries", "Cy Lo", None),
        ("Cap the producer rate", "Dee", "2024-05-01")]


def test_owner_words_inside_other_words_name_nobody(tmp_path):
    meta, _ = infer_text(tmp_path, "# Queue outage\n\n## Summary\n\nThe queue stopped on 2024-03-04.\n\n## Action items\n\n"
                         "- Teach the Product Owners about CVEs\n- Avoid drift by pinning versions\n"
                         "- Make the platform team responsible for upgrades\n")
    assert [i.get("owner") for i in meta["action_items"]] == [None, None, None]


def test_a_runbook_that_names_a_severity_is_still_no_postmortem(tmp_path):
    from pmsite.adopt.infer import NotAPostmortem

    with pytest.raises(NotAPostmortem, match="no postmortem headings"):
        infer_text(tmp_path, "# Restart the queue\n\nSeverity: SEV2 alerts page this runbook.\n\n## Overview\n\n"
                   "How to restart the queue.\n\n## Steps\n\n1. Drain\n2. Restart\n")


def test_bold_by_a_style_class_and_plain_lines_naming_a_section_are_headings(tmp_path):
    from pmsite.adopt.infer import infer
    from pmsite.adopt.read import read_document

    path = tmp_path / "doc.html"
    path.write_text("<html><head><style>.c1{font-weight:700}.c2{font-weight:400}</style></head><body>"
                    "<p><span class='c1'>Checkout outage postmortem</span></p><p><span class='c1'>Summary</span></p>"
                    "<p><span class='c2'>On 2024-03-04 checkout failed.</span></p><p><span style='font-weight: bold'>"
                    "Timeline (all times UTC)</span></p><p><span class='c2'>10:00 errors start</span></p>"
                    "<p><span class='c2'>10:30 resolved</span></p></body></html>", encoding="utf-8")
    meta = infer(read_document(path), {}).meta
    assert (meta["title"], meta["started_at"], meta["resolved_at"]) == (
        "Checkout outage postmortem", "2024-03-04T10:00:00+00:00", "2024-03-04T10:30:00+00:00")
    meta, _ = infer_text(tmp_path, "Checkout outage\n\nSummary\nOn 2024-03-04 checkout failed.\n\nAction items\n"
                         "- Add an alert (owner: ana)\n")
    assert (meta["title"], meta["summary"]) == ("Checkout outage", "On 2024-03-04 checkout failed.")
    assert meta["action_items"] == [{"id": "AI-1", "title": "Add an alert", "owner": "ana"}]


def test_a_mime_web_archive_is_read_as_its_html_and_an_office_97_file_is_named(tmp_path):
    import quopri

    from pmsite.adopt.read import NotConvertible, read_document

    html = ("<html><body><h1>Payments outage</h1><p>Date: 2024-03-04</p><h2>Summary</h2><p>Payments failed "
            "because the acquirer’s certificate expired.</p></body></html>")
    path = tmp_path / "Payments outage.doc"  # Confluence's 'Export to Word'
    path.write_bytes(b"Date: Mon, 4 Mar 2024 12:00:00 +0000\nSubject: Exported From Confluence\nMIME-Version: 1.0\n"
                     b'Content-Type: multipart/related; boundary="XYZ"\n\n--XYZ\nContent-Type: text/html; '
                     b"charset=UTF-8\nContent-Transfer-Encoding: quoted-printable\n\n"
                     + quopri.encodestring(html.encode()) + b"\n--XYZ--\n")
    document = read_document(path)
    assert document.markdown.startswith("# Payments outage") and "Content-Type" not in document.markdown
    assert "acquirer’s certificate" in document.markdown  # quoted-printable UTF-8, decoded
    assert "MIME web archive" in document.notes[0]
    old = tmp_path / "old.doc"
    old.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64)
    with pytest.raises(NotConvertible, match="Office 97-2003"):
        read_document(old)


def test_a_lead_up_entry_before_the_incident_date_is_not_the_start(tmp_path):
    text = ("# Checkout outage\n\nDate: 2024-03-04\n\n## Timeline (UTC)\n\n- 2024-02-20 14:00 the change was merged\n"
            "- 2024-03-04 10:00 {event}\n- 2024-03-04 10:05 alert fired\n- 2024-03-04 10:30 resolved\n")
    meta, notes = infer_text(tmp_path, text.format(event="deploy reaches production"))
    assert "started_at" not in meta and meta["detected_at"] == "2024-03-04T10:05:00+00:00"
    assert any("before the incident date" in note for note in notes)
    meta, _ = infer_text(tmp_path, text.format(event="deploy reaches production; errors begin"))
    assert meta["started_at"] == "2024-03-04T10:00:00+00:00"


def test_reported_and_triggered_lines_state_the_detection(tmp_path):
    for label in ("Reported at", "Triggered"):
        meta, _ = infer_text(tmp_path, f"# Checkout errors\n\n- **Impact started at:** 2024-03-04 10:00 UTC\n"
                             f"- **{label}:** 2024-03-04 10:07 UTC\n- **Reported by:** Ana\n"
                             "- **Resolved at:** 2024-03-04 10:40 UTC\n\n## Summary\n\nCheckout failed.\n")
        assert meta["detected_at"] == "2024-03-04T10:07:00+00:00", label


def test_a_time_element_gives_its_instant_when_its_text_is_only_a_local_time(tmp_path):
    from pmsite.adopt.infer import infer
    from pmsite.adopt.read import read_document

    path = tmp_path / "delays.html"
    path.write_text("<html><body><h1>Webhook delays</h1><h2>Summary</h2><p>Webhooks were late.</p><h2>Timeline</h2><ul>"
                    '<li><time datetime="2024-05-06T08:12:00Z">8:12 AM</time> errors start</li>'
                    '<li><time datetime="2024-05-06T09:47:00Z">9:47 AM</time> resolved</li>'
                    '<li><time datetime="2024-05-07">the next day</time> postmortem written</li></ul></body></html>',
                    encoding="utf-8")
    document = read_document(path)
    assert "- 2024-05-06T08:12:00Z (8:12 AM) errors start" in document.markdown
    assert "the next day postmortem written" in document.markdown  # a day without a time is left as written
    meta = infer(document, {}).meta
    assert (meta["started_at"], meta["resolved_at"]) == ("2024-05-06T08:12:00+00:00", "2024-05-06T09:47:00+00:00")


@pytest.mark.parametrize("when", ["March 4, 2024 at {} UTC —", "**Mon 4 March 2024, {} UTC**", "2024-03-04T{}Z"])
def test_timeline_lines_that_start_with_a_date_and_a_time_without_a_list(tmp_path, when):
    lines = "\n\n".join(f"{when.format(clock)} {event}" for clock, event in (
        ("10:00", "errors start"), ("10:05", "alert fired"), ("10:30", "resolved")))
    meta, _ = infer_text(tmp_path, f"# Checkout outage\n\n## Summary\n\nCheckout failed.\n\n## Timeline\n\n{lines}\n\n"
                         "Version 1.10 was released at 09:00 UTC the day before.\n")
    assert (meta["started_at"], meta["detected_at"], meta["resolved_at"]) == (
        "2024-03-04T10:00:00+00:00", "2024-03-04T10:05:00+00:00", "2024-03-04T10:30:00+00:00")
