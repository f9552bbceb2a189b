"""The counterfactual interview: one decision point, one question at a time.

The questions follow the counterfactual method (docs/decisions.md): what was
seen at that moment, which options were open and what each would have taken,
why the chosen one made sense then, and what would have had to be true for
another one to look better. Each prose answer goes through the blame linter
(``pmsite.lint``'s public ``lint``); when it slips into blame, hindsight or a
counterfactual, the interview shows the finding and a question that leads back
to what was visible at the time, then asks again. Giving the same answer twice
keeps it (the linter can be wrong; ``pmsite lint`` will still show it).

The interview does its input and output through a ``Console`` (click's
``prompt`` and ``echo`` in the command), so it works over SSH and in tests.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

from pmsite.config import Config
from pmsite.decisions.model import CUE_TAGS, incident_window, same_text
from pmsite.model import Finding, Postmortem, parse_timestamp
from pmsite.timeutil import parse_iso_datetime

#: Questions that lead back to the moment, by the category of the finding.
LEAD_BACK = {
    "blame": "Describe what they faced rather than what they were: what was on their screen, what were they "
             "asked to do, what was pressing at {at}?",
    "hindsight": "Leave out what we know now. At {at}, what had they seen, and what did it suggest?",
    "counterfactual": "Say what did happen rather than what did not: at {at}, what made this path look right, "
                      "or what made the other one hard?",
}
#: The answer that empties an optional field when editing.
CLEAR = "-"
_DEFAULT_LEAD_BACK = "What was visible to them at {at}, before anyone knew how it would end?"
_SIGNAL = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_OFFSET = re.compile(r"(?:[Zz]|[+-]\d{2}:\d{2})$")
_CLOCK = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2}))?$")


@dataclass
class Console:
    """How the interview talks: ``prompt`` has ``click.prompt``'s signature."""

    prompt: Callable[..., Any]
    echo: Callable[[str], None]


class AnswerLinter:
    """The blame linter on one answer, knowing the postmortem's people and services."""

    def __init__(self, pm: Postmortem, config: Config) -> None:
        self.config = config
        self.meta = {key: pm.meta.get(key) for key in ("participants", "authors", "services") if key in pm.meta}

    def findings(self, text: str) -> list[Finding]:
        from pmsite.lint import lint

        answer = Postmortem(path=Path("answer.md"), display_path="answer", text=text, body=text, meta=self.meta)
        return [f for f in lint([answer], self.config, use_cache=False).findings
                if f.severity != "info" and not f.rule.startswith("lint/")]


