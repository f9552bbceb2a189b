"""Start, inspect and stop a drill; the state file records its pids, port and folder.

One drill runs at a time per state folder: ``$PMSITE_DRILL_HOME``, else
``$XDG_RUNTIME_DIR/pmsite-drill``, else ``~/.cache/pmsite/drill``. Each role is
``python -m pmsite.drills.<role> --folder FOLDER`` in a session of its own, so
stopping it ends its whole process group, and only after its command line
proves it is still this drill's process.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import pmsite
from pmsite.drills import processes
from pmsite.drills.runtime import (
    ROLES,
    Run,
    create_store,
    read_json,
    utc_stamp,
    write_json,
)
from pmsite.drills.scenario import Scenario
from pmsite.drills.supervisor import remove_state
from pmsite.errors import PmsiteError

DEFAULT_PORT = 8780
DEFAULT_MINUTES = 45.0
_API_START_SECONDS = 15.0


class DrillError(PmsiteError):
    """No drill running, one already running, or a drill that could not start."""


class StateFileError(DrillError):
    """The state file exists but cannot be read: which processes run is unknown."""


def state_dir() -> Path:
    if os.environ.get("PMSITE_DRILL_HOME"):
        return Path(os.environ["PMSITE_DRILL_HOME"])
    if os.environ.get("XDG_RUNTIME_DIR"):
        return Path(os.environ["XDG_RUNTIME_DIR"]) / "pmsite-drill"
    return Path.home() / ".cache" / "pmsite" / "drill"


def state_file() -> Path:
    return state_dir() / "state.json"


@dataclass
class DrillState:
    """What ``state.json`` records about the running drill."""

    scenario: str
    title: str
    folder: str
    port: int
    port_note: str
    started: float
    deadline: float
    speed: float
    processes: dict[str, int] = field(default_factory=dict)

    @property
    def path(self) -> Path:
        return Path(self.folder)


@dataclass
class DrillStatus:
    state: DrillState
    running: dict[str, bool]
    alerts: dict[str, Any]
    trigger: dict[str, Any] | None
    #: Phases reached so far (name, at, prompt, questions), oldest first.
    phases: list[dict[str, Any]]

    def to_dict(self) -> dict[str, Any]:
        state = self.state
        return {
            "scenario": state.scenario, "title": state.title, "folder": state.folder,
            "started_at": utc_stamp(state.started), "stops_at": utc_stamp(state.deadline), "speed": state.speed,
            "ports": {"api": state.port}, "port_note": state.port_note,
            "urls": {"status_page": f"http://127.0.0.1:{state.port}/", "metrics": f"http://127.0.0.1:{state.port}/metrics"},
            "processes": [{"role": role, "pid": pid, "running": self.running[role]} for role, pid in state.processes.items()],
            "logs": sorted(str(path) for path in (state.path / "logs").glob("*.jsonl")),
            "alerts": self.alerts, "triggered": self.trigger is not None,
            "phase": self.phases[-1] if self.phases else None,
        }


def _read_state() -> DrillState | None:
    path = state_file()
    try:
        return DrillState(**read_json(path))
    except FileNotFoundError:
        return None
    except (OSError, ValueError, TypeError) as exc:
        raise StateFileError(f"{path}: the drill state file is unreadable ({exc}); stop any drill processes "
                         "by hand and delete the file") from None


def _no_drill_message() -> str:
    message = "no drill is running; start one with 'pmsite drill start SCENARIO' ('pmsite drill list' shows them)"
    try:
        last = read_json(state_dir() / "last.json")
        return f"{message}. The last drill ({last['scenario']}) ended at {last['ended_at']}: {last['reason']}"
    except (OSError, ValueError, KeyError):
        return message


def _clean_up(state: DrillState, reason: str) -> list[int]:
    ended = processes.end(list(state.processes.values()), state.path)
    shutil.rmtree(state.path, ignore_errors=True)
    remove_state(state_file(), state.path, reason)
    return ended


def running_drill() -> DrillState:
    """The running drill; a drill whose folder is gone or whose processes all ended is cleaned up first."""
    state = _read_state()
    if state is None:
        raise DrillError(_no_drill_message())
    alive = [pid for pid in state.processes.values() if processes.running(pid) and processes.belongs_to(pid, state.path)]
    if not (state.path / "drill.json").exists():
        _clean_up(state, "its folder was deleted")
        raise DrillError(f"the drill {state.scenario} stopped: its folder {state.folder} was deleted while it ran; "
                         f"{len(alive)} process(es) left behind were ended")
    if not alive:
        _clean_up(state, "its processes ended")
        raise DrillError(f"the drill {state.scenario} is no longer running (its processes ended); "
                         f"its folder {state.folder} was removed")
    return state


def start(scenario: Scenario, *, minutes: float = DEFAULT_MINUTES, port: int = DEFAULT_PORT,
          speed: float = 1.0) -> DrillState:
    """Start every role process in a fresh folder; on any failure end what started and remove the folder."""
    try:
        existing = running_drill()
    except StateFileError:
        raise
    except DrillError:  # none, or a stale one just cleaned up
        existing = None
    if existing is not None:
        raise DrillError(f"a drill is already running: {existing.scenario} (API on port {existing.port}, "
                         f"folder {existing.folder}); run 'pmsite drill stop' first, only one drill runs at a time")
    folder = Path(tempfile.mkdtemp(prefix=f"pmsite-drill-{scenario.name}-")).resolve()
    started = time.time()
    state = DrillState(scenario.name, scenario.title, str(folder), port, "", started, started + minutes * 60, speed)
    try:
        _prepare(folder, scenario, state)
        _spawn(state, "api")
        api = _wait_for_api(state)
        state.port, state.port_note = int(api["port"]), str(api.get("note", ""))
        for role in ROLES[1:]:
            _spawn(state, role)
        state_dir().mkdir(parents=True, exist_ok=True)
        write_json(state_file(), asdict(state))
    except BaseException:
        processes.end(list(state.processes.values()), folder)
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return state


def _prepare(folder: Path, scenario: Scenario, state: DrillState) -> None:
    for name in ("logs", "run", "data"):
        (folder / name).mkdir()
    write_json(folder / "drill.json", {
        "scenario": scenario.data, "speed": state.speed, "started": state.started, "deadline": state.deadline,
        "port": state.port, "state_file": str(state_file().resolve()),
    })
    fault = scenario.data["fault"]
    config: dict[str, Any] = {"log_level": "info", "max_connections": fault.get("max_connections", 10)}
    if fault["kind"] == "config-on-restart":
        config[fault["setting"]] = fault["old_value"]
    write_json(folder / "config.json", config)
    create_store(Run.load(folder))


#: Starts the role in a session of its own, prints its pid and exits: the role is then nobody's child
#: (init adopts it), so a caller that never waits, such as a test runner, is not left holding zombies.
_LAUNCHER = ("import subprocess, sys; print(subprocess.Popen(sys.argv[1:], stdin=subprocess.DEVNULL, "
             "stdout=sys.stderr, stderr=sys.stderr, start_new_session=True).pid)")


def _spawn(state: DrillState, role: str) -> None:
    package_parent = str(Path(pmsite.__file__).resolve().parent.parent)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [package_parent, os.environ.get("PYTHONPATH")])))
    command = [sys.executable, "-m", f"pmsite.drills.{role}", "--folder", state.folder]
    with open(state.path / "run" / f"{role}.stderr", "wb") as errors:
        launched = subprocess.run([sys.executable, "-I", "-S", "-c", _LAUNCHER, *command],  # -S: starts in 50 ms
                                  cwd=state.folder, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                  stderr=errors, check=False)
    if launched.returncode != 0 or not launched.stdout.strip().isdigit():
        raise DrillError(f"could not start the drill's {role} process (see {state.folder}/run/{role}.stderr)")
    state.processes[role] = int(launched.stdout)
    write_json(state.path / "run" / "processes.json", state.processes)


def _wait_for_api(state: DrillState) -> dict[str, Any]:
    pid = state.processes["api"]
    deadline = time.monotonic() + _API_START_SECONDS
    while time.monotonic() < deadline:
        try:
            return read_json(state.path / "run" / "api.json")
        except (OSError, ValueError):
            pass
        if not processes.running(pid):
            break
        time.sleep(0.05)
    errors = (state.path / "run" / "api.stderr").read_text(encoding="utf-8", errors="replace").strip()
    last = errors.splitlines()[-1] if errors else "no output"
    raise DrillError(f"the drill's API did not start within {_API_START_SECONDS:g} s ({last})")


def status() -> DrillStatus:
    state = running_drill()
    folder = state.path
    running = {role: processes.running(pid) and processes.belongs_to(pid, folder)
               for role, pid in state.processes.items()}

    def optional(path: Path) -> Any:
        try:
            return read_json(path)
        except (OSError, ValueError):
            return None

    try:
        run = Run.load(folder)
    except (OSError, ValueError, KeyError):
        raise DrillError(f"the drill {state.scenario} is stopping: {folder}/drill.json is gone; "
                         "run 'pmsite drill status' again in a moment") from None
    elapsed = run.elapsed()
    reached = [phase for phase in run.scenario["phases"] if run.scaled(phase["at"]) <= elapsed]
    return DrillStatus(state, running, optional(folder / "run" / "alerts.json") or {},
                       optional(folder / "run" / "trigger.json"), reached)


def stop(save_to: Path | None = None) -> tuple[DrillState, list[int]]:
    """End every recorded process, optionally keep logs and run facts, remove the folder and the state."""
    state = _read_state()
    if state is None:
        raise DrillError(_no_drill_message())
    if save_to is not None and (state.path / "drill.json").exists():
        save_record(state.path, save_to)
    return state, _clean_up(state, "stopped with 'pmsite drill stop'")


def save_record(folder: Path, target: Path) -> None:
    """Copy what a debrief needs (logs, run facts, scenario) without the store or the filler data."""
    if target.exists() and any(target.iterdir()):
        raise DrillError(f"{target}: the folder is not empty; pick a new folder for the drill's logs")
    left_out = shutil.ignore_patterns("data", "*.stderr", ".*.tmp", "processes.json", "triggered")
    shutil.copytree(folder, target, ignore=left_out, dirs_exist_ok=True)
