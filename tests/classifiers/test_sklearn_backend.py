"""The scikit-learn backend: learns, saves and reloads exactly, explains, and refuses what it must."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

from pipeline.classifiers.loading import load_model
from pipeline.classifiers.sklearn_backend import SklearnCodeModel
from pipeline.errors import ConfigError
from tests.classifiers import sklearn_examples
from tests.classifiers.sklearn_examples import EXAMPLES


@pytest.fixture(scope="module")
def small_codebook():
    return sklearn_examples.small_codebook()


@pytest.fixture(scope="module")
def small_units():
    return sklearn_examples.small_units()


@pytest.fixture(scope="module")
def trained(small_codebook, small_units, nlp):
    return SklearnCodeModel(small_codebook, nlp, C=50.0, cv=0, min_df=1).fit(small_units)


def test_overfit_learns_the_training_labels(trained):
    predicted = trained.predict([text for text, _ in EXAMPLES])

    assert [sorted(p) for p in predicted] == [sorted(codes) for _, codes in EXAMPLES]


def test_save_reload_gives_identical_predictions(trained, tmp_path, small_codebook):
    trained.save(tmp_path / "m")
    again = load_model(tmp_path / "m", small_codebook)
    texts = [text for text, _ in EXAMPLES] + ["Ik koos voor haar wens en tegen het protocol."]

    a, b = trained.predict_proba(texts), again.predict_proba(texts)

    for x, y in zip(a, b):
        assert x.keys() == y.keys()
        assert np.allclose([x[k] for k in x], [y[k] for k in x], atol=1e-6)
    assert trained.predict(texts) == again.predict(texts)
    assert (tmp_path / "m" / "README.md").read_text().startswith("# Model card")
    card = json.loads((tmp_path / "m" / "model.json").read_text())
    assert card["codebook"]["id"] == "klein" and card["data"]["counts"]["decision_moment"] == 10


def test_single_text_and_dict_inputs(trained):
    text = EXAMPLES[0][0]

    single = trained.predict_proba(text)
    as_dict = trained.predict_proba({"text": text, "role": "respondent"})
    batch = trained.predict_proba([text])

    assert isinstance(single, dict) and single == batch[0]
    assert as_dict["decision_moment"] > 0.5


def test_component_pipe_equals_single_calls(trained, tmp_path):
    import pipeline.classifiers.component  # noqa: F401
    from pipeline.nlp.language import build_nlp
    from pipeline.nlp.units import make_unit_docs

    trained.save(tmp_path / "m")
    nlp = build_nlp()
    nlp.add_pipe("code_classifier", config={"model_path": str(tmp_path / "m")})
    texts = [t for t, _ in EXAMPLES]
    contexts = [{"role": "respondent"}] * len(texts)

    piped = list(nlp.pipe(make_unit_docs(nlp, texts, contexts), batch_size=4))
    single = [nlp(d) for d in make_unit_docs(nlp, texts, contexts)]

    assert [d.cats for d in piped] == [d.cats for d in single]
    assert [d._.codes for d in piped] == [d._.codes for d in single]


def test_every_suggestion_has_evidence_with_offsets(trained):
    docs, _ = __import__("pipeline.classifiers.base", fromlist=["as_unit_docs"]).as_unit_docs(
        trained.nlp, [t for t, _ in EXAMPLES[:10]])
    codes = [trained.assign(s) for s in trained.predict_proba_docs(docs)]

    evidence = trained.explain_docs(docs, codes)

    for doc, assigned, ev in zip(docs, codes, evidence):
        for code in assigned:
            assert ev[code], f"no evidence for {code}"
            for item in ev[code]:
                if "start" in item:
                    assert doc.text[item["start"]:item["end"]] == item["text"]


def test_evidence_names_content_words_before_function_words(trained):
    """A coder learns nothing from "ik, met, niet": the model's content words come first, and
    function words only fill up what room is left. Not vacuous: for some suggestion the model's
    strongest word is a function word."""
    from spacy.lang.nl.stop_words import STOP_WORDS

    from pipeline.classifiers.base import as_unit_docs

    docs, _ = as_unit_docs(trained.nlp, [t for t, _ in EXAMPLES])
    codes = [trained.assign(s) for s in trained.predict_proba_docs(docs)]
    evidence = trained.explain_docs(docs, codes)
    X = trained._matrix(docs)
    names = trained.features.feature_names()

    reordered = 0
    for r, (doc, assigned, ev) in enumerate(zip(docs, codes, evidence)):
        row = slice(X.indptr[r], X.indptr[r + 1])
        lemmas = {t.idx: t.lemma_.lower() for t in doc}  # features are lemmas ("wilde": willen)
        for code in assigned:
            words = [e for e in ev[code] if e["source"] == "model" and e["feature"] in ("word", "word pair")
                     and "start" in e]
            plain = [all(lemmas.get(t.idx) in STOP_WORDS for t in doc.char_span(e["start"], e["end"],
                                                                                alignment_mode="expand")
                         if not (t.is_punct or t.is_space))
                     for e in words]
            assert plain == sorted(plain), (code, [e["text"] for e in words])  # content first
            clf = trained.groups[trained.codebook.group_of(code).id]
            top = next((names[j] for j, _ in clf.contributions(X.indices[row], X.data[row], code)
                        if j < len(names) and names[j].startswith("w=")), None)  # past: embedding
            reordered += top is not None and top[2:] in STOP_WORDS and not all(plain)
    assert reordered > 0


def test_refuses_another_codebook_and_pickles(trained, tmp_path, small_codebook):
    from pipeline.codebook import codebook_from_dict
    from tests.classifiers.sklearn_examples import SMALL_CODEBOOK

    trained.save(tmp_path / "m")
    other = json.loads(json.dumps(SMALL_CODEBOOK))
    other["groups"][1]["codes"].append({"id": "factor.knowledge", "label": "Kennis"})

    with pytest.raises(ConfigError, match="differs in its codes"):
        load_model(tmp_path / "m", codebook_from_dict(other))

    import pickle

    shutil.copytree(tmp_path / "m", tmp_path / "p")
    arrays = dict(np.load(tmp_path / "p" / "weights.npz", allow_pickle=False))
    arrays["evil"] = np.array([pickle.dumps(object())], dtype=object)
    np.savez(tmp_path / "p" / "weights.npz", **arrays)
    with pytest.raises(ValueError, match="allow_pickle"):
        load_model(tmp_path / "p", small_codebook)


def test_rules_keep_decision_types_inside_decision_moments(default_codebook, nlp):
    from pipeline.training.data import AnnotatedUnit

    units = [AnnotatedUnit(f"d{i % 3}:{i}", f"d{i % 3}", t, c) for i, (t, c) in enumerate(EXAMPLES)]
    model = SklearnCodeModel(default_codebook, nlp, cv=2, min_df=1)
    scores = {c: 0.0 for c in default_codebook.code_ids}
    scores["decision_type.logistiek"] = 0.99

    assert model.assign(scores) == []
    assert model.assign({**scores, "decision_moment": 0.9}) == ["decision_moment", "decision_type.logistiek"]
    assert units  # the codebook's rules do not depend on training


def test_reviewed_suggestions_only_teach_the_codes_they_judged(small_codebook, small_units, nlp, tmp_path):
    from pipeline.training.data import load_annotated

    sheet_units = tmp_path / "units.jsonl"
    rows = [{"id": f"r{i}", "doc_id": f"rev{i % 2}", "text": "Ik heb toen besloten te bellen.",
             "codes": [], "rejected": ["factor.client"]} for i in range(6)]
    sheet_units.write_text("\n".join(json.dumps(r) for r in rows), encoding="utf-8")
    reviewed = load_annotated([sheet_units])

    model = SklearnCodeModel(small_codebook, nlp, cv=0, min_df=1).fit(small_units + reviewed)

    factor = model.groups["factor"]
    assert factor.rows_per_code["factor.client"] == len(small_units) + 6
    assert factor.rows_per_code["factor.organisation"] == len(small_units)
    assert model.groups["decision_moment"].rows_per_code["decision_moment"] == len(small_units)


def test_character_ngrams_are_an_option(small_codebook, small_units, nlp):
    plain = SklearnCodeModel(small_codebook, nlp, cv=0, min_df=1).fit(small_units)
    chars = SklearnCodeModel(small_codebook, nlp, cv=0, min_df=1, char_ngrams=True).fit(small_units)

    assert not any(f.startswith("c=") for f in plain.features.vocabulary)
    assert " bes" in {f[2:] for f in chars.features.vocabulary if f.startswith("c=")}
    assert chars.predict(EXAMPLES[0][0]) == sorted(EXAMPLES[0][1], key=EXAMPLES[0][1].index)


def test_a_model_from_before_the_blend_and_encoder_options_still_loads(small_codebook, small_units, nlp, tmp_path):
    """Model folders saved by earlier releases have no blend, encoder or inner-fold settings in
    their card, and no blend arrays: they load and predict as they were trained."""
    SklearnCodeModel(small_codebook, nlp, C=50.0, cv=0, min_df=1, encoder=None).fit(small_units).save(tmp_path / "m")
    card_path = tmp_path / "m" / "model.json"
    card = json.loads(card_path.read_text())
    for key in ("blend", "encoder", "encoder_weight", "inner_groups", "neighbours"):
        card["params"].pop(key, None)
    card_path.write_text(json.dumps(card))
    arrays = dict(np.load(tmp_path / "m" / "weights.npz"))
    np.savez(tmp_path / "m" / "weights.npz", **{k: v for k, v in arrays.items() if not k.startswith("blend/")})

    old = load_model(tmp_path / "m", small_codebook)

    assert old.blends == {} and old.params["encoder"] is None
    texts = [text for text, _ in EXAMPLES]
    assert old.predict(texts) == SklearnCodeModel.load(tmp_path / "m").predict(texts)
    assert all(isinstance(p, list) for p in old.predict(texts))


@pytest.mark.parametrize("char_ngrams", [False, True])
def test_prediction_features_equal_the_training_features(small_codebook, small_units, nlp, char_ngrams):
    """Prediction looks features up per lemma and word form (cached); the matrix must be the one
    the model was fitted on: the same columns and values as from the feature strings."""
    model = SklearnCodeModel(small_codebook, nlp, cv=0, min_df=1, char_ngrams=char_ngrams).fit(small_units)
    docs = model.unit_docs(small_units + [sklearn_examples.AnnotatedUnit(
        id="x", doc_id="x", text="Onbekende woorden [naam] en XXX, ik besloot (onverstaanbaar) te bellen.",
        codes=[])])
    slow = model.features.transform(model._feature_rows(docs))
    for _ in range(2):  # cold and warm caches
        fast = model._features_of(docs)
        assert (fast != slow).nnz == 0 and fast.shape == slow.shape
