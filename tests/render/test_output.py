"""SiteWriter: the swap into place, and starting from the site the previous build replaced (the spare)."""

from __future__ import annotations

import os
from pathlib import Path

from pmsite.render.output import MANIFEST_NAME, SiteWriter


def _build(out: Path, spare: Path | None, files: dict[str, str]) -> SiteWriter:
    writer = SiteWriter(out, spare_dir=spare)
    for rel_path, text in files.items():
        writer.write(rel_path, text)
    writer.commit()
    return writer


def _tree(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): p.read_text() for p in folder.rglob("*")
            if p.is_file() and p.name != MANIFEST_NAME}


def test_the_replaced_site_becomes_the_spare_and_the_next_build_starts_from_it(tmp_path):
    out, spare = tmp_path / "site", tmp_path / "cache" / "replaced"
    _build(out, spare, {"a.html": "one", "b/index.html": "two"})
    assert not spare.exists()  # nothing was replaced yet
    _build(out, spare, {"a.html": "one", "b/index.html": "two"})
    kept = (spare / "b" / "index.html").stat().st_ino
    writer = _build(out, spare, {"a.html": "changed", "b/index.html": "two", "c/index.html": "new"})
    assert writer.recycled and writer.changed == {"a.html", "c/index.html"}
    assert _tree(out) == {"a.html": "changed", "b/index.html": "two", "c/index.html": "new"}
    assert (out / "b" / "index.html").stat().st_ino == kept  # same bytes: left as it was, not written again
    assert _tree(spare) == {"a.html": "one", "b/index.html": "two"}  # the site this build replaced, as it was


def test_what_the_spare_holds_beyond_this_build_is_removed(tmp_path):
    out, spare = tmp_path / "site", tmp_path / "cache" / "replaced"
    for _ in range(2):
        _build(out, spare, {"a.html": "one", "gone/deep/index.html": "old"})
    (spare / "stray.txt").write_text("put there by hand")
    (spare / "gone" / "empty").mkdir()
    _build(out, spare, {"a.html": "one"})
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*")) == [MANIFEST_NAME, "a.html"]


def test_a_file_in_the_spare_where_a_folder_must_go_is_replaced(tmp_path):
    out, spare = tmp_path / "site", tmp_path / "cache" / "replaced"
    for _ in range(2):
        _build(out, spare, {"a": "a file"})
    _build(out, spare, {"a/index.html": "a folder now"})
    assert _tree(out) == {"a/index.html": "a folder now"}
    assert _tree(spare) == {"a": "a file"}


def test_a_spare_inside_the_output_folder_is_never_used(tmp_path):
    out = tmp_path / "site"
    for _ in range(2):
        writer = _build(out, out / "replaced", {"a.html": "one"})
        assert writer.spare_dir is None and not writer.recycled
    assert _tree(out) == {"a.html": "one"}


def test_an_aborted_build_leaves_the_live_site_and_the_next_build_starts_afresh(tmp_path):
    out, spare = tmp_path / "site", tmp_path / "cache" / "replaced"
    for _ in range(2):
        _build(out, spare, {"a.html": "one"})
    writer = SiteWriter(out, spare_dir=spare)
    writer.write("a.html", "half-built")
    writer.abort()
    assert _tree(out) == {"a.html": "one"} and not writer.tmp_dir.exists()
    assert not _build(out, spare, {"a.html": "two"}).recycled
    assert _tree(out) == {"a.html": "two"} and _tree(spare) == {"a.html": "one"}


def test_a_folder_filled_by_another_program_is_emptied_first_and_kept(tmp_path):
    out, spare = tmp_path / "site", tmp_path / "cache" / "replaced"
    for text in ("one", "two"):
        writer = SiteWriter(out, spare_dir=spare)
        writer.write("a.html", "page")
        bundle = writer.empty_folder("pagefind")
        bundle.mkdir()
        (bundle / "index.pf").write_text(text)
        writer.commit()
    shared = os.stat(spare / "a.html").st_ino == os.stat(out / "a.html").st_ino
    writer = SiteWriter(out, spare_dir=spare)
    writer.write("a.html", "page")
    assert writer.reuse_folder("pagefind")  # the live site's index, as hard links
    writer.commit()
    assert shared and _tree(out) == {"a.html": "page", "pagefind/index.pf": "two"}
    assert _tree(spare) == {"a.html": "page", "pagefind/index.pf": "two"}
