"""Reading a run folder (``narratives run FILES --out DIR``) for the exporters.

A run folder holds ``documents.jsonl`` (one document per line), ``segments.jsonl`` (one unit per
line, with ``codes``, ``scores`` and ``evidence``) and ``report.json`` (with the tagger that made
the codes). Writers only read results: this module checks what they rely on (the files exist,
``text[start:end]`` of each segment is the segment's text, every code is in the codebook) and
turns the assigned codes into *suggestions*, one per (segment, code).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.codebook import Codebook
from pipeline.errors import ConfigError, InputError
from pipeline.io import read_jsonl

log = logging.getLogger(__name__)

INTERVIEWER_ROLES = ("interviewer", "other")


@dataclass
class RunDocument:
    doc_id: str
    source: str
    kind: str | None
    text: str
    metadata: dict[str, Any] = field(default_factory=dict)
    segments: list[dict[str, Any]] = field(default_factory=list)

    @property
    def respondents(self) -> list[tuple[str, str | None]]:
        """(speaker, role) of the respondents: speakers not interviewer/other, in first-seen order.

        Tables may give a profession as a role ("huisarts"): such a speaker is a respondent too.
        """
        roles = self.metadata.get("roles") if isinstance(self.metadata.get("roles"), dict) else {}
        seen: dict[str, str | None] = {}
        for seg in self.segments:
            speaker = seg.get("speaker")
            if speaker and speaker not in seen:
                seen[speaker] = seg.get("role") or roles.get(speaker)
        for speaker, role in roles.items():
            seen.setdefault(speaker, role)
        return [(s, r) for s, r in seen.items() if r not in INTERVIEWER_ROLES]


@dataclass
class RunResults:
    run_dir: Path
    documents: list[RunDocument]
    report: dict[str, Any]

    @property
    def tagger(self) -> dict[str, Any]:
        tagger = self.report.get("tagger")
        return tagger if isinstance(tagger, dict) else {}

    def created(self) -> str:
        """When the run was written (report.json's time, UTC): stable across repeated exports."""
        path = self.run_dir / "report.json"
        stamp = path.stat().st_mtime if path.exists() else (self.run_dir / "segments.jsonl").stat().st_mtime
        return dt.datetime.fromtimestamp(int(stamp), dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class Suggestion:
    """One assigned code on one segment, with what the tagger said about it."""

    doc_id: str
    source: str
    kind: str | None
    start: int
    end: int
    text: str
    speaker: str | None
    role: str | None
    section: str | None
    entry: str | None
    code: str
    probability: float | None
    evidence: list[dict[str, Any]]

    @property
    def suggestion_id(self) -> str:
        return f"{self.doc_id}:{self.start}-{self.end}:{self.code}"


def load_run(run_dir: str | Path, codebook: Codebook | None = None) -> RunResults:
    """Documents with their segments (file order); checks offsets and, given a codebook, codes."""
    run_dir = Path(run_dir)
    if not run_dir.is_dir():
        raise InputError(run_dir, "not a run folder (expected the --out folder of 'narratives run').")
    docs_path, segs_path = run_dir / "documents.jsonl", run_dir / "segments.jsonl"
    for p in (docs_path, segs_path):
        if not p.exists():
            raise InputError(p, "missing: is this the output folder of 'narratives run'?")
    report: dict[str, Any] = {}
    report_path = run_dir / "report.json"
    if report_path.exists():
        try:
            report = json.loads(report_path.read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError) as e:
            raise InputError(report_path, f"not valid JSON ({e})") from None
    documents: dict[str, RunDocument] = {}
    for line, rec in _records(docs_path):
        try:
            doc = RunDocument(str(rec["doc_id"]), str(rec.get("source") or ""), rec.get("kind"),
                              rec["text"], rec.get("metadata") or {})
        except (KeyError, TypeError):
            raise InputError(docs_path, f"line {line}: a document needs 'doc_id' and 'text'") from None
        documents[doc.doc_id] = doc
    unknown: dict[str, int] = {}
    known = set(codebook.code_ids) if codebook is not None else None
    for line, seg in _records(segs_path):
        doc = documents.get(str(seg.get("doc_id")))
        if doc is None:
            raise InputError(segs_path, f"line {line}: document {seg.get('doc_id')!r} is not in "
                                        "documents.jsonl")
        try:
            start, end = int(seg["start"]), int(seg["end"])
        except (KeyError, TypeError, ValueError):
            raise InputError(segs_path, f"line {line}: a segment needs integer 'start' and 'end'") from None
        if doc.text[start:end] != seg.get("text"):
            raise InputError(segs_path, f"line {line}: the segment's text is not the document's "
                                        f"text[{start}:{end}] ({doc.doc_id})")
        for code in seg.get("codes") or []:
            if known is not None and code not in known:
                unknown[code] = unknown.get(code, 0) + 1
        doc.segments.append(seg)
    if unknown and codebook is not None:
        listed = ", ".join(f"{c} ({n})" for c, n in sorted(unknown.items()))
        raise ConfigError(codebook.source, "codes",
                          f"the codes of run {run_dir}; these are not in codebook "
                          f"'{codebook.id}': {listed}. Pass the run's codebook with --codebook")
    run_cb = (report.get("tagger") or {}).get("codebook") if isinstance(report.get("tagger"), dict) else None
    if codebook is not None and run_cb and run_cb != codebook.id:
        log.warning("run %s was coded with codebook %r, exporting with %r", run_dir, run_cb, codebook.id)
    for doc in documents.values():
        doc.segments.sort(key=lambda s: (s["start"], s["end"]))
    return RunResults(run_dir, list(documents.values()), report)


def _records(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    try:
        for line, rec in enumerate(read_jsonl(path), 1):
            if not isinstance(rec, dict):
                raise InputError(path, f"line {line}: expected a JSON object")
            yield line, rec
    except ValueError as e:
        raise InputError(path, str(e).removeprefix(f"{path}: ")) from None
    except UnicodeDecodeError:
        raise InputError(path, "not UTF-8 text") from None


def check_filters(codebook: Codebook, min_probability: float | None,
                  groups: Iterable[str] | None) -> set[str]:
    """The code ids the filters keep; clear errors for an unknown group or a bad probability."""
    if min_probability is not None and not 0.0 <= float(min_probability) <= 1.0:
        raise ConfigError("--min-probability", "min_probability",
                          f"a number between 0 and 1; got {min_probability!r}")
    if isinstance(groups, str):
        groups = groups.split(",")
    groups = [g for g in (groups or []) if g.strip()]
    if not groups:
        return set(codebook.code_ids)
    known = [g.id for g in codebook.groups]
    keep: set[str] = set()
    for gid in groups:
        gid = gid.strip()
        if gid not in known:
            raise ConfigError(codebook.source, "groups",
                              f"group ids of codebook '{codebook.id}' ({', '.join(known)}); got '{gid}'")
        keep.update(codebook.group(gid).code_ids)
    return keep


def iter_suggestions(run: RunResults, codebook: Codebook, min_probability: float | None = 0.0,
                     groups: Iterable[str] | None = None,
                     documents: Iterable[RunDocument] | None = None) -> Iterator[Suggestion]:
    """Assigned codes (segment ``codes``) with probability >= min_probability, in the groups asked.

    A suggestion is a code the tagger assigned (after its thresholds and the codebook's rules);
    ``min_probability`` only narrows that further. Order: document, segment, codebook order.
    """
    keep = check_filters(codebook, min_probability, groups)
    order = {c: i for i, c in enumerate(codebook.code_ids)}
    floor = float(min_probability or 0.0)
    for doc in documents if documents is not None else run.documents:
        for seg in doc.segments:
            codes = [c for c in dict.fromkeys(seg.get("codes") or []) if c in keep]
            for code in sorted(codes, key=lambda c: order.get(c, len(order))):
                p = (seg.get("scores") or {}).get(code)
                prob = float(p) if isinstance(p, (int, float)) else None
                if prob is not None and prob < floor:
                    continue
                yield Suggestion(doc.doc_id, doc.source, doc.kind, seg["start"], seg["end"],
                                 seg["text"], seg.get("speaker"), seg.get("role"), seg.get("section"),
                                 seg.get("entry"), code, prob,
                                 list((seg.get("evidence") or {}).get(code) or []))


def model_user_name(run: RunResults, codebook: Codebook | None = None) -> str:
    """The model as a coder: "narratives cue_tagger default 1.0", "narratives sklearn models/x 2026-11-25"."""
    t = run.tagger
    if t.get("tagger") == "code_classifier" or t.get("model"):
        model = str(t.get("model") or "model")
        try:
            model = Path(model).resolve().relative_to(Path.cwd()).as_posix()
        except ValueError:
            model = "/".join(Path(model).parts[-2:])
        parts = ["narratives", str(t.get("backend") or "model"), model,
                 str(t.get("model_created") or "")[:10]]
    elif t.get("tagger"):
        parts = ["narratives", str(t["tagger"]), str(t.get("codebook") or ""),
                 str(t.get("codebook_version") or "")]
    elif codebook is not None:
        parts = ["narratives", "tagger", codebook.id, codebook.version]
    else:
        parts = ["narratives"]
    return " ".join(p for p in parts if p)


def readable_evidence(items: Iterable[dict[str, Any]], limit: int = 6) -> str:
    """Evidence for people: "cue 'besloten' (rule ik-besluit); word 'kiezen' +0.31"."""
    out = []
    items = list(items)
    for item in items[:limit]:
        text = str(item.get("text") or "").replace("\n", " ").strip()
        if len(text) > 80:
            text = text[:77] + "..."
        source = item.get("source")
        weight = item.get("weight")
        if source == "cue":
            out.append(f"cue '{text}' (rule {item.get('rule')})")
        else:
            what = item.get("feature") or source or "evidence"
            if item.get("code"):  # the model weighing another code's cue
                what = f"{what} of {item['code']}" + (f" (rule {item['rule']})" if item.get("rule") else "")
            w = f" {weight:+.2f}" if isinstance(weight, (int, float)) else ""
            out.append(f"{what} '{text}'{w}" if text else f"{what}{w}")
    if len(items) > limit:
        out.append(f"(+{len(items) - limit} more)")
    return "; ".join(out)
