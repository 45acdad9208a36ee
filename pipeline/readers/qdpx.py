"""REFI-QDA projects (.qdpx): each TextSource becomes a Document, text kept offset-exact.

A .qdpx is untrusted input: member names are checked for path traversal, unpacked sizes are
capped, and project.qde is parsed with defusedxml (no entity expansion, no external entities).
The codings in the project point at code-point offsets in the source text, so the text is only
decoded, stripped of a BOM and given LF line endings: nothing that moves an offset further.
"""

from __future__ import annotations

import re
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml import ElementTree as SafeET

from pipeline.errors import InputError
from pipeline.model import DOCUMENT_KINDS, Document

from .common import ReaderConfig, base_metadata, doc_id_base, open_zip, read_bytes

_INTERNAL = "internal://"
_DRIVE_RE = re.compile(r"^[A-Za-z]:")


def read_qdpx(path: Path, config: ReaderConfig, root: Path | None) -> list[Document]:
    """Read the text sources of a REFI-QDA project; notes, codes and other sources are skipped."""
    data = read_bytes(path, config.max_bytes)
    with open_zip(path, data, config.max_bytes, ".qdpx project", verify=False) as archive:
        members = _safe_members(path, archive)
        project = _parse_project(path, archive, members, config.max_bytes)
        sources = _text_sources(path, archive, members, project, config.max_bytes)
    if not sources:
        raise InputError(path, "The project contains no text sources with text.")
    base = doc_id_base(path, root)
    labels = [source.name or source.guid for source in sources]
    used: set[str] = set()
    documents = []
    for source, label in zip(sources, labels, strict=True):
        if labels.count(label) > 1:  # names need not be unique in a project; GUIDs are
            label = f"{label}~{source.guid[:8]}"
        if label in used:
            label = f"{label}~{source.guid}"
        used.add(label)
        metadata = base_metadata(path, title=source.name, description=source.description)
        metadata.update(qdpx_guid=source.guid, name=source.name, normalised="minimal")
        if source.variables:
            metadata["variables"] = source.variables
        # A project exported by this pipeline says each source's kind; keep it instead of guessing.
        kind = str(source.variables.get("kind", "")).lower() if source.variables else ""
        documents.append(Document(f"{base}#{label}", str(path), source.text,
                                  kind=kind if kind in DOCUMENT_KINDS else None, metadata=metadata))
    return documents


def read_project(path: Path, max_bytes: int) -> tuple[Element, list[_Source]]:
    """The parsed project element and its text sources, with the safety checks of ``read_qdpx``.

    For readers of codings (pipeline.exchange.qdpx_import): the sources' texts are exactly the
    ones the codings' offsets point into; raises InputError naming the file.
    """
    data = read_bytes(path, max_bytes)
    with open_zip(path, data, max_bytes, ".qdpx project", verify=False) as archive:
        members = _safe_members(path, archive)
        project = _parse_project(path, archive, members, max_bytes)
        return project, _text_sources(path, archive, members, project, max_bytes)


@dataclass
class _Source:
    """One TextSource as read from the project, its text exactly as the codings expect it."""

    guid: str
    name: str
    text: str
    description: str
    variables: dict[str, str]


def normalise_guid(guid: str) -> str:
    """GUIDs differ between tools in case and braces: compare them lower-case without braces."""
    return guid.strip().strip("{}").lower()


def _safe_members(path: Path, archive: zipfile.ZipFile) -> dict[str, zipfile.ZipInfo]:
    """Members by lower-case name, after refusing absolute paths and '..' anywhere."""
    members: dict[str, zipfile.ZipInfo] = {}
    for info in archive.infolist():
        name = info.filename.replace("\\", "/")
        if name.startswith("/") or _DRIVE_RE.match(name) or ".." in name.split("/"):
            raise InputError(path, "The .qdpx holds an unsafe member name (an absolute path or "
                                   "'..'); it was not read.")
        if not info.is_dir():
            members[name.lower()] = info
    return members


def _read_member(path: Path, archive: zipfile.ZipFile, info: zipfile.ZipInfo,
                 max_bytes: int) -> bytes:
    """Unpack one member, stopping at max_bytes whatever its header claims."""
    try:
        with archive.open(info) as handle:
            data = handle.read(max_bytes + 1)
    except (zipfile.BadZipFile, zlib.error, OSError, EOFError, ValueError, NotImplementedError,
            RuntimeError) as error:
        # RuntimeError: an encrypted member; NotImplementedError: an unknown compression method.
        raise InputError(path, "The .qdpx is corrupt (a member cannot be unpacked).") from error
    if len(data) > max_bytes:
        raise InputError(path, f"A member of the .qdpx is larger than the limit of {max_bytes} "
                               "bytes when unpacked.")
    return data


