"""Exporting a run as a REFI-QDA project: schema-valid, exact offsets, provenance, stable."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
from lxml import etree

from pipeline.codebook.qdc import code_guid
from pipeline.errors import ConfigError, InputError
from pipeline.exchange.qdpx_export import export_qdpx

from .conftest import DIARY, SCHEMAS, TRANSCRIPT, write_run

NS = {"q": "urn:QDA-XML:project:1.0"}
CODING, CODE = "{urn:QDA-XML:project:1.0}Coding", "{urn:QDA-XML:project:1.0}Code"


def _project(path: Path) -> tuple[etree._Element, zipfile.ZipFile]:
    archive = zipfile.ZipFile(path)
    return etree.fromstring(archive.read("project.qde")), archive


@pytest.mark.skipif(not (SCHEMAS / "Project.xsd").exists(), reason="REFI-QDA schemas not present")
def test_export_validates_against_the_project_schema(run_dir, codebook, tmp_path) -> None:
    import xmlschema

    out = tmp_path / "suggesties.qdpx"
    export_qdpx(run_dir, out, codebook)

    schema = xmlschema.XMLSchema(str(SCHEMAS / "Project.xsd"))
    schema.validate(zipfile.ZipFile(out).read("project.qde"))


def test_sources_selections_and_codings_are_exact(run_dir, codebook, tmp_path) -> None:
    out = tmp_path / "p.qdpx"
    counts = export_qdpx(run_dir, out, codebook)
    root, archive = _project(out)

    assert archive.namelist()[0] == "project.qde"
    users = root.findall("q:Users/q:User", NS)
    assert [u.get("name") for u in users] == ["narratives cue_tagger default 1.0"]
    model = users[0].get("guid")
    texts = {}
    for src in root.findall("q:Sources/q:TextSource", NS):
        assert src.get("plainTextPath") == f"internal://{src.get('guid')}.txt"
        assert src.get("richTextPath") is None
        raw = archive.read(f"sources/{src.get('guid')}.txt")
        assert not raw.startswith(b"\xef\xbb\xbf") and b"\r" not in raw
        texts[src.get("name")] = raw.decode("utf-8")
    assert texts["interview_ha"] == TRANSCRIPT and texts["dagboek_sw"] == DIARY

    src = root.find("q:Sources/q:TextSource[@name='interview_ha']", NS)
    sels = src.findall("q:PlainTextSelection", NS)
    start = TRANSCRIPT.index("Ik heb toen")  # after an emoji: code points, not UTF-16 units
    first = sels[0]
    assert (int(first.get("startPosition")), int(first.get("endPosition"))) == (
        start, TRANSCRIPT.index("\n", start))
    refs = [c.find("q:CodeRef", NS).get("targetGUID") for c in first.findall("q:Coding", NS)]
    assert refs == [code_guid("default", c) for c in
                    ("decision_moment", "decision_type.methodisch_inhoudelijk", "factor.client")]
    assert all(c.get("creatingUser") == model for c in root.iter(CODING))
    assert "0.82" in first.findtext("q:Description", namespaces=NS)
    note_guid = first.find("q:NoteRef", NS).get("targetGUID")
    note = root.find(f"q:Notes/q:Note[@guid='{note_guid}']", NS)
    content = note.findtext("q:PlainTextContent", namespaces=NS)
    assert "probability 0.82" in content and "cue 'Ik heb toen' (rule r-decision_moment)" in content
    meta = json.loads(content.rsplit("[narratives] ", 1)[1])
    assert meta["scores"]["decision_moment"] == 0.82
    assert counts["codings"] == 9


def test_codebook_variables_and_cases(run_dir, codebook, tmp_path) -> None:
    out = tmp_path / "p.qdpx"
    export_qdpx(run_dir, out, codebook)
    root, _ = _project(out)

    folders = root.findall("q:CodeBook/q:Codes/q:Code", NS)
    assert [f.get("isCodable") for f in folders] == ["false"] * len(codebook.groups)
    codable = [c for c in root.iter(CODE) if c.get("isCodable") == "true"]
    assert len(codable) == len(codebook.codes)
    assert all(c.findtext("q:Description", namespaces=NS) for c in codable)
    names = {v.get("name"): v.get("guid") for v in root.findall("q:Variables/q:Variable", NS)}
    assert set(names) == {"kind", "role", "profession"}
    cases = root.findall("q:Cases/q:Case", NS)
    assert sorted(c.get("name") for c in cases) == ["dagboek_sw", "interview_ha – R"]
    case = next(c for c in cases if c.get("name") == "interview_ha – R")
    values = {vv.find("q:VariableRef", NS).get("targetGUID"): vv.findtext("q:TextValue", namespaces=NS)
              for vv in case.findall("q:VariableValue", NS)}
    assert values == {names["role"]: "respondent", names["profession"]: "huisarts"}
    diary = root.find("q:Sources/q:TextSource[@name='dagboek_sw']", NS)
    kinds = [vv.findtext("q:TextValue", namespaces=NS) for vv in diary.findall("q:VariableValue", NS)]
    assert kinds == ["diary", "sociaal werker"]


def test_repeated_exports_are_identical(run_dir, codebook, tmp_path) -> None:
    export_qdpx(run_dir, tmp_path / "a" / "p.qdpx", codebook)
    export_qdpx(run_dir, tmp_path / "b" / "p.qdpx", codebook)

    assert (tmp_path / "a" / "p.qdpx").read_bytes() == (tmp_path / "b" / "p.qdpx").read_bytes()


def test_filters_by_probability_and_group(run_dir, codebook, tmp_path) -> None:
    out = tmp_path / "p.qdpx"
    counts = export_qdpx(run_dir, out, codebook, min_probability=0.6,
                         groups=["decision_moment", "phase"])
    root, _ = _project(out)

    refs = {c.find("q:CodeRef", NS).get("targetGUID") for c in root.iter(CODING)}
    assert refs == {code_guid("default", "decision_moment"), code_guid("default", "phase.reflectie")}
    assert counts["codings"] == 4  # 0.82, 0.7, 0.9 decision moments, 0.66 reflection


def test_model_user_from_a_trained_model(tmp_path, codebook) -> None:
    run = write_run(tmp_path / "run", tagger={"tagger": "code_classifier", "backend": "sklearn",
                                              "model": str(Path.cwd() / "models" / "default"),
                                              "model_created": "2026-11-25T10:00:00Z"})
    counts = export_qdpx(run, tmp_path / "p.qdpx", codebook)
    assert counts["user"] == "narratives sklearn models/default 2026-11-25"
    counts = export_qdpx(run, tmp_path / "p.qdpx", codebook, user_name="Model X")
    assert counts["user"] == "Model X"


def test_clear_errors(run_dir, codebook, tmp_path) -> None:
    with pytest.raises(ConfigError, match="factorr"):
        export_qdpx(run_dir, tmp_path / "p.qdpx", codebook, groups=["factorr"])
    with pytest.raises(InputError, match="documents.jsonl"):
        export_qdpx(tmp_path, tmp_path / "p.qdpx", codebook)
    bad = write_run(tmp_path / "bad", codes={("notities", 0): {"factor.nieuw": 0.9}})
    with pytest.raises(ConfigError, match="factor.nieuw"):
        export_qdpx(bad, tmp_path / "p.qdpx", codebook)
    assert not (tmp_path / "p.qdpx").exists()
