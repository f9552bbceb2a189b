"""Cues across postmortems: which signals keep misleading the people responding to incidents.

A cue belongs to a group by its ``signal`` name when it has one (the way to say
that two differently worded cues are the same dashboard), otherwise by its
text with case, spacing and punctuation ignored. A group counts incidents, not
mentions: a dashboard that misled twice in one incident counts once.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from pmsite.decisions.model import CUE_TAGS, decisions_of
from pmsite.model import Postmortem

#: What to do about a signal that keeps failing people, by how it failed them most often.
RECOMMENDATIONS = {
    "misleading": "Change what this signal shows so that it means what responders take it to mean "
                  "(split aggregates, label what is measured), and say what it does not show.",
    "missing": "Add this signal where responders look first, and check after each incident that it would have fired.",
    "late": "Make this signal arrive sooner: alert on it, or watch its source directly instead of a summary.",
    "ambiguous": "Give this signal one reading: name what it measures and link it to the runbook step it informs.",
    "conflicting": "Reconcile the sources that disagree, or show them side by side with what each one measures.",
}
_PUNCTUATION = re.compile(r"[^\w\s-]")


@dataclass
class CueGroup:
    """One signal across incidents."""

    key: str
    #: The wording shown: the signal name's first cue text.
    text: str
    signal: str
    #: Tag -> number of incidents it was given in.
    tags: Counter = field(default_factory=Counter)
    #: Postmortem ids (or file names), in date order; each once.
    incidents: list[str] = field(default_factory=list)
    #: Every wording used, first one first.
    wordings: list[str] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.incidents)

    @property
    def main_tag(self) -> str:
        """The tag given most often (ties: the order of ``CUE_TAGS``)."""
        return min(self.tags, key=lambda tag: (-self.tags[tag], CUE_TAGS.index(tag) if tag in CUE_TAGS else 99))

    @property
    def recommendation(self) -> str:
        return RECOMMENDATIONS.get(self.main_tag, RECOMMENDATIONS["misleading"])


def _key(text: str, signal: str) -> str:
    return f"signal:{signal}" if signal else "text:" + " ".join(_PUNCTUATION.sub(" ", text.casefold()).split())


def cue_groups(postmortems: list[Postmortem]) -> list[CueGroup]:
    """Every cue of every postmortem's decision points, grouped; most incidents first."""
    groups: dict[str, CueGroup] = {}
    counted: set[tuple[str, str, str]] = set()
    for pm in sorted(postmortems, key=lambda p: (str(p.date("date") or ""), p.id, p.slug)):
        name = pm.id or pm.slug
        for decision in decisions_of(pm):
            for cue in decision.cues:
                if not cue.text or cue.tag not in CUE_TAGS:
                    continue
                key = _key(cue.text, cue.signal)
                group = groups.setdefault(key, CueGroup(key, cue.text, cue.signal))
                if cue.text not in group.wordings:
                    group.wordings.append(cue.text)
                if name not in group.incidents:
                    group.incidents.append(name)
                if (key, name, cue.tag) not in counted:
                    counted.add((key, name, cue.tag))
                    group.tags[cue.tag] += 1
    return sorted(groups.values(), key=lambda g: (-g.count, -g.tags.get("misleading", 0), g.text.casefold()))


def tag_counts(groups: list[CueGroup]) -> dict[str, int]:
    """Incidents per tag over all groups, in ``CUE_TAGS`` order."""
    totals: Counter = Counter()
    for group in groups:
        totals.update(group.tags)
    return {tag: totals[tag] for tag in CUE_TAGS}


def misled_context(postmortems: list[Postmortem]) -> dict[str, object]:
    """What the "What misled us" page shows: the groups, the totals by tag, how many maps they come from."""
    groups = cue_groups(postmortems)
    mapped = sum(1 for pm in postmortems if decisions_of(pm))
    return {"groups": groups, "tag_counts": tag_counts(groups), "mapped": mapped}
