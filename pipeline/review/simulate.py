"""Simulated review loop on the annotated corpus: does the queue teach the model faster than chance?

The corpus's gold codes play the reviewer. Per seed: a quarter of the documents is held out as
the test set (split by document, as in cross-validation), the rest is the pool of unreviewed
units. Interviewer turns are left out of both (they are never put up for review and normally get
no code). A small random seed set is "reviewed" first; then, in rounds, each strategy picks the
next units from what is left of the pool, the gold codes are revealed, the model is retrained
on everything reviewed so far, and scored on the test set (Cohen's kappa per code, macro over the
codes with test support, and for ``decision_moment`` alone).

Strategies: ``random``; ``uncertainty`` (:func:`pipeline.review.queue.pick_for_review` on the
current model's scores and tuned thresholds, diversity over the TF-IDF of the unit texts: what
``narratives review --rare-weight 0`` does); ``uncertainty_mean`` (the same with the mean over
groups instead of the maximum); ``rare`` (ranked by
:func:`pipeline.review.queue.rare_code_priorities`, a mix of uncertainty and the predicted
probability of codes that are still rare in the reviewed set, with the cue tagger's score standing
in for codes the model cannot score yet: a remedy for class imbalance, where uncertainty alone
keeps asking about the boundaries of the codes the model already has; what ``narratives review``
does by default). Modifiers: ``_nodiv`` (diversity 0), ``_modelsim`` (similarity over the
model's feature vectors), ``_allsim`` (all similarity penalised, not only near-duplicates),
e.g. ``rare_nodiv``.

All strategies of a seed start from the same seed set and share its first model. Unit Docs and
feature rows (the slow part: spaCy and the cue matcher) are computed once for the whole corpus.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from pipeline.classifiers.sklearn_backend import SklearnCodeModel
from pipeline.codebook import Codebook
from pipeline.evaluation.metrics import summarise
from pipeline.review.queue import pick_for_review, rare_code_priorities
from pipeline.training.data import AnnotatedUnit

log = logging.getLogger(__name__)

STRATEGIES = ("uncertainty", "random", "rare", "uncertainty_mean")
FOCUS_CODE = "decision_moment"


@dataclass
class SimulationConfig:
    seed_size: int = 60
    round_size: int = 60
    rounds: int = 12
    seeds: tuple[int, ...] = (0, 1, 2)
    test_fraction: float = 0.25
    cv: int = 2
    diversity: float = 0.5
    strategies: tuple[str, ...] = ("uncertainty", "random", "rare")
    exclude_roles: tuple[str, ...] = ("interviewer",)
    rare_weight: float = 0.5
    reference: bool = False  # also train on the whole pool once per seed (the ceiling)


@dataclass
class RoundResult:
    round: int
    labelled: int
    pool: int
    kappa_macro: float
    kappa_focus: float
    f1_macro: float
    auc_macro: float
    auc_focus: float
    seconds: float
    picked_with_codes: float | None = None  # share of the round's picks with any gold code
    picked_focus: float | None = None  # share of the round's picks with the focus code
    codes_trained: int = 0
    labelled_counts: dict[str, int] = field(default_factory=dict)
    picked: list[str] = field(default_factory=list)  # ids of the units reviewed this round


class Corpus:
    """Annotated units with their unit Docs and feature rows computed once."""

    def __init__(self, units: list[AnnotatedUnit], codebook: Codebook, nlp: Any) -> None:
        self.units = units
        self.codebook = codebook
        self.nlp = nlp
        probe = SklearnCodeModel(codebook, nlp)
        self.docs = probe.unit_docs(units)
        rows = probe._feature_rows(self.docs)
        self.rows = {id(d): r for d, r in zip(self.docs, rows)}
        self._probe = probe
        self._cue_scores: list[dict[str, float]] | None = None

    @property
    def cue_scores(self) -> list[dict[str, float]]:
        """The cue tagger's scores per unit (a prior for codes the model cannot score yet)."""
        if self._cue_scores is None:
            self._cue_scores = [self._probe.cues.predict_scores(d)[0] for d in self.docs]
        return self._cue_scores

    def model(self, cv: int, seed: int = 0) -> SklearnCodeModel:
        rows = self.rows

        class _Cached(SklearnCodeModel):
            def _feature_rows(self, docs):  # type: ignore[override]
                return [rows[id(d)] for d in docs]

        return _Cached(self.codebook, self.nlp, cv=cv, seed=seed)


