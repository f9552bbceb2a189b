"""The shared stage cache: a wrong or stale cache can only make a run slower, never wrong."""

from __future__ import annotations

from pmsite import cache as cache_module
from pmsite.cache import PickleCache, digest, source_salt


def test_values_survive_a_save_and_come_back_as_fresh_objects(tmp_path):
    file = tmp_path / "c" / "values.pickle"
    first = PickleCache(file, "salt-1")
    first.put("k", {"tags": ["x"]})
    first.save()
    second = PickleCache(file, "salt-1")
    value = second.get("k")
    value["tags"].append("y")
    assert second.get("k") == {"tags": ["x"]}
    assert second.get("missing") is None


def test_another_salt_discards_everything(tmp_path):
    file = tmp_path / "values.pickle"
    cache = PickleCache(file, "old code")
    cache.put("k", 1)
    cache.save()
    assert PickleCache(file, "new code").get("k") is None


def test_unreadable_file_means_an_empty_cache_and_unwritable_folder_is_ignored(tmp_path):
    file = tmp_path / "values.pickle"
    file.write_bytes(b"\x80garbage")
    assert PickleCache(file, "s").entries == {}
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the cache folder should be")
    cache = PickleCache(blocked / "values.pickle", "s")
    cache.put("k", 1)
    cache.save()  # no exception: the run goes on without a cache


def test_only_entries_used_by_this_run_survive_once_the_cache_is_full(tmp_path, monkeypatch):
    monkeypatch.setattr(cache_module, "MAX_ENTRIES", 2)
    file = tmp_path / "values.pickle"
    cache = PickleCache(file, "s")
    for key in ("a", "b", "c"):
        cache.put(key, key)
    cache.save()
    assert set(PickleCache(file, "s").entries) == {"a", "b", "c"}  # all used by the run that wrote them
    later = PickleCache(file, "s")
    later.get("a")
    later.put("d", "d")
    later.save()
    assert set(PickleCache(file, "s").entries) == {"a", "d"}


def test_digest_and_salt_depend_on_every_part(tmp_path):
    assert digest("ab", "c") != digest("a", "bc")
    source = tmp_path / "module.py"
    source.write_text("x = 1\n")
    before = source_salt(source, extra="4.2")
    assert before != source_salt(source, extra="4.3")
    source.write_text("x = 2\n")
    assert before != source_salt(source, extra="4.2")


def test_a_stage_that_sees_every_input_drops_what_it_no_longer_uses(tmp_path):
    file = tmp_path / "values.pickle"
    cache = PickleCache(file, "s", prune_unused=True)
    cache.put("old body", 1)
    cache.save()
    rebuilt = PickleCache(file, "s", prune_unused=True)
    rebuilt.put("new body", 2)  # the body was edited: the old entry is not asked for
    rebuilt.save()
    assert set(PickleCache(file, "s").entries) == {"new body"}
    unchanged = PickleCache(file, "s", prune_unused=True)
    unchanged.get("new body")
    unchanged.save()
    assert set(PickleCache(file, "s").entries) == {"new body"}


# -- caches are untrusted input -------------------------------------------------------------------------

class _Payload:
    """What a hostile pickle does when loaded: make a folder (a stand-in for running any code)."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        import os

        return os.mkdir, (str(self.marker),)


def _plant_pickles(root, config, marker):
    """Hostile pickles where pmsite caches lived in the checkout and where it caches now, unsealed."""
    import pickle

    for folder in (root / ".pmsite-cache", config.cache_dir("x").parent):
        for stage, name in (("load", "front-matter.pickle"), ("validate", "findings.pickle"),
                            ("lint", "results.pickle"), ("render", "markdown.pickle")):
            (folder / stage).mkdir(parents=True, exist_ok=True)
            (folder / stage / name).write_bytes(pickle.dumps({"salt": "any", "entries": _Payload(marker)}))


def test_no_command_unpickles_a_cache_file_it_did_not_seal(tmp_path, runner):
    import datetime as dt

    from pmsite.cli import cli
    from pmsite.config import load_config
    from pmsite.pipeline import build
    from tests.render.site_fixture import make_site

    make_site(tmp_path)
    config = load_config(tmp_path)
    marker = tmp_path.parent / f"{tmp_path.name}-pwned"
    _plant_pickles(tmp_path, config, marker)
    for command in (["lint"], ["validate"], ["metrics"]):
        runner.invoke(cli, ["-C", str(tmp_path), *command])
    build(config, as_of=dt.date(2024, 7, 15))
    assert not marker.exists()


def test_caches_live_outside_the_checkout_by_default(tmp_path):
    import os
    from pathlib import Path

    from pmsite.config import load_config

    one, two = tmp_path / "one", tmp_path / "two"
    one.mkdir()
    two.mkdir()
    folder = load_config(one).cache_dir("load")
    assert one not in folder.parents
    assert Path(os.environ["XDG_CACHE_HOME"]) in folder.parents
    assert load_config(two).cache_dir("load") != folder  # keyed by the repository's path


def test_a_tampered_or_foreign_sealed_file_is_not_read(tmp_path, monkeypatch):
    from pmsite import cache as module

    file = tmp_path / "values.pickle"
    cache = PickleCache(file, "s")
    cache.put("k", 1)
    cache.save()
    assert PickleCache(file, "s").get("k") == 1
    data = bytearray(file.read_bytes())
    data[-1] ^= 1
    file.write_bytes(bytes(data))
    assert PickleCache(file, "s").entries == {}
    cache.dirty = True
    cache.save()
    monkeypatch.setattr(module, "_seal_key", lambda: b"another user's key")
    assert PickleCache(file, "s").entries == {}


def test_the_key_is_private_to_the_user(tmp_path):
    from pmsite.cache import _KEY_NAME, user_cache_home, write_sealed

    write_sealed(tmp_path / "x", b"data")
    assert (user_cache_home() / _KEY_NAME).stat().st_mode & 0o077 == 0


def test_a_cache_folder_git_tracks_is_refused_with_a_warning(tmp_path, runner, monkeypatch):
    from pmsite.cli import cli
    from pmsite.config import load_config
    from tests.git_fixture import GitRepo

    repo = GitRepo(tmp_path)
    repo.write("content/postmortems/.keep", "")
    repo.write("ci-cache/load/front-matter.pickle", "planted")
    repo.commit("a cache in a commit", "2024-07-02 09:00")
    monkeypatch.setenv("PMSITE_CACHE_DIR", "ci-cache")
    folder = load_config(tmp_path).cache_dir("load")
    assert tmp_path not in folder.parents
    result = runner.invoke(cli, ["-C", str(tmp_path), "validate"])
    assert "warning: PMSITE_CACHE_DIR=ci-cache: git tracks ci-cache/load/front-matter.pickle there" in result.output
    monkeypatch.setenv("PMSITE_CACHE_DIR", "untracked-cache")
    assert load_config(tmp_path).cache_dir("load") == tmp_path / "untracked-cache" / "load"
