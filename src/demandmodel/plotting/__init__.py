"""Charts for Cabinet papers and reports, in one house style.

Every function draws on ``ax=`` when given (or makes its own figure), returns the matplotlib
Axes (one panel) or Figure (several panels), and never calls ``plt.show()``. matplotlib is imported
only when a chart is drawn, and figures are built without :mod:`matplotlib.pyplot`, so any backend
(including Agg on a server) works. Save with :func:`save_figure` (300 dpi PNG and SVG).

===========================  ==============================  ========
chart                        input                           returns
===========================  ==============================  ========
:func:`fan_chart`            one-series Forecast             Axes
:func:`scenario_comparison`  ``{name: Forecast}`` or frame   Figure
:func:`placement_mix`        Forecast by placement or frame  Axes
:func:`costs_by_placement`   frame period/placement/cost     Axes
:func:`cost_bridge`          frame placement/baseline/scen.  Axes
:func:`sib_summary`          frame period/measure/q50        Figure
:func:`caseload_chart`       one-series Forecast, threshold  Figure
:func:`backtest_chart`       Forecasts or frame, actuals     Axes
:func:`small_multiples`      Forecast with one series per LA Figure
===========================  ==============================  ========
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
from demandmodel.plotting.backtest import backtest_chart
from demandmodel.plotting.caseload import caseload_chart, exceed_probability
from demandmodel.plotting.compare import scenario_comparison
from demandmodel.plotting.costs import cost_bridge, costs_by_placement
from demandmodel.plotting.fan import MEASURE_LABELS, default_title, fan_chart
from demandmodel.plotting.mix import placement_mix
from demandmodel.plotting.multiples import small_multiples
from demandmodel.plotting.sib import SIB_MEASURES, sib_summary

__all__ = [
    "BANDS",
    "CATEGORICAL",
    "MEASURE_LABELS",
    "OKABE_ITO",
    "SIB_MEASURES",
    "add_source_note",
    "backtest_chart",
    "caseload_chart",
    "cost_bridge",
    "costs_by_placement",
    "default_title",
    "exceed_probability",
    "fan_chart",
    "finding_title",
    "placement_mix",
    "save_figure",
    "scenario_comparison",
    "sib_summary",
    "small_multiples",
    "source_note",
    "thousands",
    "thousands_formatter",
]
