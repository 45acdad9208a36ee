"""The offset property for any text: every unit's text is document.text[start:end]."""

from __future__ import annotations

import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.model import Document
from pipeline.structure import StructureOptions, structure_document

LABELS = ["I:", "R:", "Interviewer:", "Marieke:", "[00:01:02] R:", "00:03:04 Sanne:", "Int.", "Huisarts:"]
HEADERS = ["Beslissing 1 – maandag 3 maart", "Datum: 4 april", "Dag 6", ""]
KEYWORDS = ["Situatie:", "Besluit:", "Reflectie:", "Opmerkingen:", "Wat:", "Waarom:", ""]
words = st.lists(st.sampled_from(["ik", "heb", "besloten", "Cliënt", "cliënt X", "[naam]", "(lacht)",
                                  "eh,", "nou.", "Waarom?", "12:30", "a", "é", " ", "\t", "!", ":"]),
                 max_size=15).map(" ".join)


@st.composite
def documents(draw) -> str:
    lines = []
    for _ in range(draw(st.integers(1, 12))):
        shape = draw(st.sampled_from(["turn", "header", "section", "blank", "plain"]))
        if shape == "turn":
            lines.append(f"{draw(st.sampled_from(LABELS))} {draw(words)}")
        elif shape == "header":
            lines.append(draw(st.sampled_from(HEADERS)))
        elif shape == "section":
            lines.append(f"{draw(st.sampled_from(KEYWORDS))} {draw(words)}")
        elif shape == "blank":
            lines.append("")
        else:
            lines.append(draw(words))
    return "\n".join(lines)


@settings(max_examples=300, deadline=None)
@given(text=documents(), kind=st.sampled_from(["auto", "transcript", "diary", "report", "text"]),
       max_chars=st.sampled_from([100, 2000]))
def test_units_point_into_the_final_text(text, kind, max_chars):
    doc, units = structure_document(Document("d", "d.txt", text),
                                    StructureOptions(kind=kind, max_unit_chars=max_chars))

    for u in units:
        assert 0 <= u.start < u.end <= len(doc.text)
        assert doc.text[u.start:u.end] == u.text
        assert u.text == u.text.strip() or u.text.strip()
    starts = [u.start for u in units]
    assert starts == sorted(starts)
    for a, b in itertools.pairwise(units):
        assert a.end <= b.start
