"""Leave-one-register-out, scored separately on two sets of writers: like-for-like comparisons.

When a round of new writers is added to corpora/annotated, the cross-validated figures change for
two reasons: the models have more to learn from, and the held-out units include the new writers'
text. Scoring the held-out predictions of the earlier writers alone separates the two (the same
units as the previous model card). The folds are ``narratives evaluate``'s (``cross_validate``
with the default sklearn setup, about 25 s a fold on 2 cores for 25,000 units); prints kappa for
decision moments, factors (macro of 5) and all codes, and the (code, register) cells with 5 or
more positives where the model is below the cue tagger, per set of writers; nothing is asserted.

    python bench/loro_by_writers.py --writers w39 w40 w41 w42 w43 w44
"""

from __future__ import annotations

import argparse

import numpy as np
from annotated_data import add_data_options, load_data


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    add_data_options(ap)
    ap.add_argument("--writers", nargs="+", required=True, help="the writers of the newest round")
    args = ap.parse_args()

    from pipeline.classifiers.sklearn_backend import SklearnCodeModel
    from pipeline.evaluation.cv import by_held_out_group, cross_validate
    from pipeline.evaluation.metrics import summarise

    codebook, units, nlp = load_data(args)
    result = cross_validate(lambda: SklearnCodeModel(codebook, nlp=nlp), units, codebook,
                            split="register", jobs=args.jobs, keep_predictions=True)
    gold = [set(u.codes) for u in units]
    newest = set(args.writers)
    for name, keep in (("earlier writers", lambda u: u.context.get("writer") not in newest),
                       ("newest writers", lambda u: u.context.get("writer") in newest),
                       ("all", lambda u: True)):
        idx = [i for i, u in enumerate(units) if keep(u)]
        sub_units, sub_gold = [units[i] for i in idx], [gold[i] for i in idx]
        sub_pred = [result["predictions"][i] for i in idx]
        sub_cues = [result["cue_predictions"][i] for i in idx]
        kappa = {c: m["kappa"] for c, m in
                 summarise(sub_gold, sub_pred, codebook, codes=codebook.code_ids)["per_code"].items()}
        factors = np.mean([k for c, k in kappa.items() if c.startswith("factor.")])
        print(f"\n{name}: {len(idx)} units; decision_moment {kappa['decision_moment']:.3f}, "
              f"factors {factors:.3f}, all codes {np.mean(list(kappa.values())):.3f}")
        below = 0
        groups = by_held_out_group(sub_units, "register", sub_gold, sub_pred, sub_cues, codebook)
        for register, entry in groups.items():
            for code, model_k in entry["model"].items():
                if entry["support"][code] >= 5 and model_k < entry["cue_tagger"][code]:
                    below += 1
                    print(f"  below the cues: {code} in {register}: {model_k:.3f} against "
                          f"{entry['cue_tagger'][code]:.3f} ({entry['support'][code]} positives)")
        print(f"  cells below the cue tagger: {below}")


if __name__ == "__main__":
    main()
