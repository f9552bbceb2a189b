"""Validation of ``decisions:`` beyond its shape (the JSON Schema checks that).

Each finding sits at the line of the key it is about: a time outside the
incident window or out of order at ``at``, an unknown choice at ``chosen``, a
person's name where a role belongs at ``who``.
"""

from __future__ import annotations

import difflib

from pmsite.decisions.model import Decision, decisions_of, incident_window, same_text
from pmsite.model import Finding, Postmortem

_WINDOW_FIX = "decision points fall between started_at and resolved_at; check the date, the time and the offset"


def _finding(pm: Postmortem, decision: Decision, key: str, rule: str, message: str, suggestion: str,
             severity: str = "error") -> Finding:
    position = pm.position_of(("decisions", decision.index, key))
    return Finding(path=pm.display_path, line=position.line, column=position.column, rule=rule,
                   category="consistency", severity=severity, message=message, suggestion=suggestion)


def decision_findings(pm: Postmortem) -> list[Finding]:
    """Times within the window and in order, a ``chosen`` that names an option, roles not names."""
    findings = []
    start, end = incident_window(pm)
    people = {same_text(name) for key in ("participants", "authors") for name in pm.str_list(key)}
    previous: Decision | None = None
    for decision in decisions_of(pm):
        label = f"decision {decision.number}"
        if decision.at is not None:
            if start is not None and decision.at < start:
                findings.append(_finding(
                    pm, decision, "at", "consistency/decision-outside-window",
                    f"{label} at {decision.at:%Y-%m-%d %H:%M}Z is before the incident started "
                    f"({start:%Y-%m-%d %H:%M}Z)", _WINDOW_FIX))
            elif end is not None and decision.at > end:
                findings.append(_finding(
                    pm, decision, "at", "consistency/decision-outside-window",
                    f"{label} at {decision.at:%Y-%m-%d %H:%M}Z is after the incident was resolved "
                    f"({end:%Y-%m-%d %H:%M}Z)", _WINDOW_FIX))
            if previous is not None and previous.at is not None and decision.at < previous.at:
                findings.append(_finding(
                    pm, decision, "at", "consistency/decision-order",
                    f"{label} ({decision.at:%H:%M}Z) is earlier than decision {previous.number} "
                    f"({previous.at:%H:%M}Z)", "list decision points in the order they were made"))
            previous = decision
        if decision.chosen and decision.options and decision.chosen_index is None:
            names = [option.text for option in decision.options]
            close = difflib.get_close_matches(decision.chosen, names, n=1, cutoff=0.5)
            hint = f"did you mean {close[0]!r}? " if close else ""
            findings.append(_finding(
                pm, decision, "chosen", "consistency/decision-unknown-choice",
                f"{label}: chosen {decision.chosen!r} is not one of its options",
                f"{hint}write the 'option' text of the option that was taken: " + "; ".join(map(repr, names))))
        if decision.who and same_text(decision.who) in people:
            findings.append(_finding(
                pm, decision, "who", "consistency/decision-who-is-a-name",
                f"{label}: who is {decision.who!r}, a name from participants/authors",
                "write the role (on-call SRE, incident commander): the map is about the situation, not the person",
                severity="warning"))
    return findings
