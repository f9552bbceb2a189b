"""The Pagefind index: one run over the site, only postmortem pages, with filters and metadata."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from pmsite.config import load_config
from pmsite.errors import BuildError
from pmsite import index
from pmsite.index import SiteIndexer, build_index
from pmsite.pipeline import build
from pmsite.render.output import SiteWriter
from tests.processes import no_child_processes
from tests.render.site_fixture import make_site


def test_index_holds_only_marked_pages(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "index.html").write_text(
        '<html><body><main data-pagefind-body><h1>Cache flush</h1>'
        '<span data-pagefind-filter="severity">SEV2</span></main></body></html>')
    (tmp_path / "b.html").write_text("<html><body><h1>Unmarked</h1></body></html>")
    assert build_index(tmp_path).pages == 1
    assert (tmp_path / "pagefind" / "pagefind-ui.js").is_file()


def test_built_site_indexes_each_published_postmortem_once(tmp_path):
    make_site(tmp_path)
    result = build(load_config(tmp_path), as_of=dt.date(2024, 7, 15))
    bundle = tmp_path / "site" / "pagefind"
    assert result.indexed_pages == 3
    entry = json.loads((bundle / "pagefind-entry.json").read_text())
    assert entry["languages"]["en"]["page_count"] == 3


def _fragments(bundle) -> dict[str, dict]:
    """URL -> what Pagefind stored of each page: its searchable text, filters and metadata."""
    import gzip

    stored = [json.loads(gzip.decompress(path.read_bytes()).removeprefix(b"pagefind_dcd"))
              for path in (bundle / "fragment").glob("*.pf_fragment")]
    return {fragment["url"]: fragment for fragment in stored}


def test_the_summary_card_filters_a_search_but_only_prose_and_item_titles_are_searched(tmp_path):
    """Labels such as 'Time to detect' are on every page: as search text they would match them all."""
    make_site(tmp_path)
    build(load_config(tmp_path), as_of=dt.date(2024, 7, 15))
    page = _fragments(tmp_path / "site" / "pagefind")["/postmortems/2024-03-07-checkout-latency-after-cache-flush/"]
    assert page["filters"]["severity"] == ["SEV2"] and page["filters"]["service"] == ["checkout", "redis"]
    assert page["meta"]["date"] == "2024-03-07"
    assert "refill time grew with the key count" in page["content"]  # the body
    assert "AI-1: Add a circuit breaker to the payment client. payments-team." in page["content"]  # title, owner
    for label in ("Time to detect", "Blamelessness", "Priority", "Detected by"):
        assert label not in page["content"]


def test_only_marked_pages_are_given_to_pagefind_and_unmarked_sites_index_everything(tmp_path):
    from pmsite.index import _marked_pages_glob

    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "index.html").write_text("<html><body><main data-pagefind-body>x</main></body></html>")
    (tmp_path / "list.html").write_text("<html><body><h1>All</h1></body></html>")
    assert _marked_pages_glob(tmp_path) == "{a/index.html}"
    (tmp_path / "a" / "index.html").write_text("<html><body><h1>Unmarked</h1></body></html>")
    assert _marked_pages_glob(tmp_path) is None
    assert build_index(tmp_path).pages == 2


def test_pagefind_settings_from_the_environment_do_not_change_the_index(tmp_path, monkeypatch):
    (tmp_path / "a.html").write_text("<html><body><h1>One</h1></body></html>")
    (tmp_path / "b.html").write_text("<html><body><h1>Two</h1></body></html>")
    monkeypatch.setenv("PAGEFIND_GLOB", "nothing/*.html")  # the Pagefind command reads its options from these
    assert build_index(tmp_path).pages == 2


def test_a_failing_pagefind_is_a_one_line_build_error(tmp_path, monkeypatch):
    (tmp_path / "a.html").write_text("<html><body><main data-pagefind-body>x</main></body></html>")
    monkeypatch.setenv("PAGEFIND_BINARY_PATH", "/bin/false")  # the pagefind package's own switch of binary
    with pytest.raises(BuildError, match=r"^search index: pagefind failed \(exit code 1\); the previous site"):
        build_index(tmp_path)


MARKED = '<html><body><main data-pagefind-body><h1>{}</h1></main></body></html>'
UNMARKED = '<html><body><h1>{}</h1></body></html>'


def _write(writer: SiteWriter, pages: dict[str, str]) -> list[str]:
    for path, html in pages.items():
        writer.write(path, html)
    return list(pages)


def test_the_index_starts_on_the_postmortem_pages_while_the_others_are_written(tmp_path):
    writer = SiteWriter(tmp_path / "site")
    with SiteIndexer(writer, "en") as indexer:
        indexer.postmortems_written(_write(writer, {"postmortems/a/index.html": MARKED.format("Cache flush"),
                                                   "postmortems/b/index.html": MARKED.format("Certificate")}))
        assert indexer.started_early
        _write(writer, {"index.html": UNMARKED.format("Home"), "tags/x/index.html": UNMARKED.format("Tag")})
        index, reused = indexer.finish(html_changed=True)
    writer.commit()
    assert index.pages == 2 and not reused and (tmp_path / "site" / "pagefind" / "pagefind-entry.json").is_file()


def test_a_page_marked_later_makes_the_index_start_again_over_every_marked_page(tmp_path):
    writer = SiteWriter(tmp_path / "site")
    with SiteIndexer(writer, "en") as indexer:
        indexer.postmortems_written(_write(writer, {"postmortems/a/index.html": MARKED.format("Cache flush")}))
        assert indexer.started_early
        _write(writer, {"digests/2024-03/index.html": MARKED.format("March digest")})  # a theme that marks digests
        index, _ = indexer.finish(html_changed=True)
    assert index.pages == 2 and no_child_processes()
    bundle = writer.tmp_dir / "pagefind"
    assert set(_bundle_files(bundle)) == _named_by_the_index(bundle)  # nothing left of the stopped run


def test_unchanged_postmortem_pages_start_nothing_and_an_unchanged_site_reuses_its_index(tmp_path):
    pages = {"postmortems/a/index.html": MARKED.format("Cache flush"), "index.html": UNMARKED.format("Home")}
    for build_number in range(2):
        writer = SiteWriter(tmp_path / "site")
        with SiteIndexer(writer, "en") as indexer:
            indexer.postmortems_written(_write(writer, {"postmortems/a/index.html": pages["postmortems/a/index.html"]}))
            assert indexer.started_early == (build_number == 0)
            _write(writer, {"index.html": pages["index.html"]})
            index, reused = indexer.finish(html_changed=bool(writer.changed))
        writer.commit()
        assert (index.pages, reused) == ((1, False) if build_number == 0 else (0, True))


def test_a_site_too_big_to_name_every_page_in_one_argument_is_indexed_by_the_pages_shape(tmp_path):
    """5,000 postmortem pages are ~220 KB of names: Linux refuses one argument over 128 KB."""
    for number in range(3000):
        page = tmp_path / "postmortems" / f"2024-01-01-a-rather-long-incident-slug-{number:05d}" / "index.html"
        page.parent.mkdir(parents=True)
        page.write_text(MARKED.format(f"Incident {number}"))
    (tmp_path / "postmortems" / "index.html").write_text(UNMARKED.format("All postmortems"))
    assert build_index(tmp_path).pages == 3000


def _bundle_files(bundle) -> dict[str, int]:
    """Hashed file (``fragment/en_abc.pf_fragment``) -> its inode."""
    return {f"{p.parent.name}/{p.name}": p.stat().st_ino
            for p in bundle.glob("*/*") if p.suffix in (".pf_fragment", ".pf_index", ".pf_filter")}


def _named_by_the_index(bundle) -> set[str]:
    """The hashed files the index's meta file names (what a search may fetch)."""
    import gzip

    entry = json.loads((bundle / "pagefind-entry.json").read_text())
    meta = gzip.decompress((bundle / f"pagefind.{entry['languages']['en']['hash']}.pf_meta").read_bytes())
    return {name for name in _bundle_files(bundle) if name.split("/")[1].rsplit(".", 1)[0].encode() in meta}