def split_documents(units: Sequence[AnnotatedUnit], test_fraction: float, seed: int) -> tuple[list[str], list[str]]:
    """(train doc ids, test doc ids): a seeded shuffle of the documents, cut by document."""
    docs = sorted({u.doc_id for u in units})
    rng = np.random.default_rng(seed)
    rng.shuffle(docs)
    n_test = max(1, int(round(test_fraction * len(docs))))
    if n_test >= len(docs):
        raise ValueError("the test set would take every document")
    return sorted(docs[n_test:]), sorted(docs[:n_test])


def evaluate(model: SklearnCodeModel, corpus: Corpus, test: Sequence[int]) -> dict[str, float]:
    """Test-set kappa (macro over codes with test support; the focus code) and, free of the
    thresholds, ROC AUC (macro over the codes with support the model scores; the focus code)."""
    from sklearn.metrics import roc_auc_score

    scores = model.predict_proba_docs([corpus.docs[i] for i in test])
    pred = [set(model.assign(s)) for s in scores]
    gold = [set(corpus.units[i].codes) for i in test]
    summary = summarise(gold, pred, corpus.codebook)
    focus = summary["per_code"].get(FOCUS_CODE, {}).get("kappa", float("nan"))
    trained = {c for clf in model.groups.values() for c in clf.classes_}
    aucs = {}
    for code in summary["per_code"]:
        y = [code in g for g in gold]
        if code in trained and 0 < sum(y) < len(y):
            aucs[code] = float(roc_auc_score(y, [s.get(code, 0.0) for s in scores]))
    return {"kappa_macro": summary["macro"]["kappa"], "kappa_focus": float(focus),
            "f1_macro": summary["macro"]["f1"],
            "auc_macro": float(np.mean(list(aucs.values()))) if aucs else float("nan"),
            "auc_focus": aucs.get(FOCUS_CODE, float("nan"))}


def _segments(corpus: Corpus, pool: Sequence[int], scores: Sequence[dict[str, float]]) -> list[dict[str, Any]]:
    return [{"doc_id": corpus.units[i].doc_id, "text": corpus.units[i].text,
             "role": corpus.units[i].context.get("role"), "scores": s, "index": i}
            for i, s in zip(pool, scores)]


MODIFIERS = {"_nodiv": "nodiv", "_modelsim": "modelsim", "_allsim": "allsim"}


def parse_strategy(strategy: str) -> tuple[str, dict[str, Any]]:
    """A strategy name and its modifiers: ``_nodiv`` (diversity 0), ``_modelsim`` (similarity over
    the model's feature vectors instead of the TF-IDF of the unit texts), ``_allsim`` (every bit of
    similarity counts, not only near-duplicates: ``min_similarity=0``), e.g. ``rare_nodiv``."""
    base, opts = strategy, {}
    changed = True
    while changed:
        changed = False
        for suffix, key in MODIFIERS.items():
            if base.endswith(suffix):
                base, opts[key], changed = base[: -len(suffix)], True, True
    if base not in STRATEGIES:
        raise ValueError(f"unknown strategy {strategy!r}; expected one of {', '.join(STRATEGIES)}, "
                         f"optionally with {' and/or '.join(MODIFIERS)}")
    return base, opts


def pick(strategy: str, model: SklearnCodeModel, corpus: Corpus, pool: list[int], n: int,
         cfg: SimulationConfig, rng: np.random.Generator, seed: int,
         labelled_counts: Counter) -> list[int]:
    """The next ``n`` pool indices (corpus unit indices) a strategy sends to review."""
    base, opts = parse_strategy(strategy)
    if n >= len(pool):
        return list(pool)
    if base == "random":
        return [pool[i] for i in sorted(rng.choice(len(pool), size=n, replace=False))]
    docs = [corpus.docs[i] for i in pool]
    scores = model.predict_proba_docs(docs)
    vectors = model._matrix(docs) if opts.get("modelsim") else None  # None: text TF-IDF
    segments = _segments(corpus, pool, scores)
    priorities = None
    if base == "rare":
        trained = {c for clf in model.groups.values() for c in clf.classes_}
        untrained = set(corpus.codebook.code_ids) - trained
        priorities = rare_code_priorities(segments, corpus.codebook, cfg.rare_weight, labelled_counts,
                                          model.thresholds, untrained,
                                          [corpus.cue_scores[i] for i in pool])
    diversity = 0.0 if opts.get("nodiv") else cfg.diversity
    picks = pick_for_review(segments, corpus.codebook, n, diversity, exclude_roles=(),
                            seed=seed, thresholds=model.thresholds, vectors=vectors,
                            priorities=priorities,
                            combine="mean" if base == "uncertainty_mean" else "max",
                            min_similarity=0.0 if opts.get("allsim") else 0.3)
    return [int(s["index"]) for s, _ in picks]


