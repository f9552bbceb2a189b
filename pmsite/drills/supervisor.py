"""The drill's supervisor: fires the trigger, evaluates alert rules, stops the drill at its limit.

Alert rules come from the scenario: a metric from the API's ``/metrics`` (its rate
per second when ``rate: true``) above or below a threshold for a while. Alert
events go to ``logs/alerts.jsonl`` as JSON Lines ``pmsite timeline`` imports;
the current state to ``run/alerts.json`` for the status page and ``pmsite drill
status``. At the time limit, or when the drill's folder is deleted, it ends the
other processes (checked against the folder), removes the folder and the state
file, and exits: a forgotten drill cleans up after itself.
"""

from __future__ import annotations

import collections
import json
import shutil
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pmsite.drills import processes
from pmsite.drills.runtime import (
    JsonLog,
    Run,
    read_json,
    role_main,
    utc_stamp,
    write_json,
)


def parse_metrics(text: str) -> dict[str, float]:
    """Prometheus text format -> {series: value} plus {name: sum over its series}."""
    values: dict[str, float] = {}
    sums: dict[str, float] = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        series, _, value = line.rpartition(" ")
        try:
            number = float(value)
        except ValueError:
            continue
        values[series] = number
        name = series.split("{", 1)[0]
        sums[name] = sums.get(name, 0.0) + number
    return {**values, **sums}


@dataclass
class AlertState:
    rule: dict[str, Any]
    breached_since: float | None = None
    firing: bool = False
    fired_at: str = ""
    value: float = 0.0
    #: (time, counter value) samples inside the rate window, for rate rules.
    samples: collections.deque = field(default_factory=collections.deque)

    def observe(self, metrics: dict[str, float], now: float, window: float) -> float | None:
        """The rule's value now; a rate is per second over ``window`` (like PromQL's rate), None until two samples."""
        raw = metrics.get(self.rule["metric"], 0.0)
        if not self.rule.get("rate"):
            return raw
        self.samples.append((now, raw))
        while len(self.samples) > 2 and self.samples[1][0] <= now - window:
            self.samples.popleft()
        first_time, first_value = self.samples[0]
        if now <= first_time:
            return None
        return max(0.0, raw - first_value) / (now - first_time)

    def breached(self, value: float) -> bool:
        return value > self.rule["above"] if "above" in self.rule else value < self.rule["below"]


class Supervisor:
    def __init__(self, run: Run) -> None:
        self.run = run
        self.alerts_log = JsonLog(run, "alertmanager", "alerts")
        self.alerts = [AlertState(rule) for rule in run.scenario["alerts"]]
        self.metrics_url = f"http://127.0.0.1:{run.api_port()}/metrics"
        self.interval = max(0.5, run.scaled(5))
        self.rate_window = max(3.0, run.scaled(60))

    def evaluate(self) -> None:
        try:
            with urllib.request.urlopen(self.metrics_url, timeout=max(2.0, self.interval)) as response:
                metrics = parse_metrics(response.read().decode("utf-8"))
        except OSError:
            return  # a missed scrape: Prometheus would show a gap, not an alert
        now = time.time()
        for alert in self.alerts:
            value = alert.observe(metrics, now, self.rate_window)
            if value is None:
                continue
            alert.value = value
            rule = alert.rule
            if not alert.breached(value):
                alert.breached_since = None
                if alert.firing:
                    alert.firing = False
                    self.alerts_log.write("info", f"RESOLVED {rule['name']}: {rule['metric']} is {value:.3g}",
                                          alert=rule["name"], state="resolved", value=value)
                continue
            alert.breached_since = alert.breached_since or now
            if not alert.firing and now - alert.breached_since >= self.run.scaled(rule["for"]):
                alert.firing = True
                alert.fired_at = utc_stamp(now)
                bound = f"above {rule['above']:g}" if "above" in rule else f"below {rule['below']:g}"
                what = f"rate of {rule['metric']}" if rule.get("rate") else rule["metric"]
                self.alerts_log.write(
                    "critical", f"FIRING {rule['name']}: {what} is {value:.3g}, {bound} for {rule['for']:g}s"
                    + (f" ({rule['summary']})" if rule.get("summary") else ""),
                    alert=rule["name"], state="firing", value=value)
        write_json(self.run.folder / "run" / "alerts.json", {
            a.rule["name"]: {"firing": a.firing, "fired_at": a.fired_at, "value": a.value} for a in self.alerts})

    def change_config(self) -> None:
        """config-on-restart: the change someone made days ago, waiting in config.json."""
        fault = self.run.fault
        path = self.run.folder / "config.json"
        config = read_json(path)
        config[fault["setting"]] = fault["new_value"]
        write_json(path, config)
        JsonLog(self.run, "config").write(
            "info", f"{fault['setting']} changed from {fault['old_value']} to {fault['new_value']} in config.json "
            "(read at next restart)")

    def fire_trigger(self) -> None:
        write_json(self.run.folder / "run" / "trigger.json", {"time": utc_stamp(),
                                                               "description": self.run.scenario["trigger"]["description"]})
        self.run.trigger_flag.touch()

    def loop(self) -> str:
        """Run until the limit or the folder's removal; the reason it stopped."""
        run = self.run
        trigger_at = run.started + run.scaled(run.scenario["trigger"]["at"])
        config_at = run.started + run.scaled(run.fault.get("changed_at", 0))
        config_pending = run.kind == "config-on-restart"
        next_evaluation = time.time()
        while True:
            now = time.time()
            if not (run.folder / "drill.json").exists():
                return "its folder was deleted"
            if now >= run.deadline:
                return "its time limit was reached"
            if config_pending and now >= config_at:
                config_pending = False
                self.change_config()
            if not run.triggered() and now >= trigger_at and not config_pending:
                self.fire_trigger()
            if now >= next_evaluation:
                self.evaluate()
                next_evaluation = now + self.interval
            time.sleep(0.1)


def recorded_pids(run: Run) -> list[int]:
    try:
        return [int(pid) for pid in read_json(run.folder / "run" / "processes.json").values()]
    except (OSError, ValueError):
        return []


def shut_down(run: Run, pids: list[int], reason: str) -> None:
    """End the other role processes, remove the folder and the state file that points at it."""
    processes.end(pids, run.folder)
    shutil.rmtree(run.folder, ignore_errors=True)
    if run.state_file:
        remove_state(Path(run.state_file), run.folder, reason)


def remove_state(state_file: Path, folder: Path, reason: str) -> None:
    """Remove the state file if it still describes this drill; leave a note saying why it ended."""
    try:
        state = json.loads(state_file.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return
    if state.get("folder") == str(folder):
        state_file.unlink(missing_ok=True)
        write_json(state_file.with_name("last.json"), {"scenario": state.get("scenario"), "folder": str(folder),
                                                       "ended_at": utc_stamp(), "reason": reason})


def main() -> None:
    run = role_main("supervisor")
    pids = recorded_pids(run)  # read now: the folder may be deleted under the drill later
    reason = Supervisor(run).loop()
    shut_down(run, pids or recorded_pids(run), reason)


if __name__ == "__main__":
    main()
