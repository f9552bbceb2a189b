"""``pmsite decisions``: the interview driven through its prompts, ``--edit``, ``--from``, Ctrl-C and conflicts.

The answers are linted with the real spaCy pipeline, so a blaming answer is
caught by the same rules ``pmsite lint`` uses.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import click
import pytest

from pmsite.cli import cli
from pmsite.decisions.block import render_block
from pmsite.load import parse_postmortem
from pmsite.validate import validate_file
from tests.conftest import REPO_ROOT, write

FILE = "content/postmortems/2024-03-07-search.md"
TEXT = """---
id: PM-2024-011
title: Search latency after a cache flush
status: draft
severity: SEV3
type: performance
date: 2024-03-07
started_at: 2024-03-07T10:12:00Z
detected_at: 2024-03-07T10:17:30Z
resolved_at: 2024-03-07T11:05:00Z
services: [search]
participants: [aiko, mateo]
# a comment the interview must keep
action_items: []
---

## Timeline

| 10:22 | Aiko links the latency to the synonym job. |
"""

#: One decision point, answered question by question, with a blaming answer to "why" that is then rephrased.
ANSWERS = [
    "10:22",                                               # at (HH:MM on the incident's day)
    "Mateo",                                               # who: a name ...
    "on-call SRE",                                         # ... so the role is asked for
    "The p99 alert fired and the deploy log showed the synonym job at 10:12.",   # situation
    "Roll back the synonym deploy",                        # option 1
    "A 15-minute redeploy; the cache would stay cold",     # would_take
    "",                                                    # known (optional)
    "Raise the autocomplete debounce",                     # option 2
    "",                                                    # would_take
    "It had shed load before",                             # known
    "",                                                    # no option 3
    "2",                                                   # chosen
    "They should have just rolled back.",                  # why: blame, must be caught
    "The flag took effect in seconds and could be undone.",  # why, rephrased
    "search latency dashboard averaged across regions",    # cue
    "misleading",                                          # tag
    "region-averaged-dashboard",                           # signal
    "",                                                    # no more cues
    "Latency fell within ten minutes.",                    # outcome
    "n",                                                   # another decision point?
]


@pytest.fixture
def postmortem(site_root: Path) -> Path:
    return write(site_root / FILE, TEXT)


def run(runner, site_root, *args, answers=ANSWERS):
    return runner.invoke(cli, ["-C", str(site_root), "decisions", FILE, *args], input="\n".join(answers) + "\n")


def block_removed(new: bytes, decisions) -> bytes:
    block = render_block(decisions).encode()
    assert new.count(block) == 1
    return new.replace(block, b"", 1)


def test_interview_catches_blame_asks_again_and_writes_only_the_block(runner, site_root, postmortem):
    before = postmortem.read_bytes()
    result = run(runner, site_root)
    assert result.exit_code == 0, result.output
    # the blaming answer was shown with its finding and a question back to the moment, then asked again
    assert "counterfactual: 'should have just rolled' judges them against a path not taken" in result.output
    assert "at 2024-03-07T10:22:00Z, what made this path look right" in result.output
    assert result.output.count("Why did 'Raise the autocomplete debounce' make sense") == 2
    assert "'Mateo' is a name from this postmortem" in result.output
    pm, findings = parse_postmortem(postmortem.read_text(encoding="utf-8"), postmortem, FILE)
    decisions = pm.meta["decisions"]
    assert decisions == [{
        "at": "2024-03-07T10:22:00Z", "who": "on-call SRE",
        "situation": "The p99 alert fired and the deploy log showed the synonym job at 10:12.",
        "options": [{"option": "Roll back the synonym deploy",
                     "would_take": "A 15-minute redeploy; the cache would stay cold"},
                    {"option": "Raise the autocomplete debounce", "known": "It had shed load before"}],
        "chosen": "Raise the autocomplete debounce",
        "why": "The flag took effect in seconds and could be undone.",
        "cues": [{"cue": "search latency dashboard averaged across regions", "tag": "misleading",
                  "signal": "region-averaged-dashboard"}],
        "outcome": "Latency fell within ten minutes.",
    }]
    assert findings == [] and validate_file(pm) == []
    assert block_removed(postmortem.read_bytes(), decisions) == before


def test_add_puts_a_new_decision_in_time_order_and_edit_changes_one(runner, site_root, postmortem):
    assert run(runner, site_root).exit_code == 0
    earlier = ["10:18", "incident commander", "Only the p99 alert; no deploy was announced.", "Page the search team",
               "", "", "", "", "The alert named search-api, which the search team owns.", "", "", "n"]
    result = run(runner, site_root, "--add", answers=earlier)
    assert result.exit_code == 0, result.output
    assert "Taken: Page the search team (the only option named)" in result.output
    pm, _ = parse_postmortem(postmortem.read_text(encoding="utf-8"), postmortem, FILE)
    assert [d["at"] for d in pm.meta["decisions"]] == ["2024-03-07T10:18:00Z", "2024-03-07T10:22:00Z"]
    before = pm.meta["decisions"]

    # --edit 2: Enter keeps each answer, '-' clears an optional one; only the outcome and one 'known' change
    keep = [""] * 8 + ["-"] + [""] * 7 + ["Latency fell by 10:38."]  # 3 + 3 per option + an empty 3rd + 6 more
    result = run(runner, site_root, "--edit", "2", answers=keep)
    assert result.exit_code == 0, result.output
    pm, _ = parse_postmortem(postmortem.read_text(encoding="utf-8"), postmortem, FILE)
    assert pm.meta["decisions"][0] == before[0]
    options = [before[1]["options"][0], {"option": "Raise the autocomplete debounce"}]
    assert pm.meta["decisions"][1] == {**before[1], "options": options, "outcome": "Latency fell by 10:38."}
    assert validate_file(pm) == []


def test_times_outside_the_window_or_without_offset_are_asked_again(runner, site_root, postmortem):
    answers = ["09:00", "2024-03-07T10:30:00", "2024-03-07T12:30:00+01:00", "2024-03-07T11:30:00+01:00", *ANSWERS[2:]]
    result = run(runner, site_root, answers=answers)
    assert result.exit_code == 0, result.output
    assert "2024-03-07 09:00Z is before the incident started (2024-03-07 10:12Z)" in result.output
    assert "'2024-03-07T10:30:00' has no time zone offset" in result.output
    pm, _ = parse_postmortem(postmortem.read_text(encoding="utf-8"), postmortem, FILE)
    assert "2024-03-07 11:30Z is after the incident was resolved (2024-03-07 11:05Z)" in result.output
    assert pm.meta["decisions"][0]["at"] == "2024-03-07T11:30:00+01:00"


def test_end_of_input_mid_interview_writes_nothing(runner, site_root, postmortem):
    before = postmortem.read_bytes()
    result = run(runner, site_root, answers=ANSWERS[:6])
    assert result.exit_code == 130
    assert f"Interrupted: nothing was written to {FILE}." in result.output
    assert postmortem.read_bytes() == before
    assert sorted(p.name for p in postmortem.parent.iterdir()) == [postmortem.name]


def test_ctrl_c_in_a_real_process_writes_nothing(site_root, postmortem):
    before = postmortem.read_bytes()
    process = subprocess.Popen([sys.executable, "-m", "pmsite", "-C", str(site_root), "decisions", FILE],
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               env={**os.environ, "PYTHONPATH": str(REPO_ROOT), "PYTHONUNBUFFERED": "1"})
    output = b""
    process.stdin.write(b"10:22\non-call SRE\n")
    process.stdin.flush()
    deadline = time.monotonic() + 60
    while b"what did the on-call SRE see?" not in output and time.monotonic() < deadline:
        output += os.read(process.stdout.fileno(), 4096)
    process.send_signal(signal.SIGINT)
    rest, _ = process.communicate(timeout=60)
    assert process.returncode == 130, output + rest
    assert b"Interrupted: nothing was written" in output + rest
    assert postmortem.read_bytes() == before


def test_a_file_changed_during_the_interview_is_not_overwritten(runner, site_root, postmortem, monkeypatch):
    asked, real_prompt = [], click.prompt

    def prompt_while_someone_edits(*args, **kwargs):
        asked.append(args[0])
        if len(asked) == 5:
            with postmortem.open("a", encoding="utf-8") as out:
                out.write("\nA colleague's edit.\n")
        return real_prompt(*args, **kwargs)

    monkeypatch.setattr("pmsite.cli.decisions.click.prompt", prompt_while_someone_edits)
    result = run(runner, site_root)
    edited = postmortem.read_bytes()
    assert edited == TEXT.encode() + b"\nA colleague's edit.\n"
    saved = postmortem.with_name("2024-03-07-search.decisions.yaml")
    assert result.exit_code == 2
    assert f"{FILE} changed on disk while you answered" in result.output
    assert f"Your answers are in content/postmortems/{saved.name}" in result.output
    # the saved answers are accepted by --from, which then writes them into the edited file
    again = runner.invoke(cli, ["-C", str(site_root), "decisions", FILE, "--from", str(saved)])
    assert again.exit_code == 0, again.output
    pm, _ = parse_postmortem(postmortem.read_text(encoding="utf-8"), postmortem, FILE)
    assert pm.meta["decisions"][0]["who"] == "on-call SRE"
    assert pm.text.endswith("A colleague's edit.\n")


def test_from_file_reports_problems_at_the_files_own_lines_and_writes_nothing(runner, site_root, postmortem):
    source = write(site_root / "answers.yaml", """
        - at: 2024-03-07T10:22:00Z
          who: on-call SRE
          situation: The p99 alert fired.
          options:
            - option: Roll back
          chosen: Fail over
          why: The rollback had never been tried.
        - at: 2024-03-07T10:05:00
          who: on-call SRE
          situation: The p99 alert fired.
          options: [{option: Wait}]
          chosen: Wait
          why: The error rate was falling.
        """)
    before = postmortem.read_bytes()
    result = runner.invoke(cli, ["-C", str(site_root), "decisions", FILE, "--from", str(source)])
    assert result.exit_code == 1, result.output
    assert "answers.yaml:6:3: error consistency/decision-unknown-choice decision 1: chosen 'Fail over'" in result.output
    assert "answers.yaml:8:3: error schema/format decisions[1].at '2024-03-07T10:05:00' has no time zone offset" \
        in result.output
    assert postmortem.read_bytes() == before


def test_usage_errors(runner, site_root, postmortem):
    both = runner.invoke(cli, ["-C", str(site_root), "decisions", FILE, "--add", "--edit", "1"])
    assert both.exit_code == 2 and "use one of --add, --edit N and --from FILE" in both.output
    none_yet = runner.invoke(cli, ["-C", str(site_root), "decisions", FILE, "--edit", "1"])
    assert none_yet.exit_code == 2 and "has no decision points yet" in none_yet.output
    missing = runner.invoke(cli, ["-C", str(site_root), "decisions", "content/postmortems/nope.md"])
    assert missing.exit_code == 2 and "nope.md: no such file" in missing.output


def test_crlf_and_bom_files_keep_every_other_byte(runner, site_root):
    original = ("\ufeff" + TEXT).replace("\n", "\r\n").encode("utf-8")
    path = site_root / FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(original)
    result = run(runner, site_root)
    assert result.exit_code == 0, result.output
    new = path.read_bytes()
    pm, _ = parse_postmortem(new.decode("utf-8-sig").replace("\r\n", "\n"), path, FILE)
    block = render_block(pm.meta["decisions"], "\r\n").encode()
    assert new.count(block) == 1 and new.replace(block, b"", 1) == original


def test_from_an_empty_list_removes_the_block_and_restores_the_file(runner, site_root, postmortem):
    assert run(runner, site_root).exit_code == 0
    empty = write(site_root / "none.yaml", "decisions: []\n")
    result = runner.invoke(cli, ["-C", str(site_root), "decisions", FILE, "--from", str(empty)])
    assert result.exit_code == 0, result.output
    assert f"removed the decisions: block of {FILE}" in result.output
    assert postmortem.read_text(encoding="utf-8") == TEXT


def test_a_block_that_cannot_be_rewritten_is_refused_before_any_question(runner, site_root):
    # a flow list closed at column 0: valid YAML, but not a block whose lines can be told apart
    path = write(site_root / FILE, TEXT.replace("action_items: []\n", "decisions: [\n]\naction_items: []\n"))
    before = path.read_bytes()
    result = run(runner, site_root)
    assert result.exit_code == 2, result.output
    assert result.output.startswith(f"Error: {FILE}")
    assert "When was the decision made" not in result.output and path.read_bytes() == before


def test_the_option_taken_can_be_named_by_its_text_and_tags_by_any_case(runner, site_root, postmortem):
    answers = [*ANSWERS[:11], "7", "raise the AUTOCOMPLETE debounce", *ANSWERS[13:15], "Misleading", *ANSWERS[16:]]
    result = run(runner, site_root, answers=answers)
    assert result.exit_code == 0, result.output
    assert "'7' is none of the options: type its number" in result.output
    pm, _ = parse_postmortem(postmortem.read_text(encoding="utf-8"), postmortem, FILE)
    decision = pm.meta["decisions"][0]
    assert decision["chosen"] == "Raise the autocomplete debounce" and decision["cues"][0]["tag"] == "misleading"
