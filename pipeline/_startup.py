"""Start-up cost: spaCy's thinc imports PyTorch when it is installed (5-6 s, measured with
cProfile on a 2-core machine), although the Dutch pipelines we run never use it.

While thinc's ``compat`` module is executed, ``import torch`` is made to fail, so thinc records
"no torch" and spaCy loads in well under a second. PyTorch itself stays importable: the
transformers backend imports it directly when it is used. Set ``NARRATIVES_SPACY_TORCH=1`` to
leave thinc alone (for spaCy pipelines that run on PyTorch, such as spacy-transformers).
"""

from __future__ import annotations

import importlib.abc
import importlib.util
import os
import sys
from types import ModuleType
from typing import Any


class _ThincCompatWithoutTorch(importlib.abc.MetaPathFinder):
    def find_spec(self, name: str, path: Any, target: ModuleType | None = None) -> Any:
        if name != "thinc.compat":
            return None
        sys.meta_path.remove(self)
        spec = importlib.util.find_spec(name)
        if spec is None or spec.loader is None or "torch" in sys.modules:
            return spec
        run_module = spec.loader.exec_module

        def exec_module(module: ModuleType) -> None:
            sys.modules["torch"] = None  # type: ignore[assignment]  # "import torch" fails here
            try:
                run_module(module)
            finally:
                if sys.modules.get("torch", 0) is None:
                    del sys.modules["torch"]

        spec.loader.exec_module = exec_module  # type: ignore[method-assign]
        return spec


def keep_torch_out_of_spacy() -> None:
    if os.environ.get("NARRATIVES_SPACY_TORCH") or "thinc.compat" in sys.modules or "torch" in sys.modules:
        return
    if not any(isinstance(f, _ThincCompatWithoutTorch) for f in sys.meta_path):
        sys.meta_path.insert(0, _ThincCompatWithoutTorch())


# Objects allocated between collections of the youngest generation (Python's default: 700).
# A run allocates about a million long-lived objects at start (spaCy, the tokenizer's special
# cases, the model's vocabulary) and many short-lived ones per unit; with the default the
# collector walks the long-lived ones again and again. Measured over 40 interviews on 2 cores:
# 6% of the whole process, with 1% more peak memory (bench/README.md, round 6).
COMMAND_GC_THRESHOLD = (50_000, 20, 20)


def tune_garbage_collector() -> None:
    """For the ``narratives`` command only (a library user's process keeps its own settings)."""
    import gc

    if gc.get_threshold()[0] < COMMAND_GC_THRESHOLD[0]:
        gc.set_threshold(*COMMAND_GC_THRESHOLD)
