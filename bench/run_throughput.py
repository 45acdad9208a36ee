"""Throughput and memory of ``narratives run`` on the demo corpus, copied N times.

Prints words per second (median of R runs, each in a fresh output folder) for the reading and
segmentation stage alone and for the whole run with the configured tagger, and the peak resident
memory of a run over a corpus N times larger, to show that memory does not grow with the corpus
(documents are streamed). Figures only; nothing here asserts a time.

    python bench/run_throughput.py --copies 5 --repeats 3
"""

from __future__ import annotations

import argparse
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _corpus(copies: int, into: Path) -> Path:
    for i in range(copies):
        shutil.copytree(ROOT / "corpora" / "demo", into / f"copy{i}")
    return into


def _stage_read_structure(corpus: Path) -> tuple[float, int]:
    from pipeline.readers import iter_input_files, read_file
    from pipeline.structure import structure_document

    files, _ = iter_input_files([corpus])
    t0 = time.perf_counter()
    words = 0
    for f in files:
        for doc in read_file(f, root=corpus):
            _, units = structure_document(doc)
            words += sum(len(u.text.split()) for u in units)
    return time.perf_counter() - t0, words


def _peak_rss_mb(corpus: Path, out: Path) -> float:
    """Peak RSS of a separate ``narratives run`` process (ru_maxrss of the child, in MB)."""
    code = ("import resource, sys; from pathlib import Path; from pipeline.config import load_config; "
            "from pipeline.run import run; run([Path(sys.argv[1])], Path(sys.argv[2]), load_config(None, [])); "
            "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)")
    proc = subprocess.run([sys.executable, "-c", code, str(corpus), str(out)], capture_output=True,
                          text=True, cwd=ROOT, check=True)
    return float(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--copies", type=int, default=3, help="copies of corpora/demo in the corpus")
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()

    from pipeline.config import load_config
    from pipeline.run import run
    from pipeline.tagging import build_pipeline

    config = load_config(ROOT / "configs" / "default.yaml", [])
    nlp, tagger = build_pipeline(config)
    print(f"machine: {platform.machine()} {platform.processor() or ''}, {__import__('os').cpu_count()} cores, "
          f"python {platform.python_version()}; tagger: {tagger.get('tagger')} {tagger.get('backend', '')}")
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        corpus = _corpus(args.copies, tmp / "corpus")
        stage, full = [], []
        words = 0
        for r in range(args.repeats):
            seconds, words = _stage_read_structure(corpus)
            stage.append(words / seconds)
            t0 = time.perf_counter()
            summary = run([corpus], tmp / f"out{r}", config, nlp=nlp)
            full.append(summary.report["counts"]["words"] / (time.perf_counter() - t0))
        print(f"corpus: {args.copies} x corpora/demo = {summary.report['counts']['documents']} documents, "
              f"{summary.report['counts']['words']:,} words")
        print(f"read + segment:        median {statistics.median(stage):>10,.0f} words/s over {args.repeats} runs")
        print(f"whole run (spaCy+tag): median {statistics.median(full):>10,.0f} words/s over {args.repeats} runs")
        small = _peak_rss_mb(_corpus(1, tmp / "one"), tmp / "rss1")
        large = _peak_rss_mb(corpus, tmp / "rssN")
        print(f"peak memory of a run:  {small:.0f} MB for 1 copy, {large:.0f} MB for {args.copies} copies")


if __name__ == "__main__":
    main()
