"""``narratives evaluate``: cross-validated scores per code for a model's setup: by held-out
register, writer or document, with the cue tagger beside it."""

from __future__ import annotations

from pathlib import Path

import typer

from pipeline.cli.app import app
from pipeline.cli.options import user_errors


@app.command("evaluate")
def evaluate_command(
    model: Path = typer.Option(..., "--model", "-m", help="Model folder: its backend, parameters and codebook are used."),
    data: list[Path] = typer.Option(..., "--data", "-d", help="Annotated data (JSONL, folder or .qdpx; repeatable)."),
    cv: int = typer.Option(5, "--cv", help="Number of folds for --split document."),
    split: str = typer.Option("document", "--split", help="What a fold holds out: register (leave-one-register-out), writer (leave-one-writer-out) or document (k folds; within one writer's style this overstates quality on unseen text)."),
    learning_curve: bool = typer.Option(False, "--learning-curve", help="Also score models trained on 20%..100% of each fold's documents."),
    jobs: int = typer.Option(0, "--jobs", "-j", min=0, help="Processes for the folds (0: one per CPU core for sklearn, at most 8; the transformers backend uses one). Results are the same for any number."),
    output: Path = typer.Option(None, "--output", "-o", help="Write the full result as JSON here."),
) -> None:
    """Cross-validate the model's setup on DATA: precision, recall, F1 and Cohen's kappa per code,
    macro averages, confusion of single-choice groups, and the cue tagger alone beside it.
    With --split register or writer, also kappa per held-out group, marking codes where the
    model falls below the cue tagger.

    Examples:

      narratives evaluate --model models/default --data corpora/annotated/src --split register

      narratives evaluate --model models/default --data corpora/annotated/annotated.jsonl --cv 5
    """
    from pipeline.classifiers.loading import load_model, new_model
    from pipeline.evaluation.cv import cross_validate
    from pipeline.evaluation.metrics import format_by_group, format_table
    from pipeline.io import write_json
    from pipeline.training.data import load_annotated
    from pipeline.training.train import check_codes, fold_jobs

    with user_errors():
        trained = load_model(model)
        units = load_annotated(data)
        check_codes(units, trained.codebook)
        params = dict(trained.card.get("params", {}))
        result = cross_validate(lambda: new_model(trained.backend, trained.codebook, nlp=trained.nlp, **params),
                                units, trained.codebook, k=cv, learning_curve=learning_curve,
                                split=split, jobs=fold_jobs(trained.backend, jobs))
    held_out = "folds by document" if split == "document" else f"folds, one {split} held out in each"
    typer.echo(f"{result['units']} units, {result['documents']} documents, {result['folds']} {held_out}")
    typer.echo(format_table(result, result.get("cue_tagger")))
    if result.get("by_group"):
        typer.echo(f"\nkappa per held-out {split} (model / cue tagger; * where the model is below the cues):")
        typer.echo(format_by_group(result["by_group"]))
    for gid, conf in result["confusion"].items():
        typer.echo(f"\nconfusion {gid} (rows gold, columns predicted): {', '.join(conf['labels'])}")
        for label, row in zip(conf["labels"], conf["matrix"]):
            typer.echo(f"  {label:40s} " + " ".join(f"{v:5d}" for v in row))
    if learning_curve:
        typer.echo("\nlearning curve (macro over codes):")
        for point in result["learning_curve"]:
            typer.echo(f"  {point['fraction']:.0%} ({point['train_documents']} documents): "
                       f"F1 {point['f1']:.3f}, kappa {point['kappa']:.3f}")
    if output:
        write_json(output, result)
        typer.echo(f"wrote {output}")
