"""Loading a codebook from YAML with validation that names the file, the key and what was expected.

Unknown keys are rejected (a typo such as ``exlude`` would otherwise silently drop criteria).
"""

from __future__ import annotations

import re
from typing import Any

from pipeline.codebook.model import GROUP_KINDS, UNITS, Code, Codebook, Cue, Group
from pipeline.errors import ConfigError

_TOP_KEYS = {"id", "version", "name", "language", "description", "groups"}
_GROUP_KEYS = {"id", "label", "kind", "unit", "requires", "optional", "profile", "description",
               "threshold", "codes"}
_CODE_KEYS = {"id", "label", "definition", "include", "exclude", "examples", "cues", "parent",
              "color"}
_CUE_KEYS = {"id", "weight", "lemmas", "phrases", "pattern", "sections"}
_MATCHER_KEYS = {"LEMMA", "LOWER", "ORTH", "TEXT", "OP", "IS_PUNCT", "IS_DIGIT", "IS_TITLE", "LENGTH", "NORM",
                 "POS", "TAG"}
_COLOR = re.compile(r"^#[0-9A-Fa-f]{6}$")
_ID = re.compile(r"^[a-z0-9][a-z0-9_.\-]*$")


class _Checker:
    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, key: str, expected: str) -> None:
        raise ConfigError(self.source, key, expected)

    def mapping(self, value: Any, key: str, allowed: set[str], required: set[str]) -> dict[str, Any]:
        if not isinstance(value, dict):
            self.fail(key, f"a mapping with keys {sorted(required)}; got {type(value).__name__}")
        for k in value:
            if k not in allowed:
                self.fail(f"{key}.{k}", f"unknown key; expected one of {sorted(allowed)}")
        for k in required:
            if value.get(k) in (None, ""):
                self.fail(f"{key}.{k}", "a value (required)")
        return value

    def string_list(self, value: Any, key: str) -> list[str]:
        if value is None:
            return []
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.fail(key, "a list of strings")
        return value

    def ident(self, value: Any, key: str) -> str:
        if not isinstance(value, str) or not _ID.match(value):
            self.fail(key, f"an id of lowercase letters, digits, '.', '_' or '-'; got {value!r}")
        return value


def _cue(ck: _Checker, raw: Any, key: str) -> Cue:
    raw = ck.mapping(raw, key, _CUE_KEYS, {"id"})
    kinds = [k for k in ("lemmas", "phrases", "pattern", "sections") if raw.get(k) is not None]
    if len(kinds) != 1:
        ck.fail(key, f"exactly one of lemmas, phrases, pattern or sections; got {kinds or 'none'}")
    weight = raw.get("weight", 0.5)
    if not isinstance(weight, (int, float)) or not 0 < weight < 1:
        ck.fail(f"{key}.weight", f"a number between 0 and 1 (exclusive); got {weight!r}")
    pattern = raw.get("pattern")
    if pattern is not None:
        if not isinstance(pattern, list) or not pattern or not all(isinstance(t, dict) for t in pattern):
            ck.fail(f"{key}.pattern", "a non-empty list of token dicts (spaCy Matcher form)")
        for j, tok in enumerate(pattern):
            for attr in tok:
                if attr not in _MATCHER_KEYS:
                    ck.fail(f"{key}.pattern[{j}].{attr}",
                            f"a Matcher attribute, one of {sorted(_MATCHER_KEYS)}")
    lemmas = ck.string_list(raw.get("lemmas"), f"{key}.lemmas") if "lemmas" in kinds else None
    phrases = ck.string_list(raw.get("phrases"), f"{key}.phrases") if "phrases" in kinds else None
    sections = ck.string_list(raw.get("sections"), f"{key}.sections") if "sections" in kinds else None
    return Cue(id=str(raw["id"]), weight=float(weight), lemmas=lemmas, phrases=phrases,
               pattern=pattern, sections=[x.lower() for x in sections] if sections else None)


