"""``narratives import``: annotated units from a coded .qdpx project or a filled review sheet."""

from __future__ import annotations

from pathlib import Path

import typer

from pipeline.cli.app import app
from pipeline.cli.options import user_errors

DEFAULT_CODEBOOK = Path("configs/codebooks/default.yaml")


@app.command("import")
def import_command(
    file: Path = typer.Argument(..., help="A coded REFI-QDA project (.qdpx) or a filled review sheet (.xlsx/.csv)."),
    output: Path = typer.Option(..., "--output", "-o", help="Units to write (JSONL, one unit per line)."),
    codebook: Path = typer.Option(DEFAULT_CODEBOOK, "--codebook",
                                  help="Codebook to map the codes onto (YAML or .qdc)."),
    coder: str = typer.Option(None, "--coder",
                              help="qdpx: only this coder's codings (user name); sheets: the reviewer's name."),
    run_dir: Path = typer.Option(None, "--run",
                                 help="Sheets: the run folder the sheet came from (adds context)."),
    uncoded: bool = typer.Option(True, "--uncoded/--coded-only",
                                 help="qdpx: also write the uncoded segments of coded documents."),
) -> None:
    """Read human coding back as annotated units (for 'narratives train' and agreement).

    From a .qdpx: every text source is segmented as in a run; each coding goes to the segment(s)
    it overlaps most; one unit per segment and coder, with the exact codings (offsets, code,
    coder) kept. Codes are mapped onto the codebook by GUID, id, label or folder/label path;
    codes that cannot be mapped are listed. From a review sheet: accepted suggestions become
    the unit's codes, rejected ones its 'rejected' list; rows without a decision are skipped.

    Each line: {"id", "doc_id", "text", "codes", "coder", "start", "end", "context", "codings"}.

    Examples:

    \b
      narratives import coded.qdpx --output units.jsonl
      narratives import coded.qdpx --output anna.jsonl --coder Anna --codebook configs/codebooks/default.yaml
      narratives import review.xlsx --output reviewed.jsonl --run out --coder Anna
    """
    from pipeline.codebook import load_codebook
    from pipeline.errors import InputError
    from pipeline.io import write_jsonl

    with user_errors():
        suffix = file.suffix.lower()
        if suffix not in (".qdpx", ".xlsx", ".xlsm", ".csv"):
            raise InputError(file, "expected a .qdpx project or a .xlsx/.csv review sheet")
        cb = load_codebook(codebook)
        if suffix == ".qdpx":
            from pipeline.exchange.qdpx_import import import_qdpx

            units, report = import_qdpx(file, cb, coder=coder, include_uncoded=uncoded)
        else:
            from pipeline.exchange.sheets import import_sheet

            units, report = import_sheet(file, cb, run_dir=run_dir, coder=coder)
        n = write_jsonl(output, (u.to_record() for u in units))
    if suffix == ".qdpx":
        coders = ", ".join(f"{name} ({k})" for name, k in report["coders"].items()) or "none"
        typer.echo(f"{report['codings']} codings in {report['coded_sources']} of "
                   f"{report['sources']} sources; coders: {coders}")
        for name, code_id in sorted(report["mapping"].items()):
            typer.echo(f"  mapped: {name} -> {code_id}")
        for u in report["unmapped"]:
            typer.echo(f"  unmapped: {u['path'] or u['guid']} ({u['count']} codings; {u['reason']})")
        extra = []
        if report["annotations"]:
            extra.append(f"{report['annotations']} selections without a code (annotations) skipped")
        if report["invalid"]:
            extra.append(f"{len(report['invalid'])} codings with bad offsets or references skipped")
        if report["outside_segments"]:
            extra.append(f"{report['outside_segments']} codings outside any segment kept as own units")
        for line in extra:
            typer.echo(f"  {line}")
        for line in report["invalid"][:10]:
            typer.echo(f"    {line}", err=True)
    else:
        d = report["decisions"]
        typer.echo(f"{report['rows']} rows: {d.get('accept', 0)} accepted, {d.get('reject', 0)} "
                   f"rejected, {d.get('corrected', 0)} corrected, {report['ignored']} without a "
                   f"decision (ignored)")
        if report["conflicts"]:
            typer.echo(f"  {report['conflicts']} codes both accepted and rejected on a segment "
                       "(kept as accepted)")
        if report["not_in_run"]:
            typer.echo(f"  {report['not_in_run']} rows match no segment of {run_dir}")
    typer.echo(f"{n} units -> {output}")
