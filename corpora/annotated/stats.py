"""Figures for the data card: units per code and kind, documents per profession, and the cue
tagger's precision, recall and F1 per code on the corpus.

Run from the repository root: python corpora/annotated/stats.py
"""

from __future__ import annotations

from collections import Counter, defaultdict

from pipeline.classifiers.base import as_unit_docs
from pipeline.codebook import load_codebook
from pipeline.evaluation.cv import cue_tagger_scores
from pipeline.evaluation.metrics import format_table
from pipeline.io import read_jsonl
from pipeline.nlp.language import build_nlp
from pipeline.training.data import load_annotated

CORPUS = "corpora/annotated/annotated.jsonl"


def main() -> None:
    records = list(read_jsonl(CORPUS))
    kinds = Counter(r["kind"] for r in records)
    professions = Counter(r["metadata"].get("profession", "?") for r in records)
    units_by_kind: Counter[str] = Counter()
    per_code_kind: dict[str, Counter[str]] = defaultdict(Counter)
    for r in records:
        units_by_kind[r["kind"]] += len(r["units"])
        for u in r["units"]:
            for c in u["codes"]:
                per_code_kind[c][r["kind"]] += 1
    print(f"{len(records)} documents, {sum(units_by_kind.values())} units")
    print("documents per kind:", dict(kinds), " units per kind:", dict(units_by_kind))
    print("documents per profession:", dict(professions.most_common()))
    print(f"\n| code | units | transcript | diary | report |\n|---|---:|---:|---:|---:|")
    for code in sorted(per_code_kind):
        k = per_code_kind[code]
        print(f"| {code} | {sum(k.values())} | {k['transcript']} | {k['diary']} | {k['report']} |")
    codebook = load_codebook("configs/codebooks/default.yaml")
    units = load_annotated([CORPUS])
    nlp = build_nlp()
    docs, _ = as_unit_docs(nlp, [{"text": u.text, "context": u.context} for u in units])
    print("\ncue tagger alone on the whole corpus (no training):")
    print(format_table(cue_tagger_scores(units, codebook, nlp, docs)))


if __name__ == "__main__":
    main()
