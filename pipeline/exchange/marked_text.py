"""Marked text: a plain-text format for writing annotated documents by hand.

Researchers (and this project's corpus authors) write a document as it reads, and put the codes
of a unit on the line right after it, behind ``@@``. No offsets are typed by hand: they are
computed here, so ``text[start:end] == unit text`` holds by construction.

Format::

    ---
    doc_id: hv_huisarts_01
    kind: transcript            # transcript | diary | report | text
    profession: huisarts
    ---
    I: Hoe begint u zo'n gesprek meestal?
    @@
    R: Nou, eh, dat hangt ervan af wie er binnenkomt...
    @@ decision_moment, decision_type.methodisch_inhoudelijk, factor.client

A line followed by an ``@@`` line is an annotated unit (``@@`` alone: considered, no code). Lines
without one (titles, entry headers) stay in the text but are not units. Blank lines are kept.

This module only depends on the standard library and PyYAML, so it runs before the package is
installed: ``python -m pipeline.exchange.marked_text check FILE...``.
"""

from __future__ import annotations

import argparse
import bisect
import json
import sys
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.structure.lines import strip_timestamps
from pipeline.yaml_io import safe_load

MARK = "@@"


class MarkedTextError(ValueError):
    """A marked-text file that cannot be parsed; the message names file and line."""


@dataclass
class MarkedUnit:
    start: int
    end: int
    codes: list[str]
    line: int  # 1-based line number in the source file, for error messages


@dataclass
class MarkedDocument:
    doc_id: str
    kind: str
    text: str
    metadata: dict[str, Any] = field(default_factory=dict)
    units: list[MarkedUnit] = field(default_factory=list)

    def to_record(self) -> dict[str, Any]:
        """The annotated-corpus JSONL record (see corpora/annotated/README.md)."""
        return {
            "doc_id": self.doc_id,
            "kind": self.kind,
            "text": self.text,
            "metadata": self.metadata,
            "units": [
                {"start": u.start, "end": u.end, "text": self.text[u.start : u.end], "codes": u.codes}
                for u in self.units
            ],
        }


def _split_front_matter(raw: str, source: str) -> tuple[dict[str, Any], list[str], int]:
    lines = raw.split("\n")
    if not lines or lines[0].strip() != "---":
        raise MarkedTextError(f"{source}: line 1: expected '---' opening the header")
    try:
        close = next(i for i in range(1, len(lines)) if lines[i].strip() == "---")
    except StopIteration:
        raise MarkedTextError(f"{source}: header opened with '---' is never closed") from None
    header = safe_load("\n".join(lines[1:close])) or {}
    if not isinstance(header, dict):
        raise MarkedTextError(f"{source}: header: expected 'key: value' lines")
    for key in ("doc_id", "kind"):
        if not header.get(key):
            raise MarkedTextError(f"{source}: header: missing '{key}'")
    return header, lines[close + 1 :], close + 2


def parse(raw: str, source: str = "<string>") -> MarkedDocument:
    """Parse marked text into a document with unit offsets into its clean text."""
    raw = raw.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff")
    header, body, first_line_no = _split_front_matter(raw, source)
    while body and not body[0].strip():  # the text starts at its first non-blank line
        body, first_line_no = body[1:], first_line_no + 1
    text_lines: list[str] = []
    units: list[MarkedUnit] = []
    offset = 0
    last_text: tuple[int, int, int] | None = None  # start, end, line number of last text line
    for i, line in enumerate(body):
        line_no = first_line_no + i
        if line.lstrip().startswith(MARK):
            if last_text is None:
                raise MarkedTextError(f"{source}: line {line_no}: '@@' does not follow a text line")
            spec = line.lstrip()[len(MARK) :]
            codes = [c.strip() for c in spec.replace(";", ",").split(",") if c.strip()]
            start, end, text_line_no = last_text
            units.append(MarkedUnit(start, end, codes, text_line_no))
            last_text = None
            continue
        stripped = line.rstrip()
        lead = len(stripped) - len(stripped.lstrip())
        start = offset + lead
        end = offset + len(stripped)
        text_lines.append(stripped)
        offset += len(stripped) + 1
        last_text = (start, end, line_no) if end > start else None
    text = "\n".join(text_lines).rstrip("\n")
    metadata = {k: v for k, v in header.items() if k not in ("doc_id", "kind")}
    doc = MarkedDocument(str(header["doc_id"]), str(header["kind"]), text, metadata, units)
    return _without_timestamps(doc) if doc.kind == "transcript" else doc


