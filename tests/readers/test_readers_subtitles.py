"""Subtitle files: cues merged into speaker turns, one line each, with the turn's start time."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.errors import InputError
from pipeline.readers import read_file

VTT = """WEBVTT - Interview wijkverpleging

NOTE exported by a transcription tool

1
00:00:01.000 --> 00:00:04.000 line:0 align:start
<v Interviewer>Hoe begint u zo'n gesprek?</v>

2
00:00:04.500 --> 00:00:07.000
<v.loud Anna de Vries>Nou, eh, <i>dat</i> hangt ervan af.

3
00:00:07.000 --> 00:00:09.250
<v Anna de Vries><c.yellow>Soms</c> &amp; meestal &lt;rustig&gt;.

00:01:02.000 --> 00:01:04.000
<v Interviewer>En dan?
"""


def test_vtt_voices_merge_into_turns(tmp_path: Path) -> None:
    path = tmp_path / "interview.vtt"
    path.write_text(VTT, encoding="utf-8")

    [doc] = read_file(path)

    assert doc.text == ("Interviewer: Hoe begint u zo'n gesprek?\n"
                        "Anna de Vries: Nou, eh, dat hangt ervan af. Soms & meestal <rustig>.\n"
                        "Interviewer: En dan?")
    assert doc.metadata["speakers"] == ["Interviewer", "Anna de Vries"]
    assert doc.metadata["line_timestamps"] == {0: "00:00:01", 1: "00:00:04", 2: "00:01:02"}
    assert doc.metadata["format"] == "vtt"
    assert doc.metadata["title"] == "Interview wijkverpleging"
    assert doc.kind is None


def test_vtt_name_prefix_and_unlabelled_continuation(tmp_path: Path) -> None:
    path = tmp_path / "zoom.vtt"
    path.write_text("WEBVTT\n\n"
                    "00:00:00.000 --> 00:00:02.000\nI: Wat deed u toen?\n\n"
                    "00:00:02.000 --> 00:00:05.000\nR: Ik dacht: ik wacht nog even.\n\n"
                    "00:00:05.000 --> 00:00:06.000\nDat voelde goed.\n",
                    encoding="utf-8")

    [doc] = read_file(path)

    assert doc.text == "I: Wat deed u toen?\nR: Ik dacht: ik wacht nog even. Dat voelde goed."
    assert doc.metadata["speakers"] == ["I", "R"]
    assert doc.metadata["line_timestamps"] == {0: "00:00:00", 1: "00:00:02"}


def _srt(cues: list[str]) -> str:
    return "".join(f"{i}\n00:00:{2 * i:02d},000 --> 00:00:{2 * i + 1:02d},500\n{text}\n\n"
                   for i, text in enumerate(cues, 1))


def test_bracketed_names_and_chevrons_open_turns(tmp_path: Path) -> None:
    """Caption tools write "[Naam] tekst" or "[Naam]: tekst" and broadcast captions ">> Naam:"."""
    path = tmp_path / "ondertitels.srt"
    path.write_text(_srt(["[Spreker 1] Hoe pakte u dat aan?", "[Anna de Vries]: Ik heb toen besloten te bellen.",
                          "Met de dochter, bedoel ik.", "[Spreker 1] En daarna?",
                          "[Anna de Vries]: Daarna de huisarts.", ">> Spreker 1: Dank u."]), encoding="utf-8")

    [doc] = read_file(path)

    assert doc.text == ("Spreker 1: Hoe pakte u dat aan?\n"
                        "Anna de Vries: Ik heb toen besloten te bellen. Met de dochter, bedoel ik.\n"
                        "Spreker 1: En daarna?\nAnna de Vries: Daarna de huisarts.\nSpreker 1: Dank u.")
    assert doc.metadata["speakers"] == ["Spreker 1", "Anna de Vries"]


def test_bracketed_placeholders_and_sounds_are_not_speakers(tmp_path: Path) -> None:
    """Transcripts bracket anonymised names and sounds too; those stay in the text."""
    cues = ["[Naam] belde me die ochtend.", "[Lacht] Nou ja, wat moest ik.", "[Naam] wilde niet.",
            "[Lacht] Toen heb ik besloten te wachten.", "[Ellen] zei dat ook.", "Een keer maar."]
    path = tmp_path / "geanonimiseerd.srt"
    path.write_text(_srt(cues), encoding="utf-8")

    [doc] = read_file(path)

    assert doc.text.split("\n") == cues
    assert doc.metadata["speakers"] == []


SRT = ("\ufeff1\r\n"
       "00:00:01,000 --> 00:00:03,500\r\n"
       "SPEAKER_01: <i>Goedemorgen,</i>\r\n"
       "welkom.\r\n"
       "\r\n"
       "2\r\n"
       "00:00:03,600 --> 00:00:05,000 X1:40 X2:600 Y1:20 Y2:50\r\n"
       "SPEAKER_01: {\\an8}Zullen we beginnen?\r\n"
       "\r\n"
       "3\r\n"
       "01:02:03,000 --> 01:02:05,000\r\n"
       "Jan van der Berg: Ja, 2024 was een zwaar jaar.\r\n"
       "\r\n"
       "2024\r\n"
       "\r\n")


def test_srt_cues_numbers_settings_and_tags_removed(tmp_path: Path) -> None:
    path = tmp_path / "sessie.srt"
    path.write_bytes(SRT.encode("utf-8"))

    [doc] = read_file(path)

    assert doc.text == ("SPEAKER_01: Goedemorgen, welkom. Zullen we beginnen?\n"
                        "Jan van der Berg: Ja, 2024 was een zwaar jaar. 2024")
    assert doc.metadata["speakers"] == ["SPEAKER_01", "Jan van der Berg"]
    assert doc.metadata["line_timestamps"] == {0: "00:00:01", 1: "01:02:03"}
    assert doc.metadata["encoding"] == "utf-8"


def test_srt_without_speakers_keeps_one_line_per_cue(tmp_path: Path) -> None:
    path = tmp_path / "whisper.srt"
    path.write_text("1\n00:00:00,000 --> 00:00:02,000\nik dacht: dat doe ik niet.\n\n"
                    "2\n00:00:02,000 --> 00:00:04,000\nDus ik belde een collega.\n",
                    encoding="utf-8")

    [doc] = read_file(path)

    assert doc.text == "ik dacht: dat doe ik niet.\nDus ik belde een collega."
    assert doc.metadata["speakers"] == []
    assert doc.metadata["line_timestamps"] == {0: "00:00:00", 1: "00:00:02"}


@pytest.mark.parametrize(("name", "content", "reason"), [
    ("geen_kop.vtt", "00:00:01.000 --> 00:00:02.000\nTekst\n", "WEBVTT"),
    ("geen_tijden.srt", "1\nTekst zonder tijden\n", "malformed"),
    ("slechte_tijd.srt", "1\n00:99:01,000 --> 00:00:02,000\nTekst\n", "malformed"),
    ("zonder_cues.vtt", "WEBVTT\n\nNOTE alleen een notitie\n", "no text"),
], ids=["vtt-no-header", "srt-no-timings", "srt-bad-time", "vtt-no-cues"])
def test_malformed_subtitle_files(tmp_path: Path, name: str, content: str, reason: str) -> None:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")

    with pytest.raises(InputError, match=reason) as caught:
        read_file(path)

    assert "Tekst" not in caught.value.reason
