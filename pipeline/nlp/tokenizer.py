"""Tokenizer exceptions for Dutch abbreviations and the marks transcribers use.

Abbreviations with inner periods (bijv., o.a., d.w.z., m.b.t., i.p.v.) must stay one token, or
the sentencizer ends a sentence in the middle of them. Marks without spaces ("[naam]",
"(onverstaanbaar)") become single tokens here; marks with spaces ("cliënt X", "[naam collega]")
are merged by the ``transcript_marks`` component.
"""

from __future__ import annotations

from spacy.attrs import NORM, ORTH
from spacy.language import Language

ABBREVIATIONS = [
    "bijv.", "bv.", "o.a.", "d.w.z.", "m.b.t.", "i.p.v.", "m.n.", "e.d.", "enz.", "etc.", "ca.",
    "evt.", "t.z.t.", "z.s.m.", "i.o.m.", "i.s.m.", "a.s.", "j.l.", "jl.", "mevr.", "dhr.", "dr.",
    "drs.", "n.a.v.", "t.a.v.", "t.o.v.", "o.b.v.", "m.i.", "p.w.", "i.v.m.", "m.a.w.", "z.g.",
    "zgn.", "incl.", "excl.", "resp.", "vnl.", "nl.", "wo.", "nr.", "tel.", "Int.", "Resp.",
]
MARKS = [
    "(onverstaanbaar)", "(onhoorbaar)", "(lacht)", "(lachen)", "(stilte)", "(pauze)", "(zucht)",
    "(zucht)", "(onduidelijk)", "(?)", "(...)", "[naam]", "[plaats]", "[organisatie]", "[datum]",
    "[adres]", "[school]", "[straat]", "[wijk]", "[stad]", "[werkgever]", "[instelling]",
    "[onverstaanbaar]", "[...]", "[x]",
]


def add_tokenizer_exceptions(nlp: Language) -> None:
    for abbr in ABBREVIATIONS:
        for form in {abbr, abbr.capitalize()}:
            nlp.tokenizer.add_special_case(form, [{ORTH: form, NORM: abbr.lower()}])
    for mark in MARKS:
        nlp.tokenizer.add_special_case(mark, [{ORTH: mark}])
