"""Speaker turns: labels in the forms transcribers use, and the roles behind them.

Recognised labels: "I:", "R:", "Interviewer:", "Respondent:", "Int.:", "Int.", first names
("Marieke:"), roles ("Huisarts:", "Wijkagent:"), two-word names ("Anna de Vries:"), numbered
speakers ("Spreker 1:", "R1:", "P3:"), optionally with a timestamp in front (stripped earlier, see
``lines.strip_timestamps``) or after the label (rewritten earlier, see ``layouts``). A label alone
on its line ("Interviewer:") starts a turn whose text is in the lines below it.
The header block before the first turn (project, date, respondent code, duration, "Transcript:")
is metadata, not a turn.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping

from pipeline.model import Unit
from pipeline.structure.lines import Line

# Label: up to four words, starting upper-case (or I/R), then ':' (or "Int." without colon).
SPEAKER_LABEL = re.compile(
    r"^(?P<label>(?:[A-ZÀ-Ý][\w'À-ÿ\-]*\.?|[a-z]{1,3}\.?)(?:[ \t]+(?:[A-Za-zÀ-ÿ][\w'À-ÿ\-]*\.?|\d{1,2})){0,3})"
    r"[ \t]*(?:\((?P<note>[^)]{1,30})\))?[ \t]*:[ \t]*(?P<rest>.*)$"
    r"|^(?P<int>Int\.)[ \t]+(?P<rest2>\S.*)$"
)

INTERVIEWER_LABELS = {"i", "int", "int.", "interviewer", "interviewster", "onderzoeker",
                      "onderzoekster", "interviewer 1", "interviewer 2", "vraag", "v", "moderator",
                      "gespreksleider"}
RESPONDENT_LABELS = {"r", "resp", "resp.", "respondent", "geïnterviewde", "participant", "antwoord",
                     "a", "deelnemer"}

# Words that introduce a diary or report section, not a speaker.
NOT_SPEAKERS = {
    "situatie", "situatieschets", "feiten", "besluit", "beslissing", "reflectie", "opmerkingen",
    "opmerking", "datum", "dag", "wat", "wie", "waar", "wanneer", "waarom", "hoe", "context",
    "overwegingen", "alternatieven", "uitvoering", "noot", "let op", "tijd", "locatie", "plaats",
    "duur", "aanwezig", "aanwezigen", "afwezig", "onderwerp", "agenda", "actie", "acties",
    "conclusie", "samenvatting", "doel", "vraag aan", "casus", "thema", "notulen", "bron",
    "tevreden", "anders gekund", "volgende keer", "resultaat", "voorbeeld", "citaat", "bijvoorbeeld",
    "zie", "bijv", "nb", "n.b", "ps", "tip", "vervolg", "afspraak", "afspraken", "deelnemers",
    "project", "transcriptie", "transcript", "functie", "opname", "duur opname", "setting",
    "organisatie", "code", "respondentnummer", "interviewnummer", "versie",
}
_MAX_LABEL_CHARS = 32
ROLE_NOUNS = {"werker", "werkster", "verpleegkundige", "agent", "arts", "consulent", "begeleider",
              "begeleidster", "coach", "ondersteuner", "hulpverlener", "medewerker", "manager",
              "regisseur", "adviseur", "assistent", "assistente", "psycholoog", "therapeut",
              "leider", "coördinator", "ambtenaar", "raadsman", "deskundige", "behandelaar",
              "praktijkondersteuner", "onderzoeker", "interviewer"}
_NUMBERED_INTERVIEWER = re.compile(r"^(?:i|int|interviewer|onderzoeker|moderator)[ ]?\d{1,2}$")
_NUMBERED_RESPONDENT = re.compile(r"^(?:r|resp|respondent|p|participant|d|deelnemer)[ ]?\d{1,2}$")
_HEADER_ONLY = re.compile(r"^[ \t]*(?P<label>[^:]{1,32}?)[ \t]*:[ \t]*$")


def match_label(line: str) -> tuple[str, int] | None:
    """The speaker label of a line and the offset where the turn's words begin, if it has one."""
    m = SPEAKER_LABEL.match(line)
    if not m:
        return None
    if m.group("int"):
        return "Int.", m.start("rest2")
    label = m.group("label").strip()
    rest = m.group("rest")
    key = label.lower().rstrip(".")
    if len(label) > _MAX_LABEL_CHARS or key in NOT_SPEAKERS or label.lower() in NOT_SPEAKERS:
        return None
    if not rest.strip():
        return None
    # "Anna de Vries" is a name, "Het ging zo" is not: multi-word labels need capitals or a digit,
    # or end in a role noun ("Sociaal werker", "Ambulant begeleider").
    words = label.split()
    if len(words) > 1 and not all(w[0].isupper() or w.lower() in {"de", "van", "der", "den", "ten", "ter", "el"} or w.isdigit() for w in words) \
            and not (len(words) == 2 and words[0][0].isupper() and words[1].lower() in ROLE_NOUNS):
        return None
    if len(words) == 1 and words[0].islower() and key not in INTERVIEWER_LABELS | RESPONDENT_LABELS:
        return None
    return label, m.start("rest")


def match_speaker_line(line: str) -> str | None:
    """The label of a line that holds only a speaker label ("Interviewer:"), else None."""
    m = _HEADER_ONLY.match(line)
    if not m:
        return None
    found = match_label(f"{m.group('label')}: x")
    return found[0] if found else None


