"""Front-matter values at the edges: every stage either refuses them with a finding at the line or
handles them; none ends in "unexpected problem".

Out-of-range dates and times (year 1, year 9999 with an offset), control characters and lone
surrogates, and a seeded fuzz over every front-matter field type through ``validate`` and ``build``.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import xml.etree.ElementTree as ET

import pytest
import yaml

from pmsite.cli import cli
from pmsite.render.feeds import FeedEntry, atom_feed
from pmsite.render.site import SiteInfo
from tests.conftest import write

BASE = {
    "id": "PM-2024-001", "title": "Checkout latency after cache flush", "status": "published", "severity": "SEV3",
    "type": "performance", "date": "2024-03-07", "started_at": "2024-03-07T13:55:00Z",
    "detected_at": "2024-03-07T14:02:11Z", "mitigated_at": "2024-03-07T14:40:00Z",
    "resolved_at": "2024-03-07T15:02:00Z", "published": "2024-03-10", "detection": "alert",
    "services": ["checkout"], "teams": ["payments"], "tags": ["cache"], "authors": ["priya"],
    "participants": ["priya", "tom"], "summary": "A cache flush sent every checkout request to the database.",
    "lessons": ["Cold caches are a load test."], "related": [], "fingerprint": "cache-flush",
    "incident_url": "https://acme.pagerduty.com/incidents/Q1",
    "action_items": [{"id": "AI-1", "title": "Add a circuit breaker", "category": "tooling", "kind": "systemic",
                      "priority": "P1", "owner": "payments-team", "due": "2024-04-07", "status": "done",
                      "completed": "2024-03-30", "link": "https://tracker.example/PAY-1"}],
}
BODY = "\n## Summary\n\nA cache flush sent every checkout request to the database.\n"


def postmortem(meta: dict) -> str:
    return "---\n" + yaml.safe_dump(meta, sort_keys=False, allow_unicode=True, width=1000) + "---\n" + BODY


def with_value(path: tuple, value) -> dict:
    meta = yaml.safe_load(yaml.safe_dump(BASE))
    target = meta
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return meta


def run(runner, root, *args):
    result = runner.invoke(cli, ["-C", str(root), *args])
    assert "unexpected problem" not in result.output, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result


def line_of(text: str, needle: str) -> int:
    return next(number for number, line in enumerate(text.splitlines(), start=1) if needle in line)


@pytest.mark.parametrize("path,value", [
    (("started_at",), "0001-01-01T00:00:00+05:00"), (("resolved_at",), "9999-12-31T23:59:00-05:00"),
    (("date",), "0001-01-01"), (("date",), "9999-12-31"), (("published",), "0001-01-01"),
    (("action_items", 0, "due"), "9999-12-31"), (("action_items", 0, "completed"), "0001-01-01"),
    (("detected_at",), "1900-01-01T00:30:00+01:00"),
])
def test_out_of_range_dates_are_findings_at_their_line(runner, site_root, path, value):
    text = postmortem(with_value(path, value))
    write(site_root / "content" / "postmortems" / "a.md", text, dedent=False)
    result = run(runner, site_root, "validate")
    assert result.exit_code == 1
    line = line_of(text, value)
    assert f"a.md:{line}:" in result.output and "is outside the years 1900 to 2999" in result.output
    built = run(runner, site_root, "build", "--out", str(site_root / "out"))
    assert built.exit_code == 1 and "the build stopped" in built.output


@pytest.mark.parametrize("command", [["actions"], ["metrics"], ["build"]])
@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31"])
def test_as_of_outside_the_supported_years_is_a_usage_error(runner, site_root, command, day):
    write(site_root / "content" / "postmortems" / "a.md", postmortem(BASE), dedent=False)
    result = run(runner, site_root, *command, "--as-of", day)
    assert result.exit_code == 2 and f"'{day}' is outside the years 1900 to 2999" in result.output


def test_timeline_since_at_year_one_with_an_offset_is_a_usage_error(runner, tmp_path):
    (tmp_path / "a.log").write_text("2024-03-07T23:00:00Z started\n")
    result = run(runner, tmp_path, "timeline", "a.log", "--since", "0001-01-01T00:00:00+05:00")
    assert result.exit_code == 2 and "outside the years" in result.output


CHARACTERS = {"NUL": "\x00", "backspace": "\b", "vertical tab": "\v", "form feed": "\f", "escape": "\x1b",
              "carriage return": "\r", "delete": "\x7f", "a C1 control": "\x9b", "C1 padding": "\x80",
              "lone surrogate": "\ud83d", "U+FFFF": "\uffff"}


@pytest.mark.parametrize("path", [("title",), ("summary",), ("tags", 0), ("services", 0), ("action_items", 0, "owner"),
                                  ("action_items", 0, "title"), ("lessons", 0)])
@pytest.mark.parametrize("name", list(CHARACTERS))
def test_control_characters_and_surrogates_are_findings_at_their_line(runner, site_root, path, name):
    original = BASE
    for key in path:
        original = original[key]
    text = postmortem(with_value(path, original[:3] + CHARACTERS[name] + original[3:]))
    write(site_root / "content" / "postmortems" / "a.md", text, dedent=False)
    result = run(runner, site_root, "validate", "--format", "json")
    findings = [f for f in json.loads(result.stdout)["findings"] if f["rule"] == "schema/character"]
    assert result.exit_code == 1 and len(findings) == 1
    assert findings[0]["line"] == line_of(text, original[:3] + "\\")
    actions = run(runner, site_root, "actions")  # reads front-matter without validating: leaves the file out
    assert actions.exit_code == 0 and "schema/character" not in actions.output
    assert "contains" in actions.stderr and "\x1b" not in actions.output


def test_a_key_with_a_control_character_is_named_escaped(runner, site_root):
    meta = dict(BASE, **{"note\x1b[2J": "x"})
    write(site_root / "content" / "postmortems" / "a.md", postmortem(meta), dedent=False)
    result = run(runner, site_root, "validate")
    assert result.exit_code == 1 and "the key 'note\\x1b[2J' contains the invisible character U+001B (escape)" in result.output
    assert "\x1b" not in result.output


def test_the_atom_feed_stays_well_formed_whatever_reaches_it():
    site = SiteInfo(title="Postmortems \x1b[31m", description="d\x00", base_url="/", canonical_root="",
                    language="en", repo_url="")
    entry = FeedEntry(key="a", title="Checkout \x1b[31mred\x08\ud83d\uffff", url="a/", updated=dt.date(2024, 3, 7),
                      summary="sum\x0bmary \x7f", authors=("pri\x00ya",))
    feed = atom_feed(site, [entry])
    root = ET.fromstring(feed.encode("utf-8"))  # parses: well-formed
    title = root.find("{http://www.w3.org/2005/Atom}entry/{http://www.w3.org/2005/Atom}title")
    assert title.text == "Checkout [31mred"


# -- fuzz -----------------------------------------------------------------------------------------
def hostile_values(rng: random.Random, kind: str) -> list:
    """Values a hand edit, a paste or an attacker puts in a field of this kind."""
    text = ["", " ", "x" * 5000, "‮evil‭", "\u200b", "🚨" * 50, "<script>alert(1)</script>", "{{ 7*7 }}",
            "a\x1bb", "a\ud800b", "\u2028line", "ǅ" * 3, "'; DROP TABLE x; --", "%s%n", "../../etc/passwd", "null"]
    numbers = [0, -1, 10**40, 1e308, float("inf"), True, None]
    shapes = [[], {}, [[[]]], {"a": {"b": [1]}}, ["a", ["b"]]]
    days = ["0001-01-01", "9999-12-31", "2024-02-30", "2024-13-01", "1900-01-01", "2999-12-31", "24-03-07",
            "2024-3-7", "２０２４-03-07"]
    times = ["0001-01-01T00:00:00+05:00", "9999-12-31T23:59:59-05:00", "2999-12-31T23:59:59-14:00",
             "1900-01-01T00:00:00+14:00", "2024-03-07T24:00:00Z", "2024-03-07T13:55:00+23:59",
             "2024-03-07T13:55:00.123456789Z", "2024-03-07T13:55Z", "2024-03-07 13:55:00 +01:00"]
    pool = {"text": text + numbers + shapes, "day": days + text[:4] + numbers + shapes,
            "time": times + days[:2] + numbers + shapes, "list": [[v] for v in text] + numbers + shapes,
            "enum": ["sev1", "SEV0", "", "published ", "draft\x00"] + numbers + shapes}[kind]
    return rng.sample(pool, min(6, len(pool)))


FIELD_KINDS = {("id",): "text", ("title",): "text", ("status",): "enum", ("severity",): "enum", ("type",): "enum",
               ("date",): "day", ("published",): "day", ("started_at",): "time", ("detected_at",): "time",
               ("mitigated_at",): "time", ("resolved_at",): "time", ("detection",): "enum", ("services",): "list",
               ("teams",): "list", ("tags",): "list", ("authors",): "list", ("participants",): "list",
               ("summary",): "text", ("lessons",): "list", ("related",): "list", ("fingerprint",): "text",
               ("incident_url",): "text", ("action_items",): "list", ("action_items", 0, "id"): "text",
               ("action_items", 0, "title"): "text", ("action_items", 0, "owner"): "text",
               ("action_items", 0, "due"): "day", ("action_items", 0, "completed"): "day",
               ("action_items", 0, "status"): "enum", ("action_items", 0, "link"): "text",
               ("action_items", 0, "priority"): "enum"}


def fuzz_cases(seed: int = 5) -> list[tuple[tuple, object]]:
    rng = random.Random(seed)
    return [(path, value) for path, kind in FIELD_KINDS.items() for value in hostile_values(rng, kind)]


def test_fuzzed_front_matter_never_crashes_validate(runner, site_root):
    folder = site_root / "content" / "postmortems"
    cases = fuzz_cases()
    for index, (path, value) in enumerate(cases):
        meta = with_value(path, value)
        meta["id"] = meta["id"] if path == ("id",) else f"PM-2024-{index + 100:03d}"
        write(folder / f"f{index:03d}.md", postmortem(meta), dedent=False)
    result = run(runner, site_root, "validate", "--format", "json")
    assert result.exit_code == 1 and len(cases) > 150
    for command in (["actions"], ["actions", "--format", "csv"], ["metrics", "--format", "json"]):
        assert run(runner, site_root, *command).exit_code == 0


@pytest.mark.parametrize("chunk", range(3))
def test_fuzzed_front_matter_that_validates_also_builds(runner, site_root, chunk):
    """Of the fuzzed files, those that validate are built together (drafts too): no stage may crash on them."""
    folder = site_root / "content" / "postmortems"
    cases = fuzz_cases()[chunk::3]
    for index, (path, value) in enumerate(cases):
        meta = with_value(path, value)
        meta["id"] = meta["id"] if path == ("id",) else f"PM-2024-{index + 100:03d}"
        write(folder / f"f{index:03d}.md", postmortem(meta), dedent=False)
    checked = run(runner, site_root, "validate", "--format", "json")
    broken = {f["path"] for f in json.loads(checked.stdout)["findings"] if f["severity"] == "error"}
    for path in broken:
        (site_root / path).unlink()
    remaining = list(folder.glob("*.md"))
    assert remaining, "no fuzzed file validated"
    result = run(runner, site_root, "build", "--drafts", "--out", str(site_root / "out"), "--as-of", "2999-12-31")
    assert result.exit_code == 0, result.output
    ET.parse(site_root / "out" / "feed.xml")  # the feed is well-formed XML


def test_a_control_character_in_the_text_is_a_finding_at_its_line_and_column(runner, site_root):
    text = postmortem(BASE) + "\nPasted from a terminal: \x1b[31mred\x1b[0m and a bell \x07.\n"
    write(site_root / "content" / "postmortems" / "a.md", text, dedent=False)
    result = run(runner, site_root, "validate", "--format", "json")
    [finding] = [f for f in json.loads(result.stdout)["findings"] if f["rule"] == "schema/character"]
    assert (finding["line"], finding["column"]) == (line_of(text, "Pasted from"), 25)
    assert finding["message"] == "the text contains the invisible character U+001B (escape)"
