"""One self-contained HTML report of a run folder, for researchers reviewing the pre-coding.

The report is a single file with its CSS and JavaScript inlined: no fonts, images, scripts or
styles are fetched, so it opens offline and can be archived or mailed with the data. All corpus
text is escaped by Jinja's autoescaping; nothing from the run is placed in a script.

What it shows: the run summary (from ``report.json``), counts per code per document and per
respondent, the profiles (``profiles.jsonl``), and every document with its units highlighted in the
colour of their suggested codes, the evidence (cue rule and matched words, model features) on hover
and click, and the decision moments with their type, phase, who decides and factors. Filters by
code group, code and minimum probability are small inline JavaScript; without JavaScript the page
shows everything, with native ``<details>`` for what folds.

Memory: ``segments.jsonl`` is read twice, streamed: once for the counts (keeping only the byte
offsets of each document's segments), then once per document while the template is streamed into
the output file, so only one document's units are held at a time.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import logging
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path
from typing import Any

from pipeline.codebook import Code, Codebook, Group, load_codebook
from pipeline.errors import ConfigError, InputError, PipelineError
from pipeline.io import atomic_open

log = logging.getLogger(__name__)

TEMPLATE = "report.html.j2"
#: Documents open (unfolded) by default when a run has at most this many.
OPEN_ALL_UP_TO = 5
#: Characters of a unit shown in the decision-moment table.
EXCERPT_CHARS = 160
#: Evidence items listed per code of a unit.
MAX_EVIDENCE = 8
#: Colours for codes that have none in the codebook (colour-blind friendly, light enough for text).
_PALETTE = ("#8ECAE6", "#FFB703", "#B5E48C", "#F4A261", "#CDB4DB", "#90E0EF", "#FFAFCC",
            "#E9C46A", "#A8DADC", "#FFD6A5", "#BDE0FE", "#D0F4DE")


@dataclass
class ReportResult:
    """What :func:`render_report` wrote."""

    output: Path
    documents: int
    units: int
    suggestions: int
    size_bytes: int
    codebook: str
    warnings: list[str] = field(default_factory=list)


@dataclass
class CodeInfo:
    idx: int
    id: str
    label: str
    group: str
    group_label: str
    color: str
    tint: str
    ink: str
    definition: str = ""


@dataclass
class GroupInfo:
    idx: int
    id: str
    label: str
    kind: str
    requires: str | None
    profile: bool
    description: str
    codes: list[CodeInfo]


# -- colours ----------------------------------------------------------------------------------

def _rgb(color: str) -> tuple[int, int, int]:
    c = color.lstrip("#")
    return int(c[0:2], 16), int(c[2:4], 16), int(c[4:6], 16)


def _tint(color: str, amount: float = 0.45) -> str:
    """``color`` mixed with white: a highlighter shade dark text stays readable on."""
    r, g, b = _rgb(color)
    mix = [round(255 - (255 - v) * amount) for v in (r, g, b)]
    return "#{:02x}{:02x}{:02x}".format(*mix)


def _ink(color: str) -> str:
    r, g, b = _rgb(color)
    return "#1b1b1b" if (0.299 * r + 0.587 * g + 0.114 * b) > 140 else "#ffffff"


def _fallback_color(code_id: str) -> str:
    return _PALETTE[int(hashlib.sha1(code_id.encode()).hexdigest(), 16) % len(_PALETTE)]


# -- codebook ---------------------------------------------------------------------------------

class _Codes:
    """The codebook as the report sees it: groups and codes with index, colours and roles."""

    def __init__(self, codebook: Codebook) -> None:
        self.codebook = codebook
        self.groups: list[GroupInfo] = []
        self.by_id: dict[str, CodeInfo] = {}
        for g in codebook.groups:
            self._add_group(g)
        self.order = {c: i for i, c in enumerate(self.by_id)}

    def _add_group(self, g: Group) -> None:
        gi = GroupInfo(len(self.groups), g.id, g.label, g.kind, g.requires, g.profile,
                       g.description, [])
        for c in g.codes:
            color = c.color or _fallback_color(c.id)
            info = CodeInfo(len(self.by_id), c.id, c.label, g.id, g.label, color, _tint(color),
                            _ink(color), c.definition)
            gi.codes.append(info)
            self.by_id[c.id] = info
        self.groups.append(gi)

    def add_unknown(self, code_ids: list[str]) -> None:
        """Codes found in the run but not in the codebook go to a group of their own."""
        new = list(dict.fromkeys(c for c in code_ids if c not in self.by_id))
        if not new:
            return
        other = next((g for g in self.groups if g.id == "_other"), None)
        if other is None:
            self._add_group(Group(id="_other", label="Codes not in the codebook", kind="multi",
                                  codes=[Code(id=c, label=c, group="_other") for c in sorted(new)]))
        else:
            for c in new:
                color = _fallback_color(c)
                info = CodeInfo(len(self.by_id), c, c, other.id, other.label, color, _tint(color),
                                _ink(color))
                other.codes.append(info)
                self.by_id[c] = info
        self.order = {c: i for i, c in enumerate(self.by_id)}

    def get(self, code_id: str) -> CodeInfo:
        if code_id not in self.by_id:
            self.add_unknown([code_id])
        return self.by_id[code_id]

    @property
    def codes(self) -> list[CodeInfo]:
        return list(self.by_id.values())

    @property
    def anchors(self) -> list[str]:
        """Codes other groups require (decision_moment): the units listed as decision moments."""
        out: list[str] = []
        for g in self.groups:
            if g.requires and g.requires not in out and g.requires in self.by_id:
                out.append(g.requires)
        return out

    def moment_columns(self, anchor: str) -> tuple[list[GroupInfo], list[GroupInfo]]:
        """Groups shown for a decision moment: those requiring it, and the factors beside it."""
        anchor_group = self.by_id[anchor].group
        requiring = [g for g in self.groups if g.requires == anchor]
        others = [g for g in self.groups
                  if not g.requires and not g.profile and g.id not in (anchor_group, "_other")]
        return requiring, others


def _synth_codebook(code_ids: list[str]) -> Codebook:
    """A codebook from the code ids of a run (when no codebook can be found): group = prefix."""
    groups: dict[str, list[str]] = {}
    for c in code_ids:
        gid = c.rsplit(".", 1)[0] if "." in c else c
        groups.setdefault(gid, []).append(c)
    return Codebook(id="run", version="?", name="Codes found in the run", source="<run>",
                    groups=[Group(id=g, label=g, kind="multi",
                                  codes=[Code(id=c, label=c.removeprefix(g + ".") or c, group=g)
                                         for c in cs])
                            for g, cs in groups.items()])


def _resolve_codebook(run_dir: Path, report: dict[str, Any], codebook: Codebook | str | Path | None,
                      warnings: list[str]) -> tuple[Codebook | None, str]:
    """The codebook to label and colour codes with, and a note on where it came from.

    Given one wins; else the trained model's codebook (model folder in report.json), else the
    codebook of the config the run names, else ``configs/codebooks/default.yaml``; else None.
    """
    tagger = report.get("tagger") or {}

    def checked(cb: Codebook, note: str) -> tuple[Codebook, str]:
        sha = tagger.get("codebook_sha")
        if sha and sha != cb.fingerprint():
            warnings.append(f"the codebook {cb.source} differs from the one the run used "
                            f"({tagger.get('codebook')} {tagger.get('codebook_version')}, sha {sha}); "
                            "labels and colours may not match"
                            + ("." if codebook is not None else ". Pass --codebook to choose one."))
        return cb, note

    if isinstance(codebook, Codebook):
        return checked(codebook, f"{codebook.id} {codebook.version} (given)")
    if codebook is not None:
        cb = load_codebook(codebook)
        return checked(cb, f"{cb.id} {cb.version} ({codebook})")
    candidates: list[tuple[str, Any]] = []
    if tagger.get("model"):
        candidates.append(("model", Path(tagger["model"])))
    if report.get("config") and not str(report["config"]).startswith("<"):
        candidates.append(("config", Path(report["config"])))
    candidates.append(("file", Path("configs/codebooks/default.yaml")))
    for kind, path in candidates:
        try:
            if kind == "model":
                if not (path / "codebook.json").exists():
                    continue
                from pipeline.classifiers.persistence import model_codebook

                cb = model_codebook(path)
            elif kind == "config":
                if not path.exists():
                    continue
                from pipeline.config import load_config

                cb_path = load_config(path).path("codebook")
                if cb_path is None or not cb_path.exists():
                    continue
                cb = load_codebook(cb_path)
            else:
                if not path.exists():
                    continue
                cb = load_codebook(path)
        except (PipelineError, OSError, ValueError) as e:
            warnings.append(f"could not load the codebook from {path}: {e}")
            continue
        return checked(cb, f"{cb.id} {cb.version} ({cb.source})")
    return None, "none found: codes shown by id"


# -- reading the run --------------------------------------------------------------------------

def _scan_jsonl(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """(byte offset, record) for each non-empty line; a bad line names the file and line."""
    with open(path, "rb") as fh:
        lineno = 0
        while True:
            offset = fh.tell()
            line = fh.readline()
            if not line:
                return
            lineno += 1
            if not line.strip():
                continue
            try:
                rec = json.loads(line)
            except (json.JSONDecodeError, UnicodeDecodeError) as e:
                raise InputError(path, f"line {lineno}: not valid JSON ({e})") from None
            if not isinstance(rec, dict):
                raise InputError(path, f"line {lineno}: a JSON object expected")
            yield offset, rec


def _read_at(fh: Any, offsets: list[int]) -> Iterator[dict[str, Any]]:
    for off in offsets:
        fh.seek(off)
        yield json.loads(fh.readline())


def _score(scores: dict[str, Any], code: str) -> float | None:
    v = scores.get(code)
    try:
        return None if v is None else float(v)
    except (TypeError, ValueError):
        return None


class _Suggest:
    """Which codes a unit shows: the run's codes, or codes re-derived at a minimum probability."""

    def __init__(self, codebook: Codebook | None, min_probability: float | None) -> None:
        self.codebook = codebook
        self.min_p = min_probability

    def __call__(self, seg: dict[str, Any], order: dict[str, int]) -> list[tuple[str, float | None]]:
        scores = seg.get("scores") or {}
        given = [c for c in (seg.get("codes") or []) if isinstance(c, str)]
        if self.min_p is None or not scores:
            codes = given
        else:
            numeric = {k: s for k in scores if (s := _score(scores, k)) is not None}
            codes = self.codebook.apply_rules(numeric, threshold=self.min_p) if self.codebook else []
            known = set(self.codebook.code_ids) if self.codebook else set()
            codes += [c for c, s in numeric.items()
                      if c not in known and s >= self.min_p and c not in codes]
        seen: dict[str, float | None] = {}
        for c in codes:
            seen.setdefault(c, _score(scores, c))
        return sorted(seen.items(), key=lambda cs: order.get(cs[0], len(order)))


