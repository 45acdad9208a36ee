"""Import codings from a REFI-QDA project (.qdpx) made in ATLAS.ti, NVivo, MAXQDA or QualCoder.

Three layers:

- :func:`read_codings`: the project's text sources and every coding, exactly as in the file
  (source, code-point offsets with exclusive end, code GUID and name, coder), with the
  tolerances real exports need (any single ``.qde`` at the root, ``Sources/`` or ``sources/``,
  ``plainTextPath`` with or without ``internal://``, inline ``PlainTextContent``, GUIDs in any
  case with or without braces, selections without a Coding). The archive is read by
  :func:`pipeline.readers.qdpx.read_project`, which refuses path traversal, oversized members and
  XML entities with an InputError naming the file.
- :func:`map_codes`: project codes to codebook ids (by our GUIDs, the ``[narratives]`` id in the
  description, the id, the label, or the folder/label path, case-insensitively).
- :func:`import_qdpx`: annotated units: each source is segmented like a run
  (``pipeline.structure``), each coding goes to the segment(s) it overlaps most, one unit per
  segment and coder. A unit keeps the exact codings it received, so nothing is lost.
"""

from __future__ import annotations

import bisect
import logging
import re
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import Element

from pipeline.codebook import Codebook
from pipeline.codebook.qdc import code_guid, codebook_from_codes, split_meta
from pipeline.errors import ConfigError, InputError, PipelineError
from pipeline.model import DOCUMENT_KINDS, Document
from pipeline.readers.qdpx import normalise_guid, read_project
from pipeline.structure import StructureOptions, structure_document
from pipeline.training.units import AnnotatedUnit

log = logging.getLogger(__name__)

MAX_BYTES = 200_000_000
_SEPARATORS = re.compile(r"\s*(?:/|\\|>|::|\|)\s*")


@dataclass
class Coding:
    """One coding as written in the project: ``text[start:end]`` of the source was coded."""

    source_guid: str
    source_name: str
    start: int
    end: int
    code_guid: str
    code_name: str
    coder: str | None
    coder_guid: str | None
    selection_guid: str | None = None


@dataclass
class ProjectCode:
    guid: str
    name: str
    path: list[str]  # folder names above it, then its own name
    codable: bool
    description: str = ""
    meta_id: str | None = None  # the id of a code exported by narratives


@dataclass
class CodebookInfo:
    """What the project says about its codes and coders, and what read_codings left out."""

    codes: dict[str, ProjectCode] = field(default_factory=dict)
    users: dict[str, str] = field(default_factory=dict)
    annotations: int = 0  # selections without a Coding (notes, comments)
    invalid: list[str] = field(default_factory=list)
    codebook: Codebook | None = None  # rebuilt from the project's CodeBook where possible
    variables: dict[str, dict[str, str]] = field(default_factory=dict)  # source guid -> {name: value}


@dataclass
class ImportedUnit(AnnotatedUnit):
    """An annotated unit that keeps its offsets, the exact codings and rejected codes."""

    start: int = 0
    end: int = 0
    codings: list[dict[str, Any]] = field(default_factory=list)
    rejected: list[str] | None = None

    def to_record(self) -> dict[str, Any]:
        rec = {"id": self.id, "doc_id": self.doc_id, "text": self.text, "codes": self.codes,
               "coder": self.coder, "start": self.start, "end": self.end,
               "context": self.context, "codings": self.codings}
        if self.rejected is not None:
            rec["rejected"] = self.rejected
        return rec


def _local(tag: Any) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _children(el: Element, name: str) -> list[Element]:
    return [c for c in el if _local(c.tag) == name]


def _int(value: str | None) -> int | None:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return None


