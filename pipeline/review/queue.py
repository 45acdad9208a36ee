"""The review queue: which units a reviewer should look at first, and their export.

A model is most helped by the human decisions it could not make itself: the units whose
probabilities sit at its decision thresholds. :func:`pick_for_review` ranks units by that
uncertainty and picks greedily, trading uncertainty off against similarity to the units already
picked (so a budget of 50 is not spent on 50 near-identical turns), with at most a few units of
one document in a row. :func:`rare_code_priorities` mixes in the probability of codes with few
training examples: in the simulation on the annotated corpus (``pipeline.review.simulate``,
bench/README.md) uncertainty alone taught the model no more than random picks, the mix did. :func:`export_review` writes the picks as a small run folder (only the
picked segments, each with ``review_rank`` and ``uncertainty``) and hands it to the exchange
exporters (.qdpx, .xlsx, .csv), so the review files are the same ones ``narratives export``
writes, and come back through ``narratives import``.

Uncertainty of one unit, from its scores (``{code: probability}``) and the decision thresholds
(the model's tuned ones when known, else each group's ``threshold`` from the codebook):

- multi-label group: per code, the closeness of ``p`` to ``t``: 1 at the threshold, falling
  linearly to 0 at a certain 0 (``p / t`` below the threshold) or a certain 1
  (``1 - (p - t) / (1 - t)`` above it); the group's value is the largest over its codes (one
  coin-flip code is enough for the reviewer to have something to decide).
- single-choice group: the best code wins when it reaches the threshold, else "none". The
  margins are best code vs. "none" (how far the best probability is from the threshold, on the
  same scale as above) and, where the best code is assigned, best vs. second-best code
  (``1 - (p1 - p2)``); the group's uncertainty is one minus the smaller margin.
- a group that ``requires`` a code (decision type, phase, who decides: only inside a decision
  moment) is weighted by how likely that code applies: 1 where it is assigned, else
  ``p / t`` of the required code. Otherwise every unit that is clearly no decision moment would
  look uncertain about its decision type, a question nobody has to answer for it.
- over groups: the **maximum** (the mean breaks ties). A reviewer reads the whole unit and
  settles every group at once, so a unit is worth reviewing when *any* of its decisions is a
  coin flip; a mean would be dominated by the many groups that are confidently "none" on most
  units and would hide exactly the rare, uncertain codes that need examples.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import logging
import shutil
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from scipy import sparse

from pipeline.codebook import Codebook, Group
from pipeline.io import atomic_open, read_jsonl, write_jsonl

log = logging.getLogger(__name__)

#: a code whose own uncertainty reaches this level is shown to the reviewer even where the
#: tagger did not assign it (p within half the distance of its threshold, e.g. 0.25-0.75 at 0.5)
REVIEW_LEVEL = 0.5
#: the runner-up of a single-choice group is shown where it trails the best code by at most 0.2
PAIR_LEVEL = 0.8
#: at most this many not-assigned codes are shown per unit (the most uncertain ones)
MAX_EXTRA_CODES = 3
FORMATS = ("qdpx", "xlsx", "csv")


@dataclass
class Uncertainty:
    """How unsure the tagger is about one unit: ``value`` (0-1, max over groups), ``mean`` over
    groups, per group, and the codes whose decisions are uncertain (what to show a reviewer)."""

    value: float
    mean: float
    groups: dict[str, float] = field(default_factory=dict)
    codes: list[str] = field(default_factory=list)


def code_thresholds(codebook: Codebook, thresholds: Mapping[str, float] | None = None) -> dict[str, float]:
    """The decision threshold of every code: the model's where given, else its group's."""
    thresholds = thresholds or {}
    return {c: float(thresholds.get(c, g.threshold)) for g in codebook.groups for c in g.code_ids}


def closeness(p: float, t: float) -> float:
    """1 when ``p`` is at the threshold ``t``, falling linearly to 0 at a certain 0 or 1.

    Each side is scaled by its own width (``t`` below, ``1 - t`` above). With one width for
    both, ``max(t, 1 - t)``, a low threshold would make a plain 0 look uncertain (0.57 at
    t = 0.3, 0.82 at t = 0.15), and every unit would seem to be in doubt about some rare code.
    """
    p = min(1.0, max(0.0, float(p)))
    if p < t:
        return float(p / t) if t > 0 else 0.0
    return float(1.0 - (p - t) / (1.0 - t)) if t < 1 else 1.0


def _score(scores: Mapping[str, Any], code: str) -> float:
    v = scores.get(code)
    return float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else 0.0


def _group_uncertainty(group: Group, scores: Mapping[str, Any],
                       cuts: Mapping[str, float]) -> tuple[float, list[str]]:
    """(uncertainty, uncertain codes) of one group, before any ``requires`` weighting."""
    if not group.code_ids:
        return 0.0, []
    if group.kind == "multi":
        per_code = [(closeness(_score(scores, c), cuts[c]), c) for c in group.code_ids]
        best = max(u for u, _ in per_code)
        codes = [c for u, c in per_code if u >= REVIEW_LEVEL and u > 0]
        return best, codes
    ranked = sorted(((_score(scores, c), c) for c in group.code_ids), key=lambda pc: -pc[0])
    (p1, c1) = ranked[0]
    u_none = closeness(p1, cuts[c1])  # best code vs. "none"
    u_pair = 0.0
    if p1 >= cuts[c1] and len(ranked) > 1:  # best vs. second-best code, where a code wins
        u_pair = float(min(1.0, max(0.0, 1.0 - (p1 - ranked[1][0]))))
    codes = []
    if u_none >= REVIEW_LEVEL and u_none > 0:
        codes.append(c1)
    if u_pair >= PAIR_LEVEL:
        codes += [c for c in (c1, ranked[1][1]) if c not in codes]
    return max(u_none, u_pair), codes


def unit_uncertainty(scores: Mapping[str, Any] | None, codebook: Codebook,
                     thresholds: Mapping[str, float] | None = None) -> Uncertainty:
    """The uncertainty of one unit's scores (see the module docstring for the definition)."""
    scores = scores or {}
    cuts = code_thresholds(codebook, thresholds)

    def applies(code: str, depth: int = 0) -> float:
        """How likely ``code`` applies, for gating the groups that require it (chains too)."""
        if depth > 10:
            return 1.0
        g = codebook.group_of(code)
        p, t = _score(scores, code), cuts[code]
        own = 1.0 if p >= t else (p / t if t > 0 else 1.0)
        return own * (applies(g.requires, depth + 1) if g.requires else 1.0)

    by_group: dict[str, float] = {}
    candidates: list[tuple[float, str]] = []
    for g in codebook.groups:
        u, codes = _group_uncertainty(g, scores, cuts)
        if g.requires:
            try:
                u *= applies(g.requires)
            except KeyError:  # a codebook whose requires names no code: no gating
                pass
        by_group[g.id] = u
        if u >= REVIEW_LEVEL:
            candidates += [(u, c) for c in codes]
    values = list(by_group.values())
    value = max(values) if values else 0.0
    mean = float(np.mean(values)) if values else 0.0
    candidates.sort(key=lambda uc: -uc[0])
    codes = list(dict.fromkeys(c for _, c in candidates))
    if not codes and value > 0:  # always name the decision the unit is least sure about
        gid = max(by_group, key=lambda k: by_group[k])
        g = codebook.group(gid)
        if g.kind == "multi":
            codes = [max(g.code_ids, key=lambda c: closeness(_score(scores, c), cuts[c]))]
        else:
            codes = [max(g.code_ids, key=lambda c: _score(scores, c))]
    return Uncertainty(float(value), mean, by_group, codes)


