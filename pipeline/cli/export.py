"""``narratives export``: a run's suggestions for QDA software (.qdpx) or for review (.xlsx/.csv)."""

from __future__ import annotations

from pathlib import Path

import typer

from pipeline.cli.app import app
from pipeline.cli.options import export_format, user_errors


@app.command("export")
def export_command(
    run_dir: Path = typer.Argument(..., help="Output folder of 'narratives run'."),
    output: Path = typer.Option(..., "--output", "-o", help="File to write (.qdpx, .xlsx or .csv)."),
    format: str = typer.Option(None, "--format", "-f",
                               help="qdpx, xlsx or csv (default: from the output's suffix)."),
    codebook: Path = typer.Option(Path("configs/codebooks/default.yaml"), "--codebook",
                                  help="The codebook the run used (YAML or .qdc)."),
    min_probability: float = typer.Option(0.0, "--min-probability", min=0.0, max=1.0,
                                          help="Only suggestions with at least this probability."),
    groups: str = typer.Option(None, "--groups",
                               help="Only these code groups, comma-separated, e.g. decision_moment,factor."),
    user_name: str = typer.Option(None, "--user-name",
                                  help="qdpx: the model's coder name (default: tagger and version)."),
) -> None:
    """Export the codes a run assigned, as suggestions to review.

    qdpx: a REFI-QDA project for ATLAS.ti, NVivo, MAXQDA or QualCoder. The documents are its
    sources, each coded segment a selection whose codings belong to the model as its own user
    (e.g. "narratives cue_tagger default 1.0"); probability and evidence are in a note on the
    selection. xlsx/csv: a review sheet, one row per suggestion, with a decision column
    (accept/reject), corrected_code and comment; read it back with 'narratives import'.

    Examples:

    \b
      narratives export out --format qdpx --output out/suggesties.qdpx
      narratives export out --output review.xlsx --groups decision_moment,factor --min-probability 0.6
      narratives export out --format csv --output review.csv --codebook configs/codebooks/ses.yaml
    """
    from pipeline.codebook import load_codebook

    with user_errors():
        fmt, output = export_format(format, output)
        cb = load_codebook(codebook)
        group_list = [g.strip() for g in groups.split(",") if g.strip()] if groups else None
        if fmt == "qdpx":
            from pipeline.exchange.qdpx_export import export_qdpx

            counts = export_qdpx(run_dir, output, cb, min_probability, group_list, user_name)
            typer.echo(f"{counts['codings']} codings on {counts['selections']} segments of "
                       f"{counts['documents']} documents, coder '{counts['user']}' -> {output}")
        else:
            from pipeline.exchange.sheets import export_sheet

            counts = export_sheet(run_dir, output, cb, min_probability, group_list)
            typer.echo(f"{counts['suggestions']} suggestions from {counts['documents']} documents "
                       f"-> {output}")
