"""The shipped corpora: the annotated corpus's schema, offsets and counts; the demo corpus's range."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from pipeline.exchange.marked_text import check, read

ANNOTATED = Path(__file__).resolve().parents[2] / "corpora" / "annotated"
REQUIRED = ["decision_moment", "decision_type.methodisch_inhoudelijk", "decision_type.logistiek",
            "decision_type.relationeel", "factor.expertise", "factor.client", "factor.societal",
            "factor.organisation", "factor.knowledge", "health.definition.narrow",
            "health.definition.broad", "health.alignment.low", "health.alignment.high",
            "health.context.low", "health.context.high", "identity.pragmatic", "identity.holistic"]


@pytest.fixture(scope="module")
def records() -> list[dict]:
    lines = (ANNOTATED / "annotated.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines]


def test_schema_and_offsets(records):
    for rec in records:
        assert set(rec) == {"doc_id", "kind", "text", "metadata", "units"}
        assert rec["kind"] in {"transcript", "diary", "report"}
        assert "\r" not in rec["text"] and not rec["text"].startswith("\ufeff")
        for u in rec["units"]:
            assert set(u) == {"start", "end", "text", "codes"}
            assert rec["text"][u["start"]:u["end"]] == u["text"]


def test_built_file_matches_its_sources(records):
    sources = sorted((ANNOTATED / "src").glob("*.txt"))

    rebuilt = [json.loads(json.dumps(read(p).to_record(), ensure_ascii=False)) for p in sources]

    assert rebuilt == records


def test_sources_follow_the_codebook(repo_root):
    problems = []
    for path in sorted((ANNOTATED / "src").glob("*.txt")):
        problems += check(read(path), repo_root / "configs/codebooks/default.yaml", str(path))

    assert problems == []


def test_size_counts_and_range(records):
    units = [u for r in records for u in r["units"]]
    counts = Counter(c for u in units for c in u["codes"])
    professions = {r["metadata"].get("profession") for r in records}

    assert len(records) >= 60 and len(units) >= 2500
    assert {r["kind"] for r in records} == {"transcript", "diary", "report"}
    assert len(professions) >= 8
    assert {code: counts[code] for code in REQUIRED if counts[code] < 80} == {}
    negatives = [u for u in units if "decision_moment" not in u["codes"]]
    assert len(negatives) > len(units) / 3


def test_demo_corpus_covers_the_formats_and_professions(repo_root):
    files = sorted((repo_root / "corpora" / "demo").iterdir())
    suffixes = {f.suffix for f in files}

    assert len(files) >= 12
    assert {".docx", ".txt", ".odt", ".vtt", ".srt", ".csv", ".jsonl", ".md"} <= suffixes
    names = " ".join(f.name for f in files)
    for word in ("huisarts", "spv", "sociaal_werker", "schuldhulpverlener", "jongerenwerker",
                 "wijkagent", "dagboek", "focusgroep"):
        assert word in names


REGISTERS = {"interview", "diary", "meeting_report", "field_notes", "case_file", "research_report"}


def test_registers_and_writers_for_honest_evaluation(records):
    """Every document names its register and writer (leave-one-register/writer-out needs them);
    the corpus spans every register, many writers, and each register several writers."""
    units = [u for r in records for u in r["units"]]
    assert len(units) >= 10_000
    assert all(r["metadata"].get("register") in REGISTERS and r["metadata"].get("writer") for r in records)
    assert {r["metadata"]["register"] for r in records} == REGISTERS
    writers_per_register = {reg: {r["metadata"]["writer"] for r in records if r["metadata"]["register"] == reg}
                            for reg in REGISTERS}
    assert len({r["metadata"]["writer"] for r in records}) >= 12
    assert {reg: len(w) for reg, w in writers_per_register.items() if len(w) < 3} == {}


def _second_pass_ids() -> set[str]:
    labelled = set()
    for path in (ANNOTATED / "second_pass").glob("labels_*.jsonl"):
        labelled |= {json.loads(line)["id"] for line in path.read_text(encoding="utf-8").splitlines()}
    return labelled


def test_blind_second_pass_labels_units_of_the_corpus(records):
    ids = {f"{r['doc_id']}:{i}" for r in records for i in range(len(r["units"]))}
    labelled = _second_pass_ids()
    assert labelled <= ids
    first_rounds = {i for i in ids if i.split("_", 1)[0] in {"h1", "h2", "h3", "h4", "h5"}
                    or i.split("_", 1)[0] <= "w17"}
    assert len(labelled) >= 0.15 * len(first_rounds)  # rounds 1-2, as the data card says


def test_blind_second_pass_covers_fifteen_percent_and_every_writer(records):
    ids = {f"{r['doc_id']}:{i}" for r in records for i in range(len(r["units"]))}
    labelled = _second_pass_ids()
    assert len(labelled) >= 0.15 * len(ids)
    per_writer = Counter(i.split("_", 1)[0] for i in ids)
    coded = Counter(i.split("_", 1)[0] for i in labelled)
    assert {w for w in per_writer if coded[w] < 0.08 * per_writer[w]} == set()  # no writer left out