# -- similarity -----------------------------------------------------------------------------------

def text_vectors(texts: Sequence[str]) -> sparse.csr_matrix:
    """L2-normalised TF-IDF rows (words and word pairs) of unit texts, for cosine similarity."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    if not texts:
        return sparse.csr_matrix((0, 0))
    try:
        return TfidfVectorizer(sublinear_tf=True, ngram_range=(1, 2), min_df=1,
                               token_pattern=r"(?u)\b\w+\b").fit_transform(texts).tocsr()
    except ValueError:  # no words at all
        return sparse.csr_matrix((len(texts), 1))


def _normalise(X: Any) -> sparse.csr_matrix:
    from sklearn.preprocessing import normalize

    X = sparse.csr_matrix(X, dtype=np.float64)
    return normalize(X, norm="l2", axis=1, copy=True)


# -- picking -----------------------------------------------------------------------------------

def pick_for_review(segments: Sequence[Mapping[str, Any]], codebook: Codebook, budget: int,
                    diversity: float = 0.5, exclude_roles: Iterable[str] = ("interviewer",),
                    seed: int = 0, *, thresholds: Mapping[str, float] | None = None,
                    vectors: Any = None, max_run: int | None = 3,
                    priorities: Sequence[float] | None = None,
                    combine: str = "max",
                    min_similarity: float = 0.3) -> list[tuple[Mapping[str, Any], float]]:
    """The ``budget`` units most worth reviewing, best first, with their uncertainty.

    ``segments``: run segments (dicts with ``text``, ``scores``, ``doc_id``, ``role``...).
    Units of the ``exclude_roles`` and empty units are never picked.

    Greedy selection (maximal marginal relevance): each step takes the unit with the highest
    ``(1 - diversity) * uncertainty - diversity * s``, where ``s`` is its largest cosine
    similarity to a unit already picked (TF-IDF of the unit texts, or the rows of ``vectors``,
    e.g. the model's feature vectors, aligned with ``segments``), counted above
    ``min_similarity`` only: ``s = max(0, (cos - m) / (1 - m))``. Units on the same topic share
    words without being redundant; penalising all similarity pushed the picks towards short, odd
    units and taught the model less in the simulation (``pipeline.review.simulate``), so only
    near-duplicates pay. ``diversity=0`` is pure uncertainty order; a unit identical to a picked
    one loses ``diversity`` outright. After
    ``max_run`` picks in a row from one document, the next comes from another one (while any is
    left; ``None`` switches this off). Ties go to the higher mean uncertainty over groups, then
    to a fixed order drawn from ``seed``: the same input gives the same picks.

    ``thresholds``: the model's tuned thresholds per code (default: each group's threshold).
    ``priorities``: optional values (0-1, aligned with ``segments``) to rank by instead of the
    uncertainty, e.g. a mix of uncertainty and the probability of rare codes; the uncertainty
    is still what is returned. ``combine``: "max" (default: see the module docstring) or
    "mean" over groups, the other one breaking ties.
    """
    if not 0.0 <= diversity <= 1.0:
        raise ValueError(f"diversity must be between 0 and 1; got {diversity}")
    if not 0.0 <= min_similarity < 1.0:
        raise ValueError(f"min_similarity must be in [0, 1); got {min_similarity}")
    if combine not in ("max", "mean"):
        raise ValueError(f"combine must be 'max' or 'mean'; got {combine!r}")
    excluded = set(exclude_roles or ())
    keep = [i for i, s in enumerate(segments)
            if str(s.get("text") or "").strip() and s.get("role") not in excluded]
    if budget <= 0 or not keep:
        return []
    unc = [unit_uncertainty(segments[i].get("scores"), codebook, thresholds) for i in keep]
    u = np.array([x.value if combine == "max" else x.mean for x in unc], dtype=float)
    mean = np.array([x.mean if combine == "max" else x.value for x in unc], dtype=float)  # tie-break
    prio = u if priorities is None else np.array([float(priorities[i]) for i in keep], dtype=float)
    n = len(keep)
    X = None
    if diversity > 0:
        if vectors is not None:
            X = _normalise(sparse.csr_matrix(vectors)[keep])
        else:
            X = _normalise(text_vectors([str(segments[i].get("text") or "") for i in keep]))
    doc_ids = [str(segments[i].get("doc_id")) for i in keep]
    doc_index = {d: k for k, d in enumerate(dict.fromkeys(doc_ids))}
    docs = np.array([doc_index[d] for d in doc_ids])
    order = np.random.default_rng(seed).permutation(n)  # fixed tie-break order
    maxsim = np.zeros(n)
    alive = np.ones(n, dtype=bool)
    picks: list[int] = []
    for _ in range(min(budget, n)):
        allowed = alive.copy()
        if max_run and len(picks) >= max_run and len({docs[j] for j in picks[-max_run:]}) == 1:
            other = allowed & (docs != docs[picks[-1]])
            if other.any():
                allowed = other
        cand = np.flatnonzero(allowed)
        obj = (1.0 - diversity) * prio[cand] - diversity * maxsim[cand]
        near = cand[obj >= obj.max() - 1e-9]
        if len(near) > 1:
            near = near[mean[near] >= mean[near].max() - 1e-9]
        j = int(near[np.argmin(order[near])])
        picks.append(j)
        alive[j] = False
        if X is not None:
            sims = np.asarray((X @ X[j].T).todense()).ravel()
            sims = np.clip((sims - min_similarity) / (1.0 - min_similarity), 0.0, None)
            np.maximum(maxsim, sims, out=maxsim)
    return [(segments[keep[j]], float(u[j])) for j in picks]


def rare_code_priorities(segments: Sequence[Mapping[str, Any]], codebook: Codebook, weight: float,
                         counts: Mapping[str, int] | None = None,
                         thresholds: Mapping[str, float] | None = None,
                         untrained: Iterable[str] = (),
                         stand_in: Sequence[Mapping[str, float]] | None = None) -> list[float]:
    """Review priorities that also seek examples of rare codes, for ``pick_for_review``.

    ``(1 - weight) * uncertainty + weight * max over codes of rarity * probability``, where a
    code's rarity is ``1 / sqrt(1 + n)`` for ``n`` training examples (``counts``, e.g. the model
    card's; missing: 0), scaled so that the rarest code counts 1. Uncertainty alone keeps asking
    about the boundaries of the codes the model already knows; where most codes are rare, what
    the model lacks is positive examples of them (see ``pipeline.review.simulate`` and
    bench/README.md). A code the model cannot score (``untrained``: too few examples)
    has probability 0 everywhere; ``stand_in`` (aligned with ``segments``, e.g. the cue tagger's
    scores) gives it a probability.
    """
    if not 0.0 <= weight <= 1.0:
        raise ValueError(f"weight must be between 0 and 1; got {weight}")
    counts = counts or {}
    rarity = {c: 1.0 / float(np.sqrt(1.0 + max(0, int(counts.get(c, 0))))) for c in codebook.code_ids}
    top = max(rarity.values(), default=1.0) or 1.0
    untrained = [c for c in untrained if c in rarity]
    out = []
    for k, seg in enumerate(segments):
        scores = seg.get("scores") or {}
        u = unit_uncertainty(scores, codebook, thresholds).value if weight < 1 else 0.0
        p = {c: _score(scores, c) for c in codebook.code_ids}
        if stand_in is not None:
            for c in untrained:
                p[c] = _score(stand_in[k], c)
        r = max((p[c] * rarity[c] / top for c in codebook.code_ids), default=0.0)
        out.append((1.0 - weight) * u + weight * r)
    return out


# -- run folders ----------------------------------------------------------------------------------

def load_segments(run_dir: str | Path) -> list[dict[str, Any]]:
    """The segments of a run folder, in file order."""
    from pipeline.errors import InputError

    path = Path(run_dir) / "segments.jsonl"
    if not path.exists():
        raise InputError(path, "missing: is this the output folder of 'narratives run'?")
    try:
        return list(read_jsonl(path))
    except ValueError as e:
        raise InputError(path, str(e).removeprefix(f"{path}: ")) from None


def run_model_card(run_dir: str | Path) -> dict[str, Any] | None:
    """The card (model.json) of the model that coded a run, if the run names one that is at hand."""
    report_path = Path(run_dir) / "report.json"
    try:
        report = json.loads(report_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    tagger = report.get("tagger") if isinstance(report.get("tagger"), dict) else {}
    model = tagger.get("model")
    if tagger.get("tagger") != "code_classifier" or not model:
        return None
    try:
        card = json.loads((Path(model) / "model.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        log.info("model %s of the run is not at hand: thresholds from the codebook", model)
        return None
    return card if isinstance(card, dict) else None


def run_thresholds(run_dir: str | Path) -> dict[str, float] | None:
    """The tuned thresholds of the model that coded a run (from its card), if it is at hand."""
    card = run_model_card(run_dir)
    th = (card or {}).get("thresholds")
    return {str(k): float(v) for k, v in th.items()} if isinstance(th, dict) else None


def unit_items(run_dir: str | Path, segments: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Each segment as a model input with the context a run gives it (kind, role, section and
    the neighbouring units), so a model scores it as ``narratives run --model`` would."""
    kinds: dict[str, Any] = {}
    docs_path = Path(run_dir) / "documents.jsonl"
    if docs_path.exists():
        for rec in read_jsonl(docs_path):
            kinds[str(rec.get("doc_id"))] = rec.get("kind")
    by_doc: dict[str, list[int]] = {}
    for i, s in enumerate(segments):
        by_doc.setdefault(str(s.get("doc_id")), []).append(i)
    items: list[dict[str, Any]] = [{} for _ in segments]
    for doc_id, idx in by_doc.items():
        idx = sorted(idx, key=lambda i: (segments[i].get("start", 0), segments[i].get("end", 0)))
        for k, i in enumerate(idx):
            s = segments[i]
            items[i] = {"text": str(s.get("text") or ""), "context": {
                "doc_id": doc_id, "speaker": s.get("speaker"), "role": s.get("role"),
                "section": s.get("section"), "entry": s.get("entry"), "kind": kinds.get(doc_id),
                "before": str(segments[idx[k - 1]].get("text") or "")[-300:] if k > 0 else "",
                "after": str(segments[idx[k + 1]].get("text") or "")[:300] if k + 1 < len(idx) else ""}}
    return items


