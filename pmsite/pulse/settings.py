"""``pulse:`` in pmsite.yaml: the questions, the anonymity threshold and where answers live."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from pmsite.config import Config
from pmsite.errors import ConfigError

#: Answers are on a 1-7 Likert scale (1 strongly disagree ... 7 strongly agree).
LIKERT = range(1, 8)
#: No figure for a group with fewer respondents than this (``pulse.min_responses``).
DEFAULT_MIN_RESPONSES = 5
#: The configuration may not go below this: fewer makes answers guessable by colleagues.
FLOOR_MIN_RESPONSES = 3
#: Below this many (team, quarter) pairs a correlation is "not enough data".
DEFAULT_MIN_PAIRS = 8
DEFAULT_FOLDER = "content/pulse"
#: Where ``pmsite pulse ask --via slack`` reads the incoming-webhook URL (a secret) from.
DEFAULT_WEBHOOK_ENV = "PMSITE_PULSE_SLACK_WEBHOOK"
ID_PATTERN = re.compile(r"^[a-z][a-z0-9_-]{0,39}$")
TEAM_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ._-]{0,59}$")
DEFAULT_QUESTIONS = Path(__file__).with_name("questions.yaml")


@dataclass(frozen=True)
class Question:
    id: str
    text: str
    #: Negatively worded: scored as 8 - answer so a higher score always means more safety.
    reverse: bool = False
    source: str = ""

    def score(self, answer: int) -> int:
        return 8 - answer if self.reverse else answer


@dataclass(frozen=True)
class PulseSettings:
    folder: Path
    questions: tuple[Question, ...]
    #: Known teams (``taxonomy.teams``); empty means any well-formed team name.
    teams: tuple[str, ...]
    min_responses: int = DEFAULT_MIN_RESPONSES
    min_pairs: int = DEFAULT_MIN_PAIRS
    seed: int = 20
    form_url: str = ""
    webhook_env: str = DEFAULT_WEBHOOK_ENV
    #: Named column mappings for ``pulse import --mapping NAME`` (``pulse.mappings``).
    mappings: tuple[tuple[str, dict], ...] = ()
    #: The repository root, so messages name files as ``content/pulse/2026-W10.csv``.
    root: Path | None = None

    def display(self, path: Path) -> str:
        try:
            return path.relative_to(self.root).as_posix() if self.root else path.name
        except ValueError:
            return str(path)

    @property
    def by_id(self) -> dict[str, Question]:
        return {q.id: q for q in self.questions}

    def team_error(self, team: str) -> str | None:
        """Why ``team`` is not accepted, or None."""
        if self.teams:
            return None if team in self.teams else f"unknown team {team!r}; expected one of: {', '.join(self.teams)}"
        return None if TEAM_PATTERN.match(team) else f"{team!r} is not a team name (letters, digits, space . _ -)"


def _questions(raw: Any, where: str) -> tuple[Question, ...]:
    if not isinstance(raw, list) or not raw:
        raise ConfigError(f"{where}: 'questions' must be a non-empty list of {{id, text, reverse}} items")
    found: list[Question] = []
    for number, item in enumerate(raw, 1):
        if not isinstance(item, dict) or not isinstance(item.get("id"), str) or not isinstance(item.get("text"), str):
            raise ConfigError(f"{where}: question {number} needs an 'id' and a 'text'")
        if not ID_PATTERN.match(item["id"]):
            raise ConfigError(f"{where}: question id {item['id']!r} must be lower-case letters, digits, - or _")
        if item["id"] in {q.id for q in found}:
            raise ConfigError(f"{where}: question id {item['id']!r} is used twice")
        if not isinstance(item.get("reverse", False), bool):
            raise ConfigError(f"{where}: 'reverse' of question {item['id']!r} must be true or false")
        found.append(Question(item["id"], item["text"].strip(), item.get("reverse", False), str(item.get("source", ""))))
    return tuple(found)


def default_questions() -> tuple[Question, ...]:
    return _questions(yaml.safe_load(DEFAULT_QUESTIONS.read_text(encoding="utf-8"))["questions"], "questions.yaml")


def _whole(section: dict, key: str, default: int, least: int) -> int:
    value = section.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or value < least:
        raise ConfigError(f"pmsite.yaml: pulse.{key} must be a whole number, at least {least}, not {value!r}")
    return value


KNOWN_KEYS = ("folder", "form_url", "mappings", "min_pairs", "min_responses", "questions", "seed", "webhook_env")


def pulse_settings(config: Config) -> PulseSettings:
    section = config.section("pulse")
    for key in section:
        if key not in KNOWN_KEYS:
            import difflib

            close = difflib.get_close_matches(str(key), KNOWN_KEYS, n=1)
            hint = f"did you mean {close[0]!r}?" if close else f"known keys: {', '.join(KNOWN_KEYS)}"
            raise ConfigError(f"pmsite.yaml: unknown key pulse.{key}; {hint}")
    teams = config.section("taxonomy").get("teams") or []
    if not isinstance(teams, list) or not all(isinstance(t, str) for t in teams):
        raise ConfigError("pmsite.yaml: taxonomy.teams must be a list of team names")
    mappings = section.get("mappings") or {}
    if not isinstance(mappings, dict) or not all(isinstance(v, dict) for v in mappings.values()):
        raise ConfigError("pmsite.yaml: pulse.mappings must map a name to a column mapping (docs/pulse.md)")
    for key in ("form_url", "webhook_env", "folder"):
        if key in section and not isinstance(section[key], str):
            raise ConfigError(f"pmsite.yaml: pulse.{key} must be text")
    return PulseSettings(
        folder=config.root / section.get("folder", DEFAULT_FOLDER),
        questions=_questions(section["questions"], "pmsite.yaml: pulse") if "questions" in section
        else default_questions(),
        teams=tuple(teams),
        min_responses=_whole(section, "min_responses", DEFAULT_MIN_RESPONSES, FLOOR_MIN_RESPONSES),
        min_pairs=_whole(section, "min_pairs", DEFAULT_MIN_PAIRS, 3),
        seed=_whole(section, "seed", 20, 0),
        form_url=section.get("form_url", ""),
        webhook_env=section.get("webhook_env", DEFAULT_WEBHOOK_ENV),
        mappings=tuple(sorted(mappings.items())),
        root=config.root,
    )
