"""Model folders that are safe to exchange: JSON and arrays, never pickle.

A folder holds ``model.json`` (the machine-readable model card: backend, codebook id and hashes,
training-data hash and counts per code, package versions, cross-validated scores, thresholds),
``README.md`` (the card for people), ``codebook.json`` (the codebook it was trained with) and the
backend's weights (``weights.npz`` loaded with ``allow_pickle=False``, or safetensors).
Loading checks the codebook and versions and says clearly what does not fit.
"""

from __future__ import annotations

import json
import logging
import platform
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import numpy as np

from pipeline import __version__
from pipeline.codebook import Codebook, codebook_from_dict
from pipeline.errors import ConfigError
from pipeline.io import atomic_open, write_json

log = logging.getLogger(__name__)

CARD = "model.json"
WEIGHTS = "weights.npz"
FORMAT_VERSION = 1


def package_versions(names: tuple[str, ...] = ("spacy", "scikit-learn", "numpy", "scipy", "simplemma",
                                               "torch", "transformers")) -> dict[str, str]:
    out = {"python": platform.python_version(), "pipeline": __version__}
    for name in names:
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            continue
    return out


def save_arrays(path: Path, arrays: dict[str, np.ndarray]) -> None:
    with atomic_open(path, "wb") as fh:
        np.savez_compressed(fh, **arrays)


def load_arrays(path: Path) -> dict[str, np.ndarray]:
    """Arrays from an .npz; object arrays are refused, so loading runs no code from the file."""
    with np.load(path, allow_pickle=False) as data:
        return {k: data[k] for k in data.files}


def write_model_dir(path: str | Path, card: dict[str, Any], codebook: Codebook) -> None:
    path = Path(path)
    path.mkdir(parents=True, exist_ok=True)
    card = {"format_version": FORMAT_VERSION, **card, "versions": package_versions()}
    write_json(path / "codebook.json", codebook.to_dict())
    write_json(path / CARD, card)
    with atomic_open(path / "README.md") as fh:
        fh.write(render_card(card))


