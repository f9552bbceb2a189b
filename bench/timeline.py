"""Benchmark ``pmsite timeline``: 100,000 messages across every source kind.

Generates a Slack export (three channels, daily files, threads, joins, bots),
a DiscordChatExporter file, PagerDuty log entries, JSON Lines and text logs in
a temporary folder, then times reading each source, merging (noise rules,
redaction) and rendering the Markdown table. Target: under 5 s in all.

Run: python bench/timeline.py [--messages 100000]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import tempfile
import time
from pathlib import Path

from pmsite.importers import ImportOptions, read_source
from pmsite.timeline import TimelineSettings, build_timeline, to_markdown

START = dt.datetime(2024, 3, 7, 12, 0, tzinfo=dt.timezone.utc)
WORDS = ("checkout p99 redis rollback deploy payment client timeout cache flush replica lag dashboard shows "
         "errors recovering pods restarted config flag canary region traffic shifted").split()
USERS = [f"U{n:05d}" for n in range(40)]


def sentence(rng: random.Random) -> str:
    text = " ".join(rng.choice(WORDS) for _ in range(rng.randint(5, 18)))
    if rng.random() < 0.01:
        text += " token ghp_R7xQm2LpVn8KcT4wZy6HbJd3FsGa9EuNo1Ik"
    return text


def write_slack(root: Path, count: int, rng: random.Random) -> None:
    root.mkdir()
    (root / "users.json").write_text(json.dumps(
        [{"id": u, "name": f"user{i}", "profile": {"display_name": f"User {i}"}} for i, u in enumerate(USERS)]))
    channels = ["inc-checkout", "ops", "payments"]
    (root / "channels.json").write_text(json.dumps([{"id": f"C{i:04d}", "name": n} for i, n in enumerate(channels)]))
    per_channel = count // len(channels)
    for channel in channels:
        days: dict[str, list] = {}
        parent = None
        for n in range(per_channel):
            moment = START + dt.timedelta(seconds=n * 2.5)
            ts = f"{moment.timestamp():.6f}"
            roll = rng.random()
            message = {"type": "message", "user": rng.choice(USERS), "ts": ts,
                       "text": f"{sentence(rng)} cc <@{rng.choice(USERS)}> <https://grafana.example.com/d/x|dash>"}
            if roll < 0.05:
                message = {"type": "message", "subtype": "channel_join", "user": rng.choice(USERS), "ts": ts,
                           "text": "has joined the channel"}
            elif roll < 0.10:
                message = {"type": "message", "subtype": "bot_message", "username": "Alertmanager", "ts": ts,
                           "attachments": [{"fallback": f"[FIRING:1] {sentence(rng)}"}], "text": ""}
            elif roll < 0.13:
                message["text"] = "+1"
            elif roll < 0.25 and parent:
                message["thread_ts"] = parent
            elif roll < 0.30:
                parent = ts
                message["thread_ts"] = ts
            days.setdefault(moment.date().isoformat(), []).append(message)
        (root / channel).mkdir()
        for day, messages in days.items():
            (root / channel / f"{day}.json").write_text(json.dumps(messages))


def write_discord(path: Path, count: int, rng: random.Random) -> None:
    messages = [{"id": str(10**17 + n), "type": "Default",
                 "timestamp": (START + dt.timedelta(seconds=n * 7)).astimezone(dt.timezone(dt.timedelta(hours=1)))
                 .isoformat(), "timestampEdited": None, "content": sentence(rng),
                 "author": {"id": str(n % 30), "name": f"member{n % 30}", "nickname": None, "isBot": False},
                 "attachments": [], "embeds": [], "reactions": []} for n in range(count)]
    path.write_text(json.dumps({"guild": {"id": "1", "name": "Acme"},
                                "channel": {"id": "2", "name": "support", "type": "GuildTextChat"},
                                "messages": messages}))


def write_pagerduty(path: Path, count: int) -> None:
    kinds = ("trigger_log_entry", "notify_log_entry", "acknowledge_log_entry", "annotate_log_entry",
             "escalate_log_entry", "resolve_log_entry")
    entries = [{"id": f"R{n}", "type": kinds[n % len(kinds)], "summary": "entry",
                "created_at": (START + dt.timedelta(seconds=n * 11)).strftime("%Y-%m-%dT%H:%M:%SZ"),
                "agent": {"type": "user_reference", "summary": "Priya Raman"},
                "channel": {"type": "note", "summary": "rolled back"}, "user": {"summary": "Priya Raman"},
                "incident": {"summary": "[#1] Checkout slow", "html_url": "https://acme.pagerduty.com/incidents/Q1"}}
               for n in range(count)]
    path.write_text(json.dumps({"log_entries": entries}))


def write_logs(jsonl: Path, text: Path, count: int, rng: random.Random) -> None:
    with jsonl.open("w") as out:
        for n in range(count // 2):
            moment = START + dt.timedelta(seconds=n * 3)
            out.write(json.dumps({"ts": moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ"), "level": "warn",
                                  "service": "checkout-api", "msg": sentence(rng)}) + "\n")
    with text.open("w") as out:
        for n in range(count - count // 2):
            moment = START + dt.timedelta(seconds=n * 3)
            out.write(f"{moment.isoformat()} INFO {sentence(rng)}\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=100_000)
    total = parser.parse_args().messages
    rng = random.Random(7)
    shares = {"slack": 0.6, "discord": 0.15, "pagerduty": 0.05, "logs": 0.2}
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        counts = {kind: int(total * share) for kind, share in shares.items()}
        write_slack(root / "slack", counts["slack"], rng)
        write_discord(root / "discord.json", counts["discord"], rng)
        write_pagerduty(root / "pagerduty.json", counts["pagerduty"])
        write_logs(root / "app.jsonl", root / "app.log", counts["logs"], rng)
        specs = {"slack": ["slack"], "discord": ["discord.json"], "pagerduty": ["pagerduty.json"],
                 "logs": ["app.jsonl", "app.log"]}
        print(f"pmsite timeline benchmark: {sum(counts.values()):,} messages")
        options = ImportOptions()
        started = time.perf_counter()
        sources = []
        for kind, paths in specs.items():
            t0 = time.perf_counter()
            events = [e for spec in paths for e in read_source(spec, options, root)]
            sources.append(events)
            print(f"  read {kind:<10} {len(events):>7,} events  {time.perf_counter() - t0:6.2f} s")
        t0 = time.perf_counter()
        timeline = build_timeline(sources, TimelineSettings())
        print(f"  merge, noise, redaction {len(timeline.events):>7,} kept     {time.perf_counter() - t0:6.2f} s "
              f"(dropped {sum(timeline.dropped.values()):,}, redacted {sum(timeline.redacted.values()):,})")
        t0 = time.perf_counter()
        table = to_markdown(timeline)
        print(f"  markdown table      {len(table) / 1e6:>7.1f} MB       {time.perf_counter() - t0:6.2f} s")
        elapsed = time.perf_counter() - started
        print(f"total import time: {elapsed:.2f} s (target < 5 s) -> {'OK' if elapsed < 5 else 'TOO SLOW'}")


if __name__ == "__main__":
    main()
