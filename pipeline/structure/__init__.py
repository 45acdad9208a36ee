"""From a Document to units with offsets: transcripts, diaries, reports and plain text.

``structure_document`` is the one entry point: it strips line timestamps (the only change to a
document's text after reading, done before any offset is taken), detects the kind unless it is
given, and segments. Long units are split at sentence ends so classifiers see bounded inputs.
"""

from __future__ import annotations

import bisect
import fnmatch
import re
from collections.abc import Mapping
from dataclasses import dataclass

from pipeline.model import ROLES, Document, Unit
from pipeline.structure.diary import diary_signals, segment_diary
from pipeline.structure.layouts import normalise_layout
from pipeline.structure.lines import split_lines, strip_timestamps
from pipeline.structure.report import REPORT_WORDS, segment_paragraphs
from pipeline.structure.transcript import label_share, segment_transcript

__all__ = ["StructureOptions", "detect_kind", "split_long_unit", "structure_document"]

_SENTENCE_END = re.compile(r"(?<=[.!?…])[\"'”)]?\s+(?=[\"'“(\[]?[A-ZÀ-Ý0-9])")


@dataclass
class StructureOptions:
    kind: str = "auto"
    kind_patterns: Mapping[str, str] | None = None
    roles: Mapping[str, str] | None = None
    max_unit_chars: int = 2000
    strip_timestamps: bool = True


def detect_kind(doc: Document) -> str:
    """transcript, diary, report or text, from the lines' shape and a few words.

    Measured on the demo and annotated corpora; the rules in order: speaker labels on a third
    of the lines (and at least two speakers) make a transcript; two entry headers or three section
    keywords make a diary; report vocabulary in the name or opening lines makes a report.
    """
    lines = split_lines(doc.text)
    share, n_labels = label_share(lines)
    headers, sections = diary_signals(lines)
    if share >= 0.3 and n_labels >= 2 and not (headers >= 2 and share < 0.6):
        return "transcript"
    if headers >= 2 or sections >= 3:
        return "diary"
    head = "\n".join(ln.text for ln in lines[:15])
    name = re.sub(r"[_\-.]+", " ", doc.source.rsplit("/", 1)[-1])
    if REPORT_WORDS.search(name) or REPORT_WORDS.search(head):
        return "report"
    if share >= 0.3 and n_labels >= 1:
        return "transcript"
    return "text"


def _kind_for(doc: Document, options: StructureOptions) -> str:
    if options.kind != "auto":
        return options.kind
    for pattern, kind in (options.kind_patterns or {}).items():
        if fnmatch.fnmatch(doc.source, pattern) or fnmatch.fnmatch(doc.source.rsplit("/", 1)[-1], pattern):
            return kind
    if doc.kind:
        return doc.kind
    return detect_kind(strip_timestamps(normalise_layout(doc)))


def split_long_unit(unit: Unit, text: str, max_chars: int) -> list[Unit]:
    """Split a unit longer than ``max_chars`` at sentence ends; parts keep the unit's labels."""
    if unit.end - unit.start <= max_chars:
        return [unit]
    cuts = [unit.start + m.end() for m in _SENTENCE_END.finditer(unit.text)]
    parts, start = [], unit.start
    last_cut = start
    for cut in cuts + [unit.end]:
        if cut - start > max_chars and last_cut > start:
            parts.append((start, last_cut))
            start = last_cut
        last_cut = cut
    parts.append((start, unit.end))
    result = []
    for s, e in parts:
        e_trim = s + len(text[s:e].rstrip())
        result.append(Unit(unit.doc_id, s, e_trim, text[s:e_trim], unit.speaker, unit.role,
                           unit.entry, unit.section, unit.timestamp))
    return result


def structure_document(doc: Document, options: StructureOptions | None = None) -> tuple[Document, list[Unit]]:
    """The document with its final text, kind and structural metadata, and its units."""
    options = options or StructureOptions()
    kind = _kind_for(doc, options)
    if kind == "transcript" and options.strip_timestamps:
        doc = strip_timestamps(normalise_layout(doc))
    text = doc.text
    lines = split_lines(text)
    metadata = dict(doc.metadata)
    if kind == "transcript":
        from_file = {k: v for k, v in (metadata.get("speaker_roles") or {}).items() if v in ROLES}
        roles_given = {**from_file, **(options.roles or {})}
        units, header = segment_transcript(doc.doc_id, text, lines, roles_given)
        roles = {u.speaker: u.role for u in units if u.speaker}
        metadata["speakers"] = list(roles)
        metadata["roles"] = roles
        if header:
            metadata["header"] = header
        stamps = {int(k): v for k, v in metadata.get("line_timestamps", {}).items()}
        line_starts = [ln.start for ln in lines]
        for u in units:
            line_no = _line_of(line_starts, u.start)
            if line_no not in stamps:  # a turn under "Spreker 1  00:00:05" has that line's time
                above = next((j for j in range(line_no - 1, -1, -1) if not lines[j].blank), None)
                if above is not None and _is_speaker_line(lines[above].text):
                    line_no = above
            u.timestamp = stamps.get(line_no)
        if stamps:
            metadata["timestamps"] = sorted(set(stamps.values()))
    elif kind == "diary":
        units, dates = segment_diary(doc.doc_id, text, lines)
        for u in units:
            u.role = "respondent"
        metadata["entries"] = list(dict.fromkeys(u.entry for u in units if u.entry))
        metadata["dates"] = dates
    else:
        units = segment_paragraphs(doc.doc_id, text, lines)
    units = [part for u in units for part in split_long_unit(u, text, options.max_unit_chars)]
    return Document(doc.doc_id, doc.source, text, kind, metadata), units


def _is_speaker_line(line: str) -> bool:
    from pipeline.structure.transcript import match_speaker_line

    return match_speaker_line(line) is not None


def _line_of(line_starts: list[int], offset: int) -> int:
    return bisect.bisect_right(line_starts, offset) - 1
