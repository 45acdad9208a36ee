"""Export a run's machine suggestions as a REFI-QDA project (.qdpx) for QDA software.

The project (``project.qde`` plus ``sources/<GUID>.txt``) holds:

- ``Users``: the model as its own coder ("narratives cue_tagger default 1.0"), so that reviewers
  in ATLAS.ti, NVivo, MAXQDA or QualCoder can filter, accept or delete its codings and compare
  it with human coders;
- ``CodeBook``: the codebook's hierarchy (groups as folder codes) with descriptions, made by
  :func:`pipeline.codebook.qdc.codes_element`, so code GUIDs are those of ``narratives codebook``;
- ``Variables``: ``kind`` (on sources), ``role`` (on cases) and ``profession`` (where the
  documents' metadata has one);
- ``Cases``: one per respondent: each respondent speaker of a transcript, each diary document;
- ``Sources``: every document as a UTF-8 text file (LF, no BOM), with one ``PlainTextSelection``
  per coded segment at the segment's exact code-point offsets (end exclusive) holding one
  ``Coding`` per suggested code, created by the model user. The selection's ``Description``
  says in one line what the model suggested and with what probability (tools show it as the
  quotation's comment); a ``Note`` on the selection (``NoteRef``) holds the probability and the
  evidence per code, and a last ``[narratives]`` JSON line with the scores.

Every GUID is a uuid5 of what it stands for, and the dates are the run's, so exporting the same
run twice gives the same file, and codings keep their GUIDs across exports.
"""

from __future__ import annotations

import hashlib
import json
import re
import uuid
import zipfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from lxml import etree

from pipeline import __version__
from pipeline.codebook import Codebook
from pipeline.codebook.qdc import META_PREFIX, code_guid, codes_element
from pipeline.errors import InputError
from pipeline.io import atomic_open

from .run_results import (
    RunDocument,
    RunResults,
    Suggestion,
    iter_suggestions,
    load_run,
    model_user_name,
    readable_evidence,
)

NS = "urn:QDA-XML:project:1.0"
_GUID_NS = uuid.UUID("0d3c5e7a-91f4-4b8e-a6d2-5c1e9f3b7a20")
_XML_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def guid(*parts: str) -> str:
    """A stable GUID for what ``parts`` name (a source, a selection, a coding, a user...)."""
    return str(uuid.uuid5(_GUID_NS, "/".join(parts)))


def user_guid(name: str) -> str:
    return guid("user", name)


def source_guid(doc_id: str, text: str) -> str:
    return guid("source", doc_id, hashlib.sha1(text.encode("utf-8")).hexdigest()[:16])


def _q(tag: str) -> str:
    return f"{{{NS}}}{tag}"


def _clean(text: str) -> str:
    """Characters XML 1.0 cannot hold (control characters from PDFs) become U+FFFD."""
    return _XML_BAD.sub("\ufffd", text)


def _sub(parent: etree._Element, tag: str, text: str | None = None, **attrs: str) -> etree._Element:
    el = etree.SubElement(parent, _q(tag), {k: _clean(str(v)) for k, v in attrs.items() if v is not None})
    if text is not None:
        el.text = _clean(text)
    return el


def _variable_value(parent: etree._Element, variable: str, value: str) -> None:
    vv = _sub(parent, "VariableValue")
    _sub(vv, "VariableRef", targetGUID=guid("variable", variable))
    _sub(vv, "TextValue", value)


def _check_text(doc: RunDocument, run: RunResults) -> None:
    """Offsets only survive a text that readers leave unchanged: LF endings and no BOM."""
    if "\r\n" in doc.text or doc.text.startswith("\ufeff"):
        raise InputError(run.run_dir / "documents.jsonl",
                         f"document {doc.doc_id!r} has CR LF line endings or a BOM; "
                         "its offsets would shift in QDA software. Rerun 'narratives run'.")


def _summary_line(cb: Codebook, sugs: list[Suggestion]) -> str:
    parts = []
    for s in sugs:
        p = f" {s.probability:.2f}" if s.probability is not None else ""
        parts.append(f"{cb.code(s.code).label} [{s.code}]{p}")
    return "; ".join(parts)


