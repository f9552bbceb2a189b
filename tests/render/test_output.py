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


def _forge(path: Path, text: str) -> None:
    """Replace a file's bytes without touching the inode it may share with the other site (as a commit would)."""
    path.unlink()
    path.write_text(text)


def test_a_spare_file_that_does_not_match_its_manifest_is_never_published(tmp_path):
    """A spare is a cache: one planted by a commit (or changed by anything else) is reused only byte-verified."""
    out, spare = tmp_path / "site", tmp_path / "cache" / "replaced"
    for _ in range(2):
        _build(out, spare, {"a.html": "one", "b/index.html": "two"})
    _forge(spare / "a.html", "<script>alert(1)</script>")  # the manifest still names the old hash
    writer = _build(out, spare, {"a.html": "one", "b/index.html": "two"})
    assert _tree(out) == {"a.html": "one", "b/index.html": "two"}
    assert "a.html" not in writer.changed  # the same bytes as the live site: nothing changed for the index


def test_a_live_file_that_does_not_match_the_manifest_is_rendered_again(tmp_path):
    """link_previous trusts a page's key only together with its bytes: another build's page is not kept."""
    out = tmp_path / "site"
    writer = SiteWriter(out)
    writer.write("p/index.html", "<p>ours</p>", key="k1")
    writer.commit()
    _forge(out / "p" / "index.html", "<p>another build's page</p>")
    again = SiteWriter(out)
    assert again.link_previous("p/index.html", "k1") is None  # the caller renders it
    again.write("p/index.html", "<p>ours</p>", key="k1")
    again.commit()
    assert (out / "p" / "index.html").read_text() == "<p>ours</p>"


def test_a_second_build_into_the_same_folder_waits_then_stops_with_a_message(tmp_path, monkeypatch):
    import subprocess
    import sys

    import pytest

    from pmsite.errors import BuildError
    from pmsite.render import output
    from tests.conftest import REPO_ROOT

    out = tmp_path / "site"
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time; from pathlib import Path; from pmsite.render.output import "
         "_lock_output; held = _lock_output(Path(sys.argv[1])); print('held', flush=True); time.sleep(30)", str(out)],
        stdout=subprocess.PIPE, text=True, env={**os.environ, "PYTHONPATH": str(REPO_ROOT)})
    try:
        assert holder.stdout.readline().strip() == "held"
        monkeypatch.setattr(output, "LOCK_WAIT", 0.3)
        with pytest.raises(BuildError, match="another pmsite build is writing this folder"):
            SiteWriter(out)
    finally:
        holder.kill()
        holder.wait()
    _build(out, None, {"a.html": "one"})  # the lock goes with the process that held it
    assert _tree(out) == {"a.html": "one"}


def test_folders_of_killed_builds_are_removed_by_the_next_build(tmp_path):
    import subprocess
    import sys

    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    stale = [tmp_path / f".site.building-{gone.pid}", tmp_path / f".site.old-{gone.pid}"]
    alive = tmp_path / f".site.building-{os.getppid()}"  # a running process: maybe still building
    other = tmp_path / f".docs.building-{gone.pid}"  # another output folder's: not this build's business
    for folder in (*stale, alive, other):
        (folder / "x").mkdir(parents=True)
    _build(tmp_path / "site", None, {"a.html": "one"})
    assert [f.exists() for f in stale] == [False, False]
    assert alive.exists() and other.exists()
