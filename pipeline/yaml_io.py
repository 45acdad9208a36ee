"""YAML parsing for configs, codebooks and marked-text headers: safe, and fast where it can be.

PyYAML's pure-Python SafeLoader took about 0.2 s of every run's start for the default codebook;
its libyaml binding (CSafeLoader, in PyYAML's wheels) builds the same plain data (no Python
objects from tags) in a tenth of that. Both raise ``yaml.YAMLError`` with line and column.
"""

from __future__ import annotations

from typing import Any

import yaml

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def safe_load(text: str) -> Any:
    return yaml.load(text, Loader=_LOADER)
