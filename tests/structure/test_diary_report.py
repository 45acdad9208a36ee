"""Diary entries and sections, report paragraphs and document kinds."""

from __future__ import annotations

import pytest

from pipeline.model import Document
from pipeline.structure import detect_kind, structure_document

KEYWORD_DIARY = """Beslisdagboek wijkverpleegkundige

Beslissing 1 – maandag 3 maart
Situatie: Mevrouw de Wit (87) wil niet meer douchen met hulp.
Besluit: Ik heb de douchebeurt verplaatst naar de avond.
Reflectie: Achteraf beter eerst met de dochter bellen.
Opmerkingen: kost tijd, planning opnieuw.

Datum: 5 maart, beslissing 2
Wat: medicatie niet ingenomen
Waarom: dochter op vakantie
Anders gekund?: nee
"""

PROSE_DIARY = """Dag 1
Vanochtend kwam meneer K. zonder afspraak binnen, zijn uitkering was gestopt.
Ik heb besloten hem meteen te helpen met de aanvraag, ook al zat mijn agenda vol.
Achteraf was dat de juiste keuze, hij was er echt aan toe.

Dag 2
Telefonisch overleg met de woningcorporatie.
"""


def test_keyword_diary_entries_and_sections():
    doc, units = structure_document(Document("d", "dagboek.txt", KEYWORD_DIARY))

    assert doc.kind == "diary"
    assert doc.metadata["entries"] == ["Beslissing 1 – maandag 3 maart", "Datum: 5 maart, beslissing 2"]
    entry1 = [(u.section, u.text[:12]) for u in units if u.entry and u.entry.startswith("Beslissing 1")]
    assert entry1 == [("situatie", "Mevrouw de W"), ("besluit", "Ik heb de do"),
                      ("reflectie", "Achteraf bet"), ("opmerkingen", "kost tijd, p")]
    entry2 = [u.section for u in units if u.entry and u.entry.startswith("Datum")]
    assert entry2 == ["situatie", "reflectie", "reflectie"]
    assert "3 maart" in doc.metadata["dates"][0]
    assert all(u.role == "respondent" for u in units)


def test_prose_diary_sections_from_how_paragraphs_open():
    _doc, units = structure_document(Document("d", "d.txt", PROSE_DIARY, kind="diary"))

    day1 = [u.section for u in units if u.entry == "Dag 1"]
    assert day1 == ["situatie", "besluit", "reflectie"]
    assert [u.entry for u in units][-1] == "Dag 2"


def test_report_paragraphs_headings_and_hard_wraps():
    text = ("# Verslag focusgroep wijkteams\n\n## Opening\n\nDe gespreksleider opende de bijeenkomst\n"
            "met een rondje en vroeg naar recente casussen.\n\nEen huisarts zei: 'ik bel dan gewoon'.\n")

    doc, units = structure_document(Document("r", "verslag.md", text))

    assert doc.kind == "report"
    assert [u.section for u in units] == ["Opening", "Opening"]
    assert units[0].text == "De gespreksleider opende de bijeenkomst\nmet een rondje en vroeg naar recente casussen."


@pytest.mark.parametrize(
    ("text", "source", "kind"),
    [
        ("I: Vraag?\nR: Antwoord.\nI: Nog een?\nR: Ja.\n", "a.txt", "transcript"),
        (KEYWORD_DIARY, "a.txt", "diary"),
        ("Deelnemers van de bijeenkomst bespraken drie casussen.\n\nDaarna volgde een pauze.", "a.txt", "report"),
        ("Een gewone tekst zonder structuur.\n\nNog een alinea.", "notities.txt", "text"),
        ("Een gewone tekst.\n\nNog een alinea.", "verslag_werkoverleg.txt", "report"),
    ],
    ids=["transcript", "diary", "report-words", "text", "report-filename"],
)
def test_detect_kind(text, source, kind):
    assert detect_kind(Document("x", source, text)) == kind


def test_kind_override_by_pattern():
    from pipeline.structure import StructureOptions

    doc, _ = structure_document(Document("x", "data/dagboek_3.txt", "Een tekst.\n"),
                                StructureOptions(kind_patterns={"*dagboek*": "diary"}))

    assert doc.kind == "diary"
