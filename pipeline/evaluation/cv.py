"""Cross-validation of a backend, the cue tagger beside it, and learning curves.

``split`` says what a fold holds out:

- ``register``: one register at a time (interviews, diaries, meeting reports, field notes, case
  files, research reports): how the model does on a kind of text it was not trained on;
- ``writer``: one writer at a time: how it does on somebody else's way of writing;
- ``document`` (GroupKFold on doc ids): no document in both train and test. Within one writer's
  style this overstates quality on unseen text; it is kept, and labelled as such.

Register and writer come from each source's metadata (``register:``/``writer:`` in a marked-text
header, or the JSONL record's metadata). Scores per held-out group, for the model and the cue
tagger, show where the model falls below the rules.
"""

from __future__ import annotations

import logging
import multiprocessing as mp
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
from sklearn.model_selection import GroupKFold, LeaveOneGroupOut

from pipeline.classifiers.base import CodeModel
from pipeline.classifiers.cue_tagger import CueTagger
from pipeline.codebook import Codebook
from pipeline.evaluation.metrics import summarise
from pipeline.training.data import AnnotatedUnit

log = logging.getLogger(__name__)

ModelFactory = Callable[[], CodeModel]


SPLITS = ("document", "register", "writer")


def group_of(unit: AnnotatedUnit, split: str) -> str:
    """The held-out group a unit belongs to under ``split``."""
    if split == "document":
        return unit.doc_id
    value = unit.context.get(split)
    if not value:
        raise ValueError(f"unit {unit.id} (document {unit.doc_id}) has no '{split}' in its "
                         f"metadata; add '{split}:' to the source's header or use --split document")
    return str(value)


def split_folds(units: list[AnnotatedUnit], split: str, k: int = 5) -> list[tuple[np.ndarray, np.ndarray]]:
    """Train/test index pairs: k folds by document, or leave-one-group-out by register/writer."""
    if split not in SPLITS:
        raise ValueError(f"split: one of {', '.join(SPLITS)}; got {split!r}")
    groups = np.array([group_of(u, split) for u in units])
    if split != "document":
        if len(set(groups)) < 2:
            raise ValueError(f"leave-one-{split}-out needs at least two {split}s; got {len(set(groups))}")
        return list(LeaveOneGroupOut().split(np.zeros(len(units)), groups=groups))
    k = min(k, len(set(groups)))
    if k < 2:
        raise ValueError("cross-validation needs units from at least two documents")
    return list(GroupKFold(n_splits=k).split(np.zeros(len(units)), groups=groups))


def cue_predictions(codebook: Codebook, nlp: Any, docs: list[Any]) -> list[set[str]]:
    tagger = CueTagger(nlp, "cues", codebook)
    return [set(codebook.apply_rules(tagger.predict_scores(doc)[0])) for doc in docs]


def cue_tagger_scores(units: list[AnnotatedUnit], codebook: Codebook, nlp: Any, docs: list[Any]) -> dict[str, Any]:
    return summarise([set(u.codes) for u in units], cue_predictions(codebook, nlp, docs), codebook)


def by_held_out_group(units: list[AnnotatedUnit], split: str, gold: list[set[str]],
                      pred: list[set[str]], cues: list[set[str]] | None,
                      codebook: Codebook) -> dict[str, Any]:
    """Per held-out register or writer: kappa per code of the model and of the cue tagger."""
    out: dict[str, Any] = {}
    groups = [group_of(u, split) for u in units]
    for g in sorted(set(groups)):
        idx = [i for i, x in enumerate(groups) if x == g]
        codes = codebook.code_ids
        model = summarise([gold[i] for i in idx], [pred[i] for i in idx], codebook, codes=codes)
        entry: dict[str, Any] = {"units": len(idx), "model": {c: m["kappa"] for c, m in model["per_code"].items()},
                                 "support": {c: m["support"] for c, m in model["per_code"].items()}}
        if cues is not None:
            cue = summarise([gold[i] for i in idx], [cues[i] for i in idx], codebook, codes=codes)
            entry["cue_tagger"] = {c: m["kappa"] for c, m in cue["per_code"].items()}
        out[g] = entry
    return out


