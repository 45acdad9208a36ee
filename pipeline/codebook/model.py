"""The codebook model: groups of codes with definitions, cues and the rules between them.

A codebook is configuration (YAML in configs/codebooks/), never code. This module holds the
typed records and the rules that apply codes consistently (one code per single-choice group; a
group that ``requires`` a code only where that code is assigned).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from typing import Any

GROUP_KINDS = ("multi", "single")
UNITS = ("segment", "sentence", "document")


@dataclass
class Cue:
    """One cue rule: lemmas, phrases, a spaCy Matcher pattern, or the diary sections a unit is
    in (the section keyword is not part of a unit's text), with a weight (0-1)."""

    id: str
    weight: float
    lemmas: list[str] | None = None
    phrases: list[str] | None = None
    pattern: list[dict[str, Any]] | None = None
    sections: list[str] | None = None

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v is not None}


@dataclass
class Code:
    id: str
    label: str
    group: str
    definition: str = ""
    include: list[str] = field(default_factory=list)
    exclude: list[str] = field(default_factory=list)
    examples: list[str] = field(default_factory=list)
    cues: list[Cue] = field(default_factory=list)
    parent: str | None = None
    color: str | None = None

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"id": self.id, "label": self.label, "definition": self.definition,
                             "include": self.include, "exclude": self.exclude,
                             "examples": self.examples, "color": self.color,
                             "cues": [c.to_dict() for c in self.cues]}
        if self.parent:
            d["parent"] = self.parent
        return d


@dataclass
class Group:
    id: str
    label: str
    kind: str  # multi | single
    unit: str = "segment"
    requires: str | None = None
    optional: bool = False
    profile: bool = False
    description: str = ""
    threshold: float = 0.5
    codes: list[Code] = field(default_factory=list)

    @property
    def code_ids(self) -> list[str]:
        return [c.id for c in self.codes]

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"id": self.id, "label": self.label, "kind": self.kind,
                             "unit": self.unit, "description": self.description}
        if self.requires:
            d["requires"] = self.requires
        if self.optional:
            d["optional"] = True
        if self.profile:
            d["profile"] = True
        if self.threshold != 0.5:
            d["threshold"] = self.threshold
        d["codes"] = [c.to_dict() for c in self.codes]
        return d


@dataclass
class Codebook:
    id: str
    version: str
    name: str
    groups: list[Group]
    language: str = "nl"
    description: str = ""
    source: str = "<memory>"

    @property
    def codes(self) -> list[Code]:
        return [c for g in self.groups for c in g.codes]

    @property
    def code_ids(self) -> list[str]:
        return [c.id for c in self.codes]

    def code(self, code_id: str) -> Code:
        for c in self.codes:
            if c.id == code_id:
                return c
        raise KeyError(code_id)

    def group(self, group_id: str) -> Group:
        for g in self.groups:
            if g.id == group_id:
                return g
        raise KeyError(group_id)

    def group_of(self, code_id: str) -> Group:
        for g in self.groups:
            if code_id in g.code_ids:
                return g
        raise KeyError(code_id)

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "version": self.version, "name": self.name,
                "language": self.language, "description": self.description,
                "groups": [g.to_dict() for g in self.groups]}

    def fingerprint(self) -> str:
        """Hash of the codebook's content: models record it to detect a changed codebook."""
        blob = json.dumps(self.to_dict(), sort_keys=True, ensure_ascii=False).encode()
        return hashlib.sha256(blob).hexdigest()[:16]

    def structure_fingerprint(self) -> str:
        """Hash of ids, kinds and rules only: what a trained model depends on."""
        shape = [(g.id, g.kind, g.requires, g.code_ids) for g in self.groups]
        return hashlib.sha256(json.dumps(shape).encode()).hexdigest()[:16]

    def apply_rules(self, scores: dict[str, float], threshold: float | None = None,
                    thresholds: dict[str, float] | None = None) -> list[str]:
        """Assigned codes from scores, following the codebook's rules.

        Multi-label groups: every code at or above its threshold. Single-choice groups: the best
        code if it reaches the threshold. A group with ``requires`` only where that code is
        assigned (decision type only inside a decision moment).
        """
        thresholds = thresholds or {}
        assigned: list[str] = []
        groups = [(g, g.code_ids) for g in self.groups]  # one list per group, not one per use
        for g, code_ids in groups:
            cut = threshold if threshold is not None else g.threshold
            scored = [(c, scores.get(c, 0.0)) for c in code_ids]
            if g.kind == "multi":
                assigned += [c for c, s in scored if s >= thresholds.get(c, cut)]
            elif scored:
                best, s = max(scored, key=lambda cs: cs[1])
                if s >= thresholds.get(best, cut):
                    assigned.append(best)
        present = set(assigned)
        changed = True
        while changed:  # a required code may itself be dropped by its own requirement
            changed = False
            for g, code_ids in groups:
                if g.requires and g.requires not in present:
                    for c in code_ids:
                        if c in present:
                            present.discard(c)
                            changed = True
        return [c for c in assigned if c in present]
