"""Stage 3, lint: blame, hindsight and counterfactual language -> findings and a score.

Public API (used by ``pmsite lint`` and by the site builder)::

    from pmsite.lint import lint
    report = lint(postmortems, config)          # postmortems from pmsite.load
    report.findings   # list[pmsite.model.Finding], sorted by path, line, column
    report.scores     # {display_path: blamelessness score 0-100}

Each finding's ``line``/``column`` point into the original file (front-matter
included, 1-based); ``end_column`` is the column just after the flagged words.
``context`` holds the sentence, ``suggestion`` a rewrite built from it.

How a file is linted:

1. ``pmsite.textmask`` masks everything that is not prose and cuts the rest
   into sentences, keeping offsets.
2. Each rule's cheap regex prefilter (plus "is a person mentioned?") picks the
   candidate sentences; only those are parsed, in one ``nlp.pipe`` batch for
   all files.
3. Rules return character spans; ``_position`` maps them to line and column.
   A rule that meets "they" can ask for the sentences before it in the same
   paragraph (``Doc.user_data["previous"]``, parsed only then); a rewrite that
   keeps words another rule flagged in the sentence is replaced.
   Action-item rules (``scope``) read front-matter ``action_items`` titles and
   sentences under an "Action items"-like heading only.
4. Quoted speech (blockquotes, text in double quotes) is reported at ``info``;
   ``<!-- pmsite-lint ... -->`` comments suppress findings.

Blamelessness score: 100 minus 10 for every sentence whose worst finding is an
error and 5 for every sentence whose worst finding is a warning (``info``
findings cost nothing), never below 0. So a postmortem with three judgmental
sentences scores 70, and one with no findings scores 100.

Results are cached in ``<cache>/lint/results.pickle`` (``pmsite.cache``), keyed
by the file's text, the rule code (``RULESET_VERSION``), the model and the lint
settings: an unchanged file is not parsed again and spaCy is not even imported.
A changed file keeps the hits of its sentences that did not change
(``sentences.pickle``, one entry per file: each candidate sentence's text, the
sentences before it, the rules it wants and who counts as a person), so an
edit loads spaCy only when a sentence it touched needs parsing.
"""

from __future__ import annotations

import bisect
import json
import re
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import Any, Callable, Iterable

from pmsite import sections, textmask
from pmsite.fixes import drop_in_rewrite, trimmed_end
from pmsite.cache import PickleCache, digest
from pmsite.config import Config
from pmsite.errors import ConfigError
from pmsite.model import FINDING_LEVELS, Finding, Fix, Postmortem
from pmsite.rules import RULES, RULES_BY_ID, RULESET_VERSION
from pmsite.rules.base import KNOWN_SYSTEMS, ROLE_NOUNS, Hit, People, Rule, Sentence

SCORE_COST = {"error": 10, "warning": 5, "info": 0}
LEVELS_AND_OFF = (*FINDING_LEVELS, "off")
_SETTINGS_KEYS = ("model", "rules", "person_nouns", "system_names", "processes")
#: Front-matter lists that name people, and those that name systems.
_PEOPLE_KEYS = ("authors", "participants")
_SYSTEM_KEYS = ("services",)
#: Parse with several processes only when there is this much to parse.
_MULTIPROCESS_MIN_SENTENCES = 2000


