"""REFI-QDA projects: offset-exact text sources, exporter variants, and hostile archives."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from pipeline.errors import InputError
from pipeline.readers import ReaderConfig, read_file

GUID_A = "6A9C3F1E-0B1D-4C55-9D0A-1B2C3D4E5F60"
GUID_B = "7b9c3f1e-0b1d-4c55-9d0a-1b2c3d4e5f61"
GUID_C = "8c9c3f1e-0b1d-4c55-9d0a-1b2c3d4e5f62"
GUID_VAR = "9d9c3f1e-0b1d-4c55-9d0a-1b2c3d4e5f63"


def project_xml(sources: str, variables: str = "") -> str:
    """A minimal REFI-QDA project document around the given TextSource elements."""
    return (f'<?xml version="1.0" encoding="utf-8"?>\n'
            f'<Project xmlns="urn:QDA-XML:project:1.0" name="Proef" origin="tests">'
            f"{variables}<Sources>{sources}</Sources></Project>")


RAW_A = "\ufeffI: Hoe begon het?  \r\nR: Met een\u00a0signaal.\r\n\r\n\r\n\r\n\r\nEinde."
TEXT_A = "I: Hoe begon het?  \nR: Met een\u00a0signaal.\n\n\n\n\nEinde."


def _three_sources() -> dict[str, bytes | str]:
    start = TEXT_A.index("signaal")
    sources = (
        f'<TextSource guid="{{{GUID_A}}}" name="Interview huisarts" '
        f'plainTextPath="internal://{GUID_A}.txt">'
        f"<Description>Eerste gesprek</Description>"
        f'<PlainTextSelection guid="{GUID_C}" startPosition="{start}" '
        f'endPosition="{start + len("signaal")}"/>'
        f'<VariableValue><VariableRef targetGUID="{GUID_VAR.upper()}"/>'
        f"<TextValue>huisarts</TextValue></VariableValue>"
        f"</TextSource>"
        f'<TextSource guid="{GUID_B}" name="Dagboek" plainTextPath="{GUID_B}.txt"/>'
        f'<TextSource guid="{GUID_C}" name="Memo"><PlainTextContent>Korte notitie.'
        f"</PlainTextContent></TextSource>"
    )
    variables = (f'<Variables><Variable guid="{GUID_VAR}" name="beroep" '
                 f'typeOfVariable="Text"/></Variables>')
    return {
        "Trial.QDE": project_xml(sources, variables),
        f"Sources/{GUID_A}.txt": RAW_A.encode("utf-8"),
        f"sources/{GUID_B}.txt": b"Maandag: besluit 1.\n",
    }


def test_text_sources_become_documents_with_exact_text(
        write_qdpx: Callable[..., Path], tmp_path: Path) -> None:
    path = write_qdpx(_three_sources())

    interview, diary, memo = read_file(path, root=tmp_path)

    assert interview.doc_id == "project#Interview huisarts"
    assert interview.text == TEXT_A  # only BOM and CRLF removed: offsets stay valid
    assert interview.metadata == {
        "format": "qdpx", "title": "Interview huisarts", "qdpx_guid": GUID_A.lower(),
        "name": "Interview huisarts", "normalised": "minimal", "description": "Eerste gesprek",
        "variables": {"beroep": "huisarts"},
    }
    assert diary.text == "Maandag: besluit 1.\n"
    assert diary.metadata["qdpx_guid"] == GUID_B
    assert memo.text == "Korte notitie."
    assert memo.doc_id == "project#Memo"


def test_selection_offsets_point_into_document_text(write_qdpx: Callable[..., Path]) -> None:
    path = write_qdpx(_three_sources())

    interview = next(read_file(path))

    start = TEXT_A.index("signaal")
    assert interview.text[start:start + len("signaal")] == "signaal"


def test_repeated_names_get_a_guid_prefix(write_qdpx: Callable[..., Path]) -> None:
    sources = "".join(f'<TextSource guid="{guid}" name="Interview">'
                      f"<PlainTextContent>tekst {n}</PlainTextContent></TextSource>"
                      for n, guid in enumerate((GUID_A, GUID_B)))
    path = write_qdpx({"project.qde": project_xml(sources)})

    first, second = read_file(path)

    assert first.doc_id == f"project#Interview~{GUID_A.lower()[:8]}"
    assert second.doc_id == f"project#Interview~{GUID_B[:8]}"


def _minimal_project() -> str:
    return project_xml(f'<TextSource guid="{GUID_B}" name="Dagboek" '
                       f'plainTextPath="internal://{GUID_B}.txt"/>')


@pytest.mark.parametrize("member", ["../evil.txt", "sources/../../evil.txt", "/etc/evil.txt"],
                         ids=["parent", "nested-parent", "absolute"])
def test_unsafe_member_names_are_refused(write_qdpx: Callable[..., Path], member: str) -> None:
    path = write_qdpx({"project.qde": _minimal_project(), f"sources/{GUID_B}.txt": "tekst",
                       member: "x"})

    with pytest.raises(InputError, match="unsafe member name"):
        read_file(path)


def test_oversized_member_is_refused(write_qdpx: Callable[..., Path]) -> None:
    path = write_qdpx({"project.qde": _minimal_project(),
                       f"sources/{GUID_B}.txt": b"a" * 200_000})
    assert path.stat().st_size < 5_000

    with pytest.raises(InputError, match="more than the limit of 5000 bytes"):
        read_file(path, ReaderConfig(max_bytes=5_000))


BOMB = ('<?xml version="1.0"?>\n<!DOCTYPE Project [\n <!ENTITY a "aaaaaaaaaa">\n'
        + "".join(f' <!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">\n'
                  for i in range(8))
        + ']>\n<Project xmlns="urn:QDA-XML:project:1.0" name="&i;"/>')
EXTERNAL = ('<?xml version="1.0"?>\n<!DOCTYPE Project [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
            '\n<Project xmlns="urn:QDA-XML:project:1.0" name="&x;"/>')


@pytest.mark.parametrize("qde", [BOMB, EXTERNAL], ids=["entity-bomb", "external-entity"])
def test_xml_entities_are_refused(write_qdpx: Callable[..., Path], qde: str) -> None:
    path = write_qdpx({"project.qde": qde})

    with pytest.raises(InputError, match="entities"):
        read_file(path)


@pytest.mark.parametrize(("members", "reason"), [
    ({"readme.txt": "x"}, "no project file"),
    ({"sub/project.qde": "<Project/>"}, "no project file"),
    ({"a.qde": "<Project/>", "b.qde": "<Project/>"}, "more than one project file"),
    ({"project.qde": "<Project><Sources>"}, "not well-formed"),
    ({"project.qde": "<Codebook/>"}, "no REFI-QDA <Project>"),
    ({"project.qde": project_xml(f'<TextSource guid="{GUID_B}" name="Weg" '
                                 f'plainTextPath="internal://{GUID_B}.txt"/>')},
     "source 'Weg' is missing"),
    ({"project.qde": project_xml(f'<TextSource guid="{GUID_B}" name="Extern" '
                                 'plainTextPath="relative:///data/x.txt"/>')},
     "outside the .qdpx"),
    ({"project.qde": _minimal_project(), f"sources/{GUID_B}.txt": b"\xff\xfe kapot"},
     "not valid UTF-8"),
    ({"project.qde": project_xml("")}, "no text sources"),
], ids=["no-qde", "qde-not-at-root", "two-qde", "malformed-xml", "wrong-root",
        "missing-source", "external-source", "not-utf8", "no-sources"])
def test_broken_projects(write_qdpx: Callable[..., Path], members: dict[str, str],
                         reason: str) -> None:
    path = write_qdpx(members)

    with pytest.raises(InputError, match=reason):
        read_file(path)


def test_corrupt_zip(tmp_path: Path) -> None:
    path = tmp_path / "kapot.qdpx"
    path.write_bytes(b"PK\x05\x06 niet echt een zip")

    with pytest.raises(InputError, match=r"not a valid \.qdpx"):
        read_file(path)


SCHEMA = Path(__file__).resolve().parents[2].parent / "shared" / "refi-qda" / "Project.xsd"


@pytest.mark.skipif(not SCHEMA.exists(), reason="the REFI-QDA schemas are not on this machine")
def test_test_project_is_valid_refi_qda() -> None:
    """The project the tests read is one a QDA tool could have written."""
    from lxml import etree

    schema = etree.XMLSchema(etree.parse(str(SCHEMA)))
    project = etree.fromstring(_three_sources()["Trial.QDE"].encode())

    assert schema.validate(project), schema.error_log