def read_codings(qdpx_path: str | Path, max_bytes: int = MAX_BYTES
                 ) -> tuple[dict[str, tuple[str, str]], list[Coding], CodebookInfo]:
    """Documents {source guid: (name, text)}, codings in file order, and the codes and coders.

    GUIDs are normalised (lower case, no braces). A Coding directly on a TextSource covers the
    whole text. Codings whose offsets fall outside the text are left out and listed in
    ``info.invalid``; selections without a Coding are counted in ``info.annotations``.
    """
    path = Path(qdpx_path)
    project, sources = read_project(path, max_bytes)
    documents = {s.guid: (s.name or s.guid, s.text) for s in sources}
    info = CodebookInfo(variables={s.guid: {str(k).lower(): str(v) for k, v in s.variables.items()}
                                   for s in sources})
    for el in project.iter():
        if _local(el.tag) == "User" and el.get("guid"):
            g = normalise_guid(el.get("guid", ""))
            info.users[g] = (el.get("name") or "").strip() or g
    codebook_el = next((el for el in project.iter() if _local(el.tag) == "CodeBook"), None)
    if codebook_el is not None:
        codes_el = next((c for c in codebook_el if _local(c.tag) == "Codes"), None)
        if codes_el is not None:
            _collect_codes(codes_el, [], info)
            info.codebook = _project_codebook(path, codes_el)
    codings: list[Coding] = []
    for src in project.iter():
        if _local(src.tag) != "TextSource":
            continue
        sguid = normalise_guid(src.get("guid", ""))
        if sguid not in documents:
            if _children(src, "PlainTextSelection") or _children(src, "Coding"):
                info.invalid.append(f"source {src.get('name') or sguid}: no text, codings skipped")
            continue
        name, text = documents[sguid]
        src_user = src.get("creatingUser")
        for sel in _children(src, "PlainTextSelection"):
            cods = _children(sel, "Coding")
            if not cods:
                info.annotations += 1
                continue
            start, end = _int(sel.get("startPosition")), _int(sel.get("endPosition"))
            if start is None or end is None or not 0 <= start < end <= len(text):
                info.invalid.append(f"source {name}: selection {sel.get('guid')} has offsets "
                                    f"{sel.get('startPosition')}-{sel.get('endPosition')} outside "
                                    f"its text (0-{len(text)})")
                continue
            for cod in cods:
                codings.append(_coding(cod, sguid, name, start, end,
                                       sel.get("creatingUser") or src_user,
                                       normalise_guid(sel.get("guid", "")) or None, info))
        for cod in _children(src, "Coding"):
            codings.append(_coding(cod, sguid, name, 0, len(text), src_user, None, info))
    codings = [c for c in codings if c.code_guid]
    return documents, codings, info


def _coding(cod: Element, sguid: str, name: str, start: int, end: int, fallback_user: str | None,
            sel_guid: str | None, info: CodebookInfo) -> Coding:
    ref = next(iter(_children(cod, "CodeRef")), None)
    cguid = normalise_guid(ref.get("targetGUID", "")) if ref is not None else ""
    if not cguid:
        info.invalid.append(f"source {name}: a coding without a CodeRef at {start}-{end}")
    user = cod.get("creatingUser") or fallback_user
    uguid = normalise_guid(user) if user else None
    code = info.codes.get(cguid)
    return Coding(sguid, name, start, end, cguid, code.name if code else "",
                  info.users.get(uguid, uguid) if uguid else None, uguid, sel_guid)


def _collect_codes(parent: Element, path: list[str], info: CodebookInfo) -> None:
    for el in parent:
        if _local(el.tag) != "Code":
            continue
        name = (el.get("name") or "").strip()
        desc_el = next(iter(_children(el, "Description")), None)
        desc = desc_el.text or "" if desc_el is not None else ""
        text, meta = split_meta(desc)
        meta_id = meta.get("id") if isinstance(meta, dict) else None
        meta_id = meta_id if isinstance(meta_id, str) else None
        g = normalise_guid(el.get("guid", ""))
        info.codes[g] = ProjectCode(g, name, [*path, name],
                                    (el.get("isCodable") or "true").strip().lower() not in ("false", "0"),
                                    text, meta_id)
        _collect_codes(el, [*path, name], info)


def _project_codebook(path: Path, codes_el: Element) -> Codebook | None:
    """The project's codes as a Codebook (exact for projects exported by narratives)."""
    m = re.match(r"\{([^}]*)\}", codes_el.tag)
    if not m:
        return None
    try:
        return codebook_from_codes(codes_el, m.group(1), str(path))
    except (ConfigError, KeyError, TypeError, ValueError) as e:
        log.info("%s: the project's codes do not form a codebook (%s)", path, e)
        return None


