"""The review after a drill: the facilitator's script and the practice postmortem's facts.

Both read a drill record: the running drill's folder, or the copy ``pmsite drill
stop --save-logs DIR`` keeps (``drill.json``, ``logs/*.jsonl``, ``run/*.json``).
The script reuses the timeline stage, so the table the facilitator walks is the
one ``pmsite timeline`` gives for the same logs.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pmsite.drills.runtime import read_json, utc_stamp
from pmsite.errors import PmsiteError

OPENING = (
    "This review is blameless. We assume everyone acted in good faith and did what made sense with what "
    "they knew and saw at the time. We are here to understand how the system made this outcome likely, "
    "not to find who to blame. If you hear yourself say \"should have\", turn it into a question about "
    "what was missing. This was a drill: nothing real broke, and that makes it a safe place to practise."
)
#: When a statement names a person or their failure, the facilitator turns it back to the system with these.
REDIRECTS = (
    ("\"They should have noticed...\"", "What information was missing, or hard to see, at that moment?"),
    ("\"Why did you do that?\"", "What made that action make sense at the time?"),
    ("\"It was human error.\"", "What about the tools or the process made that mistake easy and its effect hard to notice?"),
    ("\"If only they had checked...\"", "What would have had to be true for checking to be the obvious next step?"),
    ("\"That was careless.\"", "Where else could this same condition catch someone out tomorrow?"),
)


class RecordError(PmsiteError):
    """A drill record folder is missing or incomplete."""


@dataclass
class DrillRecord:
    """What happened in one drill, read back from its folder."""

    folder: Path
    scenario: dict[str, Any]
    started: float
    speed: float
    trigger_time: str | None
    #: Alert name -> first time it fired (ISO 8601, UTC), only alerts that fired.
    fired: dict[str, str]

    @property
    def sources(self) -> tuple[str, ...]:
        """The drill's logs as ``pmsite timeline`` SOURCE arguments (kind forced: a path may hold a colon)."""
        return tuple(f"logs:{path}" for path in sorted((self.folder / "logs").glob("*.jsonl")))

    def offset(self, seconds: float) -> str:
        """A scenario time (seconds after the start) as ``T+mm:ss`` in wall time."""
        total = round(seconds / self.speed)
        return f"T+{total // 60:02d}:{total % 60:02d}"

    @property
    def first_alert(self) -> str | None:
        return min(self.fired.values()) if self.fired else None

    @property
    def day(self) -> dt.date:
        return dt.datetime.fromtimestamp(self.started, tz=dt.timezone.utc).date()


def read_record(folder: Path) -> DrillRecord:
    try:
        run = read_json(folder / "drill.json")
    except (OSError, ValueError) as exc:
        raise RecordError(f"{folder}: not a drill record (no readable drill.json: {exc}); pass the folder "
                          "'pmsite drill stop --save-logs' wrote, or run this while the drill runs") from None
    try:
        trigger = read_json(folder / "run" / "trigger.json").get("time")
    except (OSError, ValueError):
        trigger = None
    fired: dict[str, str] = {}
    try:
        alerts = read_json(folder / "run" / "alerts.json")
        fired = {name: state["fired_at"] for name, state in alerts.items() if state.get("fired_at")}
    except (OSError, ValueError, AttributeError):
        pass
    return DrillRecord(folder, run["scenario"], float(run["started"]), float(run["speed"]), trigger, fired)


def script(record: DrillRecord, timeline_markdown: str) -> str:
    """The facilitator's script as Markdown: opening, timeline review, questions, reveal, close."""
    scenario = record.scenario
    lines = [
        f"# Facilitator's script: {scenario['title']}", "",
        (f"Drill `{scenario['name']}` on {scenario['service']}, started {utc_stamp(record.started)}"
         + (f", trigger at {record.trigger_time}" if record.trigger_time else ", trigger not reached")
         + (f", first alert at {record.first_alert}." if record.first_alert else ", no alert fired.")), "",
        "## 1. Opening statement (3 minutes)", "",
        "Read aloud:", "", f"> {OPENING}", "",
        "## 2. Timeline review (15 minutes)", "",
        ("Walk the timeline in order. At each line ask what the people involved knew at that moment, "
         "and what they were trying to do. Add what the team said and did; the logs only show the system."), "",
        timeline_markdown.strip() or "_No log lines were recorded._", "",
        "## 3. Questions, phase by phase (15 minutes)", "",
    ]
    for phase in scenario["phases"]:
        lines += [f"### {phase['name']} ({record.offset(phase['at'])})", "", f"Prompt: {phase['prompt']}", ""]
        lines += [f"- {question}" for question in phase["questions"]] + [""]
    lines += ["## 4. Redirecting blame", "",
              "When a statement names a person, turn it back to the system:", "",
              "| If you hear | Ask |", "| --- | --- |"]
    lines += [f"| {heard} | {asked} |" for heard, asked in REDIRECTS]
    lines += ["", "## 5. Reveal: the latent conditions (10 minutes)", "",
              "Only now say what was set up. Each of these was present before the trigger:", ""]
    lines += [f"{number}. {condition}" for number, condition in enumerate(scenario["latent_conditions"], start=1)]
    trigger = scenario["trigger"]
    lines += ["", f"The trigger ({record.offset(trigger['at'])}): {trigger['description']}.", "",
              "Signals it left, and whether the team saw them:", ""]
    signals = scenario["signals"]
    lines += [f"- Alert: {text}" for text in signals["alerts"]]
    lines += [f"- Log line: `{text}`" for text in signals["logs"]]
    lines += [f"- Metric: {text}" for text in signals["metrics"]]
    lines += ["", "Alert rules in this drill:", ""]
    for rule in scenario["alerts"]:
        when = record.fired.get(rule["name"])
        lines.append(f"- {rule['name']}: " + (f"fired at {when}" if when else "did not fire"))
    lines += ["", "## 6. Close (5 minutes)", "",
              "- Which of these latent conditions exist in our own systems today?",
              "- Write the practice postmortem: `pmsite drill postmortem`, then `pmsite validate` and `pmsite lint`.",
              ""]
    return "\n".join(lines)
