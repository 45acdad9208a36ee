"""PDF exports: the text layer of each page, pages separated by a blank line.

Scanned reports have no text layer; we say so (OCR first) rather than return an empty document
that would silently vanish from the analysis.
"""

from __future__ import annotations

import io
from pathlib import Path

from pipeline.errors import InputError
from pipeline.model import Document

from .common import ReaderConfig, base_metadata, doc_id_base, read_bytes
from .text import normalise_text


def read_pdf(path: Path, config: ReaderConfig, root: Path | None) -> list[Document]:
    """Read a PDF with pypdf; files that open with an empty user password are read as usual."""
    from pypdf import PdfReader
    from pypdf.errors import DependencyError, FileNotDecryptedError

    data = read_bytes(path, config.max_bytes)
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            # Only an owner password (printing/copying restrictions) still opens with "".
            try:
                opened = reader.decrypt("")
            except DependencyError:
                # AES needs the optional 'cryptography' package even to try the empty password.
                raise InputError(path, "The PDF is encrypted or password-protected; save a copy "
                                       "without a password.") from None
            if not opened:
                raise InputError(path, "The PDF is password-protected; save a copy without a "
                                       "password.")
        pages = [page.extract_text() or "" for page in reader.pages]
        title = reader.metadata.title if reader.metadata else None
    except FileNotDecryptedError:
        raise InputError(path, "The PDF is password-protected; save a copy without a password.") \
            from None
    except InputError:
        raise
    except Exception as error:  # pypdf signals broken structure with many exception types
        raise InputError(path, "The file is not a valid PDF (corrupt or another format).") \
            from error
    text = "\n\n".join(page for page in map(normalise_text, pages) if page.strip())
    if not text.strip():
        raise InputError(path, "The PDF has no text layer; OCR it first.")
    metadata = base_metadata(path, title=str(title).strip() if title else None)
    metadata["pages"] = len(pages)
    return [Document(doc_id_base(path, root), str(path), text, metadata=metadata)]
