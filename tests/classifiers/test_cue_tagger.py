"""The cue tagger: codebook cues on lemmas and phrases, scores, rules and evidence."""

from __future__ import annotations

import pytest

from pipeline.classifiers.cue_tagger import CueTagger
from pipeline.codebook import codebook_from_dict
from pipeline.nlp.units import make_unit_docs

CODEBOOK = {
    "id": "cues", "groups": [
        {"id": "decision_moment", "kind": "multi", "codes": [{"id": "decision_moment", "cues": [
            {"id": "besluit-lemma", "weight": 0.6, "lemmas": ["besluiten", "kiezen"]},
            {"id": "ik-heb-toen", "weight": 0.5, "phrases": ["ik heb toen"]},
            {"id": "ik-koos", "weight": 0.4, "pattern": [{"LEMMA": "ik"}, {"OP": "?"}, {"LEMMA": "afwegen"}]},
        ]}]},
        {"id": "decision_type", "kind": "single", "requires": "decision_moment", "codes": [
            {"id": "decision_type.logistiek", "cues": [{"id": "agenda", "weight": 0.8, "lemmas": ["agenda"]}]},
            {"id": "decision_type.relationeel", "cues": [{"id": "team", "weight": 0.7, "lemmas": ["team"]}]},
        ]},
    ]}


@pytest.fixture(scope="module")
def tagger(nlp):
    return CueTagger(nlp, "cues", codebook_from_dict(CODEBOOK))


def _doc(nlp, tagger, text, role="respondent"):
    doc = next(make_unit_docs(nlp, [text], [{"role": role}]))
    return tagger(nlp(doc))


def test_lemma_cue_matches_inflected_forms_with_evidence(nlp, tagger):
    doc = _doc(nlp, tagger, "Ik heb toen besloten de afspraak in mijn agenda te verzetten.")

    assert doc.cats["decision_moment"] == pytest.approx(1 - 0.4 * 0.5)
    assert doc._.codes == ["decision_moment", "decision_type.logistiek"]
    rules = {e["rule"]: e["text"] for e in doc._.evidence["decision_moment"]}
    assert rules == {"besluit-lemma": "besloten", "ik-heb-toen": "Ik heb toen"}
    for e in doc._.evidence["decision_moment"]:
        assert doc.text[e["start"]:e["end"]] == e["text"]
    assert {s.label_ for s in doc.spans["cues"]} == {"decision_moment", "decision_type.logistiek"}


def test_type_without_decision_moment_is_dropped(nlp, tagger):
    doc = _doc(nlp, tagger, "De agenda van het team zat vol.")

    assert doc.cats["decision_type.logistiek"] == pytest.approx(0.8)
    assert doc._.codes == []


def test_pattern_cue_and_interviewer_turns(nlp, tagger):
    weighed = _doc(nlp, tagger, "Ik moest afwegen wat het zwaarst woog.")
    asked = _doc(nlp, tagger, "Heeft u toen besloten om te bellen?", role="interviewer")

    assert weighed.cats["decision_moment"] == pytest.approx(0.4)
    assert asked._.codes == [] and asked.cats["decision_moment"] == 0.0


def test_to_disk_from_disk(nlp, tagger, tmp_path):
    tagger.to_disk(tmp_path / "cues")
    again = CueTagger(nlp, "cues2").from_disk(tmp_path / "cues")
    text = "Ik heb toen gekozen voor het team."

    assert _doc(nlp, again, text).cats == _doc(nlp, tagger, text).cats


def test_section_cue_fires_on_the_diary_section(nlp):
    codebook = codebook_from_dict({"id": "s", "groups": [{"id": "decision_moment", "kind": "multi", "codes": [
        {"id": "decision_moment", "cues": [{"id": "besluit-sectie", "weight": 0.6, "sections": ["Besluit"]}]}]}]})
    tagger = CueTagger(nlp, "s", codebook)
    in_section = next(make_unit_docs(nlp, ["Huisbezoek verplaatst."], [{"section": "besluit"}]))
    elsewhere = next(make_unit_docs(nlp, ["Huisbezoek verplaatst."], [{"section": "situatie"}]))

    tagged, untagged = tagger(nlp(in_section)), tagger(nlp(elsewhere))

    assert tagged._.codes == ["decision_moment"]
    assert tagged._.evidence["decision_moment"][0]["text"] == "section: besluit"
    assert untagged._.codes == []


def test_pattern_cues_find_what_one_matcher_over_the_whole_unit_finds(nlp, default_codebook):
    """Patterns run only on units holding their words, in windows around them: same matches."""
    from spacy.matcher import Matcher

    tagger = CueTagger(nlp, "cues", default_codebook)
    whole = Matcher(nlp.vocab)
    for code in default_codebook.codes:
        for cue in code.cues:
            if cue.pattern:
                whole.add(f"{code.id}::{cue.id}", [cue.pattern])
    filler = "Daarna zijn we met het hele team nog lang over de planning en de roosters bezig geweest. " * 6
    texts = [
        filler + "Ik heb toen besloten om de dochter te bellen. " + filler + "Marieke besloot te wachten.",
        "Ik heb na lang twijfelen besloten. " + filler + "We hebben uiteindelijk toch gekozen.",
        filler + "Als huisarts moet ik ook aan de anderen denken. Voor haar is rust het belangrijkste.",
        "Besloot ik dat? " + filler * 2 + "Zij wil absoluut niet naar het ziekenhuis.",
    ]
    found = 0
    for doc in (nlp(d) for d in make_unit_docs(nlp, texts, [{}] * len(texts))):
        assert len(doc) > 4 * 12  # long enough for the windows to be used
        expected = sorted((nlp.vocab.strings[m], s, e) for m, s, e in whole(doc))
        got = sorted((f"{code}::{cue}", span.start, span.end) for code, cue, _, span in tagger.match(doc)
                     if f"{code}::{cue}" in whole)
        assert got == expected
        found += len(expected)
    assert found >= 6