@dataclass
class LintReport:
    findings: list[Finding] = field(default_factory=list)
    #: display_path -> blamelessness score, 0-100 (see the module docstring).
    scores: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class LintSettings:
    """The ``lint:`` section of ``pmsite.yaml``, checked."""

    model: str | None = None
    #: Rule id or category prefix -> level or "off"; the most specific entry wins.
    levels: tuple[tuple[str, str], ...] = ()
    person_nouns: frozenset[str] = frozenset()
    system_names: frozenset[str] = frozenset()
    processes: int = 1

    @classmethod
    def from_config(cls, config: Config) -> "LintSettings":
        section = config.section("lint")
        problems = [f"lint.{key}: unknown setting; known: {', '.join(_SETTINGS_KEYS)}"
                    for key in section if key not in _SETTINGS_KEYS]
        model = section.get("model")
        if model is not None and not isinstance(model, str):
            problems.append("lint.model: must be the name of an installed spaCy model, e.g. en_core_web_sm")
        levels = section.get("rules") or {}
        if not isinstance(levels, dict):
            problems.append("lint.rules: must map rule ids to error, warning, info or off")
            levels = {}
        categories = {rule.category for rule in RULES}
        for rule_id, level in levels.items():
            if rule_id not in RULES_BY_ID and rule_id not in categories:
                import difflib

                close = difflib.get_close_matches(str(rule_id), [*RULES_BY_ID, *categories], n=1)
                hint = f"; did you mean {close[0]!r}?" if close else "; see docs/lint-rules.md"
                problems.append(f"lint.rules: unknown rule {rule_id!r}{hint}")
            if level is False:
                level = "off"  # YAML reads a bare `off` as false
            if level not in LEVELS_AND_OFF:
                problems.append(f"lint.rules.{rule_id}: expected one of {', '.join(LEVELS_AND_OFF)}, got {level!r}")
        word_lists = {}
        for key in ("person_nouns", "system_names"):
            value = section.get(key) or []
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                problems.append(f"lint.{key}: must be a list of words, e.g. [{'steward' if key == 'person_nouns' else 'hermes'}]")
                value = []
            word_lists[key] = frozenset(v.strip().lower() for v in value if v.strip())
        processes = section.get("processes", 1)
        if not isinstance(processes, int) or isinstance(processes, bool) or processes < 1:
            problems.append("lint.processes: must be a whole number of at least 1")
            processes = 1
        if problems:
            raise ConfigError("invalid lint configuration in pmsite.yaml:\n  " + "\n  ".join(problems))
        return cls(
            model=model,
            levels=tuple(sorted((str(k), "off" if v is False else str(v)) for k, v in levels.items())),
            person_nouns=word_lists["person_nouns"],
            system_names=word_lists["system_names"],
            processes=processes,
        )

    def level(self, rule: Rule) -> str:
        """The configured level of a rule: exact id, then category, then the rule default."""
        configured = dict(self.levels)
        return configured.get(rule.id, configured.get(rule.category, rule.severity))

    def fingerprint(self) -> str:
        return json.dumps([self.model, self.levels, sorted(self.person_nouns), sorted(self.system_names)])


def lint(postmortems: Iterable[Postmortem], config: Config, cache_dir: Path | None = None,
         use_cache: bool = True) -> LintReport:
    """Lint every postmortem; see the module docstring for what is returned."""
    settings = LintSettings.from_config(config)
    folder = cache_dir or config.cache_dir("lint")
    cache = PickleCache(folder / "results.pickle", _cache_salt(settings)) if use_cache else None
    report = LintReport()
    pending: list[_FileLint] = []
    for postmortem in postmortems:
        cached = cache.get(postmortem.text_digest) if cache else None
        if cached is not None:
            findings, score = cached
            report.findings.extend(Finding(path=postmortem.display_path, **f) for f in findings)
            report.scores[postmortem.display_path] = score
        else:
            pending.append(_FileLint(postmortem, settings))
    if pending:
        sentences = PickleCache(folder / "sentences.pickle", _cache_salt(settings)) if use_cache else None
        _parse_candidates(pending, settings, sentences)
        if sentences:
            sentences.save()
        for file in pending:
            findings, score = file.results()
            report.findings.extend(findings)
            report.scores[file.postmortem.display_path] = score
            if cache:
                rows = [{k: v for k, v in f.to_dict().items() if k != "path"} for f in findings]
                cache.put(file.postmortem.text_digest, (rows, score))  # the path is the caller's
    if cache:
        cache.save()
    report.findings.sort(key=lambda f: f.sort_key())
    return report


