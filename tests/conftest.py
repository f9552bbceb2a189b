"""Fixtures shared by every test module.

Stage-specific fixtures live in the test module that uses them; only what
several modules need sits here.
"""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from pmsite.config import Config, load_config

REPO_ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def site_root(tmp_path: Path) -> Path:
    """An empty postmortem repository: pmsite.yaml and content/postmortems/."""
    (tmp_path / "content" / "postmortems").mkdir(parents=True)
    (tmp_path / "pmsite.yaml").write_text("title: Test postmortems\n", encoding="utf-8")
    return tmp_path


@pytest.fixture
def config(site_root: Path) -> Config:
    return load_config(site_root)


def installed_tool(name: str) -> str:
    """Path of a command-line tool from the test extras; missing means a broken install, not a skip."""
    path = shutil.which(name)
    if path is None:
        pytest.fail(f"{name} is not installed; run: python3 -m pip install -e '.[test]'")
    return path


def write(path: Path, text: str, *, dedent: bool = True) -> Path:
    """Write a fixture file; text is dedented so tests can indent it naturally."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip("\n") if dedent else text, encoding="utf-8")
    return path