def read_card(path: str | Path) -> dict[str, Any]:
    path = Path(path)
    card_path = path / CARD
    if not card_path.exists():
        raise ConfigError(path, CARD, "a model folder with model.json (train one with: narratives train)")
    try:
        card = json.loads(card_path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as e:
        raise ConfigError(card_path, "(file)", f"valid JSON ({e.msg})") from None
    if card.get("format_version") != FORMAT_VERSION:
        raise ConfigError(card_path, "format_version",
                          f"{FORMAT_VERSION} (this pipeline's model format); got {card.get('format_version')!r}")
    return card


def model_codebook(path: str | Path) -> Codebook:
    path = Path(path)
    data = json.loads((path / "codebook.json").read_text(encoding="utf-8"))
    return codebook_from_dict(data, str(path / "codebook.json"))


def check_compatibility(path: str | Path, card: dict[str, Any], codebook: Codebook | None) -> None:
    """Fail on a codebook whose codes or rules differ; warn on changed wording or versions."""
    trained = card["codebook"]
    if codebook is not None:
        if codebook.structure_fingerprint() != trained["structure_sha"]:
            missing = sorted(set(codebook.code_ids) - set(trained["codes"]))
            extra = sorted(set(trained["codes"]) - set(codebook.code_ids))
            raise ConfigError(
                path, "codebook",
                f"the codebook the model was trained with ({trained['id']} {trained['version']}); "
                f"the configured codebook {codebook.id} differs in its codes or rules "
                f"(new: {missing or 'none'}, gone: {extra or 'none'}). Retrain with "
                f"narratives train --codebook {codebook.source}")
        if codebook.fingerprint() != trained["sha"]:
            log.warning("%s: the codebook's wording or cues changed since training (same codes); "
                        "predictions use the model as trained", path)
    ours = package_versions()
    theirs = card.get("versions", {})
    if theirs.get("pipeline", "").split(".")[0] != __version__.split(".")[0]:
        raise ConfigError(path, "versions.pipeline",
                          f"a model from pipeline {__version__.split('.')[0]}.x; got {theirs.get('pipeline')}")
    for pkg in ("scikit-learn", "transformers"):
        a, b = theirs.get(pkg), ours.get(pkg)
        if a and b and a.split(".")[:2] != b.split(".")[:2]:
            log.warning("%s: trained with %s %s, running %s %s", path, pkg, a, pkg, b)


_SPLIT_TITLES = {
    "register": "leave-one-register-out: each register (interviews, diaries, meeting reports, field "
                "notes, case files, research reports) predicted by a model trained on the others",
    "writer": "leave-one-writer-out: each writer's documents predicted by a model trained on the "
              "other writers' documents",
    "document": "split by document; within one writer's style this overstates quality on unseen text",
}


def _cv_section(split: str, cv: dict[str, Any]) -> list[str]:
    lines = [f"## Cross-validated scores ({cv['folds']} folds, {_SPLIT_TITLES.get(split, split)})", "",
             "| code | n | precision | recall | F1 | kappa | cue tagger F1 | cue tagger kappa |",
             "|---|---:|---:|---:|---:|---:|---:|---:|"]
    cue = (cv.get("cue_tagger") or {}).get("per_code", {})
    for code, m in cv["per_code"].items():
        c = cue.get(code, {})
        lines.append(f"| {code} | {m['support']} | {m['precision']:.2f} | {m['recall']:.2f} | "
                     f"{m['f1']:.2f} | {m['kappa']:.2f} | {c.get('f1', float('nan')):.2f} | "
                     f"{c.get('kappa', float('nan')):.2f} |")
    macro = cv["macro"]
    lines += ["", f"Macro F1 {macro['f1']:.3f}, macro kappa {macro['kappa']:.3f}"
              + (f" (cue tagger: {cv['cue_tagger']['macro']['kappa']:.3f})" if cv.get("cue_tagger") else "")
              + ".", ""]
    if cv.get("by_group"):
        groups = sorted(cv["by_group"])
        lines += [f"Kappa per held-out {split}, model / cue tagger (* where the model is below the "
                  "cue tagger; blank: fewer than 5 units with the code):", "",
                  "| code | " + " | ".join(groups) + " |", "|---|" + "---:|" * len(groups)]
        for code in cv["per_code"]:
            cells = []
            for g in groups:
                e = cv["by_group"][g]
                if e["support"].get(code, 0) < 5:
                    cells.append("")
                    continue
                m, c = e["model"][code], e.get("cue_tagger", {}).get(code, float("nan"))
                cells.append(f"{m:.2f} / {c:.2f}{' *' if m < c - 1e-9 else ''}")
            lines.append(f"| {code} | " + " | ".join(cells) + " |")
        lines += ["| units | " + " | ".join(str(cv["by_group"][g]["units"]) for g in groups) + " |", ""]
    return lines


def _new_code_section(curve: dict[str, Any]) -> list[str]:
    """The learning curve for a code the model has never seen (bench/few_shot.py)."""
    cols = curve["columns"]
    lines = ["## Learning curve for a new code", "", curve["description"], "",
             "| code | " + " | ".join(cols) + " |", "|---|" + "---:|" * len(cols)]
    for code, row in {**curve["table"], "mean": curve["mean"]}.items():
        lines.append(f"| {code} | " + " | ".join(f"{row[c]:.2f}" if c in row else "" for c in cols) + " |")
    return [*lines, "", curve.get("conclusion", ""), ""]


def render_card(card: dict[str, Any]) -> str:
    """The model card as Markdown for people."""
    cb = card["codebook"]
    lines = [f"# Model card: {card.get('name', 'model')}", "",
             f"- Backend: {card['backend']}",
             f"- Codebook: {cb['id']} {cb['version']} (sha {cb['sha']}, structure {cb['structure_sha']})",
             f"- Training data: {card['data']['units']} units from {card['data']['documents']} documents "
             f"(sha {card['data']['sha']}); sources: {', '.join(card['data'].get('sources', []))}",
             f"- Trained: {card.get('created', '')}",
             "- Versions: " + ", ".join(f"{k} {v}" for k, v in card.get("versions", {}).items()), ""]
    splits = card.get("cv_splits") or ({card["cv"].get("split", "document"): card["cv"]} if card.get("cv") else {})
    if card.get("command"):
        lines += ["Reproduce (training and every table below):", "", "```sh", card["command"], "```", ""]
    for split, cv in splits.items():
        lines += _cv_section(split, cv)
    if card.get("new_code_curve"):
        lines += _new_code_section(card["new_code_curve"])
    if card.get("blend_choice"):
        lines += ["## How far each code trusts the model and the rules", "",
                  "Chosen per code on the inner folds' held-out registers, or writers (where the training "
                  "data name neither, on all out-of-fold units together; `pipeline/classifiers/blend.py`): "
                  "*blend* (model and cue score stacked), *blend or rule* (also every unit the cue rule "
                  "codes), *rule* (the cue tagger alone), whichever has the best kappa without falling "
                  "below the rule on any of them.", "",
                  "| code | chosen |", "|---|---|"]
        lines += [f"| {c} | {v} |" for c, v in card["blend_choice"].items()] + [""]
    lines += ["## Counts per code in the training data", "", "| code | units |", "|---|---:|"]
    lines += [f"| {c} | {n} |" for c, n in card["data"]["counts"].items()]
    if card.get("untrained"):
        lines += ["", "Codes not trained (too few examples): "
                  + ", ".join(f"{c} ({n})" for c, n in card["untrained"].items())]
    lines += ["", "Loading this folder runs no code from it: weights are arrays (numpy .npz without "
              "pickle, or safetensors) and everything else is JSON.", ""]
    return "\n".join(lines)