def _without_timestamps(doc: MarkedDocument) -> MarkedDocument:
    """Take line timestamps out of a transcript's text, as the pipeline does, keeping offsets true.

    Stripping only shortens lines at their start, so an offset moves by what its line lost.
    """
    from pipeline.model import Document

    stripped = strip_timestamps(Document(doc.doc_id, "", doc.text, doc.kind, {}))
    if stripped.text == doc.text:
        return doc
    old_lines, new_lines = doc.text.split("\n"), stripped.text.split("\n")
    old_starts, new_starts = _line_starts(old_lines), _line_starts(new_lines)

    def move(offset: int) -> int:
        i = bisect.bisect_right(old_starts, offset) - 1
        cut = len(old_lines[i]) - len(new_lines[i])
        return new_starts[i] + max(0, offset - old_starts[i] - cut)

    for u in doc.units:
        u.start, u.end = move(u.start), move(u.end)
    doc.text = stripped.text
    doc.metadata["line_timestamps"] = stripped.metadata["line_timestamps"]
    return doc


def read(path: str | Path) -> MarkedDocument:
    path = Path(path)
    return parse(path.read_text(encoding="utf-8"), str(path))


# --- checking against a codebook (kept light: only ids, kinds and "requires") -----------------


def load_code_rules(codebook_path: str | Path) -> tuple[dict[str, dict[str, Any]], dict[str, str]]:
    """Groups by id and code id -> group id, read straight from a codebook YAML."""
    data = safe_load(Path(codebook_path).read_text(encoding="utf-8"))
    groups: dict[str, dict[str, Any]] = {}
    code_group: dict[str, str] = {}
    for group in data.get("groups", []):
        groups[group["id"]] = group
        for code in group.get("codes", []):
            code_group[code["id"]] = group["id"]
    return groups, code_group


def check(doc: MarkedDocument, codebook_path: str | Path, source: str) -> list[str]:
    """Problems with a document's coding, one line each."""
    groups, code_group = load_code_rules(codebook_path)
    problems = []
    for u in doc.units:
        where = f"{source}: line {u.line}"
        present = set(u.codes)
        for code in u.codes:
            if code not in code_group:
                problems.append(f"{where}: unknown code '{code}'")
        per_group = Counter(code_group[c] for c in u.codes if c in code_group)
        for gid, n in per_group.items():
            g = groups[gid]
            if g.get("kind") == "single" and n > 1:
                problems.append(f"{where}: group '{gid}' takes one code, got {n}")
            req = g.get("requires")
            if req and req not in present:
                problems.append(f"{where}: codes of '{gid}' need '{req}' on the same unit")
        if len(u.codes) != len(present):
            problems.append(f"{where}: a code is given twice")
    if doc.kind not in ("transcript", "diary", "report", "text"):
        problems.append(f"{source}: header: kind '{doc.kind}' is not transcript|diary|report|text")
    return problems


def _iter_files(paths: Iterable[str]) -> Iterable[Path]:
    for p in map(Path, paths):
        if p.is_dir():
            yield from sorted(p.rglob("*.txt"))
        else:
            yield p


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m pipeline.exchange.marked_text")
    sub = ap.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("check", help="validate files and count units per code")
    c.add_argument("paths", nargs="+")
    c.add_argument("--codebook", default="configs/codebooks/default.yaml")
    b = sub.add_parser("build", help="write annotated JSONL from marked-text files")
    b.add_argument("paths", nargs="+")
    b.add_argument("--output", required=True)
    args = ap.parse_args(argv)

    files = list(_iter_files(args.paths))
    if args.cmd == "check":
        counts: Counter[str] = Counter()
        n_units = 0
        bad = 0
        for f in files:
            try:
                doc = read(f)
            except MarkedTextError as e:
                print(e)
                bad += 1
                continue
            problems = check(doc, args.codebook, str(f))
            for p in problems:
                print(p)
            bad += bool(problems)
            n_units += len(doc.units)
            counts.update(c for u in doc.units for c in u.codes)
        print(f"{len(files)} files, {n_units} units, {bad} with problems")
        for code, n in sorted(counts.items()):
            print(f"  {code:45s} {n:5d}")
        return 1 if bad else 0
    out = Path(args.output)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(out.suffix + ".tmp")
    with tmp.open("w", encoding="utf-8") as fh:
        for f in files:
            fh.write(json.dumps(read(f).to_record(), ensure_ascii=False) + "\n")
    tmp.replace(out)
    print(f"wrote {len(files)} documents to {out}")
    return 0


def _line_starts(lines: list[str]) -> list[int]:
    starts, pos = [], 0
    for line in lines:
        starts.append(pos)
        pos += len(line) + 1
    return starts


if __name__ == "__main__":
    sys.exit(main())
