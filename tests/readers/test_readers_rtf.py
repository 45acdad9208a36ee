"""Rich Text Format, as f4transkript and WordPad save it: text, Dutch characters, turns, times."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.errors import InputError
from pipeline.readers import ReaderConfig, read_file
from pipeline.structure import StructureOptions, structure_document

# f4transkript's layout: a paragraph per turn, a time mark at its end; \'xx escapes in the
# ANSI code page, \u for what it lacks, a font table and formatting to ignore.
F4_RTF = (r"{\rtf1\ansi\ansicpg1252\deff0{\fonttbl{\f0\fswiss Arial;}}{\colortbl;\red0\green0\blue0;}"
          r"\viewkind4\uc1\pard\f0\fs22 I: Hoe is het met de cli\'ebnt gegaan? #00:00:05-2#\par"
          "\r\n\\par\r\n"
          r"B: Ik heb \b besloten\b0  de co\'f6rdinator te bellen \u8211? dat voelde als de goede "
          r"keuze, ook al wilde zij het niet. #00:00:12-8#\par\par "
          r"I: En daarna? #00:00:15-0#\par\par "
          r"B: Toen zijn we samen naar de huisarts gegaan. #00:00:21-4#\par}")


def test_f4_transcript_in_rtf_gives_turns_with_times(tmp_path: Path) -> None:
    path = tmp_path / "interview_07.rtf"
    path.write_bytes(F4_RTF.encode("ascii"))

    [doc] = read_file(path, ReaderConfig())
    doc, units = structure_document(doc, StructureOptions())

    assert doc.kind == "transcript" and doc.metadata["format"] == "rtf"
    assert [(u.speaker, u.role, u.timestamp) for u in units] == [
        ("I", "interviewer", "00:00:05"), ("B", "respondent", "00:00:12"),
        ("I", "interviewer", "00:00:15"), ("B", "respondent", "00:00:21")]
    assert units[1].text == ("Ik heb besloten de coördinator te bellen – dat voelde als de goede keuze, "
                             "ook al wilde zij het niet.")
    assert "cliënt" in units[0].text and "Arial" not in doc.text and "#" not in doc.text


@pytest.mark.parametrize(("content", "reason"), [
    (b"Dit is gewoon tekst met een verkeerde extensie.", "not a valid .rtf file"),
    (rb"{\rtf1\ansi{\fonttbl{\f0 Arial;}}\par\par}", "contains no text"),
], ids=["not-rtf", "no-text"])
def test_bad_rtf_files_name_the_file_and_the_problem(tmp_path: Path, content: bytes, reason: str) -> None:
    path = tmp_path / "kapot.rtf"
    path.write_bytes(content)

    with pytest.raises(InputError, match=reason) as caught:
        read_file(path, ReaderConfig())

    assert caught.value.source == str(path)
