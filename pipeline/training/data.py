"""Annotated units for training and evaluation, from the formats researchers produce.

Accepted: annotated-corpus JSONL (one document per line with ``units``: see
corpora/annotated/README.md), unit JSONL (one unit per line with ``text`` and ``codes``, as written
by ``narratives import``), marked-text files (.txt with ``@@`` lines), and coded .qdpx projects.
Corpus documents are segmented by the pipeline's own structure module, so a model learns from
the same units (turn text without the speaker label, with role and section) that it will see.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from pipeline.errors import InputError
from pipeline.io import read_jsonl
from pipeline.model import Document
from pipeline.structure import StructureOptions, structure_document
from pipeline.training.units import AnnotatedUnit

__all__ = ["AnnotatedUnit", "code_counts", "data_fingerprint", "load_annotated"]


def _align(doc_id: str, kind: str, text: str, units: list[dict[str, Any]],
           metadata: dict[str, Any]) -> Iterator[AnnotatedUnit]:
    """Annotated spans mapped onto the pipeline's segments (role, section, context)."""
    roles = {str(k): v for k, v in (metadata.get("speakers") or {}).items()} if isinstance(
        metadata.get("speakers"), dict) else {}
    document, segments = structure_document(
        Document(doc_id, doc_id, text, kind, {}),
        StructureOptions(kind=kind, roles=roles, max_unit_chars=10**9, strip_timestamps=False))
    matched = []
    for u in units:
        overlapping = [s for s in segments if s.start < u["end"] and u["start"] < s.end]
        matched.append(max(overlapping, key=lambda s: min(s.end, u["end"]) - max(s.start, u["start"]),
                           default=None))
    shared = Counter(id(s) for s in matched if s is not None)
    for i, (u, seg) in enumerate(zip(units, matched)):
        j = segments.index(seg) if seg is not None else -1
        before = segments[j - 1].text[-300:] if j > 0 else ""
        after = segments[j + 1].text[:300] if 0 <= j < len(segments) - 1 else ""
        unit_text = seg.text if seg is not None else text[u["start"]:u["end"]]
        if seg is not None and shared[id(seg)] > 1:
            # Two coded units fell into one segment (keyword diaries, labels the segmenter did
            # not split on): each keeps its own words, so no text is learnt with two codings.
            unit_text = text[u["start"]:u["end"]].strip()
            before = text[max(0, u["start"] - 300):u["start"]]
            after = text[u["end"]:u["end"] + 300]
            seg = dataclasses.replace(seg, start=u["start"], end=u["end"])
        context = {"doc_id": doc_id, "kind": document.kind,
                   "speaker": seg.speaker if seg else None, "role": seg.role if seg else None,
                   "section": seg.section if seg else None, "entry": seg.entry if seg else None,
                   "before": before, "after": after,
                   "start": seg.start if seg else u["start"], "end": seg.end if seg else u["end"]}
        # Where the text comes from, for evaluation that holds out a register or a writer; not
        # a feature (a researcher's own files say neither).
        context.update({k: str(metadata[k]) for k in ("register", "writer") if metadata.get(k)})
        yield AnnotatedUnit(f"{doc_id}:{i}", doc_id, unit_text, list(u.get("codes", [])), context,
                            u.get("coder"))


def _from_record(rec: dict[str, Any], source: str, line: int) -> Iterator[AnnotatedUnit]:
    if "units" in rec and "text" in rec:
        yield from _align(str(rec["doc_id"]), rec.get("kind") or "auto", rec["text"],
                          rec["units"], rec.get("metadata") or {})
    elif "text" in rec and "codes" in rec:
        context = dict(rec.get("context") or {}) if isinstance(rec.get("context"), dict) else {}
        if isinstance(rec.get("context"), str):
            context["before"] = rec["context"]
        for key in ("speaker", "role", "section", "kind"):
            if rec.get(key) is not None:
                context.setdefault(key, rec[key])
        doc_id = str(rec.get("doc_id") or rec.get("id") or f"{source}:{line}")
        known = set(rec["codes"]) | set(rec["rejected"]) if rec.get("rejected") is not None else None
        yield AnnotatedUnit(str(rec.get("id") or f"{doc_id}:{line}"), doc_id, rec["text"],
                            list(rec["codes"]), context, rec.get("coder"), known=known)
    else:
        raise InputError(source, f"line {line}: expected a document with 'text' and 'units', "
                                 f"or a unit with 'text' and 'codes'")


def _iter_files(paths: Iterable[str | Path]) -> Iterator[Path]:
    for p in map(Path, paths):
        if not p.exists():
            raise InputError(p, "The file or folder does not exist.")
        if p.is_dir():
            yield from sorted(f for f in p.rglob("*") if f.suffix in (".jsonl", ".qdpx", ".txt") and f.is_file())
        else:
            yield p


def load_annotated(paths: Iterable[str | Path]) -> list[AnnotatedUnit]:
    """All annotated units under ``paths`` (files or folders of .jsonl/.qdpx; marked .txt files)."""
    units: list[AnnotatedUnit] = []
    for path in _iter_files(paths):
        if path.suffix == ".qdpx":
            from pipeline.exchange.qdpx_import import annotated_units_from_qdpx

            units.extend(annotated_units_from_qdpx(path))
        elif path.suffix == ".txt":
            from pipeline.exchange.marked_text import read

            rec = read(path).to_record()
            units.extend(_from_record(rec, str(path), 1))
        else:
            try:
                for line, rec in enumerate(read_jsonl(path), 1):
                    units.extend(_from_record(rec, str(path), line))
            except ValueError as e:
                raise InputError(path, str(e).removeprefix(f"{path}: ")) from None
    if not units:
        raise InputError(", ".join(map(str, paths)), "no annotated units found")
    return units


def data_fingerprint(units: list[AnnotatedUnit]) -> str:
    h = hashlib.sha256()
    for u in units:
        h.update(json.dumps([u.doc_id, u.text, sorted(u.codes)], ensure_ascii=False).encode())
    return h.hexdigest()[:16]


UNCODED_ROLE_MIN_UNITS = 100


def uncoded_roles(units: list[AnnotatedUnit]) -> list[str]:
    """Speaker roles whose turns the coders never coded, in at least 100 units (in the default
    corpus: the interviewer's 2,903 turns). A model trained on such coding suggests nothing for
    those turns; a researcher who codes interviewer turns gets a model that codes them."""
    seen: Counter[str] = Counter()
    coded: set[str] = set()
    for u in units:
        role = u.context.get("role")
        if role:
            seen[role] += 1
            if u.codes:
                coded.add(role)
    return sorted(r for r, n in seen.items() if n >= UNCODED_ROLE_MIN_UNITS and r not in coded)


def code_counts(units: list[AnnotatedUnit]) -> dict[str, int]:
    return dict(sorted(Counter(c for u in units for c in u.codes).items()))
