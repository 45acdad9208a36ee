"""Units as spaCy Docs: the structural context and the results of taggers live on ``Doc._``.

Each unit (turn, section, paragraph) is processed as its own Doc, so sentences never run across
speaker turns and long documents never hit spaCy's length limit. ``doc.cats`` holds the code
scores, ``doc._.codes`` the assigned codes, ``doc._.evidence`` why, and ``doc.spans["cues"]`` the
matched cue phrases.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

import numpy as np
from spacy.attrs import IDX, IS_PUNCT, IS_SPACE, LENGTH, SENT_START
from spacy.language import Language
from spacy.tokens import Doc

from pipeline.model import Unit
from pipeline.nlp.components import TEXT_KEY

for _name, _default in (("unit", None), ("codes", None), ("evidence", None)):
    if not Doc.has_extension(_name):
        Doc.set_extension(_name, default=_default)


def unit_context(unit: Unit, kind: str | None, before: str = "", after: str = "") -> dict[str, Any]:
    """What a classifier may know about a unit besides its words."""
    return {"doc_id": unit.doc_id, "speaker": unit.speaker, "role": unit.role,
            "section": unit.section, "entry": unit.entry, "kind": kind,
            "before": before, "after": after}


def make_unit_docs(nlp: Language, texts: Iterable[str], contexts: Iterable[dict[str, Any]]) -> Iterator[Doc]:
    for text, context in zip(texts, contexts):
        doc = nlp.make_doc(text)
        doc.user_data[TEXT_KEY] = text
        doc._.unit = context
        yield doc


def process_units(nlp: Language, texts: list[str], contexts: list[dict[str, Any]],
                  batch_size: int = 64) -> list[Doc]:
    """Run the whole pipeline (taggers included) over unit texts with their context."""
    return list(nlp.pipe(make_unit_docs(nlp, texts, contexts), batch_size=batch_size))


def context_window(units: list[Unit], i: int, chars: int = 300) -> tuple[str, str]:
    """The end of the unit before and the start of the unit after, for context features."""
    before = units[i - 1].text[-chars:] if i > 0 else ""
    after = units[i + 1].text[:chars] if i + 1 < len(units) else ""
    return before, after


def sentence_offsets(doc: Doc, offset: int = 0) -> list[tuple[int, int]]:
    """(start, end) character offsets of the Doc's sentences, shifted by ``offset``: the same as
    ``[(s.start_char, s.end_char) for s in doc.sents]``, from arrays (no Span or Token objects)."""
    if not len(doc):
        return []
    arr = doc.to_array([SENT_START, IDX, LENGTH]).astype(np.int64)
    starts = np.flatnonzero(arr[:, 0] == 1)
    if not len(starts) or starts[0] != 0:
        starts = np.concatenate([[0], starts[starts != 0]])
    ends = np.concatenate([starts[1:], [len(doc)]]) - 1
    begin = arr[starts, 1]
    end = arr[ends, 1] + arr[ends, 2]
    return [(offset + int(b), offset + int(e)) for b, e in zip(begin, end)]


def word_count(doc: Doc) -> int:
    """Tokens that are neither punctuation nor space."""
    if not len(doc):
        return 0
    arr = doc.to_array([IS_PUNCT, IS_SPACE])
    return int(((arr[:, 0] == 0) & (arr[:, 1] == 0)).sum())
