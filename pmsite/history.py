"""Stage 4, history: when each postmortem was published and each action item changed.

One pass over the first-parent history of HEAD (the default branch as it was
merged), oldest first. A commit whose content-folder subtree id equals its
parent's costs one tree lookup; otherwise the whole trees are diffed with
rename detection, so a file moved into the folder keeps its earlier history.
Every revision's front-matter is read (fast, without positions) to follow the
postmortem id and each action item's status.

The state after HEAD is cached as JSON under ``.pmsite-cache/history/<commit>.json``;
the next run walks back from HEAD only to the newest cached commit and reads
the commits after it. Without git (or with a shallow clone) the result says so
in ``warnings`` and later stages fall back to the front-matter.

This is the only module that imports pygit2.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterator

import pygit2
from pygit2.enums import DeltaStatus, DiffFind, SortMode

from pmsite.cache import store_keeping_newest
from pmsite.config import Config
from pmsite.model import Finding, Postmortem
from pmsite.parallel import OrderedMap
from pmsite.rawtree import EntryChange, RawTree, compare
from pmsite.yamlpos import YamlSyntaxError, load_plain

#: Action-item statuses of the front-matter contract; other values in old revisions are skipped.
ITEM_STATUSES = ("open", "in_progress", "blocked", "done", "wont_do")
#: A revision with one of these postmortem statuses is not published yet.
UNPUBLISHED = ("draft", "in-review")
CACHE_FORMAT = 3
CACHE_KEEP = 3

_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?)^(?:---|\.\.\.)[ \t]*$", re.DOTALL | re.MULTILINE)
_CO_AUTHOR = re.compile(r"^co-authored-by:\s*(.+?)\s*<([^>]*)>\s*$", re.IGNORECASE | re.MULTILINE)


@dataclass(frozen=True)
class StatusChange:
    """An action item's status as first seen in a commit; ``None`` means absent from the file."""

    item_id: str
    at: dt.datetime
    commit: str
    old: str | None
    new: str | None


@dataclass
class PostmortemHistory:
    """What git knows about one postmortem, across renames."""

    #: Stable identity: the front-matter id when it has one, else the repository-relative path.
    key: str
    #: Repository-relative paths the file had, oldest first; the last is the newest.
    paths: list[str]
    #: First first-parent commit where the file exists (None beyond a shallow clone's start).
    created_at: dt.datetime | None
    #: First first-parent commit where the file exists with a published (or no) status.
    published_at: dt.datetime | None
    #: Earliest author date of any commit that touched the file (side branches included).
    first_draft_at: dt.datetime | None
    last_updated: dt.datetime | None
    deleted_at: dt.datetime | None
    revisions: int
    contributors: list[str]
    changes: list[StatusChange]

    @property
    def path(self) -> str:
        return self.paths[-1]

    def item_changes(self, item_id: str) -> list[StatusChange]:
        return [change for change in self.changes if change.item_id == item_id]

    def reached_at(self, item_id: str, status: str) -> dt.datetime | None:
        """When the item moved from another status to ``status``, if that is still its status.

        An item that first appears already closed (an import, a re-added item)
        has no such commit: None.
        """
        changes = self.item_changes(item_id)
        if not changes or changes[-1].new != status or changes[-1].old is None:
            return None
        return changes[-1].at

    def added_later(self, item_id: str) -> dt.datetime | None:
        """When the item first appeared, if that was after the file's first revision."""
        first_seen = next((c.at for c in self.item_changes(item_id) if c.new), None)
        return first_seen if first_seen and self.created_at and first_seen > self.created_at else None

    def last_change_at(self, item_id: str) -> dt.datetime | None:
        changes = self.item_changes(item_id)
        return changes[-1].at if changes else None


@dataclass
class History:
    """The history stage's result; empty (with a warning) when there is no repository."""

    postmortems: dict[str, PostmortemHistory] = field(default_factory=dict)
    warnings: list[Finding] = field(default_factory=list)
    head: str | None = None
    #: Repository working folder, to map a loaded file to its repository-relative path.
    workdir: Path | None = None
    #: Commits read in this run (0 when the cache was up to date).
    commits_read: int = 0

    def for_postmortem(self, postmortem: Postmortem) -> PostmortemHistory | None:
        """History of a loaded postmortem: by front-matter id, else by path."""
        if postmortem.id and postmortem.id in self.postmortems:
            return self.postmortems[postmortem.id]
        if self.workdir is None:
            return None
        try:
            relative = postmortem.path.resolve().relative_to(self.workdir).as_posix()
        except ValueError:
            return None
        found = self.postmortems.get(relative)
        if found is None:  # e.g. an id added to the working copy but not committed yet
            found = next((h for h in self.postmortems.values() if h.path == relative and h.deleted_at is None), None)
        return found


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


