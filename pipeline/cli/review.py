"""``narratives review``: the units of a run most worth a reviewer's time, exported for review."""

from __future__ import annotations

from pathlib import Path

import typer

from pipeline.cli.app import app
from pipeline.cli.options import export_format, user_errors

DEFAULT_CODEBOOK = Path("configs/codebooks/default.yaml")


@app.command("review")
def review_command(
    run_dir: Path = typer.Argument(..., help="Output folder of 'narratives run'."),
    budget: int = typer.Option(..., "--budget", "-n", min=1, help="How many units to pick."),
    output: Path = typer.Option(..., "--output", "-o", help="File to write (.qdpx, .xlsx or .csv)."),
    format: str = typer.Option(None, "--format", "-f",
                               help="qdpx, xlsx or csv (default: from the output's suffix)."),
    codebook: Path = typer.Option(None, "--codebook",
                                  help="The codebook the run used (default: the model's, else "
                                       "configs/codebooks/default.yaml)."),
    model: Path = typer.Option(None, "--model", "-m",
                               help="Score the units with this model (e.g. the one just retrained) "
                                    "and use its thresholds; default: the run's own scores."),
    diversity: float = typer.Option(0.5, "--diversity", min=0.0, max=1.0,
                                    help="0: no similarity penalty; higher: fewer similar units."),
    rare_weight: float = typer.Option(0.5, "--rare-weight", min=0.0, max=1.0,
                                      help="Weight of 'likely holds a code with few training "
                                           "examples' against uncertainty (0: uncertainty only)."),
    include_interviewer: bool = typer.Option(False, "--include-interviewer",
                                             help="Also pick interviewer turns."),
    seed: int = typer.Option(0, "--seed", help="Tie-break order."),
) -> None:
    """Pick the units whose codes the tagger is least sure about, and export them for review.

    Uncertainty is how close a unit's probabilities are to the decision thresholds (the model's
    tuned ones, or the codebook's). By default it is mixed half and half with the probability
    of codes that still have few training examples (from the model card): in a simulation on the
    annotated corpus, uncertainty alone taught the model no more than random picks, while the mix
    found more examples of rare codes and did better over all codes, though not on decision
    moments (bench/README.md; --rare-weight 0 for uncertainty only). Picks are spread over
    documents and kept
    dissimilar (TF-IDF of the texts). The export holds only the picked segments in review
    order: each with the codes the tagger assigned and the ones it nearly assigned, to accept or
    reject. Read the reviewed file back with 'narratives import' and retrain with
    'narratives train'.

    Examples:

      narratives review out --budget 50 --format xlsx --output review.xlsx

      narratives review out --budget 100 --format qdpx --output te_beoordelen.qdpx --model models/mine

      narratives review out -n 30 -o review.csv --diversity 0.8
    """
    from pipeline.codebook import load_codebook
    from pipeline.review.queue import (
        export_review,
        load_segments,
        model_evidence,
        pick_for_review,
        rare_code_priorities,
        rescore_segments,
        run_model_card,
        unit_items,
        unit_uncertainty,
    )

    with user_errors():
        fmt, output = export_format(format, output)
        segments = load_segments(run_dir)
        trained = None
        if model is not None:
            from pipeline.classifiers.loading import load_model

            trained = load_model(model, load_codebook(codebook) if codebook else None)
            cb = trained.codebook
            card = trained.card
            thresholds = dict(trained.thresholds) or None
            items = unit_items(run_dir, segments)
            segments, _ = rescore_segments(trained, items, segments)
        else:
            cb = load_codebook(codebook or DEFAULT_CODEBOOK)
            card = run_model_card(run_dir) or {}
            th = card.get("thresholds")
            thresholds = {str(k): float(v) for k, v in th.items()} if isinstance(th, dict) else None
        data = card.get("data") if isinstance(card.get("data"), dict) else {}
        code_counts = data.get("counts") if isinstance(data.get("counts"), dict) else None
        exclude = () if include_interviewer else ("interviewer",)
        priorities = (rare_code_priorities(segments, cb, rare_weight, code_counts, thresholds)
                      if rare_weight > 0 else None)
        picks = pick_for_review(segments, cb, budget, diversity, exclude, seed,
                                thresholds=thresholds, priorities=priorities)
        if trained is not None and picks:
            index = {id(s): i for i, s in enumerate(segments)}
            idx = [index[id(s)] for s, _ in picks]
            shown = [list(dict.fromkeys([*(s.get("codes") or []),
                                         *unit_uncertainty(s.get("scores"), cb, thresholds).codes]))
                     for s, _ in picks]
            for (s, _), ev in zip(picks, model_evidence(trained, [items[i] for i in idx], shown)):
                s["evidence"] = ev  # type: ignore[index]
        candidates = sum(1 for s in segments if s.get("role") not in exclude
                         and str(s.get("text") or "").strip())
        if not picks:
            typer.echo(f"nothing to review: {candidates} candidate units in {run_dir}", err=True)
            raise typer.Exit(1)
        if not any(u > 0 for _, u in picks):
            typer.echo("note: no picked unit has a probability near a threshold (a run without "
                       "codes, or a very sure tagger): the picks are only spread out", err=True)
        counts = export_review(run_dir, picks, output, cb, fmt, thresholds)
    docs = len({s.get("doc_id") for s, _ in picks})
    mean_u = sum(u for _, u in picks) / len(picks)
    basis = "model" if thresholds else "codebook"
    if rare_weight and code_counts:
        basis += f"; rare codes from the model card, weight {rare_weight:g}"
    elif rare_weight:
        basis += f"; likely codes, weight {rare_weight:g} (no model card: every code counts as rare)"
    typer.echo(f"picked {len(picks)} of {candidates} units from {docs} documents, "
               f"mean uncertainty {mean_u:.2f} (thresholds: {basis}) -> {output}")
    if fmt == "qdpx":
        typer.echo(f"{counts['codings']} codings on {counts['selections']} segments")
    else:
        typer.echo(f"{counts['suggestions']} rows to decide, in review order")
