"""``pmsite build`` prints a summary or every error; exit codes follow the contract."""

from __future__ import annotations

import errno
import os
import pathlib
import re

import pytest

from pmsite.cli import cli
from tests.render.site_fixture import make_site


def test_build_prints_a_summary(runner, tmp_path):
    make_site(tmp_path)
    result = runner.invoke(cli, ["-C", str(tmp_path), "build", "--as-of", "2024-07-15"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert re.fullmatch(r"Built 38 pages into site/ \(base URL /, as of 2024-07-15\); \d+ files changed", lines[0])
    assert "  Postmortems        3" in lines
    assert "  Search        3 pages indexed" in lines
    assert "Findings: 0 errors, 0 warnings, 0 info" in lines
    assert "1 draft or in-review postmortem not counted (--drafts counts them)" in lines
    assert re.fullmatch(r"Time: load [\d.]+ s · validate [\d.]+ s · lint [\d.]+ s · history [\d.]+ s · aggregate [\d.]+ s · "
                        r"similar [\d.]+ s · render [\d.]+ s · index [\d.]+ s · total [\d.]+ s", lines[-1])
    assert (tmp_path / "site" / "index.html").is_file()


def test_build_options_out_base_url_and_drafts(runner, tmp_path):
    make_site(tmp_path)
    result = runner.invoke(cli, ["-C", str(tmp_path), "build", "--out", "public", "--base-url", "/pm/", "--drafts",
                                 "--as-of", "2024-07-15"])
    assert result.exit_code == 0, result.output
    assert "into public/ (base URL /pm/" in result.output and "not counted" not in result.output
    assert 'href="/pm/assets/style.css"' in (tmp_path / "public" / "index.html").read_text()


def test_invalid_content_prints_every_error_and_exits_1(runner, tmp_path):
    make_site(tmp_path)
    build_ok = runner.invoke(cli, ["-C", str(tmp_path), "build"])
    assert build_ok.exit_code == 0
    bad = tmp_path / "content" / "postmortems" / "2024-06-11-login-outage-expired-certificate.md"
    bad.write_text(bad.read_text().replace("severity: SEV4", "severity: SEV5"))
    result = runner.invoke(cli, ["-C", str(tmp_path), "build"])
    assert result.exit_code == 1
    assert ("content/postmortems/2024-06-11-login-outage-expired-certificate.md:5:1: error schema/enum "
            "severity is 'SEV5', which is not an allowed value") in result.output
    assert result.output.rstrip().endswith(
        "Error: the build stopped: 1 error in 1 file; the previous site is untouched")


def test_refusing_the_repository_root_is_a_one_line_error(runner, tmp_path):
    make_site(tmp_path)
    result = runner.invoke(cli, ["-C", str(tmp_path), "build", "--out", "."])
    assert result.exit_code == 1
    assert result.output.startswith("Error: ") and result.output.count("\n") == 1
    assert "cannot be the repository root" in result.output


def test_bad_as_of_is_a_usage_error(runner, tmp_path):
    make_site(tmp_path)
    result = runner.invoke(cli, ["-C", str(tmp_path), "build", "--as-of", "July"])
    assert result.exit_code == 2 and "Invalid value for '--as-of'" in result.output


def test_serve_on_a_busy_port_is_a_one_line_error(runner, tmp_path):
    import socket

    make_site(tmp_path)
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = runner.invoke(cli, ["-C", str(tmp_path), "serve", "--port", str(port)])
    assert result.exit_code == 2
    assert result.output == (f"Error: cannot listen on 127.0.0.1:{port} (Address already in use); "
                             "choose another port with --port\n")


@pytest.mark.parametrize("out", ["templates", "themes/mine", "themes", ".git/site", "templates/partials"])
def test_output_folders_the_theme_lookup_reads_are_refused(runner, tmp_path, out):
    """A site written into templates/ would be read back as templates by the next build."""
    make_site(tmp_path)
    (tmp_path / "templates").mkdir()
    result = runner.invoke(cli, ["-C", str(tmp_path), "build", "--out", out])
    assert result.exit_code == 1
    assert "which the build reads templates and theme files from" in result.output, result.output
    assert result.output.count("\n") == 1
    assert not any((tmp_path / "templates").iterdir())


def test_a_missing_folder_after_dash_c_is_named(runner, tmp_path):
    result = runner.invoke(cli, ["-C", str(tmp_path / "nope"), "validate"])
    assert result.exit_code == 2
    assert "nope" in result.output and "does not exist" in result.output


def _main_error(capsys, *args: str) -> tuple[int, str]:
    """Run the console entry point (the last line of defence) and return its exit code and stderr."""
    from pmsite.cli import main

    with pytest.raises(SystemExit) as exit_:
        main(list(args))
    return exit_.value.code, capsys.readouterr().err


@pytest.mark.parametrize("code, expected", [
    (errno.ENOSPC, "No space left on device; the disk is full: free some space and run again"),
    (errno.EROFS, "Read-only file system; the file system is read-only: run pmsite where it can write"),
    (errno.EACCES, "Permission denied; check the permissions of that file or folder"),
])
def test_a_full_disk_or_read_only_checkout_is_a_clear_error_and_leaves_nothing(capsys, monkeypatch, tmp_path,
                                                                                code, expected):
    make_site(tmp_path)
    real_write = pathlib.Path.write_bytes

    def refused(self, data):
        if ".site.building-" in str(self):
            raise OSError(code, os.strerror(code), str(self))
        return real_write(self, data)

    monkeypatch.setattr(pathlib.Path, "write_bytes", refused)
    status, err = _main_error(capsys, "-C", str(tmp_path), "build")
    assert status == 2 and err.count("\n") == 1 and "unexpected problem" not in err
    assert err.startswith(f"Error: {tmp_path}/.site.building-") and expected in err
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith((".site", "site"))] == []


def test_an_unreadable_template_names_the_file(capsys, monkeypatch, tmp_path):
    import jinja2.loaders

    make_site(tmp_path)
    template = tmp_path / "templates" / "404.html"
    template.parent.mkdir()
    template.write_text('{% extends "base.html" %}{% block content %}Lost{% endblock %}')

    def unreadable(path, *args, **kwargs):
        if str(path) == str(template):
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return open(path, *args, **kwargs)

    monkeypatch.setattr(jinja2.loaders, "open", unreadable, raising=False)
    status, err = _main_error(capsys, "-C", str(tmp_path), "build")
    assert status == 1 and "unexpected problem" not in err
    assert err == (f"Error: {template}: cannot read the template (Permission denied); "
                   "check that it is a readable file\n")


def test_a_cache_folder_that_cannot_be_used_costs_time_or_says_what_to_do(runner, tmp_path, monkeypatch):
    make_site(tmp_path / "repo")
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the user's cache folder should be")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocked))
    checked = runner.invoke(cli, ["-C", str(tmp_path / "repo"), "validate"])
    assert checked.exit_code == 0, checked.output  # the caches are simply empty
    built = runner.invoke(cli, ["-C", str(tmp_path / "repo"), "build"])
    assert built.exit_code == 1 and built.output.count("\n") == 1
    assert "cannot create the folder for build locks" in built.output and "XDG_CACHE_HOME" in built.output


def test_lint_errors_do_not_stop_a_build_and_it_says_why(runner, tmp_path):
    assert runner.invoke(cli, ["-C", str(tmp_path), "init", "x"]).exit_code == 0
    example = next((tmp_path / "x" / "content" / "postmortems").glob("*.md"))
    text = example.read_text(encoding="utf-8")
    example.write_text(text.replace("## Impact\n", "## Impact\n\nThis was human error.\n"), encoding="utf-8")
    result = runner.invoke(cli, ["-C", str(tmp_path / "x"), "build", "--drafts"])
    assert result.exit_code == 0, result.output
    assert "error blame/human-error" in result.stdout
    assert "Findings: 1 errors" in result.stdout
    assert "lint findings never stop a build" in result.stdout


def test_no_arguments_print_help_and_exit_0(runner):
    result = runner.invoke(cli, [], prog_name="pmsite")
    assert result.exit_code == 0
    assert result.stdout.startswith("Usage: pmsite [OPTIONS] [COMMAND] [ARGS]...") and "Commands:" in result.stdout


def test_a_mistyped_command_names_the_closest(runner):
    result = runner.invoke(cli, ["buidl"])
    assert result.exit_code == 2
    assert "Error: No such command 'buidl'. Did you mean 'build'?" in result.output


def test_choices_and_metavars_read_as_users_write_them(runner):
    new_help = runner.invoke(cli, ["new", "--help"]).stdout
    assert "--severity [SEV1|SEV2|SEV3|SEV4]" in new_help
    assert "--as-of DATE" in runner.invoke(cli, ["build", "--help"]).stdout
    assert "--owner NAME" in runner.invoke(cli, ["actions", "--help"]).stdout
    bad = runner.invoke(cli, ["new", "x", "--severity", "sev9", "--type", "other"])
    assert bad.exit_code == 2 and "'sev9' is not one of SEV1, SEV2, SEV3, SEV4" in bad.output
