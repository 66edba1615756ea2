"""demandmodel: forecast demand in English children's social care.

Children in need (CIN), child protection plans (CP) and children looked after (CLA), by age and
placement type, with costs, placement sufficiency, caseloads and policy scenarios.

Examples
--------
>>> import demandmodel
>>> issubclass(demandmodel.DataValidationError, demandmodel.DemandModelError)
True
"""

from __future__ import annotations

from demandmodel.data.cin_census import CINCensus, read_cin_census
from demandmodel.data.dfe import UnreadFileWarning, dfe_revisions, panel_series, read_dfe
from demandmodel.data.geography import la_lookup, rebase_boundaries
from demandmodel.data.measures import measures
from demandmodel.data.population import rate_per_10k
from demandmodel.data.ssda903 import SSDA903Data, read_ssda903
from demandmodel.data.workforce import Workforce, read_workforce
from demandmodel.errors import (
    DataRepairWarning,
    DataValidationError,
    DemandModelError,
    DemandModelWarning,
    FallbackWarning,
    InsufficientHistoryError,
    ModelFitError,
    ScenarioError,
)
from demandmodel.forecast import Forecast
from demandmodel.report import write_html_report, write_workbook

__version__ = "0.1.0"

__all__ = [
    "CINCensus",
    "DataRepairWarning",
    "DataValidationError",
    "DemandModelError",
    "DemandModelWarning",
    "FallbackWarning",
    "Forecast",
    "InsufficientHistoryError",
    "ModelFitError",
    "SSDA903Data",
    "ScenarioError",
    "UnreadFileWarning",
    "Workforce",
    "__version__",
    "dfe_revisions",
    "la_lookup",
    "measures",
    "panel_series",
    "rate_per_10k",
    "read_cin_census",
    "read_dfe",
    "read_ssda903",
    "read_workforce",
    "rebase_boundaries",
    "write_html_report",
    "write_workbook",
]
