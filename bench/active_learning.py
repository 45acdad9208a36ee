"""Active learning simulation: the review queue against random review, on the annotated corpus.

    .venv/bin/python bench/active_learning.py --output bench/active_learning.json

Holds out a quarter of the documents, starts from a random seed set of reviewed units and adds
--round-size units per round picked by each strategy, retraining the sklearn model each time;
prints the median test kappa per round over the seeds and how many reviewed units each strategy
needs to reach the targets, and writes everything (per seed too) as JSON. See
pipeline/review/simulate.py for the details and bench/README.md for measured figures.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data", nargs="+", default=[str(ROOT / "corpora/annotated/src")],
                   help="Annotated data (marked-text folder, JSONL or .qdpx).")
    p.add_argument("--codebook", default=str(ROOT / "configs/codebooks/default.yaml"))
    p.add_argument("--seed-size", type=int, default=60, help="Reviewed units to start from.")
    p.add_argument("--round-size", type=int, default=60, help="Units reviewed per round.")
    p.add_argument("--rounds", type=int, default=12)
    p.add_argument("--seeds", type=int, default=3, help="Repeats (splits and seed sets).")
    p.add_argument("--cv", type=int, default=2,
                   help="Folds for calibration and thresholds at each retraining (0: fixed 0.5).")
    p.add_argument("--diversity", type=float, default=0.5)
    p.add_argument("--strategies", default="uncertainty,random,rare",
                   help="Comma-separated: uncertainty, random, rare, uncertainty_mean; modifiers _nodiv, _allsim, _modelsim (e.g. rare_nodiv).")
    p.add_argument("--rare-weight", type=float, default=0.5,
                   help="rare: weight of the rare-code probability against uncertainty.")
    p.add_argument("--reference", action="store_true", help="Also train on the whole pool (ceiling).")
    p.add_argument("--max-docs", type=int, default=None, help="Use only the first N documents.")
    p.add_argument("--output", "-o", default=None, help="JSON file to write.")
    p.add_argument("--quiet", "-q", action="store_true")
    args = p.parse_args(argv)

    logging.basicConfig(level=logging.ERROR)
    from pipeline.codebook import load_codebook
    from pipeline.nlp.language import build_nlp
    from pipeline.review.simulate import Corpus, SimulationConfig, format_table, simulate
    from pipeline.training.data import load_annotated
    from pipeline.training.train import check_codes

    t0, c0 = time.perf_counter(), time.process_time()
    codebook = load_codebook(args.codebook)
    units = load_annotated(args.data)
    check_codes(units, codebook)
    if args.max_docs:
        keep = sorted({u.doc_id for u in units})[: args.max_docs]
        units = [u for u in units if u.doc_id in set(keep)]
    corpus = Corpus(units, codebook, build_nlp())
    prep = time.perf_counter() - t0
    cfg = SimulationConfig(seed_size=args.seed_size, round_size=args.round_size, rounds=args.rounds,
                           seeds=tuple(range(args.seeds)), cv=args.cv, diversity=args.diversity,
                           strategies=tuple(s.strip() for s in args.strategies.split(",") if s.strip()),
                           rare_weight=args.rare_weight, reference=args.reference)
    say = None if args.quiet else (lambda msg: print(msg, file=sys.stderr, flush=True))
    result = simulate(corpus, cfg, say)
    result["prepare_seconds"] = round(prep, 1)
    result["total_seconds"] = round(time.perf_counter() - t0, 1)
    result["total_cpu_seconds"] = round(time.process_time() - c0, 1)
    result["data"] = args.data
    print(f"{result['units']} units, {result['documents']} documents; seeds {list(cfg.seeds)}, "
          f"seed set {cfg.seed_size}, {cfg.rounds} rounds of {cfg.round_size}, cv={cfg.cv}, "
          f"diversity {cfg.diversity}; medians over seeds (test kappa)")
    print(format_table(result))
    print(f"total {result['total_seconds']} s wall, {result['total_cpu_seconds']} s CPU "
          f"(preparing {result['prepare_seconds']} s)")
    if args.output:
        out = Path(args.output)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(result, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
