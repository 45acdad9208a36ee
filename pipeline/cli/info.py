"""``narratives info``: which config, codebook, model and spaCy pipeline a run would use, and from where."""

from __future__ import annotations

from pathlib import Path

import typer

from pipeline.cli.app import app
from pipeline.cli.options import CONFIG, SET, config_from_cli, user_errors


@app.command("info")
def info_command(
    config: Path = CONFIG,
    codebook: Path = typer.Option(None, "--codebook", help="Codebook YAML or .qdc (overrides the config)."),
    model: Path = typer.Option(None, "--model", help="Trained model folder (overrides the config)."),
    overrides: list[str] = SET,
) -> None:
    """Show what `narratives run` would use from this folder: config, codebook, model, spaCy.

    Example:

      narratives info
    """
    from pipeline import __version__
    from pipeline.describe import describe_setup

    with user_errors():
        cfg = config_from_cli(config, overrides, codebook=codebook, **{"tagging.model": model})
        lines = describe_setup(cfg)
    typer.echo(f"narratives {__version__}")
    for key, value in lines:
        typer.echo(f"{key + ':':10s} {value}")
