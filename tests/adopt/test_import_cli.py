"""``pmsite import`` end to end: writes, reports, never overwrites, re-runs change nothing."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from pmsite.cli import cli
from pmsite.load import read_file
from tests.adopt.test_infer import FULL, NO_ZONE
from tests.conftest import write

SECRET = "ghp_" + "a" * 36


def old_folder(root: Path) -> Path:
    """A folder of old postmortems as an organisation has it, bad files included."""
    folder = root / "old"
    write(folder / "2024-01-18 checkout.md", FULL + f"\nThe deploy used token {SECRET} by mistake.\n")
    write(folder / "search.md", NO_ZONE)
    write(folder / "README.md", "# Postmortems\n\nOur incident write-ups.\n")
    write(folder / "empty.md", "")
    (folder / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    (folder / "latin1.md").write_bytes("# Panne\n\n## Résumé\n".encode("latin-1"))
    write(folder / "export.html", "<html><head><script>steal()</script><style>p{}</style></head><body>"
                                   "<h1>Cart totals wrong</h1><h2>Summary</h2><p>Rounding on 3 May 2024 made totals"
                                   " wrong.</p><h2>Action items</h2><ul><li>Round once</li></ul>"
                                   "<h2>Action items</h2><ul><li>Add a property test</li></ul></body></html>")
    return folder


def digests(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def test_import_reports_each_file_writes_valid_postmortems_and_leaves_originals_alone(runner, site_root, config):
    folder = old_folder(site_root)
    before = digests(folder)
    result = runner.invoke(cli, ["-C", str(site_root), "import", "old"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert "skipped   old/README.md: no postmortem headings" in "\n".join(lines)
    assert "skipped   old/empty.md: the file is empty" in lines
    assert "skipped   old/logo.png: this is a binary file, not a text document" in lines
    assert ("skipped   old/latin1.md: line 3: byte 0xe9 is not valid UTF-8; save the file as UTF-8 and import it "
            "again") in lines
    assert lines[-1] == "Summary: 3 imported, 4 skipped; 3 of 3 pass validate"
    assert digests(folder) == before

    written = sorted((site_root / "content" / "postmortems").glob("*.md"))
    assert [p.name for p in written] == ["2024-01-18-checkout-503s-after-a-pool-resize.md",
                                         "2024-03-07-search-latency-after-synonym-reload.md",
                                         "2024-05-03-cart-totals-wrong.md"]
    checkout, _ = read_file(written[0], config)
    assert checkout.meta["imported"] is True
    assert checkout.meta["imported_from"] == "old/2024-01-18 checkout.md"
    assert checkout.meta["status"] == "published"
    assert checkout.id == "PM-2024-001"
    assert SECRET not in written[0].read_text()
    assert "[REDACTED:github-token]" in written[0].read_text()
    assert "  redacted      1 github-token" in lines
    cart = written[2].read_text()
    assert "steal()" not in cart and "p{}" not in cart
    assert [item["title"] for item in read_file(written[2], config)[0].meta["action_items"]] == [
        "Round once", "Add a property test"]
    assert "  note          2 action item sections (heading 'Action items', heading 'Action items'): items read " \
           "from all of them" in lines

    validate = runner.invoke(cli, ["-C", str(site_root), "validate", "--min-severity", "warning"])
    assert validate.exit_code == 0, validate.output


def test_running_the_import_again_changes_nothing(runner, site_root):
    old_folder(site_root)
    runner.invoke(cli, ["-C", str(site_root), "import", "old"])
    content = site_root / "content" / "postmortems"
    first = digests(content)
    again = runner.invoke(cli, ["-C", str(site_root), "import", "old"])
    assert again.exit_code == 0
    assert "unchanged old/search.md -> content/postmortems/2024-03-07-search-latency-after-synonym-reload.md " \
           "(PM-2024-003): already imported" in again.output.splitlines()
    assert again.output.splitlines()[-1] == "Summary: 3 already imported, 4 skipped; 0 of 0 pass validate"
    assert digests(content) == first


def test_dry_run_writes_nothing(runner, site_root):
    old_folder(site_root)
    result = runner.invoke(cli, ["-C", str(site_root), "import", "old", "--dry-run"])
    assert result.exit_code == 0
    assert result.output.splitlines()[-1].endswith("(dry run: nothing written)")
    assert "would import old/search.md -> content/postmortems/2024-03-07-search-latency-after-synonym-reload.md" \
        in result.output
    assert list((site_root / "content" / "postmortems").iterdir()) == []


def test_an_existing_file_or_id_is_never_overwritten(runner, site_root):
    folder = site_root / "old"
    write(folder / "search.md", NO_ZONE)
    existing = write(site_root / "content" / "postmortems" / "2024-03-07-search-latency-after-synonym-reload.md",
                     "---\nid: PM-2024-001\ntitle: Written by hand\nstatus: draft\nseverity: SEV3\ntype: other\n"
                     "date: 2024-03-07\n---\n\nHand-written.\n")
    before = existing.read_bytes()
    result = runner.invoke(cli, ["-C", str(site_root), "import", "old", "--format", "json"])
    assert result.exit_code == 0, result.output
    [report] = json.loads(result.output)["imported"]
    assert report["target"] == "content/postmortems/2024-03-07-search-latency-after-synonym-reload-2.md"
    assert report["id"] == "PM-2024-002"
    assert report["passes_validate"] is True
    assert report["inferred"]["date"] == "heading 'Summary' (line 3), line 5"
    assert existing.read_bytes() == before


def test_imported_times_and_stated_durations_feed_the_metrics(runner, site_root):
    write(site_root / "old" / "checkout.md", FULL)
    assert runner.invoke(cli, ["-C", str(site_root), "import", "old"]).exit_code == 0
    write(site_root / "content" / "postmortems" / "hand.md",
          "---\nid: PM-2024-050\ntitle: Hand-written without times\nstatus: published\nseverity: SEV3\n"
          "type: other\ndate: 2024-02-01\n---\n\nText.\n")
    metrics = runner.invoke(cli, ["-C", str(site_root), "metrics", "--format", "json"])
    summary = json.loads(metrics.stdout)["summary"]
    assert summary["time_to_detect_minutes"]["count"] == 1
    assert summary["time_to_detect_minutes"]["median"] == 7.0  # stated, not 14:02 - 13:55 from the timeline
    assert summary["time_to_mitigate_minutes"]["median"] == 25.0  # from the timeline: nothing stated
    text = runner.invoke(cli, ["-C", str(site_root), "metrics"]).output
    assert "time to resolve       median 1.1 h, p90 1.1 h (n = 1; 1 not recorded, skipped)" in text


def test_into_writes_to_another_folder_and_a_missing_source_is_a_usage_error(runner, site_root):
    write(site_root / "old" / "search.md", NO_ZONE)
    result = runner.invoke(cli, ["-C", str(site_root), "import", "old/search.md", "--into", "imported"])
    assert result.exit_code == 0, result.output
    assert [p.name for p in (site_root / "imported").iterdir()] == ["2024-03-07-search-latency-after-synonym-reload.md"]
    assert list((site_root / "content" / "postmortems").iterdir()) == []
    missing = runner.invoke(cli, ["-C", str(site_root), "import", "nowhere"])
    assert missing.exit_code == 2
    assert "Error: nowhere: no such file or folder" in missing.output
