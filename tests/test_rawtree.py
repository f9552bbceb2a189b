"""The raw tree comparison agrees with libgit2's diff on real tree objects, or declines."""

from __future__ import annotations

import random

import pygit2
import pytest
from pygit2.enums import DeltaStatus, FileMode

from pmsite.rawtree import EntryChange, RawTree, compare


@pytest.fixture
def repo(tmp_path):
    return pygit2.init_repository(str(tmp_path / "repo"), bare=True)


def make_tree(repo: pygit2.Repository, files: dict[str, str],
              folders: dict[str, dict[str, str]] | None = None) -> pygit2.Oid:
    builder = repo.TreeBuilder()
    for name, text in files.items():
        builder.insert(name, repo.create_blob(text.encode()), FileMode.BLOB)
    for name, content in (folders or {}).items():
        builder.insert(name, make_tree(repo, content), FileMode.TREE)
    return builder.write()


def raw(repo: pygit2.Repository, tree_id: pygit2.Oid, parsed: bool = True) -> RawTree:
    tree = RawTree(repo.read(tree_id)[1])
    if parsed:
        tree.starts  # the walk always knows the older tree's offsets
    return tree


def libgit2_changes(repo: pygit2.Repository, old: pygit2.Oid, new: pygit2.Oid) -> list[EntryChange]:
    changes = []
    for delta in repo[old].diff_to_tree(repo[new]).deltas:
        gone, added = delta.status == DeltaStatus.DELETED, delta.status == DeltaStatus.ADDED
        changes.append(EntryChange(delta.old_file.path if gone else delta.new_file.path,
                                   "" if added else str(delta.old_file.id), "" if gone else str(delta.new_file.id)))
    return sorted(changes, key=lambda c: c.name)


FILES = {f"2024-01-{day:02d}-incident.md": f"status: open {day}\n" for day in range(1, 29)}


@pytest.mark.parametrize("edit", [
    pytest.param(lambda f: f.update({"2024-01-05-incident.md": "status: done\n"}), id="one file edited"),
    pytest.param(lambda f: f.update({"2024-01-01-incident.md": "a\n", "2024-01-28-incident.md": "b\n"}),
                 id="first and last edited"),
    pytest.param(lambda f: f.update({"2024-01-15-z.md": "new\n"}), id="one added in the middle"),
    pytest.param(lambda f: f.update({"0000-first.md": "new\n"}), id="one added first"),
    pytest.param(lambda f: f.update({"zzzz-last.md": "new\n"}), id="one added last"),
    pytest.param(lambda f: f.pop("2024-01-10-incident.md"), id="one removed"),
    pytest.param(lambda f: f.pop("2024-01-28-incident.md"), id="the last removed"),
    pytest.param(lambda f: f.pop("2024-01-01-incident.md"), id="the first removed"),
])
def test_single_steps_match_libgit2(repo, edit):
    files = dict(FILES)
    old = make_tree(repo, files)
    edit(files)
    new = make_tree(repo, files)
    old_raw, new_raw = raw(repo, old), raw(repo, new, parsed=False)

    found = compare(old_raw, new_raw)

    assert found is not None
    assert sorted(found, key=lambda c: c.name) == libgit2_changes(repo, old, new)
    assert new_raw.starts == RawTree(new_raw.data).starts  # the offsets it inferred are the real ones


@pytest.mark.parametrize("edit", [
    pytest.param(lambda f: f.update({"2024-01-05-renamed.md": f.pop("2024-01-05-incident.md")}), id="renamed"),
    pytest.param(lambda f: f.update({"2024-01-05-incident.MD": f.pop("2024-01-05-incident.md")}),
                 id="renamed, same length"),
    pytest.param(lambda f: f.update({"a.md": "1\n", "b.md": "2\n"}), id="two added"),
    pytest.param(lambda f: (f.pop("2024-01-03-incident.md"), f.pop("2024-01-04-incident.md")), id="two removed"),
])
def test_declines_what_needs_rename_detection_or_several_entries(repo, edit):
    files = dict(FILES)
    old = make_tree(repo, files)
    edit(files)
    new = make_tree(repo, files)
    assert compare(raw(repo, old), raw(repo, new)) is None


def test_declines_a_changed_sub_folder(repo):
    old = make_tree(repo, FILES, {"archive": {"old.md": "x\n"}})
    new = make_tree(repo, FILES, {"archive": {"old.md": "y\n"}})
    assert compare(raw(repo, old), raw(repo, new)) is None


def test_declines_a_mode_change(repo):
    old = make_tree(repo, FILES)
    builder = repo.TreeBuilder(repo[old])
    entry = repo[old]["2024-01-02-incident.md"]
    builder.insert(entry.name, entry.id, FileMode.BLOB_EXECUTABLE)
    assert compare(raw(repo, old), raw(repo, builder.write())) is None


def test_random_histories_never_disagree_with_libgit2(repo):
    """A long chain of random steps; when compare answers, libgit2 agrees, and single steps get answers."""
    rng = random.Random(5)
    files = {f"{n:04d}-incident.md": f"{n}\n" for n in range(0, 400, 3)}
    previous_id = make_tree(repo, files)
    previous = raw(repo, previous_id)
    answered = 0
    for step in range(300):
        action = rng.choice(("edit", "edit", "add", "remove", "edit-many", "rename"))
        names = sorted(files)
        if action == "edit":
            files[rng.choice(names)] = f"edit {step}\n"
        elif action == "edit-many":
            for name in rng.sample(names, 3):
                files[name] = f"edit {step} {name}\n"
        elif action == "add":
            files[f"{rng.randrange(400):04d}-new-{step}.md"] = "new\n"
        elif action == "remove":
            files.pop(rng.choice(names))
        else:
            old_name = rng.choice(names)
            files[f"{old_name[:-3]}-moved.md"] = files.pop(old_name)
        tree_id = make_tree(repo, files)
        current = RawTree(repo.read(tree_id)[1])
        found = compare(previous, current)
        if found is not None:
            answered += 1
            assert sorted(found, key=lambda c: c.name) == libgit2_changes(repo, previous_id, tree_id), action
        else:
            assert action == "rename"  # a remove plus an add: libgit2's rename detection decides
        previous, previous_id = current, tree_id
    assert answered > 200
