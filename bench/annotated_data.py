"""What the quality benches share: options for the annotated corpus and codebook, and loading them."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def add_data_options(ap: argparse.ArgumentParser, jobs: int = 1) -> None:
    ap.add_argument("--data", default=str(ROOT / "corpora" / "annotated" / "annotated.jsonl"))
    ap.add_argument("--codebook", default=str(ROOT / "configs" / "codebooks" / "default.yaml"))
    ap.add_argument("--jobs", type=int, default=jobs, help="folds in this many processes")


def load_data(args: argparse.Namespace) -> tuple[Any, list[Any], Any]:
    """(codebook, annotated units, the offline Dutch spaCy pipeline); logs only errors."""
    logging.basicConfig(level=logging.ERROR)
    from pipeline.codebook import load_codebook
    from pipeline.nlp.language import build_nlp
    from pipeline.training.data import load_annotated

    return load_codebook(args.codebook), load_annotated([Path(args.data)]), build_nlp()