def label_share(lines: list[Line]) -> tuple[float, int]:
    """Share of text lines that start with a speaker label, and how many labels there are."""
    text_lines = [ln for ln in lines if not ln.blank]
    labels = [match_label(ln.text) for ln in text_lines]
    found = [lab[0] if lab else match_speaker_line(ln.text) for ln, lab in zip(text_lines, labels)]
    found = [f for f in found if f]
    if not text_lines:
        return 0.0, 0
    return len(found) / len(text_lines), len(set(found))


def assign_roles(turns: list[tuple[str, str]], configured: Mapping[str, str]) -> dict[str, str]:
    """Roles per speaker label: configured ones first, then known labels, then a heuristic.

    Heuristic: the speaker who asks most (share of turns ending with '?') is the interviewer when
    none is known; of the rest, the one who speaks most is the respondent, others are 'other'.
    ``turns`` holds (label, turn text).
    """
    configured_lc = {k.lower().rstrip(".:"): v for k, v in configured.items()}
    roles: dict[str, str] = {}
    labels = list(dict.fromkeys(label for label, _ in turns))
    for label in labels:
        key = label.lower().rstrip(".:")
        if key in configured_lc:
            roles[label] = configured_lc[key]
        elif key in INTERVIEWER_LABELS or label == "Int." or _NUMBERED_INTERVIEWER.match(key):
            roles[label] = "interviewer"
        elif key in RESPONDENT_LABELS or _NUMBERED_RESPONDENT.match(key):
            roles[label] = "respondent"
    rest = [label for label in labels if label not in roles]
    if not rest:
        return roles
    if "interviewer" not in roles.values():
        asked = Counter(label for label, text in turns if text.rstrip().endswith("?"))
        total = Counter(label for label, _ in turns)
        best = max(rest, key=lambda lab: (asked[lab] / total[lab], total[lab]))
        if asked[best] / total[best] >= 0.3 and len(labels) > 1:
            roles[best] = "interviewer"
            rest.remove(best)
    if rest and "respondent" not in roles.values():
        words = Counter()
        for label, text in turns:
            words[label] += len(text.split())
        top = max(rest, key=lambda lab: words[lab])
        roles[top] = "respondent"
        rest.remove(top)
    for label in rest:
        roles[label] = "other" if "respondent" in roles.values() else "respondent"
    return roles


def segment_transcript(doc_id: str, text: str, lines: list[Line],
                       configured_roles: Mapping[str, str]) -> tuple[list[Unit], dict[str, str]]:
    """One unit per speaker turn, and the header block as metadata.

    Unlabelled lines continue the turn before them; a label alone on its line starts a turn in
    the lines below. Lines before the first turn (title, "Project: ...", "Datum: ...") form the
    header: "Key: value" lines become header[Key], other lines header["title"] (the first) or
    header["line N"]. Without any turn, lines stay units without a speaker so no text is lost.
    """
    units: list[Unit] = []
    current: Unit | None = None
    labels = [None if ln.blank else match_label(ln.text) for ln in lines]
    speaker_lines = [None if ln.blank or lab else match_speaker_line(ln.text)
                     for ln, lab in zip(lines, labels)]
    counts = Counter([lab[0] for lab in labels if lab] + [s for s in speaker_lines if s])
    # Header lines such as "Project: ..." or "Interviewer: Int." before the conversation starts
    # carry a label that never comes back: they are preamble, not turns.
    first_turn = next((i for i, (lab, sp) in enumerate(zip(labels, speaker_lines))
                       if (lab and counts[lab[0]] > 1) or (sp and counts[sp] > 1)), None)
    header: dict[str, str] = {}
    pending: str | None = None  # a speaker line waiting for its text
    for line, lab, sp in zip(lines, labels, speaker_lines):
        if line.blank:
            continue
        if first_turn is not None and line.index < first_turn:
            _add_header(header, line.text, lab)
            continue
        if sp and first_turn is not None:
            pending, current = sp, None
            continue
        if lab:
            label, offset = lab
            start = line.start + offset
            current = Unit(doc_id, start, line.end, text[start:line.end], speaker=label)
            units.append(current)
            pending = None
        elif pending is not None:
            start = line.start + (len(line.text) - len(line.text.lstrip()))
            current = Unit(doc_id, start, line.end, text[start:line.end], speaker=pending)
            units.append(current)
            pending = None
        elif current is not None and current.speaker is not None:
            current.end = line.end
            current.text = text[current.start:current.end]
        else:
            current = Unit(doc_id, line.start + (len(line.text) - len(line.text.lstrip())),
                           line.end, line.text.strip())
            units.append(current)
            current = None
    roles = assign_roles([(u.speaker, u.text) for u in units if u.speaker], configured_roles)
    for u in units:
        if u.speaker:
            u.role = roles.get(u.speaker)
    return units, header


def _add_header(header: dict[str, str], line: str, label: tuple[str, int] | None) -> None:
    stripped = line.strip()
    key, sep, value = stripped.partition(":")
    if sep and value.strip() and len(key) <= 40:
        header[key.strip()] = value.strip()
    elif sep and not value.strip():
        return  # "Transcript:", "Transcriptie:": a heading of the turns below
    elif "title" not in header:
        header["title"] = stripped
    else:
        header[f"line {len(header) + 1}"] = stripped