@dataclass
class _DocMeta:
    idx: int
    doc_id: str
    kind: str | None
    source: str
    info: list[tuple[str, str]]
    in_documents: bool = True


@dataclass
class _Scan:
    offsets: dict[str, list[int]] = field(default_factory=dict)
    doc_counts: dict[str, Counter[str]] = field(default_factory=dict)
    doc_units: Counter[str] = field(default_factory=Counter)
    doc_words: Counter[str] = field(default_factory=Counter)
    doc_coded: Counter[str] = field(default_factory=Counter)
    speakers: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    totals: Counter[str] = field(default_factory=Counter)
    units: int = 0
    words: int = 0
    coded: int = 0
    suggestions: int = 0
    seen_codes: list[str] = field(default_factory=list)
    scored_codes: list[str] = field(default_factory=list)


def _doc_info(rec: dict[str, Any]) -> list[tuple[str, str]]:
    """A few lines about a document for its header (never its full metadata: timestamps etc.)."""
    meta = rec.get("metadata") or {}
    out: list[tuple[str, str]] = []
    for key, label in (("title", "title"), ("profession", "profession"), ("format", "format"),
                       ("encoding", "encoding")):
        if meta.get(key):
            out.append((label, str(meta[key])))
    roles = meta.get("speaker_roles") or meta.get("roles") or {}
    speakers = meta.get("speakers") or list(roles)
    if speakers:
        out.append(("speakers", ", ".join(
            f"{s} ({roles[s]})" if isinstance(roles, dict) and roles.get(s) else str(s)
            for s in speakers[:20])))
    entries = meta.get("entries") or []
    if entries:
        out.append(("entries", str(len(entries))))
    return out


