"""Pipeline configuration: YAML file plus ``--set key=value`` overrides, validated once.

Paths in a config file are resolved relative to that file, so a project folder can be moved.
"""

from __future__ import annotations

import copy
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from pipeline.errors import ConfigError
from pipeline.yaml_io import safe_load

DEFAULTS: dict[str, Any] = {
    "nlp": {"model": "nl_core_news_md", "fallback": "offline", "batch_size": 64},
    "readers": {
        "table_text_column": "text",
        "table_id_column": "doc_id",
        "table_speaker_column": "speaker",
        "table_role_column": "role",
        "table_kind_column": "kind",
        "max_bytes": 200_000_000,
    },
    "structure": {"kind": "auto", "kind_patterns": {}, "roles": {}, "max_unit_chars": 2000},
    "codebook": None,
    "tagging": {"codes": True, "model": None, "min_probability": None},
}

_PATH_KEYS = (("codebook",), ("tagging", "model"))
_KINDS = ("auto", "transcript", "diary", "report", "text")


@dataclass
class Config:
    """A validated configuration; ``source`` names the file for error messages."""

    data: dict[str, Any]
    source: str = "<defaults>"
    base_dir: Path = field(default_factory=Path.cwd)
    origin: str = "none"  # where the file was found: --config, project, package or none

    def get(self, *keys: str) -> Any:
        node: Any = self.data
        for k in keys:
            node = node[k]
        return node

    def path(self, *keys: str) -> Path | None:
        """A path value resolved against the config file's folder."""
        value = self.get(*keys)
        if value in (None, ""):
            return None
        p = Path(value)
        return p if p.is_absolute() else (self.base_dir / p).resolve()

    def fingerprint(self) -> str:
        """Stable hash of the settings that change outputs (for resumable runs)."""
        blob = json.dumps(self.data, sort_keys=True, default=str).encode()
        return hashlib.sha256(blob).hexdigest()[:16]


def _merge(base: dict[str, Any], override: dict[str, Any], source: str, prefix: str = "") -> None:
    for key, value in override.items():
        dotted = f"{prefix}{key}"
        if key not in base:
            raise ConfigError(source, dotted, f"unknown key; expected one of {sorted(base)}")
        if isinstance(base[key], dict) and key not in ("kind_patterns", "roles"):
            if not isinstance(value, dict):
                raise ConfigError(source, dotted, "expected a mapping")
            _merge(base[key], value, source, dotted + ".")
        else:
            base[key] = value


def _parse_override(item: str) -> tuple[list[str], Any]:
    if "=" not in item:
        raise ConfigError("--set", item, "expected KEY=VALUE, e.g. structure.kind=diary")
    key, raw = item.split("=", 1)
    return key.strip().split("."), safe_load(raw) if raw.strip() else None


def _validate(data: dict[str, Any], source: str) -> None:
    kind = data["structure"]["kind"]
    if kind not in _KINDS:
        raise ConfigError(source, "structure.kind", f"one of {', '.join(_KINDS)}; got {kind!r}")
    for pattern, k in (data["structure"]["kind_patterns"] or {}).items():
        if k not in _KINDS[1:]:
            raise ConfigError(source, f"structure.kind_patterns.{pattern}",
                              f"one of {', '.join(_KINDS[1:])}; got {k!r}")
    for label, role in (data["structure"]["roles"] or {}).items():
        if role not in ("interviewer", "respondent", "other"):
            raise ConfigError(source, f"structure.roles.{label}",
                              f"interviewer, respondent or other; got {role!r}")
    mx = data["structure"]["max_unit_chars"]
    if not isinstance(mx, int) or mx < 100:
        raise ConfigError(source, "structure.max_unit_chars", f"an integer >= 100; got {mx!r}")
    mp = data["tagging"]["min_probability"]
    if mp is not None and (not isinstance(mp, (int, float)) or not 0 <= mp <= 1):
        raise ConfigError(source, "tagging.min_probability", f"null or a number from 0 to 1; got {mp!r}")
    if not isinstance(data["tagging"]["codes"], bool):
        raise ConfigError(source, "tagging.codes", f"true or false; got {data['tagging']['codes']!r}")
    bs = data["nlp"]["batch_size"]
    if not isinstance(bs, int) or bs < 1:
        raise ConfigError(source, "nlp.batch_size", f"a positive integer; got {bs!r}")


def load_config(path: str | Path | None = None, overrides: list[str] | None = None) -> Config:
    """Load a config file with overrides: ``path``, else ./configs/default.yaml, else the config
    shipped with the package (see pipeline.resources)."""
    from pipeline.resources import find_config

    data = copy.deepcopy(DEFAULTS)
    source, base_dir = "<defaults>", Path.cwd()
    cfg_path, origin = find_config(path)
    if cfg_path is not None:
        if not cfg_path.exists():
            raise ConfigError(cfg_path, "(file)", "the config file does not exist")
        try:
            loaded = safe_load(cfg_path.read_text(encoding="utf-8")) or {}
        except yaml.YAMLError as e:
            raise ConfigError(cfg_path, "(file)", f"valid YAML ({e})") from None
        if not isinstance(loaded, dict):
            raise ConfigError(cfg_path, "(top level)", "a mapping of sections")
        _merge(data, loaded, str(cfg_path))
        source, base_dir = str(cfg_path), cfg_path.resolve().parent
    for item in overrides or []:
        keys, value = _parse_override(item)
        nested: dict[str, Any] = value
        for k in reversed(keys[1:]):
            nested = {k: nested}
        _merge(data, {keys[0]: nested}, "--set")
    _validate(data, source)
    return Config(data, source, base_dir, origin)
