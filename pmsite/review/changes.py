"""What a pull request changed, and who wrote each file: read from git with pygit2.

The base is compared with the working folder (in CI that is the checked-out pull
request, locally it includes uncommitted edits), from the merge base of the base
and HEAD so commits that landed on the base branch meanwhile do not count.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pygit2
from pygit2.enums import DeltaStatus, DiffFind

from pmsite.errors import PmsiteError

_KEPT = (DeltaStatus.ADDED, DeltaStatus.MODIFIED, DeltaStatus.RENAMED, DeltaStatus.COPIED, DeltaStatus.UNTRACKED)


class GitError(PmsiteError):
    """The repository or the base revision cannot be read."""


@dataclass(frozen=True)
class Change:
    """A Markdown file the pull request added or modified; ``old_text`` is None for a new file."""

    path: Path
    old_text: str | None


@dataclass(frozen=True)
class Identity:
    """A commit author (or co-author)."""

    name: str
    email: str

    def is_handle(self, handle: str) -> bool:
        """Does ``handle`` (as written in authors/approved_by) name this person?

        It matches the e-mail's local part, a GitHub noreply login
        (``123+login@users.noreply.github.com``), the full name or its first word.
        """
        wanted = handle.strip().lstrip("@").lower()
        local = self.email.lower().split("@", 1)[0]
        names = {local, local.split("+", 1)[-1], self.name.lower(), self.name.lower().split(" ", 1)[0],
                 self.name.lower().replace(" ", "-"), self.name.lower().replace(" ", "")}
        return wanted in names


def open_repository(root: Path) -> pygit2.Repository:
    path = pygit2.discover_repository(str(root))
    if path is None:
        raise GitError(f"{root} is not inside a git repository; --base needs one (run 'git init' or drop --base)")
    repo = pygit2.Repository(path)
    if repo.head_is_unborn:
        raise GitError(f"{repo.workdir}: the repository has no commits yet; commit first or drop --base")
    return repo


def _base_commit(repo: pygit2.Repository, base: str) -> pygit2.Commit:
    try:
        commit = repo.revparse_single(base).peel(pygit2.Commit)
    except (KeyError, ValueError, pygit2.GitError):
        raise GitError(f"--base {base!r} is not a branch, tag or commit here; fetch it first "
                       f"(git fetch origin {base}), and in CI check out with fetch-depth: 0") from None
    merge_base = repo.merge_base(commit.id, repo.head.target)
    return repo[merge_base] if merge_base is not None else commit


def changed_markdown(repo: pygit2.Repository, base: str, content_dir: Path) -> list[Change]:
    """Markdown files under ``content_dir`` added, modified or renamed since ``base``."""
    commit = _base_commit(repo, base)
    workdir = Path(repo.workdir).resolve()
    try:
        prefix = content_dir.resolve().relative_to(workdir).as_posix().rstrip("/") + "/"
    except ValueError:
        raise GitError(f"{content_dir} is outside the repository at {workdir}") from None
    flags = pygit2.enums.DiffOption.INCLUDE_UNTRACKED | pygit2.enums.DiffOption.RECURSE_UNTRACKED_DIRS
    diff = commit.tree.diff_to_workdir(flags=flags)
    diff.find_similar(flags=DiffFind.FIND_RENAMES)
    changes = []
    for delta in diff.deltas:
        new_path = delta.new_file.path
        if delta.status not in _KEPT or not new_path.startswith(prefix) or not new_path.endswith(".md"):
            continue
        old_text = None
        if delta.status in (DeltaStatus.MODIFIED, DeltaStatus.RENAMED, DeltaStatus.COPIED):
            old_text = repo[delta.old_file.id].data.decode("utf-8-sig", errors="replace")
        changes.append(Change(workdir / new_path, old_text))
    return sorted(changes, key=lambda change: change.path)


def _entry(tree: pygit2.Tree, path: str) -> pygit2.Oid | None:
    if not path:
        return tree.id
    try:
        return tree[path].id
    except KeyError:
        return None


def _subtree(tree: pygit2.Tree, folder: str) -> pygit2.Tree | None:
    if not folder:
        return tree
    try:
        found = tree[folder]
    except KeyError:
        return None
    return found if isinstance(found, pygit2.Tree) else None


def authors(repo: pygit2.Repository, paths: list[Path]) -> dict[Path, set[Identity]]:
    """Everyone who authored (or co-authored) a commit reachable from HEAD that changed each file.

    Merge commits are skipped: their changes were written in the commits they merge.
    Uncommitted edits have no author yet, so they are not counted.
    """
    from pmsite.history.walk import _people  # the author and Co-authored-by trailers, read as history reads them

    workdir = Path(repo.workdir).resolve()
    relative = {path: path.resolve().relative_to(workdir).as_posix() for path in paths}
    #: path -> (folder, file name), both relative to the repository
    split = {path: (rel.rsplit("/", 1)[0], rel.rsplit("/", 1)[1]) if "/" in rel else ("", rel)
             for path, rel in relative.items()}
    folders = {folder for folder, _ in split.values()}
    found: dict[Path, set[Identity]] = {path: set() for path in paths}
    # a commit's parent tree is the next commit's tree: remember the last lookups by tree id
    folder_ids: dict[pygit2.Oid, tuple] = {}
    file_ids: dict[pygit2.Oid, dict] = {}

    def lookup(memo: dict, tree: pygit2.Tree, read):
        if tree.id not in memo:
            if len(memo) > 1024:
                memo.clear()
            memo[tree.id] = read(tree)
        return memo[tree.id]

    def read_folders(tree: pygit2.Tree) -> tuple:
        return tuple(_entry(tree, folder) for folder in sorted(folders))

    def read_files(tree: pygit2.Tree) -> dict:
        # each folder's tree is read once: a lookup by full path inflates it again for every file
        subtrees = {folder: _subtree(tree, folder) for folder in folders}
        return {path: _entry(subtrees[folder], name) if subtrees[folder] is not None else None
                for path, (folder, name) in split.items()}

    for commit in repo.walk(repo.head.target, pygit2.enums.SortMode.TOPOLOGICAL):
        if len(commit.parents) > 1:
            continue
        parent = commit.parents[0].tree if commit.parents else None
        if parent is not None and lookup(folder_ids, commit.tree, read_folders) == lookup(folder_ids, parent, read_folders):
            continue  # nothing changed in the folders of these files
        now = lookup(file_ids, commit.tree, read_files)
        before = lookup(file_ids, parent, read_files) if parent is not None else {}
        people = {Identity(name, email) for email, name in _people(commit)}
        for path, entry in now.items():
            if entry is not None and before.get(path) != entry:
                found[path] |= people
    return found
