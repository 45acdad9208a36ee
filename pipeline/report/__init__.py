"""The HTML report of a run: one self-contained file a researcher opens in a browser."""

from pipeline.report.html import ReportResult, render_report

__all__ = ["ReportResult", "render_report"]
