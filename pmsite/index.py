"""Stage 7, index: the Pagefind search index, built from the written HTML.

The whole site is indexed by one run of the Pagefind binary that the
``pagefind`` package installs, over the site folder. The package's Python API
drives the same binary as a service, which answers each call after at least
100 ms and, on 1,000 postmortems, took 1 to 1.5 s longer for one
``add_directory`` than the command does. The run is limited to the pages that
have something to index. Only elements marked ``data-pagefind-body`` (postmortem
pages) are indexed; their filters (severity, type, service, team, tag, year)
and metadata come from ``data-pagefind-filter`` and ``data-pagefind-meta``
attributes in the theme.

Pagefind takes seconds of CPU on a big site, and uses a second core only part
of that time, so ``SiteIndexer`` starts it as soon as the postmortem pages are
written, while the lists, reports and feeds are drawn; if a theme marks other
pages too, it is started again over all of them once they are written.

Most of a re-index after an edit went into compressing files Pagefind had
written before: each page's fragment, each chunk of the word index, at gzip's
best level. Those files are named by a hash of what they hold, and Pagefind
does not write one that is already there, so a re-index starts from the
previous index's hashed files (``_seed``, hard links: Pagefind never writes into
them) and deletes the ones the new index does not name (``_prune``).
"""

from __future__ import annotations

import gzip
import importlib
import json
import os
import shutil
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pmsite.errors import BuildError
from pmsite.render.output import SiteWriter

#: The folder inside the site where the search bundle goes (the theme loads it from there).
BUNDLE_FOLDER = "pagefind"


@dataclass(frozen=True)
class IndexResult:
    pages: int


#: Characters with a meaning in Pagefind's (wax) globs; a path holding one is not listed by name.
_GLOB_SPECIAL = frozenset("*?[]{}()<>:!#\\,")
#: The longest glob passed as one argument (Linux refuses an argument over 128 KB).
_ARGUMENT_LIMIT = 100_000


#: Pagefind's hashed files, by folder and suffix: named by what they hold, never rewritten by a run that
#: finds one in place. The rest of the bundle (scripts, styles, the entry file) is written on every run.
_HASHED = (("fragment", ".pf_fragment"), ("index", ".pf_index"), ("filter", ".pf_filter"))


def _marked(site_dir: Path, paths: Iterable[str]) -> list[str]:
    """Which of these HTML files hold ``data-pagefind-body``: the only pages Pagefind then indexes."""
    return sorted(path for path in paths if b"data-pagefind-body" in (site_dir / path).read_bytes())


def _html_files(site_dir: Path) -> list[str]:
    return [path.relative_to(site_dir).as_posix() for path in site_dir.rglob("*.html")
            if BUNDLE_FOLDER not in path.relative_to(site_dir).parts[:1]]


def _hashed_files(bundle: Path) -> Iterable[Path]:
    for folder, suffix in _HASHED:
        if (bundle / folder).is_dir():
            yield from (path for path in (bundle / folder).iterdir() if path.name.endswith(suffix))


def _hashed_names(bundle: Path) -> set[str]:
    """The hashed files of ``bundle`` as paths inside it (``fragment/en_1a2b3c4.pf_fragment``)."""
    return {f"{path.parent.name}/{path.name}" for path in _hashed_files(bundle)}


def _seed(bundle: Path, previous: Path) -> list[Path]:
    """Give ``bundle`` the previous index's hashed files; returns them (those it had already, and links).

    Pagefind then skips every fragment and chunk it would write the same: on
    1,000 postmortems with one edited, its run took 4.2 s instead of 5.5 s. A
    recycled site's bundle keeps the files the previous index shares with it
    (``SiteIndexer``): a file of the same name holds the same bytes.
    """
    present = _hashed_names(bundle)
    seeded = []
    for name in sorted(_hashed_names(previous)):
        target = bundle / name
        if name not in present:
            target.parent.mkdir(parents=True, exist_ok=True)
            try:
                os.link(previous / name, target)
            except OSError:  # another file system, or no hard links: Pagefind writes whatever is missing
                break
        seeded.append(target)
    return seeded


def _prune(bundle: Path, seeded: list[Path], version: str | None) -> bool:
    """Delete the seeded files the new index does not use; False when they do not suit it.

    They suit it when the Pagefind ``version`` that wrote them wrote the new
    index too. The index's meta file names every fragment and chunk it uses.
    Should a Pagefind version stop naming them there, fewer fragments than pages
    would be found named: then nothing is deleted and False is returned.
    """
    try:
        entry = _entry(bundle)
        if entry.get("version") != version:
            return False
        languages = list(entry["languages"].values())
        metas = [gzip.decompress((bundle / f"pagefind.{language['hash']}.pf_meta").read_bytes())
                 for language in languages]
        pages = sum(int(language["page_count"]) for language in languages)
    except (OSError, ValueError, KeyError, TypeError, EOFError):
        return False

    def used(path: Path) -> bool:
        return any(path.stem.encode() in meta for meta in metas)

    fragments = [path for path in _hashed_files(bundle) if path.parent.name == "fragment"]
    if sum(map(used, fragments)) < pages:
        return False
    for path in seeded:
        if not used(path):
            path.unlink()
    return True


