"""Linear classifiers per codebook group, fitted with scikit-learn, stored as plain arrays.

Multi-label groups: one logistic regression per code, calibrated with Platt scaling on
cross-validated decision scores (documents never split across folds), and a decision threshold per
code chosen on those same out-of-fold probabilities. Single-choice groups: one multinomial logistic
regression over the group's codes plus "none", with one tuned threshold for the group.
A group that ``requires`` a code is trained on the units that carry it.

Only numbers are kept after fitting (coefficients, intercepts, calibration and thresholds), so a
saved model is arrays plus JSON, and prediction is a dot product written out here. scikit-learn
is imported only to fit (importing it costs a run more start-up time than the whole prediction).
"""

from __future__ import annotations

import logging
import warnings
from typing import TYPE_CHECKING, Any

import numpy as np
from scipy import sparse

if TYPE_CHECKING:
    from sklearn.linear_model import LogisticRegression

from pipeline.codebook import Group

log = logging.getLogger(__name__)

NONE = "__none__"
MIN_POSITIVES = 5
THRESHOLDS = np.round(np.arange(0.15, 0.86, 0.05), 2)


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(z, -40, 40)))


def _softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def _folds(doc_ids: np.ndarray, n: int) -> list[tuple[np.ndarray, np.ndarray]]:
    k = min(n, len(set(doc_ids)))
    if k < 2:
        return []
    from sklearn.model_selection import GroupKFold

    return list(GroupKFold(n_splits=k).split(np.zeros(len(doc_ids)), groups=doc_ids))


