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
"""

from __future__ import annotations

import json
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

from pmsite.errors import BuildError

#: The folder inside the site where the search bundle goes (the theme loads it from there).
BUNDLE_FOLDER = "pagefind"


@dataclass(frozen=True)
class IndexResult:
    pages: int


#: Characters with a meaning in Pagefind's (wax) globs; a path holding one is not listed by name.
_GLOB_SPECIAL = frozenset("*?[]{}()<>:!#\\,")


def _marked_pages_glob(site_dir: Path) -> str | None:
    """A glob naming the pages with ``data-pagefind-body``, the only ones Pagefind indexes.

    Pagefind parses every HTML file it is given, so listing only these skips the
    index pages (large lists of every postmortem). None (every page) when no page
    is marked, as Pagefind then indexes them all, or a path cannot be named in a glob.
    """
    marked = sorted(path.relative_to(site_dir).as_posix() for path in site_dir.rglob("*.html")
                    if b"data-pagefind-body" in path.read_bytes())
    if not marked or any(_GLOB_SPECIAL.intersection(path) for path in marked):
        return None
    return "{" + ",".join(marked) + "}"


def _indexed_pages(bundle: Path) -> int:
    """Pages that made it into the index (Pagefind counts every HTML file it read)."""
    entry = json.loads((bundle / "pagefind-entry.json").read_text(encoding="utf-8"))
    return sum(int(language.get("page_count", 0)) for language in entry.get("languages", {}).values())


def build_index(site_dir: Path, language: str = "en") -> IndexResult:
    """Index every HTML page under ``site_dir`` and write the bundle to ``site_dir/pagefind``."""
    from pagefind.service import get_executable  # imported here: it brings asyncio, which a warm build never needs

    executable = get_executable()
    if executable is None:
        raise BuildError("search index: the pagefind binary is missing; reinstall pmsite "
                         "(pip install --force-reinstall 'pagefind[bin]')")
    command = [str(executable), "--site", str(site_dir), "--output-path", str(site_dir / BUNDLE_FOLDER),
               "--force-language", language, "--quiet"]
    glob = _marked_pages_glob(site_dir)
    if glob is not None:
        command += ["--glob", glob]
    # Pagefind also reads its settings from PAGEFIND_* variables and a pagefind.yml in its folder: not here.
    environment = {name: value for name, value in os.environ.items() if not name.startswith("PAGEFIND_")}
    try:
        run = subprocess.run(command, cwd=site_dir, env=environment, capture_output=True, text=True)
        if run.returncode != 0:
            reason = (run.stderr.strip() or run.stdout.strip() or f"exit code {run.returncode}").splitlines()[-1]
            raise BuildError(f"search index: pagefind failed ({reason}); the previous site is untouched")
        pages = _indexed_pages(site_dir / BUNDLE_FOLDER)
    except (OSError, ValueError) as exc:
        raise BuildError(f"search index: pagefind failed ({exc}); the previous site is untouched") from None
    return IndexResult(pages=pages)
