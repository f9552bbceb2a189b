"""``pmsite review``: the pull-request gate of the review lifecycle (see docs/review.md)."""

from __future__ import annotations

from pathlib import Path

import click

from pmsite import load as load_stage
from pmsite.cli.common import State, emit_findings, fail_on_option, format_option, min_severity_option, pass_state
from pmsite.model import Finding


@click.command("review")
@click.argument("paths", nargs=-1, type=click.Path(path_type=str))
@click.option("--base", metavar="REF",
              help="Check only the postmortems changed since this branch, tag or commit (a pull request's base).")
@format_option("text", "json", "github")
@min_severity_option()
@fail_on_option()
@pass_state
def review_command(state: State, paths: tuple[str, ...], base: str | None, output_format: str, min_severity: str,
                   fail_on: str) -> None:
    """Check that each postmortem meets what its status asks for.

    in-review needs a written summary, impact and timeline. published needs every
    section of its template filled in, no lint error, a systemic action item for
    SEV1/SEV2 and the approvals its severity asks for (review.approvals in
    pmsite.yaml) from someone other than its only author, read from git history.
    wont_publish needs a reason and the same approvals.

    With --base, only the Markdown files changed since REF (diffed from the merge
    base to the working folder) are checked, within PATHS when given; without it,
    PATHS (default: the content folder). Exits 1 when the gate fails.
    """
    from pmsite.lint import lint
    from pmsite.review import changes as git_changes
    from pmsite.review.gate import Submission, check
    from pmsite.review.policy import ReviewPolicy
    from pmsite.validate import validate

    config = state.config
    policy = ReviewPolicy.from_config(config)
    old_texts: dict[Path, str | None] = {}
    repo = None
    if base:
        repo = git_changes.open_repository(config.root)
        within = state.resolve(paths) if paths else [config.content_dir]
        for change in git_changes.changed_markdown(repo, base, config.content_dir):
            if any(change.path == root or root in change.path.parents for root in within):
                old_texts[change.path] = change.old_text
        if not old_texts:
            click.echo(f"no postmortem changed since {base}", err=True)
            emit_findings([], output_format, min_severity, fail_on)
        loaded = load_stage.load(sorted(old_texts), config)
    else:
        loaded = load_stage.load(state.resolve(paths), config)
        try:
            repo = git_changes.open_repository(config.root)
        except git_changes.GitError:
            repo = None  # no history: approvals are checked against the authors list only

    corpus = load_stage.load_corpus(config)
    targets = loaded.postmortems
    findings_of: dict[str, list[Finding]] = {}
    for finding in validate(targets, corpus):
        findings_of.setdefault(finding.path, []).append(finding)
    published = [pm for pm in targets if pm.status == "published"]
    if published:
        for finding in lint(published, config).findings:
            findings_of.setdefault(finding.path, []).append(finding)
    authors = git_changes.authors(repo, [pm.path for pm in targets]) if repo is not None else {}

    findings = list(loaded.findings)
    for pm in targets:
        old = old_texts.get(pm.path)
        old_status = None
        if old is not None:
            before, _ = load_stage.parse_postmortem(old, pm.path, pm.display_path)
            old_status = before.status or None
        if base:
            click.echo(f"{pm.display_path}: {old_status or 'new'} -> {pm.status or '(no status)'}", err=True)
        submission = Submission(pm, old_status, authors.get(pm.path) if repo is not None else None,
                                findings_of.get(pm.display_path, []))
        findings += check(submission, policy)
    emit_findings(sorted(findings, key=Finding.sort_key), output_format, min_severity, fail_on)


COMMANDS = (review_command,)
