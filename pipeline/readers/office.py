"""Word processor files (.docx, .odt): paragraphs, headings and tables in reading order.

Transcripts are often typed as tables (speaker | text, or time | speaker | text), so tables are
read where they stand in the body. A table recognised as a transcript (see
``transcript_table``) becomes ``[time] Speaker: text`` lines; other tables one row per line.
Speaker labels typed in bold at the start of a paragraph ("**Interviewer** Kunt u...") become
``Interviewer: Kunt u...`` when two or more speakers are written that way.
"""

from __future__ import annotations

import contextlib
import io
import zipfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from pipeline.errors import InputError
from pipeline.model import Document

from .common import ReaderConfig, base_metadata, doc_id_base, open_zip, read_bytes, reject_ole2
from .table_layout import bold_labels_as_text, table_lines
from .text import normalise_text

CELL_SEPARATOR = " | "


# Where a paragraph's runs may sit besides directly in it: tracked insertions and moves, inline
# content controls, smart tags, custom XML, simple fields, hyperlinks. Deletions (w:del,
# w:moveFrom) are left out, so the text is the document with its tracked changes accepted.
_RUN_CONTAINERS = frozenset(
    "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}" + tag
    for tag in ("ins", "moveTo", "sdt", "sdtContent", "smartTag", "customXml", "fldSimple", "hyperlink"))
_RUN = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}r"


def accepted_text(p: Any) -> str:
    """A paragraph's text as Word shows it with tracked changes accepted.

    python-docx's ``Paragraph.text`` reads only the runs directly in the paragraph and in
    hyperlinks, so a transcript checked with track changes on lost every inserted word; here
    runs inside insertions and inline containers count too (each run's text as python-docx
    reads it: tabs, breaks and non-breaking hyphens included)."""
    parts: list[str] = []

    def walk(element: Any) -> None:
        for child in element.iterchildren():
            if child.tag == _RUN:
                parts.append(child.text)
            elif child.tag in _RUN_CONTAINERS:
                walk(child)

    walk(p)
    return "".join(parts)


def read_docx(path: Path, config: ReaderConfig, root: Path | None) -> list[Document]:
    """Read a .docx with python-docx, walking the body XML so tables keep their place."""
    import docx
    from docx.oxml.ns import qn
    from docx.text.paragraph import Paragraph

    data = read_bytes(path, config.max_bytes)
    reject_ole2(path, data)
    open_zip(path, data, config.max_bytes, ".docx file").close()
    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as error:  # python-docx raises many types for a broken package
        raise InputError(path, "The file is not a valid .docx file (corrupt or another format).") \
            from error

    def paragraph_text(p: Any) -> str:
        return accepted_text(p)

    def paragraph_line(p: Any) -> tuple[str, str | None]:
        """The paragraph's text and the bold text it starts with (a typed speaker label)."""
        para = Paragraph(p, document)
        bold = []
        for run in para.runs:
            if not run.text.strip() and not bold:
                continue
            if run.bold:
                bold.append(run.text)
            else:
                break
        return accepted_text(p), ("".join(bold) or None)

    def cell_text(tc: Any) -> str:
        if tc.vMerge == "continue":  # continuation of a vertically merged cell: text is above
            return ""
        return " ".join(paragraph_text(p) for p in tc.iter(qn("w:p")))

    def block_lines(parent: Any) -> Iterator[tuple[str, str | None]]:
        for child in parent.iterchildren():
            if child.tag == qn("w:p"):
                yield paragraph_line(child)
            elif child.tag == qn("w:tbl"):
                rows = [[cell_text(tc) for tc in tr.iterchildren(qn("w:tc"))]
                        for tr in child.iter(qn("w:tr"))
                        if tr.getparent() is child]  # rows of nested tables are in their cell
                yield from ((line, None) for line in table_lines(rows, _row_line))
            elif child.tag == qn("w:sdt"):  # content controls wrap ordinary paragraphs
                for content in child.iterchildren(qn("w:sdtContent")):
                    yield from block_lines(content)

    text = normalise_text("\n".join(bold_labels_as_text(list(block_lines(document.element.body)))))
    if not text.strip():
        raise InputError(path, "The document contains no text.")
    metadata = base_metadata(path, title=(document.core_properties.title or "").strip())
    return [Document(doc_id_base(path, root), str(path), text, metadata=metadata)]


