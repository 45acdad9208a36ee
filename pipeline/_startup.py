"""Start-up cost: what ``import spacy`` pulls in that our Dutch pipelines never use.

spaCy's thinc imports PyTorch when it is installed (5-6 s, measured with cProfile on a 2-core
machine), although the Dutch pipelines we run never use it.

While thinc's ``compat`` module is executed, ``import torch`` is made to fail, so thinc records
"no torch" and spaCy loads in well under a second. PyTorch itself stays importable: the
transformers backend imports it directly when it is used. Set ``NARRATIVES_SPACY_TORCH=1`` to
leave thinc alone (for spaCy pipelines that run on PyTorch, such as spacy-transformers).

``import spacy`` also imports spaCy's own command line (``spacy.cli``: downloads, projects,
training; with requests, httpx and weasel about 330 modules and 0.2-0.3 s of every start, measured
with ``python -X importtime``) only to offer ``spacy.info``. While spaCy is imported,
``spacy.cli`` is a placeholder that imports the real package on first use of anything in it
(``spacy.cli.download``, ``import spacy.cli.train``, ``spacy.info()``). Set
``NARRATIVES_SPACY_CLI=1`` to import it as spaCy does.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.util
import os
import sys
from collections.abc import Callable
from types import ModuleType
from typing import Any


class _AroundOneImport(importlib.abc.MetaPathFinder):
    """Runs the import of one module through ``around`` (once, then out of the way), unless
    ``unless_imported`` is imported already."""

    target = ""
    unless_imported = ""

    def find_spec(self, name: str, path: Any, target: ModuleType | None = None) -> Any:
        if name != self.target:
            return None
        sys.meta_path.remove(self)
        spec = importlib.util.find_spec(name)
        if spec is None or spec.loader is None or self.unless_imported in sys.modules:
            return spec
        run_module = spec.loader.exec_module

        def exec_module(module: ModuleType) -> None:
            self.around(run_module, module)

        spec.loader.exec_module = exec_module  # type: ignore[method-assign]
        return spec

    def around(self, run_module: Callable[[ModuleType], None], module: ModuleType) -> None:
        run_module(module)

    @classmethod
    def install(cls) -> None:
        if not any(isinstance(f, cls) for f in sys.meta_path):
            sys.meta_path.insert(0, cls())


class _ThincCompatWithoutTorch(_AroundOneImport):
    target, unless_imported = "thinc.compat", "torch"

    def around(self, run_module: Callable[[ModuleType], None], module: ModuleType) -> None:
        sys.modules["torch"] = None  # type: ignore[assignment]  # "import torch" fails here
        try:
            run_module(module)
        finally:
            if sys.modules.get("torch", 0) is None:
                del sys.modules["torch"]


def keep_torch_out_of_spacy() -> None:
    if os.environ.get("NARRATIVES_SPACY_TORCH") or "thinc.compat" in sys.modules or "torch" in sys.modules:
        return
    _ThincCompatWithoutTorch.install()


class _SpacyCliPlaceholder(ModuleType):
    """``spacy.cli`` as an attribute of ``spacy`` until something in it is used (see the module
    doc). Not in ``sys.modules``: ``import spacy.cli`` (or any of its submodules) imports the
    real package, exactly as without the placeholder."""

    def __getattr__(self, name: str) -> Any:
        return getattr(real_spacy_cli(), name)


def real_spacy_cli() -> ModuleType:
    """The real ``spacy.cli`` (imported now, if only the placeholder was)."""
    return importlib.import_module("spacy.cli")  # sets it on ``spacy`` in place of the placeholder


def _spacy_info(*args: Any, **kwargs: Any) -> Any:
    """``spacy.info``, from the real command line package."""
    return real_spacy_cli().info(*args, **kwargs)


class _SpacyWithCliOnDemand(_AroundOneImport):
    target, unless_imported = "spacy", "spacy.cli"

    def around(self, run_module: Callable[[ModuleType], None], module: ModuleType) -> None:
        info = ModuleType("spacy.cli.info")  # what ``from .cli.info import info`` reads
        info.info = _spacy_info  # type: ignore[attr-defined]
        placeholders = {"spacy.cli": _SpacyCliPlaceholder("spacy.cli"), "spacy.cli.info": info}
        sys.modules.update(placeholders)
        try:
            run_module(module)
        finally:
            for name, placeholder in placeholders.items():
                if sys.modules.get(name) is placeholder:
                    del sys.modules[name]
        if getattr(module, "cli", None) is None:
            module.cli = placeholders["spacy.cli"]  # type: ignore[attr-defined]


def import_spacy_cli_on_demand() -> None:
    if os.environ.get("NARRATIVES_SPACY_CLI") or "spacy" in sys.modules:
        return
    _SpacyWithCliOnDemand.install()


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
