"""Keep secrets out of timelines: anything that looks like a credential becomes
``[REDACTED:kind]``.

Chat during an incident is full of pasted tokens, curl commands and connection
strings; a timeline is pasted into a document many people read. The built-in
kinds cover Slack, GitHub, AWS, Google and bearer tokens, private key blocks and
passwords in URLs; ``timeline: {redact: [...]}`` in pmsite.yaml adds more.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

from pmsite.errors import ConfigError

#: kind -> pattern. A ``(?P<keep>...)`` group at the start is kept in the text
#: (``Bearer ``, ``user:`` in a URL) so the redacted text still reads naturally.
BUILTIN_PATTERNS: dict[str, str] = {
    "private-key": r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----(?:.*?-----END [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----|.*\Z)",
    "slack-token": r"\bxox(?:[abposr]|e(?:\.xox[bp])?)-[0-9A-Za-z-]{10,}|\bxapp-\d-[A-Z0-9]+-\d+-[0-9a-z]+",
    "slack-webhook": r"https://hooks\.slack\.com/(?:services|workflows)/[A-Za-z0-9/]+",
    "github-token": r"\bgh[pousr]_[A-Za-z0-9]{36,251}\b|\bgithub_pat_[A-Za-z0-9_]{22,255}",
    "aws-access-key": r"\b(?:AKIA|ASIA)[A-Z0-9]{16}\b",
    "aws-secret-key": r"(?P<keep>(?i:aws_?secret_?access_?key|secret_?access_?key|aws_?secret)[\"']?\s*[:=]\s*[\"']?)"
                      r"[A-Za-z0-9/+=]{40}(?![A-Za-z0-9/+=])",
    "google-api-key": r"\bAIza[0-9A-Za-z_\-]{35}",
    "bearer-token": r"(?P<keep>\b[Bb](?i:earer)\s+)[A-Za-z0-9\-._~+/]{16,}=*",
    "url-password": r"(?P<keep>\b[a-zA-Z][a-zA-Z0-9+.-]*://[^\s:/@]+:)[^\s/@]+(?=@)",
}


class Redactor:
    """Replaces secrets in text and counts what it replaced, by kind."""

    def __init__(self, extra: list[tuple[str, str]] = ()) -> None:
        self._kinds = {}
        alternatives = []
        for index, (kind, pattern) in enumerate([*BUILTIN_PATTERNS.items(), *extra]):
            group = f"k{index}"
            self._kinds[group] = kind
            alternatives.append(f"(?P<{group}>{pattern.replace('(?P<keep>', f'(?P<{group}keep>')})")
        self._pattern = re.compile("|".join(alternatives), re.DOTALL)
        self.counts: Counter[str] = Counter()

    def redact(self, text: str) -> str:
        return self._pattern.sub(self._replace, text) if text else text

    def _replace(self, match: re.Match) -> str:
        group = match.lastgroup
        kind = self._kinds[group]
        self.counts[kind] += 1
        return (match.groupdict().get(group + "keep") or "") + f"[REDACTED:{kind}]"


def redactor_from_config(settings: dict[str, Any], where: str = "pmsite.yaml") -> Redactor:
    """Build a Redactor from ``timeline: {redact: [...]}``.

    Each entry is a regular expression, or ``{name: kind, pattern: regex}`` to
    choose the kind shown in ``[REDACTED:kind]``.
    """
    entries = settings.get("redact") or []
    if not isinstance(entries, list):
        raise ConfigError(f"{where}: timeline.redact must be a list of patterns")
    extra = []
    for index, entry in enumerate(entries):
        name, pattern = ("custom", entry) if isinstance(entry, str) else (
            (str(entry.get("name") or "custom"), entry.get("pattern")) if isinstance(entry, dict) else ("", None))
        if not isinstance(pattern, str) or not pattern:
            raise ConfigError(f"{where}: timeline.redact[{index}] must be a regular expression or "
                              "{name: kind, pattern: regex}")
        try:
            re.compile(pattern)
        except re.error as exc:
            raise ConfigError(f"{where}: timeline.redact[{index}] {pattern!r} is not a valid regular expression "
                              f"({exc}); fix the pattern") from None
        if "(?P<" in pattern:
            raise ConfigError(f"{where}: timeline.redact[{index}] uses a named group; use plain (...) groups")
        extra.append((name, pattern))
    return Redactor(extra)
