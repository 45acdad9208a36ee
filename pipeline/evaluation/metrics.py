"""Agreement and accuracy per code between two codings of the same units.

Used for model evaluation (gold vs predicted), for the corpus's blind second labelling (pass 1 vs
pass 2) and for ``narratives agreement`` (coder vs coder, the model being one of them).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from sklearn.metrics import cohen_kappa_score, confusion_matrix, precision_recall_fscore_support

from pipeline.codebook import Codebook


def _kappa(a: np.ndarray, b: np.ndarray) -> float:
    if len(set(a.tolist()) | set(b.tolist())) < 2:
        return 1.0 if np.array_equal(a, b) else 0.0
    k = cohen_kappa_score(a, b)
    return 0.0 if math.isnan(k) else float(k)


def per_code_scores(gold: list[set[str]], pred: list[set[str]], codes: list[str]) -> dict[str, dict[str, float]]:
    out = {}
    for code in codes:
        y = np.array([code in g for g in gold], dtype=int)
        p = np.array([code in q for q in pred], dtype=int)
        prec, rec, f1, _ = precision_recall_fscore_support(y, p, average="binary", zero_division=0)
        out[code] = {"support": int(y.sum()), "predicted": int(p.sum()), "precision": float(prec),
                     "recall": float(rec), "f1": float(f1), "kappa": _kappa(y, p)}
    return out


def group_confusion(gold: list[set[str]], pred: list[set[str]], codebook: Codebook) -> dict[str, Any]:
    """Confusion matrices of the single-choice groups (rows gold, columns predicted, "none" last)."""
    out = {}
    for g in codebook.groups:
        if g.kind != "single":
            continue
        labels = [*g.code_ids, "none"]

        def pick(codes: set[str], ids: list[str] = g.code_ids) -> str:
            return next((c for c in ids if c in codes), "none")

        y = [pick(s) for s in gold]
        p = [pick(s) for s in pred]
        out[g.id] = {"labels": labels, "matrix": confusion_matrix(y, p, labels=labels).tolist()}
    return out


def summarise(gold: list[set[str]], pred: list[set[str]], codebook: Codebook,
              codes: list[str] | None = None) -> dict[str, Any]:
    codes = codes or [c for c in codebook.code_ids if any(c in g for g in gold)]
    per_code = per_code_scores(gold, pred, codes)
    macro = {k: float(np.mean([m[k] for m in per_code.values()])) if per_code else 0.0
             for k in ("precision", "recall", "f1", "kappa")}
    return {"per_code": per_code, "macro": macro, "confusion": group_confusion(gold, pred, codebook)}


def krippendorff_alpha_nominal(a: list[int | None], b: list[int | None]) -> float:
    """Krippendorff's alpha for two coders, nominal data, missing values allowed (None)."""
    import krippendorff

    data = np.array([[np.nan if v is None else v for v in a], [np.nan if v is None else v for v in b]],
                    dtype=float)
    if np.nanmax(data) == np.nanmin(data):
        return 1.0
    return float(krippendorff.alpha(reliability_data=data, level_of_measurement="nominal"))


def format_table(summary: dict[str, Any], extra: dict[str, Any] | None = None, extra_name: str = "cues") -> str:
    """A readable per-code table (optionally with a second system's F1 and kappa beside it)."""
    head = f"{'code':44s} {'n':>5s} {'P':>6s} {'R':>6s} {'F1':>6s} {'kappa':>6s}"
    if extra:
        head += f" {extra_name + ' F1':>9s} {extra_name + ' k':>8s}"
    lines = [head, "-" * len(head)]
    for code, m in summary["per_code"].items():
        line = (f"{code:44s} {m['support']:5d} {m['precision']:6.2f} {m['recall']:6.2f} "
                f"{m['f1']:6.2f} {m['kappa']:6.2f}")
        if extra:
            e = extra["per_code"].get(code, {})
            line += f" {e.get('f1', float('nan')):9.2f} {e.get('kappa', float('nan')):8.2f}"
        lines.append(line)
    m = summary["macro"]
    line = f"{'macro':44s} {'':5s} {m['precision']:6.2f} {m['recall']:6.2f} {m['f1']:6.2f} {m['kappa']:6.2f}"
    if extra:
        line += f" {extra['macro']['f1']:9.2f} {extra['macro']['kappa']:8.2f}"
    lines.append(line)
    return "\n".join(lines)


def format_by_group(by_group: dict[str, Any], min_support: int = 5) -> str:
    """Kappa per code and held-out group, model / cues, ``*`` where the model is below the cues
    (codes with fewer than ``min_support`` units in a group are left blank)."""
    groups = sorted(by_group)
    codes = list(next(iter(by_group.values()))["model"]) if by_group else []
    head = f"{'code':44s} " + " ".join(f"{g[:15]:>15s}" for g in groups)
    lines = [head, "-" * len(head)]
    for code in codes:
        cells = []
        for g in groups:
            e = by_group[g]
            if e["support"].get(code, 0) < min_support:
                cells.append(f"{'':>15s}")
                continue
            m, c = e["model"][code], e.get("cue_tagger", {}).get(code, float("nan"))
            cells.append(f"{m:6.2f}/{c:5.2f}{'*' if m < c - 1e-9 else ' ':1s}".rjust(15))
        lines.append(f"{code:44s} " + " ".join(cells))
    lines.append(f"{'units':44s} " + " ".join(f"{by_group[g]['units']:>15d}" for g in groups))
    return "\n".join(lines)
