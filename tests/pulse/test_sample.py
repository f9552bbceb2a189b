"""The sample corpus's synthetic pulse files are what the seeded generator writes, and say so."""

from __future__ import annotations

from pmsite.config import load_config
from pmsite.pulse.settings import pulse_settings
from pmsite.pulse.store import read_all
from tests.conftest import REPO_ROOT
from tests.pulse_sample import generate


def test_committed_sample_matches_the_seeded_generator():
    settings = pulse_settings(load_config(REPO_ROOT))
    assert sorted(read_all(settings)) == sorted(generate())
    weeks = sorted(p.stem for p in settings.folder.glob("*.csv"))
    assert len(weeks) == 52 and weeks[0] == "2025-W27" and weeks[-1] == "2026-W26"


def test_sample_is_marked_synthetic():
    readme = (REPO_ROOT / "content" / "pulse" / "README.md").read_text(encoding="utf-8")
    assert "**synthetic**" in readme