class Mining:
    """A history being mined (see ``start_mining``): ``result`` waits for it, ``close`` stops the walk."""

    def __init__(self, history: History | None = None, walk: OrderedMap | None = None) -> None:
        self._history = history
        self._walk = walk

    def result(self) -> History:
        if self._history is None:
            assert self._walk is not None
            with self._walk:  # the worker is done once its result is in: stop it now, not at interpreter exit
                self._history = next(iter(self._walk))
        return self._history

    def close(self) -> None:
        """Stop a walk whose result is not wanted (the command failed before it needed the history)."""
        if self._walk is not None:
            self._walk.close()

    def __enter__(self) -> Mining:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def start_mining(config: Config) -> Mining:
    """Start ``mine`` in a forked process when the walk will be long; ``result()`` gives the history.

    A cold walk of a long history takes seconds of CPU, and so does loading a
    big corpus: on two cores they overlap. When the cache already holds HEAD this
    mines here and now; when forking is unsafe or pointless (see
    ``pmsite.parallel.can_fork``) it mines when the result is asked for.
    """
    if _cache_holds_head(config):
        return Mining(history=mine(config))
    return Mining(walk=OrderedMap(mine, [config], min_items=1))


def _cache_holds_head(config: Config) -> bool:
    """Whether ``mine`` has (next to) nothing to walk: no repository, no commits, or HEAD cached."""
    repo = _open_with_commits(config)
    return repo is None or (config.cache_dir("history") / f"{_head_id(repo)}.json").exists()


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


def _head_id(repo: pygit2.Repository) -> str:
    return str(repo.head.peel(pygit2.Commit).id)


def _warning(path: str, rule: str, message: str, suggestion: str = "", line: int = 1) -> Finding:
    return Finding(path=path, line=line, column=1, rule=rule, category="history", severity="warning",
                   message=message, suggestion=suggestion)


def _when(seconds: int, offset_minutes: int) -> str:
    zone = dt.timezone(dt.timedelta(minutes=offset_minutes))
    return dt.datetime.fromtimestamp(seconds, zone).isoformat()


def _people(commit: pygit2.Commit) -> Iterator[tuple[str, str]]:
    """(email, name) of the author and every ``Co-authored-by:`` trailer."""
    yield commit.author.email.lower(), commit.author.name
    for name, email in _CO_AUTHOR.findall(commit.message):
        yield email.strip().lower(), name


@dataclass
class _Revision:
    """What history needs from one blob's front-matter; ``problem`` is set when it did not parse."""

    pm_id: str = ""
    status: str = ""
    items: dict[str, str] = field(default_factory=dict)
    unknown: dict[str, str] = field(default_factory=dict)
    problem: str = ""
    line: int = 1


def _read_revision(data: bytes) -> _Revision:
    try:
        text = data.decode("utf-8-sig").replace("\r\n", "\n")
    except UnicodeDecodeError:
        return _Revision(problem="the file was not UTF-8 text")
    match = _FRONT_MATTER.match(text)
    if match is None:
        return _Revision(problem="the file had no closed front-matter block")
    return _read_front_matter(match.group(1))


@lru_cache(maxsize=4096)
def _read_front_matter(front_matter: str) -> _Revision:
    """Cached: most commits to a postmortem edit the body and leave the front-matter alone."""
    return _scan(front_matter) or _parse(front_matter)


def _parse(front_matter: str) -> _Revision:
    """The reference reading of a revision, with the YAML parser."""
    try:
        meta = load_plain(front_matter)
    except YamlSyntaxError as exc:
        return _Revision(problem=f"the front-matter did not parse ({exc.message})", line=exc.position.line + 1)
    if not isinstance(meta, dict):
        return _Revision(problem="the front-matter was not a mapping of keys to values")
    revision = _Revision(pm_id=meta.get("id") if isinstance(meta.get("id"), str) else "",
                         status=str(meta.get("status") or ""))
    items = meta.get("action_items")
    for item in items if isinstance(items, list) else []:
        if isinstance(item, dict) and isinstance(item.get("id"), (str, int)):
            _add_item(revision, str(item["id"]), str(item.get("status") or ""))
    return revision


