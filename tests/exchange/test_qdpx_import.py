"""Importing codings from .qdpx projects: our own round trip, other tools' exports, hostile files."""

from __future__ import annotations

import json

import pytest

from pipeline.codebook import codebook_from_dict
from pipeline.errors import InputError
from pipeline.exchange.qdpx_export import export_qdpx
from pipeline.exchange.qdpx_import import (
    annotated_units_from_qdpx,
    import_qdpx,
    map_codes,
    read_codings,
)
from pipeline.exchange.run_results import iter_suggestions, load_run
from pipeline.training.data import AnnotatedUnit, load_annotated

USER = "A1B2C3D4-0000-4000-8000-00000000000A"
SRC1 = "5E1F0A2B-1111-4111-8111-111111111111"
SRC2 = "6E1F0A2B-2222-4222-8222-222222222222"
C_DM, C_FOLDER, C_REFL, C_ID, C_HUMOR = (
    "10000000-0000-4000-8000-000000000001", "10000000-0000-4000-8000-000000000002",
    "10000000-0000-4000-8000-000000000003", "10000000-0000-4000-8000-000000000004",
    "10000000-0000-4000-8000-000000000005")
TEXT1 = ("[00:00:01] I: Hoe begon het?\r\n[00:00:04] R: Ik heb toen besloten om zelf te bellen.\r\n"
         "[00:00:09] I: En later?\r\n[00:00:12] R: Achteraf was dat goed, ja. Wel grappig.\r\n")
TEXT2 = "Dagboek. Ik twijfelde lang, maar koos voor rust."


def _foreign_project() -> dict[str, str | bytes]:
    text1 = TEXT1.replace("\r\n", "\n")
    a = text1.index("Ik heb toen")
    b = text1.index("\n", a)
    c = text1.index("Achteraf")
    d = text1.index("Wel grappig.") + len("Wel grappig.")
    e = text1.index("Wel grappig.")
    def sel(g, s, t, inner):
        return (f'<PlainTextSelection guid="{{{g}}}" startPosition="{s}" '
                                      f'endPosition="{t}" creatingUser="{{{USER}}}">{inner}</PlainTextSelection>')
    def coding(g, code):
        return (f'<Coding guid="{g}" creatingUser="{{{USER}}}">'
                                  f'<CodeRef targetGUID="{{{code}}}"/></Coding>')
    xml = f"""<?xml version="1.0" encoding="utf-8"?>
<Project xmlns="urn:QDA-XML:project:1.0" name="Trial" origin="ATLAS.ti 23">
  <Users><User guid="{USER.lower()}" name="Anna"/></Users>
  <CodeBook><Codes>
    <Code guid="{C_DM}" name="beslismoment" isCodable="true"/>
    <Code guid="{C_FOLDER}" name="Fase in het beslisproces" isCodable="false">
      <Code guid="{C_REFL}" name="Reflectie" isCodable="true"/>
    </Code>
    <Code guid="{C_ID}" name="factor.client" isCodable="true"/>
    <Code guid="{C_HUMOR}" name="Humor" isCodable="true" color="#FF0000"/>
  </Codes></CodeBook>
  <Sources>
    <TextSource guid="{{{SRC1}}}" name="Interview 1" plainTextPath="{SRC1}.txt">
      {sel("20000000-0000-4000-8000-000000000001", a, b,
           coding("30000000-0000-4000-8000-000000000001", C_DM.upper())
           + coding("30000000-0000-4000-8000-000000000002", C_ID))}
      {sel("20000000-0000-4000-8000-000000000002", c, d,
           coding("30000000-0000-4000-8000-000000000003", C_REFL))}
      {sel("20000000-0000-4000-8000-000000000003", e, d,
           coding("30000000-0000-4000-8000-000000000004", C_HUMOR))}
      {sel("20000000-0000-4000-8000-000000000004", a, a + 6,
           "<Description>Let op: aarzeling in de stem</Description>")}
    </TextSource>
    <TextSource guid="{SRC2.lower()}" name="Dagboek">
      <PlainTextContent>{TEXT2}</PlainTextContent>
      <Coding guid="30000000-0000-4000-8000-000000000005" creatingUser="{USER}">
        <CodeRef targetGUID="{C_HUMOR}"/></Coding>
    </TextSource>
  </Sources>
</Project>"""
    return {"Project.qde": xml, f"Sources/{SRC1}.txt": TEXT1.encode("utf-8")}


