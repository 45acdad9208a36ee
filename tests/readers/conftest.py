"""Builders that write real test files with the real libraries, so readers meet genuine formats."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest


@pytest.fixture
def write_docx(tmp_path: Path) -> Callable[..., Path]:
    """A .docx with a heading, a paragraph, an empty paragraph, a 2x2 table and a last paragraph."""

    def build(name: str = "verslag.docx", title: str = "Teamoverleg") -> Path:
        import docx

        document = docx.Document()
        document.core_properties.title = title
        document.add_heading("Casuïstiekbespreking", level=1)
        document.add_paragraph("We bespraken de situatie van cliënt X.")
        document.add_paragraph("")
        table = document.add_table(rows=2, cols=2)
        table.cell(0, 0).text = "I"
        table.cell(0, 1).text = "Hoe begon het?"
        table.cell(1, 0).text = "R"
        table.cell(1, 1).text = "Nou, eh,\nmet een signaal."
        document.add_paragraph("Besluit: huisbezoek plannen.")
        path = tmp_path / name
        document.save(path)
        return path

    return build


@pytest.fixture
def write_odt(tmp_path: Path) -> Callable[..., Path]:
    """An .odt with a title, a heading, two paragraphs around a one-row table."""

    def build(name: str = "dagboek.odt") -> Path:
        from odf import dc, table, text
        from odf.opendocument import OpenDocumentText

        document = OpenDocumentText()
        document.meta.addElement(dc.Title(text="Dagboek week 1"))
        document.text.addElement(text.H(outlinelevel=1, text="Beslissing 1"))
        document.text.addElement(text.P(text="Ik besloot te wachten met ingrijpen."))
        grid = table.Table(name="t")
        grid.addElement(table.TableColumn(numbercolumnsrepeated=2))
        row = table.TableRow()
        for value in ("Wie", "Collega"):
            cell = table.TableCell()
            cell.addElement(text.P(text=value))
            row.addElement(cell)
        grid.addElement(row)
        document.text.addElement(grid)
        document.text.addElement(text.P(text="Reflectie: achteraf tevreden."))
        path = tmp_path / name
        document.save(str(path))
        return path

    return build


@pytest.fixture
def write_pdf(tmp_path: Path) -> Callable[..., Path]:
    """A PDF made with reportlab: one page per string; an empty string draws only a rectangle."""

    def build(pages: list[str], name: str = "rapport.pdf", title: str | None = None) -> Path:
        from reportlab.pdfgen import canvas

        path = tmp_path / name
        pdf = canvas.Canvas(str(path))
        if title:
            pdf.setTitle(title)
        for page in pages:
            if page:
                pdf.drawString(72, 720, page)
            else:
                pdf.rect(72, 500, 200, 200, fill=1)  # an "image" without any text
            pdf.showPage()
        pdf.save()
        return path

    return build


@pytest.fixture
def write_xlsx(tmp_path: Path) -> Callable[..., Path]:
    """An .xlsx whose first sheet holds the given rows (first row is the header)."""

    def build(rows: list[list[object]], name: str = "turns.xlsx") -> Path:
        import openpyxl

        workbook = openpyxl.Workbook()
        sheet = workbook.active
        sheet.title = "Interviews"
        for row in rows:
            sheet.append(row)
        workbook.create_sheet("Other").append(["text"])
        path = tmp_path / name
        workbook.save(path)
        return path

    return build


