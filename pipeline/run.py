"""Batch runs: stream files through reading, structure, spaCy and taggers into an output folder.

Each input file's results go to a part file in ``DIR/.parts/`` (written atomically), keyed by the
file's content hash and the run's configuration fingerprint, so a rerun skips what is done. When
all files are processed, the parts are streamed, in input order, into ``documents.jsonl``,
``segments.jsonl`` and ``profiles.jsonl``, each replaced atomically, and ``report.json`` is written.
"""

from __future__ import annotations

import gc
import hashlib
import json
import logging
import os
import platform
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline import __version__
from pipeline.config import Config
from pipeline.cpus import default_workers
from pipeline.errors import InputError, PipelineError
from pipeline.io import atomic_open, file_sha256, write_json
from pipeline.model import Document, Unit
from pipeline.nlp.units import (
    context_window,
    process_units,
    sentence_offsets,
    unit_context,
    word_count,
)
from pipeline.profiles import Profiles
from pipeline.readers import ReaderConfig, iter_input_files, read_file
from pipeline.readers.common import doc_id_base
from pipeline.structure import StructureOptions, structure_document

log = logging.getLogger(__name__)

PARTS = ".parts"


@dataclass
class FileResult:
    source: str
    documents: int = 0
    units: int = 0
    words: int = 0
    reused: bool = False
    error: str | None = None


@dataclass
class RunSummary:
    out_dir: Path
    files: list[FileResult] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    report: dict[str, Any] = field(default_factory=dict)

    @property
    def failed(self) -> list[FileResult]:
        return [f for f in self.files if f.error]


def reader_config(config: Config) -> ReaderConfig:
    r = config.get("readers")
    return ReaderConfig(table_text_column=r["table_text_column"], table_id_column=r["table_id_column"],
                        table_speaker_column=r["table_speaker_column"],
                        table_role_column=r["table_role_column"],
                        table_kind_column=r["table_kind_column"], max_bytes=r["max_bytes"])


def structure_options(config: Config) -> StructureOptions:
    s = config.get("structure")
    return StructureOptions(kind=s["kind"], kind_patterns=s["kind_patterns"] or {},
                            roles=s["roles"] or {}, max_unit_chars=s["max_unit_chars"])


def _part_path(out_dir: Path, source: Path) -> Path:
    key = hashlib.sha1(str(source.resolve()).encode()).hexdigest()[:20]
    return out_dir / PARTS / f"{key}.jsonl"


# A part file (one per input file): "H" + header JSON, then "D" + document and "S" + segment
# lines exactly as they go into documents.jsonl and segments.jsonl, "P" + the file's profile
# records (for profiles.jsonl; a document's segments never span files), then "T" + totals (counts
# of kinds and codes). Final outputs are these lines copied in input order, never re-encoded.
PART_FORMAT = 3
PART_TAGS = {"document": "D", "segment": "S", "profile": "P"}


def _part_is_current(part: Path, file_hash: str, fingerprint: str, doc_id: str | None = None) -> bool:
    if not part.exists():
        return False
    try:
        with part.open(encoding="utf-8") as fh:
            first = fh.readline()
            header = json.loads(first[1:]) if first.startswith("H") else {}
    except (OSError, json.JSONDecodeError):
        return False
    return (header.get("file_sha256") == file_hash and header.get("fingerprint") == fingerprint
            and header.get("doc_id") == doc_id)


def annotate_document(doc: Document, units: list[Unit], nlp: Any, batch_size: int) -> list[dict[str, Any]]:
    """Run spaCy and the taggers over a document's units; return segment records."""
    contexts = [unit_context(u, doc.kind, *context_window(units, i)) for i, u in enumerate(units)]
    docs = process_units(nlp, [u.text for u in units], contexts, batch_size=batch_size)
    records = []
    for unit, sdoc in zip(units, docs):
        unit.sentences = sentence_offsets(sdoc, unit.start)
        if sdoc._.codes is not None:
            unit.codes = list(sdoc._.codes)
            unit.scores = dict(sdoc.cats)  # the taggers write them rounded to 4 places
            unit.evidence = {code: [_absolute(item, unit.start) for item in items]
                             for code, items in (sdoc._.evidence or {}).items()}
        record = unit.to_dict()
        record["words"] = word_count(sdoc)
        records.append(record)
    return records


