"""Runs over several processes or a Dask cluster give the same outputs as one process."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipeline.cli.main import _register, app
from pipeline.config import load_config
from pipeline.run import run

_register()
OUTPUTS = ("documents.jsonl", "segments.jsonl", "profiles.jsonl")


@pytest.fixture
def corpus(repo_root: Path, tmp_path: Path) -> Path:
    """Eight files of the demo corpus (text, subtitles, spreadsheet, Word) and one broken file."""
    folder = tmp_path / "in"
    folder.mkdir()
    demo = repo_root / "corpora" / "demo"
    for name in ("interview_spv.txt", "interview_wijkagent.srt", "interview_jongerenwerker.vtt",
                 "interviews_kort.csv", "beslissingen.jsonl", "dagboek_wijkverpleegkundige.txt",
                 "interview_huisarts.docx", "casuistiekbespreking_verslag.txt"):
        shutil.copy(demo / name, folder / name)
    (folder / "kapot.docx").write_bytes(b"PK\x03\x04 geen zip")
    return folder


def _outputs(out: Path) -> dict[str, bytes]:
    return {name: (out / name).read_bytes() for name in OUTPUTS}


def test_two_workers_write_the_same_bytes_as_one(corpus: Path, tmp_path: Path) -> None:
    config = load_config(None, [])
    one = run([corpus], tmp_path / "one", config)
    two = run([corpus], tmp_path / "two", config, workers=2)

    assert _outputs(tmp_path / "one") == _outputs(tmp_path / "two")
    assert [f.source for f in one.files] == [f.source for f in two.files]
    assert [f.source for f in two.failed] == [str(corpus / "kapot.docx")]
    report = json.loads((tmp_path / "two" / "report.json").read_text())
    assert report["counts"]["units"] == one.report["counts"]["units"] > 100
    assert report["counts"]["codes"] == one.report["counts"]["codes"]

    again = run([corpus], tmp_path / "two", config, workers=2)  # resumable as with one worker
    assert all(f.reused for f in again.files if not f.error)
    assert _outputs(tmp_path / "two") == _outputs(tmp_path / "one")


def test_a_run_leaves_the_garbage_collector_as_it_found_it(corpus: Path, tmp_path: Path) -> None:
    """The run keeps its pipeline out of the collector while it runs (gc.freeze), and a library
    user's process gets its objects back afterwards, also when the run fails on a file; a caller
    that froze objects itself keeps them frozen."""
    import gc

    config = load_config(None, [])
    assert gc.get_freeze_count() == 0
    run([corpus], tmp_path / "a", config)
    assert gc.get_freeze_count() == 0
    gc.freeze()
    try:
        run([corpus], tmp_path / "b", config)
        assert gc.get_freeze_count() > 0  # not unfrozen by the run
    finally:
        gc.unfreeze()
    assert _outputs(tmp_path / "a") == _outputs(tmp_path / "b")


def test_workers_option_of_the_command(corpus: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["run", str(corpus), "--out", str(tmp_path / "out"), "--workers", "2"])

    assert result.exit_code == 1  # the broken file
    assert "kapot.docx" in result.output
    run([corpus], tmp_path / "ref", load_config(None, []))
    assert _outputs(tmp_path / "out") == _outputs(tmp_path / "ref")


@pytest.mark.slow
def test_a_dask_cluster_writes_the_same_bytes(corpus: Path, tmp_path: Path) -> None:
    distributed = pytest.importorskip("distributed")
    from pipeline.distributed import run_on_dask

    config = load_config(None, [])
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster, distributed.Client(cluster) as client:
        summary = run_on_dask([corpus], tmp_path / "dask", config, client)
    run([corpus], tmp_path / "one", config)

    assert _outputs(tmp_path / "dask") == _outputs(tmp_path / "one")
    assert [f.source for f in summary.failed] == [str(corpus / "kapot.docx")]


def test_default_is_one_worker_per_usable_core(monkeypatch) -> None:
    from pipeline import cpus

    monkeypatch.setattr(cpus.os, "sched_getaffinity", lambda pid: {0, 1, 2}, raising=False)
    assert cpus.default_workers() == 3
    monkeypatch.setattr(cpus.os, "sched_getaffinity", lambda pid: set(range(64)), raising=False)
    assert cpus.default_workers() == cpus.MAX_DEFAULT_WORKERS


def test_the_command_without_workers_runs_files_side_by_side(corpus: Path, tmp_path: Path, monkeypatch) -> None:
    from pipeline import run as run_module

    seen: list[int] = []
    original = run_module._process_all

    def spy(jobs, todo, config, nlp, fingerprint, workers):
        seen.append(workers)
        return original(jobs, todo, config, nlp, fingerprint, workers)

    monkeypatch.setattr(run_module, "default_workers", lambda: 2)
    monkeypatch.setattr(run_module, "_process_all", spy)
    result = CliRunner().invoke(app, ["run", str(corpus), "--out", str(tmp_path / "out")])

    assert result.exit_code == 1, result.output  # the broken file
    assert seen == [2]
    run([corpus], tmp_path / "ref", load_config(None, []), workers=1)
    assert _outputs(tmp_path / "out") == _outputs(tmp_path / "ref")


def test_profiles_of_a_run_are_those_of_its_segments(corpus: Path, tmp_path: Path) -> None:
    """Each worker rolls up its files' profiles; joined, they are the profiles of the whole
    segments.jsonl (documents never span files), in document order, also on a resumed run."""
    from pipeline.codebook import load_codebook
    from pipeline.io import read_jsonl
    from pipeline.profiles import build_profiles

    config = load_config(None, [])
    run([corpus], tmp_path / "out", config, workers=2)
    codebook = load_codebook(config.path("codebook"))
    expected = build_profiles(read_jsonl(tmp_path / "out" / "segments.jsonl"), codebook)
    written = list(read_jsonl(tmp_path / "out" / "profiles.jsonl"))
    assert written == expected
    assert len({r["doc_id"] for r in written}) >= 5 and any(r["level"] == "speaker" for r in written)
    summary = run([corpus], tmp_path / "out", config)  # every part reused
    assert all(f.reused for f in summary.files if not f.error)
    assert list(read_jsonl(tmp_path / "out" / "profiles.jsonl")) == expected
    assert summary.report["outputs"]["profile_records"] == len(expected)


def test_workers_start_on_the_largest_files_first(tmp_path: Path) -> None:
    """A long interview listed last would otherwise keep one worker busy after the rest idle."""
    from pipeline.run import _Job, largest_first

    sizes = {"a.txt": 10, "b.txt": 5000, "c.txt": 10, "d.txt": 700}
    jobs = []
    for name, size in sizes.items():
        (tmp_path / name).write_text("x" * size)
        jobs.append(_Job(tmp_path / name, None, tmp_path / f"{name}.part"))
    jobs.append(_Job(tmp_path / "gone.txt", None, tmp_path / "gone.part"))  # its worker reports it

    order = largest_first(jobs, [0, 1, 2, 3, 4])
    assert [jobs[i].path.name for i in order] == ["b.txt", "d.txt", "a.txt", "c.txt", "gone.txt"]
    assert largest_first(jobs, [2, 0]) == [2, 0]  # equal sizes keep input order