class LinearGroupClassifier:
    """One codebook group. ``classes_`` are code ids; ``predict_proba`` gives a column per code."""

    def __init__(self, group: Group, C: float = 4.0, cv: int = 5, seed: int = 0) -> None:
        self.group = group
        self.C = C
        self.cv = cv
        self.seed = seed
        self.classes_: list[str] = []
        self.skipped: dict[str, int] = {}
        self.coef = np.zeros((0, 0), dtype=np.float32)
        self.intercept = np.zeros(0, dtype=np.float32)
        self.calibration = np.zeros((0, 2), dtype=np.float32)  # multi: a, b per code
        self.thresholds: dict[str, float] = {}
        self.rows_per_code: dict[str, int] = {}  # units each code was trained on
        # Out-of-fold probabilities after fitting, one row per unit given to ``fit`` and one
        # column per code (NaN where a unit was not judged): what the cue blend learns from.
        self.oof_proba = np.zeros((0, 0))

    # -- fitting ------------------------------------------------------------------------------
    def _lr(self, multinomial: bool) -> LogisticRegression:
        from sklearn.linear_model import LogisticRegression

        return LogisticRegression(C=self.C, class_weight="balanced", max_iter=2000,
                                  solver="newton-cg" if multinomial else "liblinear",
                                  random_state=self.seed)

    def fit(self, X: sparse.csr_matrix, labels: list[set[str]], doc_ids: list[str],
            known: list[set[str] | None] | None = None) -> LinearGroupClassifier:
        """Fit on the units that judged this group's codes (``known`` None: all units did)."""
        known = known or [None] * len(labels)
        n_input = len(labels)
        codes = set(self.group.code_ids)
        if self.group.kind == "single":
            # A positive code in a single-choice group says the others are absent.
            rows = [i for i, k in enumerate(known) if k is None or labels[i] & codes or codes <= k]
        else:
            rows = [i for i, k in enumerate(known) if k is None or k & codes]
        self._input_rows = np.array(rows, dtype=int)
        if len(rows) < len(labels):
            X, labels, doc_ids = X[rows], [labels[i] for i in rows], [doc_ids[i] for i in rows]
            known = [known[i] for i in rows]
        counts = {c: sum(c in y for y in labels) for c in self.group.code_ids}
        docs_with = {c: len({d for d, y in zip(doc_ids, labels) if c in y}) for c in counts}
        self.classes_ = [c for c, n in counts.items() if n >= MIN_POSITIVES and docs_with[c] >= 2]
        self.skipped = {c: n for c, n in counts.items() if c not in self.classes_}
        for c, n in self.skipped.items():
            log.warning("code %s not trained: %d positive units (need %d, in 2+ documents)",
                        c, n, MIN_POSITIVES)
        self.oof_proba = np.full((n_input, len(self.classes_)), np.nan)
        if not self.classes_:
            return self
        groups = np.array(doc_ids)
        from sklearn.exceptions import ConvergenceWarning

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            if self.group.kind == "multi":
                self._fit_multi(X, labels, groups, known)
            else:
                self._fit_single(X, labels, groups)
        return self

    def _fit_multi(self, X: sparse.csr_matrix, labels: list[set[str]], groups: np.ndarray,
                   known: list[set[str] | None]) -> None:
        coefs, intercepts, calib = [], [], []
        for code in self.classes_:
            rows = np.array([i for i, k in enumerate(known) if k is None or code in k], dtype=int)
            self.rows_per_code[code] = len(rows)
            y = np.array([code in labels[i] for i in rows], dtype=int)
            oof = self._out_of_fold(X[rows], y, groups[rows])
            model = self._lr(False).fit(X[rows], y)
            coefs.append(model.coef_[0])
            intercepts.append(model.intercept_[0])
            if oof is None:
                calib.append((1.0, 0.0))
                self.thresholds[code] = 0.5
                continue
            from sklearn.linear_model import LogisticRegression

            platt = LogisticRegression(C=1e4).fit(oof.reshape(-1, 1), y)
            a, b = float(platt.coef_[0, 0]), float(platt.intercept_[0])
            calib.append((a, b))
            p = _sigmoid(a * oof + b)
            self.oof_proba[self._input_rows[rows], len(calib) - 1] = p
            self.thresholds[code] = best_kappa_threshold(y, p)
        self.coef = np.array(coefs, dtype=np.float32)
        self.intercept = np.array(intercepts, dtype=np.float32)
        self.calibration = np.array(calib, dtype=np.float32)

    def _out_of_fold(self, X: sparse.csr_matrix, y: np.ndarray, groups: np.ndarray) -> np.ndarray | None:
        """Out-of-fold decision scores for one code (None without enough documents)."""
        folds = _folds(groups, self.cv)
        if not folds:
            return None
        oof = np.zeros(len(y))
        for tr, te in folds:
            if y[tr].min() == y[tr].max():
                continue
            oof[te] = self._lr(False).fit(X[tr], y[tr]).decision_function(X[te])
        return oof

    def _fit_single(self, X: sparse.csr_matrix, labels: list[set[str]], groups: np.ndarray) -> None:
        classes = [*self.classes_, NONE]
        self.rows_per_code = dict.fromkeys(self.classes_, len(labels))
        y = np.array([next((classes.index(c) for c in self.classes_ if c in lab), len(classes) - 1)
                      for lab in labels])
        folds = _folds(groups, self.cv)
        oof = np.zeros((len(y), len(classes)))
        for tr, te in folds:
            if len(set(y[tr].tolist())) < 2:  # a fold with one class teaches nothing
                continue
            model = self._lr(True).fit(X[tr], y[tr])
            oof[np.ix_(te, model.classes_)] = model.predict_proba(X[te])
        model = self._lr(True).fit(X, y)
        coef = np.zeros((len(classes), X.shape[1]))
        intercept = np.full(len(classes), -1e3)  # a class absent from training never wins
        if len(model.classes_) == 2:  # sklearn stores one row for two classes
            coef[model.classes_[1]], intercept[model.classes_[1]] = model.coef_[0], model.intercept_[0]
            coef[model.classes_[0]], intercept[model.classes_[0]] = 0.0, 0.0
        else:
            coef[model.classes_], intercept[model.classes_] = model.coef_, model.intercept_
        self.coef = coef.astype(np.float32)
        self.intercept = intercept.astype(np.float32)
        if folds:
            self.oof_proba[self._input_rows] = oof[:, :-1]
            self.thresholds = dict.fromkeys(self.classes_, best_single_threshold(y, oof[:, :-1]))
        else:
            self.thresholds = dict.fromkeys(self.classes_, 0.5)

    # -- prediction ---------------------------------------------------------------------------
    def decision_function(self, X: sparse.csr_matrix) -> np.ndarray:
        cached = getattr(self, "_coef_t", None)
        if cached is None or cached[0] is not self.coef:  # contiguous, else scipy copies per call
            cached = self._coef_t = (self.coef, np.ascontiguousarray(self.coef.T))
        return np.asarray(X @ cached[1]) + self.intercept

    def predict_proba(self, X: sparse.csr_matrix) -> np.ndarray:
        """Probabilities, one column per code in ``classes_`` (no "none" column)."""
        if not self.classes_:
            return np.zeros((X.shape[0], 0))
        z = self.decision_function(X)
        if self.group.kind == "multi":
            return _sigmoid(z * self.calibration[:, 0] + self.calibration[:, 1])
        return _softmax(z)[:, :-1]

    def contributions(self, idx: np.ndarray, values: np.ndarray, code: str) -> list[tuple[int, float]]:
        """(feature index, weight x value) for one unit and code, largest first; ``idx`` and
        ``values`` are the unit's non-zero feature columns and values (a CSR row)."""
        row = self.classes_.index(code)
        contrib = values * self.coef[row, idx]
        if self.group.kind == "multi":
            contrib = contrib * self.calibration[row, 0]
        order = np.argsort(-contrib)
        order = order[contrib[order] > 0]
        return list(zip(idx[order].tolist(), contrib[order].tolist()))

    # -- state --------------------------------------------------------------------------------
    def to_state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        meta = {"group": self.group.id, "kind": self.group.kind, "classes": self.classes_,
                "skipped": self.skipped, "thresholds": self.thresholds, "C": self.C}
        return meta, {"coef": self.coef, "intercept": self.intercept, "calibration": self.calibration}

    @classmethod
    def from_state(cls, group: Group, meta: dict[str, Any], arrays: dict[str, np.ndarray]) -> LinearGroupClassifier:
        obj = cls(group, C=meta.get("C", 4.0))
        obj.classes_ = list(meta["classes"])
        obj.skipped = dict(meta.get("skipped", {}))
        obj.thresholds = {k: float(v) for k, v in meta["thresholds"].items()}
        obj.coef = arrays["coef"].astype(np.float32)
        obj.intercept = arrays["intercept"].astype(np.float32)
        obj.calibration = arrays["calibration"].astype(np.float32)
        return obj


