"""``narratives review`` end to end: a real run of two small transcripts, picked and exported."""

from __future__ import annotations

import csv
import json
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipeline.cli.main import _register, app
from pipeline.io import read_jsonl

REPO = Path(__file__).resolve().parents[2]
CODEBOOK = str(REPO / "configs" / "codebooks" / "default.yaml")

INTERVIEW_A = """Interviewer: Kunt u een situatie noemen waarin u moest kiezen?
Respondent: Ja. Toen heb ik besloten om niet meteen Veilig Thuis te bellen, maar eerst zelf met moeder te praten.
Interviewer: Waarom?
Respondent: Ik twijfelde echt, maar achteraf ben ik blij dat ik het zo gedaan heb. Het protocol van de organisatie zegt eigenlijk iets anders.
Interviewer: En hoe ging het daarna?
Respondent: De wachtlijst bij de ggz is lang, dus ik heb de huisarts gebeld en samen met haar gekeken wat er kon.
Interviewer: Wat vond u daarvan?
Respondent: Gezondheid is voor mij meer dan niet ziek zijn. Het gaat erom dat iemand mee kan doen.
"""
INTERVIEW_B = """Interviewer: Hoe ziet uw werkweek eruit?
Respondent: Druk. Mijn caseload is te hoog, en de teamleider wil dat we sneller afsluiten.
Interviewer: Kunt u een voorbeeld geven?
Respondent: Vorige week heb ik gekozen om een cliënt toch langer te houden, omdat zij er nog niet aan toe was.
Interviewer: Hoe reageerde uw leidinggevende?
Respondent: Die vond het prima, als ik het maar goed registreerde in het systeem.
"""


@pytest.fixture(scope="module")
def real_run(make_run) -> Path:
    return make_run({"interview_a.txt": INTERVIEW_A, "interview_b.txt": INTERVIEW_B}, "review_corpus")


@pytest.fixture(scope="module")
def cli() -> CliRunner:
    _register()
    return CliRunner()


def _segments(run: Path) -> list[dict]:
    return list(read_jsonl(run / "segments.jsonl"))


def _csv_rows(path: Path) -> list[dict]:
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh, delimiter=";"))


def test_review_csv_rows_are_the_picks_in_rank_order(cli, real_run, tmp_path):
    out = tmp_path / "review.csv"
    result = cli.invoke(app, ["review", str(real_run), "--budget", "3", "--format", "csv",
                              "--output", str(out), "--codebook", CODEBOOK])
    assert result.exit_code == 0, result.output
    assert "picked 3 of" in result.output and "mean uncertainty" in result.output

    rows = _csv_rows(out)
    segments = {(s["doc_id"], s["start"], s["end"]): s for s in _segments(real_run)}
    ranks = [int(r["review_rank"]) for r in rows]
    assert ranks == sorted(ranks) and set(ranks) == {1, 2, 3}
    units = {(r["doc_id"], int(r["start"]), int(r["end"])) for r in rows}
    assert len(units) == 3
    for r in rows:
        s = segments[(r["doc_id"], int(r["start"]), int(r["end"]))]
        assert s["role"] != "interviewer" and r["role"] != "interviewer"
        assert r["text"] == s["text"]
        assert 0.0 <= float(r["uncertainty"]) <= 1.0
        assert r["code"] in s["codes"] or "not assigned" in r["evidence"]
    by_rank = {}
    for r in rows:
        by_rank.setdefault(int(r["review_rank"]), float(r["uncertainty"]))
    assert by_rank[1] >= max(by_rank.values()) - 0.5  # the first pick is among the most uncertain


def test_reviewed_sheet_comes_back_through_import(cli, real_run, tmp_path):
    out = tmp_path / "review.csv"
    assert cli.invoke(app, ["review", str(real_run), "-n", "4", "-o", str(out)]).exit_code == 0
    rows = _csv_rows(out)
    for r in rows:
        r["decision"] = "accept"
    with open(out, "w", encoding="utf-8-sig", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]), delimiter=";")
        w.writeheader()
        w.writerows(rows)
    units = tmp_path / "units.jsonl"
    result = cli.invoke(app, ["import", str(out), "--output", str(units), "--run", str(real_run)])
    assert result.exit_code == 0, result.output
    imported = list(read_jsonl(units))
    assert len(imported) == len({(r["doc_id"], r["start"], r["end"]) for r in rows})
    assert all(u["codes"] for u in imported)