def _add_item(revision: _Revision, item_id: str, status: str) -> None:
    target = revision.items if status in ITEM_STATUSES else revision.unknown
    target[item_id] = status


# A fast path for the plain block style that 'pmsite new' writes and people keep: YAML
# parsing is ~2 ms a revision even with libyaml, which would dominate a cold walk. The scanner
# accepts only lines it fully understands and returns None for anything else (flow mappings,
# anchors, multi-line plain scalars, typed ids or statuses ...), so YAML decides those.
_KEY = re.compile(r"([A-Za-z_][\w-]*):(?:[ ]+(.*))?")
_BLOCK = re.compile(r"[|>][-+]?[1-9]?(?:[ ]+#.*)?")
_DOUBLE = re.compile(r'"([^"\\]*)"(?:[ ]+#.*)?')
_SINGLE = re.compile(r"'((?:[^']|'')*)'(?:[ ]+#.*)?")
_FLOW = re.compile(r"""\[(?:[^\[\]{}"'#]|"[^"\\]*"|'[^']*')*\](?:[ ]+#.*)?""")
_NOT_TEXT = re.compile(r"[-+.0-9].*|true|false|yes|no|on|off|y|n|null|~", re.IGNORECASE)


def _scalar(value: str) -> tuple[str, str] | None:
    """(kind, text) of a one-line value: kind is text, typed, empty, block or flow; None if unsure."""
    if not value:
        return "empty", ""
    first = value[0]
    if first == '"':
        match = _DOUBLE.fullmatch(value)
        return ("text", match.group(1)) if match else None
    if first == "'":
        match = _SINGLE.fullmatch(value)
        return ("text", match.group(1).replace("''", "'")) if match else None
    if first == "[":
        return ("flow", "") if _FLOW.fullmatch(value) else None
    if first in "|>":
        return ("block", "") if _BLOCK.fullmatch(value) else None
    text = value.split(" #", 1)[0].rstrip()
    if first in "{]}#&*!%@`,?:-" or ": " in text or text.endswith(":") or "\t" in text:
        return None
    return ("typed", text) if _NOT_TEXT.fullmatch(text) else ("text", text)


@lru_cache(maxsize=1 << 16)
def _line(line: str) -> tuple[int, int, str | None, tuple[str, str] | None, str] | None:
    """(indent, dash width, key, value, raw value) of one line; None for blank and comment lines.

    ``dash width`` is how far a ``- `` item moves its first key (0: no dash).
    Cached: revisions of a file share nearly all their lines.
    """
    body = line.lstrip(" ")
    if not body or body[0] == "#":
        return None
    indent, dash = len(line) - len(body), 0
    if body.startswith("- "):
        rest = body[2:].lstrip(" ")
        dash, body = len(body) - len(rest), rest
    pair = _KEY.fullmatch(body)
    if pair:
        raw = pair.group(2) or ""
        return indent, dash, pair.group(1), _scalar(raw), raw
    return indent, dash, None, _scalar(body) if dash else None, ""


def _scan(front_matter: str) -> _Revision | None:
    """Read id and statuses from simple block-style front-matter, or None to let YAML decide."""
    revision = _Revision()
    top_key = ""
    nested = False  # the last top-level key had no value: a block sequence may follow
    sequence_indent = key_indent = block_indent = -1
    item: dict[str, str] | None = None

    def close_item() -> bool:
        if item is not None and top_key == "action_items":
            if "id" not in item:
                return False
            _add_item(revision, item["id"], item.get("status", ""))
        return True

    for line in front_matter.split("\n"):
        parsed = _line(line)
        if parsed is None:
            continue
        indent, dash, key, value, raw = parsed
        if indent <= block_indent:
            block_indent = -1
        if block_indent >= 0:
            continue  # text of a block scalar
        if dash:
            if not (indent == sequence_indent or (nested and sequence_indent < 0)) or not close_item():
                return None
            sequence_indent, item = indent, None
            if key is None:  # a scalar item, e.g. a lesson
                if value is None or value[0] == "empty":
                    return None
                block_indent = indent if value[0] == "block" else -1
                continue
            item, key_indent = {}, indent + dash
            indent = key_indent
        elif indent == 0:
            if not close_item() or value is None:
                return None
            item, sequence_indent = None, -1
            top_key, kind, text = key, value[0], value[1]
            if top_key in ("id", "status"):
                if kind not in ("text", "empty"):
                    return None
                setattr(revision, "pm_id" if top_key == "id" else "status", text)
            elif top_key == "action_items" and kind != "empty" and raw.split(" #")[0].strip() != "[]":
                return None
            nested = kind == "empty"
            block_indent = 0 if kind == "block" else -1
            continue
        elif item is None or indent != key_indent:
            return None
        if key is None or value is None or value[0] == "empty" or (key in ("id", "status") and value[0] != "text"):
            return None
        item[key] = value[1]
        block_indent = indent if value[0] == "block" else -1
    return revision if close_item() else None


