"""Pre-coding of Dutch professional narratives for qualitative researchers."""

__version__ = "0.1.0"
