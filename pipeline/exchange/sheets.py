"""Review sheets: a run's suggestions as .xlsx or .csv for people to accept or reject, and back.

One row per suggestion (an assigned code on a segment)::

    suggestion_id, doc_id, source, start, end, speaker, role, section, text,
    code, code_label, probability, evidence, decision, corrected_code, comment

The reviewer writes ``accept`` or ``reject`` in ``decision`` (also accepted: yes/no, ja/nee,
y/n, 1/0), optionally a better code in ``corrected_code`` (a code id or label) and a
``comment``. Reading a filled sheet back (:func:`import_sheet`) gives annotated units: accepted
codes are the unit's codes; rejected codes go to the unit's ``rejected`` list; a corrected code
replaces the suggested one (which counts as rejected); rows without a decision are ignored and
counted. Rows of the same segment (doc_id, start, end) form one unit.

- ``.xlsx``: header bold and frozen, sized columns, a drop-down (accept/reject) on ``decision``,
  a ``codes`` sheet listing the codebook (the drop-down of ``corrected_code``) and an ``about``
  sheet with the run, the model and these instructions. Cells are written as text, so a
  segment starting with "=" is never a formula.
- ``.csv``: UTF-8 *with* a byte-order mark and ``;`` between fields by default, so that Excel
  with Dutch settings opens it in columns with the accents right (Excel expects ";" where the
  decimal separator is ","). Fields that Excel would read as a formula (starting with = + - @)
  get a leading apostrophe, removed again on import. Import reads UTF-8 (with or without BOM)
  or, as Excel's plain "CSV" saves it, cp1252, with ``;``, ``,`` or tab between fields.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline.codebook import Codebook
from pipeline.errors import InputError
from pipeline.io import atomic_open

from .qdpx_import import ImportedUnit
from .run_results import (
    RunResults,
    Suggestion,
    iter_suggestions,
    load_run,
    model_user_name,
    readable_evidence,
)

COLUMNS = ("suggestion_id", "doc_id", "source", "start", "end", "speaker", "role", "section",
           "text", "code", "code_label", "probability", "evidence", "decision", "corrected_code",
           "comment")
REQUIRED = ("doc_id", "start", "end", "code", "decision")
ACCEPT = {"accept", "accepted", "yes", "y", "ja", "j", "ok", "1", "true", "akkoord"}
REJECT = {"reject", "rejected", "no", "n", "nee", "0", "false", "afwijzen", "afgewezen"}
_WIDTHS = {"suggestion_id": 18, "doc_id": 24, "source": 20, "start": 7, "end": 7, "speaker": 12,
           "role": 11, "section": 12, "text": 80, "code": 28, "code_label": 24, "probability": 11,
           "evidence": 45, "decision": 11, "corrected_code": 24, "comment": 40}
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
MAX_CELL = 32_000  # Excel holds at most 32,767 characters in a cell


def _rows(codebook: Codebook, suggestions: Iterable[Suggestion]) -> list[list[Any]]:
    rows = []
    for s in suggestions:
        code = codebook.code(s.code)
        text = s.text if len(s.text) <= MAX_CELL else s.text[:MAX_CELL] + "…"
        rows.append([s.suggestion_id, s.doc_id, s.source, s.start, s.end, s.speaker, s.role,
                     s.section, text, s.code, code.label,
                     round(s.probability, 4) if s.probability is not None else None,
                     readable_evidence(s.evidence), None, None, None])
    return rows


def export_sheet(run_dir: str | Path, output: str | Path, codebook: Codebook,
                 min_probability: float | None = 0.0, groups: Iterable[str] | None = None,
                 delimiter: str = ";") -> dict[str, Any]:
    """Write the run's suggestions as a review sheet (.xlsx or .csv, by the output's suffix)."""
    output = Path(output)
    suffix = output.suffix.lower()
    if suffix not in (".xlsx", ".csv"):
        raise InputError(output, "a review sheet is written as .xlsx or .csv")
    run = load_run(run_dir, codebook)
    groups = list(groups) if groups else None
    rows = _rows(codebook, iter_suggestions(run, codebook, min_probability, groups))
    if suffix == ".csv":
        _write_csv(output, rows, delimiter)
    else:
        _write_xlsx(output, rows, run, codebook, min_probability, groups)
    return {"suggestions": len(rows), "documents": len({r[1] for r in rows}), "output": str(output)}


def _escape(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def _write_csv(output: Path, rows: list[list[Any]], delimiter: str) -> None:
    with atomic_open(output, "w", encoding="utf-8-sig") as fh:
        writer = csv.writer(fh, delimiter=delimiter, lineterminator="\r\n")
        writer.writerow(COLUMNS)
        for row in rows:
            writer.writerow(["" if v is None else _escape(v) for v in row])


def _cell_text(value: Any) -> Any:
    if isinstance(value, str):
        from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

        return ILLEGAL_CHARACTERS_RE.sub("\ufffd", value)
    return value


def _write_xlsx(output: Path, rows: list[list[Any]], run: RunResults, codebook: Codebook,
                min_probability: float | None, groups: list[str] | None) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    wb = Workbook()
    ws = wb.active
    ws.title = "suggestions"
    ws.append(list(COLUMNS))
    for cell in ws[1]:
        cell.font = Font(bold=True)
    wrap = Alignment(wrap_text=True, vertical="top")
    top = Alignment(vertical="top")
    text_cols = {COLUMNS.index(c) + 1 for c in ("text", "evidence", "comment")}
    for r, row in enumerate(rows, start=2):
        for c, value in enumerate(row, start=1):
            cell = ws.cell(row=r, column=c, value=_cell_text(value))
            if isinstance(value, str):
                cell.data_type = "s"  # never a formula, whatever the text starts with
            cell.alignment = wrap if c in text_cols else top
        ws.cell(row=r, column=COLUMNS.index("probability") + 1).number_format = "0.00"
    for name, width in _WIDTHS.items():
        ws.column_dimensions[get_column_letter(COLUMNS.index(name) + 1)].width = width
    ws.freeze_panes = "A2"
    last = max(len(rows) + 1, 2)
    ws.auto_filter.ref = f"A1:{get_column_letter(len(COLUMNS))}{last}"
    dec = get_column_letter(COLUMNS.index("decision") + 1)
    dv = DataValidation(type="list", formula1='"accept,reject"', allow_blank=True,
                        showErrorMessage=True, errorTitle="decision",
                        error="Write accept or reject (or leave empty).",
                        promptTitle="decision", prompt="accept or reject", showInputMessage=True)
    ws.add_data_validation(dv)
    dv.add(f"{dec}2:{dec}{last}")

    codes = wb.create_sheet("codes")
    codes.append(["id", "label", "group", "definition"])
    for cell in codes[1]:
        cell.font = Font(bold=True)
    for g in codebook.groups:
        for c in g.codes:
            codes.append([_cell_text(v) for v in (c.id, c.label, g.label, c.definition)])
    for col, width in zip("ABCD", (36, 30, 26, 100)):
        codes.column_dimensions[col].width = width
    codes.freeze_panes = "A2"
    cor = get_column_letter(COLUMNS.index("corrected_code") + 1)
    dv2 = DataValidation(type="list", formula1=f"=codes!$A$2:$A${len(codebook.codes) + 1}",
                         allow_blank=True, showErrorMessage=True, errorStyle="warning",
                         errorTitle="corrected_code",
                         error="Not a code id of the codes sheet (a label is accepted too).")
    ws.add_data_validation(dv2)
    dv2.add(f"{cor}2:{cor}{last}")

    about = wb.create_sheet("about")
    filters = []
    if groups:
        filters.append("groups: " + ", ".join(groups))
    if min_probability:
        filters.append(f"probability >= {min_probability}")
    for line in (
        ["Review sheet of machine suggestions (narratives)"],
        ["run", str(run.run_dir)],
        ["model", model_user_name(run, codebook)],
        ["codebook", f"{codebook.id} {codebook.version} ({codebook.fingerprint()})"],
        ["filters", "; ".join(filters) or "none"],
        [],
        ["decision", "accept or reject; leave empty to skip the row"],
        ["corrected_code", ("optional: the right code (id or label from the codes sheet); "
                            "the suggested code then counts as rejected")],
        ["comment", "optional, free text"],
        ["import", "narratives import THIS_FILE.xlsx --output units.jsonl"],
    ):
        about.append(line)
    about["A1"].font = Font(bold=True)
    about.column_dimensions["A"].width = 18
    about.column_dimensions["B"].width = 100
    with atomic_open(output, "wb") as fh:
        wb.save(fh)


# --------------------------------------------------------------------------------------------
# Reading a filled sheet


@dataclass
class _Row:
    number: int
    values: dict[str, str]


def _read_rows(path: Path, max_bytes: int) -> tuple[list[str], list[_Row]]:
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise InputError(path, "The file does not exist.") from None
    if size > max_bytes:
        raise InputError(path, f"The file is larger than the limit of {max_bytes} bytes.")
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return _read_csv(path)
    if suffix in (".xlsx", ".xlsm"):
        return _read_xlsx(path)
    raise InputError(path, "a review sheet must be .xlsx or .csv")


def _read_csv(path: Path) -> tuple[list[str], list[_Row]]:
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")  # Excel's plain "CSV" on Windows
    first = text.split("\n", 1)[0]
    delimiter = max((";", ",", "\t"), key=first.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        table = list(reader)
    except csv.Error as e:
        raise InputError(path, f"not a readable CSV file ({e})") from None
    return _table(path, table, unescape=True)


def _read_xlsx(path: Path) -> tuple[list[str], list[_Row]]:
    import zipfile

    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError) as e:
        raise InputError(path, f"not a readable .xlsx workbook ({type(e).__name__})") from None
    try:
        ws = wb["suggestions"] if "suggestions" in wb.sheetnames else wb.worksheets[0]
        table = [["" if v is None else v for v in row] for row in ws.iter_rows(values_only=True)]
    finally:
        wb.close()
    return _table(path, table, unescape=False)


def _table(path: Path, table: list[list[Any]], unescape: bool) -> tuple[list[str], list[_Row]]:
    while table and not any(str(v).strip() for v in table[0]):
        table.pop(0)
    if not table:
        raise InputError(path, "the sheet is empty (expected a header row with "
                               + ", ".join(REQUIRED) + ")")
    header = [str(v).strip().lower() for v in table[0]]
    rows = []
    for i, raw in enumerate(table[1:], start=2):
        values = {}
        for name, v in zip(header, raw):
            if name:
                values[name] = _unescape(_as_text(v)) if unescape else _as_text(v)
        if any(v.strip() for v in values.values()):
            rows.append(_Row(i, values))
    return header, rows


def _as_text(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def _unescape(v: str) -> str:
    if v.startswith("'") and v[1:2] in _FORMULA_START and v[1:2]:
        return v[1:]
    return v


def _resolve_code(codebook: Codebook, value: str) -> str | None:
    v = " ".join(value.split()).casefold()
    for c in codebook.codes:
        if c.id.casefold() == v:
            return c.id
    hits = [c.id for c in codebook.codes if " ".join(c.label.split()).casefold() == v]
    return hits[0] if len(hits) == 1 else None


def _decision(value: str) -> str | None:
    v = value.strip().casefold()
    if not v:
        return None
    if v in ACCEPT:
        return "accept"
    if v in REJECT:
        return "reject"
    return "?"


def import_sheet(path: str | Path, codebook: Codebook, run_dir: str | Path | None = None,
                 coder: str | None = None, max_bytes: int = 200_000_000
                 ) -> tuple[list[ImportedUnit], dict[str, Any]]:
    """Annotated units from a filled review sheet, and a report (rows, ignored, conflicts...).

    ``run_dir``: the run the sheet came from: units then get its text and full context (kind,
    entry, the segments before and after); without it the sheet's columns are used.
    ``coder``: the reviewer's name, recorded on every unit.
    Errors name the file, the row and the column: a missing required column, an unknown
    decision, a code not in the codebook, offsets that are not numbers.
    """
    path = Path(path)
    header, rows = _read_rows(path, max_bytes)
    required = list(REQUIRED) + ([] if run_dir is not None else ["text"])
    missing = [c for c in required if c not in header]
    if missing:
        raise InputError(path, f"the sheet lacks the column(s) {', '.join(missing)} "
                               f"(header row: {', '.join(h for h in header if h) or 'empty'})")
    segments: dict[tuple[str, int, int], dict[str, Any]] = {}
    kinds: dict[str, str | None] = {}
    if run_dir is not None:
        run = load_run(run_dir)
        for doc in run.documents:
            kinds[doc.doc_id] = doc.kind
            for i, seg in enumerate(doc.segments):
                segments[(doc.doc_id, seg["start"], seg["end"])] = {
                    **seg, "before": doc.segments[i - 1]["text"][-300:] if i > 0 else "",
                    "after": doc.segments[i + 1]["text"][:300] if i < len(doc.segments) - 1 else ""}
    units: dict[tuple[str, int, int], ImportedUnit] = {}
    ignored = conflicts = not_in_run = 0
    decisions: Counter[str] = Counter()

    def fail(row: _Row, column: str, problem: str) -> InputError:
        return InputError(path, f"row {row.number}, column '{column}': {problem}")

    for row in rows:
        v = row.values
        decision = _decision(v.get("decision", ""))
        corrected_raw = v.get("corrected_code", "").strip()
        if decision == "?":
            raise fail(row, "decision", f"unknown value {v['decision']!r}; expected accept or "
                                        "reject (or leave it empty)")
        if decision is None and not corrected_raw:
            ignored += 1
            continue
        code = _resolve_code(codebook, v.get("code", ""))
        if code is None:
            raise fail(row, "code", f"{v.get('code', '')!r} is not a code of codebook "
                                    f"'{codebook.id}'")
        corrected = None
        if corrected_raw:
            corrected = _resolve_code(codebook, corrected_raw)
            if corrected is None:
                raise fail(row, "corrected_code", f"{corrected_raw!r} is not a code id or label "
                                                  f"of codebook '{codebook.id}'")
        try:
            start, end = int(v.get("start", "").strip()), int(v.get("end", "").strip())
        except ValueError:
            col = "start" if not v.get("start", "").strip().lstrip("-").isdigit() else "end"
            raise fail(row, col, f"expected a whole number; got {v.get(col, '')!r}") from None
        if not 0 <= start <= end:
            raise fail(row, "end", f"offsets {start}-{end} are not a span")
        doc_id = v.get("doc_id", "").strip()
        if not doc_id:
            raise fail(row, "doc_id", "empty")
        key = (doc_id, start, end)
        seg = segments.get(key)
        if run_dir is not None and seg is None:
            not_in_run += 1
        unit = units.get(key)
        if unit is None:
            text = seg["text"] if seg else v.get("text", "")
            context = {"doc_id": doc_id, "kind": kinds.get(doc_id),
                       "speaker": (seg or {}).get("speaker") or v.get("speaker") or None,
                       "role": (seg or {}).get("role") or v.get("role") or None,
                       "section": (seg or {}).get("section") or v.get("section") or None,
                       "entry": (seg or {}).get("entry"),
                       "before": (seg or {}).get("before", ""), "after": (seg or {}).get("after", ""),
                       "start": start, "end": end}
            unit = ImportedUnit(f"{doc_id}:{start}-{end}", doc_id, text, [], context, coder,
                                start, end, [], [])
            units[key] = unit
        if corrected and corrected != code:
            unit.rejected.append(code)
            unit.codes.append(corrected)
            decisions["corrected"] += 1
        elif decision == "accept" or corrected:
            unit.codes.append(code)
            decisions["accept"] += 1
        else:
            unit.rejected.append(code)
            decisions["reject"] += 1
        unit.codings.append({"start": start, "end": end, "code": code, "coder": coder,
                             "decision": decision, "corrected_code": corrected,
                             "suggestion_id": v.get("suggestion_id") or None,
                             "comment": v.get("comment") or None, "row": row.number})
    for unit in units.values():
        unit.codes = list(dict.fromkeys(unit.codes))
        both = [c for c in dict.fromkeys(unit.rejected) if c in unit.codes]
        conflicts += len(both)
        unit.rejected = [c for c in dict.fromkeys(unit.rejected) if c not in unit.codes]
    report = {"source": str(path), "rows": len(rows), "ignored": ignored,
              "decisions": dict(decisions), "conflicts": conflicts, "units": len(units),
              "not_in_run": not_in_run}
    return list(units.values()), report
