"""What every backend shares: inputs as unit Docs, codebook rules, cue evidence, the interface.

A model predicts for a whole codebook; inside it, one classifier per group. ``predict_proba``
takes one input or a list (a string, a dict with ``text`` and optional ``context``/``speaker``/
``role``/``section``, or a unit Doc) and returns {code id: probability} per input.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from pathlib import Path
from typing import Any, Union

from spacy.language import Language
from spacy.tokens import Doc

from pipeline.classifiers.cue_tagger import CueTagger
from pipeline.codebook import Codebook
from pipeline.nlp.units import make_unit_docs

UnitInput = Union[str, dict, Doc]


def _context_of(item: dict[str, Any]) -> dict[str, Any]:
    ctx = dict(item.get("context") or {}) if isinstance(item.get("context"), dict) else {}
    if isinstance(item.get("context"), str):
        ctx["before"] = item["context"]
    for key in ("speaker", "role", "section", "kind", "before", "after"):
        if item.get(key) is not None:
            ctx.setdefault(key, item[key])
    return ctx


def as_unit_docs(nlp: Language, inputs: UnitInput | list[UnitInput], batch_size: int = 64) -> tuple[list[Doc], bool]:
    """Unit Docs run through ``nlp`` (no taggers), and whether a single input was given."""
    single = isinstance(inputs, (str, dict, Doc))
    items = [inputs] if single else list(inputs)
    if all(isinstance(i, Doc) for i in items):
        return items, single  # type: ignore[return-value]
    texts, contexts = [], []
    for item in items:
        if isinstance(item, Doc):
            texts.append(item.text)
            contexts.append(item._.unit or {})
        elif isinstance(item, str):
            texts.append(item)
            contexts.append({})
        else:
            texts.append(str(item["text"]))
            contexts.append(_context_of(item))
    docs = list(nlp.pipe(make_unit_docs(nlp, texts, contexts), batch_size=batch_size))
    return docs, single


class CodeModel(ABC):
    """A trained model for one codebook: ``fit``, ``predict_proba``, ``predict``, ``save``, ``load``."""

    backend: str = ""

    def __init__(self, codebook: Codebook, nlp: Language | None = None) -> None:
        self.codebook = codebook
        self._nlp = nlp
        self.thresholds: dict[str, float] = {}
        self.card: dict[str, Any] = {}
        self._cues: CueTagger | None = None

    @property
    def nlp(self) -> Language:
        if self._nlp is None:
            from pipeline.nlp.language import build_nlp

            self._nlp = build_nlp()
        return self._nlp

    @property
    def cues(self) -> CueTagger:
        if self._cues is None:
            self._cues = CueTagger(self.nlp, "cues", self.codebook)
        return self._cues

    def cue_evidence(self, doc: Doc) -> dict[str, list[dict[str, Any]]]:
        return self.cues.predict_scores(doc)[1]

    def base_card(self, units: list[Any], untrained: dict[str, int]) -> dict[str, Any]:
        """The model card fields every backend writes: codebook, data, parameters, thresholds."""
        from datetime import datetime, timezone

        from pipeline.training.data import code_counts, data_fingerprint, uncoded_roles

        cb = self.codebook
        return {
            "name": "model", "backend": self.backend,
            "created": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "codebook": {"id": cb.id, "version": cb.version, "sha": cb.fingerprint(),
                         "structure_sha": cb.structure_fingerprint(), "codes": cb.code_ids},
            "data": {"units": len(units), "documents": len({u.doc_id for u in units}),
                     "sha": data_fingerprint(units), "counts": code_counts(units)},
            "params": getattr(self, "params", {}), "thresholds": self.thresholds,
            "untrained": untrained, "uncoded_roles": uncoded_roles(units),
        }

    def scored_units(self, docs: list[Doc]) -> list[int]:
        """Indices of the units the model may code: not turns of a role the training coding
        never coded (``uncoded_roles`` in the card), where the model's word features can
        outweigh its role feature. A backend may skip the others' features altogether."""
        roles = set(self.card.get("uncoded_roles") or ())
        return [i for i, doc in enumerate(docs) if not roles or (doc._.unit or {}).get("role") not in roles]

    def silence_uncoded_roles(self, docs: list[Doc], scores: list[dict[str, float]]) -> list[dict[str, float]]:
        """No suggestions for the units ``scored_units`` leaves out."""
        scored = set(self.scored_units(docs))
        for i, row in enumerate(scores):
            if i not in scored:
                row.update(dict.fromkeys(row, 0.0))
        return scores

    @abstractmethod
    def fit(self, units: list[Any], docs: list[Doc] | None = None) -> CodeModel:
        """Train on annotated units; ``docs`` are their unit Docs when already made (saves time)."""

    @abstractmethod
    def predict_proba_docs(self, docs: list[Doc]) -> list[dict[str, float]]: ...

    def explain_docs(self, docs: list[Doc], codes: list[list[str]]) -> list[dict[str, list[dict[str, Any]]]]:
        """Evidence per assigned code: by default the cue matches of that code."""
        out = []
        for doc, assigned in zip(docs, codes):
            cues = self.cue_evidence(doc)
            out.append({c: cues.get(c, []) for c in assigned})
        return out

    def predict_proba(self, inputs: UnitInput | list[UnitInput]) -> Any:
        docs, single = as_unit_docs(self.nlp, inputs)
        scores = self.predict_proba_docs(docs)
        return scores[0] if single else scores

    def assign(self, scores: dict[str, float], min_probability: float | None = None) -> list[str]:
        """Codes by the codebook's rules and the tuned thresholds (or one fixed threshold)."""
        if min_probability is not None:
            return self.codebook.apply_rules(scores, threshold=min_probability)
        return self.codebook.apply_rules(scores, thresholds=self.thresholds)

    def predict(self, inputs: UnitInput | list[UnitInput]) -> Any:
        docs, single = as_unit_docs(self.nlp, inputs)
        codes = [self.assign(s) for s in self.predict_proba_docs(docs)]
        return codes[0] if single else codes

    def annotate(self, docs: list[Doc], min_probability: float | None = None) -> list[Doc]:
        """Write scores, codes and evidence on unit Docs (what the spaCy component does)."""
        scores = self.predict_proba_docs(docs)
        codes = [self.assign(s, min_probability) for s in scores]
        evidence = self.explain_docs(docs, codes)
        for doc, s, c, e in zip(docs, scores, codes, evidence):
            doc.cats = {k: round(float(v), 4) for k, v in s.items()}
            doc._.codes = c
            doc._.evidence = e
        return docs

    @abstractmethod
    def save(self, path: str | Path) -> None: ...