def _id(tree: pygit2.Tree | None) -> pygit2.Oid | None:
    return tree.id if tree is not None else None


_KEPT = (DeltaStatus.ADDED, DeltaStatus.MODIFIED, DeltaStatus.RENAMED, DeltaStatus.DELETED, DeltaStatus.COPIED,
         DeltaStatus.TYPECHANGE)


def _normalized(diff: pygit2.Diff, prefix: str, inside) -> Iterator[tuple]:
    """Deltas about postmortems as (status, old path, new path, blob id); copies count as additions."""
    for delta in diff.deltas:
        old_path, new_path = prefix + delta.old_file.path, prefix + delta.new_file.path
        status = delta.status
        if status not in _KEPT or not (inside(new_path) or inside(old_path)):
            continue
        if status == DeltaStatus.RENAMED and not inside(new_path):
            status = DeltaStatus.DELETED  # moved out of the folder
        elif status == DeltaStatus.COPIED:
            status = DeltaStatus.ADDED
        yield status, old_path, new_path, str(delta.new_file.id)


def _new_lineage(path: str) -> dict[str, Any]:
    return {"paths": [path], "id": "", "created_at": None, "published_at": None, "first_draft_at": None,
            "last_updated": None, "deleted_at": None, "revisions": 0, "last_commit": "", "contributors": {},
            "statuses": {}, "changes": []}


