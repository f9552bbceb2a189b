"""Who counts as a contributor: people, not the bots and shared accounts that commit for them.

Git history names every commit author; a sample imported by "Seed maintainers",
a release made by ``github-actions[bot]`` or a dependency bump by Renovate are
not contributors to a postmortem. History keeps names only, so this goes by
name: bot markers, well-known automation accounts, and ``history.bots`` in
pmsite.yaml for the rest (exact names, any case).
"""

from __future__ import annotations

import re

from pmsite.config import Config
from pmsite.errors import ConfigError

_BOT_LIKE = re.compile(
    r"\[bot\]|(?:^|[\s._-])bot$|^bot[\s._-]|\b(?:github-actions|dependabot|renovate|semantic-release|"
    r"pre-commit-ci|gitlab[ -]ci|jenkins|automation|maintainers|noreply|no-reply)\b",
    re.IGNORECASE,
)


def configured_bots(config: Config) -> frozenset[str]:
    """``history.bots``: more names to leave out, compared without regard to case."""
    names = config.section("history").get("bots", [])
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise ConfigError("pmsite.yaml: history.bots must be a list of commit author names, "
                          "e.g. [Release Robot, Deploy Account]")
    return frozenset(n.casefold() for n in names)


def people(names: list[str], bots: frozenset[str] = frozenset()) -> list[str]:
    """``names`` without bot-like ones and those in ``bots``."""
    return [n for n in names if n.casefold() not in bots and not _BOT_LIKE.search(n)]