# --------------------------------------------------------------------------------------------
# Mapping project codes to codebook ids


def _fold(s: str) -> str:
    return " ".join(s.casefold().split())


def map_codes(info: CodebookInfo, codebook: Codebook | None) -> dict[str, str]:
    """{project code guid: codebook code id} for the codes that can be mapped.

    Tried in order: our GUID for the code (:func:`code_guid`), the id in a ``[narratives]``
    description line, the name as an id, the name as a label (unique), the folder path
    ("Factoren/Cliënt", "factor/Cliënt"; also a name written as such a path).
    Without a codebook, the project's own codebook (when it forms one) is used.
    """
    if codebook is None:
        codebook = info.codebook
    if codebook is None:  # ids as narratives would make them from the names
        return {g: c.meta_id or _slug_path(c.path) for g, c in info.codes.items() if c.codable}
    by_guid = {code_guid(codebook.id, c.id): c.id for c in codebook.codes}
    ids = {_fold(c.id): c.id for c in codebook.codes}
    labels: dict[str, list[str]] = {}
    paths: dict[str, str] = {}
    for g in codebook.groups:
        parents = {c.id: c for c in g.codes}
        for c in g.codes:
            labels.setdefault(_fold(c.label), []).append(c.id)
            chain = [c.label]
            p = c.parent
            while p in parents and len(chain) < 10:
                chain.insert(0, parents[p].label)
                p = parents[p].parent
            for head in (g.label, g.id):
                paths[_fold("/".join([head, *chain]))] = c.id
                paths[_fold(f"{head}/{c.label}")] = c.id
    mapping: dict[str, str] = {}
    for g, pc in info.codes.items():
        found = by_guid.get(g)
        if found is None and pc.meta_id in codebook.code_ids:
            found = pc.meta_id
        name_path = [p for p in _SEPARATORS.split(pc.name) if p] if pc.name else []
        candidates = [pc.name, *([name_path[-1]] if len(name_path) > 1 else [])]
        if found is None:
            found = next((ids[_fold(n)] for n in candidates if _fold(n) in ids), None)
        if found is None:
            for full in (pc.path, name_path):
                for k in range(len(full) - 1):
                    key = _fold("/".join(full[k:]))
                    if key in paths:
                        found = paths[key]
                        break
                if found:
                    break
        if found is None:
            for n in candidates:
                hits = labels.get(_fold(n), [])
                if len(hits) == 1:
                    found = hits[0]
                    break
        if found is not None:
            mapping[g] = found
    return mapping


def _slug_path(path: list[str]) -> str:
    parts = [re.sub(r"[^a-z0-9]+", "_", p.lower()).strip("_") or "code" for p in path]
    return ".".join(parts)


# --------------------------------------------------------------------------------------------
# Codings to annotated units


def _doc_ids(documents: dict[str, tuple[str, str]]) -> dict[str, str]:
    """Unique document ids from the source names (names need not be unique; GUIDs are)."""
    names = [n for n, _ in documents.values()]
    out: dict[str, str] = {}
    used: set[str] = set()
    for g, (name, _) in documents.items():
        label = name if names.count(name) == 1 else f"{name}~{g[:8]}"
        if label in used:
            label = f"{name}~{g}"
        used.add(label)
        out[g] = label
    return out


class _OffsetMap:
    """Offsets between the source text and the text structure_document returns.

    Structuring a transcript strips line-initial timestamps; codings point into the source text.
    Lines correspond one to one and each structured line is a suffix of its source line.
    """

    def __init__(self, original: str, structured: str) -> None:
        self.same = original == structured
        if self.same:
            return
        o_lines, s_lines = original.split("\n"), structured.split("\n")
        if len(o_lines) != len(s_lines) or not all(o.endswith(s) for o, s in zip(o_lines, s_lines)):
            raise PipelineError("structure changed a source's text in an unexpected way")
        self.o_starts, self.s_starts, self.cut = [], [], []
        o = s = 0
        for ol, sl in zip(o_lines, s_lines):
            self.o_starts.append(o)
            self.s_starts.append(s)
            self.cut.append(len(ol) - len(sl))
            o += len(ol) + 1
            s += len(sl) + 1

    def to_structured(self, offset: int) -> int:
        if self.same:
            return offset
        i = bisect.bisect_right(self.o_starts, offset) - 1
        return self.s_starts[i] + max(0, offset - self.o_starts[i] - self.cut[i])

    def to_original(self, offset: int) -> int:
        if self.same:
            return offset
        i = bisect.bisect_right(self.s_starts, offset) - 1
        return self.o_starts[i] + self.cut[i] + offset - self.s_starts[i]


