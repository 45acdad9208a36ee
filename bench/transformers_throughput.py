"""Throughput of the transformers backend: training and inference units (and tokens) per second.

Builds a base-size RoBERTa (12 layers, hidden size 768, RobBERT v2's vocabulary size; random
weights, so nothing is downloaded) with a byte-level BPE tokenizer trained on the spot, makes
synthetic units by shuffling sentences of the annotated corpus (corpora/annotated/src/*.txt,
``@@`` code lines dropped; a few built-in sentences where the corpus is absent), and times the
backend's own code paths:

- training: ``transformers.Trainer`` with the backend's ``training_arguments`` (bf16 on a GPU that
  supports it), ``--steps`` optimiser steps after one warm-up step;
- inference: ``TransformersCodeModel.predict_proba_docs`` over all units (tokenisation included),
  after a warm-up batch.

Each figure is the median of ``--repeats`` runs. Prints figures; asserts nothing about them.

    python bench/transformers_throughput.py                       # GPU if visible, else CPU
    python bench/transformers_throughput.py --device cpu --steps 3 --batch-size 8 --max-length 128 --units 64
"""

from __future__ import annotations

import argparse
import platform
import random
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

FALLBACK_SENTENCES = [
    "Toen heb ik besloten om niet meteen Veilig Thuis te bellen, maar eerst zelf met moeder te praten.",
    "Ik twijfelde echt: laat ik haar nog een week met rust of ga ik er morgen gewoon heen?",
    "Uiteindelijk heb ik de betalingsregeling toch maar stopgezet, hoe vervelend ook.",
    "Achteraf had ik de wijkagent eerder moeten inschakelen.",
    "De gemeente heeft besloten het budget voor schuldhulp te halveren.",
    "Mevrouw woont alleen op een boerderijtje en haar dochter woont in Zwolle.",
    "Het gaat om zijn lijf, niet om zijn rapport.",
    "Gezondheid is voor mij meer dan de afwezigheid van ziekte: het gaat om meedoen.",
    "Ik kijk naar de hele mens, niet alleen naar de klacht waarmee hij binnenkomt.",
    "Je moet gewoon doen wat werkt, anders kom je nergens met die wachtlijsten.",
    "Het protocol schrijft voor dat we binnen vijf werkdagen reageren op een melding.",
    "Volgende week is er overleg met de huisarts, de schuldhulpverlener en de wijkverpleging.",
]
ROLES = ["respondent", "interviewer", None]
SECTIONS = ["situatie", "besluit", "reflectie", None]