def _glob(pages: list[str], exact: bool = False) -> str | None:
    """A glob for Pagefind naming these pages, or None (every page) when none can.

    Each page is named when the glob fits in one command-line argument (Linux
    takes 128 KB); a bigger site's pages are named by their shape instead
    (``postmortems/*/index.html``), which may take in unmarked pages too:
    Pagefind then reads them and leaves them out, as it does any unmarked page
    once one page is marked. ``exact`` refuses such a glob (the other pages may
    still be being written).
    """
    if not pages or any(_GLOB_SPECIAL.intersection(path) for path in pages):
        return None
    named = "{" + ",".join(pages) + "}"
    if len(named.encode()) <= _ARGUMENT_LIMIT:
        return named
    if exact:
        return None
    shaped = "{" + ",".join(sorted({_shape(path) for path in pages})) + "}"
    return shaped if len(shaped.encode()) <= _ARGUMENT_LIMIT else None


def _shape(path: str) -> str:
    """``postmortems/x/index.html`` -> ``postmortems/*/index.html``: the page's folder left open."""
    parts = path.split("/")
    return "/".join([*parts[:-2], "*", parts[-1]]) if len(parts) > 1 else path


def _marked_pages_glob(site_dir: Path, pages: Iterable[str] | None = None) -> str | None:
    """A glob naming the pages with ``data-pagefind-body``, the only ones Pagefind indexes.

    Pagefind parses every HTML file it is given, so listing only these skips the
    index pages (large lists of every postmortem). None (every page) when no page
    is marked, as Pagefind then indexes them all, or a path cannot be named in a glob.
    ``pages`` are the site's HTML files when known (default: found in the folder).
    """
    return _glob(_marked(site_dir, _html_files(site_dir) if pages is None else pages))


def _entry(bundle: Path) -> dict[str, Any]:
    """The bundle's ``pagefind-entry.json``; OSError or ValueError when it cannot be read."""
    entry = json.loads((bundle / "pagefind-entry.json").read_text(encoding="utf-8"))
    if not isinstance(entry, dict):
        raise ValueError("pagefind-entry.json does not hold an object")
    return entry


def _version(bundle: Path) -> str | None:
    """The version of Pagefind that wrote ``bundle``, or None when it has no readable entry file."""
    try:
        version = _entry(bundle).get("version")
    except (OSError, ValueError):
        return None
    return version if isinstance(version, str) and version else None


def _indexed_pages(bundle: Path) -> int:
    """Pages that made it into the index (Pagefind counts every HTML file it read)."""
    entry = _entry(bundle)
    return sum(int(language.get("page_count", 0)) for language in entry.get("languages", {}).values())


def _pagefind_binary() -> Path | None:
    """The binary ``pagefind.service.get_executable`` finds, looked up the same way without importing it.

    That module imports asyncio: 0.03 s alone, up to 0.1 s while page workers
    compete for the cores, all of it before the re-index after an edit can start.
    The order is the package's: ``PAGEFIND_BINARY_PATH``, the ``pagefind_bin_extended``
    and ``pagefind_bin`` packages, then ``pagefind_extended`` or ``pagefind`` on the PATH.
    """
    configured = os.environ.get("PAGEFIND_BINARY_PATH")
    if configured is not None:
        return Path(configured)
    for package in ("pagefind_bin_extended", "pagefind_bin"):
        try:
            return Path(importlib.import_module(package).get_executable())
        except ImportError:
            continue
        except FileNotFoundError:  # the package is there, its binary is not
            return None
    found = shutil.which("pagefind_extended") or shutil.which("pagefind")
    return Path(found) if found else None


