"""Plain text: decoding bytes and the one text normalisation every reader shares.

All offsets downstream point into ``Document.text``, so every reader must hand out text in the same
canonical form; :func:`normalise_text` is the only place that form is defined.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterator
from pathlib import Path

from charset_normalizer import from_bytes

from pipeline.errors import InputError
from pipeline.model import Document

from .common import ReaderConfig, base_metadata, doc_id_base, read_bytes

# Line breaks other than LF that str.splitlines() also honours: mapping them to LF keeps line
# indices (line_timestamps) the same whichever way a consumer splits the text.
_LINE_BREAKS = {"\r\n": "\n", "\r": "\n", "\v": "\n", "\f": "\n",
                "\x85": "\n", "\u2028": "\n", "\u2029": "\n"}
_LINE_BREAK_RE = re.compile("|".join(re.escape(k) for k in _LINE_BREAKS))
_SPACES = {"\u00a0": " ", "\u202f": " ", "\u2007": " "}
# Every Cc character except tab and LF, plus U+FEFF (a BOM anywhere is noise, and removing it
# everywhere rather than only at the start keeps the function idempotent).
_CONTROL_RE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ufeff]")
_TRAILING_SPACE_RE = re.compile(r"[^\S\n]+$", re.MULTILINE)
_BLANK_RUN_RE = re.compile(r"\n{4,}")

# Encodings that Dutch files realistically come in when they are not UTF-8. DOS (cp850) and
# Mac Roman are left out on purpose: on short texts charset-normalizer picks them for cp1252 bytes.
_WESTERN_ENCODINGS = ["cp1252", "iso8859_15"]
# More C0 control characters than this share of the text (and more than a stray few) means the
# file is not text.
_MAX_CONTROL_SHARE = 0.01
_MIN_CONTROLS = 8
_BOMS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
         (codecs.BOM_UTF8, "utf-8-sig"),
         (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))


def normalise_text(text: str) -> str:
    """Bring text into the canonical form all offsets refer to (LF lines, no BOM, no controls).

    Steps: strip BOMs, CRLF/CR (and other line separators) -> LF, no-break spaces -> space, remove
    other control characters except newline and tab, trim trailing whitespace on each line,
    collapse three or more blank lines to two, strip leading and trailing blank lines.
    Idempotent: ``normalise_text(normalise_text(t)) == normalise_text(t)``.
    """
    text = _LINE_BREAK_RE.sub(lambda m: _LINE_BREAKS[m.group()], text)
    for space, replacement in _SPACES.items():
        text = text.replace(space, replacement)
    text = _CONTROL_RE.sub("", text)
    text = _TRAILING_SPACE_RE.sub("", text)
    text = _BLANK_RUN_RE.sub("\n\n\n", text)
    return text.strip("\n")


def one_line(text: str) -> str:
    """Normalise text and fold it onto a single line (a turn in a subtitle or table file)."""
    return " ".join(normalise_text(text).split())


def decode_bytes(data: bytes, source: Path, config: ReaderConfig) -> tuple[str, str]:
    """Decode the bytes of a text file and return (text, encoding name).

    Order: a byte-order mark decides; then the first configured encoding (UTF-8) strictly; then
    charset-normalizer's guess among Western encodings; then the other configured encodings.
    NUL bytes (without a UTF-16/32 BOM) or many control characters mean a binary file.
    """
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                text = data.decode(encoding)
                return _check_not_binary(text, source), encoding.removesuffix("-sig")
            except UnicodeDecodeError:
                raise InputError(source, f"The file starts with a {encoding} byte-order mark "
                                         "but is not valid text in that encoding.") from None
    if b"\x00" in data:
        raise InputError(source, "The file holds binary data (NUL bytes), not text.")
    for encoding in _candidate_encodings(data, config.encodings or ("utf-8",)):
        try:
            text = data.decode(encoding)
        except (UnicodeDecodeError, LookupError):
            continue
        return _check_not_binary(text, source), codecs.lookup(encoding).name
    raise InputError(source, "The file could not be decoded as text in any expected encoding "
                             f"({', '.join(config.encodings)}).")


def _candidate_encodings(data: bytes, configured: tuple[str, ...]) -> Iterator[str]:
    """The first configured encoding, then charset-normalizer's guess (asked lazily), the rest."""
    yield configured[0]
    best = from_bytes(data[:200_000], cp_isolation=_WESTERN_ENCODINGS).best()
    if best is not None:
        yield best.encoding
    yield from configured[1:]


def _check_not_binary(text: str, source: Path) -> str:
    """Refuse text that is mostly control characters: a binary file that happened to decode."""
    controls = sum(1 for ch in text if ch < " " and ch not in "\t\n\r\f")
    if controls > _MIN_CONTROLS and controls / len(text) > _MAX_CONTROL_SHARE:
        raise InputError(source, "The file holds binary data, not text.")
    return text


def read_text(path: Path, config: ReaderConfig, root: Path | None) -> list[Document]:
    """Read a .txt/.md/.text file as one document; a Markdown title comes from its first heading."""
    data = read_bytes(path, config.max_bytes)
    raw, encoding = decode_bytes(data, path, config)
    text = normalise_text(raw)
    if not text.strip():
        raise InputError(path, "The file contains no text.")
    metadata = base_metadata(path, encoding=encoding)
    if path.suffix.lower() == ".md":
        heading = re.search(r"^#\s+(.+?)\s*#*\s*$", text, re.MULTILINE)
        if heading:
            metadata["title"] = heading.group(1)
    return [Document(doc_id_base(path, root), str(path), text, metadata=metadata)]
