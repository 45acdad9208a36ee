"""Command line: one small typer command per file, each a thin wrapper over a plain function."""