def test_read_codings_tolerates_other_exporters(write_qdpx) -> None:
    documents, codings, info = read_codings(write_qdpx(_foreign_project()))

    text1 = documents[SRC1.lower()][1]
    assert documents[SRC1.lower()][0] == "Interview 1" and "\r" not in text1
    assert documents[SRC2.lower()] == ("Dagboek", TEXT2)
    got = [(c.source_name, text1[c.start:c.end] if c.source_name == "Interview 1" else None,
            c.code_name, c.coder) for c in codings]
    assert got == [
        ("Interview 1", "Ik heb toen besloten om zelf te bellen.", "beslismoment", "Anna"),
        ("Interview 1", "Ik heb toen besloten om zelf te bellen.", "factor.client", "Anna"),
        ("Interview 1", "Achteraf was dat goed, ja. Wel grappig.", "Reflectie", "Anna"),
        ("Interview 1", "Wel grappig.", "Humor", "Anna"),
        ("Dagboek", None, "Humor", "Anna"),
    ]
    assert (codings[-1].start, codings[-1].end) == (0, len(TEXT2))
    assert codings[0].coder_guid == USER.lower() and codings[0].code_guid == C_DM
    assert info.annotations == 1 and info.invalid == []


def test_import_maps_codes_and_reports_unmapped(write_qdpx, codebook) -> None:
    units, report = import_qdpx(write_qdpx(_foreign_project()), codebook)

    assert report["mapping"] == {"beslismoment": "decision_moment", "factor.client": "factor.client",
                                 "Fase in het beslisproces/Reflectie": "phase.reflectie"}
    assert report["unmapped"] == [{"name": "Humor", "path": "Humor", "guid": C_HUMOR, "count": 2,
                                   "reason": "no code in the codebook"}]
    assert report["annotations"] == 1 and report["coders"] == {"Anna": 5}
    by_text = {u.text: u for u in units}
    decided = by_text["Ik heb toen besloten om zelf te bellen."]
    assert decided.codes == ["decision_moment", "factor.client"] and decided.coder == "Anna"
    assert decided.context["role"] == "respondent" and decided.context["before"] == "Hoe begon het?"
    # timestamps are stripped for the unit text; offsets still point into the project's text
    documents, _, _ = read_codings(write_qdpx(_foreign_project(), name="again.qdpx"))
    text1 = documents[SRC1.lower()][1]
    assert text1[decided.start:decided.end] == decided.text
    later = by_text["Achteraf was dat goed, ja. Wel grappig."]
    assert later.codes == ["phase.reflectie"]  # Humor: kept among the codings, without an id
    assert [(c["code"], c["code_name"], text1[c["start"]:c["end"]]) for c in later.codings] == [
        ("phase.reflectie", "Reflectie", "Achteraf was dat goed, ja. Wel grappig."),
        (None, "Humor", "Wel grappig.")]
    assert by_text["Hoe begon het?"].codes == []  # uncoded segments of a coded source
    diary = [u for u in units if u.doc_id == "Dagboek"]
    assert len(diary) == 1 and diary[0].codes == [] and diary[0].codings[0]["code_name"] == "Humor"


def test_map_codes_by_path_when_labels_repeat() -> None:
    from pipeline.exchange.qdpx_import import CodebookInfo, ProjectCode

    cb = codebook_from_dict({"id": "t", "groups": [
        {"id": "a", "label": "Afstemming", "kind": "single", "codes": [{"id": "a.hoog", "label": "Hoog"}]},
        {"id": "c", "label": "Context", "kind": "single", "codes": [{"id": "c.hoog", "label": "Hoog"}]}]})
    info = CodebookInfo(codes={
        "g1": ProjectCode("g1", "Hoog", ["Context", "Hoog"], True),
        "g2": ProjectCode("g2", "Afstemming > hoog", ["Afstemming > hoog"], True),
        "g3": ProjectCode("g3", "Hoog", ["Hoog"], True)})

    assert map_codes(info, cb) == {"g1": "c.hoog", "g2": "a.hoog"}