def _edit_and_rebuild(root, repo):
    path = "content/postmortems/2024-03-07-checkout-latency-after-cache-flush.md"
    text = (root / path).read_text()
    repo.write(path, text.replace("refill time grew with the key count", "refill time grew with the zanzibar count"))
    return build(load_config(root), as_of=dt.date(2024, 7, 15))


def test_a_reindex_reuses_the_unchanged_files_and_keeps_none_the_new_index_does_not_name(tmp_path):
    repo = make_site(tmp_path)
    build(load_config(tmp_path), as_of=dt.date(2024, 7, 15))
    bundle = tmp_path / "site" / "pagefind"
    before = _bundle_files(bundle)
    result = _edit_and_rebuild(tmp_path, repo)
    after = _bundle_files(bundle)
    assert result.indexed_pages == 3 and set(after) == _named_by_the_index(bundle)
    fragments = _fragments(bundle)
    assert "zanzibar" in fragments["/postmortems/2024-03-07-checkout-latency-after-cache-flush/"]["content"]
    kept = {name for name in after if before.get(name) == after[name]}  # the very files of the previous index
    assert len([name for name in kept if name.startswith("fragment/")]) == 2  # the two pages not edited
    assert set(before) - set(after)  # the edited page's old fragment, and the chunks that named it, are gone