def _read_documents(path: Path) -> list[_DocMeta]:
    docs: list[_DocMeta] = []
    seen: set[str] = set()
    for _, rec in _scan_jsonl(path):
        doc_id = str(rec.get("doc_id", ""))
        if not doc_id or doc_id in seen:
            continue
        seen.add(doc_id)
        docs.append(_DocMeta(len(docs), doc_id, rec.get("kind"), str(rec.get("source") or ""),
                             _doc_info(rec)))
    return docs


def _scan_segments(path: Path, suggest: _Suggest, order: dict[str, int]) -> _Scan:
    scan = _Scan()
    seen: dict[str, None] = {}
    scored: dict[str, None] = {}
    for offset, seg in _scan_jsonl(path):
        doc_id = str(seg.get("doc_id", ""))
        scan.offsets.setdefault(doc_id, []).append(offset)
        codes = [c for c, _ in suggest(seg, order)]
        words = seg.get("words") or 0
        scan.units += 1
        scan.words += words
        scan.doc_units[doc_id] += 1
        scan.doc_words[doc_id] += words
        counts = scan.doc_counts.setdefault(doc_id, Counter())
        counts.update(codes)
        scan.totals.update(codes)
        scan.suggestions += len(codes)
        if codes:
            scan.coded += 1
            scan.doc_coded[doc_id] += 1
        for c in codes:
            seen.setdefault(c)
        if isinstance(seg.get("scores"), dict):
            for c in seg["scores"]:
                scored.setdefault(str(c))
        speaker = seg.get("speaker")
        if speaker and seg.get("role") != "interviewer":
            sp = scan.speakers.setdefault((doc_id, str(speaker)), {
                "idx": len(scan.speakers), "role": seg.get("role"), "units": 0, "counts": Counter()})
            sp["units"] += 1
            sp["counts"].update(codes)
    scan.seen_codes = list(seen)
    scan.scored_codes = list(scored)
    return scan


