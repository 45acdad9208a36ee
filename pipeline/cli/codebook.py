"""``narratives codebook``: validate a codebook, and convert it to and from REFI-QDA .qdc."""

from __future__ import annotations

from pathlib import Path

import typer

from pipeline.cli.app import app
from pipeline.cli.options import user_errors

codebook_app = typer.Typer(help="Validate codebooks and exchange them with QDA software (.qdc).",
                           no_args_is_help=True)
app.add_typer(codebook_app, name="codebook")


@codebook_app.command("check")
def check_command(path: Path = typer.Argument(..., help="Codebook YAML or .qdc.")) -> None:
    """Load and validate a codebook; errors name the file, the key and what was expected.

    Example: narratives codebook check configs/codebooks/default.yaml
    """
    from pipeline.codebook import load_codebook

    with user_errors():
        cb = load_codebook(path)
    n_cues = sum(len(c.cues) for c in cb.codes)
    typer.echo(f"{path}: codebook '{cb.id}' {cb.version}: {len(cb.groups)} groups, "
               f"{len(cb.codes)} codes, {n_cues} cue rules")
    for g in cb.groups:
        rule = f", only with {g.requires}" if g.requires else ""
        typer.echo(f"  {g.id} ({g.kind}, {g.unit}{rule}): {', '.join(g.code_ids)}")


@codebook_app.command("export")
def export_command(path: Path = typer.Argument(..., help="Codebook YAML."),
                   output: Path = typer.Option(..., "--output", "-o", help="The .qdc file to write.")) -> None:
    """Write a codebook as REFI-QDA .qdc for ATLAS.ti, NVivo, MAXQDA or QualCoder.

    Example: narratives codebook export configs/codebooks/default.yaml --output default.qdc
    """
    from pipeline.codebook import load_codebook, write_qdc

    with user_errors():
        write_qdc(load_codebook(path), output)
    typer.echo(f"wrote {output}")


@codebook_app.command("import")
def import_command(path: Path = typer.Argument(..., help="A .qdc exported by a QDA tool."),
                   output: Path = typer.Option(..., "--output", "-o", help="The YAML codebook to write.")) -> None:
    """Turn a .qdc into a YAML codebook to edit (add cues, rules) and train on.

    Example: narratives codebook import mijn_codes.qdc --output configs/codebooks/mijn_codes.yaml
    """
    import yaml

    from pipeline.codebook import read_qdc
    from pipeline.io import atomic_open

    with user_errors():
        cb = read_qdc(path)
    with atomic_open(output) as fh:
        yaml.safe_dump(cb.to_dict(), fh, allow_unicode=True, sort_keys=False, width=100)
    typer.echo(f"wrote {output}: {len(cb.groups)} groups, {len(cb.codes)} codes")
