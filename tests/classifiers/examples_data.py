"""A tiny RoBERTa built on the spot, so the transformers backend is tested offline in seconds.

The tokenizer is a byte-level BPE trained on the sentences below; the encoder has random weights
(hidden size 32, two layers). Both are saved as a local "base model" folder, the way a user
points ``--base-model`` at a downloaded RobBERT.
"""

from __future__ import annotations

from pathlib import Path

SENTENCES = [
    "Toen heb ik besloten om niet meteen Veilig Thuis te bellen.",
    "Ik twijfelde echt of ik er morgen heen moest gaan.",
    "Uiteindelijk heb ik de betalingsregeling toch maar stopgezet.",
    "We kozen ervoor om eerst zelf met moeder te praten.",
    "Ik heb de wijkagent erbij gehaald, omdat het niet veilig voelde.",
    "De gemeente heeft besloten het budget te halveren.",
    "Bij ons in het team gaat besluitvorming vaak heel snel.",
    "Mevrouw K. woont alleen en heeft weinig contact met haar familie.",
    "De cliënt vertelde dat hij slecht slaapt en nauwelijks eet.",
    "Het protocol schrijft voor dat we binnen vijf dagen reageren.",
    "Mijn leidinggevende vond dat ik het dossier moest sluiten.",
    "Hij wil vooral zijn plek in het elftal niet kwijtraken.",
    "Gezondheid is voor mij meer dan de afwezigheid van ziekte.",
    "Ik kijk naar de hele mens, niet alleen naar de klacht.",
    "Je moet gewoon doen wat werkt, anders kom je nergens.",
    "Volgende week is er overleg met de huisarts en de schuldhulp.",
    "Het wachtlijstbeleid van de organisatie maakt het lastig.",
    "Ze heeft schulden bij de zorgverzekeraar en de woningcorporatie.",
    "Achteraf had ik de wijkagent eerder moeten inschakelen.",
    "Ik heb het nog even laten rusten, want ze was er niet aan toe.",
    "Hoe begon het contact met deze cliënt eigenlijk?",
    "Kunt u daar iets meer over vertellen?",
    "Dat was een zware week voor iedereen in het wijkteam.",
    "Hij krijgt nu een uitkering en woont bij zijn zus.",
    "respondent interviewer reflectie besluit situatie dagboek",
]


def build_base_model(folder: Path, texts: list[str], vocab_size: int = 600) -> Path:
    """Train a byte-level BPE on ``texts``, add a random tiny RoBERTa, save both in ``folder``."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers
    from transformers import AutoModel, PreTrainedTokenizerFast, RobertaConfig

    specials = ["<s>", "<pad>", "</s>", "<unk>", "<mask>"]
    bpe = Tokenizer(models.BPE(unk_token="<unk>"))
    bpe.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    bpe.decoder = decoders.ByteLevel()
    bpe.train_from_iterator(texts, trainers.BpeTrainer(
        vocab_size=vocab_size, special_tokens=specials,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet()))
    bpe.post_processor = processors.RobertaProcessing(("</s>", 2), ("<s>", 0), trim_offsets=True,
                                                      add_prefix_space=False)
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=bpe, bos_token="<s>", eos_token="</s>", unk_token="<unk>",
        pad_token="<pad>", mask_token="<mask>", cls_token="<s>", sep_token="</s>",
        model_max_length=128)
    config = RobertaConfig(vocab_size=len(tokenizer), hidden_size=32, num_hidden_layers=2,
                           num_attention_heads=2, intermediate_size=64,
                           max_position_embeddings=130, type_vocab_size=1, hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0, pad_token_id=1,
                           bos_token_id=0, eos_token_id=2)
    folder.mkdir(parents=True, exist_ok=True)
    tokenizer.save_pretrained(folder)
    AutoModel.from_config(config).save_pretrained(folder)
    return folder


def small_codebook():
    return codebook_from_dict(SMALL_CODEBOOK, "<test>")


def small_units() -> list[AnnotatedUnit]:
    units = []
    for i, (text, codes) in enumerate(EXAMPLES):
        doc_id = f"doc{i % 5}"
        units.append(AnnotatedUnit(f"{doc_id}:{i}", doc_id, text, codes, {"role": "respondent"}))
    return units
