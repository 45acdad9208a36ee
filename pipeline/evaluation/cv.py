"""Document-wise cross-validation of a backend, the cue tagger beside it, and learning curves.

Folds split by document (GroupKFold on doc ids): no document is in both train and test, so the
scores say how the model does on a new interview, not on other turns of one it has seen.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import numpy as np
from sklearn.model_selection import GroupKFold

from pipeline.classifiers.base import CodeModel
from pipeline.classifiers.cue_tagger import CueTagger
from pipeline.codebook import Codebook
from pipeline.evaluation.metrics import summarise
from pipeline.training.data import AnnotatedUnit

log = logging.getLogger(__name__)

ModelFactory = Callable[[], CodeModel]


def document_folds(units: list[AnnotatedUnit], k: int) -> list[tuple[np.ndarray, np.ndarray]]:
    groups = np.array([u.doc_id for u in units])
    k = min(k, len(set(groups)))
    if k < 2:
        raise ValueError("cross-validation needs units from at least two documents")
    return list(GroupKFold(n_splits=k).split(np.zeros(len(units)), groups=groups))


def cue_tagger_scores(units: list[AnnotatedUnit], codebook: Codebook, nlp: Any, docs: list[Any]) -> dict[str, Any]:
    tagger = CueTagger(nlp, "cues", codebook)
    pred = []
    for doc in docs:
        scores, _ = tagger.predict_scores(doc)
        pred.append(set(codebook.apply_rules(scores)))
    gold = [set(u.codes) for u in units]
    return summarise(gold, pred, codebook)


def cross_validate(factory: ModelFactory, units: list[AnnotatedUnit], codebook: Codebook, k: int = 5,
                   learning_curve: bool = False, fractions: tuple[float, ...] = (0.2, 0.4, 0.6, 0.8, 1.0),
                   seed: int = 0) -> dict[str, Any]:
    """Out-of-fold predictions for every unit; per-code scores; optionally a learning curve."""
    probe = factory()
    docs = probe.unit_docs(units) if hasattr(probe, "unit_docs") else None
    folds = document_folds(units, k)
    pred: list[set[str]] = [set() for _ in units]
    gold = [set(u.codes) for u in units]
    curve: dict[float, list[list[set[str]]]] = {f: [set() for _ in units] for f in fractions} if learning_curve else {}
    rng = np.random.default_rng(seed)
    for n, (train, test) in enumerate(folds, 1):
        log.info("fold %d/%d: %d train units, %d test units", n, len(folds), len(train), len(test))
        model = _fit(factory, units, docs, train)
        for i, codes in zip(test, _predict(model, units, docs, test)):
            pred[i] = set(codes)
        if learning_curve:
            train_docs = sorted({units[i].doc_id for i in train})
            rng.shuffle(train_docs)
            for frac in fractions:
                keep = set(train_docs[: max(2, int(round(frac * len(train_docs))))])
                sub = np.array([i for i in train if units[i].doc_id in keep])
                m = model if frac == 1.0 else _fit(factory, units, docs, sub)
                for i, codes in zip(test, _predict(m, units, docs, test)):
                    curve[frac][i] = set(codes)
    result = summarise(gold, pred, codebook)
    result["folds"] = len(folds)
    result["units"] = len(units)
    result["documents"] = len({u.doc_id for u in units})
    if docs is not None:
        result["cue_tagger"] = cue_tagger_scores(units, codebook, probe.nlp, docs)
    if learning_curve:
        n_train_docs = result["documents"] * (len(folds) - 1) / len(folds)
        result["learning_curve"] = [
            {"fraction": f, "train_documents": round(f * n_train_docs),
             **{k: v for k, v in summarise(gold, curve[f], codebook)["macro"].items()}}
            for f in fractions]
    return result


def _fit(factory: ModelFactory, units: list[AnnotatedUnit], docs: list[Any] | None, idx: np.ndarray) -> CodeModel:
    model = factory()
    sub = [units[i] for i in idx]
    if docs is not None:
        return model.fit(sub, docs=[docs[i] for i in idx])
    return model.fit(sub)


def _predict(model: CodeModel, units: list[AnnotatedUnit], docs: list[Any] | None, idx: np.ndarray) -> list[list[str]]:
    if docs is not None:
        sub_docs = [docs[i] for i in idx]
    else:
        sub_docs, _ = model_docs(model, [units[i] for i in idx])
    return [model.assign(s) for s in model.predict_proba_docs(sub_docs)]


def model_docs(model: CodeModel, units: list[AnnotatedUnit]) -> tuple[list[Any], bool]:
    from pipeline.classifiers.base import as_unit_docs

    return as_unit_docs(model.nlp, [{"text": u.text, "context": u.context} for u in units])
