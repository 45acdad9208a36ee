"""The review queue: uncertainty per unit, greedy picking with diversity, and the edge cases."""

from __future__ import annotations

import numpy as np
import pytest

from pipeline.review.queue import closeness, code_thresholds, pick_for_review, unit_uncertainty


def seg(doc: str, text: str, scores: dict, role: str | None = "respondent", start: int = 0) -> dict:
    return {"doc_id": doc, "start": start, "end": start + len(text), "text": text, "role": role,
            "scores": scores, "codes": []}


# -- uncertainty ---------------------------------------------------------------------------------

def test_closeness_is_one_at_the_threshold_and_zero_at_certainty():
    assert closeness(0.5, 0.5) == 1.0
    assert closeness(0.0, 0.5) == 0.0 and closeness(1.0, 0.5) == 0.0
    assert closeness(0.3, 0.3) == 1.0
    assert closeness(1.0, 0.3) == pytest.approx(0.0)
    assert closeness(0.0, 0.3) == 0.0  # a low threshold does not make a plain 0 look doubtful
    assert closeness(0.15, 0.3) == pytest.approx(0.5)
    assert closeness(0.65, 0.3) == pytest.approx(0.5)


def t_of(codebook, code: str) -> float:
    return code_thresholds(codebook)[code]


def test_unit_at_threshold_ranks_above_confident_ones(default_codebook):
    t = t_of(default_codebook, "decision_moment")
    at = seg("a", "Toen heb ik besloten te wachten.", {"decision_moment": t})
    sure_yes = seg("b", "Ik besloot meteen te bellen.", {"decision_moment": 0.99})
    sure_no = seg("c", "Het regende die dag.", {"decision_moment": 0.0})

    picks = pick_for_review([sure_yes, sure_no, at], default_codebook, 3, diversity=0.0)

    assert picks[0][0] is at and picks[0][1] == pytest.approx(1.0)
    assert all(u < 0.1 for _, u in picks[1:])
    assert unit_uncertainty(at["scores"], default_codebook).codes == ["decision_moment"]
    assert unit_uncertainty({}, default_codebook).value == 0.0


def test_model_thresholds_move_the_point_of_doubt(default_codebook):
    scores = {"decision_moment": 0.9}
    assert unit_uncertainty(scores, default_codebook, {"decision_moment": 0.2}).value < 0.2
    assert unit_uncertainty(scores, default_codebook, {"decision_moment": 0.9}).value == pytest.approx(1.0)


def test_single_choice_margins(default_codebook):
    t = code_thresholds(default_codebook)["identity.pragmatic"]
    close_pair = {"identity.pragmatic": t + 0.30, "identity.holistic": t + 0.28}
    clear_winner = {"identity.pragmatic": 0.97, "identity.holistic": 0.02}
    at_threshold = {"identity.pragmatic": t, "identity.holistic": 0.0}
    clearly_none = {"identity.pragmatic": 0.01, "identity.holistic": 0.01}

    u_pair = unit_uncertainty(close_pair, default_codebook)
    assert u_pair.groups["identity"] == pytest.approx(0.98)
    assert set(u_pair.codes) == {"identity.pragmatic", "identity.holistic"}
    assert unit_uncertainty(clear_winner, default_codebook).groups["identity"] < 0.1
    assert unit_uncertainty(at_threshold, default_codebook).groups["identity"] == pytest.approx(1.0)
    # two low codes tie, but the decision ("none") is not in doubt
    assert unit_uncertainty(clearly_none, default_codebook).groups["identity"] < 0.1


def test_required_code_gates_the_dependent_groups(default_codebook):
    t = code_thresholds(default_codebook)["decision_type.logistiek"]
    no_decision = {"decision_type.logistiek": t, "decision_moment": 0.0}
    decision = {"decision_type.logistiek": t, "decision_moment": 0.95}

    assert unit_uncertainty(no_decision, default_codebook).groups["decision_type"] == 0.0
    assert unit_uncertainty(decision, default_codebook).groups["decision_type"] == pytest.approx(1.0)


def test_groups_combine_by_maximum_with_the_mean_beside_it(default_codebook):
    u = unit_uncertainty({"factor.client": t_of(default_codebook, "factor.client")}, default_codebook)
    assert u.value == pytest.approx(1.0)
    assert 0 < u.mean < u.value
    assert unit_uncertainty({}, default_codebook).value == 0.0


# -- diversity and order ---------------------------------------------------------------------------

DISTINCT = ["De wachtlijst van de ggz is veel te lang.", "Mijn leidinggevende wilde het dossier sluiten.",
            "Moeder belde over de school van haar zoon.", "We dronken koffie met het wijkteam.",
            "Hij slaapt slecht en eet nauwelijks."]


def _pool_with_duplicates(codebook) -> list[dict]:
    """Five copies of one unit right at the threshold, five different ones less uncertain."""
    t = t_of(codebook, "decision_moment")
    dup = "Toen heb ik besloten om eerst zelf met moeder te praten."
    pool = [seg(f"d{i}", dup, {"decision_moment": t}) for i in range(5)]
    pool += [seg(f"e{i}", text, {"decision_moment": 0.6 * t}) for i, text in enumerate(DISTINCT)]
    return pool


def test_diversity_avoids_near_duplicates(default_codebook):
    pool = _pool_with_duplicates(default_codebook)
    dup = pool[0]["text"]

    pure = pick_for_review(pool, default_codebook, 5, diversity=0.0)
    mixed = pick_for_review(pool, default_codebook, 5, diversity=0.5)

    assert [s["text"] for s, _ in pure] == [dup] * 5
    texts = [s["text"] for s, _ in mixed]
    assert texts[0] == dup and texts.count(dup) < 5
    assert len(set(texts)) >= 4


