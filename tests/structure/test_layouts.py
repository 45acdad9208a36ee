"""Transcript layouts as transcription services, meeting tools and typists deliver them.

Each layout is written as a real file in the test, read by the reader for its format, and
segmented; turns must hold only what was said (no label, no timestamp), with the right speaker,
role and time, and exact offsets.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.readers import ReaderConfig, read_file
from pipeline.structure import StructureOptions, structure_document

TIME_OR_LABEL = re.compile(r"\d{1,2}:\d{2}|^(?:I|R|Interviewer|Respondent|Spreker \d)\b")

QUESTION_1 = "Kunt u een situatie beschrijven waarin u echt moest kiezen?"
ANSWER_1 = "Ja, meneer, vorige week nog. Ik heb toen besloten om [naam] niet meteen te melden."
QUESTION_2 = "Waarom wachtte u?"
ANSWER_2 = "Omdat XXX van [organisatie] al betrokken was en R1 dat ook vond."


def _segment(path: Path):
    [doc] = read_file(path, ReaderConfig())
    return structure_document(doc, StructureOptions())


def _check_turns(doc, units, speakers, roles, times=None):
    assert doc.kind == "transcript"
    assert [u.speaker for u in units] == speakers
    assert [u.role for u in units] == roles
    if times is not None:
        assert [u.timestamp for u in units] == times
    for u in units:
        assert doc.text[u.start:u.end] == u.text
        assert not TIME_OR_LABEL.search(u.text), u.text
    return [u.text for u in units]


TIMES = ["00:00:12", "00:00:20", "00:01:02", "00:01:05"]
TURNS = [QUESTION_1, ANSWER_1, QUESTION_2, ANSWER_2]
I_R = ["I", "R", "I", "R"]
SPREKERS = ["Spreker 1", "Spreker 2", "Spreker 1", "Spreker 2"]


def _layout(line: str, labels: list[str], times: list[str] = TIMES) -> str:
    """The four turns written in one layout: ``line`` formats each from {label}, {time}, {text}."""
    return "".join(line.format(label=label, time=time, text=text)
                   for label, time, text in zip(labels, times, TURNS))


TEXT_LAYOUTS = {
    "label_then_bracket_time": (_layout("{label}: [{time}] {text}\n", I_R), I_R),
    "label_paren_time_colon": (_layout("{label} ({time}): {text}\n", I_R), I_R),
    "numbered_speaker_then_time": (_layout("{label} {time} {text}\n", SPREKERS), SPREKERS),
    "speaker_line_text_below": (_layout("{label}   {time}\n{text}\n\n", SPREKERS), SPREKERS),
    "role_bracket_time_line": (_layout("{label} [{time}]\n{text}\n", ["Interviewer", "Respondent"] * 2),
                               ["Interviewer", "Respondent"] * 2),
    # time first, the speaker alone on the line, the text below (Happy Scribe, Amberscript)
    "time_then_speaker_line_text_below": (_layout("[{time}.06] - {label}\n{text}\n\n", SPREKERS), SPREKERS),
    "bare_time_then_speaker_line": (_layout("{time} {label}\n{text}\n\n", SPREKERS), SPREKERS),
    # tab-separated columns (meeting tools' text exports)
    "time_tab_speaker_tab_text": (_layout("{time}\t{label}\t{text}\n", SPREKERS), SPREKERS),
    # a time alone on its line above each turn (typists, video tools)
    "time_alone_above_label_and_text": (_layout("{time}\n{label}: {text}\n\n", I_R), I_R),
    # f4transkript / f5transkript: a time mark at the end of each paragraph
    "f4_time_marks": (_layout("{label}: {text} #{time}-4#\n\n", ["I", "B", "I", "B"]), ["I", "B", "I", "B"]),
    "bracketed_time_alone_above_label_line": (
        _layout("[{time}]\n{label}:\n{text}\n\n", ["INTERVIEWER", "RESPONDENT"] * 2,
                [t[1:] for t in TIMES]),  # "[0:00:12]"
        ["INTERVIEWER", "RESPONDENT"] * 2),
}


@pytest.mark.parametrize("layout", sorted(TEXT_LAYOUTS))
def test_text_layouts_give_clean_turns_speakers_roles_and_times(tmp_path: Path, layout: str) -> None:
    text, speakers = TEXT_LAYOUTS[layout]
    path = tmp_path / f"{layout}.txt"
    path.write_text(text, encoding="utf-8")

    doc, units = _segment(path)

    texts = _check_turns(doc, units, speakers, ["interviewer", "respondent"] * 2, TIMES)
    assert texts == [QUESTION_1, ANSWER_1, QUESTION_2, ANSWER_2]


def test_turn_under_a_speaker_line_runs_over_paragraphs_until_the_next_speaker(tmp_path: Path) -> None:
    path = tmp_path / "dictation.txt"
    path.write_text(f"Spreker 1   00:00:05\n{QUESTION_1}\n\nSpreker 2   00:00:11\nIk ben wijkverpleegkundige.\n\n"
                    f"Ik werk al twaalf jaar in deze wijk.\n\nSpreker 1   00:00:40\n{QUESTION_2}\n\n"
                    f"Spreker 2   00:00:46\n{ANSWER_2}\n", encoding="utf-8")

    doc, units = _segment(path)

    texts = _check_turns(doc, units, ["Spreker 1", "Spreker 2"] * 2, ["interviewer", "respondent"] * 2,
                         ["00:00:05", "00:00:11", "00:00:40", "00:00:46"])
    assert texts[1] == "Ik ben wijkverpleegkundige.\n\nIk werk al twaalf jaar in deze wijk."


def test_header_block_is_metadata_not_a_turn(tmp_path: Path) -> None:
    path = tmp_path / "met_kop.txt"
    path.write_text("Project: Beslissen in de wijk\nDatum: 12 maart 2024\nRespondentcode: R07\n"
                    "Duur: 54 minuten\n\nTranscript:\n\n" + TEXT_LAYOUTS["label_then_bracket_time"][0],
                    encoding="utf-8")

    doc, units = _segment(path)

    _check_turns(doc, units, ["I", "R", "I", "R"], ["interviewer", "respondent"] * 2, TIMES)
    assert doc.metadata["header"] == {"Project": "Beslissen in de wijk", "Datum": "12 maart 2024",
                                      "Respondentcode": "R07", "Duur": "54 minuten"}


def test_a_diary_line_with_a_time_is_not_taken_for_a_speaker(tmp_path: Path) -> None:
    path = tmp_path / "dagboek.txt"
    path.write_text("Dag 3 09:30 huisbezoek bij mw. K.\nBesluit: toch de huisarts gebeld.\n"
                    "Dag 4 10:15 overleg met het team\nBesluit: nog een week gewacht.\n", encoding="utf-8")

    doc, _units = _segment(path)

    assert doc.kind == "diary"
    assert "09:30 huisbezoek" in doc.text


def test_clock_times_before_diary_activities_are_not_speakers(tmp_path: Path) -> None:
    """Diaries put clock times (no seconds) before activities, on a line of their own and in
    columns; a time first counts only as a transcription tool's running time (with seconds)."""
    text = ("Maandag\n09:30 Huisbezoek\nMevrouw had weer niet gegeten. Ik heb besloten de dochter te bellen.\n"
            "14:00 Teamoverleg\nCasus ingebracht, besluit: wachten tot vrijdag.\n\n"
            "Dinsdag\n09:30 Huisbezoek\nDochter was er, samen de maaltijden geregeld.\n"
            "14:00 Teamoverleg\nTeam akkoord.\n10:15\tBellen\thuisarts\n11:15\tBellen\tapotheek\n")
    path = tmp_path / "dagboek.txt"
    path.write_text(text, encoding="utf-8")

    doc, units = _segment(path)

    assert doc.kind != "transcript"
    assert doc.text == text.rstrip("\n")  # no line rewritten
    assert not any(u.speaker in {"Huisbezoek", "Teamoverleg", "Bellen"} for u in units)


