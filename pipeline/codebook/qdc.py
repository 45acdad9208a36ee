"""REFI-QDA codebook exchange (.qdc): export for QDA software, import back, exactly.

Groups become folder codes (``isCodable="false"``) and codes nest under them (and under their
``parent``). A code's Description holds, for people, the definition, criteria and examples, and
on its last line a ``[narratives]`` JSON record with what QDA tools have no field for (ids, cues,
group rules), so that export then import gives the same codebook. A .qdc made in another tool has
no such line: ids are then made from the code names and every folder becomes a multi-label group.
"""

from __future__ import annotations

import json
import re
import uuid
from pathlib import Path
from typing import Any

from defusedxml import ElementTree as SafeET
from lxml import etree

from pipeline.codebook.loading import codebook_from_dict
from pipeline.codebook.model import Code, Codebook, Group
from pipeline.errors import ConfigError

NS = "urn:QDA-XML:codebook:1.0"
META_PREFIX = "[narratives] "
_GUID_NS = uuid.UUID("6f1c8a53-3d0e-4c55-9a5e-2b7e1d0a9c41")


def code_guid(codebook_id: str, code_id: str) -> str:
    """Stable GUID per code, so repeated exports and project files agree."""
    return str(uuid.uuid5(_GUID_NS, f"{codebook_id}/{code_id}"))


def _description(code: Code) -> str:
    parts = [code.definition] if code.definition else []
    for title, items in (("Inclusie", code.include), ("Exclusie", code.exclude),
                         ("Voorbeelden", code.examples)):
        if items:
            parts.append(title + ":\n" + "\n".join(f"- {i}" for i in items))
    meta = {"id": code.id, "cues": [c.to_dict() for c in code.cues]}
    if code.parent:
        meta["parent"] = code.parent
    parts.append(META_PREFIX + json.dumps(meta, ensure_ascii=False, separators=(",", ":")))
    return "\n\n".join(parts)


def _group_description(cb: Codebook, g: Group) -> str:
    meta = {k: v for k, v in g.to_dict().items() if k not in ("codes", "label", "description")}
    if g is cb.groups[0]:
        meta["codebook"] = {"id": cb.id, "version": cb.version, "name": cb.name,
                            "language": cb.language, "description": cb.description}
    text = [g.description] if g.description else []
    text.append(META_PREFIX + json.dumps(meta, ensure_ascii=False, separators=(",", ":")))
    return "\n\n".join(text)


def _q(tag: str, ns: str) -> str:
    return f"{{{ns}}}{tag}"


def codes_element(cb: Codebook, ns: str, with_meta: bool = True) -> etree._Element:
    """The ``Codes`` element (shared by .qdc and .qdpx project files)."""
    codes_el = etree.Element(_q("Codes", ns), nsmap={None: ns})
    for g in cb.groups:
        gel = etree.SubElement(codes_el, _q("Code", ns), guid=code_guid(cb.id, "group:" + g.id),
                               name=g.label, isCodable="false")
        desc = _group_description(cb, g) if with_meta else g.description
        if desc:
            etree.SubElement(gel, _q("Description", ns)).text = desc
        by_parent: dict[str | None, list[Code]] = {}
        for c in g.codes:
            by_parent.setdefault(c.parent if c.parent in g.code_ids else None, []).append(c)

        def add(parent_el: etree._Element, parent_id: str | None,
                by_parent: dict[str | None, list[Code]] = by_parent) -> None:
            for c in by_parent.get(parent_id, []):
                attrs = {"guid": code_guid(cb.id, c.id), "name": c.label, "isCodable": "true"}
                if c.color:
                    attrs["color"] = c.color
                cel = etree.SubElement(parent_el, _q("Code", ns), **attrs)
                etree.SubElement(cel, _q("Description", ns)).text = (
                    _description(c) if with_meta else c.definition or c.label)
                add(cel, c.id)

        add(gel, None)
    return codes_el


def write_qdc(cb: Codebook, path: str | Path, origin: str = "narratives") -> None:
    from pipeline.io import atomic_open

    root = etree.Element(_q("CodeBook", NS), nsmap={None: NS}, origin=origin)
    root.append(codes_element(cb, NS))
    data = etree.tostring(root, xml_declaration=True, encoding="utf-8", pretty_print=True)
    with atomic_open(path, "wb") as fh:
        fh.write(data)