# -- one document -----------------------------------------------------------------------------

def _layout(kind: str | None, segs: list[dict[str, Any]]) -> str:
    if kind == "transcript" or any(s.get("speaker") for s in segs):
        return "transcript"
    return kind if kind in ("diary", "report") else "text"


def _valid_span(text: str, ev: dict[str, Any]) -> tuple[int, int] | None:
    """Offsets of an evidence item inside the unit text (checked against its words)."""
    words = ev.get("text")
    s, e = ev.get("start"), ev.get("end")
    if (isinstance(s, int) and isinstance(e, int) and 0 <= s < e <= len(text)
            and (not words or text[s:e] == words)):
        return s, e
    if isinstance(words, str) and words.strip():
        i = text.find(words)
        if i >= 0:
            return i, i + len(words)
    return None


def _pieces(text: str, spans: list[tuple[int, int, str, str]]) -> list[dict[str, Any]]:
    """Split ``text`` at evidence spans: pieces with the codes and rules covering them."""
    if not spans:
        return [{"text": text, "codes": "", "title": ""}]
    cuts = sorted({0, len(text), *(s for s, *_ in spans), *(e for _, e, *_ in spans)})
    out = []
    for a, b in pairwise(cuts):
        cover = [(c, r) for s, e, c, r in spans if s <= a and b <= e]
        if not cover:
            out.append({"text": text[a:b], "codes": "", "title": ""})
            continue
        codes = sorted({c for c, _ in cover})
        rules = list(dict.fromkeys(r for _, r in cover if r))
        out.append({"text": text[a:b], "codes": " ".join(codes), "title": "; ".join(rules)})
    return out


def _evidence_line(ev: dict[str, Any]) -> dict[str, Any]:
    source = ev.get("source") or "evidence"
    if source == "cue":
        what = f"cue rule {ev.get('rule') or '?'}"
    elif source == "model":
        what = f"model feature ({ev.get('feature') or 'feature'}"
        what += f" of {ev['code']}, rule {ev.get('rule') or 'any'})" if ev.get("code") else ")"
    else:
        what = str(source)
    w = ev.get("weight")
    return {"source": source, "what": what, "text": str(ev.get("text") or ""),
            "weight": f"{float(w):+.2f}" if source == "model" and isinstance(w, (int, float))
            else (f"{float(w):.2f}" if isinstance(w, (int, float)) else "")}


def _wbr(value: Any) -> Any:
    """Escaped text with line-break chances after _ # / . - (long document ids in narrow cells)."""
    from markupsafe import Markup, escape

    return Markup("<wbr>").join(escape(p) for p in re.split(r"(?<=[_#/.\-])", str(value)))


def _fmt_p(p: float | None) -> str:
    return "–" if p is None else f"{p:.2f}"


def _clean_gap(gap: str, unit: dict[str, Any], headings: set[str]) -> str:
    """Text between units minus what the layout shows anyway (speaker label, timestamp, heading)."""
    text = gap.strip()
    speaker = unit.get("speaker")
    if speaker and text.endswith(f"{speaker}:"):
        text = text[: -len(speaker) - 1].rstrip()
    ts = unit.get("timestamp")
    if ts:
        for form in (f"[{ts}]", ts):
            if text.endswith(form):
                text = text[: -len(form)].rstrip()
                break
    lines = [ln for ln in text.splitlines() if ln.strip() and ln.strip() not in headings]
    return "\n".join(lines).strip()


