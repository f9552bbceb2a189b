"""``review:`` in pmsite.yaml: approvals and days to publish, by severity."""

from __future__ import annotations

from dataclasses import dataclass

from pmsite.aggregate.settings import number
from pmsite.config import Config
from pmsite.errors import ConfigError
from pmsite.model import SEVERITIES

#: Approvals a postmortem needs before it is published (or closed as wont_publish).
DEFAULT_APPROVALS = {"SEV1": 2, "SEV2": 1, "SEV3": 1, "SEV4": 0}
#: Days from resolution (else the incident day) to publication.
DEFAULT_PUBLISH_WITHIN = {"SEV1": 7, "SEV2": 14, "SEV3": 30, "SEV4": 30}


@dataclass(frozen=True)
class ReviewPolicy:
    approvals: dict[str, int]
    publish_within: dict[str, int]

    @classmethod
    def from_config(cls, config: Config) -> ReviewPolicy:
        section = config.section("review")
        where = config.path.name if config.path else "pmsite.yaml"
        unknown = sorted(set(section) - {"approvals", "publish_within"})
        if unknown:
            raise ConfigError(f"{where}: review.{unknown[0]} is not a setting; review: takes approvals and "
                              "publish_within, each mapping SEV1..SEV4 to a number")
        return cls(_by_severity(config, section, "approvals", DEFAULT_APPROVALS),
                   _by_severity(config, section, "publish_within", DEFAULT_PUBLISH_WITHIN))

    def approvals_for(self, severity: str) -> int:
        return self.approvals.get(severity, max(self.approvals.values()))

    def days_to_publish(self, severity: str) -> int:
        return self.publish_within.get(severity, max(self.publish_within.values()))


def _by_severity(config: Config, section: dict, key: str, defaults: dict[str, int]) -> dict[str, int]:
    where = config.path.name if config.path else "pmsite.yaml"
    value = section.get(key)
    if value is None:
        return dict(defaults)
    if not isinstance(value, dict):
        raise ConfigError(f"{where}: review.{key} must map severities to numbers, e.g. '{key}: {{SEV1: 2, SEV2: 1}}'")
    unknown = sorted(str(k) for k in value if k not in SEVERITIES)
    if unknown:
        raise ConfigError(f"{where}: review.{key} has {unknown[0]!r}, which is not a severity; use "
                          f"{', '.join(SEVERITIES)}")
    return {**defaults, **{k: int(number(config, f"review.{key}.{k}", v)) for k, v in value.items()}}
