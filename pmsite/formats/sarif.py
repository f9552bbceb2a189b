"""SARIF 2.1.0 for GitHub code scanning (``github/codeql-action/upload-sarif``).

Every rule that appears, with its help text, goes in ``tool.driver.rules``;
results carry a region in the original file and ``partialFingerprints`` built
from the rule, file and sentence (not the line number), so an alert keeps its
identity when lines above it move between pushes.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from urllib.parse import quote

from pmsite.formats import FormatOptions, register
from pmsite.model import Finding
from pmsite.rules import DOCS_URL, RULES_BY_ID, documentation_url

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = f"{DOCS_URL}lint-rules.md"
_LEVELS = {"error": "error", "warning": "warning", "info": "note"}


def _rule_descriptor(rule_id: str, example: Finding) -> dict:
    rule = RULES_BY_ID.get(rule_id)
    summary = rule.summary if rule else example.message
    advice = rule.advice if rule else (example.suggestion or example.message)
    url = documentation_url(rule_id)
    return {
        "id": rule_id,
        "name": "".join(part.capitalize() for part in rule_id.replace("/", "-").split("-")),
        "shortDescription": {"text": summary},
        "fullDescription": {"text": advice},
        "help": {"text": f"{summary}\n\n{advice}",
                 "markdown": f"**{summary}**\n\n{advice}\n\nSee [{rule_id}]({url})."},
        "helpUri": url,
        "defaultConfiguration": {"level": _LEVELS[rule.severity if rule else example.severity]},
        "properties": {"tags": [example.category, "postmortem"]},
    }


def fingerprint(finding: Finding, occurrence: int) -> str:
    """Stable across pushes: rule, file and the sentence's words, plus which repeat of them it is."""
    words = " ".join((finding.context or finding.message).split()).lower()
    digest = hashlib.sha256(f"{finding.rule}\0{finding.path}\0{words}".encode()).hexdigest()[:32]
    return f"{digest}:{occurrence}"


@register("sarif")
def format_sarif(findings: list[Finding], options: FormatOptions) -> str:
    rule_ids = sorted({f.rule for f in findings})
    examples = {f.rule: f for f in findings}
    index = {rule_id: i for i, rule_id in enumerate(rule_ids)}
    seen: Counter = Counter()
    results = []
    for finding in sorted(findings, key=lambda f: f.sort_key()):
        key = (finding.rule, finding.path, " ".join(finding.context.split()).lower())
        seen[key] += 1
        region = {"startLine": finding.line, "startColumn": finding.column,
                  "endLine": finding.end_line or finding.line,
                  "endColumn": max(finding.end_column or finding.column, finding.column)}
        if finding.context:
            region["snippet"] = {"text": finding.context}
        text = finding.message + (f" Suggestion: {finding.suggestion}" if finding.suggestion else "")
        artifact = {"uri": quote(finding.path), "uriBaseId": "%SRCROOT%"}
        result = {
            "ruleId": finding.rule,
            "ruleIndex": index[finding.rule],
            "level": _LEVELS.get(finding.severity, "warning"),
            "message": {"text": text},
            "locations": [{"physicalLocation": {"artifactLocation": artifact, "region": region}}],
            "partialFingerprints": {"primaryLocationLineHash": fingerprint(finding, seen[key])},
            "properties": {"category": finding.category},
        }
        if finding.fix is not None:
            fix = finding.fix
            result["fixes"] = [{
                "description": {"text": "Rewrite as suggested"},
                "artifactChanges": [{"artifactLocation": artifact, "replacements": [{
                    "deletedRegion": {"startLine": fix.line, "startColumn": fix.column,
                                      "endLine": fix.end_line, "endColumn": fix.end_column},
                    "insertedContent": {"text": fix.text},
                }]}],
            }]
        results.append(result)
    log = {
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "pmsite",
                "version": options.tool_version or "0",
                "informationUri": INFORMATION_URI,
                "rules": [_rule_descriptor(rule_id, examples[rule_id]) for rule_id in rule_ids],
            }},
            "results": results,
        }],
    }
    return json.dumps(log, indent=2, ensure_ascii=False)
