"""Which tagger a run uses: the configured trained model, else the cue tagger (with a warning).

A run without codes is a choice (``tagging.codes: false``, ``narratives run --no-codes``), never
what happens silently because no codebook was found.
"""

from __future__ import annotations

import logging
from typing import Any

from spacy.language import Language

from pipeline.config import Config
from pipeline.errors import ConfigError
from pipeline.nlp.language import build_nlp

log = logging.getLogger(__name__)


def build_pipeline(config: Config) -> tuple[Language, dict[str, Any]]:
    """The spaCy pipeline for a run, and a description of its tagger for the report."""
    from pipeline.classifiers import cue_tagger  # noqa: F401  (registers the factory)

    nlp = build_nlp(config.get("nlp", "model"), config.get("nlp", "fallback"))
    if not config.get("tagging", "codes"):
        return nlp, {"tagger": None, "codes": "off"}
    codebook_path = config.path("codebook")
    model_path = config.path("tagging", "model")
    threshold = config.get("tagging", "min_probability")
    if codebook_path is None:
        raise ConfigError(config.source, "codebook",
                          "a codebook file (YAML or .qdc): none is configured, so nothing could be "
                          "coded; pass --codebook FILE, or --no-codes to only read and segment")
    if not codebook_path.is_file():
        raise ConfigError(config.source, "codebook", f"an existing codebook file; {codebook_path} "
                          "does not exist (pass --codebook FILE, or --no-codes)")
    if model_path is not None and (model_path / "model.json").exists():
        from pipeline.classifiers.component import add_model_component

        info = add_model_component(nlp, model_path, codebook_path, threshold)
        return nlp, info
    if model_path is not None:
        log.warning("no trained model at %s; using the cue tagger (rules from the codebook)",
                    model_path)
    tagger = nlp.add_pipe("cue_tagger", config={"codebook_path": str(codebook_path),
                                                "threshold": threshold})
    cb = tagger.codebook
    return nlp, {"tagger": "cue_tagger", "codebook": cb.id, "codebook_version": cb.version,
                 "codebook_sha": cb.fingerprint(), "codebook_path": str(codebook_path)}