def corpus_sentences(folder: Path) -> list[str]:
    """Sentences of the annotated corpus texts, without front matter and ``@@`` code lines."""
    sentences: list[str] = []
    for path in sorted(folder.glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        text = re.sub(r"\A---\n.*?\n---\n", "", text, flags=re.DOTALL)
        for line in text.splitlines():
            if line.startswith("@@") or not line.strip():
                continue
            sentences += [s for s in re.split(r"(?<=[.!?])\s+", line.strip()) if len(s) > 3]
    return sentences


def make_units(sentences: list[str], n: int, codes: list[str], seed: int) -> list[Any]:
    """``n`` units of 2-10 shuffled sentences with a role, a section and random codes."""
    from pipeline.training.data import AnnotatedUnit

    rng = random.Random(seed)
    units = []
    for i in range(n):
        text = " ".join(rng.sample(sentences, k=min(len(sentences), rng.randint(2, 10))))
        context = {"role": rng.choice(ROLES), "section": rng.choice(SECTIONS)}
        labels = [c for c in codes if rng.random() < 0.1]
        units.append(AnnotatedUnit(f"u{i}", f"doc{i % 50}", text, labels, context))
    return units


def build_base_model(folder: Path, sentences: list[str], vocab_size: int, tokenizer_vocab: int) -> int:
    """A random base-size RoBERTa and a BPE tokenizer trained on ``sentences``; the parameter count."""
    from transformers import AutoModel, RobertaConfig, set_seed

    from pipeline.classifiers.local_tokenizer import train_roberta_tokenizer

    tokenizer = train_roberta_tokenizer(sentences, tokenizer_vocab, model_max_length=512)
    config = RobertaConfig(vocab_size=max(vocab_size, len(tokenizer)), max_position_embeddings=514,
                           type_vocab_size=1, pad_token_id=1, bos_token_id=0, eos_token_id=2)
    set_seed(0)
    model = AutoModel.from_config(config)
    tokenizer.save_pretrained(folder)
    model.save_pretrained(folder)
    return sum(p.numel() for p in model.parameters())


def device_name(device: str) -> str:
    import torch

    if device.startswith("cuda"):
        return f"{torch.cuda.get_device_name(torch.device(device))} (CUDA {torch.version.cuda})"
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    import os

    return f"{cpu}, {os.cpu_count()} cores, {torch.get_num_threads()} torch threads"


def time_training(model: Any, units: list[Any], steps: int, repeats: int) -> list[dict[str, float]]:
    """Per repeat: units/s and non-padding tokens/s over ``steps`` steps after one warm-up step."""
    import torch
    from datasets import Dataset
    from transformers import DataCollatorWithPadding, Trainer, TrainerCallback
    from transformers.trainer_callback import PrinterCallback

    from pipeline.classifiers.transformers_backend import input_text, training_arguments

    codes = model.codebook.code_ids
    texts = [input_text(u.text, u.context)[0] for u in units]
    enc = model._encode(texts)
    labels = [[float(c in u.codes) for c in codes] for u in units]
    dataset = Dataset.from_dict({"input_ids": enc["input_ids"], "attention_mask": enc["attention_mask"],
                                 "labels": labels})
    pad = DataCollatorWithPadding(model.tokenizer)
    batches: list[tuple[int, int]] = []  # (units, non-padding tokens) per collated batch
    ends: list[float] = []

    def collate(features: list[dict[str, Any]]) -> Any:
        batch = pad(features)
        batches.append((len(features), int(batch["attention_mask"].sum())))
        return batch

    class StepClock(TrainerCallback):
        def on_step_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
            if torch.cuda.is_available() and model.device.startswith("cuda"):
                torch.cuda.synchronize()
            ends.append(time.perf_counter())

    results = []
    for r in range(repeats):
        batches.clear()
        ends.clear()
        with tempfile.TemporaryDirectory() as tmp:
            args = training_arguments(tmp, epochs=1, batch_size=model.params["batch_size"],
                                      learning_rate=3e-5, seed=r, device=model.device,
                                      max_steps=steps + 1)
            trainer = Trainer(model=model.encoder, args=args, train_dataset=dataset,
                              data_collator=collate, callbacks=[StepClock()])
            trainer.remove_callback(PrinterCallback)
            trainer.train()
        seconds = ends[-1] - ends[0]  # from the end of the warm-up step to the end of the last
        n_units = sum(b[0] for b in batches[1:steps + 1])
        n_tokens = sum(b[1] for b in batches[1:steps + 1])
        results.append({"seconds": seconds, "units_per_s": n_units / seconds,
                        "tokens_per_s": n_tokens / seconds})
    return results


def time_inference(model: Any, docs: list[Any], repeats: int) -> list[dict[str, float]]:
    from pipeline.classifiers.transformers_backend import input_text

    tokens = sum(len(ids) for ids in model._encode([input_text(d.text, d._.unit)[0] for d in docs])["input_ids"])
    model.predict_proba_docs(docs[:2 * model.params["batch_size"]])  # warm-up
    results = []
    for _ in range(repeats):
        start = time.perf_counter()
        model.predict_proba_docs(docs)
        seconds = time.perf_counter() - start
        results.append({"seconds": seconds, "units_per_s": len(docs) / seconds,
                        "tokens_per_s": tokens / seconds})
    return results


def median(results: list[dict[str, float]], key: str) -> float:
    return statistics.median(r[key] for r in results)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--device", default=None, help="cuda, cuda:1, cpu (default: cuda if visible)")
    parser.add_argument("--steps", type=int, default=20, help="timed training steps (after 1 warm-up)")
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--max-length", type=int, default=256, help="tokens per unit at most")
    parser.add_argument("--repeats", type=int, default=3, help="runs per figure; the median is shown")
    parser.add_argument("--units", type=int, default=512, help="synthetic units for inference")
    parser.add_argument("--vocab-size", type=int, default=40000,
                        help="embedding rows of the model (RobBERT v2: 40000)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    import torch
    import transformers

    from pipeline.classifiers.transformers_backend import TransformersCodeModel, resolve_device
    from pipeline.codebook import load_codebook
    from pipeline.nlp.language import build_nlp
    from pipeline.nlp.units import make_unit_docs

    transformers.utils.logging.disable_progress_bar()
    device = resolve_device(args.device)
    corpus = ROOT / "corpora" / "annotated" / "src"
    sentences = corpus_sentences(corpus) if corpus.is_dir() else []
    source = f"{len(sentences)} sentences from {corpus.relative_to(ROOT)}"
    if len(sentences) < 20:
        sentences, source = FALLBACK_SENTENCES, f"{len(FALLBACK_SENTENCES)} built-in sentences"
    codebook = load_codebook(ROOT / "configs" / "codebooks" / "default.yaml")
    n_train = args.batch_size * (args.steps + 1)
    units = make_units(sentences, max(args.units, n_train), codebook.code_ids, args.seed)

    with tempfile.TemporaryDirectory(prefix="bench-roberta-") as tmp:
        n_params = build_base_model(Path(tmp), sentences, args.vocab_size, tokenizer_vocab=8000)
        model = TransformersCodeModel(codebook, build_nlp("offline_nl"), base_model=tmp,
                                      batch_size=args.batch_size, max_length=args.max_length,
                                      seed=args.seed, device=device)
        model._load_base()
        model.encoder.to(device)
        bf16 = device.startswith("cuda") and torch.cuda.is_bf16_supported()
        print(f"device      {device}: {device_name(device)}")
        print(f"versions    python {platform.python_version()}, torch {torch.__version__}, "
              f"transformers {transformers.__version__}")
        print(f"model       RoBERTa base, random weights, {n_params / 1e6:.1f} M parameters, "
              f"{len(codebook.code_ids)} codes (configs/codebooks/default.yaml), "
              f"{'bf16 mixed precision' if bf16 else 'fp32'} training")
        print(f"data        {len(units)} synthetic units of 2-10 shuffled sentences ({source})")
        print(f"settings    batch size {args.batch_size}, max length {model.max_length}, "
              f"{args.steps} timed steps after 1 warm-up, median of {args.repeats}")

        train = time_training(model, units[:n_train], args.steps, args.repeats)
        model.encoder.to(device).eval()
        docs = list(make_unit_docs(model.nlp, [u.text for u in units[:args.units]],
                                   [u.context for u in units[:args.units]]))
        infer = time_inference(model, docs, args.repeats)

    print()
    print(f"{'':<10} {'units/s':>10} {'tokens/s':>10} {'s/run':>8}")
    for name, res in (("training", train), ("inference", infer)):
        print(f"{name:<10} {median(res, 'units_per_s'):>10.1f} {median(res, 'tokens_per_s'):>10.0f} "
              f"{median(res, 'seconds'):>8.2f}")
    print(f"(inference: {len(docs)} units, batches of {2 * args.batch_size}, tokenisation included; "
          "tokens are non-padding tokens)")


if __name__ == "__main__":
    main()
