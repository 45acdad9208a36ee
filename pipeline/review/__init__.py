"""The review queue: units ordered by how much a reviewer's decision would teach the model.

``pick_for_review`` ranks a run's units by the tagger's uncertainty (probabilities near the
decision thresholds) with a diversity term, ``export_review`` writes the picks through the
exchange exporters, and ``pipeline.review.simulate`` measures the loop on the annotated corpus.
"""

from pipeline.review.queue import (
    Uncertainty,
    code_thresholds,
    export_review,
    pick_for_review,
    rare_code_priorities,
    unit_uncertainty,
    write_review_run,
)

__all__ = ["Uncertainty", "code_thresholds", "export_review", "pick_for_review",
           "rare_code_priorities", "unit_uncertainty", "write_review_run"]
