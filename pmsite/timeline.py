"""One UTC timeline from many exports: merge, window, redact, drop noise, pseudonymize.

Importers read each export into ``TimelineEvent`` values; this stage merges
them in time order (stable, so equal times keep their source order), keeps the
``--since/--until`` window, replaces secrets in every event, drops noise with a
count per rule and, when asked, replaces people's names. ``to_markdown``, ``to_csv`` and ``to_json``
format the result; the Markdown table is what ``pmsite new --timeline`` writes
under "## Timeline".
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, field, replace
from typing import Any, Callable, Iterator

from pmsite.characters import printable_all
from pmsite.csvout import csv_text
from pmsite.errors import ConfigError
from pmsite.importers import ImportOptions, TimelineEvent, read_source
from pmsite.importers.logs import log_fields
from pmsite.redact import Redactor, redactor_from_config

#: Bot messages matching any of these are alerts and stay in the timeline.
DEFAULT_ALERT_PATTERNS = (
    r"\b(?:alert|alarm|firing|triggered|resolved|critical|warning|outage|incident|page[ds]?|slo|error rate"
    r"|investigating|identified|degraded|monitoring)\b",
    r":rotating_light:|🚨|\[FIRING",
)
#: Whole messages that only acknowledge ("+1", "ack"): they add nothing to a timeline.
ACKNOWLEDGEMENTS = frozenset({
    "+1", "++", "ack", "acked", "ack'd", "ok", "okay", "k", "kk", "same", "same here", "this", "^", "^^",
    "thanks", "thank you", "thx", "ty", "np", "noted", "roger", "copy", "+1 thanks", "ack thanks",
})
_EMOJI_ONLY = re.compile(r"^(?:\s|:[a-z0-9_+\-']+:|[\u2190-\u2bff\u2600-\u27bf\U0001f000-\U0001faff\ufe0f\u200d])+$")
_ACK_LONGEST = max(map(len, ACKNOWLEDGEMENTS))


@dataclass
class TimelineSettings:
    """The ``timeline`` section of pmsite.yaml, checked."""

    alert_patterns: re.Pattern = field(default_factory=lambda: re.compile("|".join(DEFAULT_ALERT_PATTERNS), re.I))
    #: Person name -> role label used by ``--pseudonymize`` (e.g. "Incident commander").
    roles: dict[str, str] = field(default_factory=dict)
    redactor: Redactor = field(default_factory=Redactor)
    slack_url: str = ""
    log_settings: dict[str, Any] = field(default_factory=dict)
    syslog_year: int | None = None

    def import_options(self, tz: Any = None, channels: tuple[str, ...] = ()) -> ImportOptions:
        return ImportOptions(tz=tz, channels=channels, slack_url=self.slack_url,
                             log_fields=log_fields(self.log_settings), year=self.syslog_year)


def settings_from_config(section: dict[str, Any], where: str = "pmsite.yaml") -> TimelineSettings:
    """Check ``timeline:`` settings and say exactly which one is wrong."""
    def typed(key: str, kind: type, default: Any) -> Any:
        value = section.get(key, default)
        if value is not None and not isinstance(value, kind):
            raise ConfigError(f"{where}: timeline.{key} must be {kind.__name__}, got {type(value).__name__}")
        return value if value is not None else default

    patterns = list(DEFAULT_ALERT_PATTERNS)
    for index, pattern in enumerate(typed("alert_patterns", list, [])):
        try:
            re.compile(str(pattern))
        except re.error as exc:
            raise ConfigError(f"{where}: timeline.alert_patterns[{index}] is not a valid regular expression ({exc})") from None
        patterns.append(str(pattern))
    roles = typed("roles", dict, {})
    return TimelineSettings(
        alert_patterns=re.compile("|".join(f"(?:{p})" for p in patterns), re.I),
        roles={str(name): str(label) for name, label in roles.items()},
        redactor=redactor_from_config(section, where),
        slack_url=typed("slack_url", str, ""),
        log_settings=typed("logs", dict, {}),
        syslog_year=typed("syslog_year", int, None),
    )


# -- noise -------------------------------------------------------------------------
@dataclass(frozen=True)
class NoiseRule:
    """A named reason to leave an event out; counted so users can see what went.

    A rule looks only at events of its ``kinds``; ``matches`` (when given) then
    decides from the text, e.g. whether a bot message is an alert.
    """

    name: str
    description: str
    kinds: frozenset[str]
    matches: Callable[[str, TimelineSettings], bool] | None = None


def _acknowledgement(text: str, _settings: TimelineSettings) -> bool:
    return len(text) < 2 * _ACK_LONGEST and text.strip(" \t\n.!,").lower() in ACKNOWLEDGEMENTS


NOISE_RULES = (
    NoiseRule("join-leave", "someone joined or left a channel", frozenset({"join", "leave"})),
    NoiseRule("channel-change", "topic, purpose, name or pin changes", frozenset({"channel-change"})),
    NoiseRule("deleted", "messages deleted before the export (only a tombstone is left)", frozenset({"deleted"})),
    NoiseRule("reaction-only", "messages that are only emoji or reactions", frozenset({"message"}),
              lambda text, s: not text.strip() or bool(_EMOJI_ONLY.match(text))),
    NoiseRule("acknowledgement", '"+1", "ack", "ok", "thanks" and the like', frozenset({"message"}), _acknowledgement),
    NoiseRule("bot-not-alert", "bot messages that are not alerts", frozenset({"bot"}),
              lambda text, s: not s.alert_patterns.search(text)),
    NoiseRule("paging-chatter", "PagerDuty notifications and assignments (who was paged how)",
              frozenset({"notify", "assign"})),
)
_RULES_BY_KIND: dict[str, list[NoiseRule]] = {}
for _rule in NOISE_RULES:
    for _kind in _rule.kinds:
        _RULES_BY_KIND.setdefault(_kind, []).append(_rule)
DUPLICATE_RULE = "duplicate"


@dataclass
class Timeline:
    """The merged events and how many each noise rule dropped."""

    events: list[TimelineEvent]
    dropped: dict[str, int]
    #: Secrets replaced, by kind.
    redacted: dict[str, int] = field(default_factory=dict)


def build_timeline(sources: list[list[TimelineEvent]], settings: TimelineSettings, *,
                   since: dt.datetime | None = None, until: dt.datetime | None = None,
                   keep_noise: bool = False, pseudonymize: bool = False) -> Timeline:
    """Merge every source's events into one timeline (see the module docstring)."""
    merged = sorted((event for events in sources for event in events), key=lambda e: e.time)
    window = [e for e in merged if (since is None or e.time >= since) and (until is None or e.time <= until)]
    dropped = {rule.name: 0 for rule in NOISE_RULES} | {DUPLICATE_RULE: 0}
    redactor = settings.redactor
    already_redacted = dict(redactor.counts)
    kept = []
    seen: set[tuple] = set()
    for event in cleaned_events(window, redactor):
        if not keep_noise:
            reason = _noise_reason(event, settings, seen)
            if reason:
                dropped[reason] += 1
                continue
        kept.append(event)
    if pseudonymize:
        kept = pseudonymized(kept, settings.roles)
    redacted = {kind: count - already_redacted.get(kind, 0) for kind, count in redactor.counts.items()}
    return Timeline(events=kept, dropped=dropped, redacted={k: n for k, n in redacted.items() if n})


