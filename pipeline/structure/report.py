"""Reports, field notes and plain text: paragraphs as units, headings as their section.

Hard-wrapped lines (PDF exports) are joined back into their paragraph: a line that does not end a
sentence, followed by one that starts in lower case, continues it.
"""

from __future__ import annotations

import re

from pipeline.model import Unit
from pipeline.structure.lines import Line, ends_sentence

REPORT_WORDS = re.compile(
    r"\b(verslag|focusgroep|focus-groep|casuïstiekbespreking|casuistiekbespreking|werkoverleg|"
    r"intervisie|veldnotities|observatie|notulen|deelnemers|bijeenkomst|teamoverleg|"
    r"multidisciplinair overleg|MDO|gespreksleider|moderator)\b",
    re.IGNORECASE,
)
_MARKDOWN_HEADING = re.compile(r"^\s*#{1,6}\s+(?P<title>.+)$")


def _heading(line: Line, next_line: Line | None) -> str | None:
    m = _MARKDOWN_HEADING.match(line.text)
    if m:
        return m.group("title").strip()
    text = line.text.strip()
    short = len(text) <= 60 and len(text.split()) <= 8
    followed_by_break = next_line is None or next_line.blank
    if short and not ends_sentence(text) and text[:1].isupper() and followed_by_break:
        return text
    return None


def segment_paragraphs(doc_id: str, text: str, lines: list[Line]) -> list[Unit]:
    units: list[Unit] = []
    section: str | None = None
    open_unit: Unit | None = None
    for i, line in enumerate(lines):
        if line.blank:
            open_unit = None
            continue
        nxt = lines[i + 1] if i + 1 < len(lines) else None
        heading = _heading(line, nxt)
        if heading is not None:
            section = heading
            open_unit = None
            continue
        stripped = line.text.lstrip()
        continues = (open_unit is not None and not ends_sentence(open_unit.text)
                     and stripped[:1].islower())
        if continues:
            open_unit.end = line.end
            open_unit.text = text[open_unit.start:open_unit.end]
            continue
        start = line.start + len(line.text) - len(stripped)
        open_unit = Unit(doc_id, start, line.end, text[start:line.end], section=section)
        units.append(open_unit)
    return units
