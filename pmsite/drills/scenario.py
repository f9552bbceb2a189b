"""Scenarios as data: YAML files validated against a JSON Schema, errors with file, line and key.

The package ships its scenarios in ``pmsite/drills/scenarios/``; a repository adds
its own in ``drills/*.yaml`` at its root (or the folder ``drills.scenarios`` in
pmsite.yaml names). A repository scenario with a built-in's name replaces it.
The behaviour a scenario breaks is one of ``FAULT_KINDS``, implemented by the
drill's processes; everything else (story, timings, thresholds, questions) is data.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema

from pmsite.errors import PmsiteError
from pmsite.yamlpos import YamlSyntaxError, parse_yaml

BUILTIN_DIR = Path(__file__).resolve().parent / "scenarios"
FAULT_KINDS = ("pool-leak", "cache-stampede", "retry-storm", "disk-fill", "config-on-restart")


class ScenarioError(PmsiteError):
    """A scenario file does not parse or validate, or no scenario has the asked name."""


def _number(low: float, high: float, integer: bool = False) -> dict[str, Any]:
    return {"type": "integer" if integer else "number", "minimum": low, "maximum": high}


#: Each fault kind's parameters, as the drill's processes read them (defaults in docs/drills.md).
FAULT_PARAMETERS: dict[str, dict[str, Any]] = {
    "pool-leak": {"max_connections": _number(1, 100, True), "leak_ratio": _number(0, 1),
                  "acquire_timeout_ms": _number(1, 60_000)},
    "cache-stampede": {"keys": _number(1, 10_000, True), "query_ms": _number(1, 10_000),
                       "query_timeout_ms": _number(1, 60_000)},
    "retry-storm": {"timeout_ms": _number(1, 60_000), "max_retries": _number(0, 20, True),
                    "slow_ms": _number(1, 60_000), "threads": _number(1, 64, True)},
    "disk-fill": {"quota_mb": _number(1, 1024), "fill_mb_per_minute": _number(0.1, 1024)},
    "config-on-restart": {"setting": {"const": "payment_timeout_ms"}, "old_value": _number(1, 600_000),
                          "new_value": _number(1, 600_000), "changed_at": {"type": "number", "minimum": 0}},
}
_REQUIRED = {"setting", "old_value", "new_value"}
#: What the drill's ``/metrics`` exports (the API's own figures and the worker's counters): what alerts can watch.
METRICS = (
    "drill_requests_total", "drill_error_ratio", "drill_latency_p95_seconds", "drill_db_pool_size",
    "drill_db_pool_in_use", "drill_db_pool_waiting", "drill_cache_hit_ratio", "drill_cache_keys",
    "drill_db_queries_inflight", "drill_dependency_inflight", "drill_queue_depth", "drill_jobs_done_total",
    "drill_jobs_failed_total", "drill_worker_retries_total", "drill_disk_used_bytes", "drill_disk_used_ratio",
    "drill_config_loaded_timestamp_seconds",
)
_TEXT = {"type": "string", "minLength": 1}
_TEXTS = {"type": "array", "items": _TEXT, "minItems": 1}
_SECONDS = {"type": "number", "minimum": 0}
SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["name", "title", "summary", "service", "fault", "latent_conditions", "trigger", "signals",
                 "alerts", "phases"],
    "properties": {
        "name": {"type": "string", "pattern": "^[a-z0-9][a-z0-9-]{0,62}$"},
        "title": _TEXT,
        "summary": _TEXT,
        "service": {"type": "string", "pattern": "^[a-z0-9][a-z0-9-]{0,62}$"},
        "severity": {"enum": ["SEV1", "SEV2", "SEV3", "SEV4"]},
        "fault": {
            "type": "object",
            "required": ["kind"],
            "properties": {"kind": {"enum": list(FAULT_KINDS)}},
            "allOf": [{"if": {"properties": {"kind": {"const": kind}}},
                       "then": {"properties": {"kind": True, **parameters}, "additionalProperties": False,
                                "required": [name for name in parameters if name in _REQUIRED]}}
                      for kind, parameters in FAULT_PARAMETERS.items()],
        },
        "traffic": {"type": "object", "additionalProperties": False,
                    "properties": {"rate": {"type": "number", "exclusiveMinimum": 0, "maximum": 200}}},
        "latent_conditions": _TEXTS,
        "trigger": {"type": "object", "additionalProperties": False, "required": ["at", "description"],
                    "properties": {"at": _SECONDS, "description": _TEXT}},
        "signals": {"type": "object", "additionalProperties": False, "required": ["alerts", "logs", "metrics"],
                    "properties": {"alerts": _TEXTS, "logs": _TEXTS, "metrics": _TEXTS}},
        "alerts": {"type": "array", "minItems": 1, "items": {
            "type": "object", "additionalProperties": False,
            "required": ["name", "metric", "for", "expected_within"],
            "oneOf": [{"required": ["above"]}, {"required": ["below"]}],
            "properties": {
                "name": {"type": "string", "pattern": "^[A-Za-z][A-Za-z0-9_]*$"},
                "metric": {"enum": list(METRICS)},
                "rate": {"type": "boolean"},
                "above": {"type": "number"},
                "below": {"type": "number"},
                "for": _SECONDS,
                "expected_within": {"type": "number", "exclusiveMinimum": 0},
                "summary": _TEXT,
            }}},
        "phases": {"type": "array", "minItems": 1, "items": {
            "type": "object", "additionalProperties": False, "required": ["name", "at", "prompt", "questions"],
            "properties": {"name": _TEXT, "at": _SECONDS, "prompt": _TEXT, "questions": _TEXTS}}},
    },
}
_VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)


@dataclass(frozen=True)
class Scenario:
    """A validated scenario; ``data`` is the document as written (JSON-safe), ``path`` where it came from."""

    data: dict[str, Any]
    path: Path

    @property
    def name(self) -> str:
        return self.data["name"]

    @property
    def title(self) -> str:
        return self.data["title"]

    @property
    def fault_kind(self) -> str:
        return self.data["fault"]["kind"]


def _key_path(path: tuple) -> str:
    return ".".join(str(part) for part in path) or "(top level)"


def parse_scenario(text: str, path: Path, display: str) -> Scenario:
    """Validate one scenario file; the error names the file, the line and the key."""
    try:
        parsed = parse_yaml(text)
    except YamlSyntaxError as exc:
        raise ScenarioError(f"{display}:{exc.position.line}:{exc.position.column}: {exc.message}") from None
    if not isinstance(parsed.data, dict):
        raise ScenarioError(f"{display}:1: a scenario is a YAML mapping (name, title, summary, fault, ...); "
                            "see docs/drills.md")
    if parsed.duplicate_keys:
        key, position = parsed.duplicate_keys[0]
        raise ScenarioError(f"{display}:{position.line}: {_key_path(key)} is written twice; keep one")
    errors = sorted(_VALIDATOR.iter_errors(parsed.data), key=lambda e: (len(e.absolute_path), str(e.absolute_path)))
    if errors:
        error = errors[0]
        key = tuple(error.absolute_path)
        if error.validator == "additionalProperties":
            extra = sorted(set(error.instance) - set(error.schema.get("properties", {})))
            key = key + (extra[0],) if extra else key
        line = _nearest_line(parsed.positions, key)
        message = error.message
        if error.validator == "oneOf":
            message = "give exactly one of 'above' or 'below' (the threshold the alert fires past)"
        raise ScenarioError(f"{display}:{line}: {_key_path(key)}: {message}; see 'How to write a scenario' "
                            "in docs/drills.md")
    data = parsed.data
    for index in range(1, len(data["phases"])):
        if data["phases"][index]["at"] < data["phases"][index - 1]["at"]:
            line = _nearest_line(parsed.positions, ("phases", index, "at"))
            raise ScenarioError(f"{display}:{line}: phases.{index}.at: phases must be in time order "
                                f"({data['phases'][index]['at']} comes after {data['phases'][index - 1]['at']})")
    names = [rule["name"] for rule in data["alerts"]]
    for index, name in enumerate(names):
        if name in names[:index]:
            line = _nearest_line(parsed.positions, ("alerts", index, "name"))
            raise ScenarioError(f"{display}:{line}: alerts.{index}.name: {name!r} is used twice; give each alert its own name")
    return Scenario(data, path)


def _nearest_line(positions: dict[tuple, tuple[int, int]], key: tuple) -> int:
    """The line of ``key``, else of its closest parent that has one (a missing key is reported at its parent)."""
    while key:
        if key in positions:
            return positions[key][0]
        key = key[:-1]
    return 1


def load_file(path: Path, display: str | None = None) -> Scenario:
    display = display or str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError(f"{display}: cannot read it ({exc})") from None
    scenario = parse_scenario(text, path, display)
    if path.stem != scenario.name:
        raise ScenarioError(f"{display}:1: name: {scenario.name!r} differs from the file name; "
                            f"name the file {scenario.name}.yaml so 'pmsite drill start {scenario.name}' finds it")
    return scenario


@functools.lru_cache(maxsize=1)
def builtin_scenarios() -> tuple[Scenario, ...]:
    return tuple(load_file(path, f"pmsite/drills/scenarios/{path.name}") for path in sorted(BUILTIN_DIR.glob("*.yaml")))


def all_scenarios(user_dir: Path | None, display: Any = str) -> dict[str, Scenario]:
    """Built-in scenarios, then the repository's (which win on a name clash), by name."""
    found = {scenario.name: scenario for scenario in builtin_scenarios()}
    if user_dir is not None and user_dir.is_dir():
        for path in sorted(user_dir.glob("*.yaml")):
            scenario = load_file(path, display(path))
            found[scenario.name] = scenario
    return found


def find(name: str, user_dir: Path | None, display: Any = str) -> Scenario:
    scenarios = all_scenarios(user_dir, display)
    if name not in scenarios:
        raise ScenarioError(f"no scenario named {name!r}; 'pmsite drill list' shows them: {', '.join(sorted(scenarios))}")
    return scenarios[name]