class _PagefindRun:
    """One run of the Pagefind binary over ``site_dir`` (the pages of ``glob``, or all), writing ``pagefind/``.

    With ``previous`` (an earlier index of the site) it starts from that index's
    hashed files and, once done, deletes those the new index does not use.
    """

    def __init__(self, site_dir: Path, glob: str | None, language: str, previous: Path | None = None) -> None:
        executable = _pagefind_binary()
        if executable is None:
            raise BuildError("search index: the pagefind binary is missing; reinstall pmsite "
                             "(pip install --force-reinstall 'pagefind[bin]')")
        self.bundle = site_dir / BUNDLE_FOLDER
        self._site_dir = site_dir
        self._command = [str(executable), "--site", str(site_dir), "--output-path", str(self.bundle),
                         "--force-language", language, "--quiet"]
        if glob is not None:
            self._command += ["--glob", glob]
        #: The Pagefind version that wrote ``previous``: its files are only reused by the same version.
        self._previous_version = _version(previous) if previous is not None else None
        self._seeded = _seed(self.bundle, previous) if self._previous_version else []
        self._start()

    def _start(self) -> None:
        # Pagefind also reads its settings from PAGEFIND_* variables and a pagefind.yml in its folder: not here.
        environment = {name: value for name, value in os.environ.items() if not name.startswith("PAGEFIND_")}
        try:
            self._process = subprocess.Popen(self._command, cwd=self._site_dir, env=environment,
                                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        except OSError as exc:
            raise BuildError(f"search index: pagefind failed ({exc}); the previous site is untouched") from None

    def wait(self) -> IndexResult:
        result = self._finished()
        if self._seeded and not _prune(self.bundle, self._seeded, self._previous_version):
            shutil.rmtree(self.bundle)  # its files may be stale, or another version's: index from nothing instead
            self._seeded = []
            self._start()
            result = self._finished()
        return result

    def _finished(self) -> IndexResult:
        stdout, stderr = self._process.communicate()
        if self._process.returncode != 0:
            reason = (stderr.strip() or stdout.strip() or f"exit code {self._process.returncode}").splitlines()[-1]
            raise BuildError(f"search index: pagefind failed ({reason}); the previous site is untouched")
        try:
            return IndexResult(pages=_indexed_pages(self.bundle))
        except (OSError, ValueError) as exc:
            raise BuildError(f"search index: pagefind failed ({exc}); the previous site is untouched") from None

    def stop(self) -> None:
        """End the run and remove what it wrote: a file it was writing may be cut short, under a name a
        later run would take for done (Pagefind skips a hashed file it finds)."""
        if self._process.poll() is None:
            self._process.kill()
        self._process.communicate()
        shutil.rmtree(self.bundle, ignore_errors=True)


def build_index(site_dir: Path, language: str = "en", pages: Iterable[str] | None = None,
                previous: Path | None = None) -> IndexResult:
    """Index the HTML pages under ``site_dir`` (all, or ``pages``) and write the bundle to ``site_dir/pagefind``.

    ``previous`` is an earlier index of the same site, whose unchanged files are reused.
    """
    return _PagefindRun(site_dir, _marked_pages_glob(site_dir, pages), language, previous).wait()


class SiteIndexer:
    """The index stage of a build, begun while the render stage still writes pages.

    ``postmortems_written`` starts Pagefind over the marked pages written so far
    when one of them changed (so a new index is certain): it runs while the
    other pages are drawn, which after one edit took 0.3 s off a build of 1,000
    postmortems, and more after many. ``finish`` waits for it, runs it again if
    pages written later are marked too, or reuses the previous site's index
    when no HTML changed. ``close`` stops a run a failed build leaves.
    """

    def __init__(self, writer: SiteWriter, language: str) -> None:
        self._writer = writer
        self._language = language
        self._early: _PagefindRun | None = None
        self._early_pages: set[str] = set()

    def postmortems_written(self, paths: list[str]) -> None:
        if self._writer.changed.isdisjoint(paths):
            return
        marked = _marked(self._writer.tmp_dir, paths)
        glob = _glob(marked, exact=True)
        if glob is not None:  # without a glob naming them, Pagefind would read pages still being written
            self._empty_bundle()
            self._early = _PagefindRun(self._writer.tmp_dir, glob, self._language, self._previous_index())
            self._early_pages = set(marked)

    def finish(self, html_changed: bool) -> tuple[IndexResult, bool]:
        """The index of the finished folder, and whether it is the previous site's, reused."""
        site_dir = self._writer.tmp_dir
        pages = [path for path in self._writer.hashes if path.endswith(".html")]  # the folder holds these alone now
        if self._early is not None:
            others = _marked(site_dir, set(pages) - self._early_pages)
            if not others:
                result = self._early.wait()
                self._early = None  # done: nothing for ``close`` to stop
                return result, False
            self._early.stop()
            self._early = None
        elif not html_changed and self._writer.reuse_folder(BUNDLE_FOLDER):
            return IndexResult(pages=0), True
        self._empty_bundle()
        return build_index(site_dir, self._language, pages, self._previous_index()), False

    def _previous_index(self) -> Path | None:
        """The live site's index (the folder being built replaces that site), when its files are the ones
        the build that wrote them left: Pagefind keeps a hashed file it finds, whatever it holds."""
        if BUNDLE_FOLDER not in self._writer.previous_folders:
            return None
        return self._writer.out_dir / BUNDLE_FOLDER

    def _empty_bundle(self) -> None:
        """Make way for a new index, keeping the recycled site's hashed files the live index has too."""
        previous = self._previous_index()
        keep = _hashed_names(previous) if previous is not None and _version(previous) else ()
        self._writer.empty_folder(BUNDLE_FOLDER, keep)

    @property
    def started_early(self) -> bool:
        """Whether Pagefind is running over the postmortem pages while other pages render."""
        return self._early is not None

    def close(self) -> None:
        if self._early is not None:
            self._early.stop()
            self._early = None

    def __enter__(self) -> SiteIndexer:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
