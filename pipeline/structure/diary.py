"""Decision diaries: entries (by date, decision number or day) and their sections.

Sections are recognised when written as keywords ("Situatie:", "Wat:", "Waarom:") and, in prose
entries, from how a paragraph opens ("Achteraf...", "Ik heb besloten...").
"""

from __future__ import annotations

import re

from pipeline.model import Unit
from pipeline.structure.lines import Line

_MONTHS = ("januari|februari|maart|april|mei|juni|juli|augustus|september|oktober|november|"
           "december|jan|feb|mrt|apr|jun|jul|aug|sep|sept|okt|nov|dec")
_DAYS = "maandag|dinsdag|woensdag|donderdag|vrijdag|zaterdag|zondag|ma|di|wo|do|vr|za|zo"

ENTRY_HEADER = re.compile(
    rf"""^[\s#*_]*(?:
        (?:beslissing|besluit|beslismoment|keuze|casus)\s*(?:nr\.?|nummer)?\s*\d+\b
      | datum\s*:
      | dag\s+\d+\b
      | week\s+\d+\b
      | (?:{_DAYS})\.?\s+\d{{1,2}}\s+(?:{_MONTHS})\b
      | \d{{1,2}}\s+(?:{_MONTHS})\b(?:\s+\d{{4}})?\s*(?:[-–—,:]|$)
      | \d{{1,2}}[-/.]\d{{1,2}}[-/.]\d{{2,4}}\b
    )""",
    re.IGNORECASE | re.VERBOSE,
)
DATE_IN_HEADER = re.compile(
    rf"(?:(?:{_DAYS})\.?\s+)?\d{{1,2}}\s+(?:{_MONTHS})(?:\s+\d{{4}})?|\d{{1,2}}[-/.]\d{{1,2}}[-/.]\d{{2,4}}",
    re.IGNORECASE,
)

# Keyword (lower case, without colon) -> canonical section.
SECTION_KEYWORDS: dict[str, str] = {
    **dict.fromkeys(["situatie", "situatieschets", "feiten", "feitelijk", "context", "wat",
                     "wie", "waar", "wanneer", "aanleiding", "probleem", "vraag", "betrokkenen",
                     "wie waren betrokken", "signaal", "casus", "onderwerp"], "situatie"),
    **dict.fromkeys(["besluit", "beslissing", "besloten", "genomen besluit", "uitvoering",
                     "actie", "wat heb ik gedaan", "wat besloten", "keuze", "gekozen",
                     "hoe uitgevoerd", "uitgevoerd"], "besluit"),
    **dict.fromkeys(["reflectie", "waarom", "overwegingen", "afweging", "afwegingen",
                     "alternatieven", "andere opties", "opties", "anders gekund", "tevreden",
                     "achteraf", "volgende keer", "zelfde besluit", "hoe lang", "duur",
                     "gebaseerd op", "waarop gebaseerd", "terugblik", "evaluatie", "geleerd"],
                    "reflectie"),
    **dict.fromkeys(["opmerkingen", "opmerking", "overig", "notities", "noot", "nb", "n.b",
                     "ps"], "opmerkingen"),
}
SECTION_LINE = re.compile(r"^[\s#*_-]*(?P<key>[A-Za-zÀ-ÿ][A-Za-zÀ-ÿ .?]{0,30}?)\s*[?]?\s*:\s*(?P<rest>.*)$")

_REFLECTION_OPENERS = re.compile(
    r"^(achteraf|terugkijkend|als ik terugkijk|waarom|ik twijfel|ik twijfelde|ik vraag me af|"
    r"volgende keer|de volgende keer|ben ik tevreden|ik ben (?:wel |niet |best |heel )?tevreden|"
    r"wat ik ervan leer|eigenlijk|het voelde|ik denk achteraf|reflectie)\b",
    re.IGNORECASE,
)
_DECISION_OPENERS = re.compile(
    r"^(ik heb (?:toen )?(?:besloten|gekozen)|uiteindelijk|we hebben (?:besloten|gekozen)|"
    r"besloten|gekozen|mijn besluit|ik besloot|ik koos|de keuze)\b",
    re.IGNORECASE,
)


def is_entry_header(line: str) -> bool:
    return bool(ENTRY_HEADER.match(line)) and len(line) <= 120


def section_keyword(line: str) -> tuple[str, int] | None:
    """Canonical section and the offset of the section's words, for a keyword line."""
    m = SECTION_LINE.match(line)
    if not m:
        return None
    key = m.group("key").strip().lower().rstrip(".?")
    section = SECTION_KEYWORDS.get(key)
    if section is None:
        return None
    return section, m.start("rest")


def diary_signals(lines: list[Line]) -> tuple[int, int]:
    """Counts of entry headers and section keyword lines, for kind detection."""
    headers = sum(is_entry_header(ln.text) for ln in lines if not ln.blank)
    sections = sum(section_keyword(ln.text) is not None for ln in lines if not ln.blank)
    return headers, sections


def _prose_section(text: str, previous: str | None) -> str:
    if _REFLECTION_OPENERS.match(text):
        return "reflectie"
    if _DECISION_OPENERS.match(text):
        return "besluit"
    return previous or "situatie"


def segment_diary(doc_id: str, text: str, lines: list[Line]) -> tuple[list[Unit], list[str]]:
    """One unit per section line or paragraph, tagged with its entry and section.

    A header line opens an entry and is not a unit itself; lines before the first header are
    units of entry None (a title or introduction). Returns the units and the entry dates found.
    """
    units: list[Unit] = []
    entry: str | None = None
    section: str | None = None
    dates: list[str] = []
    previous_line_blank = True
    for line in lines:
        if line.blank:
            previous_line_blank = True
            continue
        if is_entry_header(line.text):
            entry = line.text.strip(" #*_\t")
            section = None
            m = DATE_IN_HEADER.search(line.text)
            if m:
                dates.append(m.group(0))
            previous_line_blank = True
            continue
        kw = section_keyword(line.text)
        lead = len(line.text) - len(line.text.lstrip())
        if kw:
            section, offset = kw
            start = line.start + offset
            if start >= line.end:  # "Reflectie:" alone on a line: the section starts below
                previous_line_blank = True
                continue
        else:
            start = line.start + lead
            joins = (units and not previous_line_blank and units[-1].entry == entry
                     and units[-1].end == line.start - 1 and not _opens_new(line.text))
            if joins:
                last = units[-1]
                last.end = line.end
                last.text = text[last.start:last.end]
                continue
            section = _prose_section(line.text.strip(), section) if entry else section
        units.append(Unit(doc_id, start, line.end, text[start:line.end], entry=entry,
                          section=section))
        previous_line_blank = False
    return units, dates


def _opens_new(line: str) -> bool:
    """A new line that reads as a new paragraph (not a hard-wrapped continuation)."""
    stripped = line.lstrip()
    return bool(stripped) and (stripped[0].isupper() or stripped[0] in "-•*\"'(")
