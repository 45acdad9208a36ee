"""Shared fixtures: the offline Dutch pipeline (built once) and the repository's folders."""

from __future__ import annotations

import io
import os
import zipfile
from collections.abc import Callable
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


@pytest.fixture(scope="session")
def make_run(tmp_path_factory: pytest.TempPathFactory) -> Callable[..., Path]:
    """Run the pipeline (configured tagger) on small texts written for a test; the run folder.

    Session-scoped callers cannot use the autouse chdir above, so this one changes folder itself.
    """
    from pipeline.config import load_config
    from pipeline.run import run

    def build(texts: dict[str, str], name: str = "corpus") -> Path:
        folder = tmp_path_factory.mktemp(name)
        for file_name, text in texts.items():
            (folder / file_name).write_text(text, encoding="utf-8")
        cwd = Path.cwd()
        try:
            os.chdir(ROOT)
            summary = run([folder / f for f in texts], folder / "out", load_config(None, []))
        finally:
            os.chdir(cwd)
        assert not summary.failed
        return folder / "out"

    return build


@pytest.fixture
def write_qdpx(tmp_path: Path) -> Callable[..., Path]:
    """A .qdpx from {member name: bytes or str}; returns its path."""

    def build(members: dict[str, bytes | str], name: str = "project.qdpx") -> Path:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for member, content in members.items():
                archive.writestr(member, content.encode() if isinstance(content, str) else content)
        path = tmp_path / name
        path.write_bytes(buffer.getvalue())
        return path

    return build