def cross_validate(factory: ModelFactory, units: list[AnnotatedUnit], codebook: Codebook, k: int = 5,
                   learning_curve: bool = False, fractions: tuple[float, ...] = (0.2, 0.4, 0.6, 0.8, 1.0),
                   seed: int = 0, split: str = "document", jobs: int = 1,
                   keep_predictions: bool = False) -> dict[str, Any]:
    """Out-of-fold predictions for every unit; per-code scores; optionally a learning curve.

    ``jobs`` > 1 fits the folds in that many processes (forked, so the parsed units are shared,
    not copied; Linux only, elsewhere one): the same predictions as with one, sooner where there
    are more cores than one fit keeps busy. ``keep_predictions`` adds the held-out codes per unit
    (``predictions``) and the cue tagger's (``cue_predictions``), as sets in unit order, for
    scoring subsets of the units (not for the JSON report).
    """
    probe = factory()
    docs = probe.unit_docs(units) if hasattr(probe, "unit_docs") else None
    folds = split_folds(units, split, k)
    gold = [set(u.codes) for u in units]
    curve: dict[float, list[set[str]]] = {f: [set() for _ in units] for f in fractions} if learning_curve else {}
    pred: list[set[str]] = [set() for _ in units]
    task = _FoldTask(factory, units, docs, folds, fractions if learning_curve else (), seed)
    for n, (test, by_fraction) in enumerate(_map_folds(task, jobs), 1):
        log.info("fold %d/%d done: %d test units", n, len(folds), len(test))
        for frac, codes_per_unit in by_fraction.items():
            target = pred if frac is None else curve[frac]
            for i, codes in zip(test, codes_per_unit):
                target[i] = set(codes)
    result = summarise(gold, pred, codebook)
    result["split"] = split
    result["folds"] = len(folds)
    result["units"] = len(units)
    result["documents"] = len({u.doc_id for u in units})
    cues = cue_predictions(codebook, probe.nlp, docs) if docs is not None else None
    if cues is not None:
        result["cue_tagger"] = summarise(gold, cues, codebook)
    if split != "document":
        result["by_group"] = by_held_out_group(units, split, gold, pred, cues, codebook)
    if keep_predictions:
        result["predictions"], result["cue_predictions"] = pred, cues
    if learning_curve:
        n_train_docs = result["documents"] * (len(folds) - 1) / len(folds)
        result["learning_curve"] = [
            {"fraction": f, "train_documents": round(f * n_train_docs),
             **{k: v for k, v in summarise(gold, curve[f], codebook)["macro"].items()}}
            for f in fractions]
    return result


@dataclass
class _FoldTask:
    """Everything one fold needs; a forked worker inherits it instead of unpickling it."""
    factory: ModelFactory
    units: list[AnnotatedUnit]
    docs: list[Any] | None
    folds: list[tuple[np.ndarray, np.ndarray]]
    fractions: tuple[float, ...]
    seed: int

    def run(self, n: int) -> tuple[np.ndarray, dict[float | None, list[list[str]]]]:
        """Fit on fold ``n``'s training units; predictions for its test units (key None), and
        for each learning-curve fraction, from a model fitted on that share of the documents."""
        train, test = self.folds[n]
        model = _fit(self.factory, self.units, self.docs, train)
        out: dict[float | None, list[list[str]]] = {None: _predict(model, self.units, self.docs, test)}
        if self.fractions:
            train_docs = sorted({self.units[i].doc_id for i in train})
            np.random.default_rng([self.seed, n]).shuffle(train_docs)
            for frac in self.fractions:
                keep = set(train_docs[: max(2, int(round(frac * len(train_docs))))])
                sub = np.array([i for i in train if self.units[i].doc_id in keep])
                m = model if frac == 1.0 else _fit(self.factory, self.units, self.docs, sub)
                out[frac] = _predict(m, self.units, self.docs, test)
        return test, out


_TASK: _FoldTask | None = None  # set in the parent just before forking


def _run_forked(n: int) -> tuple[np.ndarray, dict[float | None, list[list[str]]]]:
    assert _TASK is not None
    return _TASK.run(n)


def _map_folds(task: _FoldTask, jobs: int) -> Iterator[tuple[np.ndarray, dict[float | None, list[list[str]]]]]:
    """Fold results in fold order, from ``jobs`` forked processes or this one."""
    global _TASK
    jobs = min(jobs, len(task.folds))
    if jobs <= 1 or "fork" not in mp.get_all_start_methods():
        yield from (task.run(n) for n in range(len(task.folds)))
        return
    _TASK = task
    try:
        with mp.get_context("fork").Pool(jobs) as pool:
            yield from pool.imap(_run_forked, range(len(task.folds)))
    finally:
        _TASK = None


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
