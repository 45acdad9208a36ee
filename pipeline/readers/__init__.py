"""Readers: turn input files into ``Document``s with canonical text and what the format knows.

One module per format family; this module only finds files and dispatches on the suffix. Every
problem with a file is an ``InputError(path, reason)`` so a batch run can report it and go on.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from pipeline.errors import InputError
from pipeline.model import Document

from .common import ReaderConfig, doc_id_base
from .office import read_docx, read_odt
from .pdf import read_pdf
from .qdpx import read_qdpx
from .rtf import read_rtf
from .subtitles import read_subtitles
from .tables import read_csv, read_jsonl, read_xlsx
from .text import normalise_text, read_text

__all__ = ["SUPPORTED_SUFFIXES", "ReaderConfig", "iter_input_files", "normalise_text", "read_file"]

Reader = Callable[[Path, ReaderConfig, Path | None], list[Document]]

_READERS: dict[str, Reader] = {
    ".txt": read_text, ".md": read_text, ".text": read_text,
    ".docx": read_docx, ".odt": read_odt, ".pdf": read_pdf,
    ".vtt": read_subtitles, ".srt": read_subtitles,
    ".csv": read_csv, ".tsv": read_csv, ".xlsx": read_xlsx, ".jsonl": read_jsonl,
    ".qdpx": read_qdpx, ".rtf": read_rtf,
}
SUPPORTED_SUFFIXES: set[str] = set(_READERS)


def read_file(path: Path, config: ReaderConfig | None = None,
              root: Path | None = None, doc_id: str | None = None) -> Iterator[Document]:
    """Read one file into its documents (several for tables and .qdpx projects).

    ``root`` is the input folder the file was found under; doc ids are the path relative to it,
    or begin with ``doc_id`` instead where given (a run gives it to files whose ids would be
    another file's, see ``pipeline.run.distinct_doc_ids``).
    The whole file is read before the first document is returned, so any InputError is raised by
    this call and never halfway through iterating.
    """
    path = Path(path)
    reader = _READERS.get(path.suffix.lower())
    if reader is None:
        supported = ", ".join(sorted(SUPPORTED_SUFFIXES))
        shown = path.suffix or "(no suffix)"
        raise InputError(path, f"Unsupported file type '{shown}'; save it as one of: {supported}.")
    documents = list(reader(path, config or ReaderConfig(), root))
    if doc_id is not None:
        base = doc_id_base(path, root)
        for document in documents:  # "<base>" or "<base>#<row id>": the base replaced
            document.doc_id = doc_id + document.doc_id.removeprefix(base)
    return iter(documents)


def iter_input_files(paths: Sequence[Path]) -> tuple[list[Path], list[Path]]:
    """Expand files and folders into (supported files, skipped files with unknown suffixes).

    Folders are read recursively in sorted order; hidden files and folders ('.' prefix) and Office
    lock files ('~$' prefix) inside them are skipped silently. A named path that does not exist
    raises InputError, so a typo is not mistaken for an empty corpus.
    """
    supported: list[Path] = []
    skipped: list[Path] = []
    seen: set[Path] = set()
    for given in paths:
        given = Path(given)
        if not given.exists():
            raise InputError(given, "The file or folder does not exist.")
        files = _walk(given) if given.is_dir() else [given]
        for file in files:
            if file in seen:
                continue
            seen.add(file)
            (supported if file.suffix.lower() in SUPPORTED_SUFFIXES else skipped).append(file)
    return supported, skipped


def _walk(folder: Path) -> list[Path]:
    """Files under a folder in stable order; no hidden entries, lock files or symlinked folders."""
    found: list[Path] = []
    for current, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        found.extend(Path(current, name) for name in files
                     if not name.startswith((".", "~$")))
    return sorted(found, key=lambda p: p.relative_to(folder).parts)
