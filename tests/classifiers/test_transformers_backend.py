"""The transformers backend, offline: a tiny RoBERTa built on the spot stands in for RobBERT.

The tokenizer is a byte-level BPE trained on the sentences below and the encoder has random
weights (hidden size 32, two layers); both are saved as a local base-model folder, the way a user
points ``--base-model`` at a downloaded RobBERT. The model is trained until it knows its few
training units by heart (spaCy's overfit test), then saved, reloaded, run in a spaCy pipeline and
through the CLI.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml

torch = pytest.importorskip("torch")
pytest.importorskip("transformers")
pytest.importorskip("tokenizers")

from pipeline.classifiers.loading import load_model  # noqa: E402
from pipeline.classifiers.transformers_backend import (  # noqa: E402
    TransformersCodeModel,
    _best_threshold,
    input_text,
)
from pipeline.codebook import Codebook, codebook_from_dict  # noqa: E402
from pipeline.errors import ConfigError  # noqa: E402
from pipeline.nlp.language import build_nlp  # noqa: E402
from pipeline.nlp.units import make_unit_docs  # noqa: E402
from pipeline.training.data import AnnotatedUnit  # noqa: E402

CODEBOOK: dict[str, Any] = {
    "id": "mini", "version": "1", "name": "Mini codebook",
    "groups": [
        {"id": "decision_moment", "kind": "multi", "codes": [
            {"id": "decision_moment", "label": "Beslismoment",
             "cues": [{"id": "besluiten", "weight": 0.6, "lemmas": ["besluiten", "kiezen"]}]}]},
        {"id": "decision_type", "kind": "single", "requires": "decision_moment", "codes": [
            {"id": "decision_type.ethisch"}, {"id": "decision_type.methodisch"}]},
        {"id": "factor", "kind": "multi", "codes": [
            {"id": "factor.client"}, {"id": "factor.organisation"}, {"id": "factor.knowledge"}]},
    ],
}

# (doc id, text, codes): factor.knowledge has no example, so it stays untrained.
LABELLED = [
    ("d1", "Toen heb ik besloten om niet meteen Veilig Thuis te bellen.",
     ["decision_moment", "decision_type.ethisch", "factor.client"]),
    ("d1", "Uiteindelijk heb ik de betalingsregeling toch maar stopgezet.",
     ["decision_moment", "decision_type.methodisch"]),
    ("d2", "De gemeente heeft besloten het budget te halveren.", ["factor.organisation"]),
    ("d2", "Mevrouw K. woont alleen en heeft weinig contact met haar familie.", ["factor.client"]),
    ("d3", "Hoe begon het contact met deze cliënt eigenlijk?", []),
    ("d3", "Het wachtlijstbeleid van de organisatie maakt het lastig.", ["factor.organisation"]),
    ("d4", "We kozen ervoor om eerst zelf met moeder te praten.",
     ["decision_moment", "decision_type.methodisch", "factor.client"]),
    ("d4", "Dat was een zware week voor iedereen in het wijkteam.", []),
]

SENTENCES = [text for _, text, _ in LABELLED] + [
    "Ik twijfelde echt of ik er morgen heen moest gaan.",
    "Ik heb de wijkagent erbij gehaald, omdat het niet veilig voelde.",
    "Bij ons in het team gaat besluitvorming vaak heel snel.",
    "De cliënt vertelde dat hij slecht slaapt en nauwelijks eet.",
    "Het protocol schrijft voor dat we binnen vijf dagen reageren.",
    "Mijn leidinggevende vond dat ik het dossier moest sluiten.",
    "Gezondheid is voor mij meer dan de afwezigheid van ziekte.",
    "Volgende week is er overleg met de huisarts en de schuldhulp.",
    "Ze heeft schulden bij de zorgverzekeraar en de woningcorporatie.",
    "Achteraf had ik de wijkagent eerder moeten inschakelen.",
    "respondent interviewer reflectie besluit situatie dagboek",
]
CONTEXT = {"role": "respondent", "section": "reflectie"}
OVERFIT = {"epochs": 200, "batch_size": 8, "learning_rate": 1e-2, "seed": 0}


def build_base_model(folder: Path, texts: list[str], vocab_size: int = 600) -> Path:
    """Train a byte-level BPE on ``texts``, add a random tiny RoBERTa, save both in ``folder``."""
    from transformers import AutoModel, RobertaConfig, set_seed

    from pipeline.classifiers.local_tokenizer import train_roberta_tokenizer

    tokenizer = train_roberta_tokenizer(texts, vocab_size, model_max_length=128)
    # No dropout: a few units must be learned by heart in a few hundred steps.
    config = RobertaConfig(vocab_size=len(tokenizer), hidden_size=32, num_hidden_layers=2,
                           num_attention_heads=2, intermediate_size=64, max_position_embeddings=130,
                           type_vocab_size=1, pad_token_id=1, bos_token_id=0, eos_token_id=2,
                           hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0)
    folder.mkdir(parents=True, exist_ok=True)
    tokenizer.save_pretrained(folder)
    set_seed(0)  # the same random encoder in every run
    AutoModel.from_config(config).save_pretrained(folder)
    return folder


def units_of(rows: list[tuple[str, str, list[str]]]) -> list[AnnotatedUnit]:
    return [AnnotatedUnit(f"{doc}:{i}", doc, text, list(codes), dict(CONTEXT))
            for i, (doc, text, codes) in enumerate(rows)]


def items_of(units: list[AnnotatedUnit]) -> list[dict[str, Any]]:
    return [{"text": u.text, "context": u.context} for u in units]


@pytest.fixture(scope="module", autouse=True)
def one_torch_thread() -> Iterator[None]:
    """Tiny models run fastest on one thread; on a busy 2-core machine two OpenMP threads spinning
    against each other made a training step of the tiny model some 70 times slower."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="module")
