"""The lint output formats: github annotations, markdown summary, text and SARIF structure."""

from __future__ import annotations

import json

import jsonschema

from pmsite.formats import FORMATS, FormatOptions
from pmsite.formats.github import escape_data, escape_property
from pmsite.model import Finding
from tests.conftest import REPO_ROOT

SCHEMA = REPO_ROOT / "tests" / "fixtures" / "sarif-schema-2.1.0.json"


def finding(**overrides) -> Finding:
    values = dict(path="content/postmortems/a b.md", line=3, column=9, end_line=3, end_column=15,
                  rule="counterfactual/person-missed", category="counterfactual", severity="warning",
                  message="'missed' makes the SRE the cause, 100% so", suggestion="The warning was missed: why?",
                  context="The SRE missed the warning.")
    values.update(overrides)
    return Finding(**values)


def test_github_annotation_escapes_properties_and_message():
    line = FORMATS["github"]([finding(path="a,b:c.md", message="50% off\nnext")], FormatOptions())
    assert line == ("::warning file=a%2Cb%3Ac.md,line=3,col=9,endColumn=15,title=counterfactual/person-missed"
                    "::50%25 off%0Anext%0AThe warning was missed: why?")
    assert escape_property("x:y,z%") == "x%3Ay%2Cz%25" and escape_data("a\r\nb") == "a%0D%0Ab"


def test_github_levels_map_to_workflow_commands():
    lines = FORMATS["github"]([finding(severity=s, line=i) for i, s in enumerate(("error", "warning", "info"), 1)],
                              FormatOptions()).splitlines()
    assert [line.split(" ", 1)[0] for line in lines] == ["::error", "::warning", "::notice"]


def test_markdown_summary_carries_every_finding_and_scores():
    many = [finding(line=n, message=f"finding | {n}") for n in range(1, 31)]
    text = FORMATS["markdown"](many, FormatOptions(extra={"scores": {"content/postmortems/a b.md": 42}}))
    rows = [line for line in text.splitlines() if line.startswith("| `content")]
    assert len(rows) == 31  # one score row and thirty findings: more than GitHub's 10 annotations
    assert "| `content/postmortems/a b.md` | 42/100 |" in text
    assert "finding \\| 7" in text and "30 warnings in 1 file." in text


def test_text_groups_by_file_and_line_with_sentence_why_and_hint():
    text = FORMATS["text"]([finding(path="b.md", line=1), finding(line=9), finding(line=2)],
                           FormatOptions(extra={"scores": {"b.md": 95}}))
    heads = [line.split(": ", 1)[0] for line in text.splitlines() if not line.startswith(" ")]
    assert heads[:3] == ["b.md:1:9", "content/postmortems/a b.md:2:9", "content/postmortems/a b.md:9:9"]
    assert "    > The SRE missed the warning." in text and "    why: 'Missed' and 'overlooked'" in text
    assert "  b.md: blamelessness 95/100" in text


def sarif(findings, version="0.1.0") -> dict:
    return json.loads(FORMATS["sarif"](findings, FormatOptions(tool_version=version)))


def test_sarif_rules_results_regions_and_stable_fingerprints():
    log = sarif([finding(), finding(rule="syntax/encoding", category="syntax", severity="error",
                                    message="byte 0xe9 is not valid UTF-8", context="")])
    run = log["runs"][0]
    rules = {rule["id"]: rule for rule in run["tool"]["driver"]["rules"]}
    assert rules["counterfactual/person-missed"]["help"]["text"].startswith("A person or team as the subject")
    assert rules["syntax/encoding"]["shortDescription"]["text"] == "byte 0xe9 is not valid UTF-8"
    result = next(r for r in run["results"] if r["ruleId"] == "counterfactual/person-missed")
    assert run["tool"]["driver"]["rules"][result["ruleIndex"]]["id"] == result["ruleId"]
    location = result["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == "content/postmortems/a%20b.md"
    assert location["region"] == {"startLine": 3, "startColumn": 9, "endLine": 3, "endColumn": 15,
                                  "snippet": {"text": "The SRE missed the warning."}}
    moved = sarif([finding(line=40)])["runs"][0]["results"][0]
    assert moved["partialFingerprints"] == result["partialFingerprints"]
    twice = sarif([finding(), finding(column=20)])["runs"][0]["results"]
    assert twice[0]["partialFingerprints"] != twice[1]["partialFingerprints"]


def test_sarif_is_valid_against_the_official_schema(runner, site_root):
    from pmsite.cli import cli
    (site_root / "content" / "postmortems" / "a.md").write_text(
        "The SRE missed the warning.\n\n> I messed up.\n\nIt was obvious.\n", encoding="utf-8")
    result = runner.invoke(cli, ["-C", str(site_root), "lint", "--format", "sarif", "--no-cache"])
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    document = json.loads(result.output)
    validator = jsonschema.validators.validator_for(schema)  # the official schema is draft-04
    validator(schema, format_checker=jsonschema.FormatChecker()).validate(document)
    assert {r["level"] for r in document["runs"][0]["results"]} == {"warning", "note"}
    validator(schema).validate(sarif([]))
    broken = json.loads(result.output)
    broken["runs"][0]["results"][0]["level"] = "fatal"  # the schema is strict enough to catch a bad level
    assert not validator(schema).is_valid(broken)
