"""The lint stage and ``pmsite lint``: positions, quoting, suppression, config, cache, bad input."""

from __future__ import annotations

import json
import pickle
from pathlib import Path

import pytest

from pmsite.cache import read_sealed, write_sealed
from pmsite.cli import cli
from pmsite.config import load_config
from pmsite.errors import ConfigError
from pmsite.lint import lint
from pmsite.load import load
from tests.conftest import REPO_ROOT, write

FRONT_MATTER = """\
---
id: PM-2025-001
title: Checkout errors after a pool resize
authors: [priya]
participants: [priya, tom]
services: [checkout]
summary: The on-call engineer failed to notice the alert.
---
"""


def lint_text(root: Path, text: str, name: str = "pm.md", **kwargs):
    path = write(root / "content" / "postmortems" / name, text, dedent=False)
    config = load_config(root)
    return lint(load([path], config).postmortems, config, use_cache=False, **kwargs)


def test_positions_refer_to_the_original_file_with_front_matter(site_root):
    text = FRONT_MATTER + "\n## What happened\n\nAt 14:02 `kubectl` ran. The DBA overlooked the lock.\n"
    report = lint_text(site_root, text)
    by_rule = {f.rule: f for f in report.findings}
    summary = by_rule["counterfactual/person-failed-to"]
    assert (summary.line, summary.column, summary.end_column) == (7, 31, 47)
    assert text.splitlines()[6][30:46] == "failed to notice"
    missed = by_rule["counterfactual/person-missed"]
    line = text.splitlines()[missed.line - 1]
    assert line[missed.column - 1:missed.end_column - 1] == "overlooked"
    assert missed.context == "The DBA overlooked the lock."
    assert missed.path == "content/postmortems/pm.md" and missed.suggestion


def test_systems_facts_and_action_items_are_not_findings(site_root):
    text = ("The job failed to start. The health check failed. Alerts should page the secondary.\n\n"
            "Alice restarted the service at 14:10.\n\n- Add an integration test for the restore procedure.\n")
    assert lint_text(site_root, text).findings == []


def test_code_comments_and_urls_are_not_linted(site_root):
    text = ("```\nThe engineer was careless.\n```\n\n<!-- the operator failed to notice -->\n\n"
            "See `the team should have known` and https://example.com/human-error-was-the-root-cause.\n")
    assert lint_text(site_root, text).findings == []


def test_quoted_speech_is_info_at_most(site_root):
    text = ('> Bob: I messed up the firewall rules.\n\n'
            '| 14:02 | tom | "The operator failed to acknowledge the page" |\n|---|---|---|\n\n'
            'The team was reckless with the schema change.\n')
    report = lint_text(site_root, text)
    levels = {f.line: f.severity for f in report.findings}
    assert levels == {1: "info", 3: "info", 6: "error"}


def test_suppression_comments(site_root):
    text = ("<!-- pmsite-lint disable-next-line blame -->\n"
            "The failure was due to human error.\n\n"
            "<!-- pmsite-lint disable counterfactual/person-failed-to -->\n"
            "The author forgot to update the client library. It was obvious from the logs.\n"
            "<!-- pmsite-lint enable counterfactual/person-failed-to -->\n\n"
            "The team neglected to rotate the key.\n\n"
            "<!-- pmsite-lint disable -->\nThe engineer was careless.\n")
    rules = sorted((f.line, f.rule) for f in lint_text(site_root, text).findings)
    assert rules == [(5, "hindsight/obviousness"), (8, "counterfactual/person-failed-to")]


def test_rule_levels_person_nouns_and_system_names_from_config(site_root):
    write(site_root / "pmsite.yaml", """\
        lint:
          rules:
            hindsight: info
            counterfactual/person-missed: off
          person_nouns: [steward]
          system_names: [hermes]
        """)
    text = ("It was obvious from the logs. The SRE missed the warning. The steward forgot to drain the node.\n\n"
            "Hermes forgot the annotation.\n")
    report = lint_text(site_root, text)
    assert sorted((f.rule, f.severity) for f in report.findings) == [
        ("counterfactual/person-failed-to", "warning"), ("hindsight/obviousness", "info")]


@pytest.mark.parametrize(("yaml", "message"), [
    ("lint:\n  rules:\n    blame/judgemental-word: error\n", "did you mean 'blame/judgmental-word'?"),
    ("lint:\n  rules:\n    blame: loud\n", "expected one of info, warning, error, off"),
    ("lint:\n  persons: [x]\n", "lint.persons: unknown setting"),
    ("lint:\n  person_nouns: steward\n", "lint.person_nouns: must be a list of words"),
])
def test_bad_lint_config_is_a_clear_error(site_root, yaml, message):
    write(site_root / "pmsite.yaml", yaml, dedent=False)
    with pytest.raises(ConfigError, match=message.replace("?", r"\?").replace("(", r"\(")):
        lint_text(site_root, "Text.\n")