def base_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_base_model(tmp_path_factory.mktemp("tiny-roberta"), SENTENCES * 4)


@pytest.fixture(scope="module")
def codebook() -> Codebook:
    return codebook_from_dict(CODEBOOK, "<mini>")


@pytest.fixture(scope="module")
def trained(base_model: Path, codebook: Codebook, nlp, tmp_path_factory: pytest.TempPathFactory
            ) -> tuple[TransformersCodeModel, Path]:
    model = TransformersCodeModel(codebook, nlp, base_model=str(base_model), **OVERFIT)
    model.fit(units_of(LABELLED))
    folder = tmp_path_factory.mktemp("model")
    model.save(folder)
    return model, folder


# -- small parts, no training ----------------------------------------------------------------------
@pytest.mark.parametrize(("context", "expected"), [
    ({"role": "respondent", "section": "reflectie"}, "[respondent | reflectie] Tekst."),
    ({"role": "interviewer"}, "[interviewer] Tekst."),
    ({"section": "Besluit", "kind": "diary"}, "[Besluit] Tekst."),
    ({}, "Tekst."),
    (None, "Tekst."),
], ids=["role-and-section", "role-only", "section-only", "empty", "none"])
def test_input_text_puts_context_in_front(context: dict[str, Any] | None, expected: str) -> None:
    text, start = input_text("Tekst.", context)
    assert text == expected
    assert text[start:] == "Tekst."


def test_saliency_evidence_names_content_words_before_function_words() -> None:
    """Per word, saliency summed over its sub-words; content words first, function words
    ("ik", "met") after them, words that pushed the score down left out."""
    from pipeline.classifiers.transformers_backend import _top_words

    text = "Ik heb met de moeder overlegd."
    words = [(0, 2), (3, 6), (7, 10), (11, 13), (14, 17), (17, 20), (21, 29)]  # "moe"+"der": word 4
    word_ids = [None, 0, 1, 2, 3, 4, 4, 5, None]
    offsets = np.array([(0, 0), *words, (0, 0)])
    saliency = np.array([0.0, 0.9, -0.2, 0.8, 0.1, 0.3, 0.2, 0.4, 0.0])

    items = _top_words(text, 0, offsets, np.ones(len(word_ids), dtype=bool), word_ids, saliency)

    assert [i["text"] for i in items] == ["moeder", "overlegd", "Ik", "met", "de"]
    assert all(text[i["start"]:i["end"]] == i["text"] for i in items)


def test_best_threshold_separates_and_prefers_the_lowest_of_equals() -> None:
    y = np.array([1, 1, 0, 0])
    assert _best_threshold(y, np.array([0.9, 0.7, 0.3, 0.1])) == (0.35, 1.0)
    assert _best_threshold(y, np.array([0.2, 0.2, 0.1, 0.1])) == (0.15, 1.0)


def test_validation_split_keeps_documents_whole_and_follows_the_seed(codebook: Codebook) -> None:
    doc_ids = [f"d{i % 7}" for i in range(30)]
    model = TransformersCodeModel(codebook, base_model="unused", seed=3, validation_fraction=0.3)
    train, val = model._split(doc_ids)
    assert sorted([*train, *val]) == list(range(30))
    assert not {doc_ids[i] for i in train} & {doc_ids[i] for i in val}
    assert len({doc_ids[i] for i in val}) == 2
    _, again_val = TransformersCodeModel(codebook, base_model="unused", seed=3,
                                                   validation_fraction=0.3)._split(doc_ids)
    assert np.array_equal(val, again_val)
    few = TransformersCodeModel(codebook, base_model="unused")._split(doc_ids[:4] + ["d1"] * 3)
    assert len(few[1]) == 0


