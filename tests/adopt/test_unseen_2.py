"""Import a second batch of unseen postmortem shapes (tests/fixtures/adopt-unseen-2, see its README).

Every expected value was read off the documents by hand before the importer was changed
for them: what each one states, and, where a document leaves a value out or says it only in a
way the importer does not read (prose in another language, several incidents in one file),
that the field is absent rather than guessed.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from pmsite.cli import cli
from pmsite.config import load_config
from pmsite.load import load_corpus
from tests.adopt.test_unseen import ABSENT, SCALAR_FIELDS, score
from tests.conftest import REPO_ROOT

CORPUS = REPO_ROOT / "tests" / "fixtures" / "adopt-unseen-2"

#: source file -> field -> the value the document states (ABSENT: it states none, or only an ambiguous one).
EXPECTED: dict[str, dict] = {
    "cloud-summary-of-event.md": {  # times only in prose, each with its own zone
        "title": "Summary of the Managed Queue Service Event in the US-WEST-2 Region", "date": "2024-06-13",
        "severity": ABSENT, "started_at": "2024-06-13T09:37:00-07:00", "detected_at": "2024-06-13T09:52:00-07:00",
        "resolved_at": "2024-06-13T12:15:00-07:00",
        "items": [],
    },
    "blog-engineering-postmortem.md": {  # 'Time (UTC)' table without a day, the day in the lead paragraph
        "title": "Details of the March 5 edge proxy outage", "date": "2024-03-05", "severity": ABSENT,
        "started_at": "2024-03-05T13:55:00+00:00", "detected_at": "2024-03-05T14:09:00+00:00",
        "resolved_at": "2024-03-05T14:49:00+00:00", "authors": ["Noor Hassan"], "published": "2024-03-07",
        "items": [("Make the parser ignore unknown fields instead of failing", "edge-team", None, None),
                  ("Gate controller rollouts on proxy health", "release-eng", None, None),
                  ("Keep the last good routing table when a new one fails to parse", None, None, None)],
    },
    "statuspage-incident-history.md": {  # updates newest first, 'Posted Mar 03, 2024 - 14:05 UTC'
        "title": "Delayed email notifications", "date": "2024-03-03", "severity": ABSENT,
        "started_at": ABSENT,  # the first update is when it was noticed, not when it began
        "detected_at": "2024-03-03T14:05:00+00:00", "mitigated_at": "2024-03-03T14:55:00+00:00",
        "resolved_at": "2024-03-03T15:40:00+00:00", "services": ["notifications-email"],  # 'This incident affected:'
        "items": [], "note": "started_at left out",
    },
    "jira-issue-export.html": {  # Jira 'Printable'/HTML issue view: a layout table around the description
        "title": "[OPS-4471] Postmortem: Order API latency after cache eviction storm",  # as the page title writes it
        "date": "2024-06-11", "started_at": "2024-06-11T14:20:00+00:00",  # not the comment's 2023-11-02
        "detected_at": "2024-06-11T14:26:00+00:00", "resolved_at": "2024-06-11T14:54:00+00:00",
        "services": ["order-api", "redis-cache"],  # 'Component/s'
        "severity": "SEV2",  # 'Priority: Major', read as every 'Priority:' field is
        "items": [("Set maxmemory per key prefix", "Lin Zhao", None, None),
                  ("Alert on eviction rate", "Kwame Asante", None, None)],
        "links": ["https://jira.example.com/browse/OPS-4480", "https://jira.example.com/browse/OPS-4481"],
    },
    "confluence-page-properties.html": {  # an 'Incident' page-properties table
        "title": "Object store replication lag", "date": "2024-10-03", "severity": "SEV2",
        "started_at": "2024-10-03T02:00:00+00:00", "detected_at": "2024-10-03T07:45:00+00:00",
        "resolved_at": "2024-10-03T11:10:00+00:00", "services": ["object-store"], "published": "2024-10-08",
        "items": [("Alert when replication lag exceeds 30 minutes", "Marta Silva", "done", None),
                  ("Include link bandwidth in the network change review", "Network team", "open", None)],
    },
    "jekyll-front-matter.md": {  # another tool's front-matter: title, author, tags kept; 'date' is the post's
        "title": "Postmortem: Image uploads failing for Android users", "date": "2024-08-12",
        "started_at": "2024-08-12T10:15:00+02:00", "detected_at": "2024-08-12T10:48:00+02:00",
        "resolved_at": "2024-08-12T12:20:00+02:00", "authors": ["Selin Aydin"], "published": "2024-08-14",
        "items": [("Accept every image content type the apps can send", "selin", "done", None),
                  ("Add upload success rate to the staged rollout checks", "marco", "open", None)],
    },
    "german-postmortem.md": {
        "title": "Postmortem: Ausfall der Zahlungsabwicklung", "date": "2024-05-21", "severity": "SEV2",
        "authors": ["Jana Becker"],
        "started_at": "2024-05-21T09:14:00+02:00", "detected_at": "2024-05-21T09:26:00+02:00",
        "resolved_at": "2024-05-21T10:06:00+02:00",  # 'laufen wieder normal'
        "items": [("Zertifikate automatisch erneuern", "Tobias Wolf", "done", "2024-06-01"),
                  ("Ablauf-Überwachung für alle Zertifikate", "Jana Becker", "open", "2024-06-30")],
    },
    "french-postmortem.md": {
        "title": "Post-mortem : indisponibilité de la recherche", "date": "2024-09-10", "severity": "SEV3",
        "started_at": "2024-09-10T06:40:00+00:00",
        "items": [("Vérifier le nombre de documents avant de basculer l'alias", "Léa Martin", None, None),
                  ("Alerter quand la réindexation s'arrête avant la fin", None, None, None)],
    },
    "twelve-hour-pst.md": {  # 12-hour times across noon, 'All times in PST' once, '1h 23m'
        "title": "Incident writeup: reporting dashboards timed out", "date": "2024-01-22", "severity": "SEV3",
        "started_at": "2024-01-22T11:05:00-08:00", "detected_at": "2024-01-22T12:43:00-08:00",
        "resolved_at": "2024-01-22T14:13:00-08:00",
        "durations": {"time_to_detect": 83, "time_to_resolve": 173},
        "items": [("Move the aggregation job to its own replica", "Dana Wu", None, "2024-02-15"),
                  ("Add a statement timeout for dashboard queries", "Felipe Ortiz", None, None)],
    },
    "word-tracked-changes.docx": {  # header/footer dates, a TOC field, a comment, tracked changes
        "title": "Postmortem: Message broker disk exhaustion", "date": "2024-11-19", "severity": "SEV1",
        "started_at": "2024-11-19T16:02:00+00:00", "detected_at": "2024-11-19T16:07:00+00:00",
        "resolved_at": "2024-11-19T16:40:00+00:00",
        "summary_starts": "The message broker stopped accepting messages for 38 minutes after",
        "items": [("Alert on unacknowledged message age", "Rosa Diaz", None, "2024-12-06"),
                  ("Set a disk quota per queue", "Emeka Obi", None, None)],
        "body_lacks": ["an hour after", "CONFIDENTIAL", "Was this not SEV2"],
    },
}
#: A digest of several incidents is not one postmortem: importing it would mix their times.
SKIPPED = {"availability-report-month.md", "README.md"}


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


if __name__ == "__main__":  # python3 -m tests.adopt.test_unseen_2 content/postmortems
    import sys

    main(sys.argv[1])
