"""Word processor files: reading order with tables, titles, and broken or encrypted files."""

from __future__ import annotations

import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from pipeline.errors import InputError
from pipeline.readers import ReaderConfig, read_file
from pipeline.readers.common import OLE2_MAGIC


def test_docx_paragraphs_and_table_in_body_order(write_docx: Callable[..., Path]) -> None:
    path = write_docx()

    [doc] = read_file(path)

    assert doc.text == ("Casuïstiekbespreking\n"
                        "We bespraken de situatie van cliënt X.\n"
                        "\n"
                        "I | Hoe begon het?\n"
                        "R | Nou, eh, met een signaal.\n"
                        "Besluit: huisbezoek plannen.")
    assert doc.metadata == {"format": "docx", "title": "Teamoverleg"}
    assert doc.doc_id == "verslag"


def test_odt_headings_paragraphs_and_table_in_order(write_odt: Callable[..., Path]) -> None:
    path = write_odt()

    [doc] = read_file(path)

    assert doc.text == ("Beslissing 1\n"
                        "Ik besloot te wachten met ingrijpen.\n"
                        "Wie | Collega\n"
                        "Reflectie: achteraf tevreden.")
    assert doc.metadata == {"format": "odt", "title": "Dagboek week 1"}


@pytest.mark.parametrize("suffix", [".docx", ".xlsx"])
def test_ole2_office_file_is_reported_password_protected(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"beveiligd{suffix}"
    path.write_bytes(OLE2_MAGIC + b"\x00" * 504)

    with pytest.raises(InputError, match="password-protected"):
        read_file(path)


@pytest.mark.parametrize("suffix", [".docx", ".odt", ".xlsx"])
def test_corrupt_container_raises_input_error(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"kapot{suffix}"
    path.write_bytes(b"PK\x03\x04 this is not really a zip archive")

    with pytest.raises(InputError, match="not a valid"):
        read_file(path)


def test_truncated_docx_is_corrupt(write_docx: Callable[..., Path]) -> None:
    path = write_docx()
    path.write_bytes(path.read_bytes()[:400])

    with pytest.raises(InputError, match=r"not a valid \.docx"):
        read_file(path)


def test_zip_that_is_not_a_word_document(tmp_path: Path) -> None:
    path = tmp_path / "ander.docx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("readme.txt", "geen word")

    with pytest.raises(InputError, match=r"not a valid \.docx"):
        read_file(path)


def test_password_protected_odt(write_odt: Callable[..., Path], tmp_path: Path) -> None:
    source = write_odt()
    path = tmp_path / "beveiligd.odt"
    with zipfile.ZipFile(source) as original, zipfile.ZipFile(path, "w") as copy:
        for info in original.infolist():
            data = original.read(info)
            if info.filename == "META-INF/manifest.xml":  # as LibreOffice writes it
                data = data.replace(
                    b'manifest:full-path="content.xml" manifest:media-type="text/xml"/>',
                    b'manifest:full-path="content.xml" manifest:media-type="text/xml">'
                    b'<manifest:encryption-data manifest:checksum-type="SHA1"/>'
                    b"</manifest:file-entry>")
                assert b"encryption-data" in data
            elif info.filename == "content.xml":
                data = bytes(range(256)) * 4  # ciphertext, not XML
            copy.writestr(info, data)

    with pytest.raises(InputError, match="password-protected"):
        read_file(path)


def test_docx_without_text(tmp_path: Path) -> None:
    import docx

    path = tmp_path / "leeg.docx"
    docx.Document().save(path)

    with pytest.raises(InputError, match="no text"):
        read_file(path)


def test_docx_part_over_max_bytes_is_refused(write_docx: Callable[..., Path]) -> None:
    path = write_docx()
    size = path.stat().st_size

    # The file itself fits, but one part unpacks to more than the limit (a zip bomb guard).
    with pytest.raises(InputError, match="unpacks to more than the limit"):
        read_file(path, ReaderConfig(max_bytes=size))


@pytest.mark.parametrize("content", [b"\x00\x01<<niet-xml", None], ids=["unparsable", "missing"])
def test_odt_with_broken_content_part_is_corrupt_and_prints_nothing(
        write_odt: Callable[..., Path], tmp_path: Path, capsys: pytest.CaptureFixture[str],
        content: bytes | None) -> None:
    source = write_odt()
    path = tmp_path / "kapot.odt"
    with zipfile.ZipFile(source) as original, zipfile.ZipFile(path, "w") as copy:
        for name in original.namelist():
            if name != "content.xml":
                copy.writestr(name, original.read(name))
            elif content is not None:
                copy.writestr(name, content)

    with pytest.raises(InputError, match=r"not a valid \.odt"):
        read_file(path)

    assert capsys.readouterr().out == ""


def test_odt_comments_footnotes_and_huge_space_runs_are_handled(tmp_path: Path) -> None:
    from odf import office, text
    from odf.opendocument import OpenDocumentText

    document = OpenDocumentText()
    paragraph = text.P(text="Ik koos")
    comment = office.Annotation()
    comment.addElement(text.P(text="OPMERKING"))
    paragraph.addElement(comment)
    note = text.Note(noteclass="footnote")
    note.addElement(text.NoteCitation(text="1"))
    body = text.NoteBody()
    body.addElement(text.P(text="VOETNOOT"))
    note.addElement(body)
    paragraph.addElement(note)
    paragraph.addElement(text.S(c=10**12))  # would be a terabyte of spaces unexpanded
    paragraph.addText("voor wachten.")
    document.text.addElement(paragraph)
    path = tmp_path / "opmerkingen.odt"
    document.save(str(path))

    [doc] = read_file(path)

    assert doc.text.startswith("Ik koos ")
    assert doc.text.endswith(" voor wachten.")
    assert "OPMERKING" not in doc.text and "VOETNOOT" not in doc.text
    assert len(doc.text) < 200


def test_docx_merged_cells_are_not_repeated(tmp_path: Path) -> None:
    import docx

    document = docx.Document()
    table = document.add_table(rows=3, cols=3)
    table.cell(0, 0).merge(table.cell(0, 2)).text = "Kop over drie kolommen"
    table.cell(1, 0).merge(table.cell(2, 0)).text = "Samen"
    table.cell(1, 1).text = "b"
    table.cell(2, 2).text = "c"
    path = tmp_path / "samengevoegd.docx"
    document.save(path)

    [doc] = read_file(path)

    assert doc.text == "Kop over drie kolommen\nSamen | b\n |  | c"  # empty cells keep their place


def test_docx_with_tracked_changes_reads_as_accepted(tmp_path: Path) -> None:
    """A transcript checked with track changes on: inserted and moved-in words count, deleted
    and moved-out ones do not, and runs in inline content controls and smart tags are read
    (python-docx's own paragraph text dropped all of these)."""
    import docx
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    def run(text: str, deleted: bool = False):
        r = OxmlElement("w:r")
        t = OxmlElement("w:delText" if deleted else "w:t")
        t.text = text
        t.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
        r.append(t)
        return r

    def wrap(tag: str, *children):
        element = OxmlElement(tag)
        if tag in ("w:ins", "w:del", "w:moveTo", "w:moveFrom"):
            element.set(qn("w:id"), "1")
            element.set(qn("w:author"), "Tweede transcribent")
        for child in children:
            element.append(child)
        return element

    document = docx.Document()
    document.add_paragraph("I: Hoe ging dat?")
    p = document.add_paragraph("R: Ik heb besloten ")
    for element in (wrap("w:ins", run("eerst de dochter te bellen")), wrap("w:del", run(" de huisarts", True)),
                    run(", want "), wrap("w:moveFrom", run("hem kent ze", True)),
                    wrap("w:moveTo", run("zij kent hem")), run(" het best, ")):
        p._p.append(element)
    p._p.append(wrap("w:sdt", wrap("w:sdtContent", run("zei ze "))))
    p._p.append(wrap("w:smartTag", run("later.")))
    document.add_paragraph("I: En toen?")
    path = tmp_path / "nagekeken.docx"
    document.save(path)

    [doc] = read_file(path, ReaderConfig())

    assert doc.text.split("\n")[1] == ("R: Ik heb besloten eerst de dochter te bellen, want zij kent hem "
                                       "het best, zei ze later.")
