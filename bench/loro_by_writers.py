"""Leave-one-register-out, scored separately on two sets of writers: like-for-like comparisons.

When a round of new writers is added to corpora/annotated, the cross-validated figures change for
two reasons: the models have more to learn from, and the held-out units include the new writers'
text. Scoring the held-out predictions of the earlier writers alone separates the two (the same
units as the previous model card). Trains the default sklearn setup on every fold (about 25 s a
fold on 2 cores for 25,000 units); prints kappa for decision moments, factors (macro of 5) and all
codes, and the (code, register) cells with 5 or more positives where the model is below the cue
tagger, per set of writers; nothing is asserted.

    python bench/loro_by_writers.py --writers w39 w40 w41 w42 w43 w44
"""

from __future__ import annotations

import argparse
import logging
import time
from pathlib import Path

import numpy as np
from sklearn.metrics import cohen_kappa_score

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", default=str(ROOT / "corpora" / "annotated" / "annotated.jsonl"))
    ap.add_argument("--codebook", default=str(ROOT / "configs" / "codebooks" / "default.yaml"))
    ap.add_argument("--writers", nargs="+", required=True, help="the writers of the newest round")
    args = ap.parse_args()
    logging.basicConfig(level=logging.ERROR)

    from pipeline.classifiers.sklearn_backend import SklearnCodeModel
    from pipeline.codebook import load_codebook
    from pipeline.evaluation.cv import cue_predictions, split_folds
    from pipeline.training.data import load_annotated

    codebook = load_codebook(args.codebook)
    units = load_annotated([Path(args.data)])
    base = SklearnCodeModel(codebook)
    docs = base.unit_docs(units)
    codes = codebook.code_ids
    gold = np.array([[c in u.codes for c in codes] for u in units])
    predicted = np.zeros_like(gold)
    for train, test in split_folds(units, "register"):
        t0 = time.perf_counter()
        model = SklearnCodeModel(codebook, nlp=base.nlp)
        model.fit([units[i] for i in train], docs=[docs[i] for i in train])
        for i, scores in zip(test, model.predict_proba_docs([docs[i] for i in test])):
            assigned = set(model.assign(scores))
            predicted[i] = [c in assigned for c in codes]
        print(f"{units[test[0]].context['register']}: {time.perf_counter() - t0:.0f} s", flush=True)
    cues = np.array([[c in a for c in codes] for a in cue_predictions(codebook, base.nlp, docs)])
    newest = np.array([u.context.get("writer") in set(args.writers) for u in units])
    registers = np.array([u.context.get("register") for u in units])
    for name, mask in (("earlier writers", ~newest), ("newest writers", newest), ("all", np.ones(len(units), bool))):
        kappa = {c: cohen_kappa_score(gold[mask, j], predicted[mask, j]) for j, c in enumerate(codes)}
        factors = np.mean([kappa[c] for c in codes if c.startswith("factor.")])
        print(f"\n{name}: {mask.sum()} units; decision_moment {kappa['decision_moment']:.3f}, "
              f"factors {factors:.3f}, all codes {np.mean(list(kappa.values())):.3f}")
        below = 0
        for j, code in enumerate(codes):
            for register in sorted(set(registers)):
                cell = mask & (registers == register)
                if gold[cell, j].sum() < 5:
                    continue
                model_k = cohen_kappa_score(gold[cell, j], predicted[cell, j])
                cue_k = cohen_kappa_score(gold[cell, j], cues[cell, j])
                if model_k < cue_k:
                    below += 1
                    print(f"  below the cues: {code} in {register}: {model_k:.3f} against {cue_k:.3f} "
                          f"({int(gold[cell, j].sum())} positives)")
        print(f"  cells below the cue tagger: {below}")


if __name__ == "__main__":
    main()