def _targets(segments: list[Any], start: int, end: int) -> list[int]:
    """Segments a coding belongs to: the one it overlaps most (ties: all), and every segment it
    covers at least half of (a coding over three turns codes the three turns)."""
    overlaps = [(i, min(s.end, end) - max(s.start, start)) for i, s in enumerate(segments)]
    overlaps = [(i, o) for i, o in overlaps if o > 0]
    if not overlaps:
        return []
    best = max(o for _, o in overlaps)
    return [i for i, o in overlaps
            if o == best or o * 2 >= segments[i].end - segments[i].start]


def units_from_codings(documents: dict[str, tuple[str, str]], codings: list[Coding],
                       mapping: dict[str, str],
                       variables: dict[str, dict[str, str]] | None = None,
                       include_uncoded: bool = True) -> tuple[list[ImportedUnit], int]:
    """One unit per (segment, coder) of every coded source; and the number of codings that fell
    outside all segments (they become units of their own span)."""
    doc_ids = _doc_ids(documents)
    by_source: dict[str, list[Coding]] = {}
    for c in codings:
        by_source.setdefault(c.source_guid, []).append(c)
    coders_total = {c.coder for c in codings}
    units: list[ImportedUnit] = []
    outside = 0
    for sguid, (name, text) in documents.items():
        cods = by_source.get(sguid)
        if not cods:
            continue
        doc_id = doc_ids[sguid]
        kind = (variables or {}).get(sguid, {}).get("kind")
        kind = kind if kind in DOCUMENT_KINDS else "auto"
        document, segments = structure_document(
            Document(doc_id, name, text, None, {}), StructureOptions(kind=kind, max_unit_chars=10**9))
        omap = _OffsetMap(text, document.text)
        coders = list(dict.fromkeys(c.coder for c in cods))
        for coder in coders:
            assigned: dict[int, list[Coding]] = {}
            loose: list[Coding] = []
            for c in (c for c in cods if c.coder == coder):
                idx = _targets(segments, omap.to_structured(c.start), omap.to_structured(c.end))
                if not idx:
                    loose.append(c)
                for i in idx:
                    assigned.setdefault(i, []).append(c)
            outside += len(loose)
            suffix = f"@{coder}" if len(coders_total) > 1 else ""
            for i in range(len(segments)):
                if i not in assigned and not include_uncoded:
                    continue
                units.append(_unit(f"{doc_id}:{i}{suffix}", doc_id, document.kind, segments, i,
                                   assigned.get(i, []), mapping, coder, omap, sguid))
            for j, c in enumerate(loose):
                units.append(_unit(f"{doc_id}:x{j}{suffix}", doc_id, document.kind, segments, None,
                                   [c], mapping, coder, omap, sguid, span=(c.start, c.end, text)))
    return units, outside


def _coding_record(c: Coding, mapping: dict[str, str]) -> dict[str, Any]:
    """A coding exactly as in the project (offsets into the source text), with its mapped id."""
    return {"start": c.start, "end": c.end, "code": mapping.get(c.code_guid),
            "code_name": c.code_name, "code_guid": c.code_guid, "coder": c.coder,
            "coder_guid": c.coder_guid, "selection_guid": c.selection_guid}


