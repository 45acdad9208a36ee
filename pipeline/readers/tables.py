"""Tables (.csv, .tsv, .xlsx, .jsonl): rows become documents or the turns of a document.

Researchers keep transcripts and diary entries in spreadsheets, one row per turn or entry. Which
column holds what is set in ReaderConfig; every other column is kept as document metadata.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from pipeline.errors import InputError
from pipeline.model import DOCUMENT_KINDS, Document

from .common import (
    ReaderConfig,
    base_metadata,
    doc_id_base,
    format_timestamp,
    open_zip,
    read_bytes,
    reject_ole2,
)
from .text import decode_bytes, normalise_text, one_line

_TIME_COLUMNS = ("timestamp", "time")
_RESERVED_KEYS = {"format", "encoding", "title", "sheet", "rows", "speakers", "speaker_roles",
                  "line_timestamps"}
Row = dict[str, Any]


def read_csv(path: Path, config: ReaderConfig, root: Path | None) -> list[Document]:
    """Read a .csv (delimiter sniffed) or .tsv file; the first row is the header."""
    data = read_bytes(path, config.max_bytes)
    text, encoding = decode_bytes(data, path, config)
    text = text.lstrip("\ufeff")
    delimiter = "\t" if path.suffix.lower() == ".tsv" else _sniff_delimiter(text)
    # Whole interviews can sit in one cell, far beyond csv's default limit of 128 KiB.
    csv.field_size_limit(max(csv.field_size_limit(), min(config.max_bytes, sys.maxsize)))
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        records = [record for record in reader if any(cell.strip() for cell in record)]
    except csv.Error:
        raise InputError(path, f"The {path.suffix.lower()} file is malformed near line "
                               f"{reader.line_num}.") from None
    if not records:
        raise InputError(path, "The file contains no rows.")
    header = _header_names(records[0])
    rows = [dict(zip(header, record, strict=False)) for record in records[1:]]
    return _documents(path, root, config, header, rows, {"encoding": encoding})


def read_xlsx(path: Path, config: ReaderConfig, root: Path | None) -> list[Document]:
    """Read the first sheet of an .xlsx with openpyxl (read-only); the first row is the header."""
    import openpyxl

    data = read_bytes(path, config.max_bytes)
    reject_ole2(path, data)
    open_zip(path, data, config.max_bytes, ".xlsx file").close()
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:  # openpyxl's failures on a broken workbook have no common type
        raise InputError(path, "The file is not a valid .xlsx file (corrupt or another format).") \
            from error
    try:
        sheet = workbook.worksheets[0]
        records = [list(values) for values in sheet.iter_rows(values_only=True)
                   if any(value not in (None, "") for value in values)]
        sheet_title = sheet.title
    except Exception as error:  # read-only sheets parse lazily, so errors can come late
        raise InputError(path, "The .xlsx file is corrupt (its first sheet cannot be read).") \
            from error
    finally:
        workbook.close()
    if not records:
        raise InputError(path, "The first sheet contains no rows.")
    header = _header_names(records[0])
    rows = [dict(zip(header, record, strict=False)) for record in records[1:]]
    return _documents(path, root, config, header, rows, {"sheet": sheet_title})


def read_jsonl(path: Path, config: ReaderConfig, root: Path | None) -> list[Document]:
    """Read JSON Lines: one object per line, blank lines ignored; keys are the columns."""
    data = read_bytes(path, config.max_bytes)
    text, encoding = decode_bytes(data, path, config)
    header: dict[str, None] = {}
    rows: list[Row] = []
    # split("\n"), not splitlines(): JSON strings may hold U+2028, which is no line break here.
    for number, line in enumerate(text.lstrip("\ufeff").split("\n"), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except (json.JSONDecodeError, RecursionError):
            raise InputError(path, f"Line {number} is not valid JSON.") from None
        if not isinstance(record, dict):
            raise InputError(path, f"Line {number} is not a JSON object.")
        header.update(dict.fromkeys(str(key) for key in record))
        rows.append({str(key): value for key, value in record.items()})
    if not rows:
        raise InputError(path, "The file contains no JSON objects.")
    return _documents(path, root, config, list(header), rows, {"encoding": encoding})


def _sniff_delimiter(text: str) -> str:
    """Sniff the delimiter; fall back to the commonest candidate in the header line."""
    sample = text[:65_536]
    first_line = sample.split("\n", 1)[0]
    try:
        delimiter = csv.Sniffer().sniff(sample, delimiters=",;\t|").delimiter
        if delimiter in first_line:
            return delimiter
    except csv.Error:
        pass
    counts = {candidate: first_line.count(candidate) for candidate in (";", ",", "\t", "|")}
    best = max(counts, key=lambda candidate: counts[candidate])
    return best if counts[best] else ","


def _header_names(cells: Sequence[Any]) -> list[str]:
    """Header cells as unique names; an empty header cell becomes column_<n>."""
    names: list[str] = []
    for index, cell in enumerate(cells, start=1):
        name = _cell_text(cell).strip() or f"column_{index}"
        while name in names:
            name = f"{name}_{index}"
        names.append(name)
    return names


def _find_column(header: Iterable[str], name: str | None) -> str | None:
    """The header name that matches ``name`` ignoring case and surrounding spaces."""
    if not name:
        return None
    wanted = name.strip().casefold()
    return next((column for column in header if column.strip().casefold() == wanted), None)


def _require_column(path: Path, header: list[str], name: str, role: str) -> str:
    column = _find_column(header, name)
    if column is None:
        found = ", ".join(f"'{c}'" for c in header) or "none"
        raise InputError(path, f"The {role} column '{name}' was not found; columns found: {found}.")
    return column


def _cell_text(value: Any) -> str:
    """A cell as text: whole floats without '.0', times as ISO strings, JSON values as JSON."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _metadata_value(value: Any) -> Any:
    """A cell as a JSON-friendly metadata value; None for an empty cell."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, (bool, int, float, dict, list)):
        return value
    return _cell_text(value).strip()


def _documents(path: Path, root: Path | None, config: ReaderConfig, header: list[str],
               rows: list[Row], extra: dict[str, Any]) -> list[Document]:
    """Group rows into documents and write their turns, per the config's column names."""
    text_column = _require_column(path, header, config.table_text_column, "text")
    # The configured id column, else a column named "id"; without either, a row is a document.
    id_column = _find_column(header, config.table_id_column) or _find_column(header, "id")
    speaker_column = _find_column(header, config.table_speaker_column)
    role_column = _find_column(header, config.table_role_column)
    kind_column = _find_column(header, config.table_kind_column)
    time_column = next((c for c in (_find_column(header, n) for n in _TIME_COLUMNS) if c), None)
    used = {text_column, id_column, speaker_column, role_column, kind_column, time_column}
    extra_columns = [column for column in header if column not in used]

    groups: dict[str, list[tuple[int, Row]]] = {}
    current_id: str | None = None
    for number, row in enumerate(rows, start=1):
        if id_column is None:
            key = str(number)
        else:
            # An empty id continues the previous one (ids often fill only a group's first row).
            current_id = _cell_text(row.get(id_column)).strip() or current_id
            if current_id is None:
                raise InputError(path, f"Data row {number} has no value in the id column "
                                       f"'{id_column}'.")
            key = current_id
        groups.setdefault(key, []).append((number, row))

    base = doc_id_base(path, root)
    documents = []
    for key, members in groups.items():
        document = _group_document(path, members, text_column, speaker_column, role_column,
                                   kind_column, time_column, extra_columns)
        if document is None:
            continue
        text, kind, metadata = document
        metadata = base_metadata(path, **extra) | metadata
        documents.append(Document(doc_id=f"{base}#{key}", source=str(path), text=text, kind=kind,
                                  metadata=metadata))
    if not documents:
        raise InputError(path, f"No row has text in the column '{text_column}'.")
    return documents


