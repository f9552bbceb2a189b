"""Stage 7, index: the Pagefind search index, built from the written HTML.

The whole site is indexed with one ``add_directory`` call: the Python wrapper
spends at least 100 ms on every ``add_html_file`` call, while one directory
scan indexes a thousand pages in about half a second; the scan is limited to
the pages that have something to index. Only elements marked
``data-pagefind-body`` (postmortem pages) are indexed; their filters
(severity, type, service, team, tag, year) and metadata come from
``data-pagefind-filter`` and ``data-pagefind-meta`` attributes in the theme.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from pathlib import Path

from pagefind.index import IndexConfig, PagefindIndex

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


async def _index(site_dir: Path, language: str) -> None:
    config = IndexConfig(force_language=language, output_path=str(site_dir / BUNDLE_FOLDER))
    glob = _marked_pages_glob(site_dir)
    async with PagefindIndex(config=config) as index:
        await index.add_directory(str(site_dir), glob=glob)


def _indexed_pages(bundle: Path) -> int:
    """Pages that made it into the index (``add_directory`` counts every HTML file it read)."""
    entry = json.loads((bundle / "pagefind-entry.json").read_text(encoding="utf-8"))
    return sum(int(language.get("page_count", 0)) for language in entry.get("languages", {}).values())


def build_index(site_dir: Path, language: str = "en") -> IndexResult:
    """Index every HTML page under ``site_dir`` and write the bundle to ``site_dir/pagefind``."""
    try:
        asyncio.run(_index(site_dir, language))
        pages = _indexed_pages(site_dir / BUNDLE_FOLDER)
    except Exception as exc:  # the pagefind service reports failures as bare exceptions
        raise BuildError(f"search index: pagefind failed ({exc}); the previous site is untouched") from None
    return IndexResult(pages=pages)
