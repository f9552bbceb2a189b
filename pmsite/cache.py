"""The stages' on-disk caches: where they live and how a run knows a cache file is its own.

A cache is untrusted input like any file a repository can carry: a pull request
may commit one, and a pickle runs code when it is loaded. So caches live
outside the checkout by default, in the user's cache folder keyed by the
repository's path (``PMSITE_CACHE_DIR`` moves them; a folder git tracks is
refused), and every cache file is sealed with an HMAC whose key lives in the
user's cache folder (mode 0600), never in a repository: a file whose seal does
not match is not read at all, so nothing in it is ever unpickled.

Values are pickled per key into a single file per stage, salted so that a
change to the code that produced them discards them. A cache that cannot be
read or written is simply empty: the run is slower, never wrong.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import pickle
import secrets
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

#: Names the cache folder of every repository instead of the user's cache folder.
CACHE_ENV = "PMSITE_CACHE_DIR"
#: Starts every sealed cache file; the HMAC-SHA256 of the rest follows.
_SEAL_MAGIC = b"pmsite-sealed-1\n"
_KEY_NAME = "cache-key"


@dataclass(frozen=True)
class CacheLocation:
    """Where one repository's caches live, and a warning when a configured folder was refused."""

    folder: Path
    warning: str = ""


def user_cache_home() -> Path:
    """pmsite's folder in the user's cache folder (``$XDG_CACHE_HOME/pmsite`` on Linux)."""
    import platformdirs

    return Path(platformdirs.user_cache_dir("pmsite", appauthor=False))


def default_cache_folder(root: Path, home: Path | None = None) -> Path:
    """The cache folder of the repository at ``root``: outside it, named after it, keyed by its path."""
    return (home or user_cache_home()) / f"{root.name or 'root'}-{digest(str(root))[:16]}"


def locate(root: Path) -> CacheLocation:
    """The cache folder for ``root``: ``PMSITE_CACHE_DIR`` (relative to the root) unless git tracks files in it."""
    return _locate(root, os.environ.get(CACHE_ENV, "").strip(), user_cache_home())


@lru_cache(maxsize=64)
def _locate(root: Path, configured: str, home: Path) -> CacheLocation:
    if not configured:
        return CacheLocation(default_cache_folder(root, home))
    from pmsite.history import tracked_file_under  # the module that reads git

    folder = (root / configured).resolve()
    tracked = tracked_file_under(root, folder)
    if tracked:
        fallback = default_cache_folder(root, home)
        return CacheLocation(fallback, f"{CACHE_ENV}={configured}: git tracks {tracked} there, so a commit could "
                                       f"plant cache files; ignoring it and using {fallback} (untrack the folder "
                                       "with 'git rm -r --cached' and add it to .gitignore)")
    return CacheLocation(folder)


@lru_cache(maxsize=1)
def _seal_key() -> bytes | None:
    """The key that seals cache files, made on first use (0600); None when it cannot be had: no caching."""
    path = user_cache_home() / _KEY_NAME
    if os.path.exists(path):  # False too when the folder cannot be read: the key cannot be made either
        return _read_key(path)
    key = secrets.token_bytes(32)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(key)
        return key
    except FileExistsError:  # another process made it first
        return _read_key(path)
    except OSError:
        return None


def _read_key(path: Path) -> bytes | None:
    try:
        return path.read_bytes()[:64] or None
    except OSError:
        return None


def _seal(key: bytes, data: bytes) -> bytes:
    return hmac.new(key, data, hashlib.sha256).digest()


def seal(data: bytes) -> str:
    """The seal of ``data`` as text, for a file that keeps its own (a site's manifest); "" without a key."""
    key = _seal_key()
    return _seal(key, data).hex() if key is not None else ""


def check_seal(data: bytes, sealed: object) -> bool:
    key = _seal_key()
    return key is not None and isinstance(sealed, str) and hmac.compare_digest(_seal(key, data).hex(), sealed)


def read_sealed(path: Path) -> bytes | None:
    """The contents of a cache file this user's pmsite wrote; None when missing, unreadable or forged."""
    key = _seal_key()
    if key is None:
        return None
    try:
        with path.open("rb") as handle:
            blob = handle.read()
    except OSError:
        return None
    head = len(_SEAL_MAGIC) + hashlib.sha256().digest_size
    if not blob.startswith(_SEAL_MAGIC) or len(blob) < head:
        return None
    data = memoryview(blob)[head:]
    if not hmac.compare_digest(blob[len(_SEAL_MAGIC):head], _seal(key, data)):
        return None
    return bytes(data)


def write_sealed(path: Path, data: bytes) -> None:
    """Write a cache file atomically with its seal; raises OSError (callers treat that as no cache)."""
    key = _seal_key()
    if key is None:
        raise OSError("no key to seal cache files with")
    write_atomically(path, _SEAL_MAGIC + _seal(key, data) + data)


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
        data = read_sealed(file)  # pickle only ever sees bytes this user's pmsite sealed
        try:
            stored = pickle.loads(data) if data is not None else None
            if isinstance(stored, dict) and stored.get("salt") == salt:
                self.entries = stored["entries"]
        except Exception:  # from another version of pmsite or Python: start afresh
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
            write_sealed(self.file, pickle.dumps({"salt": self.salt, "entries": self.entries},
                                                     protocol=pickle.HIGHEST_PROTOCOL))
        except OSError:
            pass  # an unwritable cache folder: the run works, only slower
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
        write_sealed(path, data)
        for old in sorted(path.parent.glob(f"*{path.suffix}"), key=lambda p: p.stat().st_mtime)[:-keep]:
            old.unlink(missing_ok=True)
    except OSError:
        pass