def test_an_index_whose_files_cannot_be_told_from_stale_ones_is_made_from_nothing(tmp_path, monkeypatch):
    """Should a Pagefind version stop naming its files in the meta file, the reused ones could be stale."""
    repo = make_site(tmp_path)
    build(load_config(tmp_path), as_of=dt.date(2024, 7, 15))
    before = _bundle_files(tmp_path / "site" / "pagefind")
    monkeypatch.setattr(index, "_prune", lambda bundle, seeded, version: False)
    result = _edit_and_rebuild(tmp_path, repo)
    after = _bundle_files(tmp_path / "site" / "pagefind")
    assert result.indexed_pages == 3 and set(after) == _named_by_the_index(tmp_path / "site" / "pagefind")
    assert not set(before.values()) & set(after.values())  # nothing of the previous index is left


def test_an_index_another_pagefind_version_wrote_is_not_reused(tmp_path):
    repo = make_site(tmp_path)
    build(load_config(tmp_path), as_of=dt.date(2024, 7, 15))
    bundle = tmp_path / "site" / "pagefind"
    entry = json.loads((bundle / "pagefind-entry.json").read_text())
    (bundle / "pagefind-entry.json").unlink()  # a new file: the live one is not written into
    (bundle / "pagefind-entry.json").write_text(json.dumps({**entry, "version": "0.9.0"}))
    before = _bundle_files(bundle)
    result = _edit_and_rebuild(tmp_path, repo)
    after = _bundle_files(bundle)
    assert result.indexed_pages == 3 and set(after) == _named_by_the_index(bundle)
    assert not set(before.values()) & set(after.values())


def test_the_binary_is_the_one_the_pagefind_package_would_run(monkeypatch):
    from pagefind.service import get_executable

    assert index._pagefind_binary() == get_executable() and index._pagefind_binary().is_file()
    monkeypatch.setenv("PAGEFIND_BINARY_PATH", "/opt/pagefind")
    assert index._pagefind_binary() == get_executable() == Path("/opt/pagefind")


def test_a_recycled_site_keeps_only_the_hashed_files_the_live_index_shares(tmp_path):
    """From the third build on, the folder being built is the site two builds old, index included."""
    repo = make_site(tmp_path)
    build(load_config(tmp_path), as_of=dt.date(2024, 7, 15))
    _edit_and_rebuild(tmp_path, repo)
    live = tmp_path / "site" / "pagefind"
    live_bytes = {path: path.read_bytes() for path in live.rglob("*") if path.is_file()}
    path = "content/postmortems/2024-05-02-search-slow-after-synonym-deploy.md"
    repo.write(path, (tmp_path / path).read_text().replace("## Summary", "## Summary\n\nA quokka was seen."))
    result = build(load_config(tmp_path), as_of=dt.date(2024, 7, 15))
    bundle = tmp_path / "site" / "pagefind"
    assert result.indexed_pages == 3 and set(_bundle_files(bundle)) == _named_by_the_index(bundle)
    assert "quokka" in _fragments(bundle)["/postmortems/2024-05-02-search-slow-after-synonym-deploy/"]["content"]
    spare = load_config(tmp_path).cache_dir("site") / "replaced" / "pagefind"  # the site this build replaced
    assert {spare / p.relative_to(live): data for p, data in live_bytes.items()} == {
        p: p.read_bytes() for p in spare.rglob("*") if p.is_file()}