def cleaned_events(events: list[TimelineEvent], redactor: Redactor) -> Iterator[TimelineEvent]:
    """Every field of every event, in time order, before noise rules look at them: secrets
    redacted, control characters and lone surrogates (an export's ``\\u001b``, ``\\ud800``)
    replaced, so nothing an export carries can rewrite a terminal or break a written file.

    All events, not only the kept ones: a private key pasted over several messages
    is recognised from its first one, which may be noise. One person in one channel
    (or one log's service) is a thread in which a key block can continue.
    """
    for event in events:
        fields = (event.text, event.link, event.who, event.source)
        redacted = redactor.redact_record((event.source, event.who), printable_all(fields))
        yield event if redacted is fields else replace(
            event, text=redacted[0], link=redacted[1], who=redacted[2], source=redacted[3])


def _noise_reason(event: TimelineEvent, settings: TimelineSettings, seen: set[tuple]) -> str | None:
    """The first noise rule the event matches, or "duplicate" for an event already kept."""
    for rule in _RULES_BY_KIND.get(event.kind, ()):
        if rule.matches is None or rule.matches(event.text, settings):
            return rule.name
    key = (event.time, event.source, event.kind, event.text)
    if key in seen:
        return DUPLICATE_RULE
    seen.add(key)
    return None


