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


def apply_blend(weights: np.ndarray, p_model: np.ndarray, cue_score: np.ndarray) -> np.ndarray:
    decided = (cue_score >= float(weights[4])).astype(float)
    z = blend_inputs(p_model, cue_score, float(weights[4])) @ weights[:3] + weights[3]
    p = 1.0 / (1.0 + np.exp(-np.clip(z, -40, 40)))
    return np.maximum(p, decided * float(weights[5])) if len(weights) > 5 else p