def _docx(path: Path, build) -> Path:
    import docx

    document = docx.Document()
    build(document)
    document.save(path)
    return path


def test_docx_bold_speaker_labels(tmp_path: Path) -> None:
    def build(document):
        document.add_paragraph("Interview wijkverpleegkundige, 12 maart")
        for label, words in (("Interviewer", QUESTION_1), ("Respondent", ANSWER_1),
                             ("Interviewer", QUESTION_2), ("Respondent", ANSWER_2)):
            p = document.add_paragraph()
            p.add_run(label).bold = True
            p.add_run(f"  {words}")

    doc, units = _segment(_docx(tmp_path / "vet.docx", build))

    texts = _check_turns(doc, units, ["Interviewer", "Respondent"] * 2, ["interviewer", "respondent"] * 2)
    assert texts == [QUESTION_1, ANSWER_1, QUESTION_2, ANSWER_2]
    assert doc.metadata["header"] == {"title": "Interview wijkverpleegkundige, 12 maart"}


def test_docx_bold_lead_ins_of_a_report_stay_as_written(tmp_path: Path) -> None:
    def build(document):
        for lead, words in (("Casus 1.", "Het gaat om meneer P."), ("Casus 2.", "Moeder heeft MS.")):
            p = document.add_paragraph()
            p.add_run(lead).bold = True
            p.add_run(f" {words}")

    [doc] = read_file(_docx(tmp_path / "verslag.docx", build), ReaderConfig())

    assert doc.text.splitlines() == ["Casus 1. Het gaat om meneer P.", "Casus 2. Moeder heeft MS."]


