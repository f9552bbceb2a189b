"""A small repository for the tracker tests: one postmortem whose front-matter has comments and odd spacing."""

from __future__ import annotations

import difflib
from pathlib import Path

POSTMORTEM = """---
id: PM-2024-017   # keep this comment
title: Checkout latency after cache flush
status: published
severity: SEV2
type: availability
date: 2024-03-07
teams: [payments]
summary: >-
  A cache flush during peak traffic sent every checkout request to the database.
action_items:
  # the systemic fix first
  - id: AI-1
    title: Add a circuit breaker to the payment client
    category: tooling
    kind: systemic
    priority: P1
    owner: priya
    due: 2024-04-07
    status: open    # updated by the tracker
  - id: AI-2
    title: "Warm the cache before flushing: a runbook step"
    category: process
    kind: mitigation
    priority: P2
    owner: dana
    due: 2024-04-30
    status: open
  - id: AI-3
    title: Document the flush procedure
    category: documentation
    kind: mitigation
    priority: P3
    owner: payments-team
    status: done
    completed: 2024-03-20
---

## Summary

A cache flush during peak traffic sent every checkout request to the database.
"""

PATH = "content/postmortems/2024-03-07-checkout-latency.md"


def make_site(root: Path, trackers_yaml: str) -> Path:
    (root / "content" / "postmortems").mkdir(parents=True)
    (root / "pmsite.yaml").write_text("title: Test\nbase_url: https://postmortems.acme.example/\n" + trackers_yaml,
                                      encoding="utf-8")
    path = root / PATH
    path.write_bytes(POSTMORTEM.encode("utf-8"))
    return path


def changed_lines(before: bytes, after: bytes) -> list[str]:
    """The lines a unified diff would show as removed (-) or added (+)."""
    diff = difflib.ndiff(before.decode().splitlines(keepends=True), after.decode().splitlines(keepends=True))
    return [line[0] + line[2:].rstrip("\n") for line in diff if line[:1] in "+-"]


def assert_settled(run, path: Path, tracker: str) -> None:
    """Another run with every flag finds nothing to do and leaves the file byte for byte as it is."""
    settled = path.read_bytes()
    again = run("--create", "--pull", "--write")
    assert again.exit_code == 0 and again.stdout.strip() == f"{tracker}: wrote 0 changes to 0 files"
    assert path.read_bytes() == settled


def pull_and_diff(run, path: Path) -> list[str]:
    """Pull with --write and return the lines of the file that changed."""
    before = path.read_bytes()
    pulled = run("--pull", "--write")
    assert pulled.exit_code == 0, pulled.output
    return changed_lines(before, path.read_bytes())
