"""Draw units for a blind second labelling pass: a fixed share of each document's units
(interviewer turns left out), with only what a second coder may see.

Run from the repository root, e.g.:
  python corpora/annotated/second_pass/sample.py --writers w06 w07 --share 0.18 --name c
writes second_pass/sample_c.jsonl. The coder writes labels_c.jsonl ({"id", "codes"} per line);
agreement.py compares every labels_*.jsonl with the first pass.
"""

from __future__ import annotations

import argparse
import json
import random
from collections import defaultdict
from pathlib import Path

from pipeline.training.data import load_annotated

HERE = Path(__file__).parent


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--writers", nargs="+", required=True)
    ap.add_argument("--share", type=float, default=0.18)
    ap.add_argument("--name", required=True)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    src = HERE.parent / "src"
    files = sorted(f for w in args.writers for f in src.glob(f"{w}_*.txt"))
    units = load_annotated(files)
    taken = set()
    for path in HERE.glob("sample_*.jsonl"):
        taken |= {json.loads(line)["id"] for line in path.read_text(encoding="utf-8").splitlines()}
    by_doc = defaultdict(list)
    for i, u in enumerate(units):
        if u.context.get("role") != "interviewer" and u.id not in taken:
            by_doc[u.doc_id].append(i)
    rng = random.Random(args.seed)
    rows = []
    for doc_id in sorted(by_doc):
        idx = by_doc[doc_id]
        for i in sorted(rng.sample(idx, max(1, round(args.share * len(idx))))):
            u = units[i]
            rows.append({"id": u.id, "kind": u.context.get("kind"), "register": u.context.get("register"),
                         "speaker_role": u.context.get("role"), "section": u.context.get("section"),
                         "previous_unit": (u.context.get("before") or "")[-300:], "text": u.text})
    out = HERE / f"sample_{args.name}.jsonl"
    out.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    print(f"{len(rows)} units from {len(by_doc)} documents -> {out}")


if __name__ == "__main__":
    main()
