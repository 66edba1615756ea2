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

from demandmodel.data.ssda903 import SSDA903Data, read_ssda903
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

__version__ = "0.1.0"

__all__ = [
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
    "__version__",
    "read_ssda903",
]
