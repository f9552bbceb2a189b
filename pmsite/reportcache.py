"""Reports reused while nothing they are drawn from has changed.

``pmsite actions`` and ``pmsite metrics`` are pure functions of the content
files, the commit checked out, ``pmsite.yaml``, pmsite's own code, the
command's options and "today". When all of these match an earlier run, that
run's output is printed again instead of loading, mining and aggregating: on
2,000 postmortems that is the difference between about a second and a tenth of
one, which matters to CI jobs and dashboards that ask the same question often.

Content files are compared by path and bytes, the history by HEAD's commit id
and the shallow-clone boundary. A cache that cannot be read or written is
simply empty.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Mapping

from pmsite.cache import digest, read_sealed, source_salt, store_keeping_newest
from pmsite.config import Config

#: Reports kept; older ones are removed when a new one is stored.
KEEP = 32
_PACKAGE = Path(__file__).parent


@dataclass(frozen=True)
class Report:
    """What a report command printed: its output and its warnings (for stderr)."""

    output: str
    warnings: list[str]


def report_key(config: Config, command: str, options: Mapping[str, Any], head: str) -> str:
    """Everything the report depends on, as one key; ``head`` identifies the git history."""
    return digest(
        command,
        json.dumps(options, sort_keys=True, default=str),
        head,
        _file_text(config.path),
        _code_signature(),
        _content_signature(config.content_dir),
        sys.version,
    )


def cached_report(config: Config, key: str) -> Report | None:
    stored = read_sealed(config.cache_dir("reports") / f"{key}.json")
    try:
        data = json.loads(stored) if stored is not None else {}
        return Report(str(data["output"]), [str(line) for line in data["warnings"]])
    except (ValueError, KeyError, TypeError):
        return None


def store_report(config: Config, key: str, report: Report) -> None:
    data = json.dumps(asdict(report), ensure_ascii=False).encode("utf-8")
    store_keeping_newest(config.cache_dir("reports") / f"{key}.json", data, KEEP)


def _file_text(path: Path | None) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="surrogateescape") if path else ""
    except OSError:
        return ""


def _code_signature() -> str:
    """pmsite's own source: a new version (or a local edit) never reuses an old report."""
    return source_salt(*sorted(_PACKAGE.rglob("*.py")))


def _content_signature(folder: Path) -> str:
    """Path and bytes of every file under the content folder (~40 ms for 2,000 postmortems).

    Contents rather than modification times: a script that rewrites a file
    within the clock's granularity must not get the old report.
    """
    hasher = hashlib.blake2b(digest_size=20)
    for current, _, files in sorted(os.walk(folder)):
        for name in sorted(files):
            path = os.path.join(current, name)
            try:
                with open(path, "rb") as handle:
                    data = handle.read()
            except OSError:
                data = b"\0unreadable"
            hasher.update(f"{path}\0{len(data)}\0".encode("utf-8", "surrogateescape") + data)
    return hasher.hexdigest()
