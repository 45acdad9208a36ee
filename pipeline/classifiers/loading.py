"""Loading a model folder with the right backend, by what its card says."""

from __future__ import annotations

from pathlib import Path

from spacy.language import Language

from pipeline.classifiers.base import CodeModel
from pipeline.classifiers.persistence import read_card
from pipeline.codebook import Codebook
from pipeline.errors import ConfigError

BACKENDS = ("sklearn", "transformers")


def load_model(path: str | Path, codebook: Codebook | None = None,
               nlp: Language | None = None) -> CodeModel:
    card = read_card(path)
    backend = card.get("backend")
    if backend == "sklearn":
        from pipeline.classifiers.sklearn_backend import SklearnCodeModel

        return SklearnCodeModel.load(path, codebook, nlp)
    if backend == "transformers":
        try:
            from pipeline.classifiers.transformers_backend import TransformersCodeModel
        except ImportError as e:
            raise ConfigError(path, "backend", "the transformers extra: pip install "
                              f"'dutch-narratives[transformers]' ({e})") from None
        return TransformersCodeModel.load(path, codebook, nlp)
    raise ConfigError(Path(path) / "model.json", "backend", f"one of {', '.join(BACKENDS)}; got {backend!r}")


def new_model(backend: str, codebook: Codebook, nlp: Language | None = None, **params) -> CodeModel:
    if backend == "sklearn":
        from pipeline.classifiers.sklearn_backend import SklearnCodeModel

        return SklearnCodeModel(codebook, nlp, **params)
    if backend == "transformers":
        try:
            from pipeline.classifiers.transformers_backend import TransformersCodeModel
        except ImportError as e:
            raise ConfigError("--backend", "transformers", "the transformers extra: pip install "
                              f"'dutch-narratives[transformers]' ({e})") from None
        return TransformersCodeModel(codebook, nlp, **params)
    raise ConfigError("--backend", "backend", f"one of {', '.join(BACKENDS)}; got {backend!r}")
