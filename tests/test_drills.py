"""Drills end to end: real processes on 127.0.0.1, a real SQLite store, time compressed with --speed.

One module fixture starts every built-in scenario at once (plus a drill with a
short time limit and one whose folder is deleted under it), each in its own
state folder (``PMSITE_DRILL_HOME``), through ``python -m pmsite drill`` in a
subprocess, exactly as a user runs it. Every drill is ended by the fixture's
finalizer, by the pids it recorded, even when a test fails.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from pmsite.drills import processes
from pmsite.drills.scenario import METRICS, ScenarioError, builtin_scenarios, parse_scenario
from pmsite.scaffold import init_repository

ROOT = Path(__file__).resolve().parent.parent
SPEED = 20
SCENARIOS = {scenario.name: scenario.data for scenario in builtin_scenarios()}


def environment(home: Path) -> dict[str, str]:
    return dict(os.environ, PMSITE_DRILL_HOME=str(home), NO_COLOR="1",
                PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))


def pmsite(home: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pmsite", *args], check=False, cwd=cwd, env=environment(home),
                          capture_output=True, text=True, timeout=120)


def instant(stamp: str) -> dt.datetime:
    return dt.datetime.fromisoformat(stamp.replace("Z", "+00:00"))


@dataclass
class Drill:
    name: str
    home: Path
    start_output: str
    #: state.json as ``drill start`` wrote it (pids, port, folder, deadline).
    state: dict = field(default_factory=dict)
    #: ``drill status --format json`` once the scenario's signals appeared.
    status: dict = field(default_factory=dict)

    @property
    def folder(self) -> Path:
        return Path(self.state["folder"])

    @property
    def pids(self) -> list[int]:
        return list(self.state["processes"].values())

    @property
    def port(self) -> int:
        return self.state["port"]


class Fleet:
    """Drills started for this module; ``end_all`` ends what is left of them by their recorded pids."""

    def __init__(self, base: Path) -> None:
        self.base = base
        self.repo = base / "repo"
        init_repository(self.repo, dt.date.today())
        self.drills: dict[str, Drill] = {}
        self.taken_port = 0

    def start(self, wanted: dict[str, tuple[str, ...]]) -> None:
        """Start drills at once (key -> scenario and options), each in a state folder of its own."""
        started = {}
        for key, (scenario, *options) in wanted.items():
            home = self.base / f"home-{key}"
            self.drills[key] = Drill(scenario, home, "")
            started[key] = subprocess.Popen(
                [sys.executable, "-m", "pmsite", "drill", "start", scenario, "--speed", str(SPEED), *options],
                cwd=self.repo, env=environment(home), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for key, child in started.items():
            output, errors = child.communicate(timeout=60)
            self.drills[key].start_output = output
            state = self.drills[key].home / "state.json"
            if state.exists():  # what the finalizer needs to end it, even if a later step fails
                self.drills[key].state = json.loads(state.read_text(encoding="utf-8"))
            assert child.returncode == 0, errors

    def status(self, key: str) -> dict:
        result = pmsite(self.drills[key].home, self.repo, "drill", "status", "--format", "json")
        assert result.returncode == 0, result.stderr
        return json.loads(result.stdout)

    def end_all(self) -> None:
        for drill in self.drills.values():
            if drill.state:
                processes.end(drill.pids, drill.folder)
                shutil.rmtree(drill.folder, ignore_errors=True)


def signal_seen(signal: str, texts: list[str]) -> bool:
    """A scenario's log signal ``service: text ... more text`` appears in one imported event."""
    fragments = [part.strip() for part in signal.split(": ", 1)[1].split("...") if part.strip()]
    return any(all(fragment in text for fragment in fragments) for text in texts)


