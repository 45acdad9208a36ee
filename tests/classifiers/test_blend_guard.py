"""The guard that keeps the combined tagger from falling below the cue rules on a held-out group."""

from __future__ import annotations

import numpy as np

from pipeline.classifiers.blend import apply_blend, fit_blend, guard_against_rules
from pipeline.classifiers.linear import kappa

CUT = 0.3


def _signals(model_good_in_b: bool, seed: int = 0):
    """Two registers of 400 units; the cue rule is decent in both (precision ~0.9, recall ~0.5),
    the model is sharp in register a and, unless ``model_good_in_b``, noise in register b."""
    rng = np.random.default_rng(seed)
    y = rng.random(800) < 0.3
    groups = np.array(["register:a"] * 400 + ["register:b"] * 400)
    cue = np.where(y & (rng.random(800) < 0.5), 0.6, 0.0) + np.where(~y & (rng.random(800) < 0.03), 0.6, 0.0)
    sharp = np.clip(np.where(y, 0.8, 0.15) + rng.normal(0, 0.1, 800), 0.01, 0.99)
    noise = rng.uniform(0.05, 0.95, 800)
    p = np.where(groups == "register:a", sharp, sharp if model_good_in_b else noise)
    return p, cue, y.astype(int), groups


def _kappa_per_group(w, t, p, cue, y, groups):
    decided = apply_blend(w, p, cue) >= t
    return {g: kappa(y[groups == g], decided[groups == g]) for g in np.unique(groups)}


def test_a_model_that_loses_to_the_rule_on_one_register_is_not_trusted_alone() -> None:
    p, cue, y, groups = _signals(model_good_in_b=False)
    w, t = fit_blend(p, cue, y, CUT)
    guarded, t2, choice = guard_against_rules(w, t, p, cue, y, groups)
    rule = {g: kappa(y[groups == g], (cue >= CUT)[groups == g]) for g in np.unique(groups)}

    before = _kappa_per_group(w, t, p, cue, y, groups)
    after = _kappa_per_group(guarded, t2, p, cue, y, groups)
    assert before["register:b"] < rule["register:b"]  # the situation the guard is for
    assert choice != "blend"
    assert all(after[g] >= rule[g] - 1e-9 for g in rule)


def test_a_model_better_everywhere_keeps_its_blend() -> None:
    p, cue, y, groups = _signals(model_good_in_b=True)
    w, t = fit_blend(p, cue, y, CUT)
    guarded, t2, choice = guard_against_rules(w, t, p, cue, y, groups)
    assert choice == "blend"
    assert np.array_equal(guarded, w) and t2 == t