class _DocRenderer:
    def __init__(self, codes: _Codes, suggest: _Suggest, scan: _Scan,
                 speaker_rows: dict[tuple[str, str], int]) -> None:
        self.codes = codes
        self.suggest = suggest
        self.scan = scan
        self.speaker_rows = speaker_rows

    def unit(self, di: int, seg: dict[str, Any]) -> dict[str, Any]:
        text = str(seg.get("text") or "")
        start = seg.get("start") if isinstance(seg.get("start"), int) else 0
        suggestions = self.suggest(seg, self.codes.order)
        evidence = seg.get("evidence") or {}
        shown = []
        spans: list[tuple[int, int, str, str]] = []
        tips = []
        for code_id, p in suggestions:
            info = self.codes.get(code_id)
            items = [e for e in (evidence.get(code_id) or []) if isinstance(e, dict)]
            lines = [_evidence_line(e) for e in items[:MAX_EVIDENCE]]
            for e in items:
                span = _valid_span(text, e)
                if span:
                    spans.append((*span, str(info.idx), _evidence_line(e)["what"]))
            shown.append({"code": info, "p": p, "p_text": _fmt_p(p),
                          "p_attr": "1" if p is None else f"{p:.4f}", "evidence": lines})
            words = ", ".join(f"“{ln['text']}”" for ln in lines if ln["text"])
            tips.append(f"{info.label} ({info.group_label}) {_fmt_p(p)}"
                        + (f" — {words}" if words else ""))
        speaker = seg.get("speaker")
        role = seg.get("role")
        return {
            "type": "unit", "anchor": f"u{di}-{start}", "text": text,
            "pieces": _pieces(text, spans), "codes": shown, "title": "\n".join(tips),
            "speaker": speaker, "role": role, "timestamp": seg.get("timestamp"),
            "entry": seg.get("entry"), "section": seg.get("section"),
            "interviewer": role == "interviewer",
            "speaker_row": self.speaker_rows.get((seg.get("doc_id"), str(speaker))) if speaker else None,
        }

    def moments(self, units: list[dict[str, Any]]) -> dict[str, Any] | None:
        anchors = self.codes.anchors
        if not anchors:
            return None
        anchor = anchors[0]
        requiring, others = self.codes.moment_columns(anchor)
        rows = []
        for u in units:
            by_code = {s["code"].id: s for s in u["codes"]}
            if anchor not in by_code:
                continue
            cells = [[by_code[c.id] for c in g.codes if c.id in by_code] for g in requiring]
            factors = [by_code[c.id] for g in others for c in g.codes if c.id in by_code]
            excerpt = u["text"][:EXCERPT_CHARS] + ("…" if len(u["text"]) > EXCERPT_CHARS else "")
            rows.append({"unit": u, "anchor": by_code[anchor], "cells": cells, "factors": factors,
                         "excerpt": excerpt})
        return {"code": self.codes.by_id[anchor], "groups": requiring,
                "factor_label": " / ".join(g.label for g in others) or "Factors", "rows": rows}

    def document(self, meta: _DocMeta, text: str | None, segs: list[dict[str, Any]],
                 open_: bool) -> dict[str, Any]:
        di = meta.idx
        segs = sorted(segs, key=lambda s: s.get("start") if isinstance(s.get("start"), int) else 0)
        layout = _layout(meta.kind, segs)
        items: list[dict[str, Any]] = []
        units: list[dict[str, Any]] = []
        pos = 0
        entry = section = None
        for seg in segs:
            u = self.unit(di, seg)
            headings: set[str] = set()
            if u["entry"] and u["entry"] != entry:
                entry = u["entry"]
                items.append({"type": "heading", "level": "entry", "text": entry})
            if u["entry"]:
                headings.add(u["entry"])
            if u["section"] and layout != "diary":
                if u["section"] != section:
                    section = u["section"]
                    items.append({"type": "heading", "level": "section", "text": section})
                headings.add(u["section"])
            if text is not None and isinstance(seg.get("start"), int) and seg["start"] >= pos:
                gap = _clean_gap(text[pos:seg["start"]], u, headings)
                if gap:
                    items.append({"type": "gap", "text": gap})
                pos = seg["end"] if isinstance(seg.get("end"), int) else pos
            items.append(u)
            units.append(u)
        if text is not None and pos < len(text):
            tail = text[pos:].strip()
            if tail:
                items.append({"type": "gap", "text": tail})
        if not segs and text:
            items.append({"type": "gap", "text": text})
        counts = self.scan.doc_counts.get(meta.doc_id, Counter())
        return {
            "idx": di, "anchor": f"d{di}", "doc_id": meta.doc_id, "kind": meta.kind or "?",
            "source": meta.source, "info": meta.info, "layout": layout, "open": open_,
            "units": self.scan.doc_units[meta.doc_id], "coded": self.scan.doc_coded[meta.doc_id],
            "words": self.scan.doc_words[meta.doc_id], "items": items,
            "codes": [(self.codes.get(c), n) for c, n in
                      sorted(counts.items(), key=lambda cn: self.codes.order.get(cn[0], 0))],
            "moments": self.moments(units), "in_documents": meta.in_documents,
        }


