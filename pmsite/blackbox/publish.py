"""Propose the draft for review: a commit on a new branch (pygit2) and a pull request.

The commit is built from the base branch's tree plus the one new file, straight
into the object database, so the working copy, its index and the checked-out
branch are never touched. The branch is pushed to ``publish.remote`` and the
pull request opened as a draft through the GitHub API (``GITHUB_API_URL`` for
GitHub Enterprise Server). Screenshots stay in the private pack: they cannot be
redacted, so they are not committed.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pygit2
import yaml

from pmsite.blackbox import github
from pmsite.blackbox.http import SourceError
from pmsite.blackbox.runner import Context
from pmsite.blackbox.settings import BlackboxError
from pmsite.scaffold import slugify


def publish_draft(pack: Path, context: Context) -> str:
    """Commit ``pack/draft.md``, push the branch, open the pull request; returns its URL."""
    options = context.settings.publish
    config = context.config
    repository = str(options.get("repository") or "")
    if repository.count("/") != 1:
        raise BlackboxError("blackbox.publish.repository must be the GitHub owner/name of the postmortem repository")
    remote_name, base = str(options.get("remote") or "origin"), str(options.get("base") or "main")
    draft = (pack / "draft.md").read_bytes()
    title, date = _title_and_date(draft.decode("utf-8"))
    branch = f"{options.get('branch_prefix') or 'blackbox/'}{pack.name.lower()}"
    path = (config.content_dir / f"{date}-{slugify(title) or pack.name.lower()}.md").relative_to(config.root).as_posix()

    try:
        repo = pygit2.Repository(str(config.root))
        base_commit = _base_commit(repo, remote_name, base)
        if repo.references.get(f"refs/heads/{branch}") is not None:
            raise BlackboxError(f"branch {branch} already exists; the draft was proposed before")
        index = pygit2.Index()
        index.read_tree(base_commit.tree)
        if path in index:
            raise BlackboxError(f"{path} already exists on {base}; pmsite never overwrites a postmortem")
        index.add(pygit2.IndexEntry(path, repo.create_blob(draft), pygit2.enums.FileMode.BLOB))
        now = int(dt.datetime.now(dt.timezone.utc).timestamp())
        signature = pygit2.Signature("pmsite blackbox", "blackbox@pmsite.invalid", now, 0)
        repo.create_commit(f"refs/heads/{branch}", signature, signature,
                           f"Draft postmortem: {title}\n\nCollected by pmsite blackbox from incident pack "
                           f"{pack.name}.\n",
                           index.write_tree(repo), [base_commit.id])
        token = context.secrets.get("GITHUB_TOKEN")
        callbacks = pygit2.RemoteCallbacks(credentials=pygit2.UserPass("x-access-token", token)) if token else None
        repo.remotes[remote_name].push([f"refs/heads/{branch}:refs/heads/{branch}"], callbacks=callbacks)
    except (pygit2.GitError, KeyError) as error:
        raise BlackboxError(f"cannot commit the draft to branch {branch} of {config.root}: {error}") from None

    api = github.client(context.settings.urls["github"], context.secrets.get("GITHUB_TOKEN"),
                        timeout=context.settings.http_timeout)
    body = (f"Draft postmortem collected by `pmsite blackbox` when the incident resolved.\n\n"
            f"The full incident pack (raw exports, screenshots, manifest) is at `{pack}` on the collector.\n")
    try:
        reply = api.post(f"/repos/{repository}/pulls", {"title": f"Postmortem draft: {title}", "head": branch,
                                                         "base": base, "body": body, "draft": True})
    except SourceError as error:
        raise BlackboxError(f"branch {branch} is pushed but the pull request was not opened: {error}") from None
    return f"proposed {path} on branch {branch}: {(reply.data or {}).get('html_url', '')}"


def _base_commit(repo: pygit2.Repository, remote: str, base: str) -> pygit2.Commit:
    for name in (f"refs/remotes/{remote}/{base}", f"refs/heads/{base}"):
        reference = repo.references.get(name)
        if reference is not None:
            return reference.peel(pygit2.Commit)
    raise BlackboxError(f"no branch {base} (nor {remote}/{base}) to base the draft on; set blackbox.publish.base")


def _title_and_date(text: str) -> tuple[str, str]:
    """From the draft's own front-matter (written by ``pack``, so it parses)."""
    data = yaml.safe_load(text.split("---", 2)[1]) or {}
    return str(data.get("title") or "incident"), str(data.get("date") or "")
