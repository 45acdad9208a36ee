"""``python -m pipeline`` does what the ``narratives`` command does."""

from pipeline.cli.main import main

main()
