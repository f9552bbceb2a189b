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