def rescore_segments(model: Any, items: Sequence[dict[str, Any]], segments: Sequence[Mapping[str, Any]],
                     batch_size: int = 256) -> tuple[list[dict[str, Any]], sparse.csr_matrix | None]:
    """Segments with ``scores`` and ``codes`` from ``model`` (``evidence`` left empty: see
    :func:`model_evidence`), and the model's feature rows where it has them (for similarity)."""
    from pipeline.classifiers.base import as_unit_docs

    out: list[dict[str, Any]] = []
    rows = []
    for b in range(0, len(items), batch_size):
        docs, _ = as_unit_docs(model.nlp, list(items[b:b + batch_size]))
        scores = model.predict_proba_docs(docs)
        if hasattr(model, "_matrix"):
            rows.append(model._matrix(docs))
        for s, sc in zip(segments[b:b + batch_size], scores):
            rec = dict(s)
            rec["scores"] = {k: round(float(v), 4) for k, v in sc.items()}
            rec["codes"] = model.assign(sc)
            rec["evidence"] = {}
            out.append(rec)
    vectors = sparse.vstack(rows).tocsr() if rows else None
    return out, vectors


def model_evidence(model: Any, items: Sequence[dict[str, Any]],
                   codes: Sequence[Sequence[str]]) -> list[dict[str, list[dict[str, Any]]]]:
    """The model's evidence for the given codes of a few units (the picks); a code the model
    cannot explain (one it has no classifier for) gets none."""
    from pipeline.classifiers.base import as_unit_docs

    if not items:
        return []
    docs, _ = as_unit_docs(model.nlp, list(items))
    out = []
    for doc, wanted in zip(docs, codes):
        evidence: dict[str, list[dict[str, Any]]] = {}
        for code in wanted:
            try:
                evidence.update(model.explain_docs([doc], [[code]])[0])
            except (KeyError, ValueError, IndexError):
                evidence[code] = []
        out.append(evidence)
    return out