def test_a_folder_without_an_encoder_is_a_clear_error(codebook: Codebook, tmp_path: Path) -> None:
    model = TransformersCodeModel(codebook, base_model=str(tmp_path))

    with pytest.raises(ConfigError, match="base_model"):
        model.fit(units_of(LABELLED))


# -- trained on the tiny model ---------------------------------------------------------------------
@pytest.mark.slow
def test_overfit_save_reload(trained: tuple[TransformersCodeModel, Path], codebook: Codebook, nlp) -> None:
    model, folder = trained
    units = units_of(LABELLED)

    predicted = model.predict(items_of(units))
    reloaded = load_model(folder, codebook, nlp)
    before = model.predict_proba(items_of(units))
    after = reloaded.predict_proba(items_of(units))

    assert [sorted(p) for p in predicted] == [sorted(u.codes) for u in units]
    assert isinstance(reloaded, TransformersCodeModel)
    assert all(list(s) == codebook.code_ids for s in after)
    assert np.allclose([list(s.values()) for s in before], [list(s.values()) for s in after], atol=1e-6)
    assert reloaded.predict(items_of(units)) == predicted
    assert reloaded.thresholds == model.thresholds
    assert reloaded.card["untrained"] == {"factor.knowledge": 0}
    assert all(s["factor.knowledge"] == 0.0 for s in after)
    files = {p.name for p in (folder / "encoder").iterdir()}
    assert {"config.json", "model.safetensors", "tokenizer.json"} <= files
    assert not [f for f in files if f.endswith((".bin", ".pt", ".pkl"))]
    card = json.loads((folder / "model.json").read_text(encoding="utf-8"))
    assert card["backend"] == "transformers"
    assert card["params"]["learning_rate"] == OVERFIT["learning_rate"]


@pytest.mark.slow
def test_same_data_and_seed_give_the_same_model(base_model: Path, codebook: Codebook, nlp) -> None:
    # Six documents: one is held out to tune the thresholds.
    rows = LABELLED + [("d5", "Ik twijfelde echt of ik er morgen heen moest gaan.", ["decision_moment"]),
                       ("d6", "Het protocol schrijft voor dat we binnen vijf dagen reageren.",
                        ["factor.organisation"])]
    params = {"epochs": 3, "batch_size": 4, "learning_rate": 1e-2, "seed": 7}

    first = TransformersCodeModel(codebook, nlp, base_model=str(base_model), **params).fit(units_of(rows))
    second = TransformersCodeModel(codebook, nlp, base_model=str(base_model), **params).fit(units_of(rows))

    validation = first.card["data"]["validation"]
    assert validation["documents"] == 1
    assert first.card["data"]["training_units"] == len(rows) - validation["units"]
    assert all(0.15 <= t <= 0.85 for t in first.thresholds.values())
    assert first.thresholds == second.thresholds
    assert np.array_equal([list(s.values()) for s in first.predict_proba(items_of(units_of(rows)))],
                          [list(s.values()) for s in second.predict_proba(items_of(units_of(rows)))])


@pytest.mark.slow
def test_nlp_pipe_gives_what_single_calls_give(trained: tuple[TransformersCodeModel, Path]) -> None:
    import pipeline.classifiers.component  # noqa: F401  (registers code_classifier)

    _, folder = trained
    nlp = build_nlp()
    nlp.add_pipe("code_classifier", config={"model_path": str(folder)})
    longer = "Ik heb toen besloten te wachten, want zij wilde eerst zelf met haar dochter praten."
    texts = [text for _, text, _ in LABELLED] + ["Kort.", longer]
    contexts = [dict(CONTEXT) for _ in texts]

    piped = list(nlp.pipe(make_unit_docs(nlp, texts, contexts), batch_size=3))
    single = [nlp(doc) for doc in make_unit_docs(nlp, texts, contexts)]

    for a, b in zip(piped, single, strict=True):
        assert a.cats == pytest.approx(b.cats, abs=2e-4)
        assert a._.codes == b._.codes
    assert [sorted(d._.codes) for d in piped[:len(LABELLED)]] == [sorted(c) for _, _, c in LABELLED]


