"""Pre-coding of Dutch professional narratives for qualitative researchers."""

from pipeline._startup import import_spacy_cli_on_demand, keep_torch_out_of_spacy

__version__ = "0.1.0"

keep_torch_out_of_spacy()
import_spacy_cli_on_demand()