def review_segment(segment: Mapping[str, Any], rank: int, uncertainty: Uncertainty,
                   codebook: Codebook, cuts: Mapping[str, float]) -> dict[str, Any]:
    """A picked segment as the exporters should show it: the codes the tagger assigned plus the
    uncertain ones it did not (so a unit just below a threshold still gets a row to decide on),
    with ``review_rank``, ``uncertainty``, ``review_codes`` and the tagger's ``assigned_codes``."""
    known = set(codebook.code_ids)
    assigned = [c for c in (segment.get("codes") or [])]
    extra = [c for c in uncertainty.codes if c not in assigned and c in known][:MAX_EXTRA_CODES]
    rec = dict(segment)
    scores = segment.get("scores") or {}
    evidence = {k: list(v) for k, v in (segment.get("evidence") or {}).items()}
    for c in extra:
        p = _score(scores, c)
        evidence[c] = [{"source": "review", "feature": "not assigned",
                        "text": f"probability {p:.2f} near threshold {cuts[c]:.2f}"}] + evidence.get(c, [])
    rec.update(codes=assigned + extra, assigned_codes=assigned, review_codes=extra or uncertainty.codes,
               evidence=evidence, review_rank=rank, uncertainty=round(uncertainty.value, 4))
    return rec


def write_review_run(run_dir: str | Path, picks: Sequence[tuple[Mapping[str, Any], float]],
                     out_dir: str | Path, codebook: Codebook,
                     thresholds: Mapping[str, float] | None = None) -> Path:
    """A run folder holding only the picks (in rank order) and their documents (by best rank).

    ``report.json`` is copied unchanged (the exporters take the tagger and the dates from it).
    """
    from pipeline.errors import InputError

    run_dir, out_dir = Path(run_dir), Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    cuts = code_thresholds(codebook, thresholds)
    segs = []
    first_rank: dict[str, int] = {}
    for rank, (seg, _) in enumerate(picks, 1):
        unc = unit_uncertainty(seg.get("scores"), codebook, thresholds)
        segs.append(review_segment(seg, rank, unc, codebook, cuts))
        first_rank.setdefault(str(seg.get("doc_id")), rank)
    docs_path = run_dir / "documents.jsonl"
    if not docs_path.exists():
        raise InputError(docs_path, "missing: is this the output folder of 'narratives run'?")
    docs = [d for d in read_jsonl(docs_path) if str(d.get("doc_id")) in first_rank]
    docs.sort(key=lambda d: first_rank[str(d.get("doc_id"))])
    write_jsonl(out_dir / "documents.jsonl", docs)
    write_jsonl(out_dir / "segments.jsonl", segs)
    if (run_dir / "report.json").exists():
        shutil.copy2(run_dir / "report.json", out_dir / "report.json")
    return out_dir


