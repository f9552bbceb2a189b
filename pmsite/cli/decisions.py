"""``pmsite decisions PATH``: the counterfactual interview that writes a postmortem's decision map."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from pmsite.cli.common import State, pass_state
from pmsite.decisions import block
from pmsite.decisions.interview import AnswerLinter, Console, Interview, in_time_order
from pmsite.errors import ContentError, PmsiteError
from pmsite.load import decode, parse_postmortem
from pmsite.model import ExitStatus, Finding, Postmortem
from pmsite.yamlpos import YamlSyntaxError, parse_yaml

#: Exit status of an interview stopped with Ctrl-C (as ``pmsite.cli.main`` uses for KeyboardInterrupt).
INTERRUPTED = 130


class FindingsError(PmsiteError):
    """Decision points that do not validate: printed as findings, nothing written."""

    exit_code = ExitStatus.FINDINGS


def _load(path: Path, display: str) -> tuple[bytes, str, Postmortem]:
    if not path.is_file():
        raise ContentError(f"{display}: no such file; 'pmsite new' starts a postmortem")
    data, text = block.read_text(path)
    normalised, problem = decode(data, display)
    if problem is not None:
        raise ContentError(f"{display}:{problem.line}: {problem.message}")
    pm, findings = parse_postmortem(normalised or "", path, display)
    if findings:
        raise ContentError(f"{display}:{findings[0].line}: {findings[0].message}; {findings[0].suggestion}")
    if pm.front_matter_lines is None:
        raise ContentError(f"{display}:1: the file has no front-matter; 'pmsite new' writes a postmortem with one")
    return data, text, pm


def _show(findings: list[Finding]) -> str:
    from pmsite.formats import FormatOptions
    from pmsite.formats.text import format_text

    return format_text(findings, FormatOptions(color=False))


def _read_from(file: Path, display: str, target: Postmortem) -> list[dict[str, Any]]:
    """The decision points of a ``--from`` file, checked at its own lines."""
    if not file.is_file():
        raise ContentError(f"{display}: no such file")
    text = decode(file.read_bytes(), display)[0]
    if text is None:
        raise ContentError(f"{display}: is not UTF-8 text")
    try:
        parsed = parse_yaml(text)
    except YamlSyntaxError as exc:
        raise ContentError(exc.located(display)) from None
    data, positions = parsed.data, parsed.positions
    if isinstance(data, dict) and set(data) == {"decisions"}:
        data = data["decisions"]
    else:
        positions = {("decisions", *key): value for key, value in positions.items()}
    if not isinstance(data, list):
        raise ContentError(f"{display}:1: expected a list of decision points (or 'decisions:' with one)")
    from pmsite.validate import decisions_block_findings

    checked = Postmortem(path=file, display_path=display, text=text, meta={**target.meta, "decisions": data},
                         key_positions={("decisions",): (1, 1), **positions})
    findings = decisions_block_findings(checked)
    if any(f.severity == "error" for f in findings):
        raise FindingsError(f"{display}: these decision points do not validate; nothing was written\n"
                            + _show(findings))
    return data


def _interview(pm: Postmortem, state: State, decisions: list[dict[str, Any]], edit: int | None) -> list[dict[str, Any]]:
    console = Console(prompt=click.prompt, echo=click.echo)
    interview = Interview(pm, console, AnswerLinter(pm, state.config))
    if edit is not None:
        click.echo(f"Editing decision point {edit} of {pm.display_path}. Enter keeps an answer; Ctrl-C writes nothing.")
        decisions = list(decisions)
        decisions[edit - 1] = interview.decision(decisions[edit - 1])
        return decisions
    click.echo(f"Decision points of {pm.display_path}: {len(decisions)} so far. Ctrl-C at any time writes nothing.")
    click.echo("Answer with what people saw and knew at the moment, not with what we know now.")
    added = list(decisions)
    while True:
        click.echo(f"\nDecision point {len(added) + 1}")
        added.append(interview.decision())
        if not click.confirm("\nAnother decision point?", default=False):
            return added


@click.command("decisions")
@click.argument("path", type=click.Path(path_type=str))
@click.option("--add", "add", is_flag=True, help="Add decision points to the ones the file has (the default).")
@click.option("--edit", "edit", type=click.IntRange(min=1), metavar="N", help="Go through decision point N again.")
@click.option("--from", "from_file", type=click.Path(path_type=str), metavar="FILE",
              help="Write the decision points of a YAML file instead of asking (replaces the block).")
@pass_state
def decisions_command(state: State, path: str, add: bool, edit: int | None, from_file: str | None) -> None:
    """Interview for the decision points of a postmortem and write its decision map.

    Asks the questions of the counterfactual method one at a time: what was seen,
    which options were open and what each would have taken, why the chosen one
    made sense then, and which cues were missing, misleading, late, ambiguous or
    conflicting. Answers that slip into blame or hindsight are shown with the
    linter's finding and asked again.

    Only the 'decisions:' block of the front-matter changes; every other byte of
    the file stays as it was. Ctrl-C writes nothing. If the file changes on disk
    during the interview, it is not overwritten: the answers go to a file next to it.

    Example: pmsite decisions content/postmortems/2024-03-07-search-latency.md --add
    """
    if sum([add, edit is not None, from_file is not None]) > 1:
        raise click.UsageError("use one of --add, --edit N and --from FILE")
    config = state.config
    target = state.resolve((path,))[0]
    display = config.display_path(target)
    original, text, pm = _load(target, display)
    current = pm.meta.get("decisions") or []
    if not isinstance(current, list):
        raise ContentError(f"{display}:{pm.position_of(('decisions',)).line}: decisions: must be a list; "
                           "fix it or remove it first")
    if edit is not None and edit > len(current):
        raise click.UsageError(f"{display} has {len(current)} decision points; --edit takes 1 to {len(current)}"
                               if current else f"{display} has no decision points yet; run without --edit")
    block.replace_block(text, current, display)  # a block that cannot be rewritten fails now, not after the interview
    if from_file is not None:
        source = state.resolve((from_file,))[0]
        decisions = _read_from(source, config.display_path(source), pm)
    else:
        try:
            decisions = _interview(pm, state, current, edit)
        except (click.Abort, KeyboardInterrupt):
            click.echo(f"\nInterrupted: nothing was written to {display}.", err=True)
            raise SystemExit(INTERRUPTED) from None
    decisions = in_time_order(decisions)
    _write(target, original, text, decisions, display, path, state)
    new_pm = _load(target, display)[2]
    from pmsite.validate import decisions_block_findings

    if decisions:
        start = new_pm.position_of(("decisions",)).line
        click.echo(f"wrote {len(decisions)} decision point{'s' if len(decisions) != 1 else ''} to {display} "
                   f"(the decisions: block starts on line {start}); the rest of the file is unchanged")
    else:
        click.echo(f"removed the decisions: block of {display}; the rest of the file is unchanged")
    findings = decisions_block_findings(new_pm)
    if findings:
        click.echo(_show(findings))


def _write(target: Path, original: bytes, text: str, decisions: list[dict[str, Any]], display: str, path: str,
           state: State) -> None:
    """Write the block, or keep the answers next to the file and say why and how to apply them."""
    problem = f"{display} changed on disk while you answered, so it was not overwritten"
    try:
        if block.write_if_unchanged(target, original, block.replace_block(text, decisions, display)):
            return
    except (OSError, ContentError) as exc:
        problem = f"{display} could not be written ({getattr(exc, 'strerror', None) or exc})"
    try:
        saved = state.config.display_path(block.save_beside(target, decisions))
    except OSError as exc:
        raise ContentError(f"{problem}, and the answers could not be saved next to it ({exc.strerror or exc})") from None
    raise ContentError(f"{problem}. Your answers are in {saved}; check them, then run: "
                       f"pmsite decisions {path} --from {saved}")


COMMANDS = (decisions_command,)
