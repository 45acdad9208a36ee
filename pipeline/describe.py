"""A readable account of a run's setup (for ``narratives info``), without loading any model."""

from __future__ import annotations

import json

from pipeline.config import Config

_ORIGINS = {"--config": "given with --config", "project": "this folder's configs/",
            "package": "shipped with the package", "none": "built-in defaults, no file"}


def describe_setup(config: Config) -> list[tuple[str, str]]:
    """(label, value) lines: config, codebook, model, spaCy pipeline, each with where it is from."""
    from pipeline.nlp.language import installed_model

    out = [("config", f"{config.source} ({_ORIGINS.get(config.origin, config.origin)})")]
    if not config.get("tagging", "codes"):
        out.append(("codes", "off (tagging.codes: false)"))
    else:
        cb = config.path("codebook")
        out.append(("codebook", "NOT CONFIGURED: a run would fail (pass --codebook or --no-codes)"
                    if cb is None else f"{cb}" + ("" if cb.is_file() else "  (MISSING: a run would fail)")))
        model = config.path("tagging", "model")
        card = model / "model.json" if model else None
        if card is not None and card.is_file():
            meta = json.loads(card.read_text(encoding="utf-8"))
            out.append(("model", f"{model} ({meta.get('backend')}, {meta.get('data', {}).get('units')} "
                                 f"training units, created {meta.get('created')})"))
        else:
            out.append(("model", f"none at {model}: the cue tagger (codebook rules) codes"
                        if model else "none configured: the cue tagger (codebook rules) codes"))
    name = config.get("nlp", "model")
    found = installed_model(name)
    out.append(("spacy", f"{name} ({found})" if found else
                f"{name} not installed: the offline Dutch pipeline (blank nl, rule sentencizer, simplemma)"))
    return out