@pytest.mark.slow
def test_every_assigned_code_has_evidence_in_the_unit_text(trained: tuple[TransformersCodeModel, Path],
                                                           nlp) -> None:
    model, _ = trained
    texts = [text for _, text, _ in LABELLED]
    docs = list(nlp.pipe(make_unit_docs(nlp, texts, [dict(CONTEXT) for _ in texts])))

    model.annotate(docs)

    assigned = [(doc, code) for doc in docs for code in doc._.codes]
    assert assigned
    for doc, code in assigned:
        items = doc._.evidence[code]
        assert items, f"no evidence for {code} in {doc.text!r}"
        for item in items:
            assert 0 <= item["start"] < item["end"] <= len(doc.text)
            assert doc.text[item["start"]:item["end"]] == item["text"]
        model_items = [i for i in items if i["source"] == "model"]
        assert 1 <= len(model_items) <= 5
        assert all(i["feature"] == "token" for i in model_items)
        assert len(model_items) == 1 or all(i["weight"] > 0 for i in model_items)
    cue_items = [i for i in docs[0]._.evidence["decision_moment"] if i["source"] == "cue"]
    assert [i["text"] for i in cue_items] == ["besloten"]


# -- safety ----------------------------------------------------------------------------------------
def _add_pickle(folder: Path) -> None:
    (folder / "encoder" / "pytorch_model.bin").write_bytes(b"not loaded")


def _drop_safetensors(folder: Path) -> None:
    (folder / "encoder" / "model.safetensors").unlink()


def _pickle_beside(folder: Path) -> None:
    (folder / "head.pkl").write_bytes(b"not loaded")


@pytest.mark.slow
@pytest.mark.parametrize(("damage", "message"), [
    (_add_pickle, "pytorch_model.bin"),
    (_drop_safetensors, "safetensors weights"),
    (_pickle_beside, "head.pkl"),
], ids=["pytorch-bin", "no-safetensors", "pickle-beside"])
def test_unsafe_folders_are_refused(trained: tuple[TransformersCodeModel, Path], tmp_path: Path,
                                    damage, message: str) -> None:
    folder = Path(shutil.copytree(trained[1], tmp_path / "model"))
    damage(folder)

    with pytest.raises(ConfigError, match=message):
        load_model(folder)


@pytest.mark.slow
def test_a_codebook_with_other_codes_is_refused(trained: tuple[TransformersCodeModel, Path]) -> None:
    other = json.loads(json.dumps(CODEBOOK))
    other["groups"][2]["codes"].append({"id": "factor.family"})

    with pytest.raises(ConfigError, match=r"differs in its codes.*factor\.family"):
        load_model(trained[1], codebook_from_dict(other, "<other>"))


# -- the command line ------------------------------------------------------------------------------
@pytest.mark.slow
def test_cli_train_and_predict(base_model: Path, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from pipeline.cli.main import _register, app

    _register()
    codebook_path = tmp_path / "mini.yaml"
    codebook_path.write_text(yaml.safe_dump(CODEBOOK, allow_unicode=True), encoding="utf-8")
    data = tmp_path / "units.jsonl"
    data.write_text("".join(json.dumps({"id": f"u{i}", "doc_id": doc, "text": text, "codes": codes},
                                       ensure_ascii=False) + "\n"
                            for i, (doc, text, codes) in enumerate(LABELLED)), encoding="utf-8")
    inputs = tmp_path / "new.jsonl"
    inputs.write_text("".join(json.dumps(rec, ensure_ascii=False) + "\n" for rec in [
        {"id": "a", "text": "Toen heb ik besloten om te wachten.", "role": "respondent"},
        {"id": "b", "text": "Hoe ging dat verder?", "role": "interviewer"},
        {"id": "c", "text": "Het wachtlijstbeleid maakt het lastig."},
    ]), encoding="utf-8")
    out, predictions = tmp_path / "model", tmp_path / "predictions.jsonl"
    runner = CliRunner()

    trained = runner.invoke(app, ["train", "--backend", "transformers", "--base-model", str(base_model),
                                  "--data", str(data), "--codebook", str(codebook_path),
                                  "--out", str(out), "--cv", "0", "--epochs", "30"])
    predicted = runner.invoke(app, ["predict", "--input", str(inputs), "--output", str(predictions),
                                    "--model", str(out)])

    assert trained.exit_code == 0, trained.output
    assert f"trained transformers model on {len(LABELLED)} units from 4 documents" in trained.stdout
    assert "not trained (too few examples): factor.knowledge" in trained.stdout
    assert json.loads((out / "model.json").read_text(encoding="utf-8"))["params"]["epochs"] == 30
    assert predicted.exit_code == 0, predicted.output
    assert f"predicted 3 units -> {predictions}" in predicted.stdout
    lines = [json.loads(line) for line in predictions.read_text(encoding="utf-8").splitlines()]
    assert [rec["id"] for rec in lines] == ["a", "b", "c"]
    codes = codebook_from_dict(CODEBOOK).code_ids
    for rec in lines:
        assert list(rec["scores"]) == codes
        assert all(0.0 <= s <= 1.0 for s in rec["scores"].values())
        assert set(rec["codes"]) <= set(codes)
        assert set(rec["evidence"]) == set(rec["codes"])
