"""``narratives agreement``: kappa and alpha between two coders of the same documents."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from sklearn.metrics import cohen_kappa_score
from typer.testing import CliRunner

from pipeline.cli.main import _register, app
from pipeline.codebook import load_codebook
from pipeline.exchange.qdpx_export import export_qdpx

_register()

TEXT = ("I: Wat deed je toen?\n"
        "R: Ik heb besloten om eerst met de dochter te bellen.\n"
        "I: Waarom?\n"
        "R: Omdat mevrouw dat zelf wilde, dat woog voor mij het zwaarst.\n"
        "I: En daarna?\n"
        "R: Daarna hebben we samen met het team gekozen voor thuiszorg.\n"
        "I: Hoe kijk je erop terug?\n"
        "R: Het was een mooie dag, verder niets bijzonders.\n")


def _run_folder(root: Path, name: str, codes_per_turn: list[list[str]]) -> Path:
    """A run folder written by hand: one transcript, respondent turns coded as given."""
    run = root / name
    run.mkdir()
    lines = TEXT.split("\n")
    segments, offset, r = [], 0, 0
    for line in lines:
        if line:
            start = offset + 3
            role = "interviewer" if line.startswith("I:") else "respondent"
            codes = codes_per_turn[r] if role == "respondent" else []
            r += role == "respondent"
            segments.append({"doc_id": "gesprek", "start": start, "end": offset + len(line),
                             "text": line[3:], "speaker": line[0], "role": role, "entry": None,
                             "section": None, "timestamp": None, "sentences": [], "codes": codes,
                             "scores": {c: 0.9 for c in codes}, "evidence": {c: [] for c in codes}})
        offset += len(line) + 1
    (run / "documents.jsonl").write_text(json.dumps(
        {"doc_id": "gesprek", "source": "gesprek.txt", "kind": "transcript", "text": TEXT,
         "metadata": {}}) + "\n", encoding="utf-8")
    (run / "segments.jsonl").write_text("\n".join(json.dumps(s) for s in segments) + "\n", encoding="utf-8")
    (run / "report.json").write_text(json.dumps({"tagger": {"tagger": "cue_tagger", "codebook": "default",
                                                            "codebook_version": "1.0"}}), encoding="utf-8")
    return run


@pytest.fixture
def two_coders(tmp_path: Path, repo_root: Path) -> tuple[Path, Path, list, list]:
    codebook = load_codebook(repo_root / "configs/codebooks/default.yaml")
    model = [["decision_moment"], ["factor.client"], ["decision_moment", "decides.gezamenlijk"], []]
    human = [["decision_moment"], ["factor.client"], ["decision_moment"], ["decision_moment"]]
    a = tmp_path / "model.qdpx"
    b = tmp_path / "onderzoeker.qdpx"
    export_qdpx(_run_folder(tmp_path, "run_a", model), a, codebook)
    export_qdpx(_run_folder(tmp_path, "run_b", human), b, codebook, user_name="Onderzoeker")
    shutil.rmtree(tmp_path / "run_a")
    return a, b, model, human


def test_two_projects_give_kappa_per_code(two_coders, tmp_path):
    a, b, _model, _human = two_coders

    result = CliRunner().invoke(app, ["agreement", str(a), str(b), "--output", str(tmp_path / "k.json")])

    assert result.exit_code == 0, result.output
    data = json.loads((tmp_path / "k.json").read_text())
    pair = data["pairs"][0]
    assert pair["units"] == 8 and pair["documents"] == 1
    x = [0, 1, 0, 0, 0, 1, 0, 0]  # decision_moment per unit in text order: I, R, I, R, ...
    y = [0, 1, 0, 0, 0, 1, 0, 1]
    dm = pair["per_code"]["decision_moment"]
    assert dm["n_a"] == 2 and dm["n_b"] == 3
    assert dm["kappa"] == pytest.approx(cohen_kappa_score(x, y))
    assert pair["per_code"]["factor.client"]["kappa"] == pytest.approx(1.0)
    assert -1 <= dm["alpha"] <= 1
    assert "decision_moment" in result.output and "kappa" in result.output


def test_one_coder_is_said_plainly(two_coders):
    a, *_ = two_coders

    result = CliRunner().invoke(app, ["agreement", str(a)])

    assert result.exit_code == 0
    assert "fewer than two coders" in result.output