@pytest.mark.parametrize("with_header", [True, False], ids=["header-row", "by-content"])
def test_docx_table_with_time_speaker_and_text_columns(tmp_path: Path, with_header: bool) -> None:
    rows = [("00:00:12", "I", QUESTION_1), ("00:00:20", "R", ANSWER_1),
            ("00:01:02", "I", QUESTION_2), ("00:01:05", "R", ANSWER_2)]

    def build(document):
        table = document.add_table(rows=0, cols=3)
        for row in ([("Tijd", "Spreker", "Tekst")] if with_header else []) + rows:
            cells = table.add_row().cells
            for cell, value in zip(cells, row):
                cell.text = value

    doc, units = _segment(_docx(tmp_path / "tabel.docx", build))

    texts = _check_turns(doc, units, ["I", "R", "I", "R"], ["interviewer", "respondent"] * 2, TIMES)
    assert texts == [QUESTION_1, ANSWER_1, QUESTION_2, ANSWER_2]


TEAMS_VTT = f"""WEBVTT

3f1c2d9a-1b2c-4d5e-8f90-0a1b2c3d4e5f/12-0
00:00:12.000 --> 00:00:15.500
<v Sanne Bakker>Kunt u een situatie beschrijven</v>

3f1c2d9a-1b2c-4d5e-8f90-0a1b2c3d4e5f/12-1
00:00:15.500 --> 00:00:18.000
<v Sanne Bakker>waarin u echt moest kiezen?</v>

3f1c2d9a-1b2c-4d5e-8f90-0a1b2c3d4e5f/13-0
00:00:20.000 --> 00:00:24.000
<v Ahmed El Amrani>Ja, meneer, vorige week nog. Ik heb toen besloten</v>

3f1c2d9a-1b2c-4d5e-8f90-0a1b2c3d4e5f/13-1
00:00:24.000 --> 00:00:28.000
<v Ahmed El Amrani>om [naam] niet meteen te melden.</v>

3f1c2d9a-1b2c-4d5e-8f90-0a1b2c3d4e5f/14-0
00:01:02.000 --> 00:01:04.000
<v Sanne Bakker>Waarom wachtte u?</v>

3f1c2d9a-1b2c-4d5e-8f90-0a1b2c3d4e5f/15-0
00:01:05.000 --> 00:01:09.000
<v Ahmed El Amrani>{ANSWER_2}</v>
"""

