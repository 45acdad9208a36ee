"""The trained model as a spaCy component: ``nlp.add_pipe("code_classifier", config=...)``.

It writes what the cue tagger writes (``doc.cats``, ``doc._.codes``, ``doc._.evidence``), so the
rest of the pipeline does not care which one ran. ``to_disk``/``from_disk`` save the model folder.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import islice
from pathlib import Path
from typing import Any

from spacy.language import Language
from spacy.tokens import Doc

from pipeline.classifiers.base import CodeModel
from pipeline.classifiers.loading import load_model
from pipeline.codebook import load_codebook


class CodeClassifier:
    def __init__(self, nlp: Language, name: str, model: CodeModel | None,
                 min_probability: float | None = None) -> None:
        self.nlp = nlp
        self.name = name
        self.model = model
        self.min_probability = min_probability

    def __call__(self, doc: Doc) -> Doc:
        return next(iter(self.pipe([doc])))

    def pipe(self, docs: Iterable[Doc], batch_size: int = 64) -> Iterator[Doc]:
        assert self.model is not None, "code_classifier has no model: pass model_path"
        it = iter(docs)
        while batch := list(islice(it, batch_size)):
            yield from self.model.annotate(batch, self.min_probability)

    def to_disk(self, path: str | Path, exclude: Iterable[str] = ()) -> None:
        assert self.model is not None
        self.model.save(path)

    def from_disk(self, path: str | Path, exclude: Iterable[str] = ()) -> CodeClassifier:
        self.model = load_model(path, nlp=self.nlp)
        return self


@Language.factory("code_classifier",
                  default_config={"model_path": None, "codebook_path": None, "min_probability": None},
                  assigns=["doc.cats", "doc._.codes", "doc._.evidence"])
def make_code_classifier(nlp: Language, name: str, model_path: str | None,
                         codebook_path: str | None, min_probability: float | None) -> CodeClassifier:
    codebook = load_codebook(codebook_path) if codebook_path else None
    model = load_model(model_path, codebook, nlp) if model_path else None
    return CodeClassifier(nlp, name, model, min_probability)


def add_model_component(nlp: Language, model_path: Path, codebook_path: Path | None,
                        min_probability: float | None) -> dict[str, Any]:
    """Add the trained model to ``nlp``; the run's tagger description for report.json.

    ``min_probability`` None uses the thresholds tuned per code at training time.
    """
    comp = nlp.add_pipe("code_classifier", config={
        "model_path": str(model_path), "codebook_path": str(codebook_path) if codebook_path else None,
        "min_probability": min_probability})
    card = comp.model.card
    return {"tagger": "code_classifier", "backend": card["backend"], "model": str(model_path),
            "model_created": card.get("created"), "codebook": card["codebook"]["id"],
            "codebook_version": card["codebook"]["version"], "codebook_sha": card["codebook"]["sha"],
            "training_data_sha": card["data"]["sha"],
            "codebook_path": str(codebook_path) if codebook_path else None}
