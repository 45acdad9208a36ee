"""``narratives run`` end to end: outputs, offsets, bad input, resumed runs, atomic writes, logs."""

from __future__ import annotations

import json
import logging
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipeline.cli.main import _register, app
from pipeline.config import load_config
from pipeline.run import run

_register()
runner = CliRunner()

TRANSCRIPT = ("I: Hoe ging dat toen met mevrouw?\n"
              "R: Nou, eh, ik heb toen besloten om eerst met haar dochter te bellen, want zij kent haar het best.\n"
              "I: En de huisarts?\n"
              "R: Die heb ik pas later ingeschakeld. Dat was achteraf misschien te laat.\n")
DIARY = ("Beslissing 1 – maandag 3 maart\nSituatie: meneer belde over zijn schulden.\n"
         "Besluit: ik heb een afspraak bij de schuldhulp gemaakt.\nReflectie: goed gegaan.\n"
         "Beslissing 2 – dinsdag 4 maart\nSituatie: collega ziek.\nBesluit: huisbezoek verplaatst.\n")


def _lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.fixture
def small_corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "interview.txt").write_text(TRANSCRIPT, encoding="utf-8")
    (folder / "dagboek.txt").write_text(DIARY, encoding="utf-8")
    return folder


@pytest.mark.slow
def test_demo_corpus_end_to_end(tmp_path: Path, repo_root: Path) -> None:
    out = tmp_path / "out"

    result = runner.invoke(app, ["run", str(repo_root / "corpora" / "demo"), "--out", str(out)])

    assert result.exit_code == 0, result.output
    documents = _lines(out / "documents.jsonl")
    segments = _lines(out / "segments.jsonl")
    report = json.loads((out / "report.json").read_text())
    kinds = {d["kind"] for d in documents}
    assert {"transcript", "diary", "report"} <= kinds
    assert len(documents) >= 14 and report["counts"]["documents"] == len(documents)
    assert report["failed"] == []
    texts = {d["doc_id"]: d["text"] for d in documents}
    for seg in segments:
        assert texts[seg["doc_id"]][seg["start"]:seg["end"]] == seg["text"]
        for s, e in seg["sentences"]:
            assert seg["start"] <= s < e <= seg["end"]
    roles = {s["role"] for s in segments if s["role"]}
    assert {"interviewer", "respondent"} <= roles
    assert any(s["codes"] for s in segments), "the tagger assigned no code at all"
    coded = next(s for s in segments if s["codes"])
    assert all(code in coded["scores"] and coded["evidence"][code] for code in coded["codes"])
    assert all(score == round(score, 4) for seg in segments for score in seg["scores"].values())
    assert (out / "profiles.jsonl").exists()
    assert report["timings"]["words_per_second"] > 0


def test_bad_inputs_are_listed_and_the_run_goes_on(small_corpus: Path, tmp_path: Path) -> None:
    (small_corpus / "leeg.docx").write_bytes(b"")
    (small_corpus / "kapot.docx").write_bytes(b"PK\x03\x04 dit is geen zip")
    (small_corpus / "binair.txt").write_bytes(b"\x00\x01\x02binair\x00")
    (small_corpus / "beveiligd.docx").write_bytes(bytes.fromhex("D0CF11E0A1B11AE1") + b"\x00" * 512)
    (small_corpus / "plaatje.png").write_bytes(b"\x89PNG")
    out = tmp_path / "out"

    result = runner.invoke(app, ["run", str(small_corpus), "--out", str(out)])

    assert result.exit_code == 1
    report = json.loads((out / "report.json").read_text())
    failed = {Path(f["source"]).name: f["error"] for f in report["failed"]}
    assert set(failed) == {"leeg.docx", "kapot.docx", "binair.txt", "beveiligd.docx"}
    assert "empty" in failed["leeg.docx"].lower()
    assert "password" in failed["beveiligd.docx"].lower()
    assert [Path(p).name for p in report["skipped"]] == ["plaatje.png"]
    assert report["counts"]["documents"] == 2
    for name in failed:
        assert sum(name in line for line in result.output.splitlines() if line.startswith("  ")) == 1


def test_missing_input_path_is_one_clear_error(tmp_path: Path) -> None:
    result = runner.invoke(app, ["run", str(tmp_path / "bestaat_niet"), "--out", str(tmp_path / "o")])

    assert result.exit_code == 2
    assert "bestaat_niet" in result.output and "does not exist" in result.output


