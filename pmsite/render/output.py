"""Where a build may write, and writing it so a failed build changes nothing.

Pages go into a temporary folder beside the output folder; only when every
stage has succeeded is it swapped in by two renames. That folder starts as the
site the previous build replaced, when there is one (``SiteWriter``'s spare),
so that unchanged files cost nothing. The output folder may not
be the repository root, the content folder or an ancestor of either (replacing
it would delete the postmortems), and an existing folder is only replaced when
an earlier build left its manifest there, so ``--out docs`` cannot wipe a folder
of hand-written files.

Nothing a build finds on disk is taken on trust: the output folder, its
manifest and the spare may come from a commit or from another build. One
build at a time writes into an output folder (a lock in the user's cache
folder), and a file is reused only when its bytes hash to what the manifest
says, which is what this build would write. Folders left by killed builds are
removed by the next one.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
from collections.abc import Callable, Collection
from pathlib import Path, PurePosixPath

from pmsite.config import Config
from pmsite.errors import BuildError
from pmsite.render.manifest import MANIFEST_NAME, read_manifest, write_manifest

__all__ = ["LOCK_WAIT", "MANIFEST_NAME", "SiteWriter", "check_output_folder", "remove_stale_build_folders"]

#: Seconds a build waits for another build into the same folder to finish.
LOCK_WAIT = 10.0


def _is_same_or_ancestor(folder: Path, other: Path) -> bool:
    return folder == other or folder in other.parents


def check_output_folder(out_dir: Path, config: Config) -> Path:
    """Resolve ``out_dir`` and refuse places a site must never replace or write into.

    Besides the root and the content, that is every folder the build reads
    templates and theme files from: a site written there would be read back
    as templates by the next build.
    """
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
    for folder in _read_by_the_build(config):
        if _is_same_or_ancestor(out, folder) or folder in out.parents:
            raise BuildError(f"{shown}: the output folder cannot be, hold or be inside "
                             f"{config.display_path(folder)}, which the build reads templates and theme files "
                             "from; choose a separate folder such as --out site/")
    if out.exists() and not out.is_dir():
        raise BuildError(f"{shown}: exists and is not a folder; remove it or choose another --out")
    if out.is_dir() and any(out.iterdir()) and not (out / MANIFEST_NAME).is_file():
        raise BuildError(f"{shown}: this folder holds files pmsite did not write; "
                         "empty it or choose another --out (pmsite only replaces sites it built)")
    return out


def _read_by_the_build(config: Config) -> list[Path]:
    """Folders whose files a build reads besides the content: theme lookup, bundled themes, git's own."""
    from pmsite.resources import themes_dir

    return [(config.root / name).resolve() for name in ("templates", "themes", ".git")] + [themes_dir().resolve()]


