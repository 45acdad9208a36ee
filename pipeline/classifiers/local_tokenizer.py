"""A RoBERTa-style tokenizer trained on texts at hand, with nothing downloaded.

For encoders built from a config (tests, throughput benchmarks, or a researcher pre-training on
their own corpus where no hub is reachable): byte-level BPE with RoBERTa's special tokens and
post-processing, wrapped as a ``PreTrainedTokenizerFast`` that the transformers backend loads
like any saved tokenizer.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

SPECIAL_TOKENS = ["<s>", "<pad>", "</s>", "<unk>", "<mask>"]  # ids 0-4, as RoBERTa has them


def train_roberta_tokenizer(texts: Iterable[str], vocab_size: int, model_max_length: int) -> Any:
    """Byte-level BPE trained on ``texts``; ids: <s>=0, <pad>=1, </s>=2 (RoBERTa's defaults)."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers
    from transformers import PreTrainedTokenizerFast

    bpe = Tokenizer(models.BPE(unk_token="<unk>"))
    bpe.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    bpe.decoder = decoders.ByteLevel()
    bpe.train_from_iterator(texts, trainers.BpeTrainer(
        vocab_size=vocab_size, special_tokens=SPECIAL_TOKENS,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False))
    bpe.post_processor = processors.RobertaProcessing(("</s>", 2), ("<s>", 0), trim_offsets=True,
                                                      add_prefix_space=False)
    return PreTrainedTokenizerFast(
        tokenizer_object=bpe, bos_token="<s>", eos_token="</s>", unk_token="<unk>",
        pad_token="<pad>", mask_token="<mask>", cls_token="<s>", sep_token="</s>",
        model_max_length=model_max_length)
