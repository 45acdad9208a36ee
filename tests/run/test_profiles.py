"""Profiles: identity and health conceptions per document and per respondent."""

from __future__ import annotations

from pipeline.profiles import build_profiles


def _seg(doc, speaker, role, codes, scores, start):
    return {"doc_id": doc, "speaker": speaker, "role": role, "start": start, "end": start + 10,
            "text": f"tekst {start}", "codes": codes, "scores": scores,
            "evidence": {c: [{"text": "woord"}] for c in codes}}


def test_profiles_count_codes_per_respondent_and_document(default_codebook):
    segments = [
        _seg("a", "I", "interviewer", ["identity.holistic"], {"identity.holistic": 0.9}, 0),
        _seg("a", "R", "respondent", ["identity.holistic"], {"identity.holistic": 0.8}, 20),
        _seg("a", "R", "respondent", ["identity.holistic"], {"identity.holistic": 0.6}, 40),
        _seg("a", "R", "respondent", ["identity.pragmatic"], {"identity.pragmatic": 0.7}, 60),
        _seg("a", "K", "other", [], {}, 80),
        _seg("b", None, "respondent", ["health.context.high"], {"health.context.high": 0.9}, 0),
    ]

    records = build_profiles(segments, default_codebook)

    by_key = {(r["level"], r["doc_id"], r["speaker"]): r for r in records}
    respondent = by_key[("speaker", "a", "R")]["groups"]["identity"]
    assert respondent["counts"] == {"identity.pragmatic": 1, "identity.holistic": 2}
    assert respondent["dominant"] == "identity.holistic"
    assert [p["score"] for p in respondent["evidence"]["identity.holistic"]] == [0.8, 0.6]
    assert by_key[("document", "a", None)]["units"] == 4  # the interviewer's turn is left out
    assert by_key[("document", "b", None)]["groups"]["health.context"]["dominant"] == "health.context.high"
    assert by_key[("document", "b", None)]["groups"]["identity"]["dominant"] is None
    assert ("speaker", "a", "I") not in by_key
