"""An annotated unit: text, codes and context, the record every trainer and importer shares.

On its own so that importers (``pipeline.exchange``) can make them without importing the loaders
of ``pipeline.training.data``, which use the importers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class AnnotatedUnit:
    id: str
    doc_id: str
    text: str
    codes: list[str]
    context: dict[str, Any] = field(default_factory=dict)
    coder: str | None = None
    # Codes whose presence or absence was judged; None: all of them (keyword-only, so subclasses
    # that add positional fields keep working).
    known: set[str] | None = field(default=None, kw_only=True)

    def judged(self, code: str) -> bool:
        """Whether this unit says anything about ``code`` (a reviewed suggestion only judges
        the codes that were accepted or rejected, not every code of the codebook)."""
        return self.known is None or code in self.known
