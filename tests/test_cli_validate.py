"""``pmsite validate`` end to end: one run reports every problem in every file."""

from __future__ import annotations

import json
import re

from pmsite.cli import cli
from tests.conftest import write
from tests.test_validate import VALID

BAD_FILES = {
    "unclosed.md": ("---\nid: PM-2024-101\ntitle: never closed\n", "syntax/unclosed-front-matter", 1),
    "yaml-error.md": ("---\nid: PM-2024-102\ntitle: [oops\nstatus: draft\n---\n", "syntax/yaml", None),
    "wrong-type.md": (VALID.replace("PM-2024-010", "PM-2024-103").replace("services: [payments-api]", "services: 7"),
                      "schema/type", 13),
    "enum.md": (VALID.replace("PM-2024-010", "PM-2024-104").replace("severity: SEV3", "severity: SEV7"),
                "schema/enum", 5),
    "no-offset.md": (VALID.replace("PM-2024-010", "PM-2024-105").replace("10:00:00Z", "10:00:00"), "schema/format", 8),
    "order.md": (VALID.replace("PM-2024-010", "PM-2024-106").replace("10:30:00Z", "09:30:00Z"),
                 "consistency/timestamp-order", 11),
    "next-tuesday.md": (VALID.replace("PM-2024-010", "PM-2024-107").replace("date: 2024-06-01", "date: next tuesday"),
                        "schema/format", 7),
    "dup-a.md": (VALID.replace("PM-2024-010", "PM-2024-108"), "consistency/duplicate-id", 2),
    "dup-b.md": (VALID.replace("PM-2024-010", "PM-2024-108"), "consistency/duplicate-id", 2),
    "no-owner.md": (VALID.replace("PM-2024-010", "PM-2024-109").replace("    owner: platform-team\n", ""),
                    "schema/required", 16),
    "bad-status.md": (VALID.replace("PM-2024-010", "PM-2024-110").replace("status: done", "status: closed"),
                      "schema/enum", 23),
    "related.md": (VALID.replace("PM-2024-010", "PM-2024-111").replace("related: []", "related: [PM-1999-001]"),
                   "consistency/unknown-related", 14),
    "empty.md": ("", "syntax/empty", 1),
}


def make_bad_repo(root):
    folder = root / "content" / "postmortems"
    for name, (text, _, _) in BAD_FILES.items():
        write(folder / name, text, dedent=False)
    (folder / "latin1.md").write_bytes("---\ntitle: Caf\xe9\n---\n".encode("latin-1"))
    (folder / "binary.md").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    good = VALID.replace("PM-2024-010", "PM-2024-120")
    (folder / "bom-crlf.md").write_bytes(("\ufeff" + good).replace("\n", "\r\n").encode("utf-8"))
    return folder


def test_every_bad_input_is_reported_in_one_run(runner, site_root):
    make_bad_repo(site_root)
    result = runner.invoke(cli, ["-C", str(site_root), "validate", "--format", "json"])
    assert result.exit_code == 1, result.output
    findings = json.loads(result.output)["findings"]
    found = {(f["path"].rsplit("/", 1)[-1], f["rule"]): f["line"] for f in findings}
    for name, (_, rule, line) in BAD_FILES.items():
        assert (name, rule) in found, f"{name}: {rule} not reported"
        if line is not None:
            assert found[(name, rule)] == line, name
    assert found[("latin1.md", "syntax/encoding")] == 2
    assert ("binary.md", "syntax/binary") in found
    assert not any(f["path"].endswith("bom-crlf.md") for f in findings)
    assert set(findings[0]) >= {"path", "line", "column", "end_line", "end_column", "rule", "category",
                                "severity", "message", "suggestion"}


def test_text_output_is_path_line_col_severity_rule_message(runner, site_root):
    make_bad_repo(site_root)
    result = runner.invoke(cli, ["-C", str(site_root), "validate"])
    lines = [line for line in result.output.splitlines() if not line.startswith(" ")]
    pattern = re.compile(r"^content/postmortems/[\w.-]+\.md:\d+:\d+: (error|warning|info) [a-z-]+/[a-z-]+ .+")
    assert all(pattern.match(line) for line in lines[:-1]), lines
    assert re.match(r"^\d+ errors?", lines[-1])
    assert "Traceback" not in result.output


def test_clean_content_exits_0(runner, site_root):
    write(site_root / "content" / "postmortems" / "ok.md", VALID, dedent=False)
    result = runner.invoke(cli, ["-C", str(site_root), "validate"])
    assert (result.exit_code, result.output) == (0, "no problems found\n")


