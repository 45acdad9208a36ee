"""The transformers backend: one fine-tuned Dutch encoder (RobBERT by default) for a whole codebook.

One multi-label head over every code of the codebook, trained with ``transformers.Trainer``. The
encoder reads the unit text with its context in front in a compact form
(``"[respondent | reflectie] " + text``), so it sees the role and section the sklearn backend sees
as features. The codebook's rules (one code per single-choice group, ``requires``) are applied at
``assign`` time by the base class, so the head simply learns every code on every unit.

Thresholds: with at least five documents, a share of the documents (split by document, by seed) is
held out, one threshold per code is tuned on their probabilities, and the model trained on the
rest is kept. Evidence for a suggestion is the cue matches plus the words with the highest
gradient x input saliency for that code's logit, with character offsets into the unit text.

A saved model is ``encoder/`` (config JSON, safetensors weights, tokenizer JSON) beside the card
files of every model folder; loading refuses pickled weights and never runs code from the folder.
"""

from __future__ import annotations

import contextlib
import inspect
import logging
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import torch
import transformers
from spacy.lang.nl.stop_words import STOP_WORDS
from spacy.language import Language
from spacy.tokens import Doc
from transformers import (
    AutoModelForSequenceClassification,
    AutoTokenizer,
    DataCollatorWithPadding,
    PreTrainedModel,
    PreTrainedTokenizerBase,
    Trainer,
    TrainingArguments,
)
from transformers.trainer_callback import PrinterCallback

from pipeline.classifiers.base import CodeModel, as_unit_docs
from pipeline.classifiers.persistence import (
    check_compatibility,
    model_codebook,
    read_card,
    write_model_dir,
)
from pipeline.codebook import Codebook
from pipeline.errors import ConfigError
from pipeline.training.data import AnnotatedUnit

log = logging.getLogger(__name__)

ENCODER = "encoder"
WEIGHTS_FILE = "model.safetensors"
TOKENIZER_FILE = "tokenizer.json"
# Weight formats that torch/pickle would have to unpickle: never loaded, the folder is refused.
PICKLED = (".bin", ".pt", ".pth", ".pkl", ".pickle", ".ckpt", ".joblib")
MIN_DOCUMENTS_FOR_VALIDATION = 5
THRESHOLDS = np.round(np.arange(0.15, 0.851, 0.05), 2)
TOP_TOKENS = 5
MAX_CONTEXT_CHARS = 60  # a report's section can be a whole heading


def input_text(text: str, context: dict[str, Any] | None) -> tuple[str, int]:
    """The encoder's input: ``"[role | section] "`` + text, and where the unit text starts."""
    context = context or {}
    parts = [str(context[k]).strip()[:MAX_CONTEXT_CHARS]
             for k in ("role", "section") if context.get(k)]
    prefix = f"[{' | '.join(parts)}] " if parts else ""
    return prefix + text, len(prefix)


def resolve_device(device: str | None) -> str:
    """``device`` as given, or cuda when a GPU is visible, else cpu."""
    if device:
        return device
    return "cuda" if torch.cuda.is_available() else "cpu"


def training_arguments(output_dir: str | Path, *, epochs: float, batch_size: int,
                       learning_rate: float, seed: int, device: str,
                       total_steps: int | None = None, **overrides: Any) -> TrainingArguments:
    """The Trainer settings the backend trains with (also used by bench/transformers_throughput.py).

    Nothing is saved or reported anywhere; the learning rate warms up over the first tenth of the
    steps; bf16 mixed precision where the GPU supports it.
    """
    on_gpu = device.startswith("cuda")
    warmup = int(0.1 * total_steps) if total_steps else 0
    kwargs: dict[str, Any] = {
        "output_dir": str(output_dir), "num_train_epochs": epochs,
        "per_device_train_batch_size": batch_size, "per_device_eval_batch_size": batch_size,
        "learning_rate": learning_rate, "weight_decay": 0.01, "warmup_steps": warmup, "seed": seed,
        "data_seed": seed, "report_to": [], "save_strategy": "no", "eval_strategy": "no",
        "logging_strategy": "no", "log_level": "warning", "disable_tqdm": True,
        "use_cpu": not on_gpu, "bf16": on_gpu and torch.cuda.is_bf16_supported(),
        "dataloader_pin_memory": on_gpu, "dataloader_num_workers": 0}
    kwargs.update(overrides)
    return TrainingArguments(**kwargs)