def _group_document(path: Path, members: list[tuple[int, Row]], text_column: str,
                    speaker_column: str | None, role_column: str | None, kind_column: str | None,
                    time_column: str | None, extra_columns: list[str]
                    ) -> tuple[str, str | None, dict[str, Any]] | None:
    """Text, kind and metadata of one document from its rows; None when no row has text."""
    turns = speaker_column is not None or role_column is not None
    lines: list[str] = []
    line_index = 0
    timestamps: dict[int, str] = {}
    speakers: list[str] = []
    roles: dict[str, str] = {}
    kind: str | None = None
    used_rows: list[tuple[int, Row]] = []
    for number, row in members:
        raw = _cell_text(row.get(text_column))
        # With speakers every row is one turn on one line; otherwise a row keeps its own lines.
        content = one_line(raw) if turns else normalise_text(raw)
        if not content.strip():
            continue
        used_rows.append((number, row))
        speaker = one_line(_cell_text(row.get(speaker_column))) if speaker_column else ""
        role = one_line(_cell_text(row.get(role_column))) if role_column else ""
        label = speaker or role
        line = f"{label}: {content}" if label else content
        if label and label not in speakers:
            speakers.append(label)
        if label and role:
            roles.setdefault(label, role.lower())
        if time_column:
            stamp = format_timestamp(row.get(time_column))
            if stamp:
                timestamps[line_index] = stamp
        if kind_column and kind is None:
            kind = _kind(path, number, kind_column, row.get(kind_column))
        lines.append(line)
        line_index += line.count("\n") + 1
    if not lines:
        return None
    metadata: dict[str, Any] = {"rows": [number for number, _ in used_rows]}
    if turns:
        metadata["speakers"] = speakers
    if role_column:
        metadata["speaker_roles"] = roles
    if time_column:
        metadata["line_timestamps"] = timestamps
    for column in extra_columns:
        values = [_metadata_value(row.get(column)) for _, row in used_rows]
        if all(value is None for value in values):
            continue
        key = f"column_{column}" if column.casefold() in _RESERVED_KEYS else column
        distinct = {json.dumps(value, sort_keys=True, default=str) for value in values}
        metadata[key] = values[0] if len(distinct) == 1 else values
    return "\n".join(lines), kind, metadata


def _kind(path: Path, number: int, column: str, value: Any) -> str | None:
    """The document kind from a kind cell; an unknown value is an error the user can fix."""
    kind = _cell_text(value).strip().lower()
    if not kind:
        return None
    if kind not in DOCUMENT_KINDS:
        raise InputError(path, f"Data row {number} has an unknown kind in column '{column}'; "
                               f"expected one of: {', '.join(DOCUMENT_KINDS)}.")
    return kind
