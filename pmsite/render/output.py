"""Where a build may write, and writing it so a failed build changes nothing.

Pages go into a temporary folder beside the output folder; only when every
stage has succeeded is it swapped in by two renames. The output folder may not
be the repository root, the content folder or an ancestor of either (replacing
it would delete the postmortems), and an existing folder is only replaced when
an earlier build left its manifest there, so ``--out docs`` cannot wipe a folder
of hand-written files.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path, PurePosixPath

from pmsite.config import Config
from pmsite.errors import BuildError

#: Written into every built site: the sha256 of each file, so the next build can
#: recognise the folder as its own and skip work for unchanged pages.
MANIFEST_NAME = ".pmsite-manifest.json"


def _is_same_or_ancestor(folder: Path, other: Path) -> bool:
    return folder == other or folder in other.parents


def check_output_folder(out_dir: Path, config: Config) -> Path:
    """Resolve ``out_dir`` and refuse places a site must never replace."""
    out = out_dir.resolve()
    shown = config.display_path(out)
    protected = {"the repository root": config.root, "the content folder": config.content_dir.resolve()}
    for name, folder in protected.items():
        if _is_same_or_ancestor(out, folder):
            raise BuildError(f"{shown}: the output folder cannot be {name} or contain it; "
                             "choose a separate folder such as --out site/")
        if name == "the content folder" and folder in out.parents:
            raise BuildError(f"{shown}: the output folder cannot be inside the content folder; "
                             "choose a folder such as --out site/")
    if out.exists() and not out.is_dir():
        raise BuildError(f"{shown}: exists and is not a folder; remove it or choose another --out")
    if out.is_dir() and any(out.iterdir()) and not (out / MANIFEST_NAME).is_file():
        raise BuildError(f"{shown}: this folder holds files pmsite did not write; "
                         "empty it or choose another --out (pmsite only replaces sites it built)")
    return out


class SiteWriter:
    """Writes files under a temporary folder and swaps it in on ``commit``.

    Relative paths are checked so no file lands outside the folder, whatever a
    slug or a theme file is called.
    """

    def __init__(self, out_dir: Path) -> None:
        self.out_dir = out_dir
        self.tmp_dir = out_dir.parent / f".{out_dir.name}.building-{os.getpid()}"
        self.previous, self.previous_keys = _read_manifest(out_dir)
        self.hashes: dict[str, str] = {}
        #: Output path -> key of what the page was drawn from (``render.keys``), kept in the manifest.
        self.keys: dict[str, str] = {}
        #: Files whose bytes differ from the previous build (or are new).
        self.changed: set[str] = set()
        #: Output paths taken by this build (``claim``), recorded or not yet.
        self._claimed: set[str] = set()
        if self.tmp_dir.exists():
            shutil.rmtree(self.tmp_dir)
        self.tmp_dir.mkdir(parents=True)

    def target(self, rel_path: str) -> Path:
        """The absolute path for ``rel_path``, refusing anything that would escape the folder."""
        pure = PurePosixPath(rel_path)
        if not pure.parts or pure.is_absolute() or any(part in ("", ".", "..") for part in pure.parts) or "\\" in rel_path:
            raise BuildError(f"refusing to write {rel_path!r}: the path must stay inside the output folder")
        return self.tmp_dir.joinpath(*pure.parts)

    def write(self, rel_path: str, data: str | bytes, key: str | None = None) -> None:
        """Write one file; ``key`` (what it was drawn from) lets the next build reuse it unrendered."""
        self.claim(rel_path)
        self.record(rel_path, self.store(rel_path, data), key)

    def claim(self, rel_path: str) -> None:
        """Reserve ``rel_path`` for one file of this build: a second claim is an error, never an overwrite."""
        if rel_path in self._claimed:
            raise BuildError(f"two pages want the same output file {rel_path!r}; rename one of them")
        self.target(rel_path)
        self._claimed.add(rel_path)

    def store(self, rel_path: str, data: str | bytes) -> tuple[str, bool]:
        """Put a claimed file in place, hard-linked from the previous site when its bytes are the same.

        Touches that file alone, so worker processes may store files side by side
        while ``record`` notes them here. Returns the file's sha256 and whether it changed.
        """
        payload = data.encode("utf-8") if isinstance(data, str) else data
        digest = hashlib.sha256(payload).hexdigest()
        path = self.target(rel_path)
        path.parent.mkdir(parents=True, exist_ok=True)
        if self.previous.get(rel_path) == digest and _link(self._previous_file(rel_path), path):
            return digest, False
        path.write_bytes(payload)
        return digest, True

    def record(self, rel_path: str, stored: tuple[str, bool], key: str | None = None) -> None:
        """Note a stored file for the manifest (and the next build's reuse)."""
        digest, changed = stored
        self.hashes[rel_path] = digest
        if key is not None:
            self.keys[rel_path] = key
        if changed:
            self.changed.add(rel_path)

    def link_previous(self, rel_path: str, key: str | None) -> str | None:
        """Hard-link the previous build's file when it was drawn from the same ``key``.

        Returns its sha256, or None when it must be rendered; like ``store``, safe in a worker process.
        """
        digest = self.previous.get(rel_path)
        if key is None or digest is None or self.previous_keys.get(rel_path) != key:
            return None
        path = self.target(rel_path)
        path.parent.mkdir(parents=True, exist_ok=True)
        return digest if _link(self._previous_file(rel_path), path) else None

    def _previous_file(self, rel_path: str) -> Path:
        return self.out_dir.joinpath(*PurePosixPath(rel_path).parts)

    def removed(self) -> set[str]:
        return set(self.previous) - set(self.hashes)

    def reuse_folder(self, rel_folder: str) -> bool:
        """Hard-link a folder of the previous build (e.g. an unchanged search index) into this one."""
        source = self.out_dir / rel_folder
        if not source.is_dir():
            return False
        shutil.copytree(source, self.target(rel_folder), copy_function=_link_or_copy, dirs_exist_ok=True)
        return True

    def commit(self) -> None:
        """Swap the finished folder in place of the previous site."""
        manifest = json.dumps({"files": dict(sorted(self.hashes.items())), "keys": dict(sorted(self.keys.items()))},
                              indent=0)
        (self.tmp_dir / MANIFEST_NAME).write_text(manifest, encoding="utf-8")
        old = self.out_dir.parent / f".{self.out_dir.name}.old-{os.getpid()}"
        if self.out_dir.exists():
            self.out_dir.rename(old)
        self.tmp_dir.rename(self.out_dir)
        if old.exists():
            shutil.rmtree(old, ignore_errors=True)

    def abort(self) -> None:
        shutil.rmtree(self.tmp_dir, ignore_errors=True)


def _read_manifest(out_dir: Path) -> tuple[dict[str, str], dict[str, str]]:
    """The previous build's file hashes and page keys (empty when there is no readable manifest)."""
    try:
        manifest = json.loads((out_dir / MANIFEST_NAME).read_text(encoding="utf-8"))
        files, keys = manifest.get("files", {}), manifest.get("keys", {})
    except (OSError, ValueError, AttributeError):
        return {}, {}
    return (files if isinstance(files, dict) else {}), (keys if isinstance(keys, dict) else {})


def _link(source: Path, target: Path) -> bool:
    try:
        os.link(source, target)
    except OSError:
        return False
    return True


def _link_or_copy(source: str, target: str) -> None:
    if not _link(Path(source), Path(target)):
        shutil.copy2(source, target)