class SiteWriter:
    """Writes files under a temporary folder and swaps it in on ``commit``.

    Relative paths are checked so no file lands outside the folder, whatever a
    slug or a theme file is called.

    With a ``spare_dir``, the site the previous build replaced is kept there
    and the next build starts from it instead of an empty folder: a page whose
    bytes are already there costs nothing, and neither creating ~1,000 folders
    nor deleting the replaced site does. Its files may be hard links shared
    with the live site, so nothing is ever written into an existing file: a
    changed file is removed and written anew (``_clear``).
    """

    def __init__(self, out_dir: Path, spare_dir: Path | None = None) -> None:
        self.out_dir = out_dir
        self._lock = _lock_output(out_dir)
        try:
            self._start(spare_dir)
        except BaseException:
            self._lock.release()
            raise

    def _start(self, spare_dir: Path | None) -> None:
        out_dir = self.out_dir
        remove_stale_build_folders(out_dir)
        self.tmp_dir = out_dir.parent / f".{out_dir.name}.building-{os.getpid()}"
        self.spare_dir = spare_dir if spare_dir is not None and _can_hold_spare(spare_dir, out_dir) else None
        manifest = read_manifest(out_dir)
        self.previous, self.previous_keys = manifest.files, manifest.keys
        #: Folders of the live site another program filled, whose files are as that build left them.
        self.previous_folders = {folder for folder in manifest.folders if manifest.folder_intact(out_dir, folder)}
        self.hashes: dict[str, str] = {}
        #: Output path -> key of what the page was drawn from (``render.keys``), kept in the manifest.
        self.keys: dict[str, str] = {}
        #: Files whose bytes differ from the previous build (or are new).
        self.changed: set[str] = set()
        #: Output paths taken by this build (``claim``), recorded or not yet.
        self._claimed: set[str] = set()
        #: Folders filled by another program (the search index), kept whole by ``commit``.
        self._folders: set[str] = set()
        #: Parent folders this process has made sure exist.
        self._made: set[Path] = set()
        if self.tmp_dir.exists():
            shutil.rmtree(self.tmp_dir)
        #: Whether the folder being built started as a replaced site (``spare_dir``), not empty.
        self.recycled = self.spare_dir is not None and _done(os.rename, self.spare_dir, self.tmp_dir)
        #: Files already in the folder being built, with their sha256 (a recycled site's, as its manifest says).
        self.present: dict[str, str] = {}
        self._spare_folders: set[str] = set()
        if self.recycled:
            spare = read_manifest(self.tmp_dir)
            self._spare_folders = {folder for folder in spare.folders if spare.folder_intact(self.tmp_dir, folder)}
            self.present = _survey(self.tmp_dir, spare.files, self._spare_folders)
        else:
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
        if self.present.get(rel_path) == digest:
            return digest, self.previous.get(rel_path) != digest
        path = self._place(rel_path)
        if self.previous.get(rel_path) == digest and self._link_verified(rel_path, path, digest):
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
        if self.present.get(rel_path) == digest:
            return digest
        return digest if self._link_verified(rel_path, self._place(rel_path), digest) else None

    def _link_verified(self, rel_path: str, path: Path, digest: str) -> bool:
        """Hard-link the previous build's file to ``path`` if its bytes are the ones the manifest names.

        The check reads the link itself, so a file changed in between cannot slip through.
        """
        if not _done(os.link, self._previous_file(rel_path), path):
            return False
        if _sha256_of(path) == digest:
            return True
        path.unlink()
        return False

    def _place(self, rel_path: str) -> Path:
        """The path to create ``rel_path`` at: its folder made, nothing left at the path itself."""
        path = self.target(rel_path)
        if path.parent not in self._made:
            _make_folder(path.parent, self.tmp_dir)
            self._made.add(path.parent)
        if self.recycled:
            _clear(path)
        return path

    def _previous_file(self, rel_path: str) -> Path:
        return self.out_dir.joinpath(*PurePosixPath(rel_path).parts)

    def removed(self) -> set[str]:
        return set(self.previous) - set(self.hashes)

    def reuse_folder(self, rel_folder: str) -> bool:
        """Hard-link a folder of the previous build (e.g. an unchanged search index) into this one,
        if its files are as that build left them."""
        source = self.out_dir / rel_folder
        if rel_folder not in self.previous_folders:
            return False
        target = self.target(rel_folder)
        if self.recycled and _same_files(source, target):  # the recycled site has the very same files
            self._folders.add(rel_folder)
            return True
        shutil.copytree(source, self.empty_folder(rel_folder), copy_function=_link_or_copy, dirs_exist_ok=True)
        return True

    def empty_folder(self, rel_folder: str, keep: Collection[str] = ()) -> Path:
        """Claim a folder another program fills (``commit`` keeps it whole) and make sure it is not there yet.

        A recycled site may hold an older one, whose files must not be written
        into. Of those, the files at the paths in ``keep`` (inside the folder)
        stay, for a program that never opens a file it finds there.
        """
        target = self.target(rel_folder)
        self._folders.add(rel_folder)
        if self.recycled:
            _clear_except(target, keep)
        return target

    def remove_leftovers(self) -> None:
        """Delete the files a recycled site held that this build did not write, and folders left empty.

        Called once every page is written, before the search index reads the folder.
        """
        if not self.recycled:
            return
        emptied: set[Path] = set()
        for rel_path in self.present.keys() - self.hashes.keys():
            path = self.target(rel_path)
            try:
                path.unlink()
            except FileNotFoundError:
                pass
            except OSError:  # a folder of this build's files now, made where the file was
                if not path.is_dir():
                    raise
            emptied.update(path.parents)
        self.present = {}
        for folder in sorted(emptied - {self.tmp_dir, *self.tmp_dir.parents}, key=lambda p: len(p.parts), reverse=True):
            try:
                folder.rmdir()
            except OSError:  # not empty (or already gone)
                pass

    def commit(self) -> None:
        """Swap the finished folder in place of the previous site (which becomes the spare, if there is one)."""
        self.remove_leftovers()
        for rel_folder in self._spare_folders - self._folders:
            _clear(self.target(rel_folder))
        write_manifest(self.tmp_dir, self.hashes, self.keys, self._folders)
        old = self.out_dir.parent / f".{self.out_dir.name}.old-{os.getpid()}"
        if self.out_dir.exists():
            self.out_dir.rename(old)
        self.tmp_dir.rename(self.out_dir)
        if old.exists() and not (self.spare_dir is not None and _done(os.rename, old, self.spare_dir)):
            shutil.rmtree(old, ignore_errors=True)
        self._lock.release()

    def abort(self) -> None:
        shutil.rmtree(self.tmp_dir, ignore_errors=True)
        self._lock.release()


def _lock_output(out_dir: Path):
    """Hold the output folder for one build; another build waits ``LOCK_WAIT`` s, then stops with a message."""
    from filelock import FileLock, Timeout

    from pmsite.cache import digest, user_cache_home

    folder = user_cache_home() / "locks"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise BuildError(f"{folder}: cannot create the folder for build locks ({exc.strerror or exc}); "
                         "check its permissions or set XDG_CACHE_HOME") from None
    lock = FileLock(str(folder / f"{digest(str(out_dir))[:24]}.lock"))
    try:
        lock.acquire(timeout=LOCK_WAIT)
    except Timeout:
        raise BuildError(f"{out_dir}: another pmsite build is writing this folder; wait for it to finish "
                         "or choose another --out") from None
    return lock


