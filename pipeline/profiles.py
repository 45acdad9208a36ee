"""Profiles: identity and health conceptions rolled up per respondent and per document.

Identity shows in passages; a profile of a speaker or a document is built from them (codebook,
section 4). For each group marked ``profile: true`` we count the units that got each code, average
the scores over the speaker's units, name the dominant code, and keep the strongest passages as
evidence, with offsets so a researcher can jump to them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from pipeline.codebook import Codebook

TOP_PASSAGES = 3


class _Tally:
    def __init__(self, groups: list[Any]) -> None:
        self.groups = groups
        self.units = 0
        self.counts: dict[str, int] = defaultdict(int)
        self.score_sums: dict[str, float] = defaultdict(float)
        self.passages: dict[str, list[dict[str, Any]]] = defaultdict(list)

    def add(self, seg: dict[str, Any]) -> None:
        self.units += 1
        scores = seg.get("scores") or {}
        codes = set(seg.get("codes") or [])
        for g in self.groups:
            for code in g.code_ids:
                s = float(scores.get(code, 0.0))
                self.score_sums[code] += s
                if code in codes:
                    self.counts[code] += 1
                    self._keep(code, seg, s)

    def _keep(self, code: str, seg: dict[str, Any], score: float) -> None:
        kept = self.passages[code]
        kept.append({"doc_id": seg["doc_id"], "start": seg["start"], "end": seg["end"],
                     "speaker": seg.get("speaker"), "score": round(score, 4),
                     "text": seg["text"][:300],
                     "evidence": [e.get("text") for e in (seg.get("evidence") or {}).get(code, [])][:5]})
        kept.sort(key=lambda p: -p["score"])
        del kept[TOP_PASSAGES:]

    def result(self) -> dict[str, Any]:
        out = {}
        for g in self.groups:
            counts = {c: self.counts.get(c, 0) for c in g.code_ids}
            dominant = max(counts, key=lambda c: (counts[c], self.score_sums[c])) if any(counts.values()) else None
            out[g.id] = {
                "counts": counts,
                "mean_scores": {c: round(self.score_sums[c] / self.units, 4) if self.units else 0.0
                                for c in g.code_ids},
                "dominant": dominant,
                "evidence": {c: self.passages[c] for c in g.code_ids if self.passages.get(c)},
            }
        return out


class Profiles:
    """Profile records built as segments stream past (per run, or per input file: a document's
    segments never span files), interviewer turns left out."""

    def __init__(self, codebook: Codebook) -> None:
        self.groups = [g for g in codebook.groups if g.profile]
        self.by_doc: dict[str, _Tally] = {}
        self.by_speaker: dict[tuple[str, str], _Tally] = {}

    def add(self, seg: dict[str, Any]) -> None:
        if not self.groups or seg.get("role") == "interviewer":
            return
        doc_id = seg["doc_id"]
        self.by_doc.setdefault(doc_id, _Tally(self.groups)).add(seg)
        if seg.get("speaker"):
            self.by_speaker.setdefault((doc_id, seg["speaker"]), _Tally(self.groups)).add(seg)

    def records(self) -> list[dict[str, Any]]:
        """Per document, its record and then one per respondent, in the order documents came."""
        records = []
        for doc_id, tally in self.by_doc.items():
            records.append({"level": "document", "doc_id": doc_id, "speaker": None,
                            "units": tally.units, "groups": tally.result()})
            for (d, speaker), st in self.by_speaker.items():
                if d == doc_id:
                    records.append({"level": "speaker", "doc_id": doc_id, "speaker": speaker,
                                    "units": st.units, "groups": st.result()})
        return records


def build_profiles(segments: Iterable[dict[str, Any]], codebook: Codebook) -> list[dict[str, Any]]:
    """Profile records per document and per respondent (interviewer turns are left out)."""
    profiles = Profiles(codebook)
    for seg in segments:
        profiles.add(seg)
    return profiles.records()
