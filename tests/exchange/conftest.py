"""A small run folder written by hand (texts segmented by the pipeline's own structure module),
the default codebook, and a builder for .qdpx archives in the style of other tools."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipeline.codebook import Codebook, load_codebook
from pipeline.model import Document
from pipeline.structure import StructureOptions, structure_document

REPO = Path(__file__).resolve().parents[2]
SCHEMAS = REPO.parent / "shared" / "refi-qda"

TRANSCRIPT = ("I: Hoe begon het? 😊\nR: Ik heb toen besloten om eerst zelf met moeder te praten.\n"
              "I: En daarna?\nR: Achteraf had ik de wijkagent eerder moeten bellen, want de school "
              "maakte zich zorgen.\n")
DIARY = ("Beslissing 1 – maandag 3 maart\nSituatie: Cliënt belt over een schuld.\n"
         "Besluit: Ik kies voor een betalingsregeling.\n\nBeslissing 2 – dinsdag 4 maart\n"
         "Reflectie: Achteraf tevreden, al twijfelde ik eerst.\n")
NOTES = "=SOM(1;2) is geen formule, maar de naam van een werkgroep.\n\n- Eerst bellen, dan besluiten."

# (doc index, unit index) -> {code: probability}; evidence for some of them
CODES = {
    ("interview_ha", 1): {"decision_moment": 0.82, "decision_type.methodisch_inhoudelijk": 0.61,
                          "factor.client": 0.55},
    ("interview_ha", 3): {"decision_moment": 0.7, "phase.reflectie": 0.66,
                          "factor.organisation": 0.35},
    ("dagboek_sw", 1): {"decision_moment": 0.9, "decision_type.logistiek": 0.52},
    ("dagboek_sw", 2): {"phase.reflectie": 0.58},
    ("notities", 0): {"factor.organisation": 0.51},
}


@pytest.fixture(scope="session")
def codebook() -> Codebook:
    return load_codebook(REPO / "configs" / "codebooks" / "default.yaml")


def write_run(out: Path, docs: list[tuple[str, str, dict]] | None = None,
              codes: dict | None = None, tagger: dict | None = None) -> Path:
    """documents.jsonl, segments.jsonl and report.json as 'narratives run' writes them."""
    docs = docs if docs is not None else [
        ("interview_ha", TRANSCRIPT, {"profession": "huisarts"}),
        ("dagboek_sw", DIARY, {"profession": "sociaal werker"}),
        ("notities", NOTES, {}),
    ]
    codes = CODES if codes is None else codes
    out.mkdir(parents=True, exist_ok=True)
    drecs, srecs = [], []
    for doc_id, text, meta in docs:
        document, units = structure_document(Document(doc_id, f"in/{doc_id}.txt", text, None, dict(meta)),
                                             StructureOptions())
        drecs.append(document.to_dict())
        for i, u in enumerate(units):
            scores = dict(codes.get((doc_id, i), {}))
            rec = u.to_dict()
            rec["codes"] = [c for c, p in scores.items() if p >= 0.5]
            rec["scores"] = scores
            rec["evidence"] = {c: [{"source": "cue", "rule": "r-" + c, "text": u.text[:12],
                                    "start": 0, "end": min(12, len(u.text)), "weight": 0.5}]
                               for c in rec["codes"]}
            srecs.append(rec)
    (out / "documents.jsonl").write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in drecs),
                                         encoding="utf-8")
    (out / "segments.jsonl").write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in srecs),
                                        encoding="utf-8")
    report = {"tagger": tagger or {"tagger": "cue_tagger", "codebook": "default",
                                   "codebook_version": "1.0", "codebook_sha": "x"}}
    (out / "report.json").write_text(json.dumps(report), encoding="utf-8")
    return out


@pytest.fixture
def run_dir(tmp_path: Path) -> Path:
    return write_run(tmp_path / "run")


