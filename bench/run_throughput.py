"""Whole-process throughput of ``narratives run`` against bare spaCy, start-up, workers, memory.

All in one run on the same texts, so the figures can be compared as ratios on a noisy machine:

- a corpus of 40 interview transcripts (about 150,000 words) made from the transcripts of
  corpora/annotated/src (``@@`` lines dropped);
- **bare spaCy**: ``spacy.blank("nl")`` + sentencizer over the same texts, in-process (the floor
  any spaCy pipeline pays);
- **narratives run**, whole process as a user waits for it (``narratives run CORPUS --out DIR``
  from the shell: start-up, reading, segmentation, spaCy, the default model, evidence, writing),
  for each ``--workers`` count;
- **start-up**: ``narratives --help`` and ``narratives run`` on one short file;
- **peak RSS** of a run over corpora/demo copied 1, 10 and 50 times (streamed: it should not grow).

Each figure is the median of ``--repeats`` runs. Prints figures; asserts nothing.

    python bench/run_throughput.py --repeats 3
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NARRATIVES = [sys.executable, "-m", "pipeline"]


def interview_corpus(into: Path, n_files: int = 40, words_per_file: int = 3600) -> tuple[list[str], int]:
    """40 transcripts of about 3,600 words, each a different mix of the annotated transcripts."""
    sys.path.insert(0, str(ROOT))
    from pipeline.exchange.marked_text import read

    texts = [d.text for d in (read(f) for f in sorted((ROOT / "corpora/annotated/src").glob("*.txt")))
             if d.kind == "transcript"]
    into.mkdir(parents=True)
    out, k = [], 0
    for i in range(n_files):
        chunk, words = [], 0
        while words < words_per_file:
            t = texts[(k * 7 + i) % len(texts)]
            k += 1
            chunk.append(t)
            words += len(t.split())
        text = "\n\n".join(chunk)
        (into / f"interview_{i:02d}.txt").write_text(text, encoding="utf-8")
        out.append(text)
    return out, sum(len(t.split()) for t in out)


def bare_spacy_seconds(texts: list[str]) -> float:
    import spacy

    nlp = spacy.blank("nl")
    nlp.add_pipe("sentencizer")
    t0 = time.perf_counter()
    for text in texts:
        for para in text.split("\n"):  # units, as the pipeline makes them (and under spaCy's length limit)
            if para.strip():
                nlp(para)
    return time.perf_counter() - t0


def timed(cmd: list[str], cwd: Path) -> float:
    """Wall seconds of a child process, from start to exit."""
    t0 = time.perf_counter()
    subprocess.run(cmd, cwd=cwd, check=True, capture_output=True)
    return time.perf_counter() - t0


def peak_rss_mb(corpus: Path, out: Path) -> float:
    code = ("import resource, sys; from pathlib import Path; from pipeline.config import load_config; "
            "from pipeline.run import run; run([Path(sys.argv[1])], Path(sys.argv[2]), load_config(None, [])); "
            "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)")
    proc = subprocess.run([sys.executable, "-c", code, str(corpus), str(out)], capture_output=True,
                          text=True, cwd=ROOT, check=True)
    return float(proc.stdout.strip().splitlines()[-1])


def machine_line() -> str:
    return (f"machine: {platform.machine()} {platform.processor() or ''}, {os.cpu_count()} cores, "
            f"python {platform.python_version()}, load average {os.getloadavg()[0]:.1f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--workers", default="1,2", help="worker counts to time, e.g. 1,2,4")
    ap.add_argument("--copies", default="1,10,50", help="copies of corpora/demo for the memory figure")
    args = ap.parse_args()
    med = statistics.median
    print(machine_line())
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        texts, words = interview_corpus(tmp / "interviews")
        print(f"corpus: 40 interview transcripts, {words:,} words (whitespace tokens)\n")
        bare = [bare_spacy_seconds(texts) for _ in range(args.repeats)]
        print(f"bare spaCy (blank nl + sentencizer, in-process): {words / med(bare):,.0f} words/s")
        help_s = [timed([*NARRATIVES, "--help"], tmp) for _ in range(args.repeats)]
        (tmp / "one.txt").write_text("I: Wat deed u?\nR: Ik heb toen besloten te bellen.\n", encoding="utf-8")
        small = [timed([*NARRATIVES, "run", "one.txt", "--out", f"small{r}"], tmp) for r in range(args.repeats)]
        print(f"start-up: narratives --help {med(help_s):.2f} s; narratives run on one short file "
              f"{med(small):.2f} s (model loading included)")
        per_worker = {}
        for n in [int(w) for w in args.workers.split(",")]:
            walls = [timed([*NARRATIVES, "run", "interviews", "--out", f"out_w{n}_{r}", "--workers", str(n)],
                           tmp) for r in range(args.repeats)]
            per_worker[n] = words / med(walls)
            print(f"narratives run, whole process, --workers {n}: {per_worker[n]:,.0f} words/s "
                  f"(median wall {med(walls):.1f} s), ratio to bare spaCy {per_worker[n] * med(bare) / words:.3f}")
        print("\npeak RSS of a run over corpora/demo copied N times:")
        for n in [int(c) for c in args.copies.split(",")]:
            corpus = tmp / f"demo_x{n}"
            for i in range(n):
                shutil.copytree(ROOT / "corpora" / "demo", corpus / f"copy{i}")
            print(f"  x{n}: {peak_rss_mb(corpus, tmp / f'mem_out{n}'):.0f} MB", flush=True)


if __name__ == "__main__":
    main()
