"""Benchmark ``pmsite drill``: start, time to first alert, resources while running, stop.

For each scenario (one after the other, so the figures are not mixed): the wall
time of ``start`` (four processes up, the API answering), the seconds from the
trigger to the first alert at ``--speed``, the CPU seconds the drill's processes
used while it ran, and the wall time of ``stop`` (every process ended, folder
removed). Targets: start under 2 s, stop under 1 s, the drill idles below a tenth
of a core so a laptop in a workshop stays responsive.

Run: python bench/drill.py [--speed 20] [--scenario NAME]...
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import tempfile
import time
from pathlib import Path

from pmsite.drills import control, processes
from pmsite.drills.scenario import builtin_scenarios


def cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measure(scenario, speed: float) -> dict[str, float]:
    began = time.perf_counter()
    state = control.start(scenario, minutes=5, port=0, speed=speed)
    started = time.perf_counter() - began
    try:
        trigger_at = state.started + scenario.data["trigger"]["at"] / speed
        limit = trigger_at + max(rule["expected_within"] for rule in scenario.data["alerts"]) / speed + 10
        fired = None
        while time.time() < limit and fired is None:
            alerts = control.status().alerts
            stamps = [a["fired_at"] for a in alerts.values() if a.get("fired_at")]
            fired = min(stamps) if stamps else None
            time.sleep(0.25)
        cpu = sum(cpu_seconds(pid) for pid in state.processes.values())
        ran = time.time() - state.started
    finally:
        began = time.perf_counter()
        control.stop()
        stopped = time.perf_counter() - began
    assert not any(processes.running(pid) for pid in state.processes.values())
    to_alert = (dt.datetime.fromisoformat(fired.replace("Z", "+00:00")).timestamp() - trigger_at) if fired else float("nan")
    return {"start_s": started, "trigger_to_alert_s": to_alert, "cpu_cores": cpu / ran, "stop_s": stopped}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--speed", type=float, default=20)
    parser.add_argument("--scenario", action="append", help="Only these scenarios (repeatable).")
    arguments = parser.parse_args()
    print(f"speed {arguments.speed:g}")
    print(f"{'scenario':<22} {'start s':>8} {'trigger->alert s':>17} {'cpu cores':>10} {'stop s':>7}")
    with tempfile.TemporaryDirectory(prefix="pmsite-drill-bench-") as home:
        os.environ["PMSITE_DRILL_HOME"] = home
        for scenario in builtin_scenarios():
            if arguments.scenario and scenario.name not in arguments.scenario:
                continue
            figures = measure(scenario, arguments.speed)
            print(f"{scenario.name:<22} {figures['start_s']:>8.2f} {figures['trigger_to_alert_s']:>17.1f} "
                  f"{figures['cpu_cores']:>10.2f} {figures['stop_s']:>7.2f}")


if __name__ == "__main__":
    main()