ZOOM_VTT = f"""WEBVTT

1
00:00:12.000 --> 00:00:15.500
Sanne Bakker: Kunt u een situatie beschrijven

2
00:00:15.500 --> 00:00:18.000
Sanne Bakker: waarin u echt moest kiezen?

3
00:00:20.000 --> 00:00:24.000
Ahmed El Amrani: Ja, meneer, vorige week nog. Ik heb toen besloten

4
00:00:24.000 --> 00:00:28.000
Ahmed El Amrani: om [naam] niet meteen te melden.

5
00:01:02.000 --> 00:01:04.000
Sanne Bakker: Waarom wachtte u?

6
00:01:05.000 --> 00:01:09.000
Ahmed El Amrani: {ANSWER_2}
"""

SRT_SPREAD = f"""1
00:00:12,000 --> 00:00:15,500
Sanne Bakker: Kunt u een situatie beschrijven

2
00:00:15,500 --> 00:00:18,000
waarin u echt moest kiezen?

3
00:00:20,000 --> 00:00:24,000
Ahmed El Amrani: Ja, meneer, vorige week nog.
Ik heb toen besloten

4
00:00:24,000 --> 00:00:28,000
om [naam] niet meteen te melden.

5
00:01:02,000 --> 00:01:04,000
Sanne Bakker: Waarom wachtte u?

6
00:01:05,000 --> 00:01:09,000
Ahmed El Amrani: {ANSWER_2}
"""


@pytest.mark.parametrize(("name", "content"), [("teams.vtt", TEAMS_VTT), ("zoom.vtt", ZOOM_VTT),
                                                ("export.srt", SRT_SPREAD)])
def test_meeting_tool_cues_of_one_speaker_merge_into_one_turn(tmp_path: Path, name: str, content: str) -> None:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")

    doc, units = _segment(path)

    texts = _check_turns(doc, units, ["Sanne Bakker", "Ahmed El Amrani"] * 2,
                         ["interviewer", "respondent"] * 2, TIMES)
    assert texts == [QUESTION_1, ANSWER_1, QUESTION_2, ANSWER_2]


def test_anonymisation_marks_are_single_tokens(nlp) -> None:
    doc = nlp(ANSWER_2 + " Dat zei [naam] ook.")
    marks = {t.text: t._.mark for t in doc if t._.mark}
    assert marks == {"XXX": "placeholder", "[organisatie]": "placeholder", "R1": "placeholder",
                     "[naam]": "placeholder"}


def test_narratives_run_on_a_folder_of_layouts(tmp_path: Path) -> None:
    folder = tmp_path / "transcripten"
    folder.mkdir()
    for layout, (text, _) in TEXT_LAYOUTS.items():
        (folder / f"{layout}.txt").write_text(text, encoding="utf-8")
    (folder / "teams.vtt").write_text(TEAMS_VTT, encoding="utf-8")
    (folder / "export.srt").write_text(SRT_SPREAD, encoding="utf-8")

    done = subprocess.run([sys.executable, "-m", "pipeline", "run", str(folder), "--out", str(tmp_path / "out")],
                          capture_output=True, text=True, timeout=600)

    assert done.returncode == 0, done.stderr
    docs = {json.loads(line)["doc_id"]: json.loads(line)
            for line in (tmp_path / "out" / "documents.jsonl").read_text(encoding="utf-8").splitlines()}
    segments = [json.loads(line) for line in (tmp_path / "out" / "segments.jsonl").read_text(encoding="utf-8").splitlines()]
    assert len(docs) == len(TEXT_LAYOUTS) + 2
    by_doc: dict[str, list[dict]] = {}
    for s in segments:
        by_doc.setdefault(s["doc_id"], []).append(s)
        assert docs[s["doc_id"]]["text"][s["start"]:s["end"]] == s["text"]
        assert not TIME_OR_LABEL.search(s["text"]), s["text"]
    for doc_id, segs in by_doc.items():
        assert [s["role"] for s in segs] == ["interviewer", "respondent"] * 2, doc_id
        assert [s["timestamp"] for s in segs] == TIMES, doc_id
        assert segs[1]["text"] == ANSWER_1, doc_id
