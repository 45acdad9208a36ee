"""Learning curves for a new code: how many coded examples a researcher needs, per feature set.

Simulates a code the model has never seen. For each code in ``--codes`` a one-code codebook is
made (its definition and cues kept), and for each held-out register (leave-one-register-out over
corpora/annotated/src) a model is trained on N positive units plus 3N negative units drawn from
the other registers (N = 25, 50, 100, 200; several seeds), then scored (Cohen's kappa) on every
unit of the held-out register. Compared: the sparse features with the cue blend (the default;
the training units name their register, so the guard judges each inner held-out register), the
same trained as a researcher's own coding ("own coding": register and writer removed, so the inner
folds go by document), with the guard judging all out-of-fold units together and without it, the
same plus the USE-m3 sentence encoder (``--encoder``), and the cue tagger alone. Prints the medians
over seeds, averaged over registers; nothing is asserted.

    python bench/few_shot.py --data corpora/annotated/src --seeds 3 --output /tmp/few_shot.json
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import platform
import random
import statistics
import time
from pathlib import Path

import numpy as np
from sklearn.metrics import cohen_kappa_score

ROOT = Path(__file__).resolve().parent.parent


def one_code_codebook(codebook, code_id: str):
    from pipeline.codebook import codebook_from_dict

    data = codebook.to_dict()
    group = next(g for g in data["groups"] if any(c["id"] == code_id for c in g["codes"]))
    group = {**group, "kind": "multi", "codes": [c for c in group["codes"] if c["id"] == code_id]}
    group.pop("requires", None)
    return codebook_from_dict({**data, "id": "new_code", "groups": [group]}, f"<{code_id}>")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", default=str(ROOT / "corpora" / "annotated" / "src"))
    ap.add_argument("--codes", default="factor.expertise,factor.societal,factor.knowledge,identity.holistic,health.context.high")
    ap.add_argument("--sizes", default="25,50,100,200")
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--encoder", action="store_true", help="also the USE-m3 encoder (needs the encoder extra)")
    ap.add_argument("--output")
    args = ap.parse_args()
    logging.basicConfig(level=logging.ERROR)

    from pipeline.classifiers.sklearn_backend import SklearnCodeModel
    from pipeline.codebook import load_codebook
    from pipeline.nlp.language import build_nlp
    from pipeline.training.data import load_annotated

    t_start = time.perf_counter()
    nlp = build_nlp()
    codebook = load_codebook(ROOT / "configs" / "codebooks" / "default.yaml")
    units = load_annotated([args.data])
    units = [u for u in units if u.context.get("role") != "interviewer"]
    docs = SklearnCodeModel(codebook, nlp).unit_docs(units)
    if args.encoder:
        from pipeline.classifiers.encoders import encode_docs

        encode_docs("use-m3", docs)  # once, cached on the Docs
    registers = sorted({u.context["register"] for u in units})
    # A researcher's own coding names no register or writer: the blend's inner folds then go by
    # document, and the guard judges all out-of-fold units together ("own coding" variants).
    # The encoder is named in every variant: "auto" would pick it for these small training sets.
    variants = {"sparse + cue blend": {"encoder": None},
                "own coding, guard": {"own": True, "encoder": None},
                "own coding, no guard": {"own": True, "guard": False, "encoder": None}}
    if args.encoder:
        variants["sparse + encoder + cue blend"] = {"encoder": "use-m3"}
    own_units = [dataclasses.replace(u, context={k: v for k, v in u.context.items() if k not in ("register", "writer")})
                 for u in units]
    sizes = [int(s) for s in args.sizes.split(",")]
    results: dict = {}
    for code in args.codes.split(","):
        cb = one_code_codebook(codebook, code)
        y_all = np.array([code in u.codes for u in units], dtype=int)
        cue_model = SklearnCodeModel(cb, nlp)
        cue_pred = np.array([cb.apply_rules(cue_model.cues.predict_scores(d)[0]) != [] for d in docs], dtype=int)
        results[code] = {}
        for reg in registers:
            test = [i for i, u in enumerate(units) if u.context["register"] == reg]
            if y_all[test].sum() < 5:
                continue
            train_pos = [i for i, u in enumerate(units) if u.context["register"] != reg and y_all[i]]
            train_neg = [i for i, u in enumerate(units) if u.context["register"] != reg and not y_all[i]]
            entry = {"cue tagger": float(cohen_kappa_score(y_all[test], cue_pred[test])),
                     "test_units": len(test), "test_positives": int(y_all[test].sum())}
            for name, params in variants.items():
                opts = {k: v for k, v in params.items() if k != "own"}
                pool = own_units if params.get("own") else units
                for n in sizes:
                    if n > len(train_pos):
                        continue
                    kappas = []
                    for seed in range(args.seeds):
                        rng = random.Random(seed)
                        idx = rng.sample(train_pos, n) + rng.sample(train_neg, min(3 * n, len(train_neg)))
                        model = SklearnCodeModel(cb, nlp, **opts).fit([pool[i] for i in idx],
                                                                        docs=[docs[i] for i in idx])
                        pred = [model.assign(s) for s in model.predict_proba_docs([docs[i] for i in test])]
                        kappas.append(float(cohen_kappa_score(y_all[test], [int(code in p) for p in pred])))
                    entry[f"{name} @{n}"] = statistics.median(kappas)
            results[code][reg] = entry
            print(code, reg, {k: round(v, 3) if isinstance(v, float) else v for k, v in entry.items()}, flush=True)
    print(f"\nmachine: {platform.machine()}, {__import__('os').cpu_count()} cores, python "
          f"{platform.python_version()}; {len(units)} units (interviewer turns left out); "
          f"{time.perf_counter() - t_start:.0f} s\n")
    print("kappa on the held-out register, median over seeds, mean over registers (and codes):")
    header = ["cue tagger"] + [f"{v} @{n}" for v in variants for n in sizes]
    print(f"{'code':24s} " + " ".join(f"{h[-12:]:>12s}" for h in header))
    table = {}
    for code, regs in results.items():
        row = {h: float(np.mean([e[h] for e in regs.values() if h in e])) for h in header
               if any(h in e for e in regs.values())}
        table[code] = row
        print(f"{code:24s} " + " ".join(f"{row.get(h, float('nan')):12.3f}" for h in header))
    mean = {h: float(np.mean([r[h] for r in table.values() if h in r])) for h in header}
    print(f"{'mean':24s} " + " ".join(f"{mean.get(h, float('nan')):12.3f}" for h in header))
    print("columns: " + ", ".join(header))
    if args.output:
        Path(args.output).write_text(json.dumps({"per_register": results, "table": table, "mean": mean},
                                                indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
