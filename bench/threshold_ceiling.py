"""How much better could decision moments and factors be coded on an unseen register with
thresholds fitted to that register? The ceiling of calibration, against the ranking.

Leave-one-register-out with the default sklearn setup (the folds of ``narratives evaluate
--split register``). For decision_moment and each factor, on the held-out probabilities:
ROC AUC (the ranking, free of thresholds), kappa of the codes the model assigns (its tuned
thresholds and the codebook's rules, as the card reports), kappa at the best single threshold
for all registers, and kappa with the best threshold for each held-out register chosen on that
register's own labels (an oracle no deployment has: the most that adapting thresholds or priors
to a new kind of text could give). Prints figures; asserts nothing. About 4 minutes on 2 cores.

    python bench/threshold_ceiling.py
"""

from __future__ import annotations

import argparse
import multiprocessing as mp

import numpy as np
from annotated_data import add_data_options, load_data

THRESHOLDS = np.arange(0.05, 0.951, 0.025)


def kappa(y: np.ndarray, pred: np.ndarray) -> float:
    from sklearn.metrics import cohen_kappa_score

    return float(cohen_kappa_score(y, pred)) if y.any() or pred.any() else 0.0


def best_kappa(y: np.ndarray, p: np.ndarray) -> tuple[float, np.ndarray]:
    preds = [p >= t for t in THRESHOLDS]
    scores = [kappa(y, pred) for pred in preds]
    i = int(np.argmax(scores))
    return scores[i], preds[i]


_FOLD: dict = {}


def _fold(n: int) -> tuple[np.ndarray, list[dict[str, float]], list[list[str]]]:
    units, docs, folds, factory = (_FOLD[k] for k in ("units", "docs", "folds", "factory"))
    train, test = folds[n]
    model = factory().fit([units[i] for i in train], docs=[docs[i] for i in train])
    scores = model.predict_proba_docs([docs[i] for i in test])
    return test, scores, [model.assign(s) for s in scores]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    add_data_options(ap, jobs=2)
    args = ap.parse_args()

    from sklearn.metrics import roc_auc_score

    from pipeline.classifiers.sklearn_backend import SklearnCodeModel
    from pipeline.evaluation.cv import split_folds

    codebook, units, nlp = load_data(args)
    factory = lambda: SklearnCodeModel(codebook, nlp=nlp)  # noqa: E731
    folds = split_folds(units, "register")
    _FOLD.update(units=units, docs=factory().unit_docs(units), folds=folds, factory=factory)
    codes = ["decision_moment"] + [c for c in codebook.code_ids if c.startswith("factor.")]
    P = np.zeros((len(units), len(codes)))
    A = np.zeros((len(units), len(codes)), dtype=bool)
    with mp.get_context("fork").Pool(min(args.jobs, len(folds))) as pool:
        for test, scores, assigned in pool.imap_unordered(_fold, range(len(folds))):
            P[test] = [[s[c] for c in codes] for s in scores]
            A[test] = [[c in a for c in codes] for a in assigned]
    G = np.array([[c in set(u.codes) for c in codes] for u in units])
    register = np.array([u.context.get("register") or "" for u in units])
    scored = np.array([u.context.get("role") != "interviewer" for u in units])

    print(f"{len(units):,} units, {len(folds)} held-out registers\n")
    print("| code | AUC | kappa, assigned | kappa, best threshold | kappa, best threshold per register |")
    print("|---|---:|---:|---:|---:|")
    rows = []
    for j, code in enumerate(codes):
        per_register = np.zeros(len(units), dtype=bool)
        for r in sorted(set(register)):
            m = register == r
            per_register[m] = best_kappa(G[m, j], P[m, j])[1]
        row = (roc_auc_score(G[scored, j], P[scored, j]), kappa(G[:, j], A[:, j]),
               best_kappa(G[:, j], P[:, j])[0], kappa(G[:, j], per_register))
        rows.append(row)
        print(f"| {code} | " + " | ".join(f"{v:.3f}" for v in row) + " |")
    factors = np.mean(rows[1:], axis=0)
    print("| factors, macro of 5 | " + " | ".join(f"{v:.3f}" for v in factors) + " |")


if __name__ == "__main__":
    main()
