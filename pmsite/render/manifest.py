"""What a built site says about itself, sealed so that only this user's builds are believed.

Every site pmsite writes holds ``.pmsite-manifest.json``: the sha256 of each
file, the key each page was drawn from, and, for folders another program
fills (the search index), each file's size, modification time and inode. The
next build reuses what the manifest vouches for. An output folder can arrive
in a commit, so the manifest carries an HMAC made with the key of the user's
cache (``pmsite.cache``): a manifest without a valid seal still marks the
folder as a site pmsite may replace, but nothing in it is reused.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from pmsite.cache import check_seal, seal

#: Written into every built site (see the module's docstring).
MANIFEST_NAME = ".pmsite-manifest.json"


@dataclass(frozen=True)
class Manifest:
    #: Output path -> sha256 of every file the build wrote.
    files: dict[str, str] = field(default_factory=dict)
    #: Output path -> key of what the page was drawn from.
    keys: dict[str, str] = field(default_factory=dict)
    #: Folders filled by another program (the search index).
    folders: tuple[str, ...] = ()
    #: Path of each file in those folders -> [size, mtime_ns, inode] when the build finished.
    folder_files: dict[str, list[int]] = field(default_factory=dict)

    def folder_intact(self, site: Path, rel_folder: str) -> bool:
        """Whether ``site/rel_folder`` holds exactly the files this manifest saw there, unchanged since."""
        if rel_folder not in self.folders:
            return False
        prefix = rel_folder + "/"
        expected = {path: stat for path, stat in self.folder_files.items() if path.startswith(prefix)}
        try:
            return expected == folder_signatures(site, rel_folder)
        except OSError:
            return False


def folder_signatures(site: Path, rel_folder: str) -> dict[str, list[int]]:
    """[size, mtime_ns, inode] of every file under ``site/rel_folder``: a rewrite or a checkout changes them."""
    found: dict[str, list[int]] = {}
    pending = [(os.path.join(site, rel_folder), rel_folder + "/")]
    while pending:
        folder, prefix = pending.pop()
        with os.scandir(folder) as entries:
            for entry in entries:
                if entry.is_dir(follow_symlinks=False):
                    pending.append((entry.path, prefix + entry.name + "/"))
                else:
                    info = entry.stat(follow_symlinks=False)
                    found[prefix + entry.name] = [info.st_size, info.st_mtime_ns, info.st_ino]
    return found


def read_manifest(site: Path) -> Manifest:
    """A site's manifest; empty when there is none, it does not parse, or its seal is not this user's."""
    try:
        stored = json.loads((site / MANIFEST_NAME).read_text(encoding="utf-8"))
        body, sealed = stored["manifest"], stored["seal"]
        if not check_seal(json.dumps(body, sort_keys=True).encode("utf-8"), sealed):
            return Manifest()
        files, keys = body.get("files", {}), body.get("keys", {})
        folders, folder_files = body.get("folders", []), body.get("folder_files", {})
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return Manifest()
    return Manifest(files if isinstance(files, dict) else {}, keys if isinstance(keys, dict) else {},
                    tuple(f for f in folders if isinstance(f, str)) if isinstance(folders, list) else (),
                    folder_files if isinstance(folder_files, dict) else {})


def write_manifest(site: Path, files: dict[str, str], keys: dict[str, str], folders: set[str]) -> None:
    """Write the manifest of a finished site, sealed (unsealed when there is no key: nothing is then reused)."""
    folder_files: dict[str, list[int]] = {}
    for rel_folder in sorted(folders):
        folder_files.update(folder_signatures(site, rel_folder))
    body = {"files": dict(sorted(files.items())), "keys": dict(sorted(keys.items())), "folders": sorted(folders),
            "folder_files": dict(sorted(folder_files.items()))}
    path = site / MANIFEST_NAME
    path.unlink(missing_ok=True)  # it may be a hard link shared with the live site
    path.write_text(json.dumps({"manifest": body, "seal": seal(json.dumps(body, sort_keys=True).encode("utf-8"))},
                               indent=0), encoding="utf-8")
