"""The active-learning simulation's bookkeeping on a few documents (not which strategy wins)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipeline.review.simulate import (
    Corpus,
    SimulationConfig,
    format_table,
    needed,
    parse_strategy,
    simulate,
    split_documents,
)
from pipeline.training.data import load_annotated

SRC = Path(__file__).resolve().parents[2] / "corpora" / "annotated" / "src"


@pytest.fixture(scope="module")
def corpus(nlp, default_codebook) -> Corpus:
    files = sorted(SRC.glob("*.txt"))[:8]
    if len(files) < 4:
        pytest.skip("the annotated corpus is not there")
    return Corpus(load_annotated(files), default_codebook, nlp)


def test_split_is_by_document_and_deterministic(corpus):
    train, test = split_documents(corpus.units, 0.25, seed=1)
    assert not set(train) & set(test) and len(test) == 2
    assert split_documents(corpus.units, 0.25, seed=1) == (train, test)


def test_simulation_bookkeeping(corpus):
    cfg = SimulationConfig(seed_size=20, round_size=10, rounds=2, seeds=(0,), cv=0,
                           strategies=("uncertainty", "random", "rare_modelsim", "uncertainty_mean_nodiv"))
    result = simulate(corpus, cfg)

    run = result["runs"][0]
    by_id = {u.id: u for u in corpus.units}
    test_docs = set(run["test_documents"])
    first = None
    for rounds in run["strategies"].values():
        assert [r["round"] for r in rounds] == [0, 1, 2]
        assert [r["labelled"] for r in rounds] == [20, 30, 40]
        assert [r["pool"] for r in rounds] == [run["pool_units"] - n for n in (20, 30, 40)]
        for r in rounds:
            for key in ("kappa_macro", "kappa_focus"):
                assert r[key] != r[key] or -1.0 <= r[key] <= 1.0  # NaN only without test support
            for key in ("auc_macro", "auc_focus"):
                assert r[key] != r[key] or 0.0 <= r[key] <= 1.0
            assert sum(r["labelled_counts"].values()) >= 0
        assert all(0 <= r["picked_with_codes"] <= 1 for r in rounds[1:])
        first = first or rounds[0]
        assert rounds[0]["kappa_macro"] == first["kappa_macro"]  # one shared seed model
        assert rounds[0]["picked"] == first["picked"]  # one shared seed set
        picked = [uid for r in rounds for uid in r["picked"]]
        assert [len(r["picked"]) for r in rounds] == [20, 10, 10]
        assert len(set(picked)) == len(picked)  # the pool shrinks: nothing is reviewed twice
        assert not {by_id[uid].doc_id for uid in picked} & test_docs
        assert all(by_id[uid].context.get("role") != "interviewer" for uid in picked)
    assert run["test_units"] > 0
    assert set(result["medians"]) == {"uncertainty", "random", "rare_modelsim", "uncertainty_mean_nodiv"}
    assert set(result["targets"]) == {"kappa_macro_mid", "kappa_macro", "kappa_focus", "kappa_focus_final"}
    json.dumps(result)  # what --output writes
    table = format_table(result)
    assert "random" in table and "units to reach" in table


def test_units_needed_reads_the_first_round_at_target():
    curve = [{"labelled": 60, "k": 0.1}, {"labelled": 120, "k": 0.4}, {"labelled": 180, "k": 0.3}]
    assert needed(curve, "k", 0.35) == 120
    assert needed(curve, "k", 0.5) is None


def test_strategy_names_and_modifiers():
    assert parse_strategy("rare_nodiv") == ("rare", {"nodiv": True})
    assert parse_strategy("uncertainty_modelsim_nodiv") == ("uncertainty", {"modelsim": True, "nodiv": True})
    assert parse_strategy("uncertainty_mean") == ("uncertainty_mean", {})
    with pytest.raises(ValueError):
        parse_strategy("greedy")