def _documents(run_dir: Path, docs: list[_DocMeta], scan: _Scan,
               renderer: _DocRenderer) -> Iterator[dict[str, Any]]:
    """Rendered documents one at a time (the template streams them into the file)."""
    open_all = len(docs) <= OPEN_ALL_UP_TO
    by_id = {d.doc_id: d for d in docs}
    rendered: set[str] = set()
    with open(run_dir / "segments.jsonl", "rb") as seg_fh:
        if (run_dir / "documents.jsonl").exists():
            for _, rec in _scan_jsonl(run_dir / "documents.jsonl"):
                meta = by_id.get(str(rec.get("doc_id", "")))
                if meta is None or meta.doc_id in rendered:
                    continue
                rendered.add(meta.doc_id)
                segs = list(_read_at(seg_fh, scan.offsets.get(meta.doc_id, [])))
                text = rec.get("text") if isinstance(rec.get("text"), str) else None
                yield renderer.document(meta, text, segs, open_all or meta.idx == 0)
        for meta in docs:  # units whose document is not in documents.jsonl
            if meta.doc_id not in rendered:
                segs = list(_read_at(seg_fh, scan.offsets.get(meta.doc_id, [])))
                yield renderer.document(meta, None, segs, open_all or meta.idx == 0)


# -- profiles ---------------------------------------------------------------------------------

def _profiles(run_dir: Path, codes: _Codes, suggest: _Suggest, codebook: Codebook | None,
              doc_index: dict[str, int], speaker_rows: dict[tuple[str, str], int]) -> dict[str, Any]:
    """Profile rows (document, then its respondents) with one cell per profile group."""
    path = run_dir / "profiles.jsonl"
    records: list[dict[str, Any]] = []
    source = "profiles.jsonl"
    if suggest.min_p is not None and codebook is not None and any(g.profile for g in codebook.groups):
        from pipeline.profiles import build_profiles

        def rederived() -> Iterator[dict[str, Any]]:
            for _, seg in _scan_jsonl(run_dir / "segments.jsonl"):
                seg["codes"] = [c for c, _ in suggest(seg, codes.order)]
                yield seg

        records = build_profiles(rederived(), codebook)
        source = f"recomputed at min probability {suggest.min_p:.2f}"
    elif path.exists():
        records = [rec for _, rec in _scan_jsonl(path)]
    groups = [g for g in codes.groups if g.profile]
    if not groups and records:
        ids = list(dict.fromkeys(gid for r in records for gid in (r.get("groups") or {})))
        groups = [GroupInfo(-1, gid, gid, "single", None, True, "", []) for gid in ids]
    rows = []
    for rec in records:
        doc_id = str(rec.get("doc_id", ""))
        di = doc_index.get(doc_id)
        cells = []
        for g in groups:
            data = (rec.get("groups") or {}).get(g.id) or {}
            counts = data.get("counts") or {}
            dominant = data.get("dominant")
            passages = []
            for code_id, items in (data.get("evidence") or {}).items():
                info = codes.get(code_id)
                for p in items or []:
                    start = p.get("start")
                    passages.append({
                        "code": info, "score": _fmt_p(_score(p, "score")), "speaker": p.get("speaker"),
                        "text": str(p.get("text") or ""), "words": [str(w) for w in p.get("evidence") or [] if w],
                        "href": f"#u{doc_index[p.get('doc_id', doc_id)]}-{start}"
                        if p.get("doc_id", doc_id) in doc_index and isinstance(start, int) else None})
            cells.append({"group": g, "dominant": codes.get(dominant) if dominant else None,
                          "counts": [(codes.get(c), n) for c, n in counts.items()],
                          "passages": passages})
        speaker = rec.get("speaker")
        rows.append({"level": rec.get("level") or ("speaker" if speaker else "document"),
                     "doc_id": doc_id, "doc_anchor": f"d{di}" if di is not None else None,
                     "speaker": speaker, "units": rec.get("units"), "cells": cells,
                     "n_passages": sum(len(c["passages"]) for c in cells)})
    return {"groups": groups, "rows": rows, "source": source}