def split_meta(text: str | None) -> tuple[str, dict[str, Any] | None]:
    """A Description without its ``[narratives]`` line, and that line's JSON (None if absent)."""
    text = text or ""
    idx = text.rfind(META_PREFIX)
    if idx == -1:
        return text.strip(), None
    try:
        meta = json.loads(text[idx + len(META_PREFIX):].strip())
    except json.JSONDecodeError:
        return text.strip(), None
    return text[:idx].strip(), meta


def _parse_human(text: str) -> dict[str, Any]:
    out: dict[str, Any] = {"definition": "", "include": [], "exclude": [], "examples": []}
    keys = {"Inclusie": "include", "Exclusie": "exclude", "Voorbeelden": "examples"}
    for block in [b for b in text.split("\n\n") if b.strip()]:
        head, _, rest = block.partition(":\n")
        if head in keys and rest:
            out[keys[head]] = [line[2:] for line in rest.split("\n") if line.startswith("- ")]
        else:
            out["definition"] = (out["definition"] + "\n\n" + block).strip()
    return out


def _slug(name: str) -> str:
    s = re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")
    return s or "code"


def read_qdc(path: str | Path) -> Codebook:
    """Read a .qdc (any ``urn:QDA-XML:codebook:*`` namespace), parsed without entity expansion."""
    path = Path(path)
    try:
        root = SafeET.parse(str(path)).getroot()
    except Exception as e:  # defusedxml raises several types; all mean "not a usable .qdc"
        raise ConfigError(path, "(file)", f"a well-formed REFI-QDA codebook ({type(e).__name__}: {e})") from None
    m = re.match(r"\{(urn:QDA-XML:codebook:[^}]*)\}CodeBook$", root.tag)
    if not m:
        raise ConfigError(path, "(root)", f"a CodeBook element in namespace urn:QDA-XML:codebook:*; got {root.tag}")
    return codebook_from_codes(root.find(f"{{{m.group(1)}}}Codes"), m.group(1), str(path))


def codebook_from_codes(codes_el: Any, ns: str, source: str) -> Codebook:
    """Rebuild a codebook from a ``Codes`` element (of a .qdc or a .qdpx project)."""
    if codes_el is None:
        raise ConfigError(source, "Codes", "a Codes element with at least one code")
    q = lambda tag: f"{{{ns}}}{tag}"  # noqa: E731
    top: dict[str, Any] = {"id": _slug(Path(source).stem), "groups": []}
    loose: list[dict[str, Any]] = []
    for gel in codes_el.findall(q("Code")):
        gtext, gmeta = split_meta(gel.findtext(q("Description")))
        if gel.get("isCodable", "true") == "false" or gmeta is not None:
            group: dict[str, Any] = {"id": _slug(gel.get("name", "group")), "kind": "multi",
                                     "label": gel.get("name"), "description": gtext, "codes": []}
            if gmeta:
                meta = dict(gmeta)
                cbmeta = meta.pop("codebook", None)
                if cbmeta:
                    top.update(cbmeta)
                group.update(meta)
            for cel in gel.iter(q("Code")):
                if cel is gel:
                    continue
                group["codes"].append(_code_dict(cel, q, group["id"]))
            top["groups"].append(group)
        else:
            loose.append(_code_dict(gel, q, "codes"))
            for cel in gel.iter(q("Code")):
                if cel is not gel:
                    loose.append(_code_dict(cel, q, "codes"))
    if loose:
        top["groups"].append({"id": "codes", "kind": "multi", "label": "Codes", "codes": loose})
    return codebook_from_dict(top, source)


def _code_dict(cel: Any, q: Any, group_id: str) -> dict[str, Any]:
    text, meta = split_meta(cel.findtext(q("Description")))
    d: dict[str, Any] = {"label": cel.get("name"), **_parse_human(text)}
    if cel.get("color"):
        d["color"] = cel.get("color")
    if meta:
        d["id"] = meta["id"]
        d["cues"] = meta.get("cues", [])
        if meta.get("parent"):
            d["parent"] = meta["parent"]
    else:
        d["id"] = f"{group_id}.{_slug(cel.get('name', 'code'))}"
    return d