def best_kappa_threshold(y: np.ndarray, p: np.ndarray) -> float:
    """The threshold with the best Cohen's kappa against the labels: agreement with a human coder
    is what researchers judge pre-coding by (F1 favours recall on rare codes)."""
    best_t, best_f = 0.5, -1.0
    for t in THRESHOLDS:
        f = kappa(y, (p >= t).astype(int))
        if f > best_f + 1e-9:
            best_t, best_f = float(t), f
    return best_t


def best_single_threshold(y: np.ndarray, p: np.ndarray) -> float:
    """The kappa-best threshold of a single-choice group: ``y`` holds class indices ("none" is
    ``p.shape[1]``), ``p`` one column per code."""
    best_t, best_f = 0.5, -1.0
    for t in THRESHOLDS:
        f = kappa(y, single_decision(p, float(t)))
        if f > best_f + 1e-9:
            best_t, best_f = float(t), f
    return best_t


def kappa(y: np.ndarray, pred: np.ndarray) -> float:
    if len(set(y.tolist()) | set(pred.tolist())) < 2:
        return 0.0
    from sklearn.metrics import cohen_kappa_score

    return float(cohen_kappa_score(y, pred))


def single_decision(p: np.ndarray, threshold: float) -> np.ndarray:
    """Index of the best code where it reaches the threshold, else the "none" index."""
    best = p.argmax(axis=1)
    return np.where(p.max(axis=1) >= threshold, best, p.shape[1])
