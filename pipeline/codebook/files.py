"""Reading a codebook file, whichever format: YAML (``loading``) or REFI-QDA .qdc (``qdc``).

Kept apart from both so that they do not import each other.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from pipeline.codebook.loading import codebook_from_dict
from pipeline.codebook.model import Codebook
from pipeline.codebook.qdc import read_qdc
from pipeline.errors import ConfigError
from pipeline.yaml_io import safe_load


def load_codebook(path: str | Path) -> Codebook:
    """Load and validate a codebook (.yaml/.yml, or a REFI-QDA .qdc)."""
    path = Path(path)
    if not path.exists():
        raise ConfigError(path, "(file)", "an existing codebook file")
    if path.suffix.lower() == ".qdc":
        return read_qdc(path)
    try:
        data = safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as e:
        raise ConfigError(path, "(file)", f"valid YAML ({e})") from None
    return codebook_from_dict(data, str(path))
