"""Speaker turns: labels in the forms transcribers use, and the roles behind them.

Recognised labels: "I:", "R:", "Interviewer:", "Respondent:", "Int.:", "Int.", first names
("Marieke:"), roles ("Huisarts:", "Wijkagent:"), two-word names ("Anna de Vries:"), optionally with a
timestamp in front (stripped earlier, see ``lines.strip_timestamps``).
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
    # "Anna de Vries" is a name, "Het ging zo" is not: multi-word labels need capitals or a digit.
    words = label.split()
    if len(words) > 1 and not all(w[0].isupper() or w.lower() in {"de", "van", "der", "den", "ten", "ter", "el"} or w.isdigit() for w in words):
        return None
    if len(words) == 1 and words[0].islower() and key not in INTERVIEWER_LABELS | RESPONDENT_LABELS:
        return None
    return label, m.start("rest")


def label_share(lines: list[Line]) -> tuple[float, int]:
    """Share of text lines that start with a speaker label, and how many labels there are."""
    text_lines = [ln for ln in lines if not ln.blank]
    labels = [match_label(ln.text) for ln in text_lines]
    found = [lab[0] for lab in labels if lab]
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
        elif key in INTERVIEWER_LABELS or label == "Int.":
            roles[label] = "interviewer"
        elif key in RESPONDENT_LABELS:
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
                       configured_roles: Mapping[str, str]) -> list[Unit]:
    """One unit per speaker turn; unlabelled lines continue the turn before them.

    Lines before the first label (a title, a table with date and place) become units without a
    speaker, so no text is lost.
    """
    units: list[Unit] = []
    current: Unit | None = None
    labels = [None if ln.blank else match_label(ln.text) for ln in lines]
    counts = Counter(lab[0] for lab in labels if lab)
    # Header lines such as "Project: ..." or "Interviewer: Int." before the conversation starts
    # carry a label that never comes back: they are preamble, not turns.
    first_turn = next((i for i, lab in enumerate(labels) if lab and counts[lab[0]] > 1), 0)
    for line, lab in zip(lines, labels):
        if line.blank:
            continue
        if lab and line.index < first_turn and counts[lab[0]] == 1:
            lab = None
        if lab:
            label, offset = lab
            start = line.start + offset
            current = Unit(doc_id, start, line.end, text[start:line.end], speaker=label)
            units.append(current)
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
    return units