def test_round_trip_recovers_every_coding(run_dir, codebook, tmp_path) -> None:
    out = tmp_path / "p.qdpx"
    export_qdpx(run_dir, out, codebook)
    units, report = import_qdpx(out, codebook)

    run = load_run(run_dir, codebook)
    expected = sorted((s.doc_id, s.start, s.end, s.code, "narratives cue_tagger default 1.0")
                      for s in iter_suggestions(run, codebook))
    got = sorted((u.doc_id, c["start"], c["end"], c["code"], c["coder"])
                 for u in units for c in u.codings)
    assert got == expected and report["unmapped"] == []
    segments = {(d.doc_id, s["start"], s["end"]): s for d in run.documents for s in d.segments}
    for u in units:  # the same segments as the run, with the run's codes
        seg = segments[(u.doc_id, u.start, u.end)]
        assert u.text == seg["text"] and u.codes == seg["codes"]
        assert u.context["kind"] == next(d.kind for d in run.documents if d.doc_id == u.doc_id)
        assert u.coder == "narratives cue_tagger default 1.0"
    assert len(units) == len(segments)


def test_annotated_units_for_training(run_dir, codebook, tmp_path) -> None:
    out = tmp_path / "p.qdpx"
    export_qdpx(run_dir, out, codebook)

    units = load_annotated([out])  # training's loader, without a codebook: the project's own
    assert units and all(isinstance(u, AnnotatedUnit) for u in units)
    assert {c for u in units for c in u.codes} == {
        "decision_moment", "decision_type.methodisch_inhoudelijk", "factor.client",
        "phase.reflectie", "decision_type.logistiek", "factor.organisation"}
    assert annotated_units_from_qdpx(out, codebook)[1].codes == units[1].codes


def test_coder_filter(write_qdpx, codebook) -> None:
    path = write_qdpx(_foreign_project())
    units, _ = import_qdpx(path, codebook, coder="anna")
    assert units
    with pytest.raises(InputError, match="Anna"):
        import_qdpx(path, codebook, coder="Bert")


def test_path_traversal_is_refused(write_qdpx) -> None:
    members = _foreign_project()
    members["../../evil.txt"] = "x"
    with pytest.raises(InputError, match="unsafe member") as err:
        read_codings(write_qdpx(members))
    assert err.value.source.endswith("project.qdpx")
    members = _foreign_project()
    members["Project.qde"] = members["Project.qde"].replace(f'plainTextPath="{SRC1}.txt"',
                                                            'plainTextPath="../../etc/passwd"')
    with pytest.raises(InputError, match="unsafe path"):
        read_codings(write_qdpx(members, name="other.qdpx"))


def test_oversized_member_is_refused(write_qdpx) -> None:
    members = _foreign_project()
    members[f"Sources/{SRC1}.txt"] = "a" * 50_000
    with pytest.raises(InputError, match="limit of 10000 bytes"):
        read_codings(write_qdpx(members), max_bytes=10_000)


def test_entity_expansion_is_refused(write_qdpx) -> None:
    bomb = ('<?xml version="1.0"?>\n<!DOCTYPE Project [<!ENTITY a "aaaaaaaaaa">'
            '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;">]>'
            '<Project xmlns="urn:QDA-XML:project:1.0" name="&c;"><Sources><TextSource guid="'
            f'{SRC2}" name="x"><PlainTextContent>&c;</PlainTextContent></TextSource></Sources></Project>')
    with pytest.raises(InputError, match="entities"):
        read_codings(write_qdpx({"project.qde": bomb}))


def test_import_units_are_jsonl_records(run_dir, codebook, tmp_path) -> None:
    out = tmp_path / "p.qdpx"
    export_qdpx(run_dir, out, codebook)
    units, _ = import_qdpx(out, codebook)
    rec = json.loads(json.dumps(units[1].to_record(), ensure_ascii=False))
    assert list(rec) == ["id", "doc_id", "text", "codes", "coder", "start", "end", "context", "codings"]
