"""The shipped default model on the demo corpus: what a new user sees first.

Guards against a model that scores well in cross-validation but floods real runs with
suggestions (as a class-weighted stacker once did: six codes per unit, interviewer turns coded).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipeline.config import load_config
from pipeline.run import run


@pytest.mark.slow
def test_default_model_codes_the_demo_corpus_at_the_density_of_human_coding(repo_root: Path, tmp_path: Path) -> None:
    summary = run([repo_root / "corpora" / "demo"], tmp_path / "out", load_config(None, []))
    assert summary.report["tagger"]["tagger"] == "code_classifier"
    segments = [json.loads(line) for line in (tmp_path / "out" / "segments.jsonl").read_text(encoding="utf-8").splitlines()]
    gold = [u for line in (repo_root / "corpora/annotated/annotated.jsonl").read_text(encoding="utf-8").splitlines()
            for u in json.loads(line)["units"]]
    gold_density = sum(len(u["codes"]) for u in gold) / len(gold)

    interviewer = [s for s in segments if s["role"] == "interviewer"]
    assert interviewer and not [s for s in interviewer if s["codes"]]
    density = sum(len(s["codes"]) for s in segments) / len(segments)
    assert 0.5 * gold_density < density < 1.5 * gold_density
    coded = [s for s in segments if s["codes"]]
    assert all(s["evidence"].get(code) for s in coded for code in s["codes"])
    with_dm = sum("decision_moment" in s["codes"] for s in segments if s["role"] != "interviewer")
    assert 0.2 < with_dm / len([s for s in segments if s["role"] != "interviewer"]) < 0.8


@pytest.mark.slow
def test_default_model_evidence_points_at_words_a_coder_can_judge(repo_root: Path, tmp_path: Path) -> None:
    """Every evidence item with offsets quotes the document; the model's cue features quote the
    words the cue matched and name whose cue it was, and never repeat the code's own cue
    evidence (listed first)."""
    from pipeline.codebook import load_codebook

    config = load_config(None, [])
    run([repo_root / "corpora" / "demo"], tmp_path / "out", config)
    code_ids = set(load_codebook(config.path("codebook")).code_ids)
    texts = {}
    for line in (tmp_path / "out" / "documents.jsonl").read_text(encoding="utf-8").splitlines():
        doc = json.loads(line)
        texts[doc["doc_id"]] = doc["text"]
    segments = [json.loads(line) for line in (tmp_path / "out" / "segments.jsonl").read_text(encoding="utf-8").splitlines()]
    model_cues = 0
    for seg in segments:
        for code, items in seg["evidence"].items():
            for e in items:
                if "start" in e:
                    assert texts[seg["doc_id"]][e["start"]:e["end"]] == e["text"], e
            own_rules = {e["rule"] for e in items if e["source"] == "cue"}
            for e in items:
                if e["source"] == "model" and e["feature"] == "cue":
                    model_cues += 1
                    assert "start" in e and e["code"] in code_ids, e
                    assert not (e["code"] == code and own_rules and e.get("rule") in own_rules | {None}), (code, e)
    assert model_cues > 20
