"""Transcript layouts of transcription services, meeting tools and typists, brought to one form.

The segmenter reads turns as ``Label: text`` (after line-initial timestamps are stripped). Other
layouts are rewritten to that form here, line by line, before any offset is taken; the
timestamps go to ``metadata['line_timestamps']`` (line index -> hh:mm:ss):

- label then timestamp: ``I: [00:00:12] tekst``, ``R (00:01:05): tekst``, ``Spreker 1 00:03:12 tekst``
- a speaker line with the turn's text in the paragraphs below it: ``Spreker 1   00:00:05``,
  ``Interviewer [00:02:10]``, ``[Anna de Vries] 10:03:12``, ``Interviewer (00:02:10):``, and with
  the time first, ``[00:00:02.06] - Spreker 1`` or ``00:00:05 Spreker 1``, become ``Label:`` (the
  segmenter continues the turn until the next speaker);
- time, speaker and text in tab-separated columns: ``00:00:05<TAB>Anna de Vries<TAB>tekst``;
- a time alone on its line above the turn (``00:00:17`` then ``R: tekst`` or ``RESPONDENT:``):
  the line is emptied and its time goes to the next line that holds text;
- time marks inside the text, as f4transkript and f5transkript write them at the end of each
  paragraph (``B: tekst #00:01:23-4#``): taken out, and the first on a line is that line's time
  (for f4, the time the paragraph ends).

Where the time comes first it must hold seconds (``00:00:05``, not ``09:30``): diaries write
clock times before activities ("09:30 Huisbezoek"), transcription tools write running times.

A layout is only rewritten for labels that use it at least twice, and only when two or more
speakers do, so a diary line such as "Dag 3 09:30 huisbezoek" or a turn that starts with a
time ("R: 12:30 was ik er") stays as written.
"""

from __future__ import annotations

import re
from collections import Counter

from pipeline.model import Document
from pipeline.structure.lines import normalise_time

_WORD = r"[A-ZÀ-Ý][\w'À-ÿ\-]*\.?"
_LABEL = (rf"(?P<label>{_WORD}(?:[ \t]+(?:[A-Za-zÀ-ÿ][\w'À-ÿ\-]*\.?|\d{{1,2}}(?![:\d]))){{0,3}})")
# A whole time: "00:03:12" is never read as "00:03" followed by ":12".
_TS = r"[\[(]?(?P<ts>\d{1,2}:\d{2}(?::\d{2})?(?:[.,]\d{1,3})?)(?![\d:])[\])]?"

# "I: [00:00:12] tekst", "I: 00:00:12 - tekst"
_LABEL_COLON_TS = re.compile(rf"^[ \t]*{_LABEL}[ \t]*:[ \t]*{_TS}[ \t]*(?:-[ \t]*)?(?P<rest>\S.*)$")
# "R (00:01:05): tekst", "Interviewer [00:02:10]:" (text below)
_LABEL_TS_COLON = re.compile(rf"^[ \t]*\[?{_LABEL}\]?[ \t]*{_TS}[ \t]*:[ \t]*(?P<rest>.*)$")
# "Spreker 1 00:03:12 tekst"
_LABEL_TS_TEXT = re.compile(rf"^[ \t]*\[?{_LABEL}\]?[ \t]+{_TS}[ \t]+(?:-[ \t]*)?(?P<rest>\S.*)$")
# "Spreker 1   00:00:05", "[Anna de Vries] 10:03:12" alone on the line
_LABEL_TS_LINE = re.compile(rf"^[ \t]*\[?{_LABEL}\]?[ \t]+{_TS}[ \t]*$")
# A running time with seconds, where it comes first: "[00:00:02.06]", "00:00:05", "(0:12:31)"
_RUN_TS = r"[\[(]?(?P<ts>\d{1,2}:\d{2}:\d{2}(?:[.,]\d{1,3})?)(?![\d:])[\])]?"
# "[00:00:02.06] - Spreker 1", "00:00:05 Spreker 1:" alone on the line (text below)
_TS_LABEL_LINE = re.compile(rf"^[ \t]*{_RUN_TS}[ \t]*(?:-[ \t]*)?\[?{_LABEL}\]?[ \t]*:?[ \t]*$")
# "00:00:05<TAB>Anna de Vries<TAB>tekst"
_TS_TAB_LABEL_TAB = re.compile(rf"^[ \t]*{_RUN_TS}\t+\[?{_LABEL}\]?:?\t+(?P<rest>\S.*)$")
# "00:00:17" or "[00:00:44]" alone on the line, above the turn it times
_TS_ALONE = re.compile(rf"^[ \t]*{_RUN_TS}[ \t]*$")
# f4/f5transkript's time marks, "#00:01:23-4#", with the blanks before them
_HASH_MARK = re.compile(r"[ \t]*#(?P<ts>\d{1,2}:\d{2}:\d{2})(?:[-.,]\d{1,3})?#")

