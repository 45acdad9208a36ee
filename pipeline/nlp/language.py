"""Building the Dutch spaCy pipeline: nl_core_news_md when installed, else an offline one.

The offline pipeline is spaCy's blank Dutch tokenizer, a rule sentencizer and simplemma lemmas.
We measured spaCy's own lookup lemmatizer without POS on Dutch decision verbs: it leaves
participles and irregular forms (besloten, gekozen, gedaan, was, heb) unchanged, which the cue
patterns depend on; simplemma gets them right and ships its data.
"""

from __future__ import annotations

import logging
from functools import lru_cache

import spacy
from spacy.language import Language

from pipeline.nlp import components  # noqa: F401  (registers the factories)
from pipeline.nlp.tokenizer import add_tokenizer_exceptions

log = logging.getLogger(__name__)

OFFLINE_NAME = "offline_nl"


def _load_installed(name: str) -> Language | None:
    try:
        return spacy.load(name, exclude=["ner"])
    except (OSError, ImportError):
        return None


def installed_model(name: str) -> str | None:
    """Where an installed spaCy model package lives, or None; does not load it."""
    if name == OFFLINE_NAME:
        return None
    from importlib.util import find_spec

    spec = find_spec(name) if name.isidentifier() else None
    return str(spec.origin).rsplit("/", 1)[0] if spec and spec.origin else None


def build_offline() -> Language:
    nlp = spacy.blank("nl")
    nlp.add_pipe("array_sentencizer", name="sentencizer")  # spaCy's rule, read from arrays
    nlp.add_pipe("simplemma_lemmatizer")
    nlp.meta["name"] = OFFLINE_NAME
    return nlp


@lru_cache(maxsize=4)
def _warn_once(model: str) -> None:
    log.warning(
        "spaCy model %s is not installed; using the offline Dutch pipeline (blank nl tokenizer, "
        "rule sentencizer, simplemma lemmas). For POS tags and better sentences: "
        "python -m spacy download %s", model, model)


def build_nlp(model: str = "nl_core_news_md", fallback: str = "offline") -> Language:
    """The Dutch pipeline with our tokenizer exceptions and transcript-mark merging.

    ``fallback='offline'`` uses the offline pipeline when ``model`` is not installed;
    ``fallback='error'`` raises instead (for users who want to be sure which model ran).
    """
    nlp = None if model == OFFLINE_NAME else _load_installed(model)
    if nlp is None:
        if fallback == "error":
            raise OSError(f"spaCy model {model!r} is not installed: python -m spacy download {model}")
        if model != OFFLINE_NAME:
            _warn_once(model)
        nlp = build_offline()
    add_tokenizer_exceptions(nlp)
    nlp.add_pipe("transcript_marks", first=True)
    return nlp


def model_description(nlp: Language) -> dict[str, str]:
    return {"name": f"{nlp.meta.get('lang', 'nl')}_{nlp.meta.get('name', '')}",
            "version": str(nlp.meta.get("version", "")), "spacy": spacy.__version__}
