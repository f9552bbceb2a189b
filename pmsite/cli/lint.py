"""``pmsite lint``: blame, hindsight and counterfactual language in postmortems."""

from __future__ import annotations

import click

from pmsite import __version__
from pmsite import load as load_stage
from pmsite.cli.common import State, emit_findings, fail_on_option, format_option, min_severity_option, pass_state, \
    use_color
from pmsite.formats import FormatOptions
from pmsite.lint import lint


@click.command("lint")
@click.argument("paths", nargs=-1, type=click.Path(path_type=str))
@format_option("text", "json", "sarif", "github", "markdown", "rdjson")
@min_severity_option()
@fail_on_option(default="warning")
@click.option("--no-cache", is_flag=True, help="Parse every file again instead of reusing the lint cache.")
@pass_state
def lint_command(state: State, paths: tuple[str, ...], output_format: str, min_severity: str, fail_on: str,
                 no_cache: bool) -> None:
    """Find blame, hindsight and counterfactual language, with a suggested rewrite for each.

    PATHS are Markdown files or folders (default: the content folder); front-matter
    is optional. Action items that ask people to try harder are reported too
    (quality rules). Quoted speech (blockquotes, text in double quotes) is reported at
    info. Rule levels, extra role nouns and the spaCy model are set under `lint:` in
    pmsite.yaml; `<!-- pmsite-lint disable RULE -->` comments silence findings.
    See docs/lint-rules.md for every rule. `--format rdjson` is reviewdog's diagnostic
    format: rewrites that can replace a sentence as it stands become suggested changes
    (SARIF carries them as `fixes`); see docs/editors.md.

    Exits 1 when a finding at --fail-on (default: warning) or above is reported,
    2 on a usage or environment error.
    """
    config = state.config
    loaded = load_stage.load(state.resolve(paths), config)
    report = lint(loaded.postmortems, config, use_cache=not no_cache)
    findings = sorted(loaded.findings + report.findings, key=lambda f: f.sort_key())
    options = FormatOptions(color=use_color(), tool_version=__version__, extra={"scores": report.scores},
                            sources={pm.display_path: pm.text for pm in loaded.postmortems})
    emit_findings(findings, output_format, min_severity, fail_on, options)


COMMANDS = (lint_command,)
