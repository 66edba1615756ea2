"""demandmodel: forecast demand in English children's social care.

Children in need (CIN), child protection plans (CP) and children looked after (CLA), by age and
placement type, with costs, placement sufficiency, caseloads and policy scenarios.

Public names are imported on first use (PEP 562), so ``import demandmodel`` and the command line
start quickly; everything listed in ``__all__`` is available as ``demandmodel.<name>``.

Examples
--------
>>> import demandmodel
>>> issubclass(demandmodel.DataValidationError, demandmodel.DemandModelError)
True
>>> demandmodel.read_dfe.__name__
'read_dfe'
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

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

if TYPE_CHECKING:
    from demandmodel.aggregation import aggregate as aggregate_forecast
    from demandmodel.aggregation import published_gap
    from demandmodel.backtest import backtest as rolling_backtest
    from demandmodel.backtest import evaluate as evaluate_backtest
    from demandmodel.batch import forecast_panel
    from demandmodel.caseload import CaseRatio, WorkforcePlan, project_caseload
    from demandmodel.config import RunConfig
    from demandmodel.costs import UnitCosts
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
    from demandmodel.models.aggregate import AggregateSpec
    from demandmodel.models.base import available_models, get_model, register_model
    from demandmodel.models.global_model import GlobalSpec
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
    from demandmodel.parallel import map_tasks
    from demandmodel.report import write_html_report, write_workbook
    from demandmodel.runner import run_file
    from demandmodel.scenarios.effects import Effect
    from demandmodel.scenarios.run import Comparison, run_scenarios
    from demandmodel.scenarios.scenario import Scenario
    from demandmodel.scenarios.sib import SocialImpactBond
    from demandmodel.sufficiency import Capacity, assess_sufficiency

__version__ = "0.1.0"

_LAZY: dict[str, tuple[str, str]] = {
    "AggregateSpec": ("demandmodel.models.aggregate", "AggregateSpec"),
    "CINCensus": ("demandmodel.data.cin_census", "CINCensus"),
    "Capacity": ("demandmodel.sufficiency", "Capacity"),
    "CaseRatio": ("demandmodel.caseload", "CaseRatio"),
    "Comparison": ("demandmodel.scenarios.run", "Comparison"),
    "Effect": ("demandmodel.scenarios.effects", "Effect"),
    "MarkovChain": ("demandmodel.models.markov", "MarkovChain"),
    "MarkovFit": ("demandmodel.models.markov", "MarkovFit"),
    "MarkovModel": ("demandmodel.models.markov", "MarkovModel"),
    "PathwayFit": ("demandmodel.models.pathway", "PathwayFit"),
    "PathwayModel": ("demandmodel.models.pathway", "PathwayModel"),
    "PooledSpec": ("demandmodel.models.pooled", "PooledSpec"),
    "GlobalSpec": ("demandmodel.models.global_model", "GlobalSpec"),
    "RateMultiplier": ("demandmodel.models.markov", "RateMultiplier"),
    "RunConfig": ("demandmodel.config", "RunConfig"),
    "SSDA903Data": ("demandmodel.data.ssda903", "SSDA903Data"),
    "Scenario": ("demandmodel.scenarios.scenario", "Scenario"),
    "SocialImpactBond": ("demandmodel.scenarios.sib", "SocialImpactBond"),
    "StateSpace": ("demandmodel.models.states", "StateSpace"),
    "SyntheticLA": ("demandmodel.data.synthetic", "SyntheticLA"),
    "SyntheticSpec": ("demandmodel.data.synthetic", "SyntheticSpec"),
    "UnitCosts": ("demandmodel.costs", "UnitCosts"),
    "UnreadFileWarning": ("demandmodel.data.dfe", "UnreadFileWarning"),
    "Workforce": ("demandmodel.data.workforce", "Workforce"),
    "WorkforcePlan": ("demandmodel.caseload", "WorkforcePlan"),
    "assess_sufficiency": ("demandmodel.sufficiency", "assess_sufficiency"),
    "available_models": ("demandmodel.models.base", "available_models"),
    "demo_data_path": ("demandmodel.data.synthetic", "demo_data_path"),
    "dfe_revisions": ("demandmodel.data.dfe", "dfe_revisions"),
    "evaluate_backtest": ("demandmodel.backtest", "evaluate"),
    "forecast_panel": ("demandmodel.batch", "forecast_panel"),
    "aggregate_forecast": ("demandmodel.aggregation", "aggregate"),
    "published_gap": ("demandmodel.aggregation", "published_gap"),
    "get_model": ("demandmodel.models.base", "get_model"),
    "la_lookup": ("demandmodel.data.geography", "la_lookup"),
    "make_synthetic_la": ("demandmodel.data.synthetic", "make_synthetic_la"),
    "map_tasks": ("demandmodel.parallel", "map_tasks"),
    "markov_backtest": ("demandmodel.models.markov", "markov_backtest"),
    "markov_backtest_summary": ("demandmodel.models.markov", "markov_backtest_summary"),
    "measures": ("demandmodel.data.measures", "measures"),
    "panel_series": ("demandmodel.data.dfe", "panel_series"),
    "project_caseload": ("demandmodel.caseload", "project_caseload"),
    "rate_per_10k": ("demandmodel.data.population", "rate_per_10k"),
    "read_cin_census": ("demandmodel.data.cin_census", "read_cin_census"),
    "read_dfe": ("demandmodel.data.dfe", "read_dfe"),
    "read_ssda903": ("demandmodel.data.ssda903", "read_ssda903"),
    "read_workforce": ("demandmodel.data.workforce", "read_workforce"),
    "rebase_boundaries": ("demandmodel.data.geography", "rebase_boundaries"),
    "register_model": ("demandmodel.models.base", "register_model"),
    "rolling_backtest": ("demandmodel.backtest", "backtest"),
    "run_file": ("demandmodel.runner", "run_file"),
    "run_scenarios": ("demandmodel.scenarios.run", "run_scenarios"),
    "write_html_report": ("demandmodel.report", "write_html_report"),
    "write_synthetic_la": ("demandmodel.data.synthetic", "write_synthetic_la"),
    "write_workbook": ("demandmodel.report", "write_workbook"),
}
"""Public name -> (module, attribute), imported on first access."""

__all__ = [
    "AggregateSpec",
    "CINCensus",
    "Capacity",
    "CaseRatio",
    "Comparison",
    "DataRepairWarning",
    "DataValidationError",
    "DemandModelError",
    "DemandModelWarning",
    "Effect",
    "FallbackWarning",
    "Forecast",
    "GlobalSpec",
    "InsufficientHistoryError",
    "MarkovChain",
    "MarkovFit",
    "MarkovModel",
    "ModelFitError",
    "PathwayFit",
    "PathwayModel",
    "PooledSpec",
    "RateMultiplier",
    "RunConfig",
    "SSDA903Data",
    "Scenario",
    "ScenarioError",
    "SocialImpactBond",
    "StateSpace",
    "SyntheticLA",
    "SyntheticSpec",
    "UnitCosts",
    "UnreadFileWarning",
    "Workforce",
    "WorkforcePlan",
    "__version__",
    "aggregate_forecast",
    "assess_sufficiency",
    "available_models",
    "demo_data_path",
    "dfe_revisions",
    "evaluate_backtest",
    "forecast_panel",
    "get_model",
    "la_lookup",
    "make_synthetic_la",
    "map_tasks",
    "markov_backtest",
    "markov_backtest_summary",
    "measures",
    "panel_series",
    "project_caseload",
    "published_gap",
    "rate_per_10k",
    "read_cin_census",
    "read_dfe",
    "read_ssda903",
    "read_workforce",
    "rebase_boundaries",
    "register_model",
    "rolling_backtest",
    "run_file",
    "run_scenarios",
    "write_html_report",
    "write_synthetic_la",
    "write_workbook",
]


def __getattr__(name: str) -> Any:
    try:
        module, attribute = _LAZY[name]
    except KeyError:
        raise AttributeError(f"module 'demandmodel' has no attribute {name!r}") from None
    value = getattr(importlib.import_module(module), attribute)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