class _Walker:
    """Replays first-parent history into a JSON-friendly state, resuming from the cache."""

    def __init__(self, repo: pygit2.Repository, prefix: str, cache_dir: Path):
        self.repo = repo
        self.prefix = prefix
        self.cache_dir = cache_dir
        self.lineages: list[dict[str, Any]] = []
        self.live: dict[str, int] = {}  # current path -> lineage index
        self.warnings: list[dict[str, Any]] = []
        self.head: str | None = None
        self.commits_read = 0
        self._revisions: dict[str, _Revision] = {}  # blob id -> parsed front-matter
        self._shallow = self._shallow_commits()
        self._folder: RawTree | None = None  # the content folder's tree at the last commit compared
        self._folder_id: pygit2.Oid | None = None

    # -- cache ------------------------------------------------------------------
    def _cache_file(self, commit_id: str) -> Path:
        return self.cache_dir / f"{commit_id}.json"

    def _load_cache(self, commit_id: str) -> bool:
        try:
            state = json.loads(self._cache_file(commit_id).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return False
        if state.get("format") != CACHE_FORMAT or state.get("prefix") != self.prefix:
            return False
        self.lineages, self.live, self.warnings = state["lineages"], state["live"], state["warnings"]
        return True

    def _save_cache(self) -> None:
        state = {"format": CACHE_FORMAT, "prefix": self.prefix, "lineages": self.lineages,
                 "live": self.live, "warnings": self.warnings}
        store_keeping_newest(self._cache_file(self.head), json.dumps(state, separators=(",", ":")).encode("utf-8"),
                             CACHE_KEEP)

    def _shallow_commits(self) -> set[str]:
        """Commits whose parents a shallow clone did not fetch (libgit2 shows them as roots)."""
        try:
            return set((Path(self.repo.path) / "shallow").read_text(encoding="ascii").split())
        except OSError:
            return set()

    # -- walk -------------------------------------------------------------------
    def run(self, use_cache: bool) -> None:
        head = self.repo.head.peel(pygit2.Commit)
        self.head = str(head.id)
        pending: list[pygit2.Commit] = []
        commit: pygit2.Commit | None = head
        resumed = False
        while commit is not None:
            if use_cache and self._load_cache(str(commit.id)):
                resumed = True
                break
            pending.append(commit)
            commit = self._first_parent(commit)
        if resumed and not pending:
            return
        parent = commit if resumed else None
        parent_subtree = self._subtree(parent) if parent is not None else None
        for commit in reversed(pending):
            self.commits_read += 1
            subtree = self._subtree(commit)
            if _id(subtree) != _id(parent_subtree):
                self._apply(commit, parent, parent_subtree, subtree)
            parent, parent_subtree = commit, subtree
        if use_cache:
            self._save_cache()

    def _first_parent(self, commit: pygit2.Commit) -> pygit2.Commit | None:
        if not commit.parent_ids:
            return None
        try:
            return self.repo[commit.parent_ids[0]]
        except KeyError:  # the shallow boundary: the parent was never fetched
            return None

    def _subtree(self, commit: pygit2.Commit) -> pygit2.Tree | None:
        if not self.prefix:
            return commit.tree
        try:
            return commit.tree[self.prefix.rstrip("/")]
        except KeyError:
            return None


    def _inside(self, path: str) -> bool:
        return path.startswith(self.prefix) and path.endswith(".md")

    def _apply(self, commit: pygit2.Commit, parent: pygit2.Commit | None, old: pygit2.Tree | None,
               new: pygit2.Tree | None) -> None:
        """Replay one first-parent commit that changed the content folder."""
        when = _when(commit.commit_time, commit.commit_time_offset)
        boundary = parent is None and (bool(commit.parent_ids) or str(commit.id) in self._shallow)
        touched: list[int] = []
        for status, old_path, new_path, blob_id in self._changes(commit, parent, old, new):
            if status == DeltaStatus.DELETED:
                index = self.live.pop(old_path, None)
                if index is not None:
                    self.lineages[index]["deleted_at"] = when
                    self._record_presence(index, None, commit, when)
                continue
            index = self.live.pop(old_path, None) if status == DeltaStatus.RENAMED else self.live.get(new_path)
            if index is None and status == DeltaStatus.RENAMED and not self._inside(old_path):
                index = self._trace_outside(old_path, parent)
            if index is None:
                index = len(self.lineages)
                self.lineages.append(_new_lineage(new_path))
            lineage = self.lineages[index]
            if lineage["paths"][-1] != new_path:
                lineage["paths"].append(new_path)
            lineage["deleted_at"] = None
            self.live[new_path] = index
            self._record_revision(index, new_path, blob_id, commit, when, publish=not boundary)
            touched.append(index)
        if boundary:
            return  # who wrote files older than a shallow clone is unknown
        if len(commit.parent_ids) > 1 and touched:
            self._credit_side_commits(commit, parent, touched)
        else:
            for index in touched:
                self._credit(index, commit)

    def _changes(self, commit: pygit2.Commit, parent: pygit2.Commit | None, old: pygit2.Tree | None,
                 new: pygit2.Tree | None) -> Iterator[tuple]:
        """(status, old path, new path, new blob id) for Markdown files in or moved into the folder.

        The folder's own trees are compared first: from their raw bytes when
        files were only edited, added or removed one at a time (``rawtree``),
        else with libgit2's diff and rename detection. The whole trees are
        diffed (a few ms in a big repository) only when a file appeared while one
        outside the folder disappeared, so a file moved in is seen as a rename.
        """
        if parent is None:
            for path, blob_id in self._blobs(commit.tree):
                yield DeltaStatus.ADDED, path, path, blob_id
            return
        if old is not None and new is not None:
            entries = self._compare_folder(old.id, new.id)
            if entries is not None and (all(entry.old_id for entry in entries)
                                        or not self._lost_outside(parent.tree, commit.tree, "")):
                for entry in entries:
                    path = self.prefix + entry.name
                    if self._inside(path):
                        status = (DeltaStatus.ADDED if not entry.old_id else
                                  DeltaStatus.DELETED if not entry.new_id else DeltaStatus.MODIFIED)
                        yield status, path, path, entry.new_id
                return
            diff = old.diff_to_tree(new)
            diff.find_similar(DiffFind.FIND_RENAMES)
            if (all(delta.status != DeltaStatus.ADDED for delta in diff.deltas)
                    or not self._lost_outside(parent.tree, commit.tree, "")):
                yield from _normalized(diff, self.prefix, self._inside)
                return
        diff = parent.tree.diff_to_tree(commit.tree)
        diff.find_similar(DiffFind.FIND_RENAMES)
        yield from _normalized(diff, "", self._inside)

    def _compare_folder(self, old_id: pygit2.Oid, new_id: pygit2.Oid) -> list[EntryChange] | None:
        """The folder's changed entries from the raw trees, or None when libgit2 must diff them."""
        old = self._folder if self._folder_id == old_id else RawTree(self.repo.read(old_id)[1])
        new = RawTree(self.repo.read(new_id)[1])
        self._folder, self._folder_id = new, new_id
        return compare(old, new)

    def _lost_outside(self, old: pygit2.Tree, new: pygit2.Tree, base: str) -> bool:
        """Whether anything outside the content folder disappeared (descending only into changed trees)."""
        for entry in old:
            path = f"{base}{entry.name}/"
            if path == self.prefix:
                continue
            if entry.name not in new:
                return True
            other = new[entry.name]
            if other.id == entry.id:
                continue
            if entry.type_str != other.type_str:
                return True
            if entry.type_str == "tree" and self._lost_outside(entry, other, path):
                return True
        return False

    def _blobs(self, tree: pygit2.Tree) -> Iterator[tuple[str, str]]:
        folder = self.prefix.rstrip("/")
        try:
            top = tree[folder] if folder else tree
        except KeyError:
            return
        stack = [(top, self.prefix)]
        while stack:
            current, base = stack.pop()
            for entry in current:
                if entry.type_str == "tree":
                    stack.append((self.repo[entry.id], f"{base}{entry.name}/"))
                elif entry.name.endswith(".md"):
                    yield f"{base}{entry.name}", str(entry.id)

    def _trace_outside(self, old_path: str, parent: pygit2.Commit) -> int:
        """A file moved into the folder: replay its earlier first-parent history at ``old_path``."""
        index = len(self.lineages)
        self.lineages.append(_new_lineage(old_path))
        trail: list[tuple[pygit2.Commit, str]] = []
        commit: pygit2.Commit | None = parent
        while commit is not None:
            try:
                blob_id = str(commit.tree[old_path].id)
            except KeyError:
                break
            trail.append((commit, blob_id))
            commit = self._first_parent(commit)
        for position, (commit, blob_id) in enumerate(reversed(trail)):
            previous = trail[len(trail) - position] if position else None
            if previous is not None and previous[1] == blob_id:
                continue
            when = _when(commit.commit_time, commit.commit_time_offset)
            self._record_revision(index, old_path, blob_id, commit, when, publish=True)
            self._credit(index, commit)
        return index

    def _credit_side_commits(self, merge: pygit2.Commit, parent: pygit2.Commit, touched: list[int]) -> None:
        """Authors of the merged branch's commits that changed these files are contributors too."""
        by_path = {self.lineages[i]["paths"][-1]: i for i in touched}
        walker = self.repo.walk(merge.parent_ids[1], SortMode.TOPOLOGICAL)
        for other in merge.parent_ids[2:]:
            walker.push(other)
        walker.hide(parent.id)
        credited: set[int] = set()
        for side in walker:
            side_parent = self._first_parent(side)
            if side_parent is not None and _id(self._subtree(side_parent)) == _id(self._subtree(side)):
                continue
            paths = ((p for p, _ in self._blobs(side.tree)) if side_parent is None else
                     (d.new_file.path for d in side_parent.tree.diff_to_tree(side.tree).deltas))
            for path in paths:
                if path in by_path:
                    self._credit(by_path[path], side)
                    credited.add(by_path[path])
        for index in touched:
            if index not in credited:
                self._credit(index, merge)

    # -- bookkeeping ------------------------------------------------------------
    def _credit(self, index: int, commit: pygit2.Commit) -> None:
        lineage = self.lineages[index]
        commit_id = str(commit.id)
        if lineage["last_commit"] != commit_id:
            lineage["last_commit"] = commit_id
            lineage["revisions"] += 1
        for email, name in _people(commit):
            lineage["contributors"].setdefault(email, name)
        authored = _when(commit.author.time, commit.author.offset)
        if lineage["first_draft_at"] is None or _instant(authored) < _instant(lineage["first_draft_at"]):
            lineage["first_draft_at"] = authored

    def _record_revision(self, index: int, path: str, blob_id: str, commit: pygit2.Commit, when: str,
                         publish: bool) -> None:
        lineage = self.lineages[index]
        lineage["last_updated"] = when
        if publish and lineage["created_at"] is None:
            lineage["created_at"] = when
        revision = self._revisions.get(blob_id)
        if revision is None:
            try:
                data = self.repo[blob_id].data
            except KeyError:  # a partial clone (--filter=blob:none) leaves old contents out
                revision = _Revision(problem="its content is not in this clone (a partial clone?)")
            else:
                revision = _read_revision(data)
            self._revisions[blob_id] = revision
        short, day = str(commit.id)[:7], when[:10]
        if revision.problem:
            self._warn(path, "history/invalid-revision",
                       f"in commit {short} ({day}) {revision.problem}; that revision is skipped",
                       "nothing to do if the file is valid now", revision.line)
            return
        if publish and lineage["published_at"] is None and revision.status not in UNPUBLISHED:
            lineage["published_at"] = when
        if revision.pm_id:
            lineage["id"] = revision.pm_id
        for item_id, status in revision.unknown.items():
            self._warn(path, "history/unknown-status",
                       f"in commit {short} ({day}) action item {item_id} had the unknown status {status!r}; "
                       f"its previous status is kept", f"statuses are: {', '.join(ITEM_STATUSES)}")
        known = {**{k: v for k, v in lineage["statuses"].items() if k in revision.unknown}, **revision.items}
        self._record_presence(index, known, commit, when)

    def _record_presence(self, index: int, statuses: dict[str, str] | None, commit: pygit2.Commit,
                         when: str) -> None:
        """Log every status change between the last known statuses and ``statuses`` (None: file gone)."""
        lineage = self.lineages[index]
        statuses = statuses or {}
        before = lineage["statuses"]
        for item_id in [*before, *(k for k in statuses if k not in before)]:
            old, new = before.get(item_id), statuses.get(item_id)
            if old != new:
                lineage["changes"].append([item_id, when, str(commit.id), old, new])
        lineage["statuses"] = statuses

    def _warn(self, path: str, rule: str, message: str, suggestion: str, line: int = 1) -> None:
        warning = {"path": path, "line": line, "rule": rule, "message": message, "suggestion": suggestion}
        if warning not in self.warnings:
            self.warnings.append(warning)

    # -- result -----------------------------------------------------------------
    def result(self) -> History:
        history = History(head=self.head, commits_read=self.commits_read)
        history.warnings = [_warning(w["path"], w["rule"], w["message"], w["suggestion"], w["line"])
                            for w in self.warnings]
        for lineage in self.lineages:
            key = lineage["id"] or lineage["paths"][-1]
            found = _to_history(key, lineage)
            if key in history.postmortems:  # deleted and re-added, or copied: one postmortem
                found = _merge(history.postmortems[key], found)
            history.postmortems[key] = found
        return history


def _instant(text: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(text) if text else None


def _to_history(key: str, lineage: dict[str, Any]) -> PostmortemHistory:
    return PostmortemHistory(
        key=key,
        paths=list(lineage["paths"]),
        created_at=_instant(lineage["created_at"]),
        published_at=_instant(lineage["published_at"]),
        first_draft_at=_instant(lineage["first_draft_at"]),
        last_updated=_instant(lineage["last_updated"]),
        deleted_at=_instant(lineage["deleted_at"]),
        revisions=lineage["revisions"],
        contributors=sorted(set(lineage["contributors"].values()), key=str.lower),
        changes=[StatusChange(item, _instant(at), commit, old, new)
                 for item, at, commit, old, new in lineage["changes"]],
    )


def _merge(first: PostmortemHistory, second: PostmortemHistory) -> PostmortemHistory:
    """Two lineages with one identity: the live (or later) one gives the path and deletion."""
    live, other = (second, first) if second.deleted_at is None or first.deleted_at is not None else (first, second)

    def earliest(a: dt.datetime | None, b: dt.datetime | None) -> dt.datetime | None:
        return min(x for x in (a, b) if x) if a or b else None

    return PostmortemHistory(
        key=live.key,
        paths=[p for p in other.paths if p not in live.paths] + live.paths,
        created_at=earliest(first.created_at, second.created_at),
        published_at=earliest(first.published_at, second.published_at),
        first_draft_at=earliest(first.first_draft_at, second.first_draft_at),
        last_updated=max((x for x in (first.last_updated, second.last_updated) if x), default=None),
        deleted_at=live.deleted_at,
        revisions=first.revisions + second.revisions,
        contributors=sorted(set(first.contributors) | set(second.contributors), key=str.lower),
        changes=sorted(first.changes + second.changes, key=lambda c: c.at),
    )

