"""Build real git repositories with fixed dates for history tests (pygit2, no mocks)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pygit2


def when(text: str) -> dt.datetime:
    """'2024-03-07 14:00' (UTC) as an aware datetime."""
    return dt.datetime.fromisoformat(text).replace(tzinfo=dt.timezone.utc)


class GitRepo:
    """A working folder plus a pygit2 repository; every commit gets the date it is given."""

    def __init__(self, root: Path):
        self.root = root
        self.repo = pygit2.init_repository(str(root), initial_head="main")
        self.write(".gitignore", ".pmsite-cache/\n")

    def write(self, path: str, text: str) -> None:
        target = self.root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")

    def remove(self, path: str) -> None:
        (self.root / path).unlink()

    def move(self, old: str, new: str) -> None:
        target = self.root / new
        target.parent.mkdir(parents=True, exist_ok=True)
        (self.root / old).rename(target)

    def commit(self, message: str, at: str, author: str = "Priya Raman", email: str = "priya@example.com",
               authored: str | None = None, parents: list | None = None, ref: str | None = "HEAD") -> pygit2.Oid:
        """Commit the whole working folder as it is now."""
        index = self.repo.index
        index.clear()  # stage exactly the working folder, deletions included
        index.add_all()
        index.write()
        tree = index.write_tree()
        committed = when(at)
        author_sig = pygit2.Signature(author, email, int(when(authored or at).timestamp()), 0)
        committer = pygit2.Signature("CI", "ci@example.com", int(committed.timestamp()), 0)
        if parents is None:
            parents = [] if self.repo.head_is_unborn else [self.repo.head.target]
        return self.repo.create_commit(ref, author_sig, committer, message, tree, parents)

    def branch_commit(self, branch: str, message: str, at: str, **kwargs) -> pygit2.Oid:
        """Commit on ``branch`` (created from HEAD when new) without moving HEAD."""
        ref = f"refs/heads/{branch}"
        parent = self.repo.references[ref].target if ref in self.repo.references else self.repo.head.target
        return self.commit(message, at, parents=[parent], ref=ref, **kwargs)

    def checkout_main(self) -> None:
        """Make the working folder match HEAD again (after commits on a side branch)."""
        self.repo.checkout_head(strategy=pygit2.enums.CheckoutStrategy.FORCE)
