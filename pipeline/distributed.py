"""Runs past one machine: the same per-file function on a Dask cluster.

``narratives run`` splits a corpus into files, and each file is processed on its own into a part
file (``pipeline.run.process_job``); joining the parts in input order gives the outputs. Here the
files go to the workers of a ``dask.distributed`` cluster instead of local processes. Each
worker builds the pipeline once (on first use) and keeps it. Inputs and the output folder must be
on a file system that every worker sees (a shared or network folder), as with any cluster; the
joining, the report and the resume logic stay on the machine that calls ``run``.

    from dask.distributed import Client
    from pipeline.config import load_config
    from pipeline.distributed import run_on_dask

    with Client("tcp://scheduler:8786") as client:
        run_on_dask(["/shared/interviews"], "/shared/out", load_config(None, []), client)

Needs ``pip install 'dutch-narratives[distributed]'``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from pipeline.config import Config
from pipeline.run import FileResult, RunSummary, process_job, run

_PIPELINES: dict[str, Any] = {}  # config fingerprint -> pipeline, per worker process


def _job_on_worker(job: Any, config: Config, fingerprint: str) -> FileResult:
    key = config.fingerprint()
    if key not in _PIPELINES:
        from pipeline.tagging import build_pipeline

        _PIPELINES[key] = build_pipeline(config)[0]
    return process_job(job, config, _PIPELINES[key], fingerprint)


class DaskExecutor:
    """Sends files to a ``dask.distributed.Client``; results come back as they finish."""

    def __init__(self, client: Any) -> None:
        self.client = client

    def map_unordered(self, jobs: Iterable[tuple[int, Any]], config: Config,
                      fingerprint: str) -> Iterator[tuple[int, FileResult]]:
        from dask.distributed import as_completed

        jobs = list(jobs)
        if not jobs:
            return
        futures = self.client.map(_job_on_worker, [job for _, job in jobs], config=config,
                                  fingerprint=fingerprint, pure=False)
        index = {future.key: i for future, (i, _) in zip(futures, jobs)}
        for future in as_completed(futures):
            yield index[future.key], future.result()


def run_on_dask(paths: list[str | Path], out_dir: str | Path, config: Config, client: Any,
                force: bool = False) -> RunSummary:
    """``narratives run`` with the files processed on a Dask cluster; same outputs."""
    return run([Path(p) for p in paths], Path(out_dir), config, force=force, executor=DaskExecutor(client))