def _absolute(item: dict[str, Any], offset: int) -> dict[str, Any]:
    """Evidence offsets point into the document text, like every other offset we write."""
    if "start" in item:
        return {**item, "start": item["start"] + offset, "end": item["end"] + offset}
    return item


def _process_file(path: Path, root: Path | None, config: Config, nlp: Any,
                  part: Path, file_hash: str, fingerprint: str, doc_id: str | None = None) -> FileResult:
    result = FileResult(str(path))
    options = structure_options(config)
    kinds: Counter[str] = Counter()
    codes: Counter[str] = Counter()
    codebook = _run_codebook(nlp)
    profiles = Profiles(codebook) if codebook is not None else None
    with atomic_open(part) as fh:
        header = {"source": str(path), "file_sha256": file_hash, "fingerprint": fingerprint}
        if doc_id is not None:
            header["doc_id"] = doc_id
        fh.write("H" + json.dumps(header) + "\n")
        for document in read_file(path, reader_config(config), root=root, doc_id=doc_id):
            document, units = structure_document(document, options)
            segments = annotate_document(document, units, nlp, config.get("nlp", "batch_size"))
            fh.write("D" + json.dumps(document.to_dict(), ensure_ascii=False) + "\n")
            kinds[document.kind] += 1
            for seg in segments:
                result.words += seg["words"]
                codes.update(seg["codes"])
                fh.write("S" + json.dumps(seg, ensure_ascii=False) + "\n")
                if profiles is not None:
                    profiles.add(seg)
            result.documents += 1
            result.units += len(segments)
        for record in profiles.records() if profiles is not None else ():
            fh.write("P" + json.dumps(record, ensure_ascii=False) + "\n")
        fh.write("T" + json.dumps({"documents": result.documents, "units": result.units,
                                   "words": result.words, "kinds": kinds, "codes": codes}) + "\n")
    if result.documents == 0:
        part.unlink(missing_ok=True)
        raise InputError(path, "contains no documents")
    return result


def _part_totals(part: Path) -> dict[str, Any]:
    """The totals line at the end of a part (read from the end, not through the file)."""
    with part.open("rb") as fh:
        fh.seek(0, 2)
        size = fh.tell()
        fh.seek(max(0, size - 65536))
        last = fh.read().rstrip(b"\n").rsplit(b"\n", 1)[-1].decode("utf-8")
    if not last.startswith("T"):
        raise OSError(f"part {part.name} has no totals line")
    return json.loads(last[1:])


def _count_part(part: Path) -> FileResult:
    with part.open(encoding="utf-8") as fh:
        header = json.loads(fh.readline()[1:])
    totals = _part_totals(part)
    return FileResult(header["source"], totals["documents"], totals["units"], totals["words"],
                      reused=True)


def _iter_parts(parts: list[Path], kind: str) -> Iterator[str]:
    """The output lines of one kind ("document", "segment" or "profile") of every part, in order."""
    tag = PART_TAGS[kind]
    for part in parts:
        with part.open(encoding="utf-8") as fh:
            for line in fh:
                if line.startswith(tag):
                    yield line[1:]


def _inputs(paths: list[Path]) -> tuple[list[Path], list[Path], dict[Path, Path | None]]:
    """Input files, skipped files, and the folder each file was found under (for doc ids
    relative to it); one walk over each folder."""
    files: list[Path] = []
    skipped: list[Path] = []
    roots: dict[Path, Path | None] = {}
    for p in paths:
        found, passed = iter_input_files([p])
        for f in found:
            if f not in roots:
                roots[f] = p if p.is_dir() else None
                files.append(f)
        skipped += [f for f in passed if f not in skipped]
    return files, skipped, roots


