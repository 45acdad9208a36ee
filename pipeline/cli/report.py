"""``narratives report``: one self-contained HTML file to review a run's suggestions."""

from __future__ import annotations

from pathlib import Path

import typer

from pipeline.cli.app import app
from pipeline.cli.options import user_errors


@app.command("report")
def report_command(
    run_dir: Path = typer.Argument(..., help="Run folder written by narratives run."),
    output: Path = typer.Option(..., "--output", "-o", help="HTML file to write, e.g. report.html."),
    codebook: Path = typer.Option(None, "--codebook", help="Codebook YAML or .qdc for labels and colours (default: the run's)."),
    min_probability: float = typer.Option(
        None, "--min-probability", min=0.0, max=1.0,
        help="Re-derive suggestions from the stored scores with this one threshold (codebook rules "
             "still apply); also where the page's slider starts. Default: the run's codes."),
    title: str = typer.Option(None, "--title", help="Page title (default: the run folder's name)."),
) -> None:
    """Write an HTML report of a run: summary, counts per code, profiles and every document with
    its suggestions highlighted, their evidence, and filters. The file works offline (nothing is
    fetched) and can be archived with the run.

    Examples:

      narratives report out --output report.html

      narratives report out -o report.html --min-probability 0.3 --codebook configs/codebooks/default.yaml
    """
    from pipeline.report import render_report

    with user_errors():
        result = render_report(run_dir, output, codebook=codebook, min_probability=min_probability,
                               title=title)
    typer.echo(f"{result.documents} documents, {result.units} units, {result.suggestions} suggestions "
               f"-> {result.output} ({result.size_bytes / 1024:,.0f} KB)")
