"""The cue tagger: the codebook's cue patterns applied to lemmas and phrases, no training needed.

Each matched cue is evidence for its code; a code's score combines its cues' weights as
``1 - prod(1 - w)`` (independent signals), and codes are assigned by the codebook's rules.
Researchers get useful pre-coding on day one, and every suggestion names the words and the rule.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from spacy.attrs import LEMMA, LOWER, ORTH
from spacy.language import Language
from spacy.matcher import Matcher, PhraseMatcher
from spacy.tokens import Doc, Span

from pipeline.codebook import Codebook, codebook_from_dict, load_codebook
from pipeline.nlp import units as _units  # noqa: F401  (registers Doc._ extensions)

SPAN_KEY = "cues"


class CueTagger:
    """Scores codes from cue matches; writes ``doc.cats``, ``doc._.codes``, ``doc._.evidence``."""

    def __init__(self, nlp: Language, name: str, codebook: Codebook | None = None,
                 threshold: float | None = None, skip_roles: Iterable[str] = ("interviewer",)) -> None:
        self.name = name
        self.nlp = nlp
        self.threshold = threshold
        self.skip_roles = set(skip_roles)
        self.codebook: Codebook | None = None
        if codebook is not None:
            self.set_codebook(codebook)

    def set_codebook(self, codebook: Codebook) -> None:
        self.codebook = codebook
        self.fingerprint = codebook.fingerprint()
        # One Matcher per token pattern, run only on units holding the words its mandatory tokens
        # ask for: the Matcher's per-token work for wildcard patterns was the largest cost of a
        # run (measured on 40 interviews), and most units cannot match most patterns.
        self.patterns: list[tuple[str, Matcher, list[tuple[int, frozenset[int]]], int | None]] = []
        self.phrases = PhraseMatcher(self.nlp.vocab, attr="LOWER")
        self.cue_info: dict[str, tuple[str, str, float]] = {}  # key -> code, cue id, weight
        # Single-lemma cues are most cues: a dictionary lookup per token is much faster than a
        # Matcher pattern each (measured: matching was half the run time on the demo corpus).
        self.lemma_cues: dict[str, list[str]] = {}
        self._lemma_keys: dict[int, tuple[str, ...]] = {}  # lemma hash -> its cue keys, per run
        self.section_cues: dict[str, list[str]] = {}
        for code in codebook.codes:
            for cue in code.cues:
                key = f"{code.id}::{cue.id}"
                self.cue_info[key] = (code.id, cue.id, cue.weight)
                if cue.lemmas:
                    for lemma in {w.lower() for w in cue.lemmas}:
                        self.lemma_cues.setdefault(lemma, []).append(key)
                elif cue.sections:
                    for section in cue.sections:
                        self.section_cues.setdefault(section, []).append(key)
                elif cue.phrases:
                    self.phrases.add(key, [self.nlp.make_doc(p) for p in cue.phrases])
                elif cue.pattern:
                    matcher = Matcher(self.nlp.vocab, validate=True)
                    matcher.add(key, [cue.pattern])
                    self.patterns.append((key, matcher, _anchors(cue.pattern, self.nlp.vocab.strings),
                                          _max_width(cue.pattern)))

    def match(self, doc: Doc) -> list[tuple[str, str, float, Span]]:
        """(code, cue id, weight, span) for every cue match; cached on the Doc per codebook."""
        cache_key = ("narratives.cues", self.fingerprint)
        if cache_key in doc.user_data:
            return doc.user_data[cache_key]
        strings = self.nlp.vocab.strings
        columns = dict(zip(_ANCHOR_ATTRS, doc.to_array([LEMMA, LOWER, ORTH]).T.tolist()))  # no Tokens
        present = {attr: set(values) for attr, values in columns.items()}
        found = []
        for key, matcher, anchors, width in self.patterns:
            for attr, values in anchors:
                if values.isdisjoint(present[attr]):
                    break
            else:
                found += _windowed_matches(doc, key, matcher, anchors, width, columns)
        found += [(strings[m], s, e) for m, s, e in (self.phrases(doc) if len(self.phrases) else [])]
        lemma_keys = self._lemma_keys
        if len(lemma_keys) > 200_000:  # new words keep coming in a long run: memory stays flat
            lemma_keys.clear()
        for i, lemma in enumerate(columns[LEMMA]):
            keys = lemma_keys.get(lemma)
            if keys is None:
                keys = lemma_keys[lemma] = tuple(self.lemma_cues.get(strings[lemma].lower(), ()))
            for key in keys:
                found.append((key, i, i + 1))
        hits = []
        for key, start, end in sorted(found, key=lambda f: (f[1], f[2], f[0])):
            code, cue_id, weight = self.cue_info[key]
            hits.append((code, cue_id, weight, doc[start:end]))
        doc.user_data[cache_key] = hits
        return hits

    def predict_scores(self, doc: Doc) -> tuple[dict[str, float], dict[str, list[dict[str, Any]]]]:
        """Scores per code and evidence; cached on the Doc like ``match`` (a model asks for them
        to blend and again to explain). Callers read them and do not change them."""
        assert self.codebook is not None, "cue_tagger has no codebook: call set_codebook first"
        cache_key = ("narratives.cue_scores", self.fingerprint, tuple(sorted(self.skip_roles)))
        if cache_key not in doc.user_data:
            doc.user_data[cache_key] = self._score(doc)
        return doc.user_data[cache_key]

    def _score(self, doc: Doc) -> tuple[dict[str, float], dict[str, list[dict[str, Any]]]]:
        assert self.codebook is not None
        scores = {c: 0.0 for c in self.codebook.code_ids}
        evidence: dict[str, list[dict[str, Any]]] = {}
        role = (doc._.unit or {}).get("role")
        if role in self.skip_roles:
            return scores, evidence
        best: dict[tuple[str, str], tuple[float, Span]] = {}
        for code, cue_id, weight, span in self.match(doc):
            key = (code, cue_id)
            if key not in best or len(span) > len(best[key][1]):
                best[key] = (weight, span)
        remaining: dict[str, float] = {}
        for (code, cue_id), (weight, span) in sorted(best.items(), key=lambda kv: kv[1][1].start):
            remaining[code] = remaining.get(code, 1.0) * (1.0 - weight)
            evidence.setdefault(code, []).append(
                {"source": "cue", "rule": cue_id, "text": span.text, "start": span.start_char,
                 "end": span.end_char, "weight": weight})
        section = str((doc._.unit or {}).get("section") or "").lower()
        for key in self.section_cues.get(section, ()):
            code, cue_id, weight = self.cue_info[key]
            remaining[code] = remaining.get(code, 1.0) * (1.0 - weight)
            evidence.setdefault(code, []).append(
                {"source": "cue", "rule": cue_id, "text": f"section: {section}", "weight": weight})
        for code, rest in remaining.items():
            scores[code] = round(1.0 - rest, 4)
        return scores, evidence

    def __call__(self, doc: Doc) -> Doc:
        assert self.codebook is not None
        scores, evidence = self.predict_scores(doc)
        codes = self.codebook.apply_rules(scores, self.threshold)
        doc.cats = scores
        doc._.codes = codes
        doc._.evidence = {c: evidence.get(c, []) for c in codes}
        doc.spans[SPAN_KEY] = [
            Span(doc, *_token_bounds(doc, e["start"], e["end"]), label=code)
            for code, items in evidence.items() for e in items if "start" in e
        ]
        return doc

    def pipe(self, docs: Iterable[Doc], batch_size: int = 128) -> Iterable[Doc]:
        for doc in docs:
            yield self(doc)

    def to_disk(self, path: str | Path, exclude: Iterable[str] = ()) -> None:
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        assert self.codebook is not None
        (path / "codebook.json").write_text(
            json.dumps(self.codebook.to_dict(), ensure_ascii=False, indent=1), encoding="utf-8")

    def from_disk(self, path: str | Path, exclude: Iterable[str] = ()) -> CueTagger:
        data = json.loads((Path(path) / "codebook.json").read_text(encoding="utf-8"))
        self.set_codebook(codebook_from_dict(data, str(path)))
        return self


_ANCHOR_ATTRS = (LEMMA, LOWER, ORTH)
_ATTR_IDS = {"LEMMA": LEMMA, "LOWER": LOWER, "ORTH": ORTH, "TEXT": ORTH}


def _anchors(pattern: list[dict[str, Any]], strings: Any) -> list[tuple[int, frozenset[int]]]:
    """What a unit must contain for ``pattern`` to match: per mandatory token with an exact
    LEMMA/LOWER/ORTH/TEXT value or ``IN`` list, the hashes of those values. A necessary
    condition only (the Matcher still decides), so skipping a unit never loses a match."""
    anchors = []
    for token in pattern:
        if token.get("OP", "1") not in ("1", "+"):
            continue
        for name, attr in _ATTR_IDS.items():
            value = token.get(name)
            if isinstance(value, dict) and set(value) == {"IN"}:
                values = value["IN"]
            elif isinstance(value, str):
                values = [value]
            else:
                continue
            anchors.append((attr, frozenset(strings.add(str(v)) for v in values)))
    return anchors


def _max_width(pattern: list[dict[str, Any]]) -> int | None:
    """The most tokens a match of ``pattern`` can span (None: unbounded, ``+`` or ``*``)."""
    if any(t.get("OP") in ("+", "*") or str(t.get("OP", "")).startswith("{") for t in pattern):
        return None
    return sum(t.get("OP") != "!" for t in pattern)


def _windowed_matches(doc: Doc, key: str, matcher: Matcher, anchors: list[tuple[int, frozenset[int]]],
                      width: int | None, columns: dict[int, list[int]]) -> list[tuple[str, int, int]]:
    """The pattern's matches, found in windows around its rarest anchor's tokens.

    A match holds a token of every anchor, so it lies within ``width`` tokens of each of them:
    matching those windows finds the same matches as matching the whole unit, without the
    Matcher's walk over every token of a long unit. ``columns`` holds the unit's LEMMA, LOWER
    and ORTH values (read once per unit for all patterns)."""
    if width is None or not anchors or len(doc) <= 4 * width:
        return [(key, s, e) for _, s, e in matcher(doc)]
    hits = [[i for i, v in enumerate(columns[attr]) if v in values] for attr, values in anchors]
    rarest = min(hits, key=len)
    windows: list[list[int]] = []
    for p in rarest:  # merge overlapping windows [p - width + 1, p + width)
        lo, hi = max(0, p - width + 1), min(len(doc), p + width)
        if windows and lo <= windows[-1][1]:
            windows[-1][1] = max(windows[-1][1], hi)
        else:
            windows.append([lo, hi])
    found = set()
    for lo, hi in windows:
        found.update((key, lo + s, lo + e) for _, s, e in matcher(doc[lo:hi]))
    return sorted(found, key=lambda f: (f[1], f[2]))


def _token_bounds(doc: Doc, start_char: int, end_char: int) -> tuple[int, int]:
    span = doc.char_span(start_char, end_char, alignment_mode="expand")
    return (span.start, span.end) if span is not None else (0, 0)


@Language.factory("cue_tagger", default_config={"codebook_path": None, "threshold": None,
                                                "skip_roles": ["interviewer"]},
                  assigns=["doc.cats", "doc._.codes", "doc._.evidence", "doc.spans"])
def make_cue_tagger(nlp: Language, name: str, codebook_path: str | None, threshold: float | None,
                    skip_roles: list[str]) -> CueTagger:
    codebook = load_codebook(codebook_path) if codebook_path else None
    return CueTagger(nlp, name, codebook, threshold, skip_roles)
