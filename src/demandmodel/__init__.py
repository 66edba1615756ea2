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

from demandmodel.backtest import backtest as rolling_backtest
from demandmodel.backtest import evaluate as evaluate_backtest
from demandmodel.batch import forecast_panel
from demandmodel.data.cin_census import CINCensus, read_cin_census
from demandmodel.data.dfe import UnreadFileWarning, dfe_revisions, panel_series, read_dfe
from demandmodel.data.geography import la_lookup, rebase_boundaries
from demandmodel.data.measures import measures
from demandmodel.data.population import rate_per_10k
from demandmodel.data.ssda903 import SSDA903Data, read_ssda903
from demandmodel.data.synthetic import (
    SyntheticLA,
    SyntheticSpec,
    demo_data_path,
    make_synthetic_la,
    write_synthetic_la,
)
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
from demandmodel.models.aggregate import AggregateSpec
from demandmodel.models.base import available_models, get_model, register_model
from demandmodel.models.markov import (
    MarkovChain,
    MarkovFit,
    MarkovModel,
    RateMultiplier,
    markov_backtest,
    markov_backtest_summary,
)
from demandmodel.models.pathway import PathwayFit, PathwayModel
from demandmodel.models.pooled import PooledSpec
from demandmodel.models.states import StateSpace
from demandmodel.report import write_html_report, write_workbook

__version__ = "0.1.0"

__all__ = [
    "AggregateSpec",
    "CINCensus",
    "DataRepairWarning",
    "DataValidationError",
    "DemandModelError",
    "DemandModelWarning",
    "FallbackWarning",
    "Forecast",
    "InsufficientHistoryError",
    "MarkovChain",
    "MarkovFit",
    "MarkovModel",
    "ModelFitError",
    "PathwayFit",
    "PathwayModel",
    "PooledSpec",
    "RateMultiplier",
    "SSDA903Data",
    "ScenarioError",
    "StateSpace",
    "SyntheticLA",
    "SyntheticSpec",
    "UnreadFileWarning",
    "Workforce",
    "__version__",
    "available_models",
    "demo_data_path",
    "dfe_revisions",
    "evaluate_backtest",
    "forecast_panel",
    "get_model",
    "la_lookup",
    "make_synthetic_la",
    "markov_backtest",
    "markov_backtest_summary",
    "measures",
    "panel_series",
    "rate_per_10k",
    "read_cin_census",
    "read_dfe",
    "read_ssda903",
    "read_workforce",
    "rebase_boundaries",
    "register_model",
    "rolling_backtest",
    "write_html_report",
    "write_synthetic_la",
    "write_workbook",
]