def export_review(run_dir: str | Path, picks: Sequence[tuple[Mapping[str, Any], float]],
                  output: str | Path, codebook: Codebook, fmt: str | None = None,
                  thresholds: Mapping[str, float] | None = None,
                  keep_run: str | Path | None = None) -> dict[str, Any]:
    """Export the picks with the exchange exporters, in review order where the format has one.

    qdpx: a REFI-QDA project with the picked segments' documents (in order of their best pick)
    and one selection per picked segment. xlsx/csv: a review sheet, rows sorted by
    ``review_rank``, with the columns ``review_rank`` and ``uncertainty`` added at the end
    (``narratives import`` ignores them). ``keep_run``: also keep the filtered run folder there.
    """
    from pipeline.errors import ConfigError

    output = Path(output)
    fmt = (fmt or output.suffix.lstrip(".")).lower()
    if fmt not in FORMATS:
        raise ConfigError("--format", "format", f"one of {', '.join(FORMATS)}; got {fmt!r}")
    rank = {(str(s.get("doc_id")), int(s["start"]), int(s["end"])): (r, u)
            for r, (s, u) in enumerate(picks, 1)}
    with contextlib.ExitStack() as stack:
        if keep_run is not None:
            sub = Path(keep_run)
        else:
            sub = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="review-"))) / (
                f"{Path(run_dir).resolve().name}-review")
        write_review_run(run_dir, picks, sub, codebook, thresholds)
        if fmt == "qdpx":
            from pipeline.exchange.qdpx_export import export_qdpx

            counts = export_qdpx(sub, output, codebook, min_probability=0.0)
        else:
            from pipeline.exchange.sheets import export_sheet

            counts = export_sheet(sub, output, codebook, 0.0, None)
            if fmt == "csv":
                _sort_csv(output, rank)
            else:
                _sort_xlsx(output, rank, run_dir)
    counts["picked"] = len(picks)
    return counts