def _note_text(cb: Codebook, user: str, sugs: list[Suggestion]) -> str:
    first = sugs[0]
    lines = [f"Machine suggestion by {user} (not reviewed).",
             f"Document {first.doc_id}, characters {first.start}-{first.end}.", ""]
    for s in sugs:
        code = cb.code(s.code)
        p = f"{s.probability:.2f}" if s.probability is not None else "n/a"
        group = cb.group_of(s.code).label
        label = code.label if group == code.label else f"{group} / {code.label}"
        lines.append(f"{label} [{s.code}]: probability {p}")
        if s.evidence:
            lines.append(f"  evidence: {readable_evidence(s.evidence, limit=12)}")
    meta = {"doc_id": first.doc_id, "start": first.start, "end": first.end, "model": user,
            "scores": {s.code: s.probability for s in sugs}}
    lines += ["", META_PREFIX + json.dumps(meta, ensure_ascii=False, separators=(",", ":"))]
    return "\n".join(lines)


def build_project(run: RunResults, codebook: Codebook, min_probability: float | None = 0.0,
                  groups: Iterable[str] | None = None, user_name: str | None = None,
                  project_name: str | None = None) -> tuple[bytes, dict[str, str], dict[str, Any]]:
    """The project.qde bytes, the source files {member name: text}, and counts for the caller."""
    groups = list(groups) if groups else None
    user = user_name or model_user_name(run, codebook)
    uguid = user_guid(user)
    created = run.created()
    root = etree.Element(_q("Project"), nsmap={None: NS},
                         name=_clean(project_name or run.run_dir.resolve().name or "narratives"),
                         origin=f"narratives {__version__}", creatingUserGUID=uguid,
                         creationDateTime=created)
    users = _sub(root, "Users")
    _sub(users, "User", guid=uguid, name=user, id="narratives")
    codebook_el = _sub(root, "CodeBook")
    codebook_el.append(codes_element(codebook, NS))

    by_doc: dict[str, list[Suggestion]] = {}
    for s in iter_suggestions(run, codebook, min_probability, groups):
        by_doc.setdefault(s.doc_id, []).append(s)

    professions = {d.doc_id: str(d.metadata["profession"]) for d in run.documents
                   if d.metadata.get("profession") not in (None, "")}
    variables = _sub(root, "Variables")
    for name, desc in (("kind", "Document kind: transcript, diary, report or text (narratives)."),
                       ("role", "Role of the respondent (narratives: from the speaker labels)."),
                       *([("profession", "Profession, from the document's metadata.")]
                         if professions else [])):
        var = _sub(variables, "Variable", guid=guid("variable", name), name=name, typeOfVariable="Text")
        _sub(var, "Description", desc)

    sguids = {}
    for doc in run.documents:
        _check_text(doc, run)
        sguids[doc.doc_id] = source_guid(doc.doc_id, doc.text)
    cases = etree.Element(_q("Cases"))
    for doc in run.documents:
        respondents: list[tuple[str | None, str | None]]
        if doc.kind == "diary":
            respondents = [(None, "respondent")]
        elif doc.kind == "transcript":
            respondents = list(doc.respondents)
        else:
            respondents = []
        for speaker, role in respondents:
            name = doc.doc_id if speaker is None else f"{doc.doc_id} – {speaker}"
            case = _sub(cases, "Case", guid=guid("case", doc.doc_id, speaker or ""), name=name)
            _sub(case, "Description", f"Respondent {speaker} in {doc.doc_id}" if speaker
                 else f"Writer of diary {doc.doc_id}")
            if role:
                _variable_value(case, "role", role)
            if doc.doc_id in professions:
                _variable_value(case, "profession", professions[doc.doc_id])
            _sub(case, "SourceRef", targetGUID=sguids[doc.doc_id])
    if len(cases):
        root.append(cases)

    sources = _sub(root, "Sources")
    notes = etree.Element(_q("Notes"))
    files: dict[str, str] = {}
    n_sel = n_cod = 0
    for doc in run.documents:
        sg = sguids[doc.doc_id]
        src = _sub(sources, "TextSource", guid=sg, name=doc.doc_id,
                   plainTextPath=f"internal://{sg}.txt", creationDateTime=created)
        _sub(src, "Description", f"{doc.kind or 'text'} from {doc.source}" if doc.source else doc.kind)
        files[f"sources/{sg}.txt"] = doc.text
        by_span: dict[tuple[int, int], list[Suggestion]] = {}
        for s in by_doc.get(doc.doc_id, []):
            by_span.setdefault((s.start, s.end), []).append(s)
        for (start, end), sugs in by_span.items():
            sel_guid = guid("selection", sg, str(start), str(end))
            note_guid = guid("note", sel_guid, user)
            sel = _sub(src, "PlainTextSelection", guid=sel_guid,
                       name=(sugs[0].speaker or sugs[0].section or doc.doc_id),
                       startPosition=str(start), endPosition=str(end), creatingUser=uguid,
                       creationDateTime=created)
            _sub(sel, "Description", f"narratives: {_summary_line(codebook, sugs)}")
            for s in sugs:
                coding = _sub(sel, "Coding", guid=guid("coding", sel_guid, s.code, user),
                              creatingUser=uguid, creationDateTime=created)
                _sub(coding, "CodeRef", targetGUID=code_guid(codebook.id, s.code))
                n_cod += 1
            _sub(sel, "NoteRef", targetGUID=note_guid)
            note = _sub(notes, "Note", guid=note_guid,
                        name=f"narratives {doc.doc_id} {start}-{end}", creatingUser=uguid,
                        creationDateTime=created)
            _sub(note, "PlainTextContent", _note_text(codebook, user, sugs))
            n_sel += 1
        _variable_value(src, "kind", doc.kind or "text")
        if doc.doc_id in professions:
            _variable_value(src, "profession", professions[doc.doc_id])
    if not len(sources):
        root.remove(sources)
    if len(notes):
        root.append(notes)
    filters = []
    if groups:
        filters.append("groups " + ", ".join(groups))
    if min_probability:
        filters.append(f"probability >= {min_probability}")
    _sub(root, "Description",
         f"Machine suggestions by {user} from run folder {run.run_dir.name} "
         f"(codebook {codebook.id} {codebook.version}, {codebook.fingerprint()}"
         + (f"; {'; '.join(filters)}" if filters else "") + "). "
         "Codings by this user are suggestions to review, not human coding.")
    etree.cleanup_namespaces(root)
    data = etree.tostring(root, xml_declaration=True, encoding="utf-8", pretty_print=True)
    counts = {"documents": len(run.documents), "selections": n_sel, "codings": n_cod,
              "cases": len(cases), "user": user}
    return data, files, counts


