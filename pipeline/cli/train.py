"""``narratives train``: fit a model on annotated data and write a model folder with its card."""

from __future__ import annotations

from pathlib import Path

import typer

from pipeline.cli.app import app
from pipeline.cli.options import user_errors


@app.command("train")
def train_command(
    data: list[Path] = typer.Option(..., "--data", "-d", help="Annotated JSONL, a folder of them, or a coded .qdpx (repeatable)."),
    codebook: Path = typer.Option(Path("configs/codebooks/default.yaml"), "--codebook", help="Codebook YAML or .qdc."),
    out: Path = typer.Option(..., "--out", "-o", help="Model folder to write, e.g. models/mine."),
    backend: str = typer.Option("sklearn", "--backend", help="sklearn (CPU, seconds) or transformers."),
    cv: int = typer.Option(None, "--cv", help="Folds (split by document) for the scores in the card; 0 skips. Default: 5 for sklearn, 0 for transformers (each fold is a fine-tuning)."),
    base_model: str = typer.Option(None, "--base-model", help="transformers: local path (or hub name) of the encoder."),
    epochs: float = typer.Option(None, "--epochs", help="transformers: training epochs."),
    learning_rate: float = typer.Option(None, "--learning-rate", help="transformers: learning rate."),
    batch_size: int = typer.Option(None, "--batch-size", help="transformers: batch size."),
    max_length: int = typer.Option(None, "--max-length", help="transformers: maximum tokens per unit."),
    device: str = typer.Option(None, "--device", help="transformers: cpu or cuda (default: cuda when available)."),
    char_ngrams: bool = typer.Option(False, "--char-ngrams", help="sklearn: add character 3-5-grams to the features: +0.01-0.02 decision-moment kappa held out by register on corpora/annotated, at about five times the training time (bench/README.md; models/default is trained without them, to keep its two cross-validations within half an hour on 2 cores)."),
    seed: int = typer.Option(0, "--seed", help="Random seed."),
    jobs: int = typer.Option(0, "--jobs", "-j", min=0, help="Processes for the cross-validation folds (0: one per CPU core for sklearn, at most 8; the transformers backend uses one). The card's figures are the same for any number."),
    split: list[str] = typer.Option(None, "--split", help="What the card's cross-validation holds out: register, writer, document (repeatable; default: register and writer when the data names them, else document)."),
    encoder: str = typer.Option("auto", "--encoder", help="sklearn: a pretrained sentence encoder's embedding beside the sparse features: use-m3 (needs the encoder extra), none, or auto (use-m3 below 2,000 training units when installed: it helps with few examples, as measured)."),
) -> None:
    """Train a classifier for every code of a codebook.

    Examples:

      narratives train --codebook configs/codebooks/default.yaml --data corpora/annotated/annotated.jsonl --out models/default

      narratives train --codebook configs/codebooks/ses_reasoning.yaml --data my_coding.qdpx --out models/ses

      narratives train --backend transformers --base-model ./robbert-base --data units.jsonl --out models/robbert
    """
    from pipeline.evaluation.metrics import format_table
    from pipeline.training.train import fold_jobs, train

    params: dict = {"seed": seed}
    if backend == "transformers":
        given = {"base_model": base_model, "epochs": epochs, "learning_rate": learning_rate,
                 "batch_size": batch_size, "max_length": max_length, "device": device}
        params.update({k: v for k, v in given.items() if v is not None})
    if backend == "sklearn" and char_ngrams:
        params["char_ngrams"] = True
    if backend == "sklearn":
        params["encoder"] = None if encoder == "none" else encoder
    if cv is None:
        cv = 5 if backend == "sklearn" else 0
    with user_errors():
        import shlex
        import sys

        command = "narratives " + " ".join(shlex.quote(a) for a in sys.argv[1:]) if sys.argv[1:2] == ["train"] else None
        card = train(codebook, data, out, backend=backend, cv=cv, params=params, splits=split or None,
                     command=command, jobs=fold_jobs(backend, jobs))
    typer.echo(f"trained {backend} model on {card['data']['units']} units from "
               f"{card['data']['documents']} documents in {card['fit_seconds']} s -> {out}")
    if card.get("untrained"):
        typer.echo("not trained (too few examples): " + ", ".join(card["untrained"]))
    for name, result in (card.get("cv_splits") or {}).items():
        typer.echo(f"\ncross-validation, one {name} held out at a time" if name != "document"
                   else "\ncross-validation by document")
        typer.echo(format_table(result, result.get("cue_tagger")))