def _row_key(values: Sequence[Any], header: list[str]) -> tuple[str, int, int]:
    get = {h: v for h, v in zip(header, values)}
    return (str(get.get("doc_id") or ""), int(float(get.get("start") or 0)), int(float(get.get("end") or 0)))


def _sort_csv(path: Path, rank: Mapping[tuple[str, int, int], tuple[int, float]]) -> None:
    """Rows by review rank (stable: a unit's codes stay in codebook order), two columns added."""
    text = path.read_bytes().decode("utf-8-sig")
    first = text.split("\n", 1)[0]
    delimiter = max((";", ",", "\t"), key=first.count)
    table = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    if not table:
        return
    header, rows = table[0], table[1:]
    keyed = []
    for row in rows:
        r, u = rank.get(_row_key(row, header), (len(rank) + 1, 0.0))
        keyed.append((r, row + [str(r), f"{u:.4f}"]))
    keyed.sort(key=lambda kr: kr[0])
    with atomic_open(path, "w", encoding="utf-8-sig") as fh:
        writer = csv.writer(fh, delimiter=delimiter, lineterminator="\r\n")
        writer.writerow(header + ["review_rank", "uncertainty"])
        writer.writerows(row for _, row in keyed)


def _sort_xlsx(path: Path, rank: Mapping[tuple[str, int, int], tuple[int, float]],
               run_dir: str | Path) -> None:
    """The same for a workbook: values moved within the sheet (every row is styled alike)."""
    from openpyxl import load_workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    wb = load_workbook(path)
    ws = wb["suggestions"]
    header = [str(c.value or "") for c in ws[1]]
    width = len(header)
    rows = [[c.value for c in row[:width]] for row in ws.iter_rows(min_row=2, max_row=ws.max_row)]
    keyed = []
    for row in rows:
        r, u = rank.get(_row_key(row, header), (len(rank) + 1, 0.0))
        keyed.append((r, row, u))
    keyed.sort(key=lambda kr: kr[0])
    for i, (r, row, u) in enumerate(keyed, start=2):
        for c, value in enumerate(row, start=1):
            cell = ws.cell(row=i, column=c, value=value)
            if isinstance(value, str):
                cell.data_type = "s"  # never a formula
        ws.cell(row=i, column=width + 1, value=r).alignment = Alignment(vertical="top")
        cu = ws.cell(row=i, column=width + 2, value=round(u, 4))
        cu.alignment = Alignment(vertical="top")
        cu.number_format = "0.00"
    for k, name in enumerate(("review_rank", "uncertainty"), start=width + 1):
        cell = ws.cell(row=1, column=k, value=name)
        cell.font = Font(bold=True)
        ws.column_dimensions[get_column_letter(k)].width = 12
    ws.auto_filter.ref = f"A1:{get_column_letter(width + 2)}{max(len(rows) + 1, 2)}"
    if "about" in wb.sheetnames:
        about = wb["about"]
        for row in about.iter_rows(min_row=1, max_row=about.max_row):
            if row and row[0].value == "run" and len(row) > 1:
                row[1].value = str(run_dir)
        about.append(["review", "units picked for review, most uncertain first (review_rank); "
                                "uncertainty 1 = the model's probability sits at its threshold"])
    with atomic_open(path, "wb") as fh:
        wb.save(fh)
