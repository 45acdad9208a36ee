"""Speaker turns and roles in the forms transcribers write them."""

from __future__ import annotations

import pytest

from pipeline.model import Document
from pipeline.structure import StructureOptions, detect_kind, structure_document


def _turns(text: str, **options):
    doc, units = structure_document(Document("t", "t.txt", text), StructureOptions(**options))
    return doc, units


@pytest.mark.parametrize(
    ("first", "second", "interviewer", "respondent"),
    [
        ("I:", "R:", "I", "R"),
        ("Interviewer:", "Respondent:", "Interviewer", "Respondent"),
        ("Int.:", "Marieke:", "Int.", "Marieke"),
        ("Int.", "Marieke:", "Int.", "Marieke"),
        ("Onderzoeker:", "Huisarts:", "Onderzoeker", "Huisarts"),
        ("[00:12:31] I:", "[00:12:40] R:", "I", "R"),
        ("00:12:31 Sanne:", "00:12:45 Ahmed:", "Sanne", "Ahmed"),
        ("Anna de Vries:", "Wijkagent:", "Anna de Vries", "Wijkagent"),
    ],
    ids=["I-R", "full-words", "int-dot-colon", "int-dot", "roles", "bracket-time", "bare-time", "full-name"],
)
def test_labels_speakers_and_roles(first, second, interviewer, respondent):
    text = (f"{first} Hoe begon dat gesprek?\n"
            f"{second} Nou, eh, ik heb eerst gewoon geluisterd. Dat was het belangrijkste.\n"
            f"{first} En toen?\n"
            f"{second} Toen heb ik besloten de huisarts te bellen, want het ging echt niet meer.\n")

    doc, units = _turns(text)

    assert doc.kind == "transcript"
    assert [u.speaker for u in units] == [interviewer, respondent] * 2
    assert [u.role for u in units] == ["interviewer", "respondent"] * 2
    assert units[1].text.startswith("Nou, eh")
    for u in units:
        assert doc.text[u.start:u.end] == u.text


def test_timestamps_leave_the_text_and_become_metadata():
    text = "[00:12:31] I: Vertel eens.\n[00:12:35] R: Ik twijfelde lang.\n"

    doc, units = _turns(text)

    assert "00:12" not in doc.text
    assert [u.timestamp for u in units] == ["00:12:31", "00:12:35"]
    assert doc.metadata["timestamps"] == ["00:12:31", "00:12:35"]


def test_continuation_lines_and_preamble():
    text = ("Interview huisarts\nProject: besluitvorming in de eerste lijn\n\n"
            "I: Wat deed je toen?\n"
            "R: Ik heb gebeld.\n\nDaarna heb ik het met mijn collega besproken.\n"
            "I: Oké.\n")

    doc, units = _turns(text)

    speakers = [u.speaker for u in units]
    assert speakers == ["I", "R", "I"]
    assert units[1].text == "Ik heb gebeld.\n\nDaarna heb ik het met mijn collega besproken."
    assert doc.metadata["header"] == {"title": "Interview huisarts",
                                      "Project": "besluitvorming in de eerste lijn"}


def test_configured_roles_win_and_unknown_third_speaker_is_other():
    text = ("Lotte: Hoe kijk je daarop terug?\nAhmed: Goed, denk ik.\nKim: Mag ik iets aanvullen?\n"
            "Lotte: Natuurlijk?\nAhmed: Ik had het zo weer gedaan, eerlijk gezegd, ook al was het zwaar.\n")

    _, default_units = _turns(text)
    _, configured = _turns(text, roles={"kim": "respondent", "Ahmed": "other"})

    assert {u.speaker: u.role for u in default_units} == {
        "Lotte": "interviewer", "Ahmed": "respondent", "Kim": "other"}
    assert {u.speaker: u.role for u in configured}["Kim"] == "respondent"
    assert {u.speaker: u.role for u in configured}["Ahmed"] == "other"


def test_section_keywords_are_not_speakers():
    text = ("Beslissing 1 – maandag 3 maart\nSituatie: cliënt belde in paniek.\n"
            "Besluit: ik ben langsgegaan.\nReflectie: goed gedaan.\n"
            "Beslissing 2 – dinsdag 4 maart\nSituatie: rustige dag.\n")

    assert detect_kind(Document("d", "d.txt", text)) == "diary"


def test_long_turn_is_split_at_sentence_ends():
    sentence = "Ik heb dat toen met de cliënt besproken en we zijn samen tot een plan gekomen. "
    text = "I: En?\nR: " + sentence * 40 + "\n"

    doc, units = _turns(text, max_unit_chars=500)

    respondent = [u for u in units if u.role == "respondent"]
    assert len(respondent) > 1
    assert all(u.end - u.start <= 500 for u in respondent)
    assert all(u.speaker == "R" for u in respondent)
    assert "".join(doc.text[u.start:u.end] for u in respondent).replace(" ", "") == (sentence * 40).replace(" ", "")
