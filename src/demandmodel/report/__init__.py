"""Outputs people read: an Excel workbook of tables and a self-contained HTML summary of a run."""

from __future__ import annotations

from demandmodel.report.excel import write_workbook
from demandmodel.report.html import write_html_report

__all__ = ["write_html_report", "write_workbook"]
