"""Review sheets: export suggestions, fill decisions as a reviewer would, import the verdicts."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from pipeline.errors import InputError
from pipeline.exchange.sheets import COLUMNS, export_sheet, import_sheet

# reviewer's verdicts by (doc_id, code): decision, corrected_code, comment
VERDICTS = {
    ("interview_ha", "decision_moment", 23): ("accept", "", "duidelijk"),
    ("interview_ha", "decision_type.methodisch_inhoudelijk", 23): ("Reject", "", ""),
    ("interview_ha", "factor.client", 23): ("", "", ""),
    ("interview_ha", "decision_moment", 97): ("ja", "", ""),
    ("interview_ha", "phase.reflectie", 97): ("reject", "Afweging", "eerder afweging"),
    ("dagboek_sw", "decision_moment", 79): ("accept", "", ""),
    ("notities", "factor.organisation", 0): ("nee", "", ""),
}


def _fill(rows: list[dict[str, str]]) -> None:
    for row in rows:
        decision, corrected, comment = VERDICTS.get((row["doc_id"], row["code"], int(row["start"])),
                                                    ("", "", ""))
        row.update(decision=decision, corrected_code=corrected, comment=comment)


def _check(units, report) -> None:
    by = {(u.doc_id, u.start): u for u in units}
    first = by[("interview_ha", 23)]
    assert first.codes == ["decision_moment"]
    assert first.rejected == ["decision_type.methodisch_inhoudelijk"]
    assert first.text == "Ik heb toen besloten om eerst zelf met moeder te praten."
    assert first.context["role"] == "respondent" and first.context["speaker"] == "R"
    second = by[("interview_ha", 97)]
    assert second.codes == ["decision_moment", "phase.afweging"]
    assert second.rejected == ["phase.reflectie"]
    assert [c["comment"] for c in second.codings] == [None, "eerder afweging"]
    assert by[("dagboek_sw", 79)].codes == ["decision_moment"]
    notes = by[("notities", 0)]
    assert notes.codes == [] and notes.rejected == ["factor.organisation"]
    assert notes.text.startswith("=SOM(1;2)")  # text, never a formula
    assert len(units) == 4
    assert report["ignored"] == 3  # factor.client on 23, logistiek on 79, reflectie on 158
    assert report["decisions"] == {"accept": 3, "reject": 2, "corrected": 1}


def test_xlsx_round_trip(run_dir, codebook, tmp_path) -> None:
    import openpyxl

    out = tmp_path / "review.xlsx"
    assert export_sheet(run_dir, out, codebook)["suggestions"] == 9

    wb = openpyxl.load_workbook(out)
    ws = wb["suggestions"]
    header = [c.value for c in ws[1]]
    assert header == list(COLUMNS) and ws.freeze_panes == "A2" and ws["A1"].font.b
    assert ws.column_dimensions["I"].width == 80
    validations = ws.data_validations.dataValidation
    assert any(v.formula1 == '"accept,reject"' and "N2" in str(v.sqref) for v in validations)
    assert {"codes", "about"} <= set(wb.sheetnames)
    rows = [dict(zip(header, ["" if v is None else str(v) for v in r]))
            for r in ws.iter_rows(min_row=2, values_only=True)]
    assert ws.cell(row=2, column=COLUMNS.index("probability") + 1).value == 0.82
    assert rows[0]["evidence"] == "cue 'Ik heb toen' (rule r-decision_moment)"
    assert any(ws.cell(row=r, column=9).data_type == "s" and
               str(ws.cell(row=r, column=9).value).startswith("=") for r in range(2, ws.max_row + 1))
    _fill(rows)
    for r, row in enumerate(rows, start=2):
        for name in ("decision", "corrected_code", "comment"):
            ws.cell(row=r, column=COLUMNS.index(name) + 1, value=row[name] or None)
    wb.save(out)

    _check(*import_sheet(out, codebook))


@pytest.mark.parametrize("encoding,delimiter", [("utf-8-sig", ";"), ("cp1252", ",")])
def test_csv_round_trip(run_dir, codebook, tmp_path, encoding, delimiter) -> None:
    out = tmp_path / "review.csv"
    export_sheet(run_dir, out, codebook)

    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and raw.split(b"\r\n")[0].count(b";") == len(COLUMNS) - 1
    with out.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh, delimiter=";"))
    notes = next(r for r in rows if r["doc_id"] == "notities")
    assert notes["text"].startswith("'=SOM")  # Excel would read "=..." as a formula
    _fill(rows)
    # as Excel saves it again: plain "CSV" on Windows is cp1252 with the locale's separator
    with out.open("w", encoding=encoding, newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(COLUMNS), delimiter=delimiter)
        writer.writeheader()
        writer.writerows(rows)

    _check(*import_sheet(out, codebook))


def test_import_with_the_run_adds_context(run_dir, codebook, tmp_path) -> None:
    out = tmp_path / "review.csv"
    export_sheet(run_dir, out, codebook, groups=["decision_moment"], min_probability=0.75)
    with out.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh, delimiter=";"))
    assert [(r["doc_id"], r["code"]) for r in rows] == [("interview_ha", "decision_moment"),
                                                        ("dagboek_sw", "decision_moment")]
    for r in rows:
        r["decision"] = "accept"
        r["text"] = ""
    _write(out, rows)

    units, report = import_sheet(out, codebook, run_dir=run_dir, coder="Anna")
    diary = next(u for u in units if u.doc_id == "dagboek_sw")
    assert diary.text == "Ik kies voor een betalingsregeling." and diary.coder == "Anna"
    assert diary.context["kind"] == "diary" and diary.context["section"] == "besluit"
    assert diary.context["before"] == "Cliënt belt over een schuld."
    assert report["not_in_run"] == 0


def _write(path: Path, rows: list[dict[str, str]], columns=COLUMNS) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(columns), delimiter=";", extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)


def _one_row(**changes: str) -> dict[str, str]:
    row = {c: "" for c in COLUMNS}
    row.update(doc_id="d", start="0", end="5", text="tekst", code="decision_moment",
               decision="accept")
    row.update(changes)
    return row


@pytest.mark.parametrize("changes,message", [
    ({"decision": "misschien"}, "row 3, column 'decision': unknown value 'misschien'"),
    ({"code": "factor.onbekend"}, "row 3, column 'code': 'factor.onbekend' is not a code"),
    ({"corrected_code": "Geen idee"}, "row 3, column 'corrected_code'"),
    ({"start": "vijf"}, "row 3, column 'start': expected a whole number"),
])
def test_bad_values_are_named_by_row_and_column(codebook, tmp_path, changes, message) -> None:
    path = tmp_path / "bad.csv"
    _write(path, [_one_row(), _one_row(**changes)])
    with pytest.raises(InputError, match=message) as err:
        import_sheet(path, codebook)
    assert err.value.source == str(path)


def test_missing_columns_are_named(codebook, tmp_path) -> None:
    path = tmp_path / "bad.csv"
    _write(path, [_one_row()], columns=[c for c in COLUMNS if c not in ("decision", "end")])
    with pytest.raises(InputError, match="lacks the column.s. end, decision"):
        import_sheet(path, codebook)
    empty = tmp_path / "empty.xlsx"
    import openpyxl

    openpyxl.Workbook().save(empty)
    with pytest.raises(InputError, match="empty"):
        import_sheet(empty, codebook)
    with pytest.raises(InputError, match="not a readable .xlsx"):
        (tmp_path / "broken.xlsx").write_bytes(b"not a zip")
        import_sheet(tmp_path / "broken.xlsx", codebook)
