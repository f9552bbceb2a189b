"""Stage 2, validate: front-matter against the JSON Schema, then cross-file rules.

Every problem in every file is reported in one run, each at the line of the key
it is about, with what was expected and how to fix it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import difflib
import json
from collections import defaultdict
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable

from pmsite import sections, slugs
from pmsite.cache import PickleCache, digest, source_salt
from pmsite.characters import character_findings
from pmsite.config import Config
from pmsite.decisions import check as decision_check
from pmsite.decisions import model as decision_model
from pmsite.model import Finding, Position, Postmortem, field_name, parse_date, parse_timestamp
from pmsite.parallel import OrderedMap
from pmsite.resources import schema_path
from pmsite.timeutil import SUPPORTED_YEARS_TEXT, in_supported_range, parse_iso_datetime

if TYPE_CHECKING:
    import jsonschema
    import jsonschema_rs

TIMESTAMP_ORDER = ("started_at", "detected_at", "mitigated_at", "resolved_at")

_TYPE_NAMES = {
    "string": "text", "array": "a list", "object": "a mapping of keys to values",
    "integer": "a whole number", "number": "a number", "boolean": "true or false", "null": "empty",
}


def _python_type_name(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return "text"


def _is_date(value: object) -> bool:
    return not isinstance(value, str) or parse_date(value) is not None


def _is_timestamp(value: object) -> bool:
    return not isinstance(value, str) or parse_timestamp(value) is not None


def _is_uri(value: object) -> bool:
    return not isinstance(value, str) or ("://" in value and " " not in value.strip())


#: The formats the schema uses, checked as the rest of pmsite reads them.
_FORMATS = {"date": _is_date, "date-time": _is_timestamp, "uri": _is_uri}


@lru_cache(maxsize=1)
def _schema() -> dict[str, Any]:
    return json.loads(schema_path().read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def _validator() -> jsonschema.Draft202012Validator:
    """The validator that explains errors; jsonschema is imported only here, as valid files never need it."""
    import jsonschema

    format_checker = jsonschema.FormatChecker(formats=())
    for name, check in _FORMATS.items():
        format_checker.checks(name)(check)
    return jsonschema.Draft202012Validator(_schema(), format_checker=format_checker)


@lru_cache(maxsize=1)
def _checker() -> jsonschema_rs.Draft202012Validator:
    """A yes/no check of the same schema, twenty times faster than jsonschema (0.07 ms a file, not 1.4 ms).

    It is stricter, never more lenient: its patterns follow ECMA-262 (``$`` is the
    end of the text, ``\\d`` an ASCII digit), and a value JSON has no type for (a
    YAML ``!!set``) is an error. So a file it passes has no schema error, and any
    other file goes to jsonschema, which says what is wrong (or that nothing is).
    """
    import jsonschema_rs

    return jsonschema_rs.validator_for(_schema(), formats=_FORMATS, validate_formats=True)


def _passes_check(meta: dict[str, Any]) -> bool:
    try:
        return _checker().is_valid(meta)
    except ValueError:  # a value or key JSON has no type for
        return False


def _schema_message(error: jsonschema.ValidationError) -> tuple[str, str]:
    """Turn a jsonschema error into (message, suggestion) a person can act on."""
    path = tuple(error.absolute_path)
    name = field_name(path)
    value = error.instance
    schema = error.schema if isinstance(error.schema, dict) else {}
    examples = schema.get("examples") or []
    example = f" e.g. {name.split('.')[-1]}: {examples[0]}" if examples and not isinstance(examples[0], (list, dict)) else ""

    if error.validator == "required":
        missing = error.message.split("'")[1] if "'" in error.message else "a field"
        where = ("the front-matter" if not path else "this action item" if path[0] == "action_items"
                 else field_name(path))
        # a conditional ('else' of imported: true) requires keys its own sub-schema does not describe
        described = error.schema.get("properties") or (
            _schema()["$defs"]["actionItem"] if where == "this action item" else _schema())["properties"]
        prop = described.get(missing, {})
        ex = (prop.get("examples") or [None])[0]
        hint = f"add '{missing}: {ex}'" if ex is not None and not isinstance(ex, (list, dict)) else f"add '{missing}:'"
        return f"{where} has no '{missing}' (required)", hint + (f" ({prop['description']})" if prop.get("description") else "")
    if error.validator == "enum":
        allowed = [str(v) for v in error.validator_value]
        guess = difflib.get_close_matches(str(value).upper(), [a.upper() for a in allowed], n=1, cutoff=0.6)
        hint = ""
        if guess:
            hint = f"did you mean {allowed[[a.upper() for a in allowed].index(guess[0])]}? "
        return (f"{name} is {value!r}, which is not an allowed value",
                f"{hint}allowed values: {', '.join(allowed)}")
    if error.validator == "type":
        expected = error.validator_value
        expected_names = " or ".join(_TYPE_NAMES.get(t, t) for t in (expected if isinstance(expected, list) else [expected]))
        hint = "quote the value" if expected == "string" else f"write {expected_names}"
        return f"{name} must be {expected_names}, not {_python_type_name(value)}", hint + (f";{example}" if example else "")
    if error.validator in ("format", "pattern") and schema.get("format") in ("date", "date-time"):
        parsed = parse_iso_datetime(value) if isinstance(value, str) else None
        if parsed is not None and not in_supported_range(parsed):
            return (f"{name} {value!r} is outside the {SUPPORTED_YEARS_TEXT} pmsite accepts",
                    "check the year; e.g. 2024-03-07" + ("T13:55:00Z" if schema.get("format") == "date-time" else ""))
    if error.validator in ("format", "pattern") and schema.get("format") == "date-time":
        if isinstance(value, str) and len(value) > 10 and (naive := parse_iso_datetime(value)) and naive.tzinfo is None:
            return (f"{name} {value!r} has no time zone offset",
                    "add Z for UTC or an offset like +02:00, e.g. 2024-03-07T13:55:00Z")
        return f"{name} {value!r} is not a timestamp", "write an ISO 8601 time with an offset, e.g. 2024-03-07T13:55:00Z"
    if error.validator in ("format", "pattern") and schema.get("format") == "date":
        return f"{name} {value!r} is not a real date", "write the date as YYYY-MM-DD, e.g. 2024-03-07"
    if error.validator == "pattern":
        hint = schema.get("x-hint") or (f"for example: {examples[0]}" if examples else f"it must match {error.validator_value}")
        return f"{name} {value!r} does not have the expected form", hint
    if error.validator == "format":
        return f"{name} {value!r} is not a valid {error.validator_value}", (f"for example: {examples[0]}" if examples else "")
    if error.validator == "uniqueItems":
        return f"{name} lists the same value twice", "remove the repeated value"
    if error.validator == "minLength":
        return f"{name} is too short", (f"for example: {examples[0]}" if examples else "write a longer value")
    return f"{name}: {error.message}", ""


def _schema_findings(pm: Postmortem, under: tuple = ()) -> list[Finding]:
    """Schema errors of the front-matter, or only of the values below the key path ``under``."""
    if _passes_check(pm.meta):
        return []
    findings = []
    seen_paths: set[tuple] = set()
    errors = sorted(_validator().iter_errors(pm.meta), key=lambda e: (list(map(str, e.absolute_path)), e.validator != "format"))
    for error in errors:
        path = tuple(error.absolute_path)
        if path[:len(under)] != under:
            continue
        # one message per value: a timestamp or date failing both 'format' and 'pattern' is one problem
        if error.validator in ("format", "pattern"):
            if path in seen_paths:
                continue
            seen_paths.add(path)
        message, suggestion = _schema_message(error)
        position = pm.position_of(path)
        if error.validator == "required" and not path:
            position = Position(pm.front_matter_lines[0], 1) if pm.front_matter_lines else Position(1, 1)
        findings.append(_make(pm, position, f"schema/{error.validator.lower()}", "schema", message, suggestion))
    return findings


def _make(pm: Postmortem, position: Position, rule: str, category: str, message: str,
          suggestion: str = "", severity: str = "error") -> Finding:
    return Finding(path=pm.display_path, line=position.line, column=position.column, rule=rule,
                   category=category, severity=severity, message=message, suggestion=suggestion)


def _timestamp_findings(pm: Postmortem) -> list[Finding]:
    findings = []
    previous: tuple[str, dt.datetime] | None = None
    for key in TIMESTAMP_ORDER:
        value = pm.timestamp(key)
        if value is None:
            continue
        if previous and value < previous[1]:
            findings.append(_make(
                pm, pm.position_of((key,)), "consistency/timestamp-order", "consistency",
                f"{key} ({value:%Y-%m-%d %H:%M}Z) is before {previous[0]} ({previous[1]:%Y-%m-%d %H:%M}Z)",
                "timestamps must follow started_at <= detected_at <= mitigated_at <= resolved_at; check the date and the offset",
            ))
        else:
            previous = (key, value)
    return findings


def _action_item_findings(pm: Postmortem) -> list[Finding]:
    findings = []
    first_seen: dict[str, int] = {}
    items = pm.meta.get("action_items")
    for index, item in enumerate(items if isinstance(items, list) else []):
        if not isinstance(item, dict) or not isinstance(item.get("id"), str):
            continue
        item_id = item["id"]
        if item_id in first_seen:
            first = pm.position_of(("action_items", first_seen[item_id], "id"))
            findings.append(_make(
                pm, pm.position_of(("action_items", index, "id")), "consistency/duplicate-action-item",
                "consistency", f"action item id {item_id} is used twice in this postmortem (first on line {first.line})",
                "give each action item its own id (AI-1, AI-2, ...); history tracks items by id",
            ))
        else:
            first_seen[item_id] = index
        if parse_date(item.get("completed")) and item.get("status") in ("open", "in_progress", "blocked"):
            findings.append(_make(
                pm, pm.position_of(("action_items", index, "completed")), "consistency/completed-not-done",
                "consistency", f"action item {item_id} has a completed date but its status is {item.get('status')!r}",
                "set status: done, or remove the completed date", severity="warning",
            ))
    return findings


def empty_section_finding(pm: Postmortem, section: sections.SectionText, who: str) -> Finding:
    """A section that is there but says nothing (only the template's guidance, or nothing at all)."""
    return _make(
        pm, Position(pm.body_line + section.line, 1), "quality/empty-section", "quality",
        f"{who} needs the '{section.title}' section filled in; it has only the template's guidance or nothing",
        "write what you know, even 'none found, because ...'; the guidance comment says what belongs here",
    )


def _depth_findings(pm: Postmortem) -> list[Finding]:
    """Published SEV1/SEV2 postmortems carry the deep analysis and a systemic fix."""
    if pm.status != "published" or not sections.is_deep(pm.severity):
        return []
    findings = []
    where = pm.position_of(("severity",))
    found = sections.find_sections(pm.body, sections.required_titles(pm.severity, str(pm.meta.get("type", ""))))
    for title, section in found.items():
        if section is None:
            findings.append(_make(
                pm, where, "quality/missing-section", "quality",
                f"a published {pm.severity} postmortem needs a '## {title}' section",
                f"add the section; 'pmsite new --severity {pm.severity}' shows the guidance for it",
            ))
        elif section.is_blank:
            findings.append(empty_section_finding(pm, section, f"a published {pm.severity} postmortem"))
    if not any(item.get("kind") == "systemic" for item in pm.action_items):
        findings.append(_make(
            pm, pm.position_of(("action_items",)), "quality/no-systemic-action", "quality",
            f"a published {pm.severity} postmortem needs at least one action item with kind: systemic",
            "add a fix that removes a latent condition (a class of failure), not only this incident's trigger",
        ))
    for key in TIMESTAMP_ORDER:
        if key not in pm.meta:
            findings.append(_make(
                pm, where, "quality/missing-timestamp", "quality",
                f"a published {pm.severity} postmortem has no {key}",
                f"add '{key}:' (ISO 8601 with offset) so time-to-detect and time-to-resolve can be measured",
                severity="warning",
            ))
    return findings


def _relaxed_for_import(pm: Postmortem, findings: list[Finding]) -> list[Finding]:
    """``imported: true`` turns the SEV1/SEV2 depth rules into info: an old document was written to other rules."""
    if pm.meta.get("imported") is not True:
        return findings
    return [dataclasses.replace(f, severity="info", message=f"{f.message} (info only: imported postmortem)")
            for f in findings]


def validate_file(pm: Postmortem) -> list[Finding]:
    """Rules that need only this file."""
    if not pm.text.strip():
        return [_make(pm, Position(1, 1), "syntax/empty", "syntax", "the file is empty",
                      "delete it, or start a postmortem with 'pmsite new TITLE --severity SEV3 --type availability'")]
    if pm.front_matter_lines is None:
        return [_make(pm, Position(1, 1), "schema/no-front-matter", "schema",
                      "the file has no front-matter (a '---' block with id, title, status, severity, type, date)",
                      "start the file with front-matter; 'pmsite new' writes a complete one")]
    if not pm.meta:
        return [_make(pm, Position(pm.front_matter_lines[0], 1), "schema/empty-front-matter", "schema",
                      "the front-matter is empty", "add id, title, status, severity, type and date")]
    return [*_schema_findings(pm), *character_findings(pm), *_timestamp_findings(pm), *_action_item_findings(pm),
            *_relaxed_for_import(pm, _depth_findings(pm)), *decision_check.decision_findings(pm)]


def decisions_block_findings(pm: Postmortem) -> list[Finding]:
    """Findings about the ``decisions:`` block alone (``pmsite decisions --from`` checks a file of them)."""
    return [*_schema_findings(pm, under=("decisions",)), *decision_check.decision_findings(pm)]


def cross_file_findings(targets: Iterable[Postmortem], corpus: Iterable[Postmortem]) -> list[Finding]:
    """Rules across files: ids are unique, ``related`` ids exist, no two names share a URL.

    ``targets`` are the files being checked; ``corpus`` is every postmortem in the
    repository, so checking one changed file still sees all the others.
    """
    targets = list(targets)
    everyone = {pm.path: pm for pm in [*corpus, *targets]}
    by_id: dict[str, list[Postmortem]] = defaultdict(list)
    for pm in sorted(everyone.values(), key=lambda p: p.display_path):
        if pm.id:
            by_id[pm.id].append(pm)
    findings = []
    for pm in targets:
        owners = by_id.get(pm.id, [])
        if len(owners) > 1:
            others = [o for o in owners if o.path != pm.path]
            where = ", ".join(f"{o.display_path}:{o.position_of(('id',)).line}" for o in others)
            findings.append(_make(
                pm, pm.position_of(("id",)), "consistency/duplicate-id", "consistency",
                f"id {pm.id} is also used by {where}",
                "give this postmortem a new id; 'pmsite new' picks the next free one",
            ))
        related = pm.meta.get("related")
        for index, ref in enumerate(related if isinstance(related, list) else []):
            if isinstance(ref, str) and ref not in by_id and ref != pm.id:
                close = difflib.get_close_matches(ref, list(by_id), n=1)
                findings.append(_make(
                    pm, pm.position_of(("related", index)), "consistency/unknown-related", "consistency",
                    f"related id {ref} does not match any postmortem",
                    (f"did you mean {close[0]}? " if close else "") + "use the id: of an existing postmortem",
                ))
    return findings + _url_collisions(targets, sorted(everyone.values(), key=lambda p: p.display_path))


#: Front-matter lists whose values get a page each, and the folder of those pages.
_TERM_FOLDERS = {"services": "services", "teams": "teams", "tags": "tags"}


def _url_collisions(targets: list[Postmortem], everyone: list[Postmortem]) -> list[Finding]:
    """Two files, or two tags (services, teams), whose URLs would be the same: which page keeps it would
    depend on sorting, so adding a file could move an existing page. Named on both sides."""
    findings = []
    target_paths = {pm.path for pm in targets}
    by_stem: dict[str, list[Postmortem]] = defaultdict(list)
    for pm in everyone:
        by_stem[pm.slug].append(pm)
    for stems in slugs.collisions(by_stem).values():
        files = [pm for stem in stems for pm in by_stem[stem]]
        for pm in files:
            if pm.path in target_paths:
                others = ", ".join(o.display_path for o in files if o is not pm)
                findings.append(_make(
                    pm, Position(1, 1), "consistency/url-collision", "consistency",
                    f"this file would be published at postmortems/{slugs.url_slug(pm.slug)}/, as would {others}",
                    "rename one of the files so the names differ by more than letter case and punctuation"))
    for key, folder in _TERM_FOLDERS.items():
        users: dict[str, list[tuple[Postmortem, int]]] = defaultdict(list)
        for pm in everyone:
            for index, name in enumerate(pm.str_list(key)):
                users[name].append((pm, index))
        for names in slugs.collisions(users).values():
            for name in names:
                for pm, index in users[name]:
                    if pm.path not in target_paths:
                        continue
                    others = "; ".join(
                        f"{other!r} in {', '.join(sorted({p.display_path for p, _ in users[other]}))}"
                        for other in names if other != name)
                    findings.append(_make(
                        pm, pm.position_of((key, index)), "consistency/url-collision", "consistency",
                        f"{key}[{index}] {name!r} would share the page {folder}/{slugs.url_slug(name)}/ with {others}",
                        "write the name the same way everywhere (letter case and punctuation too)"))
    return findings


def findings_cache(config: Config) -> PickleCache:
    """``validate_file`` results by file path and text, kept between builds of the whole corpus.

    Salted with the schema, the installed jsonschema and the source of the
    modules the per-file rules use, so changing any of them validates every file
    again. Cross-file rules are cheap and never cached.
    """
    from importlib.metadata import version

    from pmsite import characters, load, model, timeutil, yamlpos  # positions come from load and yamlpos

    modules = (characters, load, model, sections, timeutil, yamlpos, decision_check, decision_model)
    sources = [Path(m.__file__) for m in modules] + [Path(__file__), schema_path()]
    return PickleCache(config.cache_dir("validate") / "findings.pickle",
                       source_salt(*sources, extra=f"jsonschema {version('jsonschema')} jsonschema-rs "
                                                   f"{version('jsonschema-rs')}"), prune_unused=True)


def _files_findings(targets: list[Postmortem], cache: PickleCache | None) -> list[Finding]:
    """``validate_file`` for each target, from ``cache`` when it has the file; the others on every core
    when there are many."""
    keys = [digest(pm.display_path, pm.text_digest) if cache is not None else "" for pm in targets]
    found = [cache.get(key) if cache is not None else None for key in keys]
    missing = [index for index, findings in enumerate(found) if findings is None]
    if missing:
        _checker()  # built here, before any worker process forks, so that they inherit it
    with OrderedMap(validate_file, [targets[index] for index in missing]) as results:
        for index, findings in zip(missing, results):
            found[index] = findings
            if cache is not None:
                cache.put(keys[index], findings)
    return [finding for findings in found for finding in findings or ()]


def validate(targets: list[Postmortem], corpus: list[Postmortem] | None = None,
             cache: PickleCache | None = None) -> list[Finding]:
    """All findings for ``targets``, sorted by file and line (per-file rules through ``cache`` when given)."""
    findings = _files_findings(targets, cache)
    findings += cross_file_findings(targets, corpus or [])
    return sorted(findings, key=Finding.sort_key)
