"""A run folder written by hand: two documents, coded units with scores and evidence, profiles.

The texts hold what a report must escape (``<script>``, ``&``, quotes) and a URL that must not
become a link. The codebook is a small one written here, so the tests do not depend on the
wording of the project's codebook.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

MINI_CODEBOOK = """\
id: mini
version: "0.1"
name: Mini codebook
groups:
  - id: decision_moment
    label: Beslismoment
    kind: multi
    codes:
      - id: decision_moment
        label: Beslismoment
        color: "#FFE066"
  - id: decision_type
    label: Type beslissing
    kind: single
    requires: decision_moment
    codes:
      - {id: decision_type.relationeel, label: Relationeel, color: "#E0C985"}
      - {id: decision_type.logistiek, label: Logistiek, color: "#FFA666"}
  - id: factor
    label: Factoren in de afweging
    kind: multi
    codes:
      - {id: factor.client, label: "De cliënt", color: "#BFB2FF"}
      - {id: factor.organisation, label: Organisatie, color: "#D999E6"}
  - id: identity
    label: Professionele identiteit
    kind: single
    profile: true
    codes:
      - {id: identity.pragmatic, label: Pragmatisch, color: "#FFFF80"}
      - {id: identity.holistic, label: Holistisch, color: "#FF80EA"}
