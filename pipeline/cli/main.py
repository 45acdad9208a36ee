"""The ``narratives`` command: the app of ``pipeline.cli.app`` with every sub-command registered."""

from __future__ import annotations

from pipeline._startup import tune_garbage_collector
from pipeline.cli.app import app

COMMANDS = ("run", "codebook", "train", "evaluate", "predict", "export", "import_", "review",
            "agreement", "report", "info")


def _register() -> None:
    for name in COMMANDS:
        try:
            __import__(f"pipeline.cli.{name}")
        except ModuleNotFoundError as e:
            if e.name != f"pipeline.cli.{name}":
                raise


def main() -> None:
    tune_garbage_collector()
    _register()
    app()