def distinct_doc_ids(files: list[Path], roots: dict[Path, Path | None]) -> dict[Path, str]:
    """Doc id bases for files whose usual one (the path relative to its input folder, without
    suffix) another input file shares: "site_a/interview_01" from two folders, or
    "interview.docx" beside "interview.txt". Those files' ids keep what tells them apart, the
    path from the folder the clashing files have in common, suffix included ("site_a/
    interview_01.txt"); every other file keeps its usual id. Documents that share an id could
    not be told apart in the outputs, the profiles or a QDA project."""
    by_base: dict[str, list[Path]] = {}
    for f in files:
        by_base.setdefault(doc_id_base(f, roots.get(f)), []).append(f)
    own: dict[Path, str] = {}
    for base, clash in by_base.items():
        if len(clash) < 2:
            continue
        common = Path(os.path.commonpath([f.resolve().parent for f in clash]))
        for f in clash:
            own[f] = f.resolve().relative_to(common).as_posix()
        log.warning("%d input files would share the document id %r; their ids keep folder and "
                    "suffix: %s", len(clash), base, ", ".join(own[f] for f in clash))
    taken = {base for base, files_with_it in by_base.items() if len(files_with_it) == 1}
    for f, doc_id in own.items():
        if doc_id in taken:  # a file elsewhere is called that already: the whole path then
            own[f] = f.resolve().as_posix().lstrip("/")
    return own


def run(paths: list[Path], out_dir: Path, config: Config, *, force: bool = False,
        nlp: Any = None, progress: Callable[[FileResult, int, int], None] | None = None,
        workers: int = 1, executor: Any = None) -> RunSummary:
    """Process ``paths`` (files or folders) into ``out_dir``; never raises for a bad input file.

    ``workers`` > 1 processes files in that many processes (each with the pipeline loaded once;
    0: one per CPU core this process may use, see ``default_workers``);
    outputs are the same, byte for byte, as with one: every file goes to its own part file and
    the parts are joined in input order. ``executor`` runs the files elsewhere instead: an object
    with ``map_unordered(jobs, config, fingerprint)`` yielding (index, FileResult), such as
    ``pipeline.distributed.DaskExecutor`` (a Dask cluster over a shared file system).
    """
    from pipeline.tagging import build_pipeline

    started = time.perf_counter()
    workers = workers or default_workers()
    out_dir.mkdir(parents=True, exist_ok=True)
    files, skipped, roots = _inputs([Path(p) for p in paths])
    summary = RunSummary(out_dir, skipped=[str(s) for s in skipped])
    for s in skipped:
        log.info("skipped (unknown file type): %s", s)
    if nlp is None:
        nlp, tagger_info = build_pipeline(config)
    else:
        tagger_info = {"tagger": "given"}
    # The loaded pipeline lives as long as the run: kept out of the collector's walks while it
    # runs (and out of copy-on-write in forked workers), handed back to it at the end; left
    # alone where the caller manages frozen objects itself. Measured: 5% of a whole run.
    freeze = gc.get_freeze_count() == 0
    if freeze:
        gc.freeze()
    try:
        return _run_loaded(summary, files, roots, config, nlp, tagger_info, force=force,
                           progress=progress, workers=workers, executor=executor, started=started)
    finally:
        if freeze:
            gc.unfreeze()


