"""Fixtures shared by every test module.

Stage-specific fixtures live in the test module that uses them; only what
several modules need sits here.
"""

from __future__ import annotations

import os
import shutil
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from pmsite.config import Config, load_config

REPO_ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session", autouse=True)
def own_cache_home(tmp_path_factory):
    """Caches (and their key) in a folder of this test run, never the user's; the default location otherwise."""
    saved = {name: os.environ.get(name) for name in ("XDG_CACHE_HOME", "PMSITE_CACHE_DIR")}
    os.environ["XDG_CACHE_HOME"] = str(tmp_path_factory.mktemp("xdg-cache"))
    os.environ.pop("PMSITE_CACHE_DIR", None)
    yield
    for name, value in saved.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


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
