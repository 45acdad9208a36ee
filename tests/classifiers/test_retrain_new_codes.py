"""Retraining on new codes: a researcher adds the SES-reasoning codes to the default codebook,
trains on their own annotated examples, and the model assigns the new codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from pipeline.cli.main import _register, app
from pipeline.exchange.marked_text import read

_register()


@pytest.mark.slow
def test_added_code_is_learned_and_assigned(tmp_path: Path, repo_root: Path) -> None:
    default = yaml.safe_load((repo_root / "configs/codebooks/default.yaml").read_text(encoding="utf-8"))
    ses = yaml.safe_load((repo_root / "configs/codebooks/ses_reasoning.yaml").read_text(encoding="utf-8"))
    default["id"], default["groups"] = "default_plus_ses", default["groups"] + ses["groups"]
    codebook = tmp_path / "default_plus_ses.yaml"
    codebook.write_text(yaml.safe_dump(default, allow_unicode=True), encoding="utf-8")
    ses_files = sorted((repo_root / "corpora/annotated/extensions/ses").glob("*.txt"))
    held_out = ses_files[0]
    train_dir = tmp_path / "data"
    train_dir.mkdir()
    for f in ses_files[1:]:
        (train_dir / f.name).write_text(f.read_text(encoding="utf-8"), encoding="utf-8")
    units = tmp_path / "units.jsonl"
    doc = read(held_out)
    with units.open("w", encoding="utf-8") as fh:
        for i, u in enumerate(doc.units):
            text = doc.text[u.start:u.end].split(":", 1)[-1].strip()
            fh.write(json.dumps({"id": i, "text": text, "role": "respondent", "gold": u.codes}) + "\n")
    # A researcher's own coding: the SES documents, plus a part of the default corpus so the
    # existing codes stay trained (every twelfth document keeps the test quick).
    corpus = (repo_root / "corpora/annotated/annotated.jsonl").read_text(encoding="utf-8").splitlines()
    (train_dir / "default_part.jsonl").write_text("\n".join(corpus[::12]) + "\n", encoding="utf-8")
    runner = CliRunner()

    trained = runner.invoke(app, ["train", "--codebook", str(codebook), "--data", str(train_dir),
                                  "--out", str(tmp_path / "model"), "--cv", "0"])
    predicted = runner.invoke(app, ["predict", "--model", str(tmp_path / "model"), "--input", str(units),
                                    "--output", str(tmp_path / "pred.jsonl")])

    assert trained.exit_code == 0, trained.output
    assert predicted.exit_code == 0, predicted.output
    gold = {json.loads(line)["id"]: set(json.loads(line)["gold"]) for line in units.read_text().splitlines()}
    pred = {r["id"]: set(r["codes"]) for r in map(json.loads, (tmp_path / "pred.jsonl").read_text().splitlines())}
    ses_codes = {"ses.status_preservation", "ses.social_distance", "ses.shared_care"}
    hits = sum(bool(pred[i] & gold[i] & ses_codes) for i in gold)
    false_alarms = sum(bool(pred[i] & ses_codes) and not gold[i] & ses_codes for i in gold)
    positives = sum(bool(gold[i] & ses_codes) for i in gold)
    assert hits >= positives / 2, (hits, positives)
    assert false_alarms <= positives, (false_alarms, positives)
    card = json.loads((tmp_path / "model" / "model.json").read_text())
    assert {"ses.status_preservation", "ses.social_distance", "ses.shared_care"} <= set(card["thresholds"])
    assert card["data"]["counts"]["decision_moment"] > 200
