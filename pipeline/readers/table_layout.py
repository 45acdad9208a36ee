"""Transcript layouts inside word-processor files: tables of turns and bold speaker labels.

Both are turned into the ``Speaker: text`` lines (with ``[time]`` in front where a table has a
time column) that the transcript segmenter reads, so the label and the time never end up inside
a turn's text. Anything that does not look like a transcript is left as it was.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable

_TIME = re.compile(r"^[\[(]?\d{1,2}:\d{2}(?::\d{2})?(?:[.,]\d{1,3})?[\])]?$")
_TIME_HEADS = {"tijd", "time", "tijdstip", "tijdcode", "timestamp", "tijdstempel", "begin", "start", "tc"}
_SPEAKER_HEADS = {"spreker", "speaker", "naam", "name", "wie", "persoon", "deelnemer", "rol"}
_TEXT_HEADS = {"tekst", "text", "transcript", "transcriptie", "uitspraak", "inhoud", "gezegd", "wat"}
_LABEL = re.compile(r"^[A-ZÀ-Ý][\w'À-ÿ.\-]*(?: [\w'À-ÿ.\-]+){0,3}$")


def _columns_from_header(head: list[str]) -> tuple[int | None, int, int] | None:
    names = [" ".join(h.lower().split()).rstrip(":") for h in head]
    time = next((i for i, n in enumerate(names) if n in _TIME_HEADS), None)
    speaker = next((i for i, n in enumerate(names) if n in _SPEAKER_HEADS), None)
    text = next((i for i, n in enumerate(names) if n in _TEXT_HEADS), None)
    if speaker is None or text is None:
        return None
    return time, speaker, text


def _columns_from_content(rows: list[list[str]]) -> tuple[int | None, int, int] | None:
    width = max(len(r) for r in rows)
    if len(rows) < 3 or width < 2:
        return None
    cols = [[r[i] if i < len(r) else "" for r in rows] for i in range(width)]
    filled = [[c for c in col if c] for col in cols]
    time = next((i for i, col in enumerate(filled) if col and sum(bool(_TIME.match(c)) for c in col) >= 0.8 * len(col)), None)
    rest = [i for i in range(width) if i != time and filled[i]]
    speakers = [i for i in rest if all(_LABEL.match(c) for c in filled[i])
                and len(set(filled[i])) < len(filled[i]) and len(set(filled[i])) <= 12]
    if not speakers:
        return None
    speaker = speakers[0]
    others = [i for i in rest if i != speaker]
    if not others:
        return None
    text = max(others, key=lambda i: sum(len(c) for c in filled[i]))
    return time, speaker, text


def _cell(row: list[str], i: int | None) -> str:
    return row[i] if i is not None and i < len(row) else ""


def transcript_table(rows: list[list[str]]) -> list[str] | None:
    """``[time] Speaker: text`` lines for a table of turns, or None for any other table."""
    rows = [[" ".join(c.split()) for c in r] for r in rows if any(c.strip() for c in r)]
    if not rows:
        return None
    cols, body = _columns_from_header(rows[0]), rows[1:]
    if cols is None:
        cols, body = _columns_from_content(rows), rows
    if cols is None:
        return None
    time, speaker, text = cols
    lines = []
    for r in body:
        words = _cell(r, text)
        if not words:
            continue
        who = _cell(r, speaker).rstrip(":").strip()
        stamp = _cell(r, time).strip("[]() ")
        line = f"{who}: {words}" if who else words
        lines.append(f"[{stamp}] {line}" if stamp and _TIME.match(stamp) else line)
    return lines or None


def table_lines(rows: list[list[str]], row_line: Callable[[Iterable[str]], str]) -> list[str]:
    """A table as lines: turns when it is a transcript table, else one ``row_line`` per row."""
    turns = transcript_table(rows)
    return turns if turns is not None else [row_line(r) for r in rows]


def bold_labels_as_text(paragraphs: list[tuple[str, str | None]]) -> list[str]:
    """Paragraph texts, with a bold speaker label at the start written as ``Label: text``.

    Only done when at least two labels are each used at least twice, so a report with a bold
    lead-in ("**Casus 1.** Het gaat om ...") keeps its text.
    """
    def label_of(text: str, bold: str | None) -> str | None:
        if not bold or not text.startswith(bold):
            return None
        label = bold.strip().rstrip(":").strip()
        rest = text[len(bold):].strip()
        return label if label and rest and _LABEL.match(label) and len(label) <= 32 else None

    labels = [label_of(t, b) for t, b in paragraphs]
    uses = Counter(lab for lab in labels if lab)
    confirmed = {lab for lab, n in uses.items() if n >= 2}
    if len(confirmed) < 2:
        return [t for t, _ in paragraphs]
    out = []
    for (text, bold), label in zip(paragraphs, labels):
        if label in confirmed and not bold.strip().endswith(":"):
            out.append(f"{label}: {text[len(bold):].lstrip(' :')}")
        else:
            out.append(text)
    return out
