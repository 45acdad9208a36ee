"""Tables: rows grouped into documents, speaker turns, timestamps, extra columns and bad input."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path

import pytest

from pipeline.errors import InputError
from pipeline.readers import ReaderConfig, read_file
from pipeline.readers.text import normalise_text

GROUPED_CSV = ("interview;speaker;role;timestamp;text;profession\r\n"
               "hv01;I;interviewer;00:00:05;Hoe begint u?;huisarts\r\n"
               "hv01;R;respondent;[00:00:09];\"Nou, eh,\r\ndat hangt ervan af.\";huisarts\r\n"
               "hv02;I;interviewer;1:02:03;Wat deed u toen?;wijkverpleegkundige\r\n"
               ";R;respondent;;Ik belde de huisarts.;\r\n")


def test_csv_rows_grouped_by_id_with_speakers_and_timestamps(tmp_path: Path) -> None:
    path = tmp_path / "turns.csv"
    path.write_text(GROUPED_CSV, encoding="utf-8", newline="")

    first, second = read_file(path, ReaderConfig(table_id_column="interview"), root=tmp_path)

    assert first.doc_id == "turns#hv01"
    assert first.text == "I: Hoe begint u?\nR: Nou, eh, dat hangt ervan af."
    assert first.metadata == {
        "format": "csv", "encoding": "utf-8", "rows": [1, 2],
        "speakers": ["I", "R"], "speaker_roles": {"I": "interviewer", "R": "respondent"},
        "line_timestamps": {0: "00:00:05", 1: "00:00:09"}, "profession": "huisarts",
    }
    # An empty id continues the previous document.
    assert second.doc_id == "turns#hv02"
    assert second.text == "I: Wat deed u toen?\nR: Ik belde de huisarts."
    assert second.metadata["line_timestamps"] == {0: "01:02:03"}
    assert second.metadata["profession"] == ["wijkverpleegkundige", None]


def test_each_row_is_a_document_without_id_column_and_kind_is_read(tmp_path: Path) -> None:
    path = tmp_path / "dagboek.csv"
    path.write_text("Text,Kind,week\n"
                    "\"Beslissing 1\n\nIk wachtte af.\",Diary,1\n"
                    ",diary,1\n"
                    "Verslag van het overleg.,report,2\n", encoding="utf-8")

    first, third = read_file(path)

    assert (first.doc_id, third.doc_id) == ("dagboek#1", "dagboek#3")
    assert first.text == "Beslissing 1\n\nIk wachtte af."
    assert (first.kind, third.kind) == ("diary", "report")
    assert first.metadata == {"format": "csv", "encoding": "utf-8", "rows": [1], "week": "1"}
    assert "speakers" not in first.metadata


def test_multiline_rows_without_speakers_count_lines_for_timestamps(tmp_path: Path) -> None:
    path = tmp_path / "notities.jsonl"
    rows = [{"id": "a", "time": "00:01:00", "text": "regel een\nregel twee"},
            {"id": "a", "time": "00:02:00", "text": "regel drie"}]
    path.write_text("\n".join(json.dumps(row) for row in rows), encoding="utf-8")

    [doc] = read_file(path, ReaderConfig(table_id_column="id"))

    assert doc.text == "regel een\nregel twee\nregel drie"
    assert doc.metadata["line_timestamps"] == {0: "00:01:00", 2: "00:02:00"}
    assert doc.text.split("\n")[2] == "regel drie"


def test_tsv_and_cp1252(tmp_path: Path) -> None:
    path = tmp_path / "oud.tsv"
    path.write_bytes("speaker\ttext\nR\tCliënt kreeg €50; dat was, eh, genoeg.\n".encode("cp1252"))

    [doc] = read_file(path)

    assert doc.text == "R: Cliënt kreeg €50; dat was, eh, genoeg."
    assert doc.metadata["encoding"] == "cp1252"
    assert doc.metadata["format"] == "tsv"


def test_xlsx_first_sheet_with_time_cells(write_xlsx: Callable[..., Path]) -> None:
    path = write_xlsx([["id", "speaker", "time", "text", "leeftijd"],
                       [7, "I", dt.time(0, 12, 31), "Hoe ging dat?", 43],
                       [7, "R", dt.time(0, 12, 40), "Goed\u00a0hoor.  ", 43],
                       [None, None, None, None, None]])

    [doc] = read_file(path, ReaderConfig(table_id_column="id"))

    assert doc.doc_id == "turns#7"
    assert doc.text == "I: Hoe ging dat?\nR: Goed hoor."
    assert doc.metadata == {"format": "xlsx", "sheet": "Interviews", "rows": [1, 2],
                            "speakers": ["I", "R"],
                            "line_timestamps": {0: "00:12:31", 1: "00:12:40"}, "leeftijd": 43}


def test_jsonl_rows(tmp_path: Path) -> None:
    path = tmp_path / "export.jsonl"
    path.write_text('{"text": "Eerste", "meta": {"bron": "teams"}}\n\n'
                    '{"text": "Tweede", "speaker": "Anna"}\n', encoding="utf-8")

    first, second = read_file(path)

    assert first.text == "Eerste"
    assert first.metadata["meta"] == {"bron": "teams"}
    assert first.metadata["speakers"] == []
    assert second.text == "Anna: Tweede"
    assert second.metadata["speakers"] == ["Anna"]


@pytest.mark.parametrize(("content", "reason"), [
    ('{"text": "goed"}\n{"text": "Mevrouw Jansen zei \n', "Line 2 is not valid JSON"),
    ('{"text": "goed"}\n\n["Mevrouw Jansen"]\n', "Line 3 is not a JSON object"),
], ids=["bad-json", "not-an-object"])
def test_bad_jsonl_line_is_named(tmp_path: Path, content: str, reason: str) -> None:
    path = tmp_path / "fout.jsonl"
    path.write_text(content, encoding="utf-8")

    with pytest.raises(InputError, match=reason) as caught:
        read_file(path)

    assert "Jansen" not in caught.value.reason


def test_missing_text_column_names_the_columns_found(tmp_path: Path) -> None:
    path = tmp_path / "zonder.csv"
    path.write_text("spreker,uiting\nR,Mevrouw Jansen\n", encoding="utf-8")

    expected = "'text' was not found; columns found: 'spreker', 'uiting'"
    with pytest.raises(InputError, match=expected):
        read_file(path)


def test_missing_id_column_falls_back_to_id_then_one_document_per_row(tmp_path: Path) -> None:
    with_id = tmp_path / "met_id.csv"
    with_id.write_text("id,text\na,eerste\nb,tweede\n", encoding="utf-8")
    without = tmp_path / "zonder_id.csv"
    without.write_text("text\neerste\ntweede\n", encoding="utf-8")

    by_id = list(read_file(with_id, ReaderConfig(table_id_column="respondent")))
    by_row = list(read_file(without, ReaderConfig(table_id_column="respondent")))

    assert [d.doc_id for d in by_id] == ["met_id#a", "met_id#b"]
    assert [d.text for d in by_row] == ["eerste", "tweede"]


def test_unknown_kind_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "soort.csv"
    path.write_text("text,kind\nhallo,dagboek\n", encoding="utf-8")

    with pytest.raises(InputError, match="unknown kind in column 'kind'"):
        read_file(path)


@pytest.mark.parametrize(("suffix", "content", "reason"), [
    (".csv", "text\n\n", "No row has text in the column 'text'."),
    (".csv", "text,speaker\n ,R\n", "No row has text in the column 'text'."),
    (".jsonl", "\n\n \n", "The file contains no JSON objects."),
], ids=["header-only", "empty-text", "blank-jsonl"])
def test_tables_without_text(tmp_path: Path, suffix: str, content: str, reason: str) -> None:
    path = tmp_path / f"leeg{suffix}"
    path.write_text(content, encoding="utf-8")

    with pytest.raises(InputError) as caught:
        read_file(path)

    assert caught.value.reason == reason


def test_table_text_is_already_normalised(tmp_path: Path) -> None:
    path = tmp_path / "ruw.csv"
    path.write_text('id,text\n1,"  ingesprongen\u00a0 \r\n\r\n\r\n\r\n\r\nslot\x07"\n1,tweede\n',
                    encoding="utf-8")

    [doc] = read_file(path, ReaderConfig(table_id_column="id"))

    assert normalise_text(doc.text) == doc.text
    assert doc.text == "  ingesprongen\n\n\nslot\ntweede"
