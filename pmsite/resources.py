"""Find the data folders (``themes/``, ``schema/``) in a checkout or an installed wheel.

In a source checkout or editable install they sit beside the package; a wheel
carries them as ``pmsite/_data/`` (see ``[tool.hatch...force-include]``).
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent


def data_dir(name: str) -> Path:
    """Return the folder ``name`` (``themes`` or ``schema``) wherever it was installed."""
    for candidate in (_PACKAGE_DIR / "_data" / name, _PACKAGE_DIR.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"pmsite data folder {name!r} is missing from the installation")


def schema_path() -> Path:
    return data_dir("schema") / "postmortem.schema.json"


def themes_dir() -> Path:
    return data_dir("themes")


def scaffold_dir() -> Path:
    """Templates for ``pmsite new`` and ``pmsite init`` (package data inside ``pmsite/``)."""
    return _PACKAGE_DIR / "scaffold"
