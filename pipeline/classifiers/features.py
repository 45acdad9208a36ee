"""Features for the linear models, from a unit's spaCy Doc and its context.

Blocks: lemma unigrams and bigrams, optionally character 3-5-grams, cue matches from the codebook (``cue=<code>::<cue id>`` and ``cuecode=<code>``), context (speaker role, diary section,
document kind) and the lemmas of the neighbouring units (``prev=``/``next=``). Weighted as
sublinear TF-IDF, L2-normalised. The fitted state is a vocabulary and an IDF array, saved as JSON
and ``.npz`` (no pickle), and the transform is written out here so it needs nothing else.
"""

from __future__ import annotations

import itertools
import math
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
from scipy import sparse
from spacy.attrs import IS_ALPHA, IS_PUNCT, IS_SPACE, LEMMA, LENGTH, LOWER, ORTH
from spacy.tokens import Doc

from pipeline.nlp.components import dutch_lemma, marks_of

STOP_CONTEXT = {"de", "het", "een", "en", "ik", "je", "dat", "die", "is", "in", "van", "op", "te",
                "er", "ze", "we", "hij", "zij", "niet", "maar", "dan", "ook", "wel", "met", "voor",
                "zijn", "was", "eh", "uh", "uhm", "ja", "nou", "zo", "om", "aan", "als", "of"}


def _context_lemmas(text: str, limit: int = 40) -> list[str]:
    words = [w.strip(".,;:!?\"'()[]").lower() for w in text.split()]
    return [dutch_lemma(w) for w in words if w and w.isalpha() and w not in STOP_CONTEXT][:limit]


def doc_lemmas(doc: Doc) -> list[str]:
    """Lower-case lemmas of a unit's words (punctuation and spaces left out), marks as
    ``<placeholder>``/``<inaudible>``; read from arrays, without creating Token objects."""
    strings = doc.vocab.strings
    marks = marks_of(doc)
    out = []
    for i, (lemma, punct, space) in enumerate(doc.to_array([LEMMA, IS_PUNCT, IS_SPACE]).tolist()):
        if punct or space:
            continue
        out.append(f"<{marks[i]}>" if i in marks else strings[lemma].lower())
    return out


def doc_features(doc: Doc, cue_hits: Iterable[tuple[str, str]] = (), char_ngrams: bool = False,
                 neighbours: bool = True) -> list[str]:
    """The feature strings of one unit (repeated features count).

    ``char_ngrams`` adds character 3-5-grams inside words (``c=``). Measured with document-wise
    4-fold CV on corpora/annotated they gave no better macro kappa (0.391 with, 0.395 without) at
    twice the training time, so they are off by default; they may help with spelling variation.
    """
    feats: list[str] = []
    lemmas = doc_lemmas(doc)
    feats += [f"w={lem}" for lem in lemmas]
    feats += [f"b={a}_{b}" for a, b in itertools.pairwise(lemmas)]
    if char_ngrams:
        for t in doc:
            if t.is_alpha and len(t) > 2:
                feats += _char_ngrams(t.lower_)
    return feats + _other_features(doc, cue_hits, neighbours)


def _char_ngrams(lower: str) -> list[str]:
    w = f" {lower} "
    return [f"c={w[i:i + n]}" for n in (3, 4, 5) for i in range(len(w) - n + 1)]


def _other_features(doc: Doc, cue_hits: Iterable[tuple[str, str]], neighbours: bool) -> list[str]:
    """Cue matches, context and length: the features that are not the unit's own words."""
    feats: list[str] = []
    for code, cue in cue_hits:
        feats += [f"cue={code}::{cue}", f"cuecode={code}"]
    ctx = doc._.unit or {}
    for key in ("role", "section", "kind"):
        feats.append(f"{key}={ctx.get(key) or 'none'}")
    if neighbours:
        feats += [f"prev={lem}" for lem in _context_lemmas(ctx.get("before") or "", 25)]
        feats += [f"next={lem}" for lem in _context_lemmas(ctx.get("after") or "", 15)]
    feats.append(f"len={min(int(math.log2(len(doc) + 1)), 9)}")
    return feats


