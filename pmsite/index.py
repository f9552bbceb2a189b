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
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

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


def _marked(site_dir: Path, paths: Iterable[str]) -> list[str]:
    """Which of these HTML files hold ``data-pagefind-body``: the only pages Pagefind then indexes."""
    return sorted(path for path in paths if b"data-pagefind-body" in (site_dir / path).read_bytes())


def _html_files(site_dir: Path) -> list[str]:
    return [path.relative_to(site_dir).as_posix() for path in site_dir.rglob("*.html")
            if BUNDLE_FOLDER not in path.relative_to(site_dir).parts[:1]]


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


def _marked_pages_glob(site_dir: Path) -> str | None:
    """A glob naming the pages with ``data-pagefind-body``, the only ones Pagefind indexes.

    Pagefind parses every HTML file it is given, so listing only these skips the
    index pages (large lists of every postmortem). None (every page) when no page
    is marked, as Pagefind then indexes them all, or a path cannot be named in a glob.
    """
    return _glob(_marked(site_dir, _html_files(site_dir)))


def _indexed_pages(bundle: Path) -> int:
    """Pages that made it into the index (Pagefind counts every HTML file it read)."""
    entry = json.loads((bundle / "pagefind-entry.json").read_text(encoding="utf-8"))
    return sum(int(language.get("page_count", 0)) for language in entry.get("languages", {}).values())


class _PagefindRun:
    """One run of the Pagefind binary over ``site_dir`` (the pages of ``glob``, or all), writing ``pagefind/``."""

    def __init__(self, site_dir: Path, glob: str | None, language: str) -> None:
        from pagefind.service import get_executable  # imported here: it brings asyncio, which a warm build never needs

        executable = get_executable()
        if executable is None:
            raise BuildError("search index: the pagefind binary is missing; reinstall pmsite "
                             "(pip install --force-reinstall 'pagefind[bin]')")
        self.bundle = site_dir / BUNDLE_FOLDER
        command = [str(executable), "--site", str(site_dir), "--output-path", str(self.bundle),
                   "--force-language", language, "--quiet"]
        if glob is not None:
            command += ["--glob", glob]
        # Pagefind also reads its settings from PAGEFIND_* variables and a pagefind.yml in its folder: not here.
        environment = {name: value for name, value in os.environ.items() if not name.startswith("PAGEFIND_")}
        try:
            self._process = subprocess.Popen(command, cwd=site_dir, env=environment, stdout=subprocess.PIPE,
                                             stderr=subprocess.PIPE, text=True)
        except OSError as exc:
            raise BuildError(f"search index: pagefind failed ({exc}); the previous site is untouched") from None

    def wait(self) -> IndexResult:
        stdout, stderr = self._process.communicate()
        if self._process.returncode != 0:
            reason = (stderr.strip() or stdout.strip() or f"exit code {self._process.returncode}").splitlines()[-1]
            raise BuildError(f"search index: pagefind failed ({reason}); the previous site is untouched")
        try:
            return IndexResult(pages=_indexed_pages(self.bundle))
        except (OSError, ValueError) as exc:
            raise BuildError(f"search index: pagefind failed ({exc}); the previous site is untouched") from None

    def stop(self) -> None:
        if self._process.poll() is None:
            self._process.kill()
        self._process.communicate()


def build_index(site_dir: Path, language: str = "en") -> IndexResult:
    """Index every HTML page under ``site_dir`` and write the bundle to ``site_dir/pagefind``."""
    return _PagefindRun(site_dir, _marked_pages_glob(site_dir), language).wait()


#: Starting Pagefind while the other pages render pays when many pages are drawn anew, as in a cold
#: build; after an edit or two little is left to draw, and Pagefind would only compete with it.
EARLY_START_CHANGED = 64


class SiteIndexer:
    """The index stage of a build, begun while the render stage still writes pages.

    ``postmortems_written`` starts Pagefind over the marked pages written so far
    when many of them changed (so a new index is certain, and much is left to
    draw); ``finish`` waits for it, runs it again if pages written later are
    marked too, or reuses the previous site's index when no HTML changed.
    ``close`` stops a run a failed build leaves.
    """

    def __init__(self, writer: SiteWriter, language: str) -> None:
        self._writer = writer
        self._language = language
        self._early: _PagefindRun | None = None
        self._early_pages: set[str] = set()

    def postmortems_written(self, paths: list[str]) -> None:
        if len(self._writer.changed.intersection(paths)) < EARLY_START_CHANGED:
            return
        marked = _marked(self._writer.tmp_dir, paths)
        glob = _glob(marked, exact=True)
        if glob is not None:  # without a glob naming them, Pagefind would read pages still being written
            self._writer.empty_folder(BUNDLE_FOLDER)
            self._early = _PagefindRun(self._writer.tmp_dir, glob, self._language)
            self._early_pages = set(marked)

    def finish(self, html_changed: bool) -> tuple[IndexResult, bool]:
        """The index of the finished folder, and whether it is the previous site's, reused."""
        site_dir = self._writer.tmp_dir
        if self._early is not None:
            others = _marked(site_dir, set(_html_files(site_dir)) - self._early_pages)
            if not others:
                return self._early.wait(), False
            self._early.stop()
            self._early = None
        elif not html_changed and self._writer.reuse_folder(BUNDLE_FOLDER):
            return IndexResult(pages=0), True
        self._writer.empty_folder(BUNDLE_FOLDER)
        return build_index(site_dir, self._language), False

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
