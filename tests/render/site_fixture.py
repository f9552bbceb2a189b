"""A small postmortem repository for site tests: three published incidents and a draft, in git."""

from __future__ import annotations

from pathlib import Path

from tests.git_fixture import GitRepo

DEEP_SECTIONS = """
## Summary

{summary}

## Impact

Checkout failed for 4% of requests for 70 minutes.

## Timeline

| Time (UTC) | Event |
|---|---|
| 13:55 | Cache flush job runs. |
| 14:02 | Alert fires. |

## The second story

The flush had always been safe because the cache was small; nobody had measured its refill time since.

## Contributing factors and latent conditions

- The refill time grew with the key count.
- No load test covered a cold cache.

## Decision points

The on-call engineer saw high latency and first suspected the database, which the dashboard highlighted.

## Detection gap

Seven minutes: the latency alert needs five minutes above the threshold.

## What went well

Rollback was quick.

## Where we got lucky

It happened outside the peak.

## Action items

See the tracked list.

## Lessons

{lesson}
"""

POSTMORTEMS = {
    "2024-03-07-checkout-latency-after-cache-flush.md": """---
id: PM-2024-017
title: Checkout latency after cache flush
status: published
severity: SEV2
type: availability
date: 2024-03-07
started_at: 2024-03-07T13:55:00Z
detected_at: 2024-03-07T14:02:11Z
mitigated_at: 2024-03-07T14:40:00Z
resolved_at: 2024-03-07T15:02:00Z
published: 2024-03-15
detection: alert
services: [checkout, redis]
teams: [payments]
tags: [cache, retry-storm]
authors: [priya]
participants: [priya, tom]
summary: A cache flush sent every checkout request to the database at once.
lessons: ["Redis cluster failovers take 30 s, not 5 s as documented."]
fingerprint: cache-flush-cold-start
action_items:
  - id: AI-1
    title: Add a circuit breaker to the payment client
    category: tooling
    kind: systemic
    priority: P1
    owner: payments-team
    due: 2024-04-07
    status: done
    completed: 2024-03-30
  - id: AI-2
    title: Alert on cache hit rate
    category: monitoring
    kind: mitigation
    priority: P2
    owner: tom
    due: 2024-04-20
    status: open
---
""" + DEEP_SECTIONS.format(summary="A cache flush sent every checkout request to the database.",
                           lesson="Redis cluster failovers take 30 s, not 5 s as documented."),
    "2024-05-02-search-slow-after-synonym-deploy.md": """---
id: PM-2024-021
title: Search slow after synonym deploy
status: published
severity: SEV3
type: performance
date: 2024-05-02
started_at: 2024-05-02T10:12:00Z
detected_at: 2024-05-02T10:17:00Z
mitigated_at: 2024-05-02T10:38:00Z
resolved_at: 2024-05-02T11:05:00Z
published: 2024-05-09
detection: alert
services: [search]
teams: [search]
tags: [cache, synonyms]
authors: [aiko]
summary: Deploying a synonym dictionary flushed the result cache and OpenSearch saturated.
lessons: ["Any change that invalidates a whole cache is a load test of the backend."]
fingerprint: cache-flush-cold-start
related: [PM-2024-017]
action_items:
  - id: AI-1
    title: Version cache keys by dictionary
    category: tooling
    kind: systemic
    priority: P2
    owner: search-team
    due: 2024-06-30
    status: done
    completed: 2024-06-01
---

## Summary

The **xylophone** dictionary deploy flushed the cache.

## Timeline

- [x] flush observed
- [ ] load test written

Footnote here[^1].

[^1]: The flush was added in 2022.
""",
    "2024-06-11-login-outage-expired-certificate.md": """---
id: PM-2024-030
title: Login outage from an expired client certificate
status: published
severity: SEV4
type: security
date: 2024-06-11
services: [identity]
teams: [identity]
tags: [certificates]
authors: [sam]
summary: The signing client certificate expired and logins failed for nine minutes.
---

## Summary

Logins failed for nine minutes.
""",
    "2024-07-01-draft-queue-backlog.md": """---
id: PM-2024-031
title: Queue backlog draft
status: draft
severity: SEV3
type: capacity
date: 2024-07-01
services: [queue]
teams: [platform]
summary: Still being written.
---

## Summary

Draft text mentioning zanzibar.
""",
}


def make_site(root: Path, extra: dict[str, str] | None = None, config: str = "") -> GitRepo:
    """Write pmsite.yaml and the postmortems, and commit them."""
    repo = GitRepo(root)
    repo.write("pmsite.yaml", "title: Test postmortems\nedit_url: https://git.example/edit/main/{path}\n" + config)
    for name, text in {**POSTMORTEMS, **(extra or {})}.items():
        repo.write(f"content/postmortems/{name}", text)
    repo.commit("Add postmortems", "2024-07-02 09:00")
    return repo
