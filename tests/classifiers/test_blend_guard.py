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


def test_in_a_single_choice_group_the_guard_judges_the_groups_one_decision() -> None:
    from pipeline.classifiers.blend import guard_single_choice
    from pipeline.classifiers.linear import single_decision

    rng = np.random.default_rng(1)
    n = 800
    groups = np.array(["register:a"] * 400 + ["register:b"] * 400)
    y = rng.choice(3, size=n, p=[0.3, 0.2, 0.5])  # codes 0 and 1, 2 = none
    p0 = np.clip(  # code 0: a sharp model everywhere
        np.where(y == 0, 0.8, 0.1) + rng.normal(0, 0.1, n), 0.01, 0.99)
    p1 = np.where(groups == "register:a", np.clip(np.where(y == 1, 0.8, 0.1) + rng.normal(0, 0.1, n), 0.01, 0.99),
                  rng.uniform(0.05, 0.95, n))  # code 1: noise in register b
    cue1 = np.where((y == 1) & (rng.random(n) < 0.6), 0.7, 0.0)
    cues = np.column_stack([np.zeros(n), cue1])
    p = np.column_stack([p0, p1])
    weights = np.tile(np.array([1.0, 0.0, 0.0, 0.0, CUT, 0.0]), (2, 1))

    guarded, names = guard_single_choice(weights, 0.5, p, cues, y, groups)

    assert names[0] == "blend" and names[1] != "blend"
    picked = single_decision(np.column_stack([apply_blend(guarded[j], p[:, j], cues[:, j]) for j in range(2)]), 0.5)
    rule = np.where(cues.max(axis=1) >= CUT, cues.argmax(axis=1), 2)
    for g in ("register:a", "register:b"):
        m = groups == g
        assert kappa(y[m] == 1, picked[m] == 1) >= kappa(y[m] == 1, rule[m] == 1) - 1e-9


def test_roles_never_coded_in_the_training_data_are_listed_for_silencing() -> None:
    from pipeline.training.data import uncoded_roles
    from pipeline.training.units import AnnotatedUnit

    def unit(i: int, role: str, codes: list[str]) -> AnnotatedUnit:
        return AnnotatedUnit(id=f"d:{i}", doc_id="d", text="x", codes=codes, context={"role": role})

    units = ([unit(i, "interviewer", []) for i in range(120)] + [unit(200 + i, "respondent", ["decision_moment"])
             for i in range(120)] + [unit(400 + i, "moderator", []) for i in range(20)])
    assert uncoded_roles(units) == ["interviewer"]  # the moderator: too few turns to tell
    units.append(unit(999, "interviewer", ["factor.client"]))
    assert uncoded_roles(units) == []


def test_without_registers_the_guard_judges_all_held_out_units_together() -> None:
    """A researcher's own coding names no register: the options are judged on the pooled
    out-of-fold units, so a code whose model is noise there still keeps the rule's kappa."""
    from pipeline.classifiers.sklearn_backend import _guard_groups

    p, cue, y, _ = _signals(model_good_in_b=False, seed=3)
    p = np.random.default_rng(3).uniform(0.05, 0.95, len(y))  # a model that learned nothing
    groups = _guard_groups([f"doc{i % 40}" for i in range(len(y))])
    assert set(groups) == {"all"}
    assert list(_guard_groups(["register:a", "register:b"])) == ["register:a", "register:b"]

    model_only = np.array([1.0, 0.0, 0.0, 0.0, CUT, 0.0])  # a blend that trusts the model alone
    guarded, t2, choice = guard_against_rules(model_only, 0.5, p, cue, y, groups)

    assert kappa(y, apply_blend(model_only, p, cue) >= 0.5) < kappa(y, cue >= CUT)
    assert choice != "blend"
    assert kappa(y, apply_blend(guarded, p, cue) >= t2) >= kappa(y, cue >= CUT) - 1e-9


def test_training_on_units_without_registers_records_the_guards_choice(nlp) -> None:
    from pipeline.classifiers.sklearn_backend import SklearnCodeModel
    from tests.classifiers import sklearn_examples

    codebook, units = sklearn_examples.small_codebook(), sklearn_examples.small_units()
    guarded = SklearnCodeModel(codebook, nlp, min_df=1).fit(units)
    unguarded = SklearnCodeModel(codebook, nlp, min_df=1, guard=False).fit(units)

    multi = {"decision_moment", "factor.client", "factor.organisation"}
    assert set(guarded.card["blend_choice"]) == multi
    assert set(guarded.card["blend_choice"].values()) <= {"blend", "blend or rule", "rule"}
    assert unguarded.card["blend_choice"] == {}