class FeatureColumns:
    """The known feature columns of a unit, the same as ``doc_features`` looked up in a fitted
    vocabulary, without building a feature string per word and word pair: columns are cached
    per lemma, lemma pair and (for character n-grams) word form, by spaCy's string hashes."""

    MAX_CACHED = 500_000  # entries per cache; cleared when full, so memory stays flat

    def __init__(self, features: TfidfFeatures) -> None:
        self.vocabulary = features.vocabulary
        self.words: dict[Any, int] = {}  # lemma hash or mark -> column of w=, -1 unknown
        self.pairs: dict[tuple[Any, Any], int] = {}  # (key, key) -> column of b=, -1 unknown
        self.names: dict[Any, str] = {}
        self.grams: dict[int, list[int]] = {}  # token text hash -> columns of its c= features

    def _gram_columns(self, doc: Doc) -> list[int]:
        """Columns of the character n-grams ``doc_features`` makes for the unit's words."""
        vocabulary, grams, strings = self.vocabulary, self.grams, doc.vocab.strings
        cols: list[int] = []
        for orth, alpha, length, lower in doc.to_array([ORTH, IS_ALPHA, LENGTH, LOWER]).tolist():
            if not (alpha and length > 2):
                continue
            known = grams.get(orth)
            if known is None:
                known = grams[orth] = [vocabulary[f] for f in _char_ngrams(strings[lower]) if f in vocabulary]
            cols += known
        return cols

    def _name(self, key: Any, strings: Any) -> str:
        name = self.names.get(key)
        if name is None:
            name = key if isinstance(key, str) else strings[key].lower()
            self.names[key] = name
        return name

    def columns(self, doc: Doc, cue_hits: Iterable[tuple[str, str]] = (), neighbours: bool = True,
                char_ngrams: bool = False) -> list[int]:
        if max(len(self.pairs), len(self.words), len(self.grams)) > self.MAX_CACHED:
            self.words.clear()
            self.pairs.clear()
            self.names.clear()
            self.grams.clear()
        vocabulary, words, pairs = self.vocabulary, self.words, self.pairs
        strings = doc.vocab.strings
        marks = marks_of(doc)
        keys = [f"<{marks[i]}>" if i in marks else lemma
                for i, (lemma, punct, space) in enumerate(doc.to_array([LEMMA, IS_PUNCT, IS_SPACE]).tolist())
                if not (punct or space)]
        cols = []
        for key in keys:
            col = words.get(key)
            if col is None:
                col = words[key] = vocabulary.get(f"w={self._name(key, strings)}", -1)
            if col >= 0:
                cols.append(col)
        for pair in itertools.pairwise(keys):
            col = pairs.get(pair)
            if col is None:
                col = pairs[pair] = vocabulary.get(
                    f"b={self._name(pair[0], strings)}_{self._name(pair[1], strings)}", -1)
            if col >= 0:
                cols.append(col)
        if char_ngrams:
            cols += self._gram_columns(doc)
        rest = _other_features(doc, cue_hits, neighbours)
        cols += [vocabulary[f] for f in rest if f in vocabulary]
        return cols


_TF = np.array([0.0] + [1 + math.log(n) for n in range(1, 1024)], dtype=np.float32)


def _sublinear_tf(counts: list[int]) -> np.ndarray:
    """1 + log(count) as float32, from a table of ``math.log`` (the values fitting saw)."""
    if counts and max(counts) >= len(_TF):
        return np.array([1 + math.log(n) for n in counts], dtype=np.float64).astype(np.float32)
    return _TF[np.array(counts, dtype=np.int64)]


class TfidfFeatures:
    """Vocabulary + IDF over feature strings; ``transform`` gives an L2-normalised CSR matrix."""

    def __init__(self, min_df: int = 2, max_features: int = 60_000) -> None:
        self.min_df = min_df
        self.max_features = max_features
        self.vocabulary: dict[str, int] = {}
        self.idf = np.zeros(0, dtype=np.float32)

    def fit(self, rows: Sequence[list[str]]) -> TfidfFeatures:
        df: Counter[str] = Counter()
        for feats in rows:
            df.update(set(feats))
        kept = [(f, n) for f, n in df.items() if n >= self.min_df]
        kept.sort(key=lambda fn: (-fn[1], fn[0]))
        kept = kept[: self.max_features]
        kept.sort()
        self.vocabulary = {f: i for i, (f, _) in enumerate(kept)}
        n = len(rows)
        self.idf = np.array([math.log((1 + n) / (1 + c)) + 1 for _, c in kept], dtype=np.float32)
        return self

    def transform(self, rows: Sequence[list[str]]) -> sparse.csr_matrix:
        vocabulary = self.vocabulary
        return self.transform_columns([[vocabulary[f] for f in feats if f in vocabulary] for feats in rows])

    def transform_columns(self, rows: Sequence[list[int]]) -> sparse.csr_matrix:
        """Like ``transform``, from each row's known feature columns (repeats count)."""
        idf = self.idf
        indptr, indices, values = [0], [], []
        for row in rows:
            cols, counts = np.unique(np.array(row, dtype=np.int64), return_counts=True)
            vals = _sublinear_tf(counts.tolist()) * idf[cols]
            norm = float(np.linalg.norm(vals)) if len(vals) else 0.0
            indices.append(cols)
            values.append(vals / norm if norm else vals)
            indptr.append(indptr[-1] + len(cols))
        return sparse.csr_matrix((np.concatenate(values).astype(np.float32) if values else np.zeros(0, np.float32),
                                  np.concatenate(indices) if indices else np.zeros(0, np.int64),
                                  np.array(indptr, dtype=np.int64)),
                                 shape=(len(rows), len(self.vocabulary)))

    def feature_names(self) -> list[str]:
        """Feature strings by column (a copy of ``names_by_column``)."""
        return list(self.names_by_column())

    def names_by_column(self) -> list[str]:
        """Feature strings by column, built once per vocabulary (evidence asks for them per
        batch); shared, so callers must not change it."""
        cached = getattr(self, "_names", None)
        if cached is None or cached[0] is not self.vocabulary:
            names = [""] * len(self.vocabulary)
            for f, i in self.vocabulary.items():
                names[i] = f
            cached = self._names = (self.vocabulary, names)
        return cached[1]

    def to_state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        return ({"min_df": self.min_df, "max_features": self.max_features,
                 "features": self.feature_names()}, {"idf": self.idf})

    @classmethod
    def from_state(cls, meta: dict[str, Any], arrays: dict[str, np.ndarray]) -> TfidfFeatures:
        obj = cls(meta["min_df"], meta["max_features"])
        obj.vocabulary = {f: i for i, f in enumerate(meta["features"])}
        obj.idf = arrays["idf"].astype(np.float32)
        return obj
