"""The ``narratives`` Typer app and its root options; commands register on it from their own
modules (``pipeline.cli.main`` imports them), so no command module imports ``main``."""

from __future__ import annotations

import logging
import sys

import typer

from pipeline import __version__

app = typer.Typer(
    name="narratives",
    help=(
        "Pre-code Dutch professional narratives (interviews, decision diaries, reports) for "
        "qualitative research: decision moments, factors, health conceptions, professional "
        "identity.\n\nExample: narratives run corpora/demo --out out"
    ),
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"narratives {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    verbose: int = typer.Option(0, "--verbose", "-v", count=True,
                                help="More log output (-v: INFO, -vv: DEBUG, may show text)."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Only warnings and errors."),
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                 help="Show the version and exit."),
) -> None:
    level = logging.WARNING if quiet else (logging.DEBUG if verbose >= 2 else logging.INFO)
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)
