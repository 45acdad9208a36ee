"""What every reader needs: the config, safe reading of bytes, doc ids and container checks.

Kept apart from ``__init__`` so format modules can import it without a circular import.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline.errors import InputError

OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_TIME_RE = re.compile(r"^\[?\s*(?:(\d{1,3}):)?(\d{1,2}):(\d{2})(?:[.,]\d+)?\s*\]?$")


@dataclass
class ReaderConfig:
    """How to read tables, and limits that protect a batch run from huge or odd files.

    ``table_id_column``: rows with the same id form one document (turns in file order); None means
    each row is its own document. Column names are matched case-insensitively.
    """

    table_text_column: str = "text"
    table_id_column: str | None = None
    table_speaker_column: str = "speaker"
    table_role_column: str = "role"
    table_kind_column: str = "kind"
    max_bytes: int = 200_000_000
    encodings: tuple[str, ...] = ("utf-8", "cp1252")


def read_bytes(path: Path, max_bytes: int) -> bytes:
    """Read a whole file, turning OS problems and size violations into one-sentence InputErrors."""
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise InputError(path, f"The file is larger than the limit of {max_bytes} bytes.")
        if size == 0:
            raise InputError(path, "The file is empty.")
        with path.open("rb") as handle:
            data = handle.read(max_bytes + 1)
    except FileNotFoundError:
        raise InputError(path, "The file does not exist.") from None
    except PermissionError:
        raise InputError(path, "The file cannot be read (permission denied).") from None
    except IsADirectoryError:
        raise InputError(path, "This is a folder, not a file.") from None
    except OSError as error:
        reason = error.strerror or "OS error"
        raise InputError(path, f"The file cannot be read ({reason}).") from None
    if len(data) > max_bytes:  # grew while we read it
        raise InputError(path, f"The file is larger than the limit of {max_bytes} bytes.")
    if not data:
        raise InputError(path, "The file is empty.")
    return data


def reject_ole2(path: Path, data: bytes) -> None:
    """An encrypted .docx/.xlsx is an OLE2 compound file, not a ZIP: say so instead of 'corrupt'."""
    if data.startswith(OLE2_MAGIC):
        raise InputError(path, "The file is password-protected (an encrypted Office file); "
                               "remove the password and save it again.")


def open_zip(path: Path, data: bytes, max_bytes: int, what: str,
             verify: bool = True) -> zipfile.ZipFile:
    """Open an Office/QDA container from bytes, refusing zip bombs and damaged archives.

    No member may unpack to more than max_bytes. With ``verify`` (Office files, which we parse
    whole) the total may not either, and every member is unpacked once and its checksum checked,
    so the parsers behind us never meet a half-broken archive (whose errors range from zlib.error
    to NotImplementedError). A .qdpx may embed large media we never read, so it only checks sizes.
    """
    corrupt = f"The file is not a valid {what} (corrupt or not a ZIP container)."
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, EOFError, NotImplementedError, OSError):
        raise InputError(path, corrupt) from None
    sizes = [info.file_size for info in archive.infolist()]
    if any(size > max_bytes for size in sizes) or (verify and sum(sizes) > max_bytes):
        archive.close()
        raise InputError(path, f"The {what} unpacks to more than the limit of {max_bytes} bytes.")
    if verify:
        try:
            damaged = archive.testzip()  # reads at most the declared sizes, checked above
        except Exception as error:  # zipfile raises many types for damaged or encrypted members
            archive.close()
            raise InputError(path, corrupt) from error
        if damaged is not None:
            archive.close()
            raise InputError(path, corrupt)
    return archive


def doc_id_base(path: Path, root: Path | None) -> str:
    """The path relative to the input folder, no suffix, '/' kept: "interviews/huisarts_01"."""
    if root is not None:
        try:
            return path.relative_to(root).with_suffix("").as_posix()
        except ValueError:
            pass
    return path.stem


def base_metadata(path: Path, **extra: Any) -> dict[str, Any]:
    """Metadata every document gets: the format (suffix without dot), plus what the reader knows."""
    metadata: dict[str, Any] = {"format": path.suffix.lower().lstrip(".")}
    metadata.update({key: value for key, value in extra.items() if value not in (None, "")})
    return metadata


def format_timestamp(value: Any) -> str | None:
    """Turn a time from a cell or cue ("0:12:31", "[00:12:31.5]", time, seconds) into hh:mm:ss.

    Returns None when the value is not a time: a timestamp is a hint, never a reason to fail.
    """
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, dt.datetime):
        value = value.time()
    if isinstance(value, dt.time):
        return f"{value.hour:02d}:{value.minute:02d}:{value.second:02d}"
    if isinstance(value, dt.timedelta):
        value = value.total_seconds()
    if isinstance(value, (int, float)):
        if not math.isfinite(value) or value < 0 or value > 10**9:
            return None
        seconds = int(value)
        return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"
    match = _TIME_RE.match(str(value).strip())
    if not match:
        return None
    hours, minutes, seconds = (int(group or 0) for group in match.groups())
    if minutes > 59 or seconds > 59:
        return None
    return f"{hours:02d}:{minutes:02d}:{seconds:02d}"
