"""The small typed records every room of the pipeline shares.

Offsets always point into ``Document.text`` (LF line endings, no BOM), and
``document.text[unit.start:unit.end] == unit.text`` holds for every unit we write.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

DOCUMENT_KINDS = ("transcript", "diary", "report", "text")
ROLES = ("interviewer", "respondent", "other")


@dataclass
class Document:
    """One document as read from a file: plain text plus what the reader knew about it.

    ``metadata`` may hold ``line_timestamps`` ({line index: "hh:mm:ss"}), ``speakers`` (labels in
    order of appearance) and ``speaker_roles`` (label -> role) when the file format carries them
    (subtitles, spreadsheets, QDA projects).
    ``kind`` is None until detected or set by the user.
    """

    doc_id: str
    source: str
    text: str
    kind: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"doc_id": self.doc_id, "source": self.source, "kind": self.kind,
                "text": self.text, "metadata": self.metadata}


@dataclass
class Unit:
    """A unit of analysis: a speaker turn, a diary section or a report paragraph."""

    doc_id: str
    start: int
    end: int
    text: str
    speaker: str | None = None
    role: str | None = None
    entry: str | None = None
    section: str | None = None
    timestamp: str | None = None
    sentences: list[tuple[int, int]] = field(default_factory=list)
    codes: list[str] = field(default_factory=list)
    scores: dict[str, float] = field(default_factory=dict)
    evidence: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        # Written out (not dataclasses.asdict, which deep-copies every evidence item).
        return {"doc_id": self.doc_id, "start": self.start, "end": self.end, "text": self.text,
                "speaker": self.speaker, "role": self.role, "entry": self.entry,
                "section": self.section, "timestamp": self.timestamp,
                "sentences": [list(s) for s in self.sentences], "codes": list(self.codes),
                "scores": dict(self.scores), "evidence": self.evidence}


@dataclass
class Annotation:
    """A code on a unit or span, by a human coder or a model."""

    doc_id: str
    start: int
    end: int
    code: str
    coder: str
    probability: float | None = None
    evidence: list[dict[str, Any]] = field(default_factory=list)