def _code(ck: _Checker, raw: Any, key: str, group_id: str) -> Code:
    raw = ck.mapping(raw, key, _CODE_KEYS, {"id"})
    code_id = ck.ident(raw["id"], f"{key}.id")
    if not (code_id == group_id or code_id.startswith(group_id + ".")):
        ck.fail(f"{key}.id", f"an id starting with the group id '{group_id}.'; got '{code_id}'")
    color = raw.get("color")
    if color is not None and (not isinstance(color, str) or not _COLOR.match(color)):
        ck.fail(f"{key}.color", f"a colour as #RRGGBB; got {color!r}")
    cues_raw = raw.get("cues") or []
    if not isinstance(cues_raw, list):
        ck.fail(f"{key}.cues", "a list of cue rules")
    cues = [_cue(ck, c, f"{key}.cues[{j}]") for j, c in enumerate(cues_raw)]
    seen: set[str] = set()
    for c in cues:
        if c.id in seen:
            ck.fail(f"{key}.cues", f"unique cue ids; '{c.id}' appears twice")
        seen.add(c.id)
    return Code(id=code_id, label=str(raw.get("label") or code_id), group=group_id,
                definition=str(raw.get("definition") or "").strip(),
                include=ck.string_list(raw.get("include"), f"{key}.include"),
                exclude=ck.string_list(raw.get("exclude"), f"{key}.exclude"),
                examples=ck.string_list(raw.get("examples"), f"{key}.examples"),
                cues=cues, parent=raw.get("parent"), color=color)


def _group(ck: _Checker, raw: Any, key: str) -> Group:
    raw = ck.mapping(raw, key, _GROUP_KEYS, {"id", "kind", "codes"})
    gid = ck.ident(raw["id"], f"{key}.id")
    if raw["kind"] not in GROUP_KINDS:
        ck.fail(f"{key}.kind", f"one of {', '.join(GROUP_KINDS)}; got {raw['kind']!r}")
    unit = raw.get("unit", "segment")
    if unit not in UNITS:
        ck.fail(f"{key}.unit", f"one of {', '.join(UNITS)}; got {unit!r}")
    threshold = raw.get("threshold", 0.5)
    if not isinstance(threshold, (int, float)) or not 0 < threshold < 1:
        ck.fail(f"{key}.threshold", f"a number between 0 and 1; got {threshold!r}")
    for flag in ("optional", "profile"):
        if not isinstance(raw.get(flag, False), bool):
            ck.fail(f"{key}.{flag}", "true or false")
    if not isinstance(raw["codes"], list) or not raw["codes"]:
        ck.fail(f"{key}.codes", "a non-empty list of codes")
    codes = [_code(ck, c, f"{key}.codes[{j}]", gid) for j, c in enumerate(raw["codes"])]
    return Group(id=gid, label=str(raw.get("label") or gid), kind=raw["kind"], unit=unit,
                 requires=raw.get("requires"), optional=raw.get("optional", False),
                 profile=raw.get("profile", False),
                 description=str(raw.get("description") or "").strip(),
                 threshold=float(threshold), codes=codes)


def codebook_from_dict(data: Any, source: str = "<dict>") -> Codebook:
    ck = _Checker(source)
    data = ck.mapping(data, "(top level)", _TOP_KEYS, {"id", "groups"})
    if not isinstance(data["groups"], list) or not data["groups"]:
        ck.fail("groups", "a non-empty list of groups")
    groups = [_group(ck, g, f"groups[{i}]") for i, g in enumerate(data["groups"])]
    cb = Codebook(id=ck.ident(data["id"], "id"), version=str(data.get("version", "1")),
                  name=str(data.get("name") or data["id"]), groups=groups,
                  language=str(data.get("language", "nl")),
                  description=str(data.get("description") or "").strip(), source=source)
    _check_references(ck, cb)
    return cb


def _check_references(ck: _Checker, cb: Codebook) -> None:
    ids: set[str] = set()
    for gi, g in enumerate(cb.groups):
        if g.id in {x.id for x in cb.groups[:gi]}:
            ck.fail(f"groups[{gi}].id", f"a unique group id; '{g.id}' appears twice")
        for ci, c in enumerate(g.codes):
            if c.id in ids:
                ck.fail(f"groups[{gi}].codes[{ci}].id", f"a unique code id; '{c.id}' appears twice")
            ids.add(c.id)
    for gi, g in enumerate(cb.groups):
        if g.requires and g.requires not in ids:
            ck.fail(f"groups[{gi}].requires", f"a code id of this codebook; '{g.requires}' is not one")
        for ci, c in enumerate(g.codes):
            if c.parent and c.parent not in ids:
                ck.fail(f"groups[{gi}].codes[{ci}].parent",
                        f"a code id of this codebook; '{c.parent}' is not one")
