"""Shared fixtures: the offline Dutch pipeline (built once) and the repository's folders."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def nlp():
    from pipeline.nlp.language import build_nlp

    return build_nlp()


@pytest.fixture(scope="session")
def default_codebook():
    from pipeline.codebook import load_codebook

    return load_codebook(ROOT / "configs" / "codebooks" / "default.yaml")


@pytest.fixture(autouse=True)
def _run_from_repo_root(monkeypatch: pytest.MonkeyPatch) -> None:
    """Commands find configs/default.yaml relative to the working folder, as a user's would."""
    monkeypatch.chdir(ROOT)
