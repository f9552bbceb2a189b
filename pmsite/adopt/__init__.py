"""``pmsite import``: adopt the postmortems an organisation already has.

Each source (Markdown without front-matter, an HTML export, a .docx) is read as
Markdown (``read``), what its text states becomes front-matter (``infer``), and
the result is redacted, validated and written as a new file with
``imported: true`` and ``imported_from``. Originals are only read; an existing
file is never overwritten; a source already imported (same ``imported_from``)
keeps its file and id, so running the import again changes nothing.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from pmsite.adopt.infer import Inferred, NotAPostmortem, infer
from pmsite.adopt.read import NotConvertible, read_document
from pmsite.config import Config
from pmsite.model import Finding, Postmortem
from pmsite.redact import redactor_from_config
from pmsite.scaffold import slugify

#: Front-matter keys in the order an imported file lists them.
KEY_ORDER = ("id", "title", "status", "imported", "imported_from", "severity", "type", "date", "published",
             "started_at", "detected_at", "mitigated_at", "resolved_at", "durations", "detection", "services",
             "teams", "tags", "authors", "participants", "summary", "lessons", "action_items")
_ID = re.compile(r"^(?P<prefix>[A-Z][A-Z0-9]*)-(?P<year>\d{4})-(?P<number>\d{3,})$")


@dataclass
class FileReport:
    """What happened to one source."""

    source: str
    #: imported | would import | already imported | skipped
    outcome: str
    target: str = ""
    id: str = ""
    #: Why a source was skipped.
    reason: str = ""
    #: field -> where in the source it was read from
    sources: dict[str, str] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    redactions: dict[str, int] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)

    @property
    def passes(self) -> bool:
        return not any(f.severity == "error" for f in self.findings)

    def to_dict(self) -> dict[str, Any]:
        return {"source": self.source, "outcome": self.outcome, "target": self.target, "id": self.id,
                "reason": self.reason, "inferred": self.sources, "missing": self.missing, "notes": self.notes,
                "redactions": self.redactions, "passes_validate": self.passes if self.target else None,
                "findings": [f.to_dict() for f in self.findings]}


def collect_sources(paths: list[Path]) -> list[Path]:
    """Files given, and every file below folders given (hidden ones aside), sorted."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found += sorted(p for p in path.rglob("*") if p.is_file()
                            and not any(part.startswith(".") for part in p.relative_to(path).parts))
        else:
            found.append(path)
    return list(dict.fromkeys(found))


