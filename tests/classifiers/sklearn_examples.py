"""A small codebook and labelled units for the scikit-learn backend's tests."""

from __future__ import annotations

from pipeline.codebook import codebook_from_dict
from pipeline.training.data import AnnotatedUnit

SMALL_CODEBOOK = {
    "id": "klein", "version": "1", "name": "Klein",
    "groups": [
        {"id": "decision_moment", "kind": "multi",
         "codes": [{"id": "decision_moment", "label": "Beslismoment",
                    "cues": [{"id": "besluiten", "weight": 0.7, "lemmas": ["besluiten", "kiezen"]}]}]},
        {"id": "factor", "kind": "multi",
         "codes": [{"id": "factor.client", "label": "Cliënt"},
                   {"id": "factor.organisation", "label": "Organisatie"}]},
        {"id": "identity", "kind": "single",
         "codes": [{"id": "identity.pragmatic", "label": "Pragmatisch"},
                   {"id": "identity.holistic", "label": "Holistisch"}]},
    ],
}

# (text, codes): decisions for the client's sake, decisions by protocol, and plain talk.
EXAMPLES = [
    ("Ik heb besloten mevrouw thuis te laten wonen, omdat zij dat zelf zo graag wilde.",
     ["decision_moment", "factor.client", "identity.holistic"]),
    ("Toen koos ik ervoor om langer te blijven, haar wens ging voor.",
     ["decision_moment", "factor.client", "identity.holistic"]),
    ("Ik besloot meneer zijn eigen tempo te laten bepalen, zijn wens telt.",
     ["decision_moment", "factor.client", "identity.holistic"]),
    ("We hebben gekozen voor wat de cliënt zelf wilde, ook al kostte het tijd.",
     ["decision_moment", "factor.client", "identity.holistic"]),
    ("Uiteindelijk besloten we haar wens te volgen en de zorg thuis te houden.",
     ["decision_moment", "factor.client", "identity.holistic"]),
    ("Ik heb gekozen voor het protocol, het registratiesysteem schrijft dat voor.",
     ["decision_moment", "factor.organisation", "identity.pragmatic"]),
    ("Vanwege de caseload besloot ik de casus over te dragen aan het team.",
     ["decision_moment", "factor.organisation", "identity.pragmatic"]),
    ("De teamleider wil het zo, dus koos ik voor de vaste procedure.",
     ["decision_moment", "factor.organisation", "identity.pragmatic"]),
    ("Ik besloot door te verwijzen, de indicatie en het budget laten niet meer toe.",
     ["decision_moment", "factor.organisation", "identity.pragmatic"]),
    ("Het protocol en de werkdruk maakten dat ik koos voor een kort gesprek.",
     ["decision_moment", "factor.organisation", "identity.pragmatic"]),
    ("Het weer was mooi die dag, de bus kwam op tijd.", []),
    ("We dronken koffie in de kantine en praatten over de vakantie.", []),
    ("De wachtkamer was vol, er hing een nieuwe poster aan de muur.", []),
    ("Buiten regende het en de lift was weer eens kapot.", []),
    ("In de wijk staan veel nieuwe huizen, het park is opgeknapt.", []),
]


def small_codebook():
    return codebook_from_dict(SMALL_CODEBOOK, "<test>")


def small_units() -> list[AnnotatedUnit]:
    units = []
    for i, (text, codes) in enumerate(EXAMPLES):
        doc_id = f"doc{i % 5}"
        units.append(AnnotatedUnit(f"{doc_id}:{i}", doc_id, text, codes, {"role": "respondent"}))
    return units