def _run_loaded(summary: RunSummary, files: list[Path], roots: dict[Path, Path | None], config: Config,
                nlp: Any, tagger_info: dict[str, Any], *, force: bool,
                progress: Callable[[FileResult, int, int], None] | None, workers: int, executor: Any,
                started: float) -> RunSummary:
    """``run`` once the pipeline is loaded: each file to its part, then the outputs."""
    out_dir = summary.out_dir
    fingerprint = hashlib.sha256(
        (config.fingerprint() + json.dumps(tagger_info, sort_keys=True) + __version__
         + str(PART_FORMAT)).encode()
    ).hexdigest()[:16]
    own_ids = distinct_doc_ids(files, roots)
    jobs = [_Job(path, roots.get(path), _part_path(out_dir, path), doc_id=own_ids.get(path))
            for path in files]
    results: list[FileResult | None] = [None] * len(jobs)
    todo: list[int] = []
    done_count = 0
    for i, job in enumerate(jobs):
        try:
            job.file_hash = file_sha256(job.path)
            if not force and _part_is_current(job.part, job.file_hash, fingerprint, job.doc_id):
                results[i] = _count_part(job.part)
            else:
                todo.append(i)
        except OSError as e:
            results[i] = _failure(job.path, e)
        if results[i] is not None:
            done_count += 1
            if progress:
                progress(results[i], done_count, len(jobs))
    t0 = time.perf_counter()
    results_iter = (executor.map_unordered([(i, jobs[i]) for i in todo], config, fingerprint)
                    if executor is not None else _process_all(jobs, todo, config, nlp, fingerprint, workers))
    for i, result in results_iter:
        results[i] = result
        done_count += 1
        if progress:
            progress(result, done_count, len(jobs))
    nlp_seconds = time.perf_counter() - t0 if todo else 0.0
    summary.files = [r for r in results if r is not None]
    done_parts = [job.part for job, r in zip(jobs, results) if r is not None and not r.error]
    documents_n, profiles_n = _write_outputs(out_dir, done_parts)
    extra = {"profiles": profiles_n}
    elapsed = time.perf_counter() - started
    summary.report = _report(summary, config, tagger_info, nlp, elapsed, nlp_seconds, documents_n, extra,
                             done_parts)
    write_json(out_dir / "report.json", summary.report)
    return summary


@dataclass
class _Job:
    path: Path
    root: Path | None
    part: Path
    file_hash: str = ""
    doc_id: str | None = None  # the base of its doc ids where the usual one is another file's


def _failure(path: Path, error: Exception) -> FileResult:
    if isinstance(error, (InputError, PipelineError)):
        log.error("%s", error)
        return FileResult(str(path), error=str(error).removeprefix(f"{path}: "))
    reason = getattr(error, "strerror", None) or error
    log.error("%s: cannot be read (%s)", path, reason)
    return FileResult(str(path), error=f"cannot be read ({reason})")


def process_job(job: _Job, config: Config, nlp: Any, fingerprint: str) -> FileResult:
    """One input file into its part file; a bad file gives a FileResult with ``error``.

    The per-file function that one process, a pool of processes, or a cluster runs
    (see ``pipeline.distributed``)."""
    try:
        return _process_file(job.path, job.root, config, nlp, job.part, job.file_hash, fingerprint,
                             job.doc_id)
    except (InputError, PipelineError, OSError) as e:
        return _failure(job.path, e)


_WORKER: dict[str, Any] = {}  # the pipeline of a worker process (inherited or built once)


def _worker_init(config: Config) -> None:
    if "nlp" not in _WORKER:
        from pipeline.tagging import build_pipeline

        _WORKER["nlp"] = build_pipeline(config)[0]


def _worker_job(job: _Job, config: Config, fingerprint: str) -> FileResult:
    return process_job(job, config, _WORKER["nlp"], fingerprint)


def _process_all(jobs: list[_Job], todo: list[int], config: Config, nlp: Any, fingerprint: str,
                 workers: int) -> Iterator[tuple[int, FileResult]]:
    """(index, result) for every job to do, as they finish."""
    if workers <= 1 or len(todo) <= 1:
        for i in todo:
            yield i, process_job(jobs[i], config, nlp, fingerprint)
        return
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, as_completed

    methods = multiprocessing.get_all_start_methods()
    # fork: workers share the loaded pipeline with this process (no second start-up).
    context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    _WORKER["nlp"] = nlp
    try:
        with ProcessPoolExecutor(max_workers=min(workers, len(todo)), mp_context=context,
                                 initializer=_worker_init, initargs=(config,)) as pool:
            futures = {pool.submit(_worker_job, jobs[i], config, fingerprint): i
                       for i in largest_first(jobs, todo)}
            for future in as_completed(futures):
                yield futures[future], future.result()
    finally:
        _WORKER.pop("nlp", None)