def _fit(corpus: Corpus, labelled: Sequence[int], cfg: SimulationConfig, seed: int) -> SklearnCodeModel:
    units = [corpus.units[i] for i in labelled]
    docs = [corpus.docs[i] for i in labelled]
    try:
        return corpus.model(cfg.cv, seed).fit(units, docs=docs)
    except ValueError as e:
        # scikit-learn refuses a cross-validation fold with one class only (tiny labelled sets):
        # fit once more without folds (fixed thresholds) rather than end the simulation
        log.warning("fit with cv=%d failed (%s); refitting with cv=0", cfg.cv, e)
        model = corpus.model(0, seed).fit(units, docs=docs)
        model.card["cv_fallback"] = True
        return model


def run_seed(corpus: Corpus, cfg: SimulationConfig, seed: int,
             progress: Callable[[str], None] | None = None) -> dict[str, Any]:
    """One seed: a split, a seed set, and every strategy's rounds from there."""
    for strategy in cfg.strategies:
        parse_strategy(strategy)  # fail before any work
    units = corpus.units
    excluded = set(cfg.exclude_roles)
    train_docs, test_docs = split_documents(units, cfg.test_fraction, seed)
    train_set, test_set = set(train_docs), set(test_docs)
    eligible = [i for i, u in enumerate(units) if u.context.get("role") not in excluded]
    test = [i for i in eligible if units[i].doc_id in test_set]
    pool0 = [i for i in eligible if units[i].doc_id in train_set]
    rng = np.random.default_rng(10_000 + seed)
    seed_set = sorted(int(i) for i in rng.choice(pool0, size=min(cfg.seed_size, len(pool0)), replace=False))
    t0 = time.perf_counter()
    first = _fit(corpus, seed_set, cfg, seed)
    first_scores = evaluate(first, corpus, test)
    first_seconds = time.perf_counter() - t0
    out: dict[str, Any] = {"seed": seed, "test_documents": test_docs, "test_units": len(test),
                           "pool_units": len(pool0), "strategies": {}}
    for strategy in cfg.strategies:
        labelled = list(seed_set)
        chosen = set(labelled)
        pool = [i for i in pool0 if i not in chosen]
        counts = Counter(c for i in labelled for c in units[i].codes)
        model = first
        rounds = [RoundResult(0, len(labelled), len(pool), **first_scores, seconds=round(first_seconds, 2),
                              codes_trained=_trained(first), labelled_counts=dict(counts),
                              picked=[units[i].id for i in seed_set])]
        srng = np.random.default_rng(20_000 + seed)
        for r in range(1, cfg.rounds + 1):
            if not pool:
                break
            t0 = time.perf_counter()
            new = pick(strategy, model, corpus, pool, cfg.round_size, cfg, srng, seed, counts)
            if len(set(new)) != len(new) or not set(new) <= set(pool):
                raise AssertionError("a strategy picked a unit twice or from outside the pool")
            new_set = set(new)
            pool = [i for i in pool if i not in new_set]
            labelled += new
            counts.update(c for i in new for c in units[i].codes)
            model = _fit(corpus, labelled, cfg, seed)
            scores = evaluate(model, corpus, test)
            rounds.append(RoundResult(
                r, len(labelled), len(pool), **scores, seconds=round(time.perf_counter() - t0, 2),
                picked_with_codes=round(float(np.mean([bool(units[i].codes) for i in new])), 3),
                picked_focus=round(float(np.mean([FOCUS_CODE in units[i].codes for i in new])), 3),
                codes_trained=_trained(model), labelled_counts=dict(counts),
                picked=[units[i].id for i in new]))
            if progress:
                progress(f"seed {seed} {strategy:11s} round {r}: {len(labelled)} labelled, "
                         f"kappa {scores['kappa_macro']:.3f}, {FOCUS_CODE} {scores['kappa_focus']:.3f} "
                         f"({rounds[-1].seconds:.1f} s)")
        out["strategies"][strategy] = [asdict(x) for x in rounds]
    if cfg.reference:
        full = _fit(corpus, pool0, cfg, seed)
        out["reference"] = {"labelled": len(pool0), **evaluate(full, corpus, test)}
    return out


def _trained(model: SklearnCodeModel) -> int:
    return sum(len(clf.classes_) for clf in model.groups.values())


def _median(values: list[float]) -> float:
    vals = [v for v in values if v == v]
    return float(np.median(vals)) if vals else float("nan")


def needed(curve: list[dict[str, Any]], key: str, target: float) -> int | None:
    """Reviewed units at the first round whose (median) value reaches ``target``; None if never."""
    for row in curve:
        if row[key] == row[key] and row[key] >= target - 1e-9:
            return int(row["labelled"])
    return None


