"""Cohen's kappa per group and per code between the first pass (annotated.jsonl) and the blind
second pass (labels_*.jsonl) of the units in sample_*.jsonl.

Run from the repository root: python corpora/annotated/second_pass/agreement.py [NAME ...]
(NAME: only those samples, e.g. ``k l m`` for one round; default: all).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from sklearn.metrics import cohen_kappa_score

from pipeline.codebook import load_codebook
from pipeline.training.data import load_annotated

HERE = Path(__file__).parent


def main() -> None:
    codebook = load_codebook("configs/codebooks/default.yaml")
    units = load_annotated(["corpora/annotated/annotated.jsonl"])
    first = {u.id: set(u.codes) for u in units}
    register = {u.id: u.context.get("register", "?") for u in units}
    second = {}
    names = sys.argv[1:]
    paths = [HERE / f"labels_{n}.jsonl" for n in names] if names else sorted(HERE.glob("labels_*.jsonl"))
    for path in paths:
        for line in path.read_text(encoding="utf-8").splitlines():
            rec = json.loads(line)
            second[rec["id"]] = set(rec["codes"])
    ids = sorted(second)
    a = [first[i] for i in ids]
    b = [second[i] for i in ids]
    print(f"{len(ids)} units labelled twice, blind\n")
    print(f"{'group / code':44s} {'kind':6s} {'kappa':>6s} {'agree':>6s} {'n1':>4s} {'n2':>4s}")
    for g in codebook.groups:
        if g.kind == "single":
            pick = lambda s, g=g: next((c for c in g.code_ids if c in s), "none")  # noqa: E731
            x, y = [pick(s) for s in a], [pick(s) for s in b]
            k = cohen_kappa_score(x, y)
            agree = sum(p == q for p, q in zip(x, y)) / len(x)
            n1, n2 = sum(v != "none" for v in x), sum(v != "none" for v in y)
            print(f"{g.id:44s} {'single':6s} {k:6.2f} {agree:6.2f} {n1:4d} {n2:4d}")
        for code in g.code_ids:
            x = [code in s for s in a]
            y = [code in s for s in b]
            k = cohen_kappa_score(x, y) if any(x) or any(y) else float("nan")
            agree = sum(p == q for p, q in zip(x, y)) / len(x)
            print(f"  {code:42s} {'binary':6s} {k:6.2f} {agree:6.2f} {sum(x):4d} {sum(y):4d}")
    factors = [c for c in codebook.code_ids if c.startswith("factor.")]
    print(f"\nper register: units, decision_moment kappa, factor kappa (mean of {len(factors)} codes)")
    for reg in sorted({register[i] for i in ids}):
        sub = [i for i in ids if register[i] == reg]
        def k(code: str, sub: list[str] = sub) -> float:
            x, y = [code in first[i] for i in sub], [code in second[i] for i in sub]
            return cohen_kappa_score(x, y) if any(x) or any(y) else float("nan")
        print(f"  {reg:18s} {len(sub):5d} {k('decision_moment'):6.2f} "
              f"{sum(k(c) for c in factors) / len(factors):6.2f}")


if __name__ == "__main__":
    main()
