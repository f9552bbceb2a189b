"""A repository with three configured teams and an empty pulse folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from pmsite.config import load_config
from pmsite.pulse.settings import PulseSettings, pulse_settings


@pytest.fixture
def pulse_root(tmp_path: Path) -> Path:
    (tmp_path / "content" / "postmortems").mkdir(parents=True)
    (tmp_path / "pmsite.yaml").write_text("taxonomy:\n  teams: [payments, search, platform]\n", encoding="utf-8")
    return tmp_path


@pytest.fixture
def settings(pulse_root: Path) -> PulseSettings:
    return pulse_settings(load_config(pulse_root))