def read_odt(path: Path, config: ReaderConfig, root: Path | None) -> list[Document]:
    """Read an .odt with odfpy: text:p and text:h in document order, table rows as one line."""
    from odf import dc, opendocument, teletype

    data = read_bytes(path, config.max_bytes)
    reject_ole2(path, data)
    with open_zip(path, data, config.max_bytes, ".odt file") as archive:
        _reject_encrypted_odf(path, archive)
    # odfpy skips a missing part silently and prints an unparsable one to stdout: capture that
    # (it is document text) and treat either as a corrupt file.
    complaints = io.StringIO()
    try:
        with contextlib.redirect_stdout(complaints):
            document = opendocument.load(io.BytesIO(data))
    except Exception as error:  # odfpy's failures on a broken package have no common type
        raise InputError(path, "The file is not a valid .odt file (corrupt or another format).") \
            from error
    if complaints.getvalue() or getattr(document, "text", None) is None:
        raise InputError(path, "The file is not a valid .odt file (corrupt or another format).")

    def lines(node: Any) -> Iterator[str]:
        for child in node.childNodes:
            if child.nodeType != child.ELEMENT_NODE:
                continue
            if child.qname in _ODF_PARAGRAPHS:
                yield teletype.extractText(child)
            elif child.qname == _ODF_TABLE:
                rows = [["\n".join(lines(cell)) for cell in row.childNodes
                         if cell.nodeType == cell.ELEMENT_NODE and cell.qname == _ODF_CELL]
                        for row in _odf_rows(child)]
                yield from table_lines(rows, _row_line)
            elif child.qname == _ODF_TABLE_ROW:
                yield _row_line("\n".join(lines(cell)) for cell in child.childNodes
                                if cell.nodeType == cell.ELEMENT_NODE and cell.qname == _ODF_CELL)
            else:
                yield from lines(child)

    try:
        _prune_odf(document.text)
        text = normalise_text("\n".join(lines(document.text)))
    except RecursionError:
        raise InputError(path, "The .odt file is nested too deeply to read.") from None
    if not text.strip():
        raise InputError(path, "The document contains no text.")
    titles = document.meta.getElementsByType(dc.Title)
    title = teletype.extractText(titles[0]).strip() if titles else ""
    metadata = base_metadata(path, title=title)
    return [Document(doc_id_base(path, root), str(path), text, metadata=metadata)]


_TEXT_NS = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
_TABLE_NS = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
_ODF_PARAGRAPHS = {(_TEXT_NS, "p"), (_TEXT_NS, "h")}
_ODF_TABLE_ROW = (_TABLE_NS, "table-row")
_ODF_TABLE = (_TABLE_NS, "table")
_ODF_CELL = (_TABLE_NS, "table-cell")  # covered (merged-away) cells are left out
_OFFICE_NS = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
# Comments, footnote bodies and deleted tracked changes would land in the middle of sentences.
_ODF_SKIPPED = {(_OFFICE_NS, "annotation"), (_OFFICE_NS, "annotation-end"), (_TEXT_NS, "note"),
                (_TEXT_NS, "tracked-changes")}
_ODF_SPACES = (_TEXT_NS, "s")
_ODF_SPACE_COUNT = (_TEXT_NS, "c")
_MAX_SPACES = 100


def _prune_odf(node: Any) -> None:
    """Drop non-body text, and cap <text:s c=...> that extractText would expand without limit."""
    for child in list(node.childNodes):
        if child.nodeType != child.ELEMENT_NODE:
            continue
        if child.qname in _ODF_SKIPPED:
            node.removeChild(child)
        elif child.qname == _ODF_SPACES:
            count = child.attributes.get(_ODF_SPACE_COUNT, "1")
            count = int(count) if str(count).isdigit() else 1
            child.attributes[_ODF_SPACE_COUNT] = str(min(max(count, 1), _MAX_SPACES))
        else:
            _prune_odf(child)


def _odf_rows(table: Any) -> Iterator[Any]:
    """A table's own rows, also inside header-row and row-group elements (not nested tables)."""
    for child in table.childNodes:
        if child.nodeType != child.ELEMENT_NODE:
            continue
        if child.qname == _ODF_TABLE_ROW:
            yield child
        elif child.qname != _ODF_TABLE:
            yield from _odf_rows(child)


def _row_line(cells: Iterable[str]) -> str:
    """One table row as one line: each cell folded to one line, trailing empty cells dropped."""
    texts = [" ".join(cell.split()) for cell in cells]
    while texts and not texts[-1]:
        texts.pop()
    return CELL_SEPARATOR.join(texts)


def _reject_encrypted_odf(path: Path, archive: zipfile.ZipFile) -> None:
    """A password-protected ODF file is a ZIP whose manifest declares encryption data."""
    try:
        manifest = archive.read("META-INF/manifest.xml")
    except KeyError:
        return
    if b"encryption-data" in manifest:
        raise InputError(path, "The file is password-protected; remove the password and save it "
                               "again.")
