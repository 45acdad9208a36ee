"""How much to trust the model and how much the codebook's cues, learned per code.

A trained model fires on the vocabulary of its training texts; cues are the codebook's own
words and rarely misfire on a new register. Per code, a small logistic regression (stacking)
combines the model's out-of-fold probability (as a logit), the cue score and whether the cue
tagger itself would assign the code (its score at the codebook's threshold), fitted on
predictions for registers (or writers, or documents) the inner models did not see, so the
weights say how far each signal carries to unseen text. The decision threshold is then tuned on the blended out-of-fold
probabilities by Cohen's kappa. State: six numbers per code, saved as an array.
"""

from __future__ import annotations

import numpy as np

from pipeline.classifiers.linear import best_kappa_threshold, kappa

_EPS = 1e-4


def blend_inputs(p_model: np.ndarray, cue_score: np.ndarray, cue_threshold: float) -> np.ndarray:
    """The stacker's inputs: model logit, cue score, cue tagger's decision (one row per unit)."""
    p = np.clip(p_model, _EPS, 1 - _EPS)
    return np.column_stack([np.log(p / (1 - p)), cue_score,
                            (cue_score >= cue_threshold).astype(float)])


def fit_blend(p_oof: np.ndarray, cue_score: np.ndarray, y: np.ndarray,
              cue_threshold: float) -> tuple[np.ndarray, float]:
    """Weights and the kappa-best threshold on the blended probabilities.

    Weights: model, cue score, cue decision, intercept, the cue threshold, and the cue rule's
    precision ``q``. Where keeping the rule helps (judged on the out-of-fold predictions), a unit
    the cue tagger codes gets at least probability ``q``: the suggestion the rule alone would
    make survives a model that never saw this kind of text; otherwise ``q`` is 0.
    """
    if y.min() == y.max():
        return np.array([1.0, 0.0, 0.0, 0.0, cue_threshold, 0.0]), 0.5
    from sklearn.linear_model import LogisticRegression

    X = blend_inputs(p_oof, cue_score, cue_threshold)
    lr = LogisticRegression(C=1.0, max_iter=1000).fit(X, y)  # unweighted: probabilities stay calibrated
    weights = np.array([*lr.coef_[0], lr.intercept_[0], cue_threshold, 0.0])
    p = apply_blend(weights, p_oof, cue_score)
    best_t = best_kappa_threshold(y, p)
    decided = cue_score >= cue_threshold
    if decided.sum() >= 5:
        with_rule = weights.copy()
        with_rule[5] = float(y[decided].mean())
        p_rule = apply_blend(with_rule, p_oof, cue_score)
        t = best_kappa_threshold(y, p_rule)
        if kappa(y, p_rule >= t) > kappa(y, p >= best_t) + 1e-9:
            return with_rule, t
    return weights, best_t


RULE_ONLY = (0.0, 0.0, 20.0, -10.0)  # model and cue score ignored: p ~ 1 where the rule codes, ~0 elsewhere


def _guard_options(weights: np.ndarray) -> list[tuple[str, np.ndarray]]:
    """The guard's three options for one code's blend weights: as fitted, widened to every unit
    the cue rule codes (a floor of 1 there), and the rule alone."""
    union = weights.copy()
    union[5] = 1.0
    return [("blend", weights), ("blend or rule", union), ("rule", np.array([*RULE_ONLY, weights[4], 0.0]))]


def guard_against_rules(weights: np.ndarray, threshold: float, p_oof: np.ndarray, cue_score: np.ndarray,
                        y: np.ndarray, groups: np.ndarray, min_positives: int = 5) -> tuple[np.ndarray, float, str]:
    """Keep the blend, widen it to the cue rule's suggestions too, or fall back to the rule alone:
    the best, by kappa over all out-of-fold units, of those that are not below the cue tagger on
    any held-out group (register or writer) with ``min_positives`` positives.

    "Never worse than the rules" on a kind of text the model has not seen, learned from the
    inner folds: which signal carried over to each held-out register is the evidence for trusting
    it on the next one. The rule alone always qualifies, so a code whose model loses to the cues
    somewhere ends up, at worst, with the cue tagger's coding.
    """
    rule = cue_score >= float(weights[4])
    candidates = [(name, w, 0.5 if name == "rule" else threshold) for name, w in _guard_options(weights)]
    masks = [m for m in (groups == g for g in np.unique(groups)) if y[m].sum() >= min_positives]
    rule_kappas = [kappa(y[m], rule[m]) for m in masks]
    best = None
    for name, w, t in candidates:
        decided = apply_blend(w, p_oof, cue_score) >= t
        worst = min((kappa(y[m], decided[m]) - k for m, k in zip(masks, rule_kappas)), default=0.0)
        key = (worst >= -1e-9, kappa(y, decided))
        if best is None or key > best[0]:
            best = (key, name, w, t)
    return best[2], best[3], best[1]


def guard_single_choice(weights: np.ndarray, threshold: float, p_oof: np.ndarray, cue_scores: np.ndarray,
                        y: np.ndarray, groups: np.ndarray, min_positives: int = 5) -> tuple[np.ndarray, list[str]]:
    """``guard_against_rules`` for a single-choice group, where codes share one slot per unit.

    ``p_oof`` and ``cue_scores``: one column per code; ``y``: the coded class per unit (the
    number of codes for none). Code by code, the same three options, judged on the group's own
    decision (best code at the threshold): an option qualifies where the code is not below the
    cue tagger's coding of it on any held-out group; among those, the one with the best summed
    kappa of all the group's codes, so that a code's rule taking the slot from a neighbour costs.
    """
    from pipeline.classifiers.linear import single_decision

    weights = weights.copy()
    k = p_oof.shape[1]
    rule_pick = np.where(cue_scores.max(axis=1) >= weights[0, 4], cue_scores.argmax(axis=1), k)
    blended = np.column_stack([apply_blend(weights[j], p_oof[:, j], cue_scores[:, j]) for j in range(k)])
    names = []
    for j in range(k):
        masks = [m for m in (groups == g for g in np.unique(groups)) if (y[m] == j).sum() >= min_positives]
        rule_kappas = [kappa(y[m] == j, rule_pick[m] == j) for m in masks]
        best = None
        for name, w in _guard_options(weights[j]):
            trial = blended.copy()
            trial[:, j] = apply_blend(w, p_oof[:, j], cue_scores[:, j])
            picked = single_decision(trial, threshold)
            worst = min((kappa(y[m] == j, picked[m] == j) - k for m, k in zip(masks, rule_kappas)), default=0.0)
            total = sum(kappa(y == c, picked == c) for c in range(k))
            key = (worst >= -1e-9, total)
            if best is None or key > best[0]:
                best = (key, name, w, trial)
        names.append(best[1])
        weights[j], blended = best[2], best[3]
    return weights, names


def apply_blend(weights: np.ndarray, p_model: np.ndarray, cue_score: np.ndarray) -> np.ndarray:
    decided = (cue_score >= float(weights[4])).astype(float)
    z = blend_inputs(p_model, cue_score, float(weights[4])) @ weights[:3] + weights[3]
    p = 1.0 / (1.0 + np.exp(-np.clip(z, -40, 40)))
    return np.maximum(p, decided * float(weights[5])) if len(weights) > 5 else p