def settled(drill: Drill) -> bool:
    """Every alert of the drill fired and every log signal its scenario promises was written."""
    try:
        alerts = json.loads((drill.folder / "run" / "alerts.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    if not alerts or not all(alert["fired_at"] for alert in alerts.values()):
        return False
    texts = [json.loads(line)["message"] for path in (drill.folder / "logs").glob("*.jsonl")
             for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return all(signal_seen(signal, texts) for signal in SCENARIOS[drill.name]["signals"]["logs"])


@pytest.fixture(scope="module")
def fleet(tmp_path_factory: pytest.TempPathFactory):
    fleet = Fleet(tmp_path_factory.mktemp("drills"))
    try:
        with socket.socket() as probe:  # a port another program holds, for "a taken port is replaced"
            probe.bind(("127.0.0.1", 0))
            probe.listen()
            fleet.taken_port = probe.getsockname()[1]
            fleet.start({name: (name, "--minutes", "5", "--port", "0") for name in SCENARIOS} | {
                "limited": ("connection-pool-leak", "--minutes", "0.25", "--port", str(fleet.taken_port)),
                "orphan": ("retry-storm", "--minutes", "5", "--port", "0")})
        waited_until = time.monotonic() + max(
            (data["trigger"]["at"] + max(rule["expected_within"] for rule in data["alerts"])) / SPEED
            for data in SCENARIOS.values()) + 20
        pending = set(SCENARIOS)
        while pending and time.monotonic() < waited_until:  # reads the files directly: polling stays cheap
            pending = {name for name in pending if not settled(fleet.drills[name])}
            time.sleep(0.5)
        for name in SCENARIOS:
            fleet.drills[name].status = fleet.status(name)
        yield fleet
    finally:
        fleet.end_all()


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_alert_fires_within_the_expected_window_from_generated_traffic(fleet: Fleet, name: str) -> None:
    drill = fleet.drills[name]
    started = instant(drill.status["started_at"])
    trigger = started + dt.timedelta(seconds=SCENARIOS[name]["trigger"]["at"] / SPEED)
    assert drill.status["triggered"]
    for rule in SCENARIOS[name]["alerts"]:
        fired = drill.status["alerts"][rule["name"]]["fired_at"]
        assert fired, f"{rule['name']} never fired"
        latest = trigger + dt.timedelta(seconds=rule["expected_within"] / SPEED + 1)
        assert trigger - dt.timedelta(seconds=0.5) <= instant(fired) <= latest, (fired, trigger, latest)


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_logs_import_with_pmsite_timeline_and_show_the_scenario_signals(fleet: Fleet, name: str) -> None:
    drill = fleet.drills[name]
    logs = sorted(str(path) for path in (drill.folder / "logs").glob("*.jsonl"))
    result = pmsite(drill.home, fleet.repo, "timeline", *logs, "--format", "json")
    assert result.returncode == 0, result.stderr
    events = json.loads(result.stdout)["events"]
    texts = [event["text"] for event in events]
    for signal in SCENARIOS[name]["signals"]["logs"]:
        assert signal_seen(signal, texts), signal
    for rule in SCENARIOS[name]["alerts"]:
        firing = [e for e in events if f"FIRING {rule['name']}" in e["text"]]
        assert firing and firing[0]["who"] == "alertmanager"
        fired = instant(drill.status["alerts"][rule["name"]]["fired_at"])
        assert instant(firing[0]["time"]) == fired.replace(microsecond=0)  # the timeline keeps whole seconds
    assert [e["time"] for e in events] == sorted(e["time"] for e in events)
    if name == "config-on-restart":  # a real restart: the process reads its config again, nothing before
        loaded = [text for text in texts if "configuration loaded from config.json" in text]
        assert len(loaded) == 2
        assert loaded[0].endswith("payment_timeout_ms=3000") and loaded[1].endswith("payment_timeout_ms=30")
        assert all(p["running"] for p in drill.status["processes"])  # the same api pid, still the drill's


def test_metrics_endpoint_and_status_page(fleet: Fleet) -> None:
    drill = fleet.drills["connection-pool-leak"]
    with urllib.request.urlopen(f"http://127.0.0.1:{drill.port}/metrics", timeout=10) as response:
        assert response.headers["Content-Type"].startswith("text/plain; version=0.0.4")
        text = response.read().decode()
    assert "# TYPE drill_requests_total counter" in text
    exported = {line.split()[2] for line in text.splitlines() if line.startswith("# TYPE ")}
    assert exported == set(METRICS)  # what scenario alerts may watch is exactly what the drill exports
    samples = dict(line.rsplit(" ", 1) for line in text.splitlines() if line and not line.startswith("#"))
    assert float(samples["drill_db_pool_in_use"]) == 5 == float(samples["drill_db_pool_size"])
    assert float(samples['drill_requests_total{status="503"}']) > 0
    with urllib.request.urlopen(f"http://127.0.0.1:{drill.port}/", timeout=10) as response:
        page = response.read().decode()
    assert "Firing alerts: <strong>OrdersErrorRateHigh</strong>" in page


def test_a_taken_port_is_replaced_and_said_and_drills_never_share_one(fleet: Fleet) -> None:
    limited = fleet.drills["limited"]
    assert f"note: port {fleet.taken_port} is taken; using {limited.port} instead" in limited.start_output
    assert limited.port != fleet.taken_port
    ports = [drill.port for drill in fleet.drills.values()]
    assert len(set(ports)) == len(ports)
    second = pmsite(fleet.base / "home-second", fleet.repo, "drill", "start", "disk-fill",
                    "--port", str(fleet.drills["disk-fill"].port), "--minutes", "0.1")
    try:
        assert second.returncode == 0, second.stderr
        assert f"note: port {fleet.drills['disk-fill'].port} is taken" in second.stdout
    finally:
        pmsite(fleet.base / "home-second", fleet.repo, "drill", "stop")


def test_a_second_start_in_the_same_home_is_refused_and_leaves_nothing(fleet: Fleet) -> None:
    drill = fleet.drills["cache-stampede"]
    before = set(Path(drill.folder).parent.glob("pmsite-drill-disk-fill-*"))
    result = pmsite(drill.home, fleet.repo, "drill", "start", "disk-fill", "--port", "0")
    assert result.returncode == 2
    assert "a drill is already running: cache-stampede" in result.stderr
    assert "Traceback" not in result.stderr
    assert set(Path(drill.folder).parent.glob("pmsite-drill-disk-fill-*")) == before
    assert fleet.status("cache-stampede")["folder"] == str(drill.folder)


def test_console_prints_the_phase_prompts_reached(fleet: Fleet) -> None:
    drill = fleet.drills["retry-storm"]
    result = pmsite(drill.home, fleet.repo, "drill", "console", "--once")
    assert result.returncode == 0, result.stderr
    reached = [p for p in SCENARIOS["retry-storm"]["phases"] if p["at"] / SPEED <= 12]
    for phase in reached:
        assert f"{phase['name']}: {phase['prompt']}" in result.stdout


def test_a_drill_left_running_stops_itself_at_its_limit(fleet: Fleet) -> None:
    drill = fleet.drills["limited"]
    deadline = drill.state["deadline"] + 15
    while time.time() < deadline and (drill.folder.exists() or any(map(processes.running, drill.pids))):
        time.sleep(0.5)
    assert not any(processes.running(pid) for pid in drill.pids)
    assert not drill.folder.exists()
    assert not (drill.home / "state.json").exists()
    result = pmsite(drill.home, fleet.repo, "drill", "status")
    assert result.returncode == 2
    assert "no drill is running" in result.stderr and "its time limit was reached" in result.stderr


def test_a_folder_deleted_under_a_running_drill_ends_its_processes(fleet: Fleet) -> None:
    drill = fleet.drills["orphan"]
    shutil.rmtree(drill.folder)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and any(map(processes.running, drill.pids)):
        time.sleep(0.2)
    assert not any(processes.running(pid) for pid in drill.pids)
    result = pmsite(drill.home, fleet.repo, "drill", "stop")
    assert result.returncode == 2
    assert "no drill is running" in result.stderr and "its folder was deleted" in result.stderr


def test_the_practice_postmortem_validates_and_is_left_out_of_metrics(fleet: Fleet) -> None:
    drill, repo = fleet.drills["connection-pool-leak"], fleet.repo
    # --drafts: the example of `pmsite init` is a draft, and a drill stays out even when drafts count
    before = pmsite(drill.home, repo, "metrics", "--format", "json", "--drafts")
    assert before.returncode == 0, before.stderr
    made = pmsite(drill.home, repo, "drill", "postmortem")
    assert made.returncode == 0, made.stderr
    path = repo / made.stdout.split()[1]
    text = path.read_text(encoding="utf-8")
    assert "\ntype: drill\n" in text and "\nseverity: SEV2\n" in text
    assert f"detected_at: {drill.status['alerts']['OrdersErrorRateHigh']['fired_at']}" in text
    assert "FIRING OrdersErrorRateHigh" in text and "coupon lookup failed" in text  # the imported timeline
    validated = pmsite(drill.home, repo, "validate", str(path))
    assert validated.returncode == 0, validated.stdout + validated.stderr
    after = pmsite(drill.home, repo, "metrics", "--format", "json", "--drafts")
    assert after.returncode == 0, after.stderr
    before_doc, after_doc = json.loads(before.stdout), json.loads(after.stdout)
    assert after_doc["summary"] == before_doc["summary"]
    assert after_doc["postmortems"] == before_doc["postmortems"]
    assert before_doc["postmortems"]  # the example incident is still counted
    built = pmsite(drill.home, repo, "build", "--drafts")
    assert built.returncode == 0, built.stdout + built.stderr
    title = "Drill: Orders API stops answering after a coupon deploy"
    assert title in (repo / "site" / "drills" / "index.html").read_text(encoding="utf-8")
    assert title not in (repo / "site" / "postmortems" / "index.html").read_text(encoding="utf-8")
    assert title not in (repo / "site" / "feed.xml").read_text(encoding="utf-8")
    assert title in (repo / "site" / "postmortems" / path.stem / "index.html").read_text(encoding="utf-8")


def test_debrief_script_has_the_review_steps(fleet: Fleet, tmp_path: Path) -> None:
    drill = fleet.drills["cache-stampede"]
    out = tmp_path / "script.md"
    result = pmsite(drill.home, fleet.repo, "drill", "debrief", "--out", str(out))
    assert result.returncode == 0, result.stderr
    script = out.read_text(encoding="utf-8")
    headings = [line for line in script.splitlines() if line.startswith("## ")]
    assert [h.split(". ", 1)[1].split(" (")[0] for h in headings] == [
        "Opening statement", "Timeline review", "Questions, phase by phase", "Redirecting blame",
        "Reveal: the latent conditions", "Close"]
    assert "What information was missing" in script
    for condition in SCENARIOS["cache-stampede"]["latent_conditions"]:
        assert condition in script.split("## 5.")[1]  # revealed only at the end
        assert condition not in script.split("## 5.")[0]
    assert "CatalogLatencyHigh: fired at" in script
    assert "| logs api.jsonl |" in script  # the timeline table from the drill's logs


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_stop_ends_every_process_and_removes_the_folder(fleet: Fleet, name: str, tmp_path: Path) -> None:
    drill = fleet.drills[name]
    assert all(processes.running(pid) for pid in drill.pids)
    saved = tmp_path / "record"
    result = pmsite(drill.home, fleet.repo, "drill", "stop", "--save-logs", str(saved))
    assert result.returncode == 0, result.stderr
    assert not any(processes.running(pid) for pid in drill.pids)
    assert not drill.folder.exists()
    assert not (drill.home / "state.json").exists()
    assert list((saved / "logs").glob("*.jsonl"))
    assert not (saved / "data").exists()  # the record leaves out the store and the disk filler
    replay = pmsite(drill.home, fleet.repo, "drill", "debrief", "--from", str(saved))
    assert replay.returncode == 0, replay.stderr
    assert SCENARIOS[name]["latent_conditions"][0] in replay.stdout
    if name == "connection-pool-leak":
        nowhere = pmsite(drill.home, fleet.repo, "drill", "debrief", "--from", str(saved), "--out", "no/such/dir/x.md")
        assert nowhere.returncode == 2
        assert "no/such/dir/x.md: cannot write the script (No such file or directory)" in nowhere.stderr
    again = pmsite(drill.home, fleet.repo, "drill", "status")
    assert again.returncode == 2 and "no drill is running" in again.stderr


# -- without processes ------------------------------------------------------------------
VALID = (ROOT / "pmsite/drills/scenarios/connection-pool-leak.yaml").read_text(encoding="utf-8")


@pytest.mark.parametrize(("change", "expected"), [
    (("  at: 240\n", "  at: soon\n"), ":21: trigger.at: 'soon' is not of type 'number'"),
    (("  kind: pool-leak\n", "  kind: meteor-strike\n"), ":10: fault.kind: 'meteor-strike' is not one of"),
    (("severity: SEV2\n", "severity: SEV2\ncolour: red\n"), ":9: colour: Additional properties"),
    (("    above: 0.2\n", ""), ":33: alerts.0: give exactly one of 'above' or 'below'"),
    (("signals:\n", "signals:\n  traces: []\n"), ":24: signals.traces: Additional properties"),
    (("  max_connections: 5\n", "  max_connections: 0\n"), ":11: fault.max_connections: 0 is less than the minimum"),
    (("  leak_ratio: 0.2\n", "  leak_ratio: 0.2\n  quota_mb: 5\n"), ":13: fault.quota_mb: Additional properties"),
    (("metric: drill_error_ratio", "metric: drill_eror_ratio"),
     ":34: alerts.0.metric: 'drill_eror_ratio' is not one of"),
    (("    at: 480\n", "    at: 100\n"), ":53: phases.2.at: phases must be in time order (100 comes after 240)"),
    (("10 seconds\n", "10 seconds\n  - {name: OrdersErrorRateHigh, metric: drill_queue_depth, above: 1, for: 1, "
                       "expected_within: 9}\n"),
     ":39: alerts.1.name: 'OrdersErrorRateHigh' is used twice"),
])
def test_an_invalid_scenario_names_file_line_and_key(change: tuple[str, str], expected: str) -> None:
    assert change[0] in VALID
    with pytest.raises(ScenarioError) as caught:
        parse_scenario(VALID.replace(change[0], change[1], 1), Path("x.yaml"), "drills/x.yaml")
    assert f"drills/x.yaml{expected}" in caught.value.message


def test_repository_scenarios_are_listed_and_a_bad_one_is_reported(tmp_path: Path) -> None:
    init_repository(tmp_path, dt.date.today())
    (tmp_path / "drills").mkdir()
    custom = VALID.replace("name: connection-pool-leak", "name: tiny-pool").replace(
        "title: Orders API stops answering after a coupon deploy", "title: Our own pool drill")
    (tmp_path / "drills" / "tiny-pool.yaml").write_text(custom, encoding="utf-8")
    listed = pmsite(tmp_path / "home", tmp_path, "drill", "list")
    assert listed.returncode == 0, listed.stderr
    lines = listed.stdout.splitlines()
    assert [line.split()[0] for line in lines] == sorted([*SCENARIOS, "tiny-pool"])
    assert any(line.startswith("tiny-pool ") and line.endswith("Our own pool drill") for line in lines)
    (tmp_path / "drills" / "broken.yaml").write_text(custom.replace("name: tiny-pool", "name: broken").replace(
        "  rate: 10\n", "  rate: -3\n"), encoding="utf-8")
    result = pmsite(tmp_path / "home", tmp_path, "drill", "list")
    assert result.returncode == 2
    assert "drills/broken.yaml:15: traffic.rate: -3 is less than or equal to the minimum of 0" in result.stderr


def test_status_stop_and_start_explain_what_is_wrong(tmp_path: Path) -> None:
    for command in (("status",), ("stop",), ("debrief",)):
        result = pmsite(tmp_path / "home", tmp_path, "drill", *command)
        assert result.returncode == 2
        assert "no drill is running; start one with 'pmsite drill start SCENARIO'" in result.stderr
    result = pmsite(tmp_path / "home", tmp_path, "drill", "postmortem", "--from", str(tmp_path))
    assert result.returncode == 2
    assert f"{tmp_path}: not a drill record (no readable drill.json" in result.stderr
    result = pmsite(tmp_path / "home", tmp_path, "drill", "start", "volcano")
    assert result.returncode == 2
    assert "no scenario named 'volcano'" in result.stderr and "connection-pool-leak" in result.stderr
    assert not (tmp_path / "home" / "state.json").exists()
