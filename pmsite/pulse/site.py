"""The one entry point the renderer and ``pulse report`` share (so both show the same figures)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from pmsite.config import Config
from pmsite.pulse.settings import DEFAULT_FOLDER

if TYPE_CHECKING:
    from pmsite.pulse.report import CultureReport


def has_pulse(config: Config) -> bool:
    """Cheap check for the build's hot path: only a folder lookup."""
    folder = config.section("pulse").get("folder", DEFAULT_FOLDER)
    return isinstance(folder, str) and (config.root / folder).is_dir()


def culture_report(config: Config, postmortems: list, history: Any, as_of: dt.date) -> CultureReport | None:
    """The Culture page's figures, or None when the repository has no pulse folder."""
    if not has_pulse(config):
        return None
    from pmsite.pulse.report import build_report, incident_figures, pulse_quarters
    from pmsite.pulse.settings import pulse_settings
    from pmsite.pulse.store import read_all

    settings = pulse_settings(config)
    answers = read_all(settings)
    figures = incident_figures(postmortems, history, config, as_of, pulse_quarters(answers, as_of))
    return build_report(answers, settings, as_of, figures)
