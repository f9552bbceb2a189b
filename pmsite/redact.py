"""Keep secrets out of everything an importer writes: anything that looks like a
credential becomes ``[REDACTED:kind]``.

Chat during an incident is full of pasted tokens, curl commands, connection
strings and environment dumps; a timeline is pasted into a document many people
read. The built-in kinds cover the token formats teams paste (Slack, GitHub,
GitLab, npm, Stripe, AWS, Google, SendGrid, JWTs), credentials in headers,
URLs, command lines and ``key=value`` settings, and private key blocks, also
when a block is split over several log records or chat messages;
``timeline: {redact: [...]}`` in pmsite.yaml adds more.

The patterns are written here rather than taken from a detector library:
``detect-secrets`` scans about 430 chat messages a second here (100,000 take
four minutes, where this module takes well under a second), reports only part
of some tokens and flags every word by entropy unless its file filters run (see
docs/security.md, "Redaction").
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any, Callable, Hashable

from pmsite.errors import ConfigError

#: Values that name a secret without being one: ``$PGPASSWORD``, ``<password>``, ``***``, an earlier redaction.
_NOT_A_VALUE = r"(?!\[REDACTED|\$|<|\*\*\*|%\(|\{\{)"
#: A value after ``key=``/``key:``: to the closing quote when quoted, else to a space or separator.
#: Every repetition that starts at a name is bounded: hostile text with thousands of names in one
#: run of characters must not make a pattern quadratic (tests/test_redact.py, "hostile").
_VALUE = r"(?:(?<=\")[^\"\n]{1,4096}|(?<=')[^'\n]{1,4096}|[^\s\"',;&<>|]{1,4096})"
#: A value that looks generated, not a word (nor a hyphenated phrase or a date): letters and digits
#: mixed, or 16+ characters of mixed case.
_GENERATED = (r"(?:(?=[^\s\"',;&<>|]{0,4096}?\d)(?=[^\s\"',;&<>|]{0,4096}?[A-Za-z])"
              r"|(?=[A-Za-z0-9+/_-]{16})(?=[^\s\"',;&<>|]{0,4096}?[a-z])(?=[^\s\"',;&<>|]{0,4096}?[A-Z]))")
_SEPARATOR = r"[\"']?\s*[:=]\s*[\"']?"
_PEM_END = r"-----END [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----"
#: One line (or space-separated chunk) of a PEM body: long base64, or short with a digit, ``+``, ``/`` or
#: ``=`` padding. Unambiguous (the lookahead decides, one run of base64 is taken), so no backtracking blow-up.
_PEM_CHUNK = r"(?:(?=[A-Za-z0-9+/=]{16}|[A-Za-z0-9+/]*[0-9+/=])[A-Za-z0-9+/=]+)"
_CLEAN_CACHE_SIZE = 4096
_CLEAN_CACHE_LENGTH = 40  # names and labels, not messages (which rarely repeat)
_BASE64 = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=")

#: kind -> (hints, pattern). A pattern runs only on text where one of its hints
#: (regular expressions over the lower-cased text) occurs, which keeps
#: redaction cheap on ordinary chat. Patterns run in this order: most specific
#: first, so a GitHub token in a ``token=`` setting is reported as a GitHub token.
#: A ``(?P<keep>...)`` group at the start stays in the text (``Bearer ``, ``user:``
#: in a URL) so the redacted text still reads naturally.
BUILTIN_PATTERNS: dict[str, tuple[tuple[str, ...], str]] = {
    # A whole block; a block cut off (no END) runs to the end of the text. The tail of a
    # block whose BEGIN was in an earlier record is found from its END line (``_redact_key_tails``).
    "private-key": (("private key",), r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----(?:.*?" + _PEM_END + r"|.*\Z)"),
    "slack-token": (("xox", "xapp-"), r"(?<![0-9A-Za-z%.-])xox[a-z](?:\.xox[a-z])?-[0-9A-Za-z%-]*[0-9A-Za-z%]{6}"
                                      r"|(?<![\w-])xapp-\d-[A-Z0-9]+-\d+-[0-9a-z]+"),
    "slack-webhook": ((r"hooks\.slack\.com",), r"https://hooks\.slack\.com/(?:services|workflows|triggers)/[A-Za-z0-9/]+"),
    "github-token": (("ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_"),
                     r"\bgh[pousr]_[A-Za-z0-9]{30,251}\b|\bgithub_pat_[A-Za-z0-9_]{22,255}"),
    "gitlab-token": (("glpat-", "gldt-", "glptt-", "glrt-", "glsoat-", "glcbt-", "glimt-", "glft-", "gloas-"),
                     r"(?<![0-9A-Za-z_.-])gl(?:pat|dt|ptt|rt|soat|cbt|imt|ft|oas)-[0-9A-Za-z_.-]{14,}[0-9A-Za-z_]"),
    "npm-token": (("npm_",), r"\bnpm_[A-Za-z0-9]{36}\b"),
    "openai-key": (("sk-",), r"(?<![A-Za-z0-9_-])sk-(?:proj-|svcacct-|admin-|ant-(?:api|admin)\d\d-)?[A-Za-z0-9_-]{20,}"),
    "discord-webhook": (("discord",), r"https://(?:ptb\.|canary\.)?discord(?:app)?\.com/api/webhooks/\d+/[\w-]+"),
    "stripe-key": (("k_live_", "k_test_", "whsec_"), r"\b[rs]k_(?:live|test)_[0-9A-Za-z]{10,}|\bwhsec_[0-9A-Za-z]{20,}"),
    "sendgrid-key": ((r"sg\.",), r"(?<![\w.-])SG\.[\w-]{16,}\.[\w-]{16,}"),
    "aws-access-key": (("akia", "asia", "abia", "acca"), r"\b(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}\b"),
    "aws-secret-key": (("secret",), r"(?P<keep>(?i:aws[_-]?secret[_-]?access[_-]?key|secret[_-]?access[_-]?key"
                                    r"|aws[_-]?secret)" + _SEPARATOR + r")[A-Za-z0-9/+=]{30,}(?![A-Za-z0-9/+=])"),
    "aws-session-token": (("iqojb3jpz2lux2vj", "fwogzxivyxdz", "session"),
                          r"(?P<keep>(?i:aws[_-]?session[_-]?token|x-amz-security-token)" + _SEPARATOR + r")"
                          + _NOT_A_VALUE + _VALUE + r"|(?<![A-Za-z0-9/+=])(?:IQoJb3JpZ2luX2Vj|FwoGZXIvYXdz)[A-Za-z0-9/+=]{40,}"),
    "google-api-key": (("aiza",), r"\bAIza[0-9A-Za-z_\-]{35}"),
    "bearer-token": (("bearer",), r"(?P<keep>\b[Bb](?i:earer)\s+)" + _NOT_A_VALUE
                     + r"(?=[A-Za-z0-9\-._~+/]*?(?:\d|[A-Za-z0-9][\-._~+/][A-Za-z0-9])|[A-Za-z0-9\-._~+/]{16})"
                       r"[A-Za-z0-9\-._~+/]{4,}=*"),
    # base64 of user:password: whole groups of four, padded, with a digit, + / = or a case change.
    "basic-auth": (("basic",), r"(?P<keep>\b[Bb](?i:asic)\s+)(?=[A-Za-z0-9+/]*?(?:[\d+/=]|[a-z][A-Z]))"
                               r"(?:[A-Za-z0-9+/]{4}){2,}(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?(?![A-Za-z0-9+/=])"),
    "jwt": (("eyj",), r"(?<![A-Za-z0-9_.-])eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*"),
    "authorization": (("authorization",), r"(?P<keep>\b(?i:proxy-)?(?i:authorization)" + _SEPARATOR
                      + r"(?:[A-Za-z-]+\s+)?)" + _NOT_A_VALUE + _GENERATED + _VALUE),
    "url-password": ((r"://[^\s/@]*:\S*@",), r"(?P<keep>\b[A-Za-z][A-Za-z0-9+.-]{0,30}://[^\s:/@'\"<>]{0,256}:)"
                     # a port, with a path and no "@" after it (or a path that starts with "@"), is no password
                     r"(?!\d{1,5}(?:[/?#][^\s@'\"<>]*)?(?:[\s'\"<>]|$)|\d{1,5}/@)" + _NOT_A_VALUE
                     + r"[^\s'\"<>]{1,256}(?=@[^\s@/'\"<>]+(?:[/?#:'\"\s<>]|$))"),
    "cli-password": (("-u", "--user", "mysql", "sshpass"),
                     r"(?P<keep>(?:^|(?<=\s))(?:-u|--user)(?:\s+|=)[^\s:'\"]{1,128}:|\bmysql\w*\b[^\n]{0,200}?\s-p[\"']?"
                     r"|\bsshpass\s+-p\s*[\"']?)" + _NOT_A_VALUE + r"(?!\d{1,5}(?::\d{1,5})*(?:\s|$))(?=\S)" + _VALUE),
    "cookie": (("cookie",), r"(?P<keep>\b(?i:set-)?(?i:cookie)\s*:\s*)(?=[^\s;=]{1,128}=)[^\n'\"]{1,4096}"),
    "password": (("pass", "pwd"),
                 # the name alone: a prefix (PG, DB_, MYSQL_ROOT_) stays in the text anyway
                 r"(?P<keep>(?i:passw(?:or)?d|passphrase|(?<=_)pwd|pwd_[a-z0-9]{0,32}"
                 r"|(?<![A-Za-z])pwd(?=\s*=\s*[\"']?[^/~\s]))"
                 r"(?:" + _SEPARATOR + r"|(?<=-password)\s+))" + _NOT_A_VALUE + r"(?:(?<=[\"'])|(?=\S{3}))" + _VALUE),
    # ``token=``, ``client_secret: ...``, ``api-key=``, ``?sig=``: only generated-looking values, so
    # prose such as "the secret: nobody knew" stays.
    "credential": (("secret", "token", "key", "credential", "sig", "auth"),
                   r"(?P<keep>(?i:secret|token|api[_-]?key|apikey|access[_-]?key|account[_-]?key"
                   r"|private[_-]?key|signing[_-]?key|auth[_-]?key|master[_-]?key|sharedaccesskey|credentials?|auth)"
                   + _SEPARATOR + r"|[?&](?i:sig|signature|x-amz-signature|x-amz-credential|key|code)=)"
                   + _NOT_A_VALUE + r"(?:(?<=[\"'])|" + _GENERATED + r"(?=\S{8}))" + _VALUE),
}

#: What may follow an unfinished private key block in the next record of the same thread.
_PEM_CONTINUATION = re.compile(r"\A\s*(?:" + _PEM_CHUNK + r"(?:\s+|\Z))+")
_PEM_BEGIN = re.compile(r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----")
_PEM_TAIL = re.compile(r"\A\s*(?:" + _PEM_CHUNK + r"\s+)*" + _PEM_END)
_PEM_END_LINE = re.compile(_PEM_END)


class Redactor:
    """Replaces secrets in text and counts what it replaced, by kind.

    Patterns run one after another, most specific first, so a GitHub token sent
    as a bearer token is reported as a GitHub token. ``redact_record`` also
    follows a private key block that continues over several records of one thread.
    """

    def __init__(self, extra: list[tuple[str, str]] = ()) -> None:
        rules = [(kind, hints, pattern) for kind, (hints, pattern) in BUILTIN_PATTERNS.items()]
        rules += [(kind, (), pattern) for kind, pattern in extra]
        self._rules = [self._substitution(kind, pattern) for kind, _, pattern in rules]
        # Scans of the lower-cased text: ``_any_hint`` (fast: no named groups and no
        # re.IGNORECASE, each ~10x slower here) says whether anything may match; then each
        # rule's own hints say whether it may (one alternation would record only the first of
        # two rules sharing a hint, such as "secret").
        self._any_hints = [re.compile(p) for p in _any_of([hint for _, hints, _ in rules for hint in hints])]
        self._hints = [re.compile("|".join(hints)) if hints else None for _, hints, _ in rules]
        self._always = any(not hints for _, hints, _ in rules)
        self.counts: Counter[str] = Counter()
        #: Threads (e.g. one person in one channel) whose last record ended inside a private key block.
        self._open_keys: set[Hashable] = set()
        self._clean: set[str] = set()

    def redact(self, text: str) -> str:
        if not text:
            return text
        lowered = text.lower()
        if not self._always and not self._has_hint(lowered):
            return text
        for hints, substitute in zip(self._hints, self._rules):
            if hints is None or hints.search(lowered):
                text = substitute(text)
        return text

    def redact_data(self, value: Any) -> Any:
        """Every text in a JSON- or YAML-shaped value, keys included, with secrets replaced."""
        if isinstance(value, str):
            return self.redact(value)
        if isinstance(value, list):
            return [self.redact_data(item) for item in value]
        if isinstance(value, dict):
            return {self.redact(k) if isinstance(k, str) else k: self.redact_data(v) for k, v in value.items()}
        return value

    def redact_all(self, texts: tuple[str, ...]) -> tuple[str, ...]:
        """Redact several fields; the same tuple comes back when none holds a secret hint.

        Short values seen clean before (names, channel labels: the same few come back
        in every record) are not scanned again.
        """
        clean = self._clean
        unknown = [text for text in texts if text not in clean]
        if not unknown:
            return texts
        if not self._always and not self._has_hint("\n".join(unknown).lower()):
            for text in unknown:
                if len(text) <= _CLEAN_CACHE_LENGTH:
                    if len(clean) > _CLEAN_CACHE_SIZE:
                        clean.clear()
                    clean.add(text)
            return texts
        return tuple(self.redact(text) for text in texts)

    def _has_hint(self, lowered: str) -> bool:
        literal, *others = self._any_hints
        return literal.search(lowered) is not None or any(pattern.search(lowered) for pattern in others)

    def redact_record(self, thread: Hashable, fields: tuple[str, ...]) -> tuple[str, ...]:
        """Redact one record of a sequence (log lines, one person's chat messages), in order.

        ``fields[0]`` is the record's message. When an earlier record of the same
        ``thread`` ended inside a private key block, the key lines this one starts
        with are part of it and are redacted too, until the block's END line.
        """
        message = fields[0]
        if thread in self._open_keys:
            self._open_keys.discard(thread)
            if not _PEM_TAIL.match(message):  # an END line: the patterns below take the block's tail
                continued = _PEM_CONTINUATION.match(message)
                if continued:
                    self.counts["private-key"] += 1
                    rest = message[continued.end():]
                    message = "[REDACTED:private-key]" + ("\n" + rest if rest else "")
                    if not rest:
                        self._open_keys.add(thread)
        if "PRIVATE KEY" in message and _ends_inside_a_key(message):
            self._open_keys.add(thread)
        return self.redact_all(fields if message is fields[0] else (message, *fields[1:]))

    def _substitution(self, kind: str, pattern: str) -> Callable[[str], str]:
        compiled = re.compile(pattern, re.DOTALL)

        def replace(match: re.Match) -> str:
            self.counts[kind] += 1
            return (match.groupdict().get("keep") or "") + f"[REDACTED:{kind}]"

        if kind == "private-key":
            return lambda text: self._redact_key_tails(compiled.sub(replace, text))
        return lambda text: compiled.sub(replace, text)

    def _redact_key_tails(self, text: str) -> str:
        """An END line left after whole blocks are gone ends a block begun in an earlier record:
        it goes with the base64 lines before it (found walking back, which no regex does in linear time)."""
        pieces = []
        kept_to = 0
        for end in _PEM_END_LINE.finditer(text):
            start = end.start()
            while start > kept_to:
                gap = start
                while gap > kept_to and text[gap - 1].isspace():
                    gap -= 1
                chunk = gap
                while chunk > kept_to and text[chunk - 1] in _BASE64:
                    chunk -= 1
                if (gap == start and start != end.start()) or chunk == gap \
                        or (chunk > 0 and not text[chunk - 1].isspace()) or not re.fullmatch(_PEM_CHUNK, text[chunk:gap]):
                    break
                start = chunk
            self.counts["private-key"] += 1
            pieces += [text[kept_to:start], "[REDACTED:private-key]"]
            kept_to = end.end()
        return "".join(pieces) + text[kept_to:] if pieces else text

def _ends_inside_a_key(text: str) -> bool:
    """Whether the last BEGIN line of a private key in ``text`` has no END line after it."""
    last = None
    for last in _PEM_BEGIN.finditer(text):
        pass
    return last is not None and not _PEM_END_LINE.search(text, last.end())


def _any_of(hints: list[str]) -> list[str]:
    """Regular expressions that together match any hint, each searched on its own.

    Literal hints become one trie (``g(?:h(?:o_|p_)|lpat-)``), so each position of
    the text tries one branch, not fifty; a regular expression hint in the same
    alternation would turn off that fast path (0.6 s for 100,000 records alone,
    1.5 s together). Every imported record goes through this scan.
    """
    literal = re.compile(r"(?:[^\\.^$*+?{}\[\]|()]|\\.)+")
    trie: dict[str, dict] = {}
    for hint in hints:
        if literal.fullmatch(hint):
            node = trie
            for char in re.sub(r"\\(.)", r"\1", hint):
                node = node.setdefault(char, {})
            node[""] = {}

    def branch(node: dict) -> str:
        if "" in node:  # a shorter hint already matches
            return ""
        options = [re.escape(char) + branch(child) for char, child in sorted(node.items())]
        return options[0] if len(options) == 1 else "(?:" + "|".join(options) + ")"

    others = [hint for hint in dict.fromkeys(hints) if not literal.fullmatch(hint)]
    return ([branch(trie)] if trie else []) + (["|".join(f"(?:{hint})" for hint in others)] if others else [])


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
