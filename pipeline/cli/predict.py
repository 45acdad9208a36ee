"""``narratives predict``: codes, probabilities and evidence for units in a JSONL file."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from pipeline.cli.app import app
from pipeline.cli.options import CONFIG, user_errors


@app.command("predict")
def predict_command(
    input: Path = typer.Option(..., "--input", "-i", help='JSONL: {"id", "text"} per line, optional "context", "speaker", "role", "section".'),
    output: Path = typer.Option(..., "--output", "-o", help="JSONL to write: id, codes, scores, evidence."),
    model: Path = typer.Option(None, "--model", "-m", help="Model folder (default: the configured model)."),
    config: Path = CONFIG,
    batch_size: int = typer.Option(256, "--batch-size", help="Units per batch."),
) -> None:
    """Pre-code units: one output line per input line, codes by the codebook's rules.

    Example:

      narratives predict --input units.jsonl --output predictions.jsonl --model models/default
    """
    from pipeline.classifiers.base import as_unit_docs
    from pipeline.classifiers.loading import load_model
    from pipeline.config import load_config
    from pipeline.errors import InputError
    from pipeline.io import atomic_open, read_jsonl

    with user_errors():
        model_dir = model or load_config(config).path("tagging", "model")
        trained = load_model(model_dir)
        n = 0
        with atomic_open(output) as fh:
            batch: list[dict] = []

            def flush() -> None:
                docs, _ = as_unit_docs(trained.nlp, batch)
                docs_scores = trained.predict_proba_docs(docs)
                codes = [trained.assign(s) for s in docs_scores]
                evidence = trained.explain_docs(docs, codes)
                for item, s, c, e in zip(batch, docs_scores, codes, evidence):
                    fh.write(json.dumps({"id": item["id"], "codes": c,
                                         "scores": {k: round(v, 4) for k, v in s.items()},
                                         "evidence": e}, ensure_ascii=False) + "\n")
                batch.clear()

            try:
                for line, rec in enumerate(read_jsonl(input), 1):
                    if "text" not in rec or "id" not in rec:
                        raise InputError(input, f"line {line}: expected an object with 'id' and 'text'")
                    batch.append(rec)
                    n += 1
                    if len(batch) >= batch_size:
                        flush()
            except ValueError as e:
                raise InputError(input, str(e).removeprefix(f"{input}: ")) from None
            if batch:
                flush()
    typer.echo(f"predicted {n} units -> {output}")
