"""How long the black box takes from a resolved incident to a finished pack.

Runs ``pmsite blackbox collect`` in-process against the local API servers of the
tests (tests/blackbox/fakes.py), with a busy incident channel: ``--messages``
channel messages (plus the fixture's thread of three replies), served in Slack's
200-per-page cursor pages, PagerDuty, GitHub and, with ``--dashboards``, one
dashboard screenshot by Chromium. Prints the seconds per run (median and range
of ``--repeat`` runs), the requests made and the pack's size.

Run:  python bench/blackbox.py [--messages 2000] [--repeat 3] [--dashboards]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pmsite.blackbox import service
from pmsite.config import load_config
from tests.blackbox import fakes
from tests.blackbox.conftest import blackbox_yaml


def busy_channel(count: int) -> tuple[dict, ...]:
    messages = []
    for index in range(count):
        at = fakes.T0 + dt.timedelta(seconds=index * 3600 / count)
        messages.append({"type": "message", "user": "U1" if index % 2 else "U2", "ts": fakes.ts(at, index % 1000),
                         "text": f"checking shard {index}: p99 {200 + index % 50} ms, error rate {index % 7}%"})
    return tuple(messages)


def run_once(messages: tuple[dict, ...], dashboards: bool) -> tuple[float, int, int]:
    apis = {"pagerduty": fakes.pagerduty_api(page_size=100).start(),
            "slack": fakes.slack_api(page_size=200, extra_messages=messages).start(),
            "github": fakes.github_api().start(), "grafana": fakes.grafana_api().start()}
    try:
        with tempfile.TemporaryDirectory() as folder:
            root = Path(folder)
            (root / "content" / "postmortems").mkdir(parents=True)
            extra = (f"dashboards: [{{name: latency, url: '{apis['grafana'].url}/d/checkout/checkout-latency', "
                     "wait_for: '#panel.ready', wait_seconds: 0.5}]\n") if dashboards else ""
            (root / "pmsite.yaml").write_text(blackbox_yaml(apis, extra), encoding="utf-8")
            for name, value in (("PAGERDUTY_TOKEN", fakes.PAGERDUTY_TOKEN), ("SLACK_TOKEN", fakes.SLACK_TOKEN)):
                os.environ.setdefault(name, value)
            started = time.perf_counter()
            outcome = service.collect(service.make_context(load_config(root)), fakes.INCIDENT_ID)
            seconds = time.perf_counter() - started
            assert outcome.state == "done", outcome.message
            size = sum(p.stat().st_size for p in outcome.pack.rglob("*") if p.is_file())
            requests = sum(len(api.served) for api in apis.values())
            return seconds, requests, size
    finally:
        for api in apis.values():
            api.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--dashboards", action="store_true")
    args = parser.parse_args()
    messages = busy_channel(args.messages)
    runs = [run_once(messages, args.dashboards) for _ in range(args.repeat)]
    seconds = [run[0] for run in runs]
    print(f"blackbox collect, {args.messages:,} Slack messages + 9 fixture messages"
          f"{', 1 dashboard' if args.dashboards else ''}: median {statistics.median(seconds):.2f} s "
          f"(range {min(seconds):.2f}-{max(seconds):.2f} s over {len(seconds)} runs), "
          f"{runs[0][1]} HTTP requests, pack {runs[0][2] / 1024:.0f} KiB")


if __name__ == "__main__":
    main()