# -- the report -------------------------------------------------------------------------------

def _summary(report: dict[str, Any], scan: _Scan, docs: list[_DocMeta]) -> list[tuple[str, str]]:
    counts = report.get("counts") or {}
    tagger = report.get("tagger") or {}
    versions = report.get("versions") or {}
    kinds = Counter(d.kind or "?" for d in docs)
    by_kind = ", ".join(f"{n} {k}" for k, n in kinds.most_common())
    rows = [("Documents", f"{len(docs)} ({by_kind})" if by_kind else f"{len(docs)}"),
            ("Units", f"{scan.units:,} ({scan.coded:,} with suggestions; {scan.suggestions:,} suggestions)"),
            ("Words", f"{scan.words or counts.get('words', 0):,}")]
    if counts.get("files") is not None:
        files = (f"{counts.get('files')} read, {counts.get('files_failed', 0)} failed, "
                 f"{counts.get('files_skipped', 0)} skipped (unknown type)")
        rows.append(("Files", files))
    name = tagger.get("tagger")
    if name == "code_classifier":
        desc = f"trained model ({tagger.get('backend', '?')}) {tagger.get('model', '')}"
        if tagger.get("model_created"):
            desc += f", created {tagger['model_created']}"
        if tagger.get("training_data_sha"):
            desc += f", training data sha {tagger['training_data_sha']}"
    elif name == "cue_tagger":
        desc = "cue tagger (rules from the codebook; no trained model)"
    else:
        desc = str(name) if name else "none (no codes)"
    rows.append(("Tagger", desc))
    if tagger.get("codebook"):
        run_cb = (f"{tagger.get('codebook')} version {tagger.get('codebook_version', '?')} "
                  f"(sha {tagger.get('codebook_sha', '?')})")
        rows.append(("Codebook (run)", run_cb))
    model = versions.get("spacy_model") or {}
    soft = [f"pipeline {report['pipeline_version']}"] if report.get("pipeline_version") else []
    if model:
        soft.append(f"spaCy model {model.get('name', '?')} {model.get('version', '')}".strip())
    soft += [f"{k} {versions[k]}" for k in ("spacy", "scikit-learn", "python") if versions.get(k)]
    if soft:
        rows.append(("Versions", ", ".join(soft)))
    if report.get("config"):
        rows.append(("Config", str(report["config"])))
    t = (report.get("timings") or {}).get("total_seconds")
    if t is not None:
        rows.append(("Run time", f"{t} s"))
    return rows