def _unit(uid: str, doc_id: str, kind: str | None, segments: list[Any], i: int | None,
          cods: list[Coding], mapping: dict[str, str], coder: str | None, omap: _OffsetMap,
          sguid: str, span: tuple[int, int, str] | None = None) -> ImportedUnit:
    codes = list(dict.fromkeys(mapping[c.code_guid] for c in cods if c.code_guid in mapping))
    if i is None:
        assert span is not None
        start, end, text = span
        context = {"doc_id": doc_id, "kind": kind, "speaker": None, "role": None,
                   "section": None, "entry": None, "before": "", "after": "",
                   "start": start, "end": end, "source_guid": sguid}
        return ImportedUnit(uid, doc_id, text[start:end], codes, context, coder, start, end,
                            [_coding_record(c, mapping) for c in cods])
    seg = segments[i]
    start, end = omap.to_original(seg.start), omap.to_original(seg.end)
    context = {"doc_id": doc_id, "kind": kind, "speaker": seg.speaker, "role": seg.role,
               "section": seg.section, "entry": seg.entry,
               "before": segments[i - 1].text[-300:] if i > 0 else "",
               "after": segments[i + 1].text[:300] if i < len(segments) - 1 else "",
               "start": start, "end": end, "source_guid": sguid}
    return ImportedUnit(uid, doc_id, seg.text, codes, context, coder, start, end,
                        [_coding_record(c, mapping) for c in cods])


def import_qdpx(path: str | Path, codebook: Codebook | None = None, coder: str | None = None,
                include_uncoded: bool = True, max_bytes: int = MAX_BYTES
                ) -> tuple[list[ImportedUnit], dict[str, Any]]:
    """Annotated units from a coded project, and a report of the mapping.

    ``codebook``: map the project's codes onto it (None: the project's own codebook).
    ``coder``: only the codings of this user (name or GUID, case-insensitive).
    ``include_uncoded``: also the segments of a coded source that have no coding (as units
    without codes: a coder who coded a document considered all of it).
    The report: codings, coders {name: codings}, mapping {code name: id}, unmapped
    [{name, path, guid, count}], annotations, invalid, outside_segments, units.
    """
    path = Path(path)
    documents, codings, info = read_codings(path, max_bytes)
    all_coders = Counter(c.coder for c in codings)
    if coder is not None:
        want = coder.strip().casefold()
        chosen = [c for c in codings
                  if (c.coder or "").casefold() == want or normalise_guid(coder) == c.coder_guid]
        if not chosen:
            listed = ", ".join(f"{n!s} ({k})" for n, k in all_coders.items()) or "none"
            raise InputError(path, f"no codings by coder {coder!r}; coders in the project: {listed}")
        codings = chosen
    mapping = map_codes(info, codebook)
    units, outside = units_from_codings(documents, codings, mapping, info.variables, include_uncoded)
    counts = Counter(c.code_guid for c in codings)
    unmapped = []
    for g, n in counts.items():
        if g in mapping:
            continue
        pc = info.codes.get(g)
        unmapped.append({"name": pc.name if pc else "", "path": "/".join(pc.path) if pc else "",
                         "guid": g, "count": n,
                         "reason": "not in the project's CodeBook" if pc is None
                         else ("a folder (not codable)" if not pc.codable else "no code in the codebook")})
    unmapped.sort(key=lambda u: (-u["count"], u["name"]))
    report = {
        "source": str(path),
        "codebook": codebook.id if codebook is not None else
        (info.codebook.id if info.codebook is not None else None),
        "sources": len(documents),
        "coded_sources": len({c.source_guid for c in codings}),
        "codings": len(codings),
        "coders": {str(k): v for k, v in Counter(c.coder for c in codings).items()},
        "mapping": {("/".join(info.codes[g].path) if g in info.codes else g): cid
                    for g, cid in mapping.items() if g in counts},
        "mapped_codes": dict(sorted(Counter(mapping[c.code_guid] for c in codings
                                            if c.code_guid in mapping).items())),
        "unmapped": unmapped,
        "annotations": info.annotations,
        "invalid": info.invalid,
        "outside_segments": outside,
        "units": len(units),
    }
    for u in unmapped:
        log.warning("%s: code %r (%d codings) is not in the codebook", path, u["path"] or u["guid"],
                    u["count"])
    return units, report


def annotated_units_from_qdpx(path: str | Path, codebook: Codebook | None = None
                              ) -> list[AnnotatedUnit]:
    """Units for training (pipeline.training.data.load_annotated); unmapped codes are logged."""
    units, _ = import_qdpx(path, codebook)
    return list(units)


def unit_records(units: list[ImportedUnit]) -> list[dict[str, Any]]:
    return [u.to_record() if isinstance(u, ImportedUnit) else asdict(u) for u in units]