# -- one file ----------------------------------------------------------------------------------

@dataclass
class _Candidate:
    start: int
    end: int
    text: str
    rules: list[Rule]
    quoted: bool
    #: The sentences before it in the same paragraph, nearest first (for "they" in ``resolve_they``).
    previous: tuple[str, ...] = ()
    #: None for narrative prose; an action item's ``kind`` ("" when unknown) for action items.
    action: str | None = None
    hits: list[tuple[Rule, Hit]] = field(default_factory=list)
    crashes: list[tuple[Rule, Exception]] = field(default_factory=list)


class _FileLint:
    """Everything about one file between masking and findings."""

    def __init__(self, postmortem: Postmortem, settings: LintSettings) -> None:
        self.postmortem = postmortem
        self.settings = settings
        text = postmortem.text
        masked = textmask.mask(text, postmortem.front_matter_lines)
        self.people = _people_of(postmortem, settings, frozenset(_LOWERCASE_WORD.findall(masked)))
        self.line_starts = [0] + [m.end() for m in re.finditer("\n", text)]
        self.quotations = textmask.quotations(masked)
        rules = [rule for rule in RULES if settings.level(rule) != "off"]
        item_rules = [rule for rule in rules if rule.scope in ("actions", "items")]
        spans = [(block, span) for block in textmask.prose_blocks(text, masked, postmortem.front_matter_lines)
                 for span in textmask.sentences(masked, block)]
        in_actions = action_sections(postmortem)
        self.sentence_count = len(spans)
        starts = [start for _, (start, _) in spans]
        lowered = _WHITESPACE.sub(" ", masked).lower()
        rules_by_sentence: dict[int, list[Rule]] = {}
        for rule in rules:
            for index in _sentences_with_keywords(lowered, rule.keywords, starts):
                rules_by_sentence.setdefault(index, []).append(rule)
        self.candidates: list[_Candidate] = []
        for index, maybe in sorted(rules_by_sentence.items()):
            block, (start, end) = spans[index]
            start = _after_bold_label(text, start, end)
            sentence = _WHITESPACE.sub(" ", masked[start:end])
            mentions = _once(lambda text=sentence: self.people.mentioned(text))
            action = "" if in_actions(start) else None
            wanted = [rule for rule in maybe if rule.wants(sentence, mentions)
                      and (rule.scope == "prose" or (rule.scope == "actions" and action is not None))]
            if wanted:
                previous = tuple(_WHITESPACE.sub(" ", masked[s:e])
                                 for b, (s, e) in reversed(spans[max(0, index - 2):index]) if b is block)
                self.candidates.append(_Candidate(start, end, sentence, wanted, block.quoted, previous, action))
        self.candidates.extend(self._action_titles(item_rules))

    def _action_titles(self, rules: list[Rule]) -> list[_Candidate]:
        """The ``title`` of each front-matter action item, for the action-item rules only."""
        found = []
        items = self.postmortem.meta.get("action_items")
        for number, item in enumerate(items if isinstance(items, list) else []):
            title = item.get("title") if isinstance(item, dict) else None
            position = self.postmortem.key_positions.get(("action_items", number, "title"))
            if not isinstance(title, str) or not title.strip() or position is None:
                continue
            line_start = self.line_starts[position[0] - 1] if position[0] - 1 < len(self.line_starts) else 0
            start = self.postmortem.text.find(title.strip()[:40], line_start)
            if start == -1:
                continue
            text = " ".join(title.split())
            wanted = [rule for rule in rules if rule.wants(text, lambda: True)]
            if wanted:
                found.append(_Candidate(start, start + len(title.strip()), text, wanted, False,
                                        action=str(item.get("kind") or "")))
        return found

    def sentence_key(self, candidate: _Candidate) -> str:
        """Everything a rule's verdict on a candidate depends on (the parse follows from the text)."""
        return digest(candidate.text, *candidate.previous, "\1", str(candidate.action),
                      *(rule.id for rule in candidate.rules), "\1", self.people_key)

    @cached_property
    def people_key(self) -> str:
        people = self.people
        return digest(*sorted(people.nouns), "\1", *sorted(people.names), "\1", *sorted(people.systems))

    def check(self, candidate: _Candidate, doc: Any, nlp: Any) -> None:
        doc.user_data["previous"] = _once(lambda: [nlp(text) for text in candidate.previous])
        sentence = Sentence(doc, self.people, candidate.action)
        for rule in candidate.rules:
            try:
                candidate.hits.extend((rule, hit) for hit in rule.find(sentence))
            except Exception as exc:  # a broken rule must not stop the run (flake8's E902 spirit)
                candidate.crashes.append((rule, exc))

    def results(self) -> tuple[list[Finding], int]:
        suppressions = Suppressions(self.postmortem.text, self.line_starts)
        findings, cost_by_sentence = [], {}
        display = self.postmortem.display_path
        for candidate in self.candidates:
            context = " ".join(self.postmortem.text[candidate.start:candidate.end].split())
            seen = set()
            for rule, hit in _rewrites_without_flagged_words(candidate.text, candidate.hits):
                start, end = candidate.start + hit.start, candidate.start + hit.end
                if (rule.id, start) in seen or suppressions.hides(rule.id, start):
                    continue
                seen.add((rule.id, start))
                level = self.settings.level(rule)
                quoted = candidate.quoted or any(q_start <= start < q_end for q_start, q_end in self.quotations)
                if quoted:
                    level = "info"  # what someone said is the record, not the author's voice
                line, column = self._position(start)
                end_line, end_column = self._position(end)
                findings.append(Finding(
                    path=display, line=line, column=column, end_line=end_line, end_column=end_column,
                    rule=rule.id, category=rule.category, severity=level,
                    message=hit.message, suggestion=hit.suggestion, context=context,
                    fix=None if quoted else self._rewrite(candidate, context, hit.suggestion),
                ))
                cost_by_sentence[candidate.start] = max(cost_by_sentence.get(candidate.start, 0), SCORE_COST[level])
            for rule, exc in candidate.crashes:
                line, column = self._position(candidate.start)
                findings.append(Finding(
                    path=display, line=line, column=column, rule="lint/rule-crashed", category="lint",
                    severity="error", message=f"rule {rule.id} crashed on this sentence ({type(exc).__name__}: {exc})",
                    suggestion="please report it with the sentence; silence the rule with lint.rules in pmsite.yaml",
                    context=context,
                ))
        if self.sentence_count == 0:
            findings.append(Finding(path=display, line=1, column=1, rule="lint/no-prose", category="lint",
                                    severity="info", message="no prose to check in this file",
                                    suggestion="write the postmortem below the front-matter"))
        findings.sort(key=lambda f: f.sort_key())
        return findings, max(0, 100 - sum(cost_by_sentence.values()))

    def _rewrite(self, candidate: _Candidate, sentence: str, suggestion: str) -> Fix | None:
        """The sentence replaced by the suggestion, when that is a drop-in rewrite (``pmsite.fixes``)."""
        rewrite = drop_in_rewrite(sentence, suggestion)
        if rewrite is None:
            return None
        end = trimmed_end(self.postmortem.text, candidate.start, candidate.end)
        return Fix(*self._position(candidate.start), *self._position(end), rewrite)

    def _position(self, offset: int) -> tuple[int, int]:
        """Character offset in the file -> 1-based line and column (the one place this happens)."""
        line = bisect.bisect_right(self.line_starts, offset) - 1
        return line + 1, offset - self.line_starts[line] + 1


