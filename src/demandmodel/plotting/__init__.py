"""Charts for Cabinet papers and reports, in one house style.

Every function draws on ``ax=`` when given (or makes its own figure), returns the matplotlib
Axes (one panel) or Figure (several panels), and never calls ``plt.show()``. matplotlib is imported
only when a chart is drawn. Save with :func:`save_figure` (300 dpi PNG and SVG).
"""

from __future__ import annotations

from demandmodel.plotting._style import (
    BANDS,
    CATEGORICAL,
    OKABE_ITO,
    add_source_note,
    finding_title,
    save_figure,
    source_note,
    thousands,
    thousands_formatter,
)
from demandmodel.plotting.fan import MEASURE_LABELS, default_title, fan_chart

__all__ = [
    "BANDS",
    "CATEGORICAL",
    "MEASURE_LABELS",
    "OKABE_ITO",
    "add_source_note",
    "default_title",
    "fan_chart",
    "finding_title",
    "save_figure",
    "source_note",
    "thousands",
    "thousands_formatter",
]