"""

SCRIPT_TURN = 'Ik heb besloten om <script>alert("x")</script> samen met haar te bellen & "zo".'
URL_TURN = "Dat was gewoon pragmatisch: ik zet het op https://example.org en klaar."
TRANSCRIPT = ("I: Hoe ging dat toen?\n"
              f"R: {SCRIPT_TURN}\n"
              "I: En daarna?\n"
              f"R: {URL_TURN}\n"
              "I: Dank je.\n")
DIARY_ID = 'dagboek <b>&amp; "team"'
DIARY = ("Beslissing 1\n"
         "Situatie: meneer belde over zijn schulden, het team wilde wachten.\n"
         "Reflectie: ik heb toch een afspraak gemaakt, want hij zat klem.\n")


@dataclass
class HandRun:
    path: Path
    codebook: Path
    segments: list[dict[str, Any]]
    documents: list[dict[str, Any]]


def _scores(**given: float) -> dict[str, float]:
    codes = ["decision_moment", "decision_type.relationeel", "decision_type.logistiek",
             "factor.client", "factor.organisation", "identity.pragmatic", "identity.holistic"]
    return {c: given.get(c.replace(".", "__"), 0.0) for c in codes}


def _unit(doc_id: str, text: str, piece: str, **extra: Any) -> dict[str, Any]:
    start = text.index(piece)
    seg = {"doc_id": doc_id, "start": start, "end": start + len(piece), "text": piece,
           "speaker": None, "role": None, "entry": None, "section": None, "timestamp": None,
           "sentences": [[start, start + len(piece)]], "codes": [], "scores": _scores(),
           "evidence": {}, "words": len(piece.split())}
    seg.update(extra)
    return seg


def _cue(unit_text: str, rule: str, words: str, weight: float) -> dict[str, Any]:
    s = unit_text.index(words)
    return {"source": "cue", "rule": rule, "text": words, "start": s, "end": s + len(words),
            "weight": weight}


def write_hand_run(folder: Path, codebook_path: Path) -> HandRun:
    from pipeline.codebook import load_codebook
    from pipeline.profiles import build_profiles

    folder.mkdir(parents=True, exist_ok=True)
    cb = load_codebook(codebook_path)
    t = "interview_a"
    situ = "meneer belde over zijn schulden, het team wilde wachten."
    refl = "ik heb toch een afspraak gemaakt, want hij zat klem."
    segments = [
        _unit(t, TRANSCRIPT, "Hoe ging dat toen?", speaker="I", role="interviewer",
              timestamp="00:00:05"),
        _unit(t, TRANSCRIPT, SCRIPT_TURN, speaker="R", role="respondent",
              codes=["decision_moment", "decision_type.relationeel", "factor.client"],
              scores=_scores(decision_moment=0.9, decision_type__relationeel=0.6,
                             decision_type__logistiek=0.2, factor__client=0.55,
                             factor__organisation=0.35),
              evidence={"decision_moment": [_cue(SCRIPT_TURN, "ik-besluit", "Ik heb besloten", 0.75)],
                        "decision_type.relationeel": [
                            {"source": "model", "feature": "word", "text": "bellen", "weight": 0.42}],
                        "factor.client": [_cue(SCRIPT_TURN, "samen-met-client", "samen met haar", 0.55)]}),
        _unit(t, TRANSCRIPT, "En daarna?", speaker="I", role="interviewer"),
        _unit(t, TRANSCRIPT, URL_TURN, speaker="R", role="respondent",
              codes=["identity.pragmatic"],
              scores=_scores(identity__pragmatic=0.7, identity__holistic=0.1, decision_moment=0.3),
              evidence={"identity.pragmatic": [_cue(URL_TURN, "gewoon", "gewoon pragmatisch", 0.7)]}),
        _unit(t, TRANSCRIPT, "Dank je.", speaker="I", role="interviewer"),
        _unit(DIARY_ID, DIARY, situ, entry="Beslissing 1", section="situatie",
              codes=["factor.organisation"], scores=_scores(factor__organisation=0.8),
              evidence={"factor.organisation": [_cue(situ, "team", "het team", 0.8)]}),
        _unit(DIARY_ID, DIARY, refl, entry="Beslissing 1", section="reflectie",
              codes=["decision_moment", "decision_type.logistiek"],
              scores=_scores(decision_moment=0.65, decision_type__logistiek=0.51,
                             identity__holistic=0.4),
              evidence={"decision_moment": [_cue(refl, "afspraak", "een afspraak gemaakt", 0.65)]}),
    ]
    documents = [
        {"doc_id": t, "source": "in/interview_a.txt", "kind": "transcript", "text": TRANSCRIPT,
         "metadata": {"format": "txt", "speakers": ["I", "R"],
                      "roles": {"I": "interviewer", "R": "respondent"}}},
        {"doc_id": DIARY_ID, "source": "in/dagboek.txt", "kind": "diary", "text": DIARY,
         "metadata": {"format": "txt", "entries": ["Beslissing 1"]}},
    ]
    for seg in segments:
        doc = next(d for d in documents if d["doc_id"] == seg["doc_id"])
        assert doc["text"][seg["start"]:seg["end"]] == seg["text"]
    _write_jsonl(folder / "documents.jsonl", documents)
    _write_jsonl(folder / "segments.jsonl", segments)
    _write_jsonl(folder / "profiles.jsonl", build_profiles(segments, cb))
    report = {
        "pipeline_version": "0.1.0", "config": "<hand-written>",
        "counts": {"files": 3, "files_ok": 2, "files_failed": 1, "files_reused": 0, "files_skipped": 0,
                   "documents": 2, "units": len(segments), "words": sum(s["words"] for s in segments)},
        "timings": {"total_seconds": 0.5},
        "versions": {"python": "3.11", "spacy_model": {"name": "nl_offline_nl", "version": "0.0.0"}},
        "tagger": {"tagger": "cue_tagger", "codebook": cb.id, "codebook_version": cb.version,
                   "codebook_sha": cb.fingerprint()},
        "failed": [{"source": "in/kapot <1>.docx", "error": "cannot be read (not a zip file)"}],
        "skipped": [],
    }
    (folder / "report.json").write_text(json.dumps(report, ensure_ascii=False), encoding="utf-8")
    return HandRun(folder, codebook_path, segments, documents)


def _write_jsonl(path: Path, records: list[dict[str, Any]]) -> None:
    with path.open("w", encoding="utf-8") as fh:
        for r in records:
            fh.write(json.dumps(r, ensure_ascii=False) + "\n")


@pytest.fixture
def mini_codebook(tmp_path: Path) -> Path:
    path = tmp_path / "mini.yaml"
    path.write_text(MINI_CODEBOOK, encoding="utf-8")
    return path


@pytest.fixture
def hand_run(tmp_path: Path, mini_codebook: Path) -> HandRun:
    return write_hand_run(tmp_path / "run", mini_codebook)
