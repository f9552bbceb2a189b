"""A job's work folder: private files, redacted on the way in.

Every text a collector keeps passes through the redactor before it touches the
disk, so no secret pasted into chat (nor a token of ours) is ever written, not
even to a file that a later crash leaves behind. Folders are 0700, files 0600.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pmsite.redact import Redactor, redactor_from_config

RAW = "raw"
SCREENSHOTS = "screenshots"
DIR_MODE = 0o700
FILE_MODE = 0o600


def private_dir(path: Path) -> Path:
    """Create ``path`` and any missing parents, each 0700 (``mkdir``'s mode covers only the last)."""
    missing = [p for p in (path, *path.parents) if not p.exists()]
    for folder in reversed(missing):
        folder.mkdir(mode=DIR_MODE, exist_ok=True)
        os.chmod(folder, DIR_MODE)
    if not missing:
        os.chmod(path, DIR_MODE)
    return path


def write_private(path: Path, data: bytes) -> None:
    """Write a file no one else can read, flushed to disk before it counts as written."""
    try:
        private_dir(path.parent)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(path, FILE_MODE)
    except OSError as error:  # name the file: a failed write() does not
        raise OSError(error.errno, error.strerror, error.filename or str(path)) from None


def pack_redactor(timeline_section: dict[str, Any], known_secrets: list[str], where: str = "pmsite.yaml") -> Redactor:
    """The ``timeline: {redact: ...}`` redactor plus our own tokens, which must never reach a pack."""
    entries = list(timeline_section.get("redact") or [])
    entries += [{"name": "configured-token", "pattern": re.escape(secret)}
                for secret in known_secrets if len(secret) >= 8]
    return redactor_from_config({"redact": entries}, where)


class SourceFolder:
    """Where one source writes (``raw/<source>/``); started empty on every attempt."""

    def __init__(self, root: Path, source: str, redactor: Redactor) -> None:
        self.root = root
        self.path = root / RAW / source
        #: Binary evidence (screenshots) goes to its own folder of the pack.
        self.binary_path = root / SCREENSHOTS
        self.redactor = redactor
        self.redacted: Counter[str] = Counter()

    def reset(self, binary: bool = False, create: bool = True) -> None:
        """A retried or resumed source starts clean, so nothing is collected twice."""
        for path in (self.path, self.binary_path) if binary else (self.path,):
            if path.exists():
                shutil.rmtree(path)
            if create:
                private_dir(path)

    def write_json(self, name: str, data: Any) -> Path:
        before = Counter(self.redactor.counts)
        clean = self.redactor.redact_data(data)
        self.redacted.update(Counter(self.redactor.counts) - before)
        target = _inside(self.path, name)
        write_private(target, json.dumps(clean, ensure_ascii=False, indent=1).encode("utf-8"))
        return target

    def write_bytes(self, name: str, data: bytes) -> Path:
        """Binary evidence (screenshots) that no redactor can read."""
        target = _inside(self.binary_path, name)
        write_private(target, data)
        return target


def _inside(folder: Path, name: str) -> Path:
    """``folder/name``, refusing names (from API answers) that would leave the folder."""
    parts = Path(name).parts
    if not parts or Path(name).is_absolute() or any(part in ("..", ".") for part in parts):
        raise ValueError(f"refusing to write {name!r}: it would leave {folder.name}/")
    return folder / name



@dataclass
class Collected:
    """What one source step gathered: counts for the manifest and problems short of failure."""

    counts: dict[str, int] = field(default_factory=dict)
    #: E.g. one of two Slack channels could not be read: the source is "partial".
    problems: list[str] = field(default_factory=list)