# Words that stand before a time in ordinary sentences and diary lines, never speaker labels.
_NOT_LABELS = {
    "om", "tot", "van", "na", "voor", "rond", "vanaf", "sinds", "op", "tussen", "tegen", "ca",
    "circa", "half", "kwart", "uur", "vandaag", "gisteren", "morgen", "dag", "datum", "tijd",
    "duur", "start", "einde", "begin", "pauze", "maandag", "dinsdag", "woensdag", "donderdag",
    "vrijdag", "zaterdag", "zondag", "ochtend", "middag", "avond", "nacht", "bijeenkomst",
    "overleg", "gesprek", "afspraak", "beslissing", "entry", "notitie", "opname", "interview",
}


def _plausible(label: str) -> bool:
    words = label.split()
    return (len(label) <= 32 and words[0].lower().rstrip(".") not in _NOT_LABELS
            and all(w[0].isupper() or w.isdigit() or w.lower() in {"de", "van", "der", "den", "ter", "ten"}
                    for w in words))


def _match(line: str) -> tuple[str, str, str | None] | None:
    """(label, timestamp, text or None for a speaker line) for a line in one of the layouts."""
    for pattern in (_LABEL_COLON_TS, _LABEL_TS_COLON, _LABEL_TS_LINE, _LABEL_TS_TEXT,
                    _TS_LABEL_LINE, _TS_TAB_LABEL_TAB):
        m = pattern.match(line)
        if m and _plausible(m.group("label")):
            rest = m.groupdict().get("rest")
            return m.group("label"), normalise_time(m.group("ts")), (rest.strip() or None) if rest else None
    return None


def normalise_layout(doc: Document) -> Document:
    """The document with label-and-timestamp layouts rewritten to ``Label: text`` lines."""
    doc = _times_above_turns(_hash_time_marks(doc))
    lines = doc.text.split("\n")
    found = [_match(line) for line in lines]
    if not any(found):
        return doc
    uses = Counter(f[0] for f in found if f)
    confirmed = {label for label, n in uses.items() if n >= 2}
    if len(confirmed) < 2:  # one speaker is not a conversation: leave the text as written
        return doc
    stamps = {int(k): v for k, v in doc.metadata.get("line_timestamps", {}).items()}
    changed = False
    for i, f in enumerate(found):
        if f is None or f[0] not in confirmed:
            continue
        label, ts, rest = f
        lines[i] = f"{label}: {rest}" if rest else f"{label}:"
        stamps.setdefault(i, ts)
        changed = True
    if not changed:
        return doc
    return Document(doc.doc_id, doc.source, "\n".join(lines), doc.kind,
                    {**doc.metadata, "line_timestamps": stamps})


def _times_above_turns(doc: Document) -> Document:
    """Times alone on their line (two or more such lines) moved to the next line with text."""
    lines = doc.text.split("\n")
    alone = [i for i, line in enumerate(lines) if _TS_ALONE.match(line)]
    if len(alone) < 2:
        return doc
    stamps = {int(k): v for k, v in doc.metadata.get("line_timestamps", {}).items()}
    for i in alone:
        below = next((j for j in range(i + 1, len(lines)) if lines[j].strip() and j not in alone), None)
        ts = normalise_time(_TS_ALONE.match(lines[i]).group("ts"))
        lines[i] = ""
        if below is not None:
            stamps.setdefault(below, ts)
    return Document(doc.doc_id, doc.source, "\n".join(lines), doc.kind,
                    {**doc.metadata, "line_timestamps": stamps})


def _hash_time_marks(doc: Document) -> Document:
    """f4/f5transkript time marks (two or more) out of the text; a line's first is its time."""
    if len(_HASH_MARK.findall(doc.text)) < 2:
        return doc
    lines = doc.text.split("\n")
    stamps = {int(k): v for k, v in doc.metadata.get("line_timestamps", {}).items()}
    for i, line in enumerate(lines):
        first = _HASH_MARK.search(line)
        if first is not None:
            stamps.setdefault(i, normalise_time(first.group("ts")))
            lines[i] = _HASH_MARK.sub("", line)
    return Document(doc.doc_id, doc.source, "\n".join(lines), doc.kind,
                    {**doc.metadata, "line_timestamps": stamps})