@contextlib.contextmanager
def _quiet_transformers() -> Iterator[None]:
    """Load reports and progress bars off: a base model's missing head is expected, not news."""
    verbosity = transformers.logging.get_verbosity()
    bars = transformers.utils.logging.is_progress_bar_enabled()
    transformers.logging.set_verbosity_error()
    transformers.utils.logging.disable_progress_bar()
    try:
        yield
    finally:
        transformers.logging.set_verbosity(verbosity)
        if bars:
            transformers.utils.logging.enable_progress_bar()


class TransformersCodeModel(CodeModel):
    backend = "transformers"

    def __init__(self, codebook: Codebook, nlp: Language | None = None, *,
                 base_model: str = "pdelobelle/robbert-v2-dutch-base", epochs: float = 4,
                 batch_size: int = 16, learning_rate: float = 3e-5, max_length: int = 256,
                 seed: int = 0, validation_fraction: float = 0.15,
                 device: str | None = None) -> None:
        super().__init__(codebook, nlp)
        if not 0 <= validation_fraction < 1:
            raise ConfigError("params", "validation_fraction",
                              f"a number in [0, 1); got {validation_fraction!r}")
        self.params = {"base_model": base_model, "epochs": epochs, "batch_size": batch_size,
                       "learning_rate": learning_rate, "max_length": max_length, "seed": seed,
                       "validation_fraction": validation_fraction, "device": device}
        self.device = resolve_device(device)
        self.encoder: PreTrainedModel | None = None
        self.tokenizer: PreTrainedTokenizerBase | None = None
        self.untrained: dict[str, int] = {}

    # -- encoder ------------------------------------------------------------------------------
    def _load_base(self) -> None:
        """The base encoder with a fresh multi-label head over the codebook's codes."""
        name = self.params["base_model"]
        local = Path(name).exists()
        codes = self.codebook.code_ids
        with _quiet_transformers():
            try:
                tokenizer = AutoTokenizer.from_pretrained(name, local_files_only=local,
                                                          trust_remote_code=False)
                transformers.set_seed(self.params["seed"])  # the new head's initial weights
                encoder = AutoModelForSequenceClassification.from_pretrained(
                    name, local_files_only=local, trust_remote_code=False, num_labels=len(codes),
                    id2label=dict(enumerate(codes)), label2id={c: i for i, c in enumerate(codes)},
                    problem_type="multi_label_classification", ignore_mismatched_sizes=True)
            except (OSError, ValueError) as e:  # not found, no network, no model files in it
                raise ConfigError(name, "base_model", "a folder with a downloaded encoder "
                                  "(config.json, weights, tokenizer.json), or a hub name this "
                                  f"machine can reach, e.g. --base-model ./robbert-v2-dutch-base "
                                  f"({e})") from None
        if not tokenizer.is_fast:
            raise ConfigError(name, "tokenizer", "a base model with a fast tokenizer "
                              "(tokenizer.json); evidence needs its character offsets")
        if tokenizer.pad_token is None and tokenizer.eos_token is not None:
            tokenizer.pad_token = tokenizer.eos_token
        encoder.config.pad_token_id = tokenizer.pad_token_id
        self.tokenizer, self.encoder = tokenizer, encoder

    @property
    def max_length(self) -> int:
        """The configured length, capped by what the tokenizer (position embeddings) allows."""
        assert self.tokenizer is not None
        limit = self.tokenizer.model_max_length  # a huge number where the tokenizer sets none
        wanted = self.params["max_length"]
        return min(wanted, limit) if limit and limit < 1_000_000 else wanted

    def _encode(self, texts: list[str], **kwargs: Any) -> Any:
        assert self.tokenizer is not None
        return self.tokenizer(texts, truncation=True, max_length=self.max_length, **kwargs)

    # -- fitting ------------------------------------------------------------------------------
    def unit_docs(self, units: list[AnnotatedUnit]) -> list[Doc]:
        docs, _ = as_unit_docs(self.nlp, [{"text": u.text, "context": u.context} for u in units])
        return docs

    def fit(self, units: list[AnnotatedUnit],
            docs: list[Doc] | None = None) -> TransformersCodeModel:
        """Fine-tune on ``units`` (or on their unit ``docs`` where given, for the same context)."""
        if docs is not None:
            inputs = [input_text(d.text, d._.unit) for d in docs]
        else:
            inputs = [input_text(u.text, u.context) for u in units]
        texts = [t for t, _ in inputs]
        codes = self.codebook.code_ids
        labels = np.array([[float(c in u.codes) for c in codes] for u in units], dtype=np.float32)
        train_idx, val_idx = self._split([u.doc_id for u in units])
        self._load_base()
        loss = self._train([texts[i] for i in train_idx], labels[train_idx])
        positives = labels[train_idx].sum(axis=0)
        totals = labels.sum(axis=0)
        self.untrained = {c: int(totals[j]) for j, c in enumerate(codes) if positives[j] == 0}
        for c, n in self.untrained.items():
            log.warning("code %s not trained: no positive unit in the training part "
                        "(%d in all data)", c, n)
        self.thresholds = dict.fromkeys(codes, 0.5)
        validation: dict[str, Any] = {"documents": 0, "units": 0}
        if len(val_idx):
            probs = self._probabilities([texts[i] for i in val_idx])
            f1s = {}
            for j, c in enumerate(codes):
                if c in self.untrained or labels[val_idx, j].sum() == 0:
                    continue  # nothing to tune on: keep 0.5
                self.thresholds[c], f1s[c] = _best_threshold(labels[val_idx, j], probs[:, j])
            validation = {"documents": len({units[i].doc_id for i in val_idx}),
                          "units": len(val_idx), "f1_at_threshold": f1s}
        self.card = self._card(units, len(train_idx), validation, loss)
        return self

    def _split(self, doc_ids: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """Unit indices for training and for tuning thresholds (whole documents, by seed)."""
        everything = np.arange(len(doc_ids))
        documents = sorted(set(doc_ids))
        frac = self.params["validation_fraction"]
        if len(documents) < MIN_DOCUMENTS_FOR_VALIDATION or frac <= 0:
            return everything, everything[:0]
        rng = np.random.default_rng(self.params["seed"])
        n_val = min(len(documents) - 1, max(1, round(frac * len(documents))))
        held_out = set(rng.permutation(documents)[:n_val].tolist())
        val = np.array([i for i, d in enumerate(doc_ids) if d in held_out], dtype=int)
        train = np.array([i for i, d in enumerate(doc_ids) if d not in held_out], dtype=int)
        return train, val

    def _train(self, texts: list[str], labels: np.ndarray) -> float:
        from datasets import Dataset

        assert self.encoder is not None and self.tokenizer is not None
        enc = self._encode(texts)
        dataset = Dataset.from_dict({"input_ids": enc["input_ids"],
                                     "attention_mask": enc["attention_mask"],
                                     "labels": labels.tolist()})
        p = self.params
        steps_per_epoch = -(-len(texts) // p["batch_size"])
        with tempfile.TemporaryDirectory(prefix="narratives-trainer-") as tmp:
            args = training_arguments(tmp, epochs=p["epochs"], batch_size=p["batch_size"],
                                      learning_rate=p["learning_rate"], seed=p["seed"],
                                      device=self.device,
                                      total_steps=int(steps_per_epoch * p["epochs"]))
            trainer = Trainer(model=self.encoder, args=args, train_dataset=dataset,
                              data_collator=DataCollatorWithPadding(self.tokenizer))
            trainer.remove_callback(PrinterCallback)
            result = trainer.train()
        log.info("trained %s for %s epochs on %d units: loss %.4f", p["base_model"], p["epochs"],
                 len(texts), result.training_loss)
        self.encoder.to(self.device).eval()
        return float(result.training_loss)

    def _card(self, units: list[AnnotatedUnit], n_train: int, validation: dict[str, Any],
              loss: float) -> dict[str, Any]:
        assert self.encoder is not None
        card = self.base_card(units, self.untrained)
        card["data"].update(training_units=n_train, validation=validation)
        return {**card,
            "encoder": {"base_model": self.params["base_model"],
                        "model_type": self.encoder.config.model_type,
                        "parameters": int(sum(t.numel() for t in self.encoder.parameters())),
                        "max_length": self.max_length, "training_loss": round(loss, 6)},
        }

    # -- prediction ---------------------------------------------------------------------------
    def _batches(self, texts: list[str]) -> Iterator[tuple[np.ndarray, dict[str, torch.Tensor]]]:
        """(indices, tensors on the device) per batch, shortest texts first to pad little."""
        order = np.argsort([len(t) for t in texts], kind="stable")
        size = max(1, 2 * self.params["batch_size"])
        for start in range(0, len(order), size):
            idx = order[start:start + size]
            enc = self._encode([texts[i] for i in idx], padding=True, return_tensors="pt")
            yield idx, {k: enc[k].to(self.device) for k in ("input_ids", "attention_mask")}

    def _probabilities(self, texts: list[str]) -> np.ndarray:
        """Sigmoid of the head's logits, one row per text, one column per code."""
        assert self.encoder is not None, "the model is not trained: call fit or load"
        out = np.zeros((len(texts), len(self.codebook.code_ids)), dtype=np.float64)
        self.encoder.eval()
        with torch.no_grad():
            for idx, batch in self._batches(texts):
                logits = self.encoder(**batch).logits.float()
                out[idx] = torch.sigmoid(logits).cpu().numpy()
        return out

    def predict_proba_docs(self, docs: list[Doc]) -> list[dict[str, float]]:
        codes = self.codebook.code_ids
        if not docs:
            return []
        probs = self._probabilities([input_text(d.text, d._.unit)[0] for d in docs])
        # Codes without a single positive example are not predicted, as in the sklearn backend.
        return self.silence_uncoded_roles(docs, [{c: 0.0 if c in self.untrained else float(row[j])
                                                  for j, c in enumerate(codes)} for row in probs])

    def explain_docs(self, docs: list[Doc],
                     codes: list[list[str]]) -> list[dict[str, list[dict[str, Any]]]]:
        """Cue matches, then up to five words of the unit with the highest gradient x input."""
        out = []
        for doc, assigned in zip(docs, codes):
            cues = self.cue_evidence(doc)
            out.append({c: list(cues.get(c, [])) for c in assigned})
        todo = [i for i, assigned in enumerate(codes) if assigned]
        size = max(1, self.params["batch_size"])
        for start in range(0, len(todo), size):
            chunk = todo[start:start + size]
            words = self._saliency([docs[i] for i in chunk], [codes[i] for i in chunk])
            for i, per_code in zip(chunk, words):
                for code, items in per_code.items():
                    out[i][code].extend(items)
        return out

    def _saliency(self, docs: list[Doc],
                  codes: list[list[str]]) -> list[dict[str, list[dict[str, Any]]]]:
        """Per unit and assigned code: the unit's words with the highest gradient x input."""
        assert self.encoder is not None
        inputs = [input_text(d.text, d._.unit) for d in docs]
        enc = self._encode([t for t, _ in inputs], padding=True, return_tensors="pt",
                           return_offsets_mapping=True, return_special_tokens_mask=True)
        captured: list[torch.Tensor] = []
        hook = self.encoder.get_input_embeddings().register_forward_hook(
            lambda _module, _args, output: captured.append(output))
        self.encoder.eval()
        try:
            with torch.enable_grad():
                logits = self.encoder(input_ids=enc["input_ids"].to(self.device),
                                      attention_mask=enc["attention_mask"].to(self.device)).logits
                embeddings = captured[0]
                index = {c: j for j, c in enumerate(self.codebook.code_ids)}
                wanted = sorted({c for assigned in codes for c in assigned}, key=index.__getitem__)
                scores: dict[str, np.ndarray] = {}
                for n, code in enumerate(wanted):
                    # Units are independent in eval mode: the sum's gradient is each unit's own.
                    (grad,) = torch.autograd.grad(logits[:, index[code]].sum(), embeddings,
                                                  retain_graph=n < len(wanted) - 1)
                    scores[code] = (grad * embeddings).sum(-1).detach().float().cpu().numpy()
        finally:
            hook.remove()
        offsets = enc["offset_mapping"].numpy()
        usable = (enc["attention_mask"].numpy() == 1) & (enc["special_tokens_mask"].numpy() == 0)
        out = []
        for b, (doc, assigned) in enumerate(zip(docs, codes)):
            prefix = inputs[b][1]
            word_ids = enc.word_ids(b)
            ev = {}
            for code in assigned:
                ev[code] = _top_words(doc.text, prefix, offsets[b], usable[b], word_ids,
                                      scores[code][b])
            out.append(ev)
        return out

    # -- persistence --------------------------------------------------------------------------
    def save(self, path: str | Path) -> None:
        assert self.encoder is not None and self.tokenizer is not None, "call fit before save"
        path = Path(path)
        target = path / ENCODER
        if target.exists():
            shutil.rmtree(target)  # no stale weights from an earlier model beside the new ones
        target.mkdir(parents=True)
        with _quiet_transformers():
            self.encoder.save_pretrained(target, **_safetensors_kwargs(self.encoder))
            self.tokenizer.save_pretrained(target)
        _check_safe_folder(path)
        card = {**self.card, "untrained": self.untrained, "thresholds": self.thresholds}
        write_model_dir(path, card, self.codebook)

    @classmethod
    def load(cls, path: str | Path, codebook: Codebook | None = None, nlp: Language | None = None,
             device: str | None = None) -> TransformersCodeModel:
        """A saved model; refuses pickled weights, runs no code from the folder.

        ``device`` None picks cuda when a GPU is visible, whatever device the model trained on.
        """
        path = Path(path)
        card = read_card(path)
        if card.get("backend") != cls.backend:
            raise ConfigError(path / "model.json", "backend",
                              f"'{cls.backend}' for this loader; got {card.get('backend')!r} "
                              "(use pipeline.classifiers.loading.load_model)")
        check_compatibility(path, card, codebook)
        _check_safe_folder(path)
        cb = model_codebook(path)
        model = cls(cb, nlp, **{**card["params"], "device": device})
        encoder_dir = path / ENCODER
        with _quiet_transformers():
            model.tokenizer = AutoTokenizer.from_pretrained(encoder_dir, local_files_only=True,
                                                            trust_remote_code=False)
            model.encoder = AutoModelForSequenceClassification.from_pretrained(
                encoder_dir, local_files_only=True, use_safetensors=True, trust_remote_code=False)
        labels = [model.encoder.config.id2label[i] for i in range(model.encoder.config.num_labels)]
        if labels != cb.code_ids:
            raise ConfigError(encoder_dir / "config.json", "id2label",
                              f"the codes of codebook.json in this order "
                              f"({', '.join(cb.code_ids)}); got {', '.join(map(str, labels))}. "
                              "The folder is inconsistent: retrain it")
        model.encoder.to(model.device).eval()
        model.thresholds = {k: float(v) for k, v in card.get("thresholds", {}).items()}
        model.untrained = {k: int(v) for k, v in card.get("untrained", {}).items()}
        model.card = card
        return model


def _safetensors_kwargs(model: PreTrainedModel) -> dict[str, Any]:
    """transformers 4.x takes ``safe_serialization``; 5.x writes safetensors only and dropped it."""
    params = inspect.signature(model.save_pretrained).parameters
    return {"safe_serialization": True} if "safe_serialization" in params else {}


def _check_safe_folder(path: Path) -> None:
    """Only safetensors weights and a tokenizer JSON; any pickled file makes the folder refused."""
    pickled = sorted(str(p.relative_to(path)) for p in path.rglob("*")
                     if p.suffix.lower() in PICKLED)
    if pickled:
        raise ConfigError(path, ENCODER,
                          f"safetensors weights only; found {', '.join(pickled)}, which loading "
                          "would have to unpickle (that can run code). Remove those files, or "
                          "retrain with narratives train --backend transformers")
    encoder = path / ENCODER
    weights = list(encoder.glob("*.safetensors"))
    for name in ("config.json", TOKENIZER_FILE):
        if not (encoder / name).is_file():
            raise ConfigError(encoder, name, "the file in a transformers model folder (config, "
                              "model.safetensors, tokenizer.json); retrain with narratives train")
    if not weights:
        raise ConfigError(encoder, WEIGHTS_FILE, "safetensors weights in the encoder folder; none "
                          "found. Retrain with narratives train --backend transformers")


def _best_threshold(y: np.ndarray, p: np.ndarray) -> tuple[float, float]:
    """The threshold in 0.15..0.85 with the highest F1 (the lowest of equals), and that F1."""
    best_t, best_f = 0.5, -1.0
    positives = y.sum()
    for t in THRESHOLDS:
        pred = p >= t
        tp = float((pred & (y == 1)).sum())
        denom = pred.sum() + positives
        f = 2 * tp / denom if denom else 0.0
        if f > best_f + 1e-9:
            best_t, best_f = float(t), f
    return best_t, round(best_f, 4)


def _top_words(text: str, prefix: int, offsets: np.ndarray, usable: np.ndarray,
               word_ids: list[int | None], saliency: np.ndarray) -> list[dict[str, Any]]:
    """Sub-word saliency summed per word of the unit text; the highest ones, as evidence."""
    spans: dict[int, list[float]] = {}
    for t, word in enumerate(word_ids):
        start, end = int(offsets[t][0]), int(offsets[t][1])
        if word is None or not usable[t] or end <= start or start < prefix:
            continue
        span = spans.setdefault(word, [start, end, 0.0])
        span[0], span[1] = min(span[0], start), max(span[1], end)
        span[2] += float(saliency[t])
    best = sorted(spans.values(), key=lambda s: -s[2])
    # Words that pushed the logit up, content words before function words ("ik", "met": they
    # tell a coder nothing, as in the sklearn backend's evidence); where none did (the code then
    # rests on the context prefix and the head's bias), still the one that came closest, so
    # every suggestion points into the text.
    up = [s for s in best if s[2] > 0]
    plain = [_is_function_word(text[int(s[0]) - prefix:int(s[1]) - prefix]) for s in up]
    keep = ([s for s, f in zip(up, plain) if not f] + [s for s, f in zip(up, plain) if f])[:TOP_TOKENS] or best[:1]
    items = []
    for start, end, weight in keep:
        s, e = int(start) - prefix, int(end) - prefix
        items.append({"source": "model", "feature": "token", "text": text[s:e], "start": s,
                      "end": e, "weight": float(f"{weight:.4g}")})
    return items


def _is_function_word(word: str) -> bool:
    return word.strip(".,;:!?\"'()[]").lower() in STOP_WORDS
