"""An installed wheel carries themes/, schema/ and the scaffold, and works from any folder."""

from __future__ import annotations

import subprocess
import sys
import sysconfig
import venv
import zipfile
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(REPO_ROOT)],
                   check=True, capture_output=True)
    [built] = out.glob("pmsite-*.whl")
    return built


def test_wheel_ships_data_folders(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "pmsite/_data/schema/postmortem.schema.json" in names
    assert any(n.startswith("pmsite/_data/themes/default/") for n in names)
    assert "pmsite/scaffold/postmortem.md.j2" in names
    assert "pmsite/scaffold/init/pmsite.yaml" in names
    assert {f"pmsite/drills/scenarios/{name}.yaml" for name in (
        "connection-pool-leak", "cache-stampede", "retry-storm", "disk-fill", "config-on-restart")} <= names
    assert not any(n.startswith(("tests/", "content/")) for n in names)


def test_installed_wheel_validates_from_another_folder(wheel, tmp_path):
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=False).create(env_dir)
    python = env_dir / "bin" / "python"
    # The running environment (a venv or not) provides the large dependencies; a .pth only adds
    # its folders to sys.path, so its own editable pmsite is not picked up: pmsite comes from the wheel.
    inner = subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                           check=True, capture_output=True, text=True).stdout.strip()
    outer = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    Path(inner, "_outer_environment.pth").write_text("\n".join(sorted(outer)) + "\n", encoding="utf-8")
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", inner, str(wheel)],
                   check=True, capture_output=True)
    where = subprocess.run([python, "-c", "import pmsite.resources as r; print(r.schema_path())"],
                           cwd=tmp_path, check=True, capture_output=True, text=True).stdout
    assert str(env_dir) in where  # the wheel's copy, not the checkout's
    work = tmp_path / "elsewhere"
    work.mkdir()
    for args in (["init", "."], ["new", "Disk full on the search cluster", "--severity", "SEV2", "--type", "capacity"],
                 ["validate"]):
        result = subprocess.run([python, "-m", "pmsite", *args], cwd=work, capture_output=True, text=True)
        assert result.returncode == 0, result.stdout + result.stderr
