"""The shipped defaults travel with the package: any working folder, and a built wheel."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _narratives(*args: str, cwd: Path, exe: str | None = None) -> subprocess.CompletedProcess[str]:
    cmd = [exe] if exe else [sys.executable, "-m", "pipeline"]
    return subprocess.run([*cmd, *args], cwd=cwd, capture_output=True, text=True, timeout=600,
                          env={**os.environ, "PYTHONPATH": ""})


def _coded_units(out: Path) -> tuple[int, int]:
    rows = [json.loads(line) for line in (out / "segments.jsonl").read_text(encoding="utf-8").splitlines()]
    return len(rows), sum(bool(r["codes"]) for r in rows)


def test_package_list_names_every_package_folder() -> None:
    tomllib = pytest.importorskip("tomllib")
    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    on_disk = {".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "pipeline").rglob("__init__.py")}
    assert on_disk <= listed, f"add to pyproject.toml [tool.setuptools] packages: {on_disk - listed}"


def test_run_from_another_folder_codes_with_the_shipped_model(tmp_path: Path) -> None:
    demo = ROOT / "corpora" / "demo" / "interview_spv.txt"
    done = _narratives("run", str(demo), "--out", str(tmp_path / "out"), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    assert report["tagger"]["tagger"] == "code_classifier"
    assert Path(report["tagger"]["model"]).name == "default"
    n, coded = _coded_units(tmp_path / "out")
    assert n > 10 and coded > 0


def test_info_says_where_config_codebook_and_model_come_from(tmp_path: Path) -> None:
    done = _narratives("info", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    lines = dict(line.split(":", 1) for line in done.stdout.splitlines()[1:])
    assert "shipped with the package" in lines["config"]
    assert lines["codebook"].strip().endswith("default.yaml")
    assert "sklearn" in lines["model"]
    assert "spacy" in lines
    here = _narratives("info", cwd=ROOT)
    assert "this folder's configs/" in here.stdout


def test_a_project_folder_config_wins_over_the_shipped_one(tmp_path: Path) -> None:
    (tmp_path / "configs").mkdir()
    (tmp_path / "configs" / "default.yaml").write_text(
        f"codebook: {ROOT / 'configs' / 'codebooks' / 'ses_reasoning.yaml'}\ntagging:\n  model: null\n",
        encoding="utf-8")
    done = _narratives("info", cwd=tmp_path)
    assert "this folder's configs/" in done.stdout
    assert "ses_reasoning.yaml" in done.stdout
    assert "cue tagger" in done.stdout


def test_a_run_that_finds_no_codebook_fails_clearly(tmp_path: Path) -> None:
    (tmp_path / "in.txt").write_text("Ik heb toen besloten de huisarts te bellen.\n", encoding="utf-8")
    (tmp_path / "cfg.yaml").write_text("codebook: gone/missing.yaml\n", encoding="utf-8")
    done = _narratives("run", "in.txt", "--out", "out", "--config", "cfg.yaml", cwd=tmp_path)
    assert done.returncode == 2
    assert "cfg.yaml" in done.stderr and "codebook" in done.stderr and "missing.yaml" in done.stderr
    assert not (tmp_path / "out" / "segments.jsonl").exists()
    (tmp_path / "none.yaml").write_text("codebook: null\n", encoding="utf-8")
    done = _narratives("run", "in.txt", "--out", "out", "--config", "none.yaml", cwd=tmp_path)
    assert done.returncode == 2 and "--no-codes" in done.stderr


def test_no_codes_is_an_explicit_choice(tmp_path: Path) -> None:
    (tmp_path / "in.txt").write_text("Ik heb toen besloten de huisarts te bellen.\n", encoding="utf-8")
    done = _narratives("run", "in.txt", "--out", "out", "--no-codes", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    assert report["tagger"] == {"tagger": None, "codes": "off"}
    n, coded = _coded_units(tmp_path / "out")
    assert n == 1 and coded == 0


@pytest.mark.slow
def test_a_built_wheel_alone_codes_the_demo_corpus(tmp_path: Path) -> None:
    """Build the wheel, install only it into a fresh venv (dependencies from this environment,
    no index), and run it from an empty folder: the defaults must come from inside the wheel."""
    dist = tmp_path / "dist"
    built = subprocess.run([sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir",
                            str(dist), str(ROOT)], capture_output=True, text=True, timeout=600)
    assert built.returncode == 0, built.stdout[-2000:] + built.stderr[-2000:]
    wheel = next(dist.glob("dutch_narratives-*.whl"))
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    py = venv / "bin" / "python"
    subprocess.run([str(py), "-m", "pip", "install", "-q", "--no-deps", "--no-index", str(wheel)],
                   check=True, timeout=300)
    site = subprocess.run([str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          capture_output=True, text=True, check=True).stdout.strip()
    # Dependencies come from this environment; its .pth files (our editable install) are not
    # processed from a path line, so `pipeline` can only come from the wheel.
    Path(site, "deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    empty = tmp_path / "empty"
    empty.mkdir()
    where = subprocess.run([str(py), "-c", "import pipeline; print(pipeline.__file__)"], cwd=empty,
                           capture_output=True, text=True, check=True).stdout
    assert where.startswith(str(venv)), where
    done = _narratives("run", str(ROOT / "corpora" / "demo"), "--out", "out", cwd=empty,
                       exe=str(venv / "bin" / "narratives"))
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads((empty / "out" / "report.json").read_text())
    assert report["tagger"]["model"].startswith(str(venv))
    n, coded = _coded_units(empty / "out")
    assert n > 300 and coded > n // 4