def test_score_counts_each_sentence_once_by_its_worst_finding(site_root):
    text = ("The engineer was careless and forgot to drain the node.\n\n"  # error + warning: 10
            "The SRE missed the warning.\n\n"  # warning: 5
            "> He said he messed up.\n")  # info: 0
    report = lint_text(site_root, text)
    assert report.scores == {"content/postmortems/pm.md": 85}
    assert lint_text(site_root, "Alice restarted the service.\n", name="ok.md").scores == {
        "content/postmortems/ok.md": 100}


def test_unchanged_file_is_answered_from_the_cache(site_root, tmp_path):
    path = write(site_root / "content" / "postmortems" / "pm.md", "The SRE missed the warning.\n", dedent=False)
    config = load_config(site_root)
    cache = tmp_path / "cache"
    first = lint(load([path], config).postmortems, config, cache_dir=cache)
    stored = pickle.loads(read_sealed(cache / "results.pickle"))
    assert len(stored["entries"]) == 1 and first.findings
    [(key, value)] = stored["entries"].items()
    rows, score = pickle.loads(value)
    rows[0]["message"] = "from the cache"
    stored["entries"][key] = pickle.dumps((rows, score))
    write_sealed(cache / "results.pickle", pickle.dumps(stored))  # as this user's pmsite would
    second = lint(load([path], config).postmortems, config, cache_dir=cache)
    assert [f.message for f in second.findings] == ["from the cache"]
    path.write_text("The SRE missed the warning!\n")
    third = lint(load([path], config).postmortems, config, cache_dir=cache)
    assert third.findings[0].message != "from the cache"


def test_an_edit_parses_only_the_sentences_it_touched(site_root, tmp_path, monkeypatch):
    """A changed file keeps the verdicts on its unchanged sentences; spaCy loads only for new candidates."""
    body = ("The SRE missed the warning.\n\nLatency rose at 14:02.\n\n"
            "They should have checked the dashboard before the deploy.\n")
    path = write(site_root / "content" / "postmortems" / "pm.md", FRONT_MATTER + body, dedent=False)
    config = load_config(site_root)
    cache = tmp_path / "cache"
    first = lint(load([path], config).postmortems, config, cache_dir=cache)

    def no_parse(*args, **kwargs):
        raise AssertionError("spaCy was loaded for an edit that touched no candidate sentence")

    import pmsite.nlp

    monkeypatch.setattr(pmsite.nlp, "load_model", no_parse)
    path.write_text(FRONT_MATTER + "A new opening line about the graphs.\n\n" + body.replace("14:02", "14:03"))
    second = lint(load([path], config).postmortems, config, cache_dir=cache)
    body_start = FRONT_MATTER.count("\n") + 1
    assert [(f.rule, f.line - 2 * (f.line > body_start), f.column, f.message) for f in second.findings] == [
        (f.rule, f.line, f.column, f.message) for f in first.findings]
    assert {f.rule for f in first.findings} >= {"counterfactual/person-missed"}

    for edited in (FRONT_MATTER + body + "\nThe operator failed to notice the alert.\n",  # a new candidate
                   (FRONT_MATTER + body).replace("[priya, tom]", "[priya, tom, kim]")):  # who counts as a person
        path.write_text(edited)
        with pytest.raises(AssertionError, match="spaCy was loaded"):
            lint(load([path], config).postmortems, config, cache_dir=cache)
    monkeypatch.undo()
    path.write_text(FRONT_MATTER + body + "\nThe operator failed to notice the alert.\n")
    third = lint(load([path], config).postmortems, config, cache_dir=cache)
    assert "counterfactual/person-failed-to" in {f.rule for f in third.findings if f.line > body_start}


def test_verdicts_kept_from_an_earlier_version_equal_a_fresh_lint(site_root, tmp_path):
    """Every sample postmortem edited (paragraphs swapped, a sentence added): what the sentence cache
    keeps and what it parses again add up to exactly the findings of a lint without any cache."""
    import re
    import shutil

    for source in sorted((REPO_ROOT / "content" / "postmortems").glob("*.md")):
        shutil.copy(source, site_root / "content" / "postmortems" / source.name)
    config = load_config(site_root)
    files = sorted((site_root / "content" / "postmortems").glob("*.md"))
    lint(load(files, config).postmortems, config, cache_dir=tmp_path / "cache")
    for path in files:
        text = path.read_text(encoding="utf-8")
        paragraphs = re.split(r"\n\n(?=[A-Z])", text)
        if len(paragraphs) > 4:
            paragraphs[-2], paragraphs[-3] = paragraphs[-3], paragraphs[-2]  # new neighbours for "they"
        path.write_text("\n\n".join(paragraphs) + "\n\nThey said the on-call engineer should have known.\n",
                        encoding="utf-8")
    edited = load(files, config).postmortems
    kept = lint(edited, config, cache_dir=tmp_path / "cache").findings
    assert kept == lint(edited, config, use_cache=False).findings
    assert len({f.path for f in kept}) == len(files)


