"""The black box: collect an incident's evidence into a pack when it resolves.

``collect`` and ``serve`` share one pipeline of plain stages:

- ``settings``: the ``blackbox:`` section of pmsite.yaml, base URLs and tokens;
- ``http``: a small JSON client that honours 429/Retry-After and never shows a token;
- ``pagerduty``, ``slack``, ``github``, ``dashboards``: one collector per source,
  each writing redacted raw exports into the job's work folder;
- ``workdir``: private folders and files, every text redacted on its way to the disk;
- ``queue``: the durable SQLite job queue with one recorded step per source;
- ``runner``: runs a job's steps (skipping those already done), retries with backoff;
- ``pack``: timeline, draft, manifest and zip, published only when complete;
- ``webhook``: the PagerDuty v3 receiver (signatures, replays, body caps);
- ``publish``: optionally commits the draft to a branch and opens a pull request;
- ``service``: what the two commands run.
"""
