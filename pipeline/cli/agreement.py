"""``narratives agreement``: kappa and alpha per code between coders, the model included."""

from __future__ import annotations

from pathlib import Path

import typer

from pipeline.cli.app import app
from pipeline.cli.options import user_errors


@app.command("agreement")
def agreement_command(
    projects: list[Path] = typer.Argument(..., help="One coded .qdpx (its Users are the coders) or two of the same texts."),
    codebook: Path = typer.Option(None, "--codebook", help="Map codes onto this codebook (default: the project's own)."),
    output: Path = typer.Option(None, "--output", "-o", help="Also write the result as JSON."),
) -> None:
    """Cohen's kappa and Krippendorff's alpha per code between every pair of coders.

    Export the model's suggestions (narratives export RUN --format qdpx), code the same documents
    in your QDA tool under your own user, export the project, and compare: the model is a coder.

    Examples:

      narratives agreement coded_project.qdpx

      narratives agreement coder_anna.qdpx coder_bram.qdpx --output agreement.json
    """
    from pipeline.codebook import load_codebook
    from pipeline.evaluation.agreement import agreement, format_agreement
    from pipeline.io import write_json

    with user_errors():
        cb = load_codebook(codebook) if codebook else None
        result = agreement(projects, cb)
    typer.echo(format_agreement(result))
    if output:
        write_json(output, result)
        typer.echo(f"wrote {output}")