# -- the command ---------------------------------------------------------------------------------

def run(runner, root: Path, *args: str):
    return runner.invoke(cli, ["-C", str(root), "lint", *args])


def test_cli_exit_codes_and_fail_on(runner, site_root):
    write(site_root / "content" / "postmortems" / "a.md", "The SRE missed the warning.\n", dedent=False)
    assert run(runner, site_root).exit_code == 1
    assert run(runner, site_root, "--fail-on", "error").exit_code == 0
    quiet = run(runner, site_root, "--min-severity", "error")
    assert (quiet.exit_code, quiet.output) == (0, "no problems found\n")


def test_cli_text_output(runner, site_root):
    write(site_root / "content" / "postmortems" / "a.md", "# Outage\n\nThe SRE missed the warning.\n", dedent=False)
    result = run(runner, site_root, "--no-cache")
    lines = result.output.splitlines()
    assert lines[0] == ("content/postmortems/a.md:3:9: warning counterfactual/person-missed "
                        "'missed' makes the SRE the cause instead of what they faced")
    assert lines[1] == "    > The SRE missed the warning."
    assert lines[2].startswith("    why: ") and lines[3].startswith("    hint: The warning was missed")
    assert lines[-2:] == ["  content/postmortems/a.md: blamelessness 95/100", "1 warning in 1 file"]


def test_cli_json_has_findings_and_scores(runner, site_root):
    write(site_root / "content" / "postmortems" / "a.md", "The SRE missed the warning.\n", dedent=False)
    document = json.loads(run(runner, site_root, "-f", "json").output)
    assert document["scores"] == {"content/postmortems/a.md": 95}
    assert set(document["findings"][0]) >= {"path", "line", "column", "end_line", "end_column", "rule",
                                            "category", "severity", "message", "suggestion"}


@pytest.mark.parametrize(("content", "expected_exit", "expected"), [
    (b"", 0, "info lint/no-prose"),
    (b"---\ntitle: x\nstatus: draft\n---\n", 0, "no problems found"),
    (b"caf\xe9 and the engineer was careless\n", 1, "error syntax/encoding byte 0xe9 is not valid UTF-8"),
    (b"The engineer was careless " * 2000 + b"\n", 1, "error blame/judgmental-word"),
], ids=["empty", "front-matter-only", "not-utf8", "very-long-line"])
def test_cli_bad_input_gives_a_message_not_a_traceback(runner, site_root, content, expected_exit, expected):
    (site_root / "content" / "postmortems" / "odd.md").write_bytes(content)
    result = run(runner, site_root, "--no-cache")
    assert result.exit_code == expected_exit, result.output
    assert expected in result.output and "Traceback" not in result.output


def test_cli_five_megabyte_file(runner, site_root):
    paragraph = "Latency rose after the deploy and the cache warmed up within minutes. " * 40 + "\n\n"
    big = site_root / "content" / "postmortems" / "big.md"
    big.write_text("The SRE missed the warning.\n\n" + paragraph * (5_000_000 // len(paragraph)), encoding="utf-8")
    result = run(runner, site_root, "--no-cache", "-f", "json")
    assert result.exit_code == 1
    assert [f["line"] for f in json.loads(result.output)["findings"]] == [1]


def test_cli_usage_errors_exit_2(runner, site_root, tmp_path):
    (tmp_path / "empty").mkdir()
    empty = runner.invoke(cli, ["-C", str(site_root), "lint", str(tmp_path / "empty")])
    assert empty.exit_code == 2 and "no Markdown (.md) files" in empty.output
    missing = run(runner, site_root, "nope.md")
    assert missing.exit_code == 2 and "nope.md: no such file or folder" in missing.output
    write(site_root / "pmsite.yaml", "lint:\n  model: no_such_model_xyz\n", dedent=False)
    write(site_root / "content" / "postmortems" / "a.md", "The SRE missed the warning.\n", dedent=False)
    no_model = run(runner, site_root, "--no-cache")
    assert no_model.exit_code == 2
    assert "no spaCy English model could be loaded; tried no_such_model_xyz" in no_model.output


def test_sample_corpus_only_the_draft_has_findings(runner):
    result = runner.invoke(cli, ["-C", str(REPO_ROOT), "lint", "--no-cache", "-f", "json", "content/postmortems"])
    paths = {f["path"] for f in json.loads(result.output)["findings"] if f["severity"] != "info"}
    drafts = {str(p.relative_to(REPO_ROOT)) for p in (REPO_ROOT / "content" / "postmortems").glob("*.md")
              if "\nstatus: draft\n" in p.read_text(encoding="utf-8")}
    assert len(drafts) == 1 and paths == drafts
