"""Exceptions that carry the file and the problem, so a batch run can report and go on."""

from __future__ import annotations

from pathlib import Path


class PipelineError(Exception):
    """Base class: every error we raise on purpose."""


class InputError(PipelineError):
    """A file that cannot be read as a document: names the file and the reason."""

    def __init__(self, source: str | Path, reason: str) -> None:
        self.source = str(source)
        self.reason = reason
        super().__init__(f"{self.source}: {reason}")


class ConfigError(PipelineError):
    """A config or codebook value that is wrong: names the file, the key and what was expected."""

    def __init__(self, source: str | Path, key: str, expected: str) -> None:
        self.source = str(source)
        self.key = key
        self.expected = expected
        super().__init__(f"{self.source}: '{key}': {expected}")
