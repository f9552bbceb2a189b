"""Model loading: the real spaCy pipeline, hyphenated role words, clear errors."""

from __future__ import annotations

import pytest

from pmsite.errors import ConfigError
from pmsite.nlp import DEFAULT_MODELS, load_model, model_key, model_names


def test_default_model_loads_with_the_components_rules_need():
    nlp = load_model(None)
    assert {"tagger", "parser", "lemmatizer", "ner"} <= set(nlp.pipe_names)
    doc = nlp("The on-call engineer forgot to double-check the config.")
    assert [t.text for t in doc][1:3] == ["on-call", "engineer"]
    assert "double-check" in [t.text for t in doc]
    assert doc[3].lemma_ == "forget"


def test_model_names_and_key():
    assert model_names(None) == DEFAULT_MODELS and model_names("xx_model") == ("xx_model",)
    assert model_key(None).startswith("en_core_web_sm") and "==" in model_key(None)


def test_missing_model_is_a_configuration_error():
    with pytest.raises(ConfigError, match="tried no_such_model_xyz .*fix lint.model in pmsite.yaml"):
        load_model("no_such_model_xyz")
