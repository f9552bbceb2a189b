"""One small on-disk cache for the stages that re-derive the same values every run.

Values are pickled per key into a single file per stage under ``.pmsite-cache/``,
salted so that a change to the code that produced them discards them. A cache
that cannot be read or written is simply empty: the run is slower, never wrong.
"""

from __future__ import annotations

import hashlib
import os
import pickle
from pathlib import Path
from typing import Any

#: Entries kept at most; past this, entries not used by the current run are dropped.
MAX_ENTRIES = 20_000


def digest(*parts: str) -> str:
    """A short stable key for text (content hashes, salts)."""
    hasher = hashlib.blake2b(digest_size=20)
    for part in parts:
        hasher.update(part.encode("utf-8", "surrogatepass"))
        hasher.update(b"\0")
    return hasher.hexdigest()


def source_salt(*files: Path, extra: str = "") -> str:
    """A salt from the source of the modules (and data files) that produce the cached values."""
    return digest(*(path.read_bytes().decode("utf-8", "surrogateescape") for path in files), extra)


class PickleCache:
    """Values by key in one pickle file; ``get`` returns fresh objects every time.

    ``prune_unused`` suits stages that see every input on each run (rendering a
    site): entries the run did not use are dropped when it saves. Otherwise
    entries stay until there are more than ``MAX_ENTRIES``, so a command run on
    one file does not evict the others.
    """

    def __init__(self, file: Path, salt: str, *, prune_unused: bool = False) -> None:
        self.file = file
        self.salt = salt
        self.prune_unused = prune_unused
        self.entries: dict[str, bytes] = {}
        self.used: set[str] = set()
        self.dirty = False
        try:
            with file.open("rb") as handle:
                stored = pickle.load(handle)
            if isinstance(stored, dict) and stored.get("salt") == salt:
                self.entries = stored["entries"]
        except Exception:  # missing, truncated or from another version: start afresh
            self.entries = {}

    def __contains__(self, key: str) -> bool:
        return key in self.entries

    def keep(self, key: str) -> bool:
        """Count ``key`` as used without reading its value; whether the cache holds it."""
        if key not in self.entries:
            return False
        self.used.add(key)
        return True

    def get(self, key: str) -> Any | None:
        stored = self.entries.get(key)
        if stored is None:
            return None
        self.used.add(key)
        return pickle.loads(stored)  # fresh objects: no two callers share a mutable value

    def put(self, key: str, value: Any) -> None:
        self.entries[key] = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
        self.used.add(key)
        self.dirty = True

    def save(self) -> None:
        """Write the file if anything changed (atomically: a reader never sees half of it)."""
        if self.prune_unused or len(self.entries) > MAX_ENTRIES:
            kept = {key: value for key, value in self.entries.items() if key in self.used}
            self.dirty = self.dirty or len(kept) != len(self.entries)
            self.entries = kept
        self.used = set()
        if not self.dirty:
            return
        try:
            write_atomically(self.file, pickle.dumps({"salt": self.salt, "entries": self.entries},
                                                     protocol=pickle.HIGHEST_PROTOCOL))
        except OSError:
            pass  # a read-only checkout still works, only slower
        self.dirty = False


def write_atomically(path: Path, data: bytes) -> None:
    """Replace ``path`` in one step, so a reader (or a crash) never leaves half a file; raises OSError."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    partial.write_bytes(data)
    os.replace(partial, path)


def store_keeping_newest(path: Path, data: bytes, keep: int) -> None:
    """Write one of a folder's cache files and keep only the ``keep`` newest with its suffix.

    For caches of one file per state (history by commit, reports by inputs); a
    folder that cannot be written is skipped: the next run is only slower.
    """
    try:
        write_atomically(path, data)
        for old in sorted(path.parent.glob(f"*{path.suffix}"), key=lambda p: p.stat().st_mtime)[:-keep]:
            old.unlink(missing_ok=True)
    except OSError:
        pass
