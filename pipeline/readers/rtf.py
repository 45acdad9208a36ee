"""Rich Text Format (.rtf): what older transcription tools (f4transkript among them) and WordPad
save. The text with striprtf; characters escaped in the file's ANSI code page are decoded in it.
"""

from __future__ import annotations

import re
from pathlib import Path

from pipeline.errors import InputError
from pipeline.model import Document

from .common import ReaderConfig, base_metadata, doc_id_base, read_bytes
from .text import normalise_text

_CODE_PAGE = re.compile(rb"\\ansicpg(\d{3,5})")


def read_rtf(path: Path, config: ReaderConfig, root: Path | None) -> list[Document]:
    from striprtf.striprtf import rtf_to_text

    data = read_bytes(path, config.max_bytes)
    if not data.lstrip().startswith(b"{\\rtf"):
        raise InputError(path, "The file is not a valid .rtf file (it must start with '{\\rtf').")
    match = _CODE_PAGE.search(data[:4096])
    encoding = f"cp{match.group(1).decode()}" if match else "cp1252"
    try:
        "".encode(encoding)
    except LookupError:
        encoding = "cp1252"
    try:
        # RTF is 7-bit text with escapes; bytes above 127 that some writers leave in are in
        # the code page too.
        text = rtf_to_text(data.decode(encoding, errors="replace"), encoding=encoding, errors="replace")
    except (RecursionError, ValueError, IndexError) as error:
        raise InputError(path, "The .rtf file is malformed and cannot be read.") from error
    text = normalise_text(text)
    if not text.strip():
        raise InputError(path, "The document contains no text.")
    return [Document(doc_id_base(path, root), str(path), text, metadata=base_metadata(path, encoding=encoding))]