def import_timeline(specs: tuple[str, ...] | list[str], cwd: Any, settings: TimelineSettings,
                    options: ImportOptions, extra_events: list[TimelineEvent] = (), **build_options: Any) -> Timeline:
    """Read every SOURCE (``kind:PATH`` or a path whose kind is detected) and build the timeline."""
    sources = [read_source(spec, options, cwd) for spec in specs] + [list(extra_events)]
    return build_timeline(sources, settings, **build_options)


def pseudonymized(events: list[TimelineEvent], roles: dict[str, str]) -> list[TimelineEvent]:
    """People become their configured role or "Person A", "Person B"... (stable by first
    appearance); their names in message texts are replaced too. Bots and services stay."""
    labels: dict[str, str] = {}
    for event in events:
        if event.person and event.who and event.who not in labels:
            labels[event.who] = roles.get(event.who) or _nth_person(sum(1 for n in labels if n not in roles))
    labels |= {name: label for name, label in roles.items()}
    if not labels:
        return events
    names = re.compile(r"(?<![\w@])@?(" + "|".join(re.escape(n) for n in sorted(labels, key=len, reverse=True)) + r")(?!\w)")

    def swap(match: re.Match) -> str:
        return ("@" if match.group(0).startswith("@") else "") + labels[match.group(1)]

    return [replace(e, who=labels.get(e.who, e.who) if e.person else e.who, text=names.sub(swap, e.text))
            for e in events]


def _nth_person(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return f"Person {letters}"


# -- output ------------------------------------------------------------------------
COLUMNS = ("Time (UTC)", "Source", "Who", "Event")


def iso_utc(time: dt.datetime) -> str:
    return time.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def to_json(timeline: Timeline) -> str:
    events = [{"time": iso_utc(e.time), "source": e.source, "who": e.who, "text": e.text, "link": e.link}
              for e in timeline.events]
    return json.dumps({"events": events, "dropped": timeline.dropped}, ensure_ascii=False, indent=2)


def _cell(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\r", "").replace("\n", "<br>")


def to_markdown(timeline: Timeline) -> str:
    """A GitHub-flavoured Markdown table, ready to paste under "## Timeline"."""
    lines = ["| " + " | ".join(COLUMNS) + " |", "| --- | --- | --- | --- |"]
    for e in timeline.events:
        event = _cell(e.text) + (f" ([link]({e.link.replace(')', '%29').replace(' ', '%20')}))" if e.link else "")
        lines.append(f"| {e.time.strftime('%Y-%m-%d %H:%M:%S')} | {_cell(e.source)} | {_cell(e.who)} | {event} |")
    return "\n".join(lines) + "\n"


def to_csv(timeline: Timeline) -> str:
    return csv_text(COLUMNS, ([iso_utc(e.time), e.source, e.who, e.text + (f" ({e.link})" if e.link else "")]
                              for e in timeline.events))


FORMATTERS = {"markdown": to_markdown, "csv": to_csv, "json": to_json}


def dropped_summary(timeline: Timeline) -> str:
    """One line for stderr: what noise went and what was redacted."""
    gone = {rule: count for rule, count in timeline.dropped.items() if count}
    total = sum(gone.values())
    parts = [f"dropped {total} noise event{'s' if total != 1 else ''}"
             + (f" ({', '.join(f'{rule} {count}' for rule, count in gone.items())}); --keep-noise keeps them"
                if total else "")]
    if timeline.redacted:
        secrets = sum(timeline.redacted.values())
        parts.append(f"redacted {secrets} secret{'s' if secrets != 1 else ''} "
                     f"({', '.join(f'{kind} {n}' for kind, n in sorted(timeline.redacted.items()))})")
    return "; ".join(parts)