def summarise_runs(runs: list[dict[str, Any]], strategies: Sequence[str],
                   focus_target: float = 0.5) -> dict[str, Any]:
    """Medians over seeds per strategy and round, and the units needed to reach the targets."""
    medians: dict[str, list[dict[str, Any]]] = {}
    for s in strategies:
        n_rounds = min(len(r["strategies"][s]) for r in runs)
        curve = []
        for k in range(n_rounds):
            rows = [r["strategies"][s][k] for r in runs]
            curve.append({"round": k, "labelled": int(np.median([x["labelled"] for x in rows])),
                          **{key: round(_median([x[key] for x in rows]), 4)
                             for key in ("kappa_macro", "kappa_focus", "f1_macro", "auc_macro",
                                         "auc_focus")},
                          "picked_with_codes": None if k == 0 else round(_median([x["picked_with_codes"] for x in rows]), 3),
                          "picked_focus": None if k == 0 else round(_median([x["picked_focus"] for x in rows]), 3)})
        medians[s] = curve
    base = "random" if "random" in medians else strategies[0]
    target_macro = medians[base][-1]["kappa_macro"]
    target_focus_random = medians[base][-1]["kappa_focus"]
    mid = medians[base][len(medians[base]) // 2]
    targets = {
        "kappa_macro_mid": {"target": mid["kappa_macro"],
                            "meaning": f"the {base} strategy's median macro kappa at {mid['labelled']} units",
                            "units": {s: needed(c, "kappa_macro", mid["kappa_macro"]) for s, c in medians.items()}},
        "kappa_macro": {"target": target_macro, "meaning": f"the {base} strategy's final median macro kappa",
                        "units": {s: needed(c, "kappa_macro", target_macro) for s, c in medians.items()}},
        "kappa_focus": {"target": focus_target, "meaning": f"{FOCUS_CODE} kappa {focus_target}",
                        "units": {s: needed(c, "kappa_focus", focus_target) for s, c in medians.items()}},
        "kappa_focus_final": {"target": target_focus_random,
                              "meaning": f"the {base} strategy's final median {FOCUS_CODE} kappa",
                              "units": {s: needed(c, "kappa_focus", target_focus_random)
                                        for s, c in medians.items()}},
    }
    out: dict[str, Any] = {"medians": medians, "targets": targets}
    refs = [r["reference"] for r in runs if "reference" in r]
    if refs:
        out["reference"] = {k: round(_median([x[k] for x in refs]), 4)
                            for k in ("labelled", "kappa_macro", "kappa_focus", "f1_macro",
                                      "auc_macro", "auc_focus")}
    return out


def simulate(corpus: Corpus, cfg: SimulationConfig,
             progress: Callable[[str], None] | None = None) -> dict[str, Any]:
    t0, c0 = time.perf_counter(), time.process_time()
    runs = [run_seed(corpus, cfg, seed, progress) for seed in cfg.seeds]
    summary = summarise_runs(runs, cfg.strategies)
    return {"config": asdict(cfg), "units": len(corpus.units),
            "documents": len({u.doc_id for u in corpus.units}),
            "seconds": round(time.perf_counter() - t0, 1),
            "cpu_seconds": round(time.process_time() - c0, 1), **summary, "runs": runs}


def format_table(result: dict[str, Any]) -> str:
    """Median test kappa (macro | decision_moment) per round, a column pair per strategy; then the
    same for ROC AUC (ranking quality, free of thresholds) and the units to reach the targets."""
    strategies = list(result["medians"])
    n = min(len(c) for c in result["medians"].values())
    lines: list[str] = [f"columns: macro | {FOCUS_CODE}, medians over seeds"]
    for title, (a, b) in (("kappa", ("kappa_macro", "kappa_focus")), ("AUC", ("auc_macro", "auc_focus"))):
        head = f"{title:>5s} {'units':>5s}" + "".join(f"  {s[:16]:>16s}" for s in strategies)
        lines += [head, "-" * len(head)]
        for k in range(n):
            row = result["medians"][strategies[0]][k]
            line = f"{row['round']:5d} {row['labelled']:5d}"
            for s in strategies:
                c = result["medians"][s][k]
                line += f"  {'':>4s}{c[a]:5.3f} {c[b]:5.3f}"
            lines.append(line)
        lines.append("")
    for t in result["targets"].values():
        units = ", ".join(f"{s}: {v if v is not None else 'not reached'}" for s, v in t["units"].items())
        lines.append(f"units to reach {t['meaning']} ({t['target']:.3f}): {units}")
    if "reference" in result:
        ref = result["reference"]
        lines.append(f"whole pool ({ref['labelled']} units): macro kappa {ref['kappa_macro']:.3f}, "
                     f"{FOCUS_CODE} {ref['kappa_focus']:.3f}")
    return "\n".join(lines)