def test_pure_uncertainty_order(cli, real_run, tmp_path):
    out = tmp_path / "u.csv"
    result = cli.invoke(app, ["review", str(real_run), "-n", "5", "-o", str(out), "--rare-weight", "0",
                              "--diversity", "0"])
    assert result.exit_code == 0, result.output
    first = {}
    for r in _csv_rows(out):
        first.setdefault(int(r["review_rank"]), float(r["uncertainty"]))
    values = [first[k] for k in sorted(first)]
    assert values == sorted(values, reverse=True)  # no diversity, no rare codes: most uncertain first


def test_budget_larger_than_the_run_takes_every_respondent_unit(cli, real_run, tmp_path):
    out = tmp_path / "all.csv"
    result = cli.invoke(app, ["review", str(real_run), "--budget", "500", "-o", str(out)])
    assert result.exit_code == 0, result.output
    respondent = [s for s in _segments(real_run) if s["role"] != "interviewer"]
    assert f"picked {len(respondent)} of {len(respondent)} units from 2 documents" in result.output


def test_bad_format_and_suffix_are_refused(cli, real_run, tmp_path):
    r1 = cli.invoke(app, ["review", str(real_run), "-n", "2", "-o", str(tmp_path / "x.txt")])
    r2 = cli.invoke(app, ["review", str(real_run), "-n", "2", "-f", "qdpx", "-o", str(tmp_path / "x.csv")])
    assert r1.exit_code == 2 and "format" in r1.output
    assert r2.exit_code == 2 and ".qdpx" in r2.output


def test_review_xlsx(cli, real_run, tmp_path):
    pytest.importorskip("openpyxl")
    pytest.importorskip("pipeline.exchange.sheets")
    from openpyxl import load_workbook

    out = tmp_path / "review.xlsx"
    result = cli.invoke(app, ["review", str(real_run), "-n", "3", "-f", "xlsx", "-o", str(out)])
    assert result.exit_code == 0, result.output
    wb = load_workbook(out)
    ws = wb["suggestions"]
    header = [c.value for c in ws[1]]
    assert header[-2:] == ["review_rank", "uncertainty"] and "decision" in header
    ranks = [row[len(header) - 2] for row in ws.iter_rows(min_row=2, values_only=True)]
    assert ranks == sorted(ranks) and set(ranks) == {1, 2, 3}
    about = {row[0]: row[1] for row in wb["about"].iter_rows(values_only=True) if row and row[0]}
    assert about["run"] == str(real_run)


def test_review_qdpx(cli, real_run, tmp_path):
    pytest.importorskip("pipeline.exchange.qdpx_export")
    from lxml import etree

    out = tmp_path / "review.qdpx"
    result = cli.invoke(app, ["review", str(real_run), "-n", "3", "-f", "qdpx", "-o", str(out)])
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(out) as z:
        root = etree.fromstring(z.read("project.qde"))
        sources = [n for n in z.namelist() if n.startswith("sources/")]
    ns = {"q": "urn:QDA-XML:project:1.0"}
    selections = root.findall(".//q:PlainTextSelection", ns)
    assert len(selections) == 3
    assert 1 <= len(sources) <= 2
    assert all(sel.findall("q:Coding", ns) for sel in selections)


def test_review_with_a_model_rescores_the_run(cli, real_run, tmp_path, nlp):
    from pipeline.classifiers.sklearn_backend import SklearnCodeModel
    from tests.classifiers import sklearn_examples

    model_dir = tmp_path / "model"
    SklearnCodeModel(sklearn_examples.small_codebook(), nlp, C=50.0, cv=0, min_df=1).fit(
        sklearn_examples.small_units()).save(model_dir)
    out = tmp_path / "review.csv"
    result = cli.invoke(app, ["review", str(real_run), "-n", "3", "-o", str(out), "--model", str(model_dir)])
    assert result.exit_code == 0, result.output
    assert "thresholds: model" in result.output
    rows = _csv_rows(out)
    known = {"decision_moment", "factor.client", "factor.organisation", "identity.pragmatic",
             "identity.holistic"}
    assert rows and {r["code"] for r in rows} <= known
    assert len({(r["doc_id"], r["start"]) for r in rows}) == 3


def test_empty_run_says_nothing_to_review(cli, real_run, tmp_path):
    run = tmp_path / "run"
    run.mkdir()
    for name in ("documents.jsonl", "report.json"):
        (run / name).write_bytes((real_run / name).read_bytes())
    segs = [s for s in _segments(real_run) if s["role"] == "interviewer"]
    (run / "segments.jsonl").write_text("".join(json.dumps(s) + "\n" for s in segs), encoding="utf-8")
    result = cli.invoke(app, ["review", str(run), "-n", "3", "-o", str(tmp_path / "x.csv")])
    assert result.exit_code == 1 and "nothing to review" in result.output
