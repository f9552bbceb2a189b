"""A repository with three configured teams and an empty pulse folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from pmsite.config import load_config
from pmsite.pulse.settings import PulseSettings, pulse_settings


@pytest.fixture
def pulse_root(site_root: Path) -> Path:
    (site_root / "pmsite.yaml").write_text("taxonomy:\n  teams: [payments, search, platform]\n", encoding="utf-8")
    return site_root


@pytest.fixture
def settings(pulse_root: Path) -> PulseSettings:
    return pulse_settings(load_config(pulse_root))
