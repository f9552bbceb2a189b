"""Read the numbers of the ``sla``, ``escalation`` and ``metrics`` sections, with defaults.

A wrong value stops the command with one line naming the key and what to write.
"""

from __future__ import annotations

from typing import Any

from pmsite.config import Config
from pmsite.errors import ConfigError

PRIORITIES = ("P1", "P2", "P3")

#: Days from publication to the due date when an action item has no ``due``.
DEFAULT_SLA_DAYS = {"P1": 14, "P2": 30, "P3": 90}
#: Tighter SLAs for the worst incidents; other severities use the priority defaults.
DEFAULT_SLA_BY_SEVERITY = {"SEV1": {"P1": 7, "P2": 21}}
DEFAULT_ESCALATION = {"reminder": 7, "manager": 14, "stale": 14}
DEFAULT_HEALTH_WEIGHTS = {
    "completion": 20, "on_time": 20, "no_overdue": 15, "timely_publication": 15,
    "no_recurrence": 20, "systemic": 10,
}
DEFAULT_METRICS = {"publish_target_days": 14, "systemic_target": 0.5, "digest_learnings": 5,
                   "digest_pattern_months": 3}


def _where(config: Config) -> str:
    return config.path.name if config.path else "pmsite.yaml"


def number(config: Config, dotted: str, value: Any, *, whole: bool = True) -> float:
    """A non-negative number from the configuration, or a ConfigError naming the key."""
    ok = isinstance(value, int) if whole else isinstance(value, (int, float))
    if not ok or isinstance(value, bool) or value < 0:
        kind = "a whole number of days" if whole else "a number"
        raise ConfigError(f"{_where(config)}: {dotted} must be {kind} of 0 or more, got {value!r}; "
                          f"fix it or remove it to use the default")
    return value


def table(config: Config, section: str, defaults: dict[str, Any], *, whole: bool = True) -> dict[str, Any]:
    """``defaults`` overridden by the numbers a section sets for the same keys."""
    values = dict(defaults)
    for key, value in config.section(section).items():
        if key in defaults:
            values[key] = number(config, f"{section}.{key}", value, whole=whole and isinstance(defaults[key], int))
    return values


def sla_days(config: Config) -> dict[str, dict[str, int]]:
    """Days to the due date, ``[severity or "*"][priority]``."""
    section = config.section("sla")
    days = {"*": table(config, "sla", DEFAULT_SLA_DAYS)}
    by_severity = {**DEFAULT_SLA_BY_SEVERITY, **(section.get("by_severity") or {})}
    for severity, overrides in by_severity.items():
        if not isinstance(overrides, dict):
            raise ConfigError(f"{_where(config)}: sla.by_severity.{severity} must map priorities to days, "
                              f"e.g. '{severity}: {{P1: 7}}'")
        days[str(severity)] = {**days["*"], **{
            str(p): number(config, f"sla.by_severity.{severity}.{p}", d) for p, d in overrides.items()}}
    return days


def sla_start(config: Config) -> str:
    start = config.section("sla").get("from", "published")
    if start not in ("published", "incident"):
        raise ConfigError(f"{_where(config)}: sla.from must be 'published' or 'incident', got {start!r}")
    return start


def health_weights(config: Config) -> dict[str, float]:
    weights = config.section("metrics").get("health_weights") or {}
    if not isinstance(weights, dict):
        raise ConfigError(f"{_where(config)}: metrics.health_weights must map component names to weights")
    unknown = sorted(set(weights) - set(DEFAULT_HEALTH_WEIGHTS))
    if unknown:
        raise ConfigError(f"{_where(config)}: metrics.health_weights has unknown component {unknown[0]!r}; "
                          f"components: {', '.join(DEFAULT_HEALTH_WEIGHTS)}")
    return {**DEFAULT_HEALTH_WEIGHTS, **{k: number(config, f"metrics.health_weights.{k}", v, whole=False)
                                         for k, v in weights.items()}}