def test_works_from_a_sub_folder_and_without_pmsite_yaml(runner, tmp_path):
    folder = tmp_path / "content" / "postmortems"
    write(folder / "ok.md", VALID, dedent=False)
    result = runner.invoke(cli, ["-C", str(folder), "validate"])
    assert result.exit_code == 0, result.output


def test_one_named_file_still_sees_the_rest_of_the_repository(runner, site_root):
    folder = site_root / "content" / "postmortems"
    write(folder / "a.md", VALID, dedent=False)
    write(folder / "b.md", VALID.replace("PM-2024-010", "PM-2024-011").replace("related: []", "related: [PM-2024-010]"),
          dedent=False)
    write(folder / "c.md", VALID.replace("PM-2024-010", "PM-2024-012"), dedent=False)
    assert runner.invoke(cli, ["-C", str(site_root), "validate", "content/postmortems/b.md"]).exit_code == 0
    write(folder / "d.md", VALID.replace("PM-2024-010", "PM-2024-011"), dedent=False)
    result = runner.invoke(cli, ["-C", str(site_root), "validate", "content/postmortems/b.md"])
    assert result.exit_code == 1 and "also used by content/postmortems/d.md:2" in result.output


def test_warnings_do_not_fail_unless_asked(runner, site_root):
    write(site_root / "content" / "postmortems" / "w.md", VALID.replace("    status: done", "    status: open"),
          dedent=False)
    assert runner.invoke(cli, ["-C", str(site_root), "validate"]).exit_code == 0
    assert runner.invoke(cli, ["-C", str(site_root), "validate", "--fail-on", "warning"]).exit_code == 1
    quiet = runner.invoke(cli, ["-C", str(site_root), "validate", "--min-severity", "error"])
    assert quiet.output == "no problems found\n"


def test_usage_and_environment_errors_exit_2(runner, site_root, tmp_path):
    missing = runner.invoke(cli, ["-C", str(site_root), "validate", "nope.md"])
    assert missing.exit_code == 2 and "nope.md: no such file or folder" in missing.output
    empty = runner.invoke(cli, ["-C", str(site_root), "validate"])
    assert empty.exit_code == 2 and "no Markdown (.md) files" in empty.output
    bad_format = runner.invoke(cli, ["-C", str(site_root), "validate", "--format", "xml"])
    assert bad_format.exit_code == 2


def test_broken_pmsite_yaml_is_a_located_error(runner, site_root):
    (site_root / "pmsite.yaml").write_text("title: x\ncontent_dir: [a\n", encoding="utf-8")
    result = runner.invoke(cli, ["-C", str(site_root), "validate"])
    assert result.exit_code == 2 and re.search(r"pmsite\.yaml:\d+:\d+: YAML syntax error", result.output)
    (site_root / "pmsite.yaml").write_text("title: x\ncontnet_dir: docs\n", encoding="utf-8")
    result = runner.invoke(cli, ["-C", str(site_root), "validate"])
    assert result.exit_code == 2 and "pmsite.yaml:2:1: unknown key 'contnet_dir'; did you mean 'content_dir'?" in result.output


def test_an_unexpected_crash_is_one_line_not_a_traceback(monkeypatch, capsys, site_root):
    """The console entry point is the last line of defence for bugs in any stage."""
    import pmsite.cli.validate as command
    from pmsite.cli import main

    write(site_root / "content" / "postmortems" / "ok.md", VALID, dedent=False)

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(command, "validate", broken)
    monkeypatch.delenv("PMSITE_DEBUG", raising=False)
    try:
        main(["-C", str(site_root), "validate"])
    except SystemExit as exit_:
        assert exit_.code == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert err.startswith("Error: pmsite hit an unexpected problem (RuntimeError: boom)")


def test_the_executable_keeps_exit_codes_and_flushes_piped_output(site_root):
    """``python -m pmsite`` (like the console script) leaves with os._exit: nothing may be lost."""
    import subprocess
    import sys

    import os

    write(site_root / "content" / "postmortems" / "ok.md", VALID, dedent=False)
    write(site_root / "content" / "postmortems" / "enum.md", BAD_FILES["enum.md"][0], dedent=False)
    buffered = {name: value for name, value in os.environ.items() if name != "PYTHONUNBUFFERED"}
    found = subprocess.run([sys.executable, "-m", "pmsite", "-C", str(site_root), "validate", "--format", "json"],
                           capture_output=True, text=True, env=buffered)
    assert found.returncode == 1
    assert [f["rule"] for f in json.loads(found.stdout)["findings"]] == ["schema/enum"]
    usage = subprocess.run([sys.executable, "-m", "pmsite", "validate", "--format", "yaml"],
                           capture_output=True, text=True, env=buffered)
    assert usage.returncode == 2 and "Invalid value for '--format'" in usage.stderr