_WHITESPACE = re.compile(r"\s")


def _rewrites_without_flagged_words(text: str, hits: list[tuple[Rule, Hit]]) -> list[tuple[Rule, Hit]]:
    """A rewrite that keeps words another rule flags in the same sentence is no rewrite.

    "The admin was clearly incompetent": dropping "clearly" leaves "incompetent".
    Such a suggestion is replaced by one from the sentence's other findings that
    keeps no flagged words, or by a plain request to describe what happened.
    """
    if len(hits) < 2:
        return hits
    flagged = [re.compile(rf"(?<!\w){re.escape(text[hit.start:hit.end])}(?!\w)", re.I) for _, hit in hits]

    def clean(suggestion: str) -> bool:
        return not any(pattern.search(suggestion) for pattern in flagged)

    fallback = next((hit.suggestion for _, hit in hits if clean(hit.suggestion)),
                    "Describe what happened and what made it make sense at the time.")
    return [(rule, hit if clean(hit.suggestion) else replace(hit, suggestion=fallback)) for rule, hit in hits]


def _sentences_with_keywords(lowered: str, keywords: tuple[str, ...], starts: list[int]) -> set[int]:
    """Indexes of the sentences (by start offset) that contain any keyword: C-speed ``str.find``."""
    if not keywords:
        return set(range(len(starts)))
    found = set()
    for keyword in keywords:
        position = lowered.find(keyword)
        while position != -1:
            found.add(bisect.bisect_right(starts, position) - 1)
            position = lowered.find(keyword, position + 1)
    found.discard(-1)
    return found


