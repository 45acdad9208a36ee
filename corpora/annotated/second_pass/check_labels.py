"""Check a second-pass label file against its sample and the codebook's rules.

  python corpora/annotated/second_pass/check_labels.py c
checks labels_c.jsonl against sample_c.jsonl: every unit labelled once, known codes, one code per
single-choice group, required codes present.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

from pipeline.exchange.marked_text import load_code_rules

HERE = Path(__file__).parent


def main(name: str) -> int:
    groups, code_group = load_code_rules(HERE.parents[2] / "configs" / "codebooks" / "default.yaml")
    sample = [json.loads(x)["id"] for x in (HERE / f"sample_{name}.jsonl").read_text(encoding="utf-8").splitlines()]
    problems, seen = [], Counter()
    for n, line in enumerate((HERE / f"labels_{name}.jsonl").read_text(encoding="utf-8").splitlines(), 1):
        rec = json.loads(line)
        seen[rec["id"]] += 1
        codes = rec["codes"]
        for c in codes:
            if c not in code_group:
                problems.append(f"line {n}: unknown code {c!r}")
        per = Counter(code_group[c] for c in codes if c in code_group)
        for gid, k in per.items():
            if groups[gid].get("kind") == "single" and k > 1:
                problems.append(f"line {n}: group {gid} takes one code")
            req = groups[gid].get("requires")
            if req and req not in codes:
                problems.append(f"line {n}: {gid} codes need {req}")
    missing = [i for i in sample if i not in seen]
    extra = [i for i in seen if i not in set(sample)]
    twice = [i for i, k in seen.items() if k > 1]
    problems += [f"not labelled: {i}" for i in missing] + [f"not in sample: {i}" for i in extra]
    problems += [f"labelled twice: {i}" for i in twice]
    print("\n".join(problems[:50]) or f"ok: {len(seen)} units")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
