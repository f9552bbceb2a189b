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
from typing import Any, Callable

from pmsite.errors import ConfigError

#: kind -> (hints, pattern). A pattern runs only on text where one of its hints
#: (regular expressions over the lower-cased text) occurs, which keeps
#: redaction cheap on ordinary chat.
#: A ``(?P<keep>...)`` group at the start stays in the text (``Bearer ``, ``user:``
#: in a URL) so the redacted text still reads naturally.
BUILTIN_PATTERNS: dict[str, tuple[tuple[str, ...], str]] = {
    "private-key": (("private key",), r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----"
                                      r"(?:.*?-----END [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----|.*\Z)"),
    "slack-token": (("xox", "xapp-"), r"\bxox(?:[abposr]|e(?:\.xox[bp])?)-[0-9A-Za-z-]{10,}"
                                      r"|\bxapp-\d-[A-Z0-9]+-\d+-[0-9a-z]+"),
    "slack-webhook": ((r"hooks\.slack\.com",), r"https://hooks\.slack\.com/(?:services|workflows)/[A-Za-z0-9/]+"),
    "github-token": (("ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_"), r"\bgh[pousr]_[A-Za-z0-9]{36,251}\b|\bgithub_pat_[A-Za-z0-9_]{22,255}"),
    "aws-access-key": (("akia", "asia"), r"\b(?:AKIA|ASIA)[A-Z0-9]{16}\b"),
    "aws-secret-key": (("secret",), r"(?P<keep>(?i:aws_?secret_?access_?key|secret_?access_?key|aws_?secret)"
                                    r"[\"']?\s*[:=]\s*[\"']?)[A-Za-z0-9/+=]{40}(?![A-Za-z0-9/+=])"),
    "google-api-key": (("aiza",), r"\bAIza[0-9A-Za-z_\-]{35}"),
    "bearer-token": (("bearer",), r"(?P<keep>\b[Bb](?i:earer)\s+)[A-Za-z0-9\-._~+/]{16,}=*"),
    "url-password": ((r"://[^\s/@:]+:[^\s/@]*@",), r"(?P<keep>://[^\s:/@]+:)[^\s/@]+(?=@)"),
}


class Redactor:
    """Replaces secrets in text and counts what it replaced, by kind.

    Patterns run one after another, most specific first, so a GitHub token sent
    as a bearer token is reported as a GitHub token.
    """

    def __init__(self, extra: list[tuple[str, str]] = ()) -> None:
        rules = [(kind, hints, pattern) for kind, (hints, pattern) in BUILTIN_PATTERNS.items()]
        rules += [(kind, (), pattern) for kind, pattern in extra]
        self._rules = [(bool(hints), re.compile(pattern, re.DOTALL), self._replacer(kind))
                       for kind, hints, pattern in rules]
        # Scans of the lower-cased text: ``_any_hint`` (fast: no named groups and no
        # re.IGNORECASE, each ~10x slower here) says whether anything may match,
        # ``_hints`` then which rules.
        self._any_hint = re.compile("|".join(f"(?:{hint})" for _, hints, _ in rules for hint in hints))
        self._hints = re.compile("|".join(f"(?P<r{index}>{'|'.join(hints)})"
                                          for index, (_, hints, _) in enumerate(rules) if hints))
        self._always = any(not hints for _, hints, _ in rules)
        self.counts: Counter[str] = Counter()

    def redact(self, text: str) -> str:
        if not text:
            return text
        lowered = text.lower()
        if not self._always and not self._any_hint.search(lowered):
            return text
        found = {match.lastgroup for match in self._hints.finditer(lowered)}
        for index, (hinted, pattern, replacer) in enumerate(self._rules):
            if not hinted or f"r{index}" in found:
                text = pattern.sub(replacer, text)
        return text

    def redact_all(self, texts: tuple[str, ...]) -> tuple[str, ...]:
        """Redact several fields; the same tuple comes back when none holds a secret hint."""
        if not self._always and not self._any_hint.search("\n".join(texts).lower()):
            return texts
        return tuple(self.redact(text) for text in texts)

    def _replacer(self, kind: str) -> Callable[[re.Match], str]:
        def replace(match: re.Match) -> str:
            self.counts[kind] += 1
            return (match.groupdict().get("keep") or "") + f"[REDACTED:{kind}]"
        return replace


def redactor_from_config(settings: dict[str, Any], where: str = "pmsite.yaml") -> Redactor:
    """Build a Redactor from ``timeline: {redact: [...]}``.

    Each entry is a regular expression, or ``{name: kind, pattern: regex}`` to
    choose the kind shown in ``[REDACTED:kind]``; a ``(?P<keep>...)`` group stays.
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
        extra.append((name, pattern))
    return Redactor(extra)