def render_report(run_dir: str | Path, output: str | Path, codebook: Codebook | str | Path | None = None,
                  min_probability: float | None = None, title: str | None = None) -> ReportResult:
    """Write ``output``: one self-contained HTML report of the run folder ``run_dir``.

    ``codebook``: a Codebook or a YAML/.qdc path for labels, colours and groups; by default the
    run's own (trained model's codebook, else the config's). ``min_probability``: re-derive the
    suggestions from the stored scores with this one threshold (the codebook's rules still apply,
    as with ``tagging.min_probability``); by default the codes the run assigned are shown. It is
    also where the page's probability slider starts.
    """
    from jinja2 import Environment, PackageLoader, StrictUndefined

    run_dir = Path(run_dir)
    output = Path(output)
    if min_probability is not None and not 0.0 <= float(min_probability) <= 1.0:
        raise ConfigError("--min-probability", "min_probability", f"a number from 0 to 1; got {min_probability}")
    if not (run_dir / "segments.jsonl").exists():
        raise InputError(run_dir, "not a run folder: segments.jsonl is missing "
                                  "(make one with: narratives run FILES --out DIR)")
    warnings: list[str] = []
    report: dict[str, Any] = {}
    if (run_dir / "report.json").exists():
        try:
            report = json.loads((run_dir / "report.json").read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError) as e:
            raise InputError(run_dir / "report.json", f"not valid JSON ({e})") from None
        if not isinstance(report, dict):
            raise InputError(run_dir / "report.json", "a JSON object expected")
    else:
        warnings.append("report.json is missing: the run summary is incomplete")
    cb, cb_note = _resolve_codebook(run_dir, report, codebook, warnings)
    suggest = _Suggest(cb, None if min_probability is None else float(min_probability))
    codes = _Codes(cb) if cb is not None else None
    order = codes.order if codes else {}
    scan = _scan_segments(run_dir / "segments.jsonl", suggest, order)
    if codes is None:
        codes = _Codes(_synth_codebook(list(dict.fromkeys(scan.scored_codes + scan.seen_codes))))
    codes.add_unknown(scan.seen_codes)
    if any(g.id == "_other" for g in codes.groups):
        warnings.append("some codes of the run are not in the codebook: "
                        + ", ".join(c.id for g in codes.groups if g.id == "_other" for c in g.codes))

    docs = _read_documents(run_dir / "documents.jsonl") if (run_dir / "documents.jsonl").exists() else []
    if not (run_dir / "documents.jsonl").exists():
        warnings.append("documents.jsonl is missing: documents are shown from their units only")
    known = {d.doc_id for d in docs}
    for doc_id in scan.offsets:
        if doc_id not in known:
            docs.append(_DocMeta(len(docs), doc_id, None, "", [], in_documents=False))
    doc_index = {d.doc_id: d.idx for d in docs}
    speaker_rows = {key: sp["idx"] for key, sp in scan.speakers.items()}
    renderer = _DocRenderer(codes, suggest, scan, speaker_rows)

    # profiles may name codes the codebook lacks: add them before the code list is fixed
    profiles = _profiles(run_dir, codes, suggest, cb, doc_index, speaker_rows)
    code_list = codes.codes
    groups = [g for g in codes.groups if g.codes]
    overview_docs = [{"idx": d.idx, "anchor": f"d{d.idx}", "doc_id": d.doc_id, "kind": d.kind or "?",
                      "units": scan.doc_units[d.doc_id],
                      "counts": [scan.doc_counts.get(d.doc_id, Counter())[c.id] for c in code_list]}
                     for d in docs]
    overview_speakers = [{"idx": sp["idx"], "doc_id": doc_id, "anchor": f"d{doc_index.get(doc_id, 0)}",
                          "speaker": speaker, "role": sp["role"] or "", "units": sp["units"],
                          "counts": [sp["counts"][c.id] for c in code_list]}
                         for (doc_id, speaker), sp in scan.speakers.items()]
    failed = [f for f in report.get("failed") or [] if isinstance(f, dict)]

    env = Environment(loader=PackageLoader("pipeline.report", "templates"), autoescape=True,
                      trim_blocks=True, lstrip_blocks=True, undefined=StrictUndefined)
    env.filters["wbr"] = _wbr
    template = env.get_template(TEMPLATE)
    context = {
        "title": title or f"Pre-coding report: {run_dir.resolve().name}",
        "run_dir": str(run_dir),
        "generated": _dt.datetime.now().strftime("%Y-%m-%d %H:%M"),
        "summary": _summary(report, scan, docs),
        "codebook_note": cb_note,
        "basis": ("codes assigned by the run" if min_probability is None else
                  f"re-derived from the stored scores at minimum probability {float(min_probability):.2f} "
                  "(codebook rules applied)"),
        "min_p": float(min_probability or 0.0),
        "failed": failed,
        "skipped": report.get("skipped") or [],
        "warnings": warnings,
        "groups": groups,
        "codes": code_list,
        "codes_by_id": codes.by_id,
        "totals": [scan.totals[c.id] for c in code_list],
        "overview_docs": overview_docs,
        "overview_speakers": overview_speakers,
        "profiles": profiles,
        "toc": [{"anchor": f"d{d.idx}", "doc_id": d.doc_id, "kind": d.kind or "?",
                 "coded": scan.doc_coded[d.doc_id], "units": scan.doc_units[d.doc_id]} for d in docs],
        "documents": _documents(run_dir, docs, scan, renderer),
        "n_units": scan.units,
        "n_suggestions": scan.suggestions,
    }
    try:
        with atomic_open(output) as fh:
            for chunk in template.generate(**context):
                fh.write(chunk)
    except OSError as e:
        raise InputError(output, f"cannot be written ({e.strerror or e})") from None
    result = ReportResult(output, len(docs), scan.units, scan.suggestions, output.stat().st_size,
                          cb_note, warnings)
    for w in warnings:
        log.warning("%s", w)
    return result
