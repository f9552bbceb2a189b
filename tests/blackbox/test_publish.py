"""Proposing the draft: a pygit2 commit on a new branch, pushed, and a GitHub pull request.

The pull request goes to the local GitHub server of tests/blackbox/fakes.py, written from
https://docs.github.com/en/rest/pulls/pulls#create-a-pull-request (``POST
/repos/{owner}/{repo}/pulls`` with ``title``, ``head``, ``base``, ``body``, ``draft``).
"""

from __future__ import annotations

from pathlib import Path

import pygit2

from pmsite.cli import cli
from tests.blackbox.conftest import blackbox_yaml
from tests.git_fixture import GitRepo

BRANCH = "blackbox/2026-03-07-q1abcdef"
DRAFT_PATH = "content/postmortems/2026-03-07-checkout-latency-after-cache-flush.md"


def repository_with_remote(repo: Path, apis: dict, publish: str) -> tuple[GitRepo, pygit2.Repository, pygit2.Oid]:
    """``repo`` committed on main and pushed to a bare ``origin`` beside it."""
    (repo / "pmsite.yaml").write_text(blackbox_yaml(apis, f"publish: {publish}\n"), encoding="utf-8")
    git = GitRepo(repo)
    git.write(".gitignore", ".pmsite-cache/\npacks/\n")
    git.write("content/postmortems/.keep", "")
    main = git.commit("Start", "2026-03-01 09:00")
    remote_path = repo.parent / (repo.name + "-remote.git")
    remote = pygit2.init_repository(str(remote_path), bare=True)
    git.repo.remotes.create("origin", str(remote_path))
    git.repo.remotes["origin"].push(["refs/heads/main:refs/heads/main"])
    return git, remote, main


def test_collect_propose_commits_the_draft_on_a_branch_and_opens_a_pull_request(runner, repo, tokens, apis):
    git, remote, main = repository_with_remote(repo, apis, "{repository: acme/postmortems, base: main}")

    result = runner.invoke(cli, ["-C", str(repo), "blackbox", "collect", "--incident", "Q1ABCDEF", "--propose"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-1] == (
        f"proposed {DRAFT_PATH} on branch {BRANCH}: https://github.com/acme/postmortems/pull/7")

    pushed = remote.references[f"refs/heads/{BRANCH}"].peel(pygit2.Commit)
    assert pushed.parents[0].id == main
    pack = next(p for p in (repo / "packs").iterdir() if p.is_dir() and not p.name.startswith("."))
    assert pushed.tree[DRAFT_PATH].data == (pack / "draft.md").read_bytes()
    assert pushed.message.startswith("Draft postmortem: Checkout latency after cache flush\n")

    request = apis["github"].calls("/repos/acme/postmortems/pulls")[0]
    assert request.method == "POST"
    assert request.headers["Authorization"].startswith("Bearer ghp_")
    assert {k: request.body[k] for k in ("title", "head", "base", "draft")} == {
        "title": "Postmortem draft: Checkout latency after cache flush", "head": BRANCH, "base": "main", "draft": True}

    assert git.repo.head.target == main  # the checked-out branch and the working folder are untouched
    assert not (repo / DRAFT_PATH).exists()
    assert git.repo.status() == {}


def test_propose_twice_refuses_to_overwrite_the_branch(runner, repo, tokens, apis, tmp_path):
    (repo / "pmsite.yaml").write_text(blackbox_yaml(apis, """\
          publish: {repository: acme/postmortems, base: main, remote: origin}
        """), encoding="utf-8")
    git = GitRepo(repo)
    git.write(".gitignore", ".pmsite-cache/\npacks/\n")
    git.commit("Start", "2026-03-01 09:00")
    git.repo.branches.local.create(BRANCH, git.repo.head.peel(pygit2.Commit))
    result = runner.invoke(cli, ["-C", str(repo), "blackbox", "collect", "--incident", "Q1ABCDEF", "--propose"])
    assert result.exit_code == 2
    assert result.output.splitlines()[-1] == f"Error: branch {BRANCH} already exists; the draft was proposed before"
