"""Questions as data and the anonymity threshold's floor."""

from __future__ import annotations

import pytest

from pmsite.config import load_config
from pmsite.errors import ConfigError
from pmsite.pulse.settings import pulse_settings


def test_default_questions_are_edmondsons_seven_items_with_1_3_5_reverse_scored(settings):
    scale = [q for q in settings.questions if q.source == "edmondson-1999"]
    assert [q.id for q in scale] == ["ps1", "ps2", "ps3", "ps4", "ps5", "ps6", "ps7"]
    assert [q.id for q in scale if q.reverse] == ["ps1", "ps3", "ps5"]
    assert scale[0].text == "If you make a mistake on this team, it is often held against you."
    assert scale[1].text == "Members of this team are able to bring up problems and tough issues."
    assert scale[4].text == "It is difficult to ask other members of this team for help."
    assert any(q.text == "If I caused an incident, I could say so without fear." for q in settings.questions)


def test_reverse_scored_answer_is_flipped(settings):
    assert settings.by_id["ps1"].score(2) == 6
    assert settings.by_id["ps2"].score(2) == 2


def test_questions_and_threshold_are_overridable(pulse_root):
    (pulse_root / "pmsite.yaml").write_text(
        "pulse:\n  min_responses: 3\n  questions:\n    - {id: q1, text: I can say no., reverse: false}\n",
        encoding="utf-8")
    settings = pulse_settings(load_config(pulse_root))
    assert [q.id for q in settings.questions] == ["q1"]
    assert settings.min_responses == 3
    assert settings.teams == ()


@pytest.mark.parametrize("value", [2, 0, -5, "5", True])
def test_min_responses_cannot_go_below_three(pulse_root, value):
    (pulse_root / "pmsite.yaml").write_text(f"pulse:\n  min_responses: {value!r}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="pulse.min_responses must be a whole number, at least 3"):
        pulse_settings(load_config(pulse_root))


def test_duplicate_question_ids_are_refused(pulse_root):
    (pulse_root / "pmsite.yaml").write_text(
        "pulse:\n  questions:\n    - {id: a, text: One}\n    - {id: a, text: Two}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="question id 'a' is used twice"):
        pulse_settings(load_config(pulse_root))


def test_unknown_pulse_key_is_named_with_a_suggestion(pulse_root):
    (pulse_root / "pmsite.yaml").write_text("pulse:\n  min_response: 3\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="unknown key pulse.min_response; did you mean 'min_responses'"):
        pulse_settings(load_config(pulse_root))
