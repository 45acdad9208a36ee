"""Lines with their offsets, and the timestamp prefixes transcription tools put in front of them.

Every structure module works on ``Line`` records so that offsets into the document text are kept
by construction instead of recomputed with ``str.find``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pipeline.model import Document

# "[00:12:31] ", "00:12:31 ", "(00:12) ", "[12:31.5]": a time at the start of a line
TIMESTAMP_PREFIX = re.compile(
    r"^[ \t]*[\[(]?(?P<ts>\d{1,2}:\d{2}(?::\d{2})?(?:[.,]\d{1,3})?)[\])]?[ \t]*(?:-[ \t]*)?"
)
# A line must continue with something that is not another digit (so "12:30 uur" stays text).
_AFTER_TS = re.compile(r"[A-Za-zÀ-ÿ\[]")


@dataclass(frozen=True)
class Line:
    index: int
    start: int
    end: int  # end of the line's visible text (trailing spaces excluded)
    text: str

    @property
    def blank(self) -> bool:
        return not self.text.strip()


def split_lines(text: str) -> list[Line]:
    lines, offset = [], 0
    for i, raw in enumerate(text.split("\n")):
        stripped = raw.rstrip()
        lines.append(Line(i, offset, offset + len(stripped), stripped))
        offset += len(raw) + 1
    return lines


def normalise_time(ts: str) -> str:
    """hh:mm:ss from a transcript time ("12:31", "0:12:31.5", "00:12:31,480")."""
    parts = ts.replace(",", ".").split(".")[0].split(":")
    if len(parts) == 2:
        parts = ["00", *parts]
    return ":".join(p.zfill(2) for p in parts)


def strip_timestamps(doc: Document) -> Document:
    """Move line-initial timestamps into ``metadata['line_timestamps']`` and out of the text.

    Only done when at least two lines start with one, so that a diary line such as "9:30 huisbezoek"
    in an otherwise plain text is left alone.
    """
    lines = doc.text.split("\n")
    hits = [TIMESTAMP_PREFIX.match(line) for line in lines]
    valid = [m if m and _AFTER_TS.match(line[m.end():] or "") else None for m, line in zip(hits, lines)]
    if sum(m is not None for m in valid) < 2:
        return doc
    stamps = {int(k): v for k, v in doc.metadata.get("line_timestamps", {}).items()}
    for i, m in enumerate(valid):
        if m is not None:
            stamps.setdefault(i, normalise_time(m.group("ts")))
            lines[i] = lines[i][m.end():]
    metadata = {**doc.metadata, "line_timestamps": stamps}
    return Document(doc.doc_id, doc.source, "\n".join(lines), doc.kind, metadata)


def ends_sentence(text: str) -> bool:
    return text.rstrip().endswith((".", "!", "?", ":", ";", '"', "'", ")", "”", "…", "]"))