def _once(compute: Callable[[], Any]) -> Callable[[], Any]:
    """Memoise a cheap-but-not-free computation that several rules may ask for."""
    result: list[Any] = []

    def value() -> Any:
        if not result:
            result.append(compute())
        return result[0]

    return value


#: Headings of the sections that hold action items.
_ACTION_HEADING = re.compile(r"\baction(?:s| items?)\b|\bfollow[- ]?ups?\b|\bremediation|\bnext steps\b"
                             r"|\bcorrective\b|\bpreventive\b|\bpreventative\b|\bto-?dos?\b", re.I)


def action_sections(postmortem: Postmortem) -> Callable[[int], bool]:
    """Is an offset of the text inside a section whose heading (ATX or setext) names action items?"""
    headings = [(postmortem.body_offset + start, bool(_ACTION_HEADING.search(heading.text)))
                for start, heading in sections.heading_offsets(postmortem.body)]
    starts = [start for start, _ in headings]

    def inside(offset: int) -> bool:
        index = bisect.bisect_right(starts, offset) - 1
        return index >= 0 and headings[index][1]

    return inside


_BOLD_LABEL = re.compile(r"[^*_\n]{1,60}?(?::(?:\*\*|__)|(?:\*\*|__):)[ \t]*")


def _after_bold_label(text: str, start: int, end: int) -> int:
    """"**Cap retries:** we should stop after three": the label is a title; the sentence starts after it."""
    if text[max(0, start - 2):start] not in ("**", "__"):
        return start
    match = _BOLD_LABEL.match(text, start)
    return match.end() if match and match.end() < end else start


_LOWERCASE_WORD = re.compile(r"\b[a-z][a-z-]+\b")


def _people_of(postmortem: Postmortem, settings: LintSettings, common_words: frozenset[str]) -> People:
    def names(keys: tuple[str, ...]) -> frozenset[str]:
        return frozenset(str(v).strip().lower() for key in keys for v in postmortem.str_list(key) if str(v).strip())

    return People(
        nouns=ROLE_NOUNS | settings.person_nouns,
        names=names(_PEOPLE_KEYS) - settings.system_names,
        systems=KNOWN_SYSTEMS | settings.system_names | names(_SYSTEM_KEYS),
        common_words=common_words,
    )


