"""``narratives evaluate``: document-wise cross-validation with the cue tagger beside the model."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from pipeline.cli.main import _register, app

_register()


def _trained_on_first_documents(n: int, tmp_path: Path, repo_root: Path):
    """The corpus's first ``n`` documents as a JSONL file, and a model trained on them in tmp/m."""
    corpus = (repo_root / "corpora/annotated/annotated.jsonl").read_text(encoding="utf-8").splitlines()
    data = tmp_path / "part.jsonl"
    data.write_text("\n".join(corpus[:n]) + "\n", encoding="utf-8")
    trained = CliRunner().invoke(app, ["train", "--data", str(data), "--out", str(tmp_path / "m"), "--cv", "0"])
    return data, trained


def test_evaluate_cross_validates_by_document_with_a_learning_curve(tmp_path: Path, repo_root: Path) -> None:
    data, trained = _trained_on_first_documents(12, tmp_path, repo_root)
    runner = CliRunner()

    result = runner.invoke(app, ["evaluate", "--model", str(tmp_path / "m"), "--data", str(data),
                                 "--cv", "3", "--learning-curve", "--output", str(tmp_path / "e.json")])

    assert trained.exit_code == 0, trained.output
    assert result.exit_code == 0, result.output
    report = json.loads((tmp_path / "e.json").read_text())
    assert report["folds"] == 3 and report["documents"] == 12
    dm = report["per_code"]["decision_moment"]
    assert dm["support"] > 50 and 0 <= dm["f1"] <= 1 and -1 <= dm["kappa"] <= 1
    assert "decision_moment" in report["cue_tagger"]["per_code"]
    assert [p["fraction"] for p in report["learning_curve"]] == [0.2, 0.4, 0.6, 0.8, 1.0]
    assert set(report["confusion"]) >= {"decision_type", "identity"}
    assert "3 folds by document" in result.output and "learning curve" in result.output


def test_evaluate_holds_out_one_register_at_a_time(tmp_path: Path, repo_root: Path) -> None:
    """Leave-one-register-out: one fold per register, kappa per held-out register for the model
    and the cue tagger, and the table that marks where the model is below the rules."""
    records = [json.loads(line) for line in
               (repo_root / "corpora/annotated/annotated.jsonl").read_text(encoding="utf-8").splitlines()]
    part = [r for r in records if r["metadata"].get("writer") == "w13"][::2]
    registers = {r["metadata"]["register"] for r in part}
    data = tmp_path / "part.jsonl"
    data.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in part), encoding="utf-8")
    runner = CliRunner()
    trained = runner.invoke(app, ["train", "--data", str(data), "--out", str(tmp_path / "m"), "--cv", "0"])

    result = runner.invoke(app, ["evaluate", "--model", str(tmp_path / "m"), "--data", str(data),
                                 "--split", "register", "--output", str(tmp_path / "e.json")])

    assert trained.exit_code == 0, trained.output
    assert result.exit_code == 0, result.output
    report = json.loads((tmp_path / "e.json").read_text())
    assert len(registers) >= 4
    assert report["split"] == "register" and report["folds"] == len(registers)
    assert set(report["by_group"]) == registers
    for entry in report["by_group"].values():
        assert set(entry["model"]) == set(entry["cue_tagger"]) >= {"decision_moment"}
    assert f"{len(registers)} folds, one register held out in each" in result.output
    assert "kappa per held-out register" in result.output

    no_meta = tmp_path / "plain.jsonl"
    no_meta.write_text("".join(json.dumps({**r, "metadata": {}}, ensure_ascii=False) + "\n" for r in part[:4]),
                       encoding="utf-8")
    refused = runner.invoke(app, ["evaluate", "--model", str(tmp_path / "m"), "--data", str(no_meta),
                                  "--split", "writer"])
    assert refused.exit_code != 0
    assert "no 'writer' in its metadata" in str(refused.exception or refused.output)


def test_folds_in_two_processes_give_the_same_report_as_one(tmp_path: Path, repo_root: Path) -> None:
    data, trained = _trained_on_first_documents(9, tmp_path, repo_root)
    runner = CliRunner()
    assert trained.exit_code == 0, trained.output
    reports = {}
    for jobs in ("1", "2"):
        result = runner.invoke(app, ["evaluate", "--model", str(tmp_path / "m"), "--data", str(data), "--cv", "3",
                                     "--learning-curve", "--jobs", jobs, "--output", str(tmp_path / f"e{jobs}.json")])
        assert result.exit_code == 0, result.output
        reports[jobs] = json.loads((tmp_path / f"e{jobs}.json").read_text())
    assert reports["1"]["per_code"]["decision_moment"]["support"] > 30
    assert reports["1"] == reports["2"]
