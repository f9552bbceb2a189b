"""``pmsite validate``: schema and cross-file checks."""

from __future__ import annotations

import click

from pmsite import load as load_stage
from pmsite.cli.common import State, emit_findings, fail_on_option, format_option, min_severity_option, pass_state
from pmsite.model import level_rank
from pmsite.validate import validate


@click.command("validate")
@click.argument("paths", nargs=-1, type=click.Path(path_type=str))
@format_option("text", "json")
@min_severity_option()
@fail_on_option()
@pass_state
def validate_command(state: State, paths: tuple[str, ...], output_format: str, min_severity: str, fail_on: str) -> None:
    """Check front-matter against the schema and the rules across files.

    PATHS are Markdown files or folders (default: the content folder). Ids must be
    unique across the repository, timestamps in order, related ids must exist,
    and published SEV1/SEV2 postmortems need the deep analysis sections, filled in
    (not only the template's guidance or TBD), and a systemic action item. Every
    problem in every file is reported in one run. Two postmortems that look like
    the same problem (docs/adopting.md) but share no fingerprint or related link
    get an info finding.
    """
    config = state.config
    targets = load_stage.load(state.resolve(paths), config)
    # cross-file rules look at the whole repository even when one file is checked
    corpus = load_stage.load_corpus(config) if paths else targets.postmortems
    findings = targets.findings + validate(targets.postmortems, corpus)
    if level_rank(min_severity) <= level_rank("info"):  # ranking costs a second: only when info is shown
        from pmsite.similar import same_problem_findings

        findings += same_problem_findings(corpus, targets.postmortems, config)
    findings.sort(key=lambda f: f.sort_key())
    emit_findings(findings, output_format, min_severity, fail_on)


COMMANDS = (validate_command,)
