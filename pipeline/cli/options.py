"""Options shared by several commands, and turning our errors into one clear line."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import typer

from pipeline.config import Config, load_config
from pipeline.errors import PipelineError

CONFIG = typer.Option(None, "--config", "-c", help="Pipeline config (default: ./configs/default.yaml).")
SET = typer.Option(None, "--set", help="Override a config value, e.g. --set structure.kind=diary (repeatable).")


def config_from_cli(config: Path | None, overrides: list[str] | None, **paths: Path | None) -> Config:
    """Load the config; path options given on the command line are relative to the working folder."""
    extra = list(overrides or [])
    for key, value in paths.items():
        if value is not None:
            extra.append(f"{key}={Path(value).resolve()}")
    return load_config(config, extra)


@contextlib.contextmanager
def user_errors() -> Iterator[None]:
    """Print our own errors as one line and exit 2, instead of a traceback."""
    try:
        yield
    except PipelineError as e:
        typer.echo(f"error: {e}", err=True)
        raise typer.Exit(2) from None


EXPORT_FORMATS = ("qdpx", "xlsx", "csv")


def export_format(format: str | None, output: Path) -> tuple[str, Path]:
    """The export format (given, or from the output's suffix) and the output path with it."""
    from pipeline.errors import ConfigError

    fmt = (format or output.suffix.lstrip(".")).lower()
    if fmt not in EXPORT_FORMATS:
        raise ConfigError("--format", "format", f"one of {', '.join(EXPORT_FORMATS)}; got {fmt!r}")
    if not output.suffix:
        return fmt, output.with_suffix(f".{fmt}")
    if output.suffix.lower() != f".{fmt}":
        raise ConfigError("--output", "output", f"a file name ending in .{fmt} for --format "
                                                f"{fmt}; got {output.name}")
    return fmt, output
