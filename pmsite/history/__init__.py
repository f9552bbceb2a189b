"""Stage 4, history: when each postmortem was published and each action item changed.

One pass over the first-parent history of HEAD (the default branch as it was
merged), oldest first. A commit whose content-folder subtree id equals its
parent's costs one tree lookup; otherwise the whole trees are diffed with
rename detection, so a file moved into the folder keeps its earlier history.
Every revision's front-matter is read (fast, without positions) to follow the
postmortem id and each action item's status.

The state after HEAD is cached as JSON by commit (``history.walk``); the next
run walks back from HEAD only to the newest cached commit and reads the
commits after it. Without git (or with a shallow clone) the result says so
in ``warnings`` and later stages fall back to the front-matter.

A revision that cannot be read (``history.revisions``: not UTF-8, broken or
hostile YAML) is skipped with a warning. This package is the only one that
imports pygit2; ``records`` holds what it hands on.
"""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

import pygit2

from pmsite.config import Config
from pmsite.history.records import (
    ITEM_STATUSES,
    UNPUBLISHED,
    History,
    PostmortemHistory,
    StatusChange,
)
from pmsite.history.records import warning as _warning
from pmsite.history.revisions import _FRONT_MATTER, _parse, _scan
from pmsite.history.walk import _Walker
from pmsite.parallel import Ahead

__all__ = [
    "ITEM_STATUSES",
    "UNPUBLISHED",
    "_FRONT_MATTER",
    "History",
    "PostmortemHistory",
    "StatusChange",
    "_parse",
    "_scan",
    "head_state",
    "mine",
    "start_mining",
    "tracked_file_under",
]


# -- the walk -----------------------------------------------------------------------------


def mine(config: Config, *, use_cache: bool = True) -> History:
    """Read the history of the repository holding ``config.content_dir``."""
    content_display = config.display_path(config.content_dir)
    repo_path = pygit2.discover_repository(str(config.root))
    if repo_path is None:
        return History(warnings=[_warning(
            content_display, "history/no-repository",
            "this folder is not in a git repository; publication and completion dates come from the front-matter only",
            "run 'git init' and commit the postmortems to track them",
        )])
    repo = pygit2.Repository(repo_path)
    if repo.is_bare or repo.head_is_unborn:  # a fresh repository (pmsite init): nothing is wrong yet
        return History(warnings=[replace(_warning(
            content_display, "history/no-commits",
            "the repository has no commits yet; dates come from the front-matter only",
            "commit the postmortems to track when they were published",
        ), severity="info")])
    workdir = Path(repo.workdir).resolve()
    try:
        prefix = config.content_dir.resolve().relative_to(workdir).as_posix()
    except ValueError:
        return History(warnings=[_warning(
            content_display, "history/outside-repository",
            f"the content folder is outside the git repository at {workdir}; dates come from the front-matter only",
            "set content_dir in pmsite.yaml to a folder inside the repository",
        )])
    walker = _Walker(repo, "" if prefix == "." else prefix + "/", config.cache_dir("history"))
    # libgit2 re-hashes every object it reads (~0.3 ms per 100 KB tree, most of a cold walk);
    # git itself does not, and reading is all this walk does. The default is restored after.
    pygit2.settings.enable_strict_hash_verification(False)
    try:
        walker.run(use_cache)
    finally:
        pygit2.settings.enable_strict_hash_verification(True)
    history = walker.result()
    history.workdir = workdir
    if repo.is_shallow:
        history.warnings.insert(0, _warning(
            content_display, "history/shallow-clone",
            "this is a shallow clone: postmortems older than its first commit have no publication date "
            "and first drafts and contributors may be missing",
            "run 'git fetch --unshallow' (in GitHub Actions: actions/checkout with fetch-depth: 0)",
        ))
    return history


def start_mining(config: Config) -> Ahead[History]:
    """Start ``mine`` in a forked process when the walk will be long; ``result()`` gives the history.

    A cold walk of a long history takes seconds of CPU, and so does loading a
    big corpus: on two cores they overlap. When the cache already holds HEAD this
    mines here and now; when forking is unsafe or pointless (see
    ``pmsite.parallel.can_fork``) it mines when the result is asked for.
    """
    if _cache_holds_head(config):
        return Ahead(mine(config))
    return Ahead.start(mine, config)


def _cache_holds_head(config: Config) -> bool:
    """Whether ``mine`` has (next to) nothing to walk: no repository, no commits, or HEAD cached."""
    repo = _open_with_commits(config)
    # os.path.exists is False for a cache folder that cannot be read: the walk then runs, only slower
    return repo is None or os.path.exists(config.cache_dir("history") / f"{_head_id(repo)}.json")


def head_state(config: Config) -> str:
    """What a mined history depends on: HEAD's commit and a shallow clone's boundary ("" without commits)."""
    repo = _open_with_commits(config)
    if repo is None:
        return ""
    shallow = Path(repo.path) / "shallow"
    return f"{_head_id(repo)} {shallow.read_text(encoding='ascii') if shallow.exists() else ''}"


def _open_with_commits(config: Config) -> pygit2.Repository | None:
    repo_path = pygit2.discover_repository(str(config.root))
    if repo_path is None:
        return None
    repo = pygit2.Repository(repo_path)
    return None if repo.is_bare or repo.head_is_unborn else repo


def tracked_file_under(root: Path, folder: Path) -> str:
    """A file under ``folder`` that the git index of the repository at ``root`` tracks, or "" (a cache
    folder must not be one a commit can fill: ``pmsite.cache``)."""
    if folder != root and root not in folder.parents:
        return ""  # outside the repository: a commit cannot put files there
    try:
        repo = pygit2.Repository(str(root))
        prefix = folder.relative_to(Path(repo.workdir or root).resolve()).as_posix()
    except (pygit2.GitError, ValueError, KeyError):
        return ""
    prefix = "" if prefix == "." else prefix + "/"
    return next((entry.path for entry in repo.index if entry.path.startswith(prefix)), "")


def _head_id(repo: pygit2.Repository) -> str:
    return str(repo.head.peel(pygit2.Commit).id)
