"""Agreement between coders of the same material: Cohen's kappa and Krippendorff's alpha per code.

Coders are the Users of a coded REFI-QDA project (the model is one of them when its suggestions
were exported with ``narratives export``), or the coders of two projects of the same texts. Units
are the pipeline's segments; a coder who coded a document is taken to have considered all of it,
so only documents that both coders of a pair coded are compared.
"""

from __future__ import annotations

from collections import defaultdict
from itertools import combinations
from pathlib import Path
from typing import Any

from sklearn.metrics import cohen_kappa_score

from pipeline.codebook import Codebook
from pipeline.evaluation.metrics import krippendorff_alpha_nominal
from pipeline.exchange.qdpx_import import import_qdpx

Key = tuple[str, int, int]


def codings_by_coder(paths: list[Path], codebook: Codebook | None) -> dict[str, dict[Key, set[str]]]:
    """{coder: {(doc, start, end): codes}} from one project (its Users) or several (one each)."""
    coders: dict[str, dict[Key, set[str]]] = defaultdict(dict)
    for path in paths:
        units, _ = import_qdpx(path, codebook)
        names = {u.coder for u in units}
        for u in units:
            name = str(u.coder) if len(paths) == 1 else (
                Path(path).stem if len(names) == 1 else f"{Path(path).stem}:{u.coder}")
            key = (u.doc_id, int(u.context["start"]), int(u.context["end"]))
            coders[name][key] = set(coders[name].get(key, set())) | set(u.codes)
    return dict(coders)


def _kappa(a: list[int], b: list[int]) -> float | None:
    if not a:
        return None
    if len(set(a) | set(b)) < 2:
        return 1.0
    return float(cohen_kappa_score(a, b))


def pairwise_agreement(coders: dict[str, dict[Key, set[str]]], codes: list[str]) -> list[dict[str, Any]]:
    """Per pair of coders and per code: units compared, positives of each, kappa and alpha."""
    results = []
    for a, b in combinations(sorted(coders), 2):
        docs_a = {k[0] for k in coders[a]}
        docs_b = {k[0] for k in coders[b]}
        keys = sorted(k for k in set(coders[a]) | set(coders[b]) if k[0] in docs_a & docs_b)
        per_code = {}
        for code in codes:
            x = [int(code in coders[a].get(k, set())) for k in keys]
            y = [int(code in coders[b].get(k, set())) for k in keys]
            if not any(x) and not any(y):
                continue
            per_code[code] = {"units": len(keys), "n_a": sum(x), "n_b": sum(y),
                              "agreement": sum(p == q for p, q in zip(x, y)) / len(keys),
                              "kappa": _kappa(x, y),
                              "alpha": krippendorff_alpha_nominal(x, y)}
        results.append({"coder_a": a, "coder_b": b, "units": len(keys),
                        "documents": len(docs_a & docs_b), "per_code": per_code})
    return results


def agreement(paths: list[Path], codebook: Codebook | None = None) -> dict[str, Any]:
    coders = codings_by_coder(paths, codebook)
    codes = (codebook.code_ids if codebook is not None
             else sorted({c for units in coders.values() for s in units.values() for c in s}))
    return {"coders": {name: len(units) for name, units in coders.items()},
            "pairs": pairwise_agreement(coders, codes)}


def format_agreement(result: dict[str, Any]) -> str:
    lines = []
    for pair in result["pairs"]:
        lines.append(f"{pair['coder_a']}  vs  {pair['coder_b']}: {pair['units']} units in "
                     f"{pair['documents']} documents")
        lines.append(f"  {'code':44s} {'n_a':>5s} {'n_b':>5s} {'agree':>6s} {'kappa':>6s} {'alpha':>6s}")
        for code, m in pair["per_code"].items():
            k = "  -  " if m["kappa"] is None else f"{m['kappa']:6.2f}"
            lines.append(f"  {code:44s} {m['n_a']:5d} {m['n_b']:5d} {m['agreement']:6.2f} {k} {m['alpha']:6.2f}")
    if not result["pairs"]:
        lines.append("fewer than two coders: nothing to compare (coders: "
                     + ", ".join(result["coders"]) + ")")
    return "\n".join(lines)
