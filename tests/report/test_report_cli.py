"""``narratives report`` end to end, and a report of a real (small) run."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipeline.cli.main import _register, app

from .conftest import HandRun

_register()
runner = CliRunner()

TRANSCRIPT_1 = ("I: Hoe ging dat toen met mevrouw?\n"
                "R: Nou, eh, ik heb toen besloten om eerst met haar dochter te bellen, want zij kent haar het best.\n"
                "I: En de huisarts?\n"
                "R: Die heb ik pas later ingeschakeld. Dat was achteraf misschien te laat.\n")
TRANSCRIPT_2 = ("Interviewer: Wat doe je als iemand niet komt opdagen?\n"
                "Samir: Ik heb samen met mijn collega besloten om hem thuis op te zoeken, want het protocol "
                "zegt dat we na twee keer moeten afsluiten, maar dat vond ik te snel.\n"
                "Interviewer: Dank je.\n")


def test_report_command(hand_run: HandRun, tmp_path: Path) -> None:
    out = tmp_path / "out" / "report.html"

    result = runner.invoke(app, ["report", str(hand_run.path), "--output", str(out),
                                 "--codebook", str(hand_run.codebook), "--min-probability", "0.5",
                                 "--title", "Pilot & co"])

    assert result.exit_code == 0, result.output
    assert "2 documents, 7 units" in result.output and str(out) in result.output
    page = out.read_text(encoding="utf-8")
    assert "<title>Pilot &amp; co</title>" in page
    assert 'value="0.50"' in page


def test_report_command_errors(hand_run: HandRun, tmp_path: Path) -> None:
    missing = runner.invoke(app, ["report", str(tmp_path / "nope"), "-o", str(tmp_path / "r.html")])
    assert missing.exit_code == 2
    assert "error:" in missing.output and "segments.jsonl is missing" in missing.output

    bad_p = runner.invoke(app, ["report", str(hand_run.path), "-o", str(tmp_path / "r.html"),
                                "--min-probability", "1.5"])
    assert bad_p.exit_code == 2
    assert not (tmp_path / "r.html").exists()

    bad_cb = runner.invoke(app, ["report", str(hand_run.path), "-o", str(tmp_path / "r.html"),
                                 "--codebook", str(tmp_path / "geen.yaml")])
    assert bad_cb.exit_code == 2 and "geen.yaml" in bad_cb.output

    (tmp_path / "adir").mkdir()
    to_dir = runner.invoke(app, ["report", str(hand_run.path), "-o", str(tmp_path / "adir"),
                                 "--codebook", str(hand_run.codebook)])
    assert to_dir.exit_code == 2 and "cannot be written" in to_dir.output

    assert runner.invoke(app, ["report", "--help"]).exit_code == 0


@pytest.mark.slow
def test_report_of_a_real_run(tmp_path: Path, repo_root: Path) -> None:
    """narratives run on two small transcripts (from the repo root: configs/default.yaml), then report."""
    corpus = tmp_path / "in"
    corpus.mkdir()
    (corpus / "interview_1.txt").write_text(TRANSCRIPT_1, encoding="utf-8")
    (corpus / "interview_2.txt").write_text(TRANSCRIPT_2, encoding="utf-8")
    run_dir = tmp_path / "run"
    assert runner.invoke(app, ["run", str(corpus), "--out", str(run_dir)]).exit_code == 0
    out = tmp_path / "report.html"

    result = runner.invoke(app, ["report", str(run_dir), "--output", str(out)])

    assert result.exit_code == 0, result.output
    page = out.read_text(encoding="utf-8")
    segments = [json.loads(line) for line in (run_dir / "segments.jsonl").read_text().splitlines()]
    assert {s["doc_id"] for s in segments} == {"interview_1", "interview_2"}
    for doc_id in ("interview_1", "interview_2"):
        assert f'<span class="docid">{doc_id}</span>' in page
    for label in ("<b>R</b>", "<b>Samir</b>", '<small class="role">interviewer</small>'):
        assert label in page
    # every unit is in the page under its anchor, coded ones highlighted
    for seg in segments:
        doc = 0 if seg["doc_id"] == "interview_1" else 1
        cls = "unit coded on" if seg["codes"] else "unit"
        assert re.search(rf'<div class="{cls}( int)?" id="u{doc}-{seg["start"]}"', page), seg["text"]
    n_codes = sum(len(s["codes"]) for s in segments)
    assert f"{n_codes} suggestions" in result.output


@pytest.mark.slow
def test_report_of_the_demo_corpus_is_small(tmp_path: Path, repo_root: Path) -> None:
    run_dir = tmp_path / "run"
    assert runner.invoke(app, ["run", str(repo_root / "corpora" / "demo"), "--out", str(run_dir)]).exit_code == 0
    out = tmp_path / "report.html"

    result = runner.invoke(app, ["report", str(run_dir), "-o", str(out)])

    assert result.exit_code == 0, result.output
    page = out.read_text(encoding="utf-8")
    doc_ids = [json.loads(line)["doc_id"] for line in (run_dir / "documents.jsonl").read_text().splitlines()]
    assert len(doc_ids) >= 14
    for doc_id in doc_ids:
        assert f'<option value="d{doc_ids.index(doc_id)}">{doc_id}</option>' in page
    assert out.stat().st_size < 5_000_000  # about 2.9 MB with the default model (1,457 suggestions)
    assert not re.search(r'(?:src|href)\s*=\s*["\']?\s*(?:https?:)?//', page)