def test_rerun_skips_done_files_and_redoes_changed_or_forced(small_corpus: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    config = load_config(None, [])
    first = run([small_corpus], out, config)
    before = (out / "segments.jsonl").read_text()

    second = run([small_corpus], out, config)
    after_second = (out / "segments.jsonl").read_text()
    (small_corpus / "dagboek.txt").write_text(DIARY + "Opmerkingen: nog bellen.\n", encoding="utf-8")
    third = run([small_corpus], out, config)
    forced = run([small_corpus], out, config, force=True)

    assert [f.reused for f in first.files] == [False, False]
    assert [f.reused for f in second.files] == [True, True]
    assert after_second == before
    assert {Path(f.source).name: f.reused for f in third.files} == {"dagboek.txt": False, "interview.txt": True}
    assert not any(f.reused for f in forced.files)
    assert second.report["counts"]["files_reused"] == 2


def test_files_that_would_share_a_document_id_keep_them_apart(tmp_path: Path,
                                                              caplog: pytest.LogCaptureFixture) -> None:
    """The same file name in two input folders, or one interview as .txt and .srt: each
    document keeps an id of its own in every output, a warning names them, reruns reuse them,
    and a file that starts to clash later is redone under its new id."""
    site_a, site_b = tmp_path / "site_a", tmp_path / "site_b"
    site_a.mkdir()
    site_b.mkdir()
    (site_a / "interview.txt").write_text(TRANSCRIPT, encoding="utf-8")
    (site_b / "interview.txt").write_text(TRANSCRIPT.replace("dochter", "zoon"), encoding="utf-8")
    (site_b / "dagboek.txt").write_text(DIARY, encoding="utf-8")
    out = tmp_path / "out"

    with caplog.at_level(logging.WARNING):
        result = runner.invoke(app, ["run", str(site_a), str(site_b), "--out", str(out)])

    assert result.exit_code == 0, result.output
    assert any("2 input files would share the document id 'interview'" in r.getMessage()
               for r in caplog.records)
    ids = [d["doc_id"] for d in _lines(out / "documents.jsonl")]
    assert ids == ["site_a/interview.txt", "dagboek", "site_b/interview.txt"]  # no clash: as always
    segments = _lines(out / "segments.jsonl")
    assert {s["doc_id"] for s in segments} == set(ids)
    zoon = [s for s in segments if "zoon" in s["text"]]
    assert zoon and {s["doc_id"] for s in zoon} == {"site_b/interview.txt"}
    assert {r["doc_id"] for r in _lines(out / "profiles.jsonl")} <= set(ids)

    config = load_config(None, [])
    assert all(f.reused for f in run([site_a, site_b], out, config).files)
    (site_b / "dagboek.srt").write_text("1\n00:00:01,000 --> 00:00:04,000\nR: Ik heb besloten te bellen.\n",
                                        encoding="utf-8")
    again = run([site_a, site_b], out, config)
    assert {Path(f.source).name: f.reused for f in again.files if "dagboek" in f.source} == {
        "dagboek.srt": False, "dagboek.txt": False}
    ids = [d["doc_id"] for d in _lines(out / "documents.jsonl")]
    assert ids == ["site_a/interview.txt", "dagboek.srt", "dagboek.txt", "site_b/interview.txt"]


def test_rerun_with_another_configuration_redoes(small_corpus: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    run([small_corpus], out, load_config(None, []))

    again = run([small_corpus], out, load_config(None, ["structure.max_unit_chars=500"]))

    assert not any(f.reused for f in again.files)


def test_interrupted_run_leaves_no_half_written_output(small_corpus: Path, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "out"
    config = load_config(None, [])
    run([small_corpus], out, config)
    before = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}
    import pipeline.run as run_module

    real = run_module._iter_parts

    def interrupted(parts, kind):
        for i, rec in enumerate(real(parts, kind)):
            if kind == "segment" and i == 3:
                raise KeyboardInterrupt
            yield rec

    monkeypatch.setattr(run_module, "_iter_parts", interrupted)
    with pytest.raises(KeyboardInterrupt):
        run([small_corpus], out, config, force=True)

    after = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}
    assert after["segments.jsonl"] == before["segments.jsonl"]
    assert not [p for p in out.rglob("*.tmp")]


def test_no_corpus_text_in_logs_at_info(small_corpus: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    (small_corpus / "kapot.docx").write_bytes(b"PK\x03\x04 geen zip")
    with caplog.at_level(logging.INFO):
        run([small_corpus], tmp_path / "out", load_config(None, []))

    logged = "\n".join(r.getMessage() for r in caplog.records)
    for fragment in ("besloten om eerst", "schuldhulp", "mevrouw", "huisbezoek"):
        assert fragment not in logged


def test_kind_option_and_config_override(small_corpus: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"

    result = runner.invoke(app, ["run", str(small_corpus / "interview.txt"), "--out", str(out),
                                 "--kind", "report"])
    bad = runner.invoke(app, ["run", str(small_corpus), "--out", str(out), "--set", "structure.kind=roman"])

    assert result.exit_code == 0, result.output
    assert _lines(out / "documents.jsonl")[0]["kind"] == "report"
    assert bad.exit_code == 2
    assert "structure.kind" in bad.output and "roman" in bad.output


def test_help_has_examples() -> None:
    top = runner.invoke(app, ["--help"])
    sub = runner.invoke(app, ["run", "--help"])

    assert top.exit_code == 0 and "narratives run corpora/demo --out out" in top.output
    assert sub.exit_code == 0 and "Examples" in sub.output


def test_python_dash_m_pipeline_is_the_same_command(tmp_path: Path, small_corpus: Path) -> None:
    import subprocess
    import sys

    proc = subprocess.run([sys.executable, "-m", "pipeline", "run", str(small_corpus), "--out",
                           str(tmp_path / "o")], capture_output=True, text=True, timeout=300)

    assert proc.returncode == 0, proc.stderr
    assert "2 documents" in proc.stdout
    shutil.rmtree(tmp_path / "o")


def test_run_uses_the_configured_model_and_falls_back_to_cues_with_a_warning(
        small_corpus: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    with_model = run([small_corpus], tmp_path / "a", load_config(None, []))
    with caplog.at_level(logging.WARNING):
        without = run([small_corpus], tmp_path / "b",
                      load_config(None, [f"tagging.model={tmp_path / 'geen_model'}"]))

    assert with_model.report["tagger"]["tagger"] == "code_classifier"
    assert with_model.report["tagger"]["backend"] == "sklearn"
    assert without.report["tagger"]["tagger"] == "cue_tagger"
    assert any("using the cue tagger" in r.getMessage() for r in caplog.records)
