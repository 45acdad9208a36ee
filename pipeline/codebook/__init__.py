"""Codebooks: the model, YAML loading with validation, and REFI-QDA .qdc exchange."""

from pipeline.codebook.files import load_codebook
from pipeline.codebook.loading import codebook_from_dict
from pipeline.codebook.model import Code, Codebook, Cue, Group
from pipeline.codebook.qdc import read_qdc, write_qdc

__all__ = ["Code", "Codebook", "Cue", "Group", "codebook_from_dict", "load_codebook", "read_qdc",
           "write_qdc"]
