"""Where the shipped defaults (pipeline config, codebooks, default model) are found.

The project's ``configs/`` and ``models/`` folders are the only copy in git. A built wheel carries
them inside the package as ``pipeline/_data/configs`` and ``pipeline/_data/models`` (mapped in
pyproject.toml), so relative paths in the default config (``codebooks/...``, ``../models/...``)
hold in both places. Lookup order for the config: ``--config``; ``./configs/default.yaml`` in the
working folder (a project's own configs win); the packaged defaults.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

PROJECT_CONFIG = Path("configs/default.yaml")


def packaged_root() -> Path | None:
    """The folder holding the shipped ``configs/`` and ``models/``: inside the installed package
    (a wheel), else the source checkout the package runs from (an editable install)."""
    installed = Path(str(files("pipeline"))) / "_data"
    if (installed / "configs" / "default.yaml").is_file():
        return installed
    checkout = Path(__file__).resolve().parent.parent
    if (checkout / "configs" / "default.yaml").is_file() and (checkout / "pyproject.toml").is_file():
        return checkout
    return None


def packaged_config() -> Path | None:
    root = packaged_root()
    return root / "configs" / "default.yaml" if root else None


def find_config(explicit: str | Path | None = None) -> tuple[Path | None, str]:
    """The config file a run uses and where it came from (``--config``, ``project``, ``package``
    or ``none``: built-in defaults only)."""
    if explicit:
        return Path(explicit), "--config"
    if PROJECT_CONFIG.is_file():
        return PROJECT_CONFIG, "project"
    shipped = packaged_config()
    if shipped is not None:
        return shipped, "package"
    return None, "none"
