"""Patterns: a kind of contributing factor or fix that keeps coming back.

A pattern matches an incident when one of its terms appears in the incident's
tags, fingerprint or type, or equals the category of one of its action items.
A pattern matched by at least ``min_count`` incidents in the window is reported
with its recommendation. The table is ``patterns.table`` in ``pmsite.yaml``:
entries there replace the default with the same name, ``null`` removes one.
A cue of the decision maps (``pmsite.decisions.cues``) that failed the responders
of ``min_count`` incidents is a pattern too, with a recommendation by its tag.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from pmsite.aggregate import settings
from pmsite.aggregate.incidents import Incident
from pmsite.config import Config
from pmsite.errors import ConfigError

DEFAULT_MIN_COUNT = 3
DEFAULT_TABLE: dict[str, dict[str, Any]] = {
    "configuration": {
        "match": ["config", "feature-flag", "flag", "setting", "misconfiguration"],
        "recommendation": "Treat configuration as code: review it, validate it before rollout, "
                          "and roll it out progressively with the same safeguards as a deploy.",
    },
    "capacity": {
        "match": ["capacity", "pool", "saturation", "quota", "disk", "memory", "oom", "retention", "limit"],
        "recommendation": "Load-test at peak traffic, alert on saturation (not only errors) and keep "
                          "documented headroom for every shared resource.",
    },
    "dependency": {
        "match": ["dependency", "third-party", "vendor", "upstream", "certificate", "dns", "expir"],
        "recommendation": "Inventory external dependencies and expiring credentials, add timeouts and "
                          "fallbacks, and rehearse the failure of each critical one.",
    },
    "deployment": {
        "match": ["deploy", "release", "rollout", "rollback", "migration", "canary"],
        "recommendation": "Make every change progressive and reversible: canaries with automatic "
                          "rollback, and migrations that can be undone.",
    },
    "monitoring": {
        "match": ["monitoring", "alert", "observability", "dashboard", "detection"],
        "recommendation": "Alert on user-facing symptoms, review alert coverage after each incident, "
                          "and test that alerts fire.",
    },
}


@dataclass
class Pattern:
    name: str
    count: int
    incident_ids: list[str]
    recommendation: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class PatternTable:
    min_count: int
    rules: dict[str, dict[str, Any]]
    #: Incident id -> names of the patterns it matches, worked out once per incident.
    _matched: dict[str, list[str]] = field(default_factory=dict, repr=False)

    @classmethod
    def from_config(cls, config: Config) -> PatternTable:
        section = config.section("patterns")
        min_count = section.get("min_count", DEFAULT_MIN_COUNT)
        rules = dict(DEFAULT_TABLE)
        custom = section.get("table") or {}
        if not isinstance(custom, dict):
            raise ConfigError("pmsite.yaml: patterns.table must map pattern names to {match, recommendation}")
        for name, rule in custom.items():
            if rule is None:
                rules.pop(name, None)
            elif (not isinstance(rule, dict) or not isinstance(rule.get("match"), list)
                  or not isinstance(rule.get("recommendation"), str)):
                raise ConfigError(f"pmsite.yaml: patterns.table.{name} needs 'match' (a list of words) "
                                  f"and 'recommendation' (text)")
            else:
                rules[name] = {"match": [str(term).lower() for term in rule["match"]],
                               "recommendation": rule["recommendation"]}
        return cls(int(settings.number(config, "patterns.min_count", min_count)), rules)

    def matched(self, incident: Incident) -> list[str]:
        """Names of the patterns this incident shows."""
        if incident.id not in self._matched:
            words = [*incident.postmortem.str_list("tags"), str(incident.postmortem.meta.get("fingerprint") or ""),
                     incident.type]
            words = [w.lower() for w in words if w]
            categories = {str(item.get("category") or "").lower() for item in incident.postmortem.action_items}
            self._matched[incident.id] = [
                name for name, rule in self.rules.items()
                if any(term in categories or any(term in word for word in words) for term in rule["match"])
            ]
        return self._matched[incident.id]

    def find(self, incidents: list[Incident]) -> list[Pattern]:
        """Patterns shown by at least ``min_count`` of these incidents, most frequent first."""
        ids: dict[str, list[str]] = {name: [] for name in self.rules}
        for incident in incidents:
            for name in self.matched(incident):
                ids[name].append(incident.id)
        found = [Pattern(name, len(members), members, self.rules[name]["recommendation"])
                 for name, members in ids.items() if members and len(members) >= self.min_count]
        return sorted(found + self._cue_patterns(incidents), key=lambda p: (-p.count, p.name))

    def _cue_patterns(self, incidents: list[Incident]) -> list[Pattern]:
        """A signal that failed the responders of ``min_count`` incidents (their decision maps' cues)."""
        from pmsite.decisions.cues import cue_groups

        with_cues = [i for i in incidents if i.postmortem.meta.get("decisions")]
        if len(with_cues) < self.min_count:
            return []
        incident_of = {i.postmortem.id or i.postmortem.slug: i.id for i in with_cues}
        return [Pattern(f"{group.main_tag} cue: {group.signal or group.text}", group.count,
                        [incident_of[name] for name in group.incidents], group.recommendation)
                for group in cue_groups([i.postmortem for i in with_cues]) if group.count >= self.min_count]
