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
    registers = sorted({r["metadata"].get("register", "?") for r in records})
    writers = sorted({r["metadata"].get("writer", "?") for r in records})
    per_code_reg: dict[str, Counter[str]] = defaultdict(Counter)
    units_by: dict[str, Counter[str]] = {"register": Counter(), "writer": Counter()}
    docs_by: dict[str, Counter[str]] = {"register": Counter(), "writer": Counter()}
    dm_by: dict[str, Counter[str]] = {"register": Counter(), "writer": Counter()}
    for r in records:
        for key in ("register", "writer"):
            value = r["metadata"].get(key, "?")
            units_by[key][value] += len(r["units"])
            docs_by[key][value] += 1
            dm_by[key][value] += sum("decision_moment" in u["codes"] for u in r["units"])
        for u in r["units"]:
            for c in u["codes"]:
                per_code_reg[c][r["metadata"].get("register", "?")] += 1
    for key, values in (("register", registers), ("writer", writers)):
        print(f"\n| {key} | documents | units | with decision_moment |\n|---|---:|---:|---:|")
        for v in values:
            print(f"| {v} | {docs_by[key][v]} | {units_by[key][v]} | {dm_by[key][v]} |")
    print("\n| code | units | " + " | ".join(registers) + " |\n|---|---:|" + "---:|" * len(registers))
    for code in sorted(per_code_reg):
        k = per_code_reg[code]
        print(f"| {code} | {sum(k.values())} | " + " | ".join(str(k[g]) for g in registers) + " |")
    codebook = load_codebook("configs/codebooks/default.yaml")
    units = load_annotated([CORPUS])
    nlp = build_nlp()
    docs, _ = as_unit_docs(nlp, [{"text": u.text, "context": u.context} for u in units])
    print("\ncue tagger alone on the whole corpus (no training):")
    print(format_table(cue_tagger_scores(units, codebook, nlp, docs)))


if __name__ == "__main__":
    main()
