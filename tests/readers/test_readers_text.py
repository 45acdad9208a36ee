"""normalise_text and the plain-text reader: encodings, binary data and file-system problems."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipeline.errors import InputError
from pipeline.readers import ReaderConfig, read_file
from pipeline.readers.text import normalise_text


@pytest.mark.parametrize(("raw", "expected"), [
    ("\ufeffHallo", "Hallo"),
    ("a\r\nb\rc", "a\nb\nc"),
    ("cliënt\u00a0X", "cliënt X"),
    ("a\x00b\x07c\x1bd\x7fe\x85f", "abcde\nf"),
    ("tab\tblijft", "tab\tblijft"),
    ("regel   \nnog een\t \n", "regel\nnog een"),
    ("a\n\n\n\n\n\nb", "a\n\n\nb"),
    ("a\n\n\nb", "a\n\n\nb"),
    ("\n \n\n  ingesprongen\n\n", "  ingesprongen"),
    ("a\u2028b\fc", "a\nb\nc"),
], ids=["bom", "crlf-cr", "nbsp", "controls", "tab", "trailing-space", "blank-run",
        "two-blank-kept", "outer-blank-lines", "other-line-breaks"])
def test_normalise_text(raw: str, expected: str) -> None:
    assert normalise_text(raw) == expected


@given(st.text(alphabet=st.characters(codec=None), max_size=200)
       | st.text(alphabet="ab \t\r\n\u00a0\ufeff\x00\x85\u2028", max_size=60))
def test_normalise_text_is_idempotent_and_has_no_cr(raw: str) -> None:
    once = normalise_text(raw)
    assert normalise_text(once) == once
    assert "\r" not in once
    assert "\ufeff" not in once


def test_utf8_text_file_with_root_gives_relative_doc_id(tmp_path: Path) -> None:
    folder = tmp_path / "interviews"
    folder.mkdir()
    path = folder / "huisarts_01.txt"
    path.write_text("I: Hoe begint u?\nR: Nou, eh, dat hangt ervan af.\n", encoding="utf-8")

    [doc] = read_file(path, root=tmp_path)

    assert doc.doc_id == "interviews/huisarts_01"
    assert doc.source == str(path)
    assert doc.text == "I: Hoe begint u?\nR: Nou, eh, dat hangt ervan af."
    assert doc.metadata == {"format": "txt", "encoding": "utf-8"}
    assert doc.kind is None


def test_doc_id_without_root_is_the_file_stem(tmp_path: Path) -> None:
    path = tmp_path / "notitie.text"
    path.write_text("kort", encoding="utf-8")

    [doc] = read_file(path)

    assert doc.doc_id == "notitie"
    assert doc.metadata["format"] == "text"


def test_utf8_bom_and_crlf_are_removed(tmp_path: Path) -> None:
    path = tmp_path / "bom.txt"
    path.write_bytes("\ufeffR: één\r\nI: ja\r\n".encode("utf-8"))

    [doc] = read_file(path)

    assert doc.text == "R: één\nI: ja"
    assert doc.metadata["encoding"] == "utf-8"


def test_cp1252_bytes_are_decoded(tmp_path: Path) -> None:
    path = tmp_path / "oud.txt"
    path.write_bytes("Cliënt kreeg €50 en een “naïeve” reactie.".encode("cp1252"))

    [doc] = read_file(path)

    assert doc.text == "Cliënt kreeg €50 en een “naïeve” reactie."
    assert doc.metadata["encoding"] == "cp1252"


def test_utf16_with_bom_is_text_not_binary(tmp_path: Path) -> None:
    path = tmp_path / "notepad.txt"
    path.write_bytes("Hé daar".encode("utf-16"))

    [doc] = read_file(path)

    assert doc.text == "Hé daar"
    assert doc.metadata["encoding"] == "utf-16"


def test_markdown_title_from_first_heading(tmp_path: Path) -> None:
    path = tmp_path / "verslag.MD"
    path.write_text("# Intervisie maart\n\nTekst.\n", encoding="utf-8")

    [doc] = read_file(path)

    assert doc.metadata["title"] == "Intervisie maart"
    assert doc.metadata["format"] == "md"


@pytest.mark.parametrize(("content", "reason"), [
    (b"", "empty"),
    (b" \r\n\t\n", "no text"),
    (b"tekst\x00\x01\x02binary", "binary"),
    (bytes(range(1, 32)) * 20 + b"abc", "binary"),
], ids=["empty", "whitespace-only", "nul-bytes", "control-bytes"])
def test_bad_text_files_raise_input_error(tmp_path: Path, content: bytes, reason: str) -> None:
    path = tmp_path / "slecht.txt"
    path.write_bytes(content)

    with pytest.raises(InputError, match=reason) as caught:
        read_file(path)

    assert caught.value.source == str(path)


def test_file_over_max_bytes_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "groot.txt"
    path.write_text("x" * 100, encoding="utf-8")

    with pytest.raises(InputError, match="larger than the limit of 10 bytes"):
        read_file(path, ReaderConfig(max_bytes=10))


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0,
                    reason="root can read a file whatever its permissions")
def test_unreadable_file_chmod_000(tmp_path: Path) -> None:
    path = tmp_path / "geheim.txt"
    path.write_text("tekst", encoding="utf-8")
    path.chmod(0)
    try:
        with pytest.raises(InputError, match="permission denied"):
            read_file(path)
    finally:
        path.chmod(0o600)


def test_permission_error_becomes_input_error(tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """Same check as chmod 000, but also runs as root: the OS error is simulated."""
    path = tmp_path / "geheim.txt"
    path.write_text("tekst", encoding="utf-8")

    def refuse(self: Path, *args: object, **kwargs: object) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(Path, "open", refuse)
    with pytest.raises(InputError, match="permission denied"):
        read_file(path)


def test_reason_never_contains_document_text(tmp_path: Path) -> None:
    path = tmp_path / "geheim.txt"
    path.write_bytes(b"Mevrouw Jansen vertelde\x00")

    with pytest.raises(InputError) as caught:
        read_file(path)

    assert "Jansen" not in str(caught.value)
