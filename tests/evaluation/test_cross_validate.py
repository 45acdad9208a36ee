"""``cross_validate(keep_predictions=True)``: the held-out codes behind the report, per unit."""

from __future__ import annotations

from pipeline.classifiers.sklearn_backend import SklearnCodeModel
from pipeline.evaluation.cv import by_held_out_group, cross_validate
from pipeline.evaluation.metrics import summarise
from tests.classifiers import sklearn_examples


def test_kept_predictions_give_back_the_reports_scores(nlp) -> None:
    codebook = sklearn_examples.small_codebook()
    units = sklearn_examples.small_units()
    for i, u in enumerate(units):
        u.context["register"] = ("interview", "diary", "case_file")[i % 3]

    result = cross_validate(lambda: SklearnCodeModel(codebook, nlp, min_df=1), units, codebook,
                            split="register", keep_predictions=True)

    pred, cues = result["predictions"], result["cue_predictions"]
    assert len(pred) == len(cues) == len(units) and all(isinstance(p, set) for p in pred)
    gold = [set(u.codes) for u in units]
    assert summarise(gold, pred, codebook)["per_code"] == result["per_code"]
    assert by_held_out_group(units, "register", gold, pred, cues, codebook) == result["by_group"]
    assert "predictions" not in cross_validate(lambda: SklearnCodeModel(codebook, nlp, min_df=1), units,
                                               codebook, split="register")
