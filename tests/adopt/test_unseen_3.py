"""Import a third batch of unseen postmortem shapes (tests/fixtures/adopt-unseen-3, see its README).

Every expected value was read off the documents by hand before the importer was changed for
them: what each one states, and, where a document leaves a value out or states it ambiguously
(a dd/mm date such as '07/08/2024', a '_No response_' answer), that the field is absent and
reported rather than guessed.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.adopt.test_unseen import (ABSENT, assert_as_stated, assert_imported_and_valid, import_folder, infer_text,
                                     score)
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


def main(folder: str) -> None:
    """Print correct / wrong / left out per document imported into FOLDER (content/postmortems)."""
    import yaml

    seen = set()
    for path in sorted(Path(folder).glob("*.md")):
        meta = yaml.safe_load(path.read_text(encoding="utf-8").split("---\n")[1])
        name = Path(meta.get("imported_from", "")).name
        if name in EXPECTED:
            seen.add(name)
            print("| {} | {} | {} | {} |".format(name, *score(meta, EXPECTED[name])))
    for name in sorted(set(EXPECTED) - seen):
        print(f"| {name} | not imported |")


if __name__ == "__main__":  # python3 -m tests.adopt.test_unseen_3 content/postmortems
    import sys

    main(sys.argv[1])
