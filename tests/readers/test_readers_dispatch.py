"""Finding input files and dispatching on the suffix."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from pipeline.errors import InputError
from pipeline.readers import SUPPORTED_SUFFIXES, ReaderConfig, iter_input_files, read_file
from pipeline.readers.text import normalise_text


def _touch(path: Path, text: str = "tekst") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_iter_input_files_walks_folders_in_sorted_order(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    b = _touch(corpus / "b.txt")
    a = _touch(corpus / "a" / "z.DOCX")
    c = _touch(corpus / "c" / "interview.vtt")
    old = _touch(corpus / "c" / "oud.doc")
    _touch(corpus / ".git" / "config.txt")
    _touch(corpus / ".verborgen.txt")
    _touch(corpus / "~$verslag.docx")
    single = _touch(tmp_path / "los.csv", "text\nx\n")

    supported, skipped = iter_input_files([corpus, single])

    assert supported == [a, b, c, single]
    assert skipped == [old]


def test_iter_input_files_missing_path_raises(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="does not exist"):
        iter_input_files([tmp_path / "bestaat_niet"])


def test_supported_suffixes_are_lowercase() -> None:
    assert {".txt", ".docx", ".odt", ".pdf", ".vtt", ".srt", ".csv", ".tsv", ".xlsx", ".jsonl",
            ".qdpx", ".md", ".text", ".rtf"} == SUPPORTED_SUFFIXES


@pytest.mark.parametrize("name", ["verslag.doc", "notities.wpd", "zonder_suffix"])
def test_unsupported_suffix(tmp_path: Path, name: str) -> None:
    path = _touch(tmp_path / name)

    with pytest.raises(InputError, match="Unsupported file type") as caught:
        read_file(path)

    assert caught.value.source == str(path)
    assert ".docx" in caught.value.reason


def test_suffix_is_case_insensitive(tmp_path: Path) -> None:
    [doc] = read_file(_touch(tmp_path / "NOTITIE.TXT", "Hallo"))

    assert doc.text == "Hallo"
    assert doc.metadata["format"] == "txt"


def test_errors_are_raised_by_the_call_not_while_iterating(tmp_path: Path) -> None:
    path = tmp_path / "leeg.txt"
    path.write_bytes(b"")

    with pytest.raises(InputError):
        read_file(path)


def test_missing_file_raises_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="does not exist"):
        read_file(tmp_path / "weg.txt")


def test_nested_doc_id_keeps_slashes(tmp_path: Path) -> None:
    path = _touch(tmp_path / "interviews" / "wijk" / "vp_02.md")

    [doc] = read_file(path, ReaderConfig(), root=tmp_path)

    assert doc.doc_id == "interviews/wijk/vp_02"


def test_every_reader_returns_normalised_text(
        tmp_path: Path, write_docx: Callable[..., Path], write_odt: Callable[..., Path],
        write_pdf: Callable[..., Path], write_xlsx: Callable[..., Path]) -> None:
    paths = [
        write_docx(), write_odt(), write_pdf(["Een pagina."]),
        write_xlsx([["text"], ["Rij\u00a0 "]]),
        _touch(tmp_path / "a.txt", "\ufeff x \r\n\r\n\r\n\r\n\r\ny "),
        _touch(tmp_path / "a.vtt", "WEBVTT\n\n00:00:00.000 --> 00:00:01.000\n<v A>x\u00a0 y\n"),
        _touch(tmp_path / "a.srt", "1\n00:00:00,000 --> 00:00:01,000\nx\ty\n"),
        _touch(tmp_path / "a.csv", "text\n\" x\u00a0\"\n"),
    ]
    for path in paths:
        for doc in read_file(path):
            assert normalise_text(doc.text) == doc.text, path.suffix
            assert doc.metadata["format"] == path.suffix.lstrip(".")