class Importer:
    """Imports sources into one folder, keeping ids and file names unique across the run."""

    def __init__(self, config: Config, into: Path, existing: list[Postmortem]) -> None:
        self.config = config
        self.into = into
        self.corpus = list(existing)
        self.by_source = {str(pm.meta.get("imported_from")): pm for pm in existing if pm.meta.get("imported_from")}
        self.ids = {pm.id for pm in existing if pm.id}
        self.names = {p.name.lower() for p in into.glob("*")} if into.is_dir() else set()
        self.taxonomy = config.section("taxonomy")
        self.prefix = str(config.raw.get("id_prefix") or "PM")

    def source_name(self, source: Path) -> str:
        """How ``imported_from`` names a source: relative to the repository root, POSIX style."""
        return Path(os.path.relpath(source.resolve(), self.config.root)).as_posix()

    def run(self, source: Path, dry_run: bool) -> FileReport:
        name = self.source_name(source)
        report = FileReport(source=name, outcome="skipped")
        previous = self.by_source.get(name)
        if previous is not None:
            report.outcome, report.target, report.id = "already imported", previous.display_path, previous.id
            return report
        try:
            document = read_document(source)
            inferred = infer(document, self.taxonomy)
        except (NotConvertible, NotAPostmortem) as exc:
            report.reason = str(exc)
            return report
        except (ValueError, KeyError, IndexError, TypeError, AttributeError, RecursionError) as exc:
            # a shape no rule foresaw must not stop the other files; say what broke, so it can be reported
            report.reason = (f"could not be read ({type(exc).__name__}: {str(exc)[:80]}); the other files still "
                             "import: please report this file's shape")
            return report
        report.notes = document.notes + inferred.notes
        meta = self._front_matter(inferred, name, document, report)
        redactor = redactor_from_config(self.config.section("timeline"))
        meta = redactor.redact_data(meta)
        body = redactor.redact(document.markdown)
        report.redactions = dict(sorted(redactor.counts.items()))
        text = "---\n" + yaml.safe_dump(meta, sort_keys=False, allow_unicode=True, width=100) + "---\n\n" + body
        target = self._target(meta)
        report.target, report.id = self.config.display_path(target), meta["id"]
        report.sources, report.missing = inferred.sources, inferred.missing
        report.findings = self._validate(text, target)
        report.outcome = "would import" if dry_run else "imported"
        if not dry_run:
            target.parent.mkdir(parents=True, exist_ok=True)
            with target.open("x", encoding="utf-8", newline="\n") as handle:  # never overwrites
                handle.write(text)
        return report

    def _front_matter(self, inferred: Inferred, name: str, document, report: FileReport) -> dict[str, Any]:
        meta = dict(inferred.meta)
        meta["id"] = self._id(inferred, document)
        if inferred.named_id and meta["id"] != inferred.named_id:
            report.notes.append(f"the source's id {inferred.named_id} is taken: imported as {meta['id']}")
        meta.update(status="published", imported=True, imported_from=name)
        incident_day = meta.get("date")
        if document.changed and (not incident_day or document.changed.isoformat() >= incident_day):
            meta["published"] = document.changed.isoformat()
            inferred.sources["published"] = document.changed_from
        ordered = {key: meta[key] for key in KEY_ORDER if key in meta}
        return ordered | {key: value for key, value in meta.items() if key not in ordered}

    def _id(self, inferred: Inferred, document) -> str:
        if inferred.named_id and inferred.named_id not in self.ids:
            chosen = inferred.named_id
        else:
            day = inferred.meta.get("date") or (document.changed.isoformat() if document.changed else "2000")
            year = int(day[:4])
            numbers = [int(m["number"]) for i in self.ids for m in [_ID.match(i)]
                       if m and m["prefix"] == self.prefix and int(m["year"]) == year]
            chosen = f"{self.prefix}-{year}-{max(numbers, default=0) + 1:03d}"
            inferred.sources["id"] = "the next free id"
        self.ids.add(chosen)
        return chosen

    def _target(self, meta: dict[str, Any]) -> Path:
        slug = slugify(str(meta["title"])) or slugify(meta["id"])
        if meta.get("date") and slug.startswith(f"{meta['date']}-"):  # a title such as '2023-11-21: Queue lag'
            slug = slug[len(meta["date"]) + 1:]
        stem = f"{meta['date']}-{slug}" if meta.get("date") else slug
        candidate, counter = f"{stem}.md", 1
        while candidate.lower() in self.names:
            counter += 1
            candidate = f"{stem}-{counter}.md"
        self.names.add(candidate.lower())
        return self.into / candidate

    def _validate(self, text: str, target: Path) -> list[Finding]:
        from pmsite.load import parse_postmortem
        from pmsite.validate import validate

        postmortem, findings = parse_postmortem(text, target, self.config.display_path(target))
        findings += validate([postmortem], self.corpus)
        self.corpus.append(postmortem)
        return findings



def import_sources(config: Config, paths: list[Path], into: Path, dry_run: bool = False) -> list[FileReport]:
    """Import every source under ``paths`` into ``into``; one report per source file."""
    from pmsite.errors import ContentError
    from pmsite.load import load, load_corpus

    existing = {pm.path: pm for pm in load_corpus(config)}
    if into.resolve() != config.content_dir.resolve():
        try:
            existing.update((pm.path, pm) for pm in load([into], config, use_cache=False).postmortems)
        except ContentError:  # a new or empty folder
            pass
    importer = Importer(config, into, list(existing.values()))
    return [importer.run(source, dry_run) for source in collect_sources(paths)]