def _parse_candidates(files: list[_FileLint], settings: LintSettings, sentences: PickleCache | None) -> None:
    """Check every candidate sentence of every file: the hits its file's last lint found for the same
    sentence (``sentences``, by display path), else its parse, in one batched ``nlp.pipe`` run for all files."""
    work = []
    for file in files:
        known = sentences.get(file.postmortem.display_path) if sentences else None
        for candidate in file.candidates:
            hits = known.get(file.sentence_key(candidate)) if known else None  # no key without a cache to ask
            if hits is None or any(rule_id not in RULES_BY_ID for rule_id, *_ in hits):
                work.append((file, candidate))
            else:
                candidate.hits = [(RULES_BY_ID[rule_id], Hit(*fields)) for rule_id, *fields in hits]
    if work:
        from pmsite.nlp import load_model

        nlp = load_model(settings.model)
        processes = settings.processes if len(work) >= _MULTIPROCESS_MIN_SENTENCES else 1
        docs = nlp.pipe((candidate.text for _, candidate in work), batch_size=256, n_process=processes)
        for (file, candidate), doc in zip(work, docs):
            file.check(candidate, doc, nlp)
    for file in files if sentences else ():
        sentences.put(file.postmortem.display_path, {
            file.sentence_key(candidate): [(rule.id, hit.start, hit.end, hit.message, hit.suggestion)
                                           for rule, hit in candidate.hits]
            for candidate in file.candidates if not candidate.crashes})


# -- suppression comments ----------------------------------------------------------------------

DIRECTIVE = re.compile(r"<!--\s*pmsite-lint\s+(disable-next-line|disable|enable)\b(.*?)-->", re.S)


class Suppressions:
    """``<!-- pmsite-lint disable|enable|disable-next-line [rule-or-category ...] -->``."""

    def __init__(self, text: str, line_starts: list[int]) -> None:
        self.ranges: list[tuple[int, int, frozenset[str]]] = []
        self.lines: list[tuple[int, frozenset[str]]] = []
        self.line_starts = line_starts
        open_ranges: list[tuple[int, frozenset[str]]] = []
        for match in DIRECTIVE.finditer(text):
            action, ids = match.group(1), frozenset(re.split(r"[\s,]+", match.group(2).strip())) - {""}
            if action == "disable":
                open_ranges.append((match.end(), ids))
            elif action == "enable":
                still_open = []
                for start, disabled in open_ranges:
                    if not ids or disabled == ids or (disabled and disabled <= ids):
                        self.ranges.append((start, match.start(), disabled))
                    elif disabled and disabled & ids:
                        self.ranges.append((start, match.start(), disabled & ids))
                        still_open.append((match.end(), disabled - ids))
                    else:
                        still_open.append((start, disabled))
                open_ranges = still_open
            else:
                following = text.find("\n", match.end())
                while following != -1:
                    line_end = text.find("\n", following + 1)
                    if text[following + 1: line_end if line_end != -1 else len(text)].strip():
                        break
                    following = line_end
                if following != -1:
                    self.lines.append((bisect.bisect_right(line_starts, following + 1), ids))
        self.ranges.extend((start, len(text), ids) for start, ids in open_ranges)

    @staticmethod
    def _matches(rule_id: str, ids: frozenset[str]) -> bool:
        return not ids or any(rule_id == i or rule_id.startswith(i.rstrip("/") + "/") for i in ids)

    def hides(self, rule_id: str, offset: int) -> bool:
        line = bisect.bisect_right(self.line_starts, offset)
        return (any(start <= offset < end and self._matches(rule_id, ids) for start, end, ids in self.ranges)
                or any(number == line and self._matches(rule_id, ids) for number, ids in self.lines))


# -- cache -------------------------------------------------------------------------------------

def _cache_salt(settings: LintSettings) -> str:
    from pmsite.nlp import model_key

    return f"{RULESET_VERSION}\0{model_key(settings.model)}\0{settings.fingerprint()}\0"