def export_qdpx(run_dir: str | Path, output: str | Path, codebook: Codebook,
                min_probability: float | None = 0.0, groups: Iterable[str] | None = None,
                user_name: str | None = None) -> dict[str, Any]:
    """Write the run's suggestions as a .qdpx project; returns counts (documents, codings...).

    ``min_probability``: keep assigned codes with at least this probability; ``groups``: only
    codes of these codebook groups (the whole codebook is exported either way, so reviewers can
    add codes of other groups); ``user_name``: the model's coder name (default from the run).
    """
    run = load_run(run_dir, codebook)
    data, files, counts = build_project(run, codebook, min_probability, groups, user_name,
                                        project_name=Path(output).stem)
    stamp = _zip_time(run.created())
    with atomic_open(output, "wb") as fh, zipfile.ZipFile(fh, "w", zipfile.ZIP_DEFLATED) as archive:
        _write_member(archive, "project.qde", data, stamp)
        for name, text in files.items():
            _write_member(archive, name, text.encode("utf-8"), stamp)
    counts["output"] = str(output)
    return counts


def _zip_time(created: str) -> tuple[int, int, int, int, int, int]:
    y, mo, d = (int(x) for x in created[:10].split("-"))
    h, mi, s = (int(x) for x in created[11:19].split(":"))
    return (max(y, 1980), mo, d, h, mi, s)


def _write_member(archive: zipfile.ZipFile, name: str, data: bytes,
                  stamp: tuple[int, int, int, int, int, int]) -> None:
    info = zipfile.ZipInfo(name, date_time=stamp)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    archive.writestr(info, data)