def test_explicit_vectors_drive_similarity(default_codebook):
    t = t_of(default_codebook, "decision_moment")
    pool = [seg(f"d{i}", f"tekst {i}", {"decision_moment": t if i < 3 else 0.7 * t}) for i in range(6)]
    vectors = np.array([[1, 0]] * 3 + [[0, 1]] * 3, dtype=float)  # the first three "say the same"

    picks = pick_for_review(pool, default_codebook, 2, diversity=0.5, vectors=vectors)

    assert picks[0][0]["text"] in {"tekst 0", "tekst 1", "tekst 2"}
    assert picks[1][0]["text"] in {"tekst 3", "tekst 4", "tekst 5"}


def test_only_near_duplicates_pay_for_similarity(default_codebook):
    t = t_of(default_codebook, "decision_moment")
    above = t + 0.1 * (1 - t)  # closeness 0.9
    pool = [seg("a", "A", {"decision_moment": t}), seg("b", "B", {"decision_moment": t}),
            seg("c", "C", {"decision_moment": above})]
    vectors = np.array([[1, 0, 0], [0.2, 0.98, 0], [0, 0, 1]])  # A and B: cosine 0.2, same topic

    floor = pick_for_review(pool, default_codebook, 2, diversity=0.5, vectors=vectors)
    every = pick_for_review(pool, default_codebook, 2, diversity=0.5, vectors=vectors, min_similarity=0.0)

    assert {s["text"] for s, _ in floor} == {"A", "B"}
    assert "C" in {s["text"] for s, _ in every}


def test_at_most_a_few_units_of_one_document_in_a_row(default_codebook):
    t = t_of(default_codebook, "decision_moment")
    pool = [seg("a", f"Ik besloot iets anders {i}.", {"decision_moment": t}, start=i * 100) for i in range(6)]
    pool += [seg("b", f"Het regende {i}.", {"decision_moment": 0.1 * t}, start=i * 100) for i in range(2)]

    picks = pick_for_review(pool, default_codebook, 5, diversity=0.0, max_run=3)
    assert [s["doc_id"] for s, _ in picks] == ["a", "a", "a", "b", "a"]
    unlimited = pick_for_review(pool, default_codebook, 5, diversity=0.0, max_run=None)
    assert [s["doc_id"] for s, _ in unlimited] == ["a"] * 5


def test_picks_are_deterministic(default_codebook):
    pool = [seg(f"d{i % 4}", f"Zin nummer {i} over een besluit.", {"decision_moment": 0.3}, start=i)
            for i in range(20)]
    a = pick_for_review(pool, default_codebook, 8, seed=3)
    b = pick_for_review(list(pool), default_codebook, 8, seed=3)
    assert [id(s) for s, _ in a] == [id(s) for s, _ in b]


# -- edge cases ----------------------------------------------------------------------------------

def test_budget_larger_than_the_pool_gives_every_eligible_unit(default_codebook):
    pool = _pool_with_duplicates(default_codebook)
    picks = pick_for_review(pool, default_codebook, 100)
    assert len(picks) == len(pool)
    assert sorted(id(s) for s, _ in picks) == sorted(id(s) for s in pool)
    assert [u for _, u in pick_for_review(pool, default_codebook, 100, diversity=0.0)] == sorted(
        (u for _, u in picks), reverse=True)


def test_empty_pool_and_zero_budget(default_codebook):
    assert pick_for_review([], default_codebook, 10) == []
    assert pick_for_review(_pool_with_duplicates(default_codebook), default_codebook, 0) == []
    assert pick_for_review([seg("a", "   ", {"decision_moment": 0.5})], default_codebook, 3) == []


def test_interviewer_turns_are_excluded(default_codebook):
    t = t_of(default_codebook, "decision_moment")
    question = seg("a", "Wat heeft u toen besloten?", {"decision_moment": t}, role="interviewer")
    answer = seg("a", "Ik heb het nog even laten rusten.", {"decision_moment": 0.5 * t}, start=40)

    picks = pick_for_review([question, answer], default_codebook, 5)
    assert [s for s, _ in picks] == [answer]
    both = pick_for_review([question, answer], default_codebook, 5, exclude_roles=())
    assert [s for s, _ in both] == [question, answer]


def test_bad_diversity_is_refused(default_codebook):
    with pytest.raises(ValueError):
        pick_for_review(_pool_with_duplicates(default_codebook), default_codebook, 2, diversity=1.5)


def test_rare_code_priorities_seek_codes_with_few_examples(default_codebook):
    from pipeline.review.queue import rare_code_priorities

    common = seg("a", "Ik besloot te bellen.", {"decision_moment": 0.9})
    rare = seg("b", "Ik kijk naar de hele mens.", {"identity.holistic": 0.9})
    counts = {"decision_moment": 900, "identity.holistic": 3}

    pr = rare_code_priorities([common, rare], default_codebook, 1.0, counts)
    assert pr[1] > pr[0]
    assert rare_code_priorities([common, rare], default_codebook, 0.0, counts) == [
        unit_uncertainty(s["scores"], default_codebook).value for s in (common, rare)]
    # a code the model cannot score yet gets a stand-in probability (e.g. the cue tagger's)
    blank = seg("c", "Ik kijk naar de hele mens.", {})
    stand_in = rare_code_priorities([blank], default_codebook, 1.0, counts, untrained=["identity.holistic"],
                                    stand_in=[{"identity.holistic": 0.8}])
    assert stand_in[0] == pytest.approx(0.8 / 2)  # rarity 1/sqrt(1 + 3), the rarest codes (0 examples) count 1
    picks = pick_for_review([common, rare], default_codebook, 1, diversity=0.0,
                            priorities=rare_code_priorities([common, rare], default_codebook, 0.5, counts))
    assert picks[0][0] is rare