def largest_first(jobs: list[_Job], todo: list[int]) -> list[int]:
    """The jobs to do, largest file first (ties in input order).

    Workers take the next job as they finish one; started last, a long interview would keep one
    worker busy while the others idle. Outputs do not depend on this order: parts are joined in
    input order."""
    def size(i: int) -> int:
        try:
            return jobs[i].path.stat().st_size
        except OSError:
            return 0  # the worker reports the error
    return sorted(todo, key=lambda i: -size(i))


def _run_codebook(nlp: Any) -> Any:
    """The codebook the run's tagger used (for profiles), or None when nothing tagged."""
    for name in ("code_classifier", "cue_tagger"):
        if name in nlp.pipe_names:
            comp = nlp.get_pipe(name)
            return comp.model.codebook if name == "code_classifier" else comp.codebook
    return None


def _write_outputs(out_dir: Path, parts: list[Path]) -> tuple[int, int]:
    """documents.jsonl, segments.jsonl and profiles.jsonl from the parts; (documents, profiles)."""
    counts = {}
    for kind, name in (("document", "documents.jsonl"), ("segment", "segments.jsonl"),
                       ("profile", "profiles.jsonl")):
        n = 0
        with atomic_open(out_dir / name) as fh:
            for line in _iter_parts(parts, kind):
                fh.write(line)
                n += 1
        counts[kind] = n
    return counts["document"], counts["profile"]


def _report(summary: RunSummary, config: Config, tagger_info: dict[str, Any], nlp: Any,
            elapsed: float, nlp_seconds: float, n_docs: int, extra: dict[str, Any],
            parts: list[Path]) -> dict[str, Any]:
    from pipeline.nlp.language import model_description

    ok = [f for f in summary.files if not f.error]
    processed = [f for f in ok if not f.reused]
    words = sum(f.words for f in ok)
    words_new = sum(f.words for f in processed)
    kinds: Counter[str] = Counter()
    codes: Counter[str] = Counter()
    n_units = 0
    for part in parts:
        totals = _part_totals(part)
        kinds.update(totals["kinds"])
        codes.update(totals["codes"])
        n_units += totals["units"]
    return {
        "pipeline_version": __version__,
        "config": config.source,
        "counts": {
            "files": len(summary.files), "files_ok": len(ok), "files_failed": len(summary.failed),
            "files_reused": sum(f.reused for f in ok), "files_skipped": len(summary.skipped),
            "documents": n_docs, "units": n_units, "words": words, "kinds": dict(kinds),
            "codes": dict(sorted(codes.items())),
        },
        "timings": {"total_seconds": round(elapsed, 3), "processing_seconds": round(nlp_seconds, 3),
                    "words_per_second": round(words_new / nlp_seconds, 1) if nlp_seconds else None},
        "versions": {"python": platform.python_version(), "spacy_model": model_description(nlp),
                     **_package_versions()},
        "tagger": tagger_info,
        "failed": [{"source": f.source, "error": f.error} for f in summary.failed],
        "skipped": summary.skipped,
        "outputs": {"documents": "documents.jsonl", "segments": "segments.jsonl",
                    "profiles": "profiles.jsonl", "profile_records": extra["profiles"]},
    }


def _package_versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    out = {}
    for pkg in ("spacy", "scikit-learn", "simplemma", "numpy"):
        try:
            out[pkg] = version(pkg)
        except PackageNotFoundError:
            continue
    return out
