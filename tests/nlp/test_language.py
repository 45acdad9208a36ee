"""The offline Dutch pipeline: lemmas of decision verbs, abbreviations, transcript marks."""

from __future__ import annotations

import logging

import pytest


@pytest.mark.parametrize(
    ("word", "lemma"),
    [("besloten", "besluiten"), ("gekozen", "kiezen"), ("gedaan", "doen"), ("was", "zijn"),
     ("heb", "hebben"), ("het", "het"), ("afgewogen", "afwegen"), ("overlegd", "overleggen"),
     ("verwezen", "verwijzen"), ("twijfelde", "twijfelen")],
)
def test_lemmas_of_decision_verbs(nlp, word, lemma):
    doc = nlp(f"Ik zei dat ik {word}.")

    assert doc[4].lemma_ == lemma


@pytest.mark.parametrize("abbr", ["bijv.", "o.a.", "d.w.z.", "m.b.t.", "i.p.v."])
def test_abbreviations_stay_one_token_and_do_not_end_sentences(nlp, abbr):
    doc = nlp(f"We bespraken {abbr} de schulden van de cliënt. Daarna belde ik.")

    assert abbr in [t.text for t in doc]
    assert len(list(doc.sents)) == 2


@pytest.mark.parametrize(
    ("mark", "kind"),
    [("(onverstaanbaar)", "inaudible"), ("[naam]", "placeholder"), ("[naam collega]", "placeholder"),
     ("cliënt X", "placeholder"), ("meneer Y", "placeholder"), ("(lacht)", "inaudible")],
)
def test_transcript_marks_are_single_tokens(nlp, mark, kind):
    doc = nlp(f"Toen zei {mark} dat het goed ging.")

    token = next(t for t in doc if t.text == mark)
    assert token._.mark == kind


def test_fallback_is_announced_once(caplog):
    from pipeline.nlp import language

    language._warn_once.cache_clear()
    with caplog.at_level(logging.WARNING):
        language.build_nlp("nl_core_news_md_not_installed")
        language.build_nlp("nl_core_news_md_not_installed")

    warnings = [r for r in caplog.records if "offline Dutch pipeline" in r.getMessage()]
    assert len(warnings) == 1


def test_fallback_error_mode_refuses():
    from pipeline.nlp.language import build_nlp

    with pytest.raises(OSError, match="not installed"):
        build_nlp("nl_core_news_md_not_installed", fallback="error")


def _corpus_paragraphs(limit: int = 400) -> list[str]:
    from pathlib import Path

    root = Path(__file__).resolve().parents[2] / "corpora"
    paras: list[str] = []
    for path in sorted(root.rglob("*.txt")):
        paras += [p for p in path.read_text(encoding="utf-8").split("\n") if p.strip()]
        if len(paras) >= limit:
            break
    return paras[:limit]


def test_array_sentencizer_splits_exactly_like_spacys_sentencizer(nlp):
    """The offline pipeline's sentencizer reads arrays instead of Tokens: same sentence starts
    as spaCy's own on the shipped corpora, on marks, ellipses and text without punctuation."""
    import spacy

    reference = spacy.blank("nl")
    reference.add_pipe("sentencizer")
    ours = nlp.get_pipe("sentencizer")
    texts = _corpus_paragraphs() + ["", "...", "Nee!!! Echt niet?! Ja.", "geen punt aan het eind",
                                    "Hij zei: 'Ga maar.' En toen… stilte (onverstaanbaar). Klaar"]
    assert len(texts) > 100
    for text in texts:
        expected = [t.is_sent_start for t in reference(text)]
        doc = ours(reference.make_doc(text))
        assert [t.is_sent_start for t in doc] == expected, text


def test_lemmas_are_the_same_from_the_cache(nlp):
    """Lemmas are cached per word form: a second pass over the same words gives the same lemmas,
    and a word's lemma does not depend on the unit it first appeared in."""
    first = [t.lemma_ for t in nlp("Ik heb het afgewogen en toen besloten we samen.")]
    again = [t.lemma_ for t in nlp("Ik heb het afgewogen en toen besloten we samen.")]
    other = [t.lemma_ for t in nlp("Besloten! Afgewogen?")]
    assert first == again
    assert "afwegen" in first and "besluiten" in first
    assert other[0] == "besluiten" and other[2] == "afwegen"
