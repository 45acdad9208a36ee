"""Registered spaCy components of the offline pipeline: lemmas and transcript marks.

Taggers (cue tagger, classifiers) register themselves in ``pipeline.classifiers``.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

import numpy as np
import simplemma
from spacy.attrs import IS_ALPHA, IS_PUNCT, LEMMA, LOWER, ORTH
from spacy.language import Language
from spacy.pipeline import Sentencizer
from spacy.strings import get_string_id
from spacy.tokens import Doc, Token

# Token index -> mark kind, kept beside ``token._.mark``: reading a dict is much cheaper than
# spaCy's extension attributes in the per-token loops of lemmatising and feature extraction.
MARKS_KEY = "narratives.marks"
# The text a unit Doc was made from (``pipeline.nlp.units.make_unit_docs``): the same string as
# ``Doc.text``, which spaCy rebuilds from the tokens on every access.
TEXT_KEY = "narratives.text"


def doc_text(doc: Doc) -> str:
    text = doc.user_data.get(TEXT_KEY)
    return text if text is not None else doc.text


def marks_of(doc: Doc) -> dict[int, str]:
    return doc.user_data.get(MARKS_KEY, {})

if not Token.has_extension("mark"):
    Token.set_extension("mark", default=None)  # "inaudible" | "placeholder" | None

# Marks that may contain spaces; tokens inside them are merged into one.
MARK_PATTERNS = [
    ("inaudible", re.compile(r"\((?:onverstaanbaar|onhoorbaar|onduidelijk|lacht|lachen|stilte|"
                             r"pauze|zucht|\.\.\.|…)[^()\n]{0,40}\)", re.IGNORECASE)),
    ("inaudible", re.compile(r"\[(?:onverstaanbaar|onhoorbaar|onduidelijk|\.\.\.|…)[^\]\n]{0,40}\]",
                             re.IGNORECASE)),
    ("placeholder", re.compile(r"\[[^\[\]\n]{1,40}\]")),
    ("placeholder", re.compile(r"\b(?:[Cc]li[eë]nt|[Pp]ati[eë]nt|[Mm]eneer|[Mm]evrouw|[Mm]evr\.|"
                               r"[Dd]hr\.|[Jj]ongere|[Bb]ewoner|[Cc]ollega|[Mm]oeder|[Vv]ader)"
                               r" [A-Z]\b(?![\w'’])")),
    # "XXX" for a blacked-out name, respondent codes such as "R1", "P12", "Resp3"
    ("placeholder", re.compile(r"\b(?:X{3,}|x{3,})\b|\b(?:R|P|D|Resp|Respondent)\d{1,3}\b")),
]


# Any of the marks anywhere in a text: one scan instead of one per pattern, for the many units
# that hold none (a search finds nothing here exactly when every pattern finds nothing).
ANY_MARK = re.compile("|".join(f"(?i:{p.pattern})" if p.flags & re.IGNORECASE else f"(?:{p.pattern})"
                               for _, p in MARK_PATTERNS))

_PARTICLES = ("terug", "samen", "over", "door", "voor", "mee", "toe", "weg", "uit", "aan", "af",
              "op", "in", "na", "bij", "om")


@lru_cache(maxsize=1)
def _simplemma() -> simplemma.Lemmatizer:
    """simplemma with its Dutch dictionary as a MARISA trie (simplemma's own option).

    The default dictionary is decoded from simplemma's compressed format on first use: 0.25 s of
    every run's start (a quarter of it). The trie gives the same lemmas (checked on the 15,356
    word forms of corpora/annotated), is built once per machine into the user's cache folder and
    loads in 0.05 s. Without ``marisa-trie`` the default dictionary is used."""
    from simplemma.strategies import DefaultStrategy

    try:
        from simplemma.strategies.dictionaries import TrieDictionaryFactory

        factory = TrieDictionaryFactory()
    except ImportError:
        return simplemma.Lemmatizer()
    return simplemma.Lemmatizer(lemmatization_strategy=DefaultStrategy(dictionary_factory=factory))


@lru_cache(maxsize=200_000)
def dutch_lemma(word: str) -> str:
    """simplemma's lemma; participles of separable verbs it does not know are split and retried.

    "afgewogen" -> "af" + "gewogen" -> "af" + "wegen" = "afwegen" (verbs professionals use for
    deciding: afwegen, doorverwijzen, aankaarten, opschalen).
    """
    lemmatize = _simplemma().lemmatize
    lemma = lemmatize(word, lang="nl").replace("_", "")  # it writes "af_spreken"
    if lemma != word:
        return lemma
    for particle in _PARTICLES:
        rest = word[len(particle):]
        if word.startswith(particle) and rest.startswith("ge") and len(rest) > 4:
            inner = lemmatize(rest, lang="nl").replace("_", "")
            if inner != rest and inner.endswith("en"):
                return inner if inner.startswith(particle) else particle + inner
    return lemma


class SimplemmaLemmatizer:
    """Lower-case simplemma lemmas; marks and placeholders keep their text.

    Works on arrays (no Token objects: creating them was a fifth of a run's time), with the
    lemma's hash cached per lower-case form's hash, for this pipeline's string store."""

    MAX_CACHED = 200_000  # forms; cleared when full, so memory stays flat in a long run

    def __init__(self) -> None:
        self._strings: Any = None
        self._lemma_of: dict[int, int] = {}

    def __call__(self, doc: Doc) -> Doc:
        if not len(doc):
            return doc
        strings = doc.vocab.strings
        if strings is not self._strings or len(self._lemma_of) > self.MAX_CACHED:
            self._strings, self._lemma_of = strings, {}
        lemma_of = self._lemma_of
        marks = marks_of(doc)
        lemmas = []
        for i, (lower, alpha) in enumerate(doc.to_array([LOWER, IS_ALPHA]).tolist()):
            if not alpha or i in marks:
                lemmas.append(lower)
                continue
            lemma = lemma_of.get(lower)
            if lemma is None:
                lemma = lemma_of[lower] = strings.add(dutch_lemma(strings[lower]).lower())
            lemmas.append(lemma)
        doc.from_array([LEMMA], np.array(lemmas, dtype=np.uint64).reshape(-1, 1))
        return doc


@Language.factory("simplemma_lemmatizer", assigns=["token.lemma"])
def make_simplemma_lemmatizer(nlp: Language, name: str) -> SimplemmaLemmatizer:
    return SimplemmaLemmatizer()


class ArraySentencizer(Sentencizer):
    """spaCy's rule sentencizer with its ``predict`` read from arrays: the same sentence starts
    (same rule, same punctuation characters, spaCy's own ``set_annotations``), without the
    Token object spaCy's loop creates per token (a tenth of a run over 40 interviews)."""

    def predict(self, docs: list[Doc]) -> list[list[bool]]:
        punct = getattr(self, "_punct_ids", None)
        if punct is None or punct[0] != self.punct_chars:
            punct = self._punct_ids = (set(self.punct_chars), {get_string_id(c) for c in self.punct_chars})
        punct_ids = punct[1]
        guesses = []
        for doc in docs:
            doc_guesses = [False] * len(doc)
            if len(doc):
                doc_guesses[0] = True
                start, seen_period = 0, False
                for i, (orth, is_punct) in enumerate(doc.to_array([ORTH, IS_PUNCT]).tolist()):
                    in_punct_chars = orth in punct_ids
                    if seen_period and not is_punct and not in_punct_chars:
                        doc_guesses[start] = True
                        start, seen_period = i, False
                    elif in_punct_chars:
                        seen_period = True
                doc_guesses[start] = True
            guesses.append(doc_guesses)
        return guesses


@Language.factory("array_sentencizer", default_config={"punct_chars": None, "overwrite": False},
                  assigns=["token.is_sent_start", "doc.sents"])
def make_array_sentencizer(nlp: Language, name: str, punct_chars: list[str] | None,
                           overwrite: bool) -> ArraySentencizer:
    return ArraySentencizer(name, punct_chars=punct_chars, overwrite=overwrite)


@Language.component("transcript_marks", assigns=["token._.mark"])
def transcript_marks(doc: Doc) -> Doc:
    """Merge inaudible marks and anonymisation placeholders into single tokens, tagged."""
    text = doc_text(doc)
    if ANY_MARK.search(text) is None:
        return doc
    spans, taken = [], set()
    for kind, pattern in MARK_PATTERNS:
        for m in pattern.finditer(text):
            span = doc.char_span(m.start(), m.end(), alignment_mode="expand")
            if span is None or any(i in taken for i in range(span.start, span.end)):
                continue
            taken.update(range(span.start, span.end))
            spans.append((span, kind))
    if not spans:
        return doc
    if any(len(span) > 1 for span, _ in spans):
        with doc.retokenize() as retok:
            for span, _ in spans:
                if len(span) > 1:
                    retok.merge(span, attrs={"LEMMA": span.text.lower()})
    marks: dict[int, str] = {}
    for span, kind in spans:
        for token in doc.char_span(span.start_char, span.end_char, alignment_mode="expand"):
            token._.mark = kind
            marks[token.i] = kind
    doc.user_data[MARKS_KEY] = dict(sorted(marks.items()))  # spans do not overlap: one kind a token
    return doc
