"""``narratives run``: read, segment, tokenise and pre-code files into an output folder."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from pipeline.cli.app import app
from pipeline.cli.options import CONFIG, SET, config_from_cli, user_errors

if TYPE_CHECKING:
    from pipeline.run import FileResult


class _Progress:
    """A progress bar on a terminal; plain lines (file names, counts, never text) otherwise."""

    def __init__(self) -> None:
        self.tty = sys.stderr.isatty()
        self.bar = None
        self.words = 0

    def __call__(self, result: FileResult, i: int, total: int) -> None:
        self.words += result.words
        if self.tty:
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TextColumn,
                TimeElapsedColumn,
            )

            if self.bar is None:
                self.bar = Progress(TextColumn("documents"), BarColumn(), MofNCompleteColumn(),
                                    TextColumn("{task.fields[wps]} words/s"), TimeElapsedColumn(),
                                    transient=True)
                self.bar.start()
                self.task = self.bar.add_task("run", total=total, wps="-")
            elapsed = self.bar.tasks[0].elapsed or 1e-9
            self.bar.update(self.task, completed=i, wps=f"{self.words / elapsed:,.0f}")
            if i == total:
                self.bar.stop()
        else:
            state = "failed" if result.error else ("reused" if result.reused else "done")
            typer.echo(f"[{i}/{total}] {state}: {result.source} "
                       f"({result.documents} documents, {result.units} units)", err=True)


@app.command("run")
def run_command(
    paths: list[Path] = typer.Argument(..., help="Files or folders (read recursively)."),
    out: Path = typer.Option(..., "--out", "-o", help="Output folder."),
    config: Path = CONFIG,
    kind: str = typer.Option(None, "--kind", help="Force the document kind: transcript, diary, report or text."),
    codebook: Path = typer.Option(None, "--codebook", help="Codebook YAML or .qdc (overrides the config)."),
    model: Path = typer.Option(None, "--model", help="Trained model folder (overrides the config)."),
    force: bool = typer.Option(False, "--force", help="Redo documents already done in OUT."),
    no_codes: bool = typer.Option(False, "--no-codes", help="Only read, segment and tokenise: no codebook, no codes."),
    workers: int = typer.Option(0, "--workers", "-w", min=0, help="Processes working on files side by side (0: one per CPU core, at most 8); outputs are the same as with one."),
    overrides: list[str] = SET,
) -> None:
    """Read, segment, tokenise and pre-code documents.

    Writes OUT/documents.jsonl, OUT/segments.jsonl, OUT/profiles.jsonl and OUT/report.json.
    Files that fail are listed in report.json and the run goes on; the exit status is 1 when any
    input failed. Rerunning into OUT skips files already done with the same configuration.

    Examples:

      narratives run corpora/demo --out out

      narratives run interviews/ diaries/dag1.docx --out results --kind diary

      narratives run data/ --out out --set structure.roles='{Marieke: interviewer}'
    """
    from pipeline.run import run

    with user_errors():
        if kind:
            overrides = [*(overrides or []), f"structure.kind={kind}"]
        if no_codes:
            overrides = [*(overrides or []), "tagging.codes=false"]
        cfg = config_from_cli(config, overrides, codebook=codebook, **{"tagging.model": model})
        summary = run(paths, out, cfg, force=force, progress=_Progress(), workers=workers)
    counts = summary.report["counts"]
    timings = summary.report["timings"]
    typer.echo(f"{counts['documents']} documents, {counts['units']} units, {counts['words']} words "
               f"from {counts['files_ok']} files ({counts['files_reused']} reused) -> {out}")
    if timings["words_per_second"]:
        typer.echo(f"{timings['words_per_second']:,.0f} words/s")
    if summary.skipped:
        typer.echo(f"skipped {len(summary.skipped)} files of unknown type (listed in report.json)")
    if summary.failed:
        typer.echo(f"{len(summary.failed)} files failed:", err=True)
        for f in summary.failed:
            typer.echo(f"  {f.source}: {f.error}", err=True)
        raise typer.Exit(1)

