"""The sync state file: what each linked issue said when it was last pulled.

It lives in the repository (``trackers.state_file``, default
``.pmsite/tracker-sync.json``) so the site built in CI can show it. Days, not
times, are recorded, so pulling twice on one day leaves it byte for byte the same.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from pmsite.config import Config
from pmsite.cache import write_atomically

DEFAULT_STATE_FILE = ".pmsite/tracker-sync.json"


def state_path(config: Config) -> Path:
    return config.root / str(config.section("trackers").get("state_file") or DEFAULT_STATE_FILE)


def item_key(postmortem_id: str, item_id: str) -> str:
    return f"{postmortem_id}/{item_id}"


def read_state(config: Config) -> dict[str, dict[str, str]]:
    """Item key -> {tracker, key, link, state, status, pulled}; empty when the file is missing or not ours."""
    path = state_path(config)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    items = data.get("items") if isinstance(data, dict) else None
    if not isinstance(items, dict):
        return {}
    return {str(k): {f: str(v.get(f, "")) for f in ("tracker", "key", "link", "state", "status", "pulled")}
            for k, v in items.items() if isinstance(v, dict)}


def record_pulls(config: Config, tracker: str, pulled: dict[str, Any], day: dt.date) -> bool:
    """Merge this run's pulls into the state file; True when the file changed."""
    path = state_path(config)
    items = read_state(config)
    for key, found in pulled.items():
        items[key] = {"tracker": tracker, "key": found.key, "link": found.link, "state": found.state,
                      "status": found.status or "", "pulled": day.isoformat()}
    text = json.dumps({"items": dict(sorted(items.items()))}, indent=2, ensure_ascii=False) + "\n"
    if path.is_file() and path.read_text(encoding="utf-8") == text:
        return False
    write_atomically(path, text.encode("utf-8"))
    return True
