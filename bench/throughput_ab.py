"""Whole-process ``narratives run`` of this checkout against another one, interleaved.

On a shared machine whose speed moves within minutes, timing one version and then the other
compares minutes, not code. Each round here times bare spaCy, then both checkouts' whole
``narratives run`` (same corpus as ``run_throughput.py``, same Python, each run from its own
checkout's folder so that it imports its own ``pipeline``) with each worker count, and takes the
ratio to bare spaCy within the round. Prints medians; asserts nothing. Outputs of the two are
compared byte for byte at the end (they should be the same unless the change meant otherwise).

    git worktree add /tmp/before c3579eb
    python bench/throughput_ab.py --other /tmp/before --rounds 5
"""

from __future__ import annotations

import argparse
import filecmp
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from run_throughput import ROOT, bare_spacy_seconds, interview_corpus, machine_line

OUTPUTS = ("documents.jsonl", "segments.jsonl", "profiles.jsonl")


def whole_run(checkout: Path, corpus: Path, out: Path, workers: int) -> float:
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "pipeline", "run", str(corpus), "--out", str(out),
                    "--workers", str(workers), "--force"], cwd=checkout, check=True, capture_output=True)
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--other", type=Path, required=True, help="the other checkout (e.g. a git worktree)")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--workers", default="1,2")
    args = ap.parse_args()
    versions = {"other": args.other.resolve(), "this": ROOT}
    workers = [int(w) for w in args.workers.split(",")]
    print(machine_line())
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        texts, words = interview_corpus(tmp / "interviews")
        print(f"corpus: 40 interview transcripts, {words:,} words; other = {versions['other']}\n")
        rounds = []
        for r in range(args.rounds):
            row = {"bare": bare_spacy_seconds(texts)}
            for name, checkout in versions.items():
                for w in workers:
                    row[f"{name} w{w}"] = whole_run(checkout, tmp / "interviews", tmp / f"{name}{w}", w)
            rounds.append(row)
            print(f"round {r + 1}: " + ", ".join(f"{k} {v:.2f} s" for k, v in row.items()), flush=True)
        print()
        for key in rounds[0]:
            wall = statistics.median(row[key] for row in rounds)
            ratio = "" if key == "bare" else \
                f", ratio to bare spaCy {statistics.median(row['bare'] / row[key] for row in rounds):.3f}"
            print(f"{key}: median {wall:.2f} s{ratio}")
        same = all(filecmp.cmp(tmp / f"other{workers[0]}" / f, tmp / f"this{workers[0]}" / f, shallow=False)
                   for f in OUTPUTS)
        print(f"\noutputs of the two byte-identical: {same}")


if __name__ == "__main__":
    main()