class Interview:
    """Asks for decision points of one postmortem; returns them as front-matter mappings."""

    def __init__(self, pm: Postmortem, console: Console, linter: AnswerLinter | Any) -> None:
        self.pm = pm
        self.console = console
        self.linter = linter
        self.start, self.end = incident_window(pm)
        self.people = {same_text(name) for key in ("participants", "authors") for name in pm.str_list(key)}

    # -- one decision point --------------------------------------------------------------------
    def decision(self, current: dict[str, Any] | None = None) -> dict[str, Any]:
        """Ask every question of one decision point; ``current`` gives the defaults (``--edit``)."""
        current = current or {}
        result: dict[str, Any] = {}
        result["at"] = self._at(current.get("at"))
        at = result["at"]
        result["who"] = self._who(current.get("who"))
        who = result["who"]
        result["situation"] = self._text(
            f"At {at}, what did the {who} see? Alerts, dashboards, messages: what was in front of them "
            "then, not what we know now", at, current.get("situation"))
        result["options"] = self._options(at, current.get("options"))
        result["chosen"] = self._chosen(result["options"], current.get("chosen"))
        result["why"] = self._text(
            f"Why did '{result['chosen']}' make sense at {at}, with what the {who} knew then?", at,
            current.get("why"))
        cues = self._cues(at, current.get("cues"))
        if cues:
            result["cues"] = cues
        outcome = self._text("What happened next? (optional)", at, current.get("outcome"), required=False)
        if outcome:
            result["outcome"] = outcome
        return result

    # -- questions -----------------------------------------------------------------------------
    def _ask(self, question: str, default: Any = None, required: bool = True, **options: Any) -> str:
        """One answer, spaces collapsed; an optional answer with a default is cleared with ``-``."""
        if default is None and not required:
            default = ""
        if default and not required:
            question += " ('-' clears it)"
        answer = " ".join(str(self.console.prompt(question, default=default, show_default=bool(default),
                                                  **options)).split())
        return "" if answer == CLEAR and not required else answer

    def _at(self, default: Any) -> str:
        window = (f" between {self.start:%H:%M} and {self.end:%H:%M} UTC" if self.start and self.end else "")
        question = (f"When was the decision made{window}? ISO 8601 with an offset "
                    f"(e.g. 2024-03-07T10:22:00Z), or HH:MM on the day the incident started")
        while True:
            answer = self._ask(question, default if isinstance(default, str) else None)
            text, problem = self._timestamp(answer)
            if problem is None:
                return text
            self.console.echo(f"  {problem}")

    def _timestamp(self, answer: str) -> tuple[str, str | None]:
        clock = _CLOCK.match(answer)
        started = self.pm.meta.get("started_at")
        if clock and isinstance(started, str) and parse_timestamp(started):
            base = parse_iso_datetime(started.strip())
            hour, minute, second = int(clock[1]), int(clock[2]), int(clock[3] or 0)
            if hour > 23 or minute > 59 or second > 59:
                return answer, f"{answer!r} is not a time of day"
            local = base.replace(hour=hour, minute=minute, second=second, microsecond=0)
            offset = _OFFSET.search(started.strip())[0]
            answer = local.strftime("%Y-%m-%dT%H:%M:%S") + offset
        elif clock:
            return answer, "started_at is not set, so write the full time: e.g. 2024-03-07T10:22:00Z"
        value = parse_timestamp(answer)
        if value is None:
            naive = parse_iso_datetime(answer)
            if naive is not None and naive.tzinfo is None and len(answer) > 10:
                return answer, f"{answer!r} has no time zone offset: add Z for UTC or an offset like +02:00"
            return answer, f"{answer!r} is not a time: write e.g. 2024-03-07T10:22:00Z"
        if self.start and value < self.start:
            return answer, f"{value:%Y-%m-%d %H:%M}Z is before the incident started ({self.start:%Y-%m-%d %H:%M}Z)"
        if self.end and value > self.end:
            return answer, f"{value:%Y-%m-%d %H:%M}Z is after the incident was resolved ({self.end:%Y-%m-%d %H:%M}Z)"
        return answer, None

    def _who(self, default: Any) -> str:
        question = "Who made the decision? A role (on-call SRE, incident commander), not a name"
        answer = self._ask(question, default if isinstance(default, str) else None)
        if same_text(answer) in self.people:
            self.console.echo(f"  {answer!r} is a name from this postmortem; the map is about the situation, "
                              "not the person. Which role were they in?")
            repeated = self._ask(question)
            if same_text(repeated) != same_text(answer):
                return repeated
        return answer

    def _text(self, question: str, at: str, default: Any = None, required: bool = True) -> str:
        """A prose answer, asked again while the linter finds blame, hindsight or counterfactuals in it."""
        kept = default if isinstance(default, str) else None
        flagged: str | None = None
        while True:
            answer = self._ask(question, kept, required=required)
            if not answer or answer == flagged:
                if answer:
                    self.console.echo("  kept as written; 'pmsite lint' will show the finding again")
                return answer
            findings = self.linter.findings(answer)
            if not findings:
                return answer
            flagged, kept = answer, None
            for finding in findings:
                self.console.echo(f"  {finding.category}: {finding.message}")
                if finding.suggestion:
                    self.console.echo(f"    {finding.suggestion}")
            category = findings[0].category
            self.console.echo("  " + LEAD_BACK.get(category, _DEFAULT_LEAD_BACK).format(at=at))
            self.console.echo("  Answer again (or give the same answer to keep it).")

    def _options(self, at: str, current: Any) -> list[dict[str, str]]:
        existing = [o for o in current if isinstance(o, dict)] if isinstance(current, list) else []
        options: list[dict[str, str]] = []
        while True:
            number = len(options) + 1
            old = existing[number - 1] if number <= len(existing) else {}
            if number == 1:
                question = f"Which options were open at {at}? Option 1"
            else:
                question = (f"Option {number} (waiting, escalating and doing nothing count too; "
                            "leave empty when there are no more)")
            text = self._text(question, at, old.get("option"), required=number == 1)
            if not text:
                return options
            option = {"option": text}
            would_take = self._text(f"What would '{text}' have taken? Time, risk, people, access (optional)", at,
                                    old.get("would_take"), required=False)
            known = self._text(f"What was known about '{text}' then? (optional)", at, old.get("known"),
                               required=False)
            if would_take:
                option["would_take"] = would_take
            if known:
                option["known"] = known
            options.append(option)

    def _chosen(self, options: list[dict[str, str]], current: Any) -> str:
        if len(options) == 1:
            self.console.echo(f"  Taken: {options[0]['option']} (the only option named)")
            return options[0]["option"]
        for number, option in enumerate(options, 1):
            self.console.echo(f"  {number}. {option['option']}")
        default = next((str(n) for n, o in enumerate(options, 1)
                        if isinstance(current, str) and same_text(o["option"]) == same_text(current)), None)
        while True:
            answer = self._ask(f"Which option was taken? (1-{len(options)}, or its text)", default)
            if answer.isdigit() and 1 <= int(answer) <= len(options):
                return options[int(answer) - 1]["option"]
            taken = next((o["option"] for o in options if same_text(o["option"]) == same_text(answer)), None)
            if taken is not None:
                return taken
            self.console.echo(f"  {answer!r} is none of the options: type its number")

    def _cues(self, at: str, current: Any) -> list[dict[str, str]]:
        existing = [c for c in current if isinstance(c, dict)] if isinstance(current, list) else []
        cues: list[dict[str, str]] = []
        while True:
            old = existing[len(cues)] if len(cues) < len(existing) else {}
            text = self._text(
                "What would have had to be true for another option to look better? Name a signal that was "
                f"{', '.join(CUE_TAGS[:-1])} or {CUE_TAGS[-1]} (leave empty when done)", at, old.get("cue"),
                required=False)
            if not text:
                return cues
            tag = self.console.prompt("What was wrong with it?", type=click.Choice(CUE_TAGS, case_sensitive=False),
                                      default=old.get("tag"), show_default=bool(old.get("tag")))
            cue = {"cue": text, "tag": tag}
            while True:
                signal = self._ask("A short name for this signal, to count it across incidents "
                                   "(e.g. region-averaged-dashboard; optional)", old.get("signal"), required=False)
                if not signal or _SIGNAL.match(signal):
                    break
                self.console.echo("  use lowercase letters, digits and hyphens")
            if signal:
                cue["signal"] = signal
            cues.append(cue)


def in_time_order(decisions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Decision points sorted by ``at`` (stable: entries without a readable time keep their place last)."""
    def key(entry: dict[str, Any]) -> tuple[int, dt.datetime]:
        value = parse_timestamp(entry.get("at"))
        return (0, value) if value else (1, dt.datetime.min.replace(tzinfo=dt.timezone.utc))

    return sorted(decisions, key=key)
