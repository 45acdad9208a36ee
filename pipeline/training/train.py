"""Training a model folder from a codebook and annotated data: what ``narratives train`` runs."""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any

from pipeline.classifiers.loading import new_model
from pipeline.codebook import Codebook, load_codebook
from pipeline.evaluation.cv import cross_validate
from pipeline.training.data import AnnotatedUnit, load_annotated

log = logging.getLogger(__name__)


def check_codes(units: list[AnnotatedUnit], codebook: Codebook) -> dict[str, int]:
    """Codes in the data that the codebook does not have (dropped, and reported)."""
    known = set(codebook.code_ids)
    unknown: dict[str, int] = {}
    for u in units:
        kept = []
        for c in u.codes:
            if c in known:
                kept.append(c)
            else:
                unknown[c] = unknown.get(c, 0) + 1
        u.codes = kept
    for c, n in sorted(unknown.items()):
        log.warning("code %s (%d units) is not in codebook %s: ignored", c, n, codebook.id)
    return unknown


def default_splits(units: list[AnnotatedUnit]) -> list[str]:
    """Held-out register and writer where the data says them (what predicts quality on text
    nobody here wrote); by document otherwise."""
    splits = [s for s in ("register", "writer")
              if all(u.context.get(s) for u in units) and len({u.context[s] for u in units}) >= 2]
    return splits or ["document"]


def fold_jobs(backend: str, jobs: int) -> int:
    """Processes for cross-validation folds: as asked, 0 meaning one per usable core; one for the
    transformers backend, whose PyTorch threads do not survive a fork and which fills the cores
    (or the GPU) on its own."""
    if backend != "sklearn":
        return 1
    from pipeline.cpus import default_workers

    return jobs or default_workers()


def train(codebook_path: str | Path, data: list[str | Path], out: str | Path, backend: str = "sklearn",
          cv: int = 5, name: str | None = None, params: dict[str, Any] | None = None,
          splits: list[str] | None = None, command: str | None = None, jobs: int = 1) -> dict[str, Any]:
    """Fit on all data, cross-validate for the card (cv=0 skips), save to ``out``.

    ``splits``: what the card's cross-validation holds out, each in turn (default: register and
    writer when the data names them, else document; see ``pipeline.evaluation.cv``).
    ``jobs``: processes for the cross-validation folds (the card's figures do not depend on it)."""
    codebook = load_codebook(codebook_path)
    units = load_annotated(data)
    unknown = check_codes(units, codebook)
    t0 = time.perf_counter()
    model = new_model(backend, codebook, **(params or {}))
    model.fit(units)
    fit_seconds = time.perf_counter() - t0
    model.card["name"] = name or Path(out).name
    model.card["data"]["sources"] = [str(p) for p in data]
    model.card["data"]["unknown_codes"] = unknown
    model.card["fit_seconds"] = round(fit_seconds, 2)
    if command:
        model.card["command"] = command
    if cv and cv > 1:
        model.card["cv_splits"] = {}
        for split in splits or default_splits(units):
            log.info("cross-validation, split by %s", split)
            result = cross_validate(lambda: new_model(backend, codebook, nlp=model.nlp, **(params or {})),
                                    units, codebook, k=cv, split=split, jobs=jobs)
            entry = {k: result[k] for k in ("split", "per_code", "macro", "folds", "confusion")}
            if "cue_tagger" in result:
                entry["cue_tagger"] = {k: result["cue_tagger"][k] for k in ("per_code", "macro")}
            if "by_group" in result:
                entry["by_group"] = result["by_group"]
            model.card["cv_splits"][split] = entry
        model.card["cv"] = next(iter(model.card["cv_splits"].values()))
    model.save(out)
    return model.card

