"""PDF: text layer per page, and the three ways a PDF cannot be read (locked, scanned, broken)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from pypdf import PdfReader, PdfWriter

from pipeline.errors import InputError
from pipeline.readers import read_file


def test_pages_joined_with_a_blank_line(write_pdf: Callable[..., Path]) -> None:
    path = write_pdf(["Observatie in het buurthuis.", "Tweede pagina: het besluit."],
                     title="Observatieverslag")

    [doc] = read_file(path)

    assert doc.text == "Observatie in het buurthuis.\n\nTweede pagina: het besluit."
    assert doc.metadata["format"] == "pdf"
    assert doc.metadata["title"] == "Observatieverslag"
    assert doc.metadata["pages"] == 2


@pytest.mark.parametrize("pages", [[""], ["", ""]], ids=["image-only", "two-image-pages"])
def test_pdf_without_text_layer(write_pdf: Callable[..., Path], pages: list[str]) -> None:
    path = write_pdf(pages)

    with pytest.raises(InputError, match="no text layer; OCR it first"):
        read_file(path)


def _encrypted_copy(source: Path, target: Path, user_password: str) -> Path:
    writer = PdfWriter()
    for page in PdfReader(source).pages:
        writer.add_page(page)
    writer.encrypt(user_password=user_password, owner_password="eigenaar", algorithm="RC4-128")
    with target.open("wb") as handle:
        writer.write(handle)
    return target


def test_password_protected_pdf(write_pdf: Callable[..., Path], tmp_path: Path) -> None:
    path = _encrypted_copy(write_pdf(["Vertrouwelijk verslag."]), tmp_path / "slot.pdf", "geheim")

    with pytest.raises(InputError, match="password-protected") as caught:
        read_file(path)

    assert "Vertrouwelijk" not in str(caught.value)


def test_pdf_with_only_an_owner_password_is_read(write_pdf: Callable[..., Path],
                                                 tmp_path: Path) -> None:
    """Restrictions on printing or copying do not stop reading: the user password is empty."""
    path = _encrypted_copy(write_pdf(["Open verslag."]), tmp_path / "beperkt.pdf", "")

    [doc] = read_file(path)

    assert doc.text == "Open verslag."


def test_corrupt_pdf(tmp_path: Path) -> None:
    path = tmp_path / "kapot.pdf"
    path.write_bytes(b"%PDF-1.4\n this is not a pdf body at all")

    with pytest.raises(InputError, match="not a valid PDF"):
        read_file(path)


def test_pages_without_text_add_no_blank_lines(write_pdf: Callable[..., Path]) -> None:
    path = write_pdf(["Voor.", "", "Na."])

    [doc] = read_file(path)

    assert doc.text == "Voor.\n\nNa."
    assert doc.metadata["pages"] == 3
