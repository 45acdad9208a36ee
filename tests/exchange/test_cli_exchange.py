"""``narratives export`` and ``narratives import`` end to end, on a real run of two small files."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipeline.cli.main import _register, app
from pipeline.training.data import load_annotated

from .conftest import REPO

INTERVIEW = """I: Kunt u een situatie noemen waarin u moest kiezen?
R: Ja. Toen heb ik besloten om niet meteen Veilig Thuis te bellen, maar eerst zelf met moeder te praten.
I: Waarom?
R: Ik twijfelde echt, maar achteraf ben ik blij dat ik het zo gedaan heb. Het protocol van de organisatie zegt eigenlijk iets anders.
"""
DIARY = """Beslissing 1 – maandag 3 maart
Situatie: Cliënt belt over een schuld bij de woningcorporatie.
Besluit: Ik heb toen maar een betalingsregeling voorgesteld.
Reflectie: Achteraf had ik eerder moeten bellen.

Beslissing 2 – dinsdag 4 maart
Situatie: Geen nieuws.
"""


@pytest.fixture(scope="module")
def real_run(make_run) -> Path:
    """One real run (reading, structure, spaCy, the configured tagger): the slow part, done once."""
    return make_run({"interview_jw.txt": INTERVIEW, "dagboek_shv.txt": DIARY})


@pytest.fixture(scope="module")
def cli() -> CliRunner:
    _register()
    return CliRunner()


pytestmark = pytest.mark.slow  # one real run (spaCy + the configured tagger) shared by the module

CODEBOOK = str(REPO / "configs" / "codebooks" / "default.yaml")


def test_export_and_import_qdpx(real_run, cli, tmp_path) -> None:
    project = tmp_path / "suggesties.qdpx"
    result = cli.invoke(app, ["export", str(real_run), "--format", "qdpx", "--output", str(project),
                              "--codebook", CODEBOOK])
    assert result.exit_code == 0, result.output
    coder = json.loads((real_run / "report.json").read_text())["tagger"]
    name = re.search(r"coder '(narratives [^']+)'", result.output).group(1)
    assert name.startswith(f"narratives {coder.get('backend') or coder['tagger']}")

    units_path = tmp_path / "units.jsonl"
    result = cli.invoke(app, ["import", str(project), "--output", str(units_path),
                              "--codebook", CODEBOOK])
    assert result.exit_code == 0, result.output
    assert f"coders: {name}" in result.output
    records = [json.loads(line) for line in units_path.read_text(encoding="utf-8").splitlines()]
    segments = [json.loads(line) for line in (real_run / "segments.jsonl").read_text(encoding="utf-8").splitlines()]
    assert sorted((r["doc_id"], r["start"], r["end"], tuple(r["codes"])) for r in records) == sorted(
        (s["doc_id"], s["start"], s["end"], tuple(s["codes"])) for s in segments)
    assert any(r["codes"] for r in records)
    assert all(set(r) >= {"id", "doc_id", "text", "codes", "coder", "start", "end", "context", "codings"}
               for r in records)
    assert sum(len(r["codings"]) for r in records) == sum(len(s["codes"]) for s in segments)
    units = load_annotated([units_path])  # what 'narratives train --data units.jsonl' reads
    assert len(units) == len(records) and units[0].context["kind"]


def test_export_and_import_a_review_sheet(real_run, cli, tmp_path) -> None:
    import openpyxl

    sheet = tmp_path / "review.xlsx"
    result = cli.invoke(app, ["export", str(real_run), "--output", str(sheet), "--codebook", CODEBOOK,
                              "--groups", "decision_moment,factor"])
    assert result.exit_code == 0, result.output
    wb = openpyxl.load_workbook(sheet)
    ws = wb["suggestions"]
    header = [c.value for c in ws[1]]
    codes = [ws.cell(row=r, column=header.index("code") + 1).value for r in range(2, ws.max_row + 1)]
    assert codes and set(codes) <= {"decision_moment", "factor.organisation", "factor.client",
                                    "factor.expertise", "factor.societal", "factor.knowledge"}
    for r in range(2, ws.max_row + 1):
        ws.cell(row=r, column=header.index("decision") + 1, value="accept" if r % 2 else "reject")
    wb.save(sheet)

    out = tmp_path / "reviewed.jsonl"
    result = cli.invoke(app, ["import", str(sheet), "--output", str(out), "--codebook", CODEBOOK,
                              "--run", str(real_run), "--coder", "Anna"])
    assert result.exit_code == 0, result.output
    assert "0 without a decision" in result.output
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert sum(len(r["codes"]) + len(r["rejected"]) for r in records) == len(codes)
    assert {r["coder"] for r in records} == {"Anna"} and all(r["context"]["kind"] for r in records)


def test_clear_errors_and_help(real_run, cli, tmp_path) -> None:
    result = cli.invoke(app, ["export", str(real_run), "--output", str(tmp_path / "x.pdf"),
                              "--codebook", CODEBOOK])
    assert result.exit_code == 2 and "error:" in result.output and "qdpx, xlsx, csv" in result.output
    result = cli.invoke(app, ["export", str(real_run), "--output", str(tmp_path / "x.qdpx"),
                              "--codebook", CODEBOOK, "--groups", "factoren"])
    assert result.exit_code == 2 and "'factoren'" in result.output
    bad = tmp_path / "bad.csv"
    bad.write_text("doc_id;start;end;text;code\nd;0;4;tekst;decision_moment\n", encoding="utf-8")
    result = cli.invoke(app, ["import", str(bad), "--output", str(tmp_path / "u.jsonl"),
                              "--codebook", CODEBOOK])
    assert result.exit_code == 2 and "lacks the column(s) decision" in result.output
    assert not (tmp_path / "u.jsonl").exists()
    for command in ("export", "import"):
        result = cli.invoke(app, [command, "--help"])
        assert result.exit_code == 0 and "Examples" in result.output


def test_a_run_on_an_exported_project_keeps_each_source_kind(real_run, cli, tmp_path) -> None:
    from pipeline.readers import read_file

    project = tmp_path / "p.qdpx"
    assert cli.invoke(app, ["export", str(real_run), "--output", str(project), "--codebook", CODEBOOK]).exit_code == 0
    kinds = {json.loads(line)["doc_id"]: json.loads(line)["kind"]
             for line in (real_run / "documents.jsonl").read_text(encoding="utf-8").splitlines()}

    read_back = {d.metadata["name"]: d.kind for d in read_file(project)}

    assert sorted(read_back.values()) == sorted(kinds.values())