def _parse_project(path: Path, archive: zipfile.ZipFile, members: dict[str, zipfile.ZipInfo],
                   max_bytes: int) -> Element:
    """Find the single .qde at the root (any name, any case) and parse it without entities."""
    candidates = [info for name, info in members.items()
                  if "/" not in name and name.endswith(".qde")]
    if len(candidates) != 1:
        problem = "no" if not candidates else "more than one"
        raise InputError(path, f"The .qdpx has {problem} project file (.qde) at its root.")
    data = _read_member(path, archive, candidates[0], max_bytes)
    try:
        project = SafeET.fromstring(data, forbid_dtd=False, forbid_entities=True,
                                    forbid_external=True)
    except DefusedXmlException:
        raise InputError(path, "The project file declares XML entities or external references, "
                               "which are refused in untrusted files.") from None
    except ParseError:
        raise InputError(path, "The project file (.qde) is not well-formed XML.") from None
    if _local(project.tag) != "Project":
        raise InputError(path, "The project file (.qde) has no REFI-QDA <Project> root element.")
    return project


def _text_sources(path: Path, archive: zipfile.ZipFile, members: dict[str, zipfile.ZipInfo],
                  project: Element, max_bytes: int) -> list[_Source]:
    """Every TextSource that has text, inline (PlainTextContent) or in a member (plainTextPath)."""
    variables = {normalise_guid(v.get("guid", "")): v.get("name", "")
                 for v in project.iter() if _local(v.tag) == "Variable"}
    sources = []
    for element in project.iter():
        if _local(element.tag) != "TextSource":
            continue
        guid = normalise_guid(element.get("guid", ""))
        name = (element.get("name") or "").strip()
        inline = _child(element, "PlainTextContent")
        if inline is not None:
            text = inline.text or ""
        elif element.get("plainTextPath"):
            info = _find_source(path, members, element.get("plainTextPath", ""), name or guid)
            text = _decode(path, _read_member(path, archive, info, max_bytes), name or guid)
        else:
            continue
        text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
        if not text.strip():
            continue
        description = _child(element, "Description")
        sources.append(_Source(
            guid=guid, name=name, text=text,
            description=(description.text or "").strip() if description is not None else "",
            variables=_variable_values(element, variables)))
    return sources


def _find_source(path: Path, members: dict[str, zipfile.ZipInfo], plain_text_path: str,
                 label: str) -> zipfile.ZipInfo:
    """The member a plainTextPath points at: sources/<file> (any case), with or without internal://."""
    target = plain_text_path.strip()
    if target.lower().startswith(_INTERNAL):
        target = target[len(_INTERNAL):]
    elif "://" in target or _DRIVE_RE.match(target) or target.startswith(("/", "\\")):
        raise InputError(path, f"The text of source '{label}' lies outside the .qdpx "
                               "(an external path); export the project with embedded sources.")
    target = target.replace("\\", "/")
    while target.startswith("./"):
        target = target[2:]
    if ".." in PurePosixPath(target).parts:
        raise InputError(path, f"Source '{label}' has an unsafe path ('..'); it was not read.")
    for candidate in (f"sources/{target}".lower(), target.lower()):
        if candidate in members:
            return members[candidate]
    raise InputError(path, f"The text file of source '{label}' is missing from the .qdpx.")


def _decode(path: Path, data: bytes, label: str) -> str:
    """REFI-QDA text sources are UTF-8; anything else would shift every coding's offsets."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise InputError(path, f"The text of source '{label}' is not valid UTF-8.") from None


def _variable_values(element: Element, variables: dict[str, str]) -> dict[str, Any]:
    """VariableValue children as {variable name: value} (role, organisation, ...)."""
    values: dict[str, Any] = {}
    for child in element:
        if _local(child.tag) != "VariableValue":
            continue
        ref = _child(child, "VariableRef")
        name = variables.get(normalise_guid(ref.get("targetGUID", ""))) if ref is not None else None
        value = next((c.text for c in child if _local(c.tag).endswith("Value") and c.text), None)
        if name and value is not None:
            values[name] = value.strip()
    return values


def _local(tag: str) -> str:
    """Tag name without namespace (urn:QDA-XML:project:1.0): exporters differ in qualifying it."""
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _child(element: Element, name: str) -> Element | None:
    return next((child for child in element if _local(child.tag) == name), None)