_BUILD_FOLDER = re.compile(r"\.(?P<name>.+)\.(?:building|old)-(?P<pid>\d+)")


def remove_stale_build_folders(out_dir: Path) -> None:
    """Remove the half-built and replaced folders beside ``out_dir`` of builds whose process is gone (killed)."""
    try:
        entries = list(os.scandir(out_dir.parent))
    except OSError:
        return
    for entry in entries:
        match = _BUILD_FOLDER.fullmatch(entry.name)
        if match and match["name"] == out_dir.name and entry.is_dir(follow_symlinks=False) \
                and not _process_alive(int(match["pid"])):
            shutil.rmtree(entry.path, ignore_errors=True)


def _process_alive(pid: int) -> bool:
    if pid == os.getpid():
        return False  # this process is not building yet: the folder is from a run whose id it inherited
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True  # another user's process, or a platform that cannot tell: leave it
    return True


def _sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _survey(folder: Path, listed: dict[str, str], kept_folders: set[str]) -> dict[str, str]:
    """The files of a recycled site that its manifest lists and whose bytes match it, with their sha256.

    Everything else in it is deleted now (a file a person or another build put
    there, a folder whose files all went), except the ``kept_folders``, which
    the build deals with.
    """
    present: dict[str, str] = {}

    def walk(prefix: str, path: str) -> bool:
        """Survey one folder; True when nothing is left in it."""
        empty = True
        with os.scandir(path) as entries:
            for entry in entries:
                rel_path = prefix + entry.name
                if rel_path in kept_folders:
                    empty = False
                elif entry.is_dir(follow_symlinks=False):
                    if walk(rel_path + "/", entry.path):
                        os.rmdir(entry.path)
                    else:
                        empty = False
                elif rel_path in listed and entry.is_file(follow_symlinks=False) \
                        and _sha256_of(Path(entry.path)) == listed[rel_path]:
                    present[rel_path] = listed[rel_path]
                    empty = False
                else:
                    os.unlink(entry.path)
        return empty

    walk("", str(folder))
    return present


def _can_hold_spare(spare_dir: Path, out_dir: Path) -> bool:
    """Whether a spare site can live at ``spare_dir``: apart from ``out_dir`` and renamed into place beside it."""
    if _is_same_or_ancestor(spare_dir, out_dir) or _is_same_or_ancestor(out_dir, spare_dir):
        return False
    try:
        spare_dir.parent.mkdir(parents=True, exist_ok=True)
        return os.stat(spare_dir.parent).st_dev == os.stat(out_dir.parent).st_dev
    except OSError:
        return False


def _make_folder(folder: Path, root: Path) -> None:
    """``mkdir -p`` inside ``root``, replacing a file a recycled site has where a folder must be."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        current = root
        for part in folder.relative_to(root).parts:
            current = current / part
            if not current.is_dir():
                _clear(current)
                current.mkdir()


def _clear_except(folder: Path, keep: Collection[str], prefix: str = "") -> None:
    """Remove whatever is at ``folder`` but the files at the relative paths in ``keep`` (and their folders)."""
    if not keep or not folder.is_dir() or folder.is_symlink():
        _clear(folder)
        return
    for entry in os.scandir(folder):
        rel_path = prefix + entry.name
        if entry.is_dir(follow_symlinks=False):
            _clear_except(Path(entry.path), keep, rel_path + "/")
        elif rel_path not in keep:
            os.unlink(entry.path)


def _clear(path: Path) -> None:
    """Remove whatever is at ``path`` (a file or a folder), so what is put there is new.

    Writing into an existing file of a recycled site would change the live
    site too when the two share it as a hard link.
    """
    try:
        path.unlink()
    except FileNotFoundError:
        pass
    except OSError:  # a folder: EISDIR on Linux, EPERM on macOS
        if not path.is_dir():
            raise
        shutil.rmtree(path)


def _same_files(source: Path, target: Path) -> bool:
    """Whether ``target`` holds exactly the files of ``source``, as the same inodes (hard links)."""
    def inodes(root: Path) -> dict[str, tuple[int, int]]:
        found: dict[str, tuple[int, int]] = {}
        for folder, _, names in os.walk(root):
            for name in names:
                info = os.lstat(os.path.join(folder, name))
                found[os.path.relpath(os.path.join(folder, name), root)] = (info.st_dev, info.st_ino)
        return found

    try:
        return target.is_dir() and inodes(source) == inodes(target)
    except OSError:
        return False


def _done(operation: Callable[[Path, Path], None], source: Path, target: Path) -> bool:
    """``os.link`` or ``os.rename``; False when it cannot be done (the target is taken, the source
    gone, or the file system has no hard links), which only costs the caller a slower way."""
    try:
        operation(source, target)
    except OSError:
        return False
    return True


def _link_or_copy(source: str, target: str) -> None:
    if not _done(os.link, Path(source), Path(target)):
        shutil.copy2(source, target)
