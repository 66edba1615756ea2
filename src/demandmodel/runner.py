"""Run a run file end to end: data -> model -> scenarios -> costs, sufficiency, SIB, caseload ->
tables, charts, an Excel workbook and an HTML report (``demandmodel run FILE.toml --out DIR``).

With ``data_kind = "episodes"`` the scenarios run on the episode-level Markov model fitted to the
LA's SSDA903 returns over ``reference_years`` ending at 31 March of ``origin``; with
``data_kind = "published"`` they run on the aggregate stock-and-flow model of the DfE published
tables. Caseloads use the published children-in-need forecast and workforce figures when the data
has them (the synthetic LA does).

Examples
--------
Runs take tens of seconds, so this example is not executed as a doctest (``tests/test_runner.py``
runs it)::

    from demandmodel.runner import run_file

    result = run_file("examples/sufficiency_sib.toml", out="run-output", samples=500)
    result.tables["sib_totals"]
"""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from demandmodel.caseload import CaseRatio
from demandmodel.config import RunConfig
from demandmodel.errors import DemandModelError, ScenarioError
from demandmodel.forecast import Forecast
from demandmodel.scenarios import consequences as cq
from demandmodel.scenarios.engines import AggregateEngine, MarkovEngine
from demandmodel.scenarios.run import BASELINE, Comparison, run_scenarios
from demandmodel.scenarios.scenario import Scenario

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True, kw_only=True)
class RunResult:
    """Everything a run produced.

    Attributes
    ----------
    config
        The run file as parsed.
    comparison
        Forecasts of every scenario (common random numbers).
    tables
        The tidy tables (``projection``, ``costs``, ``sufficiency``, ``sib_by_year``,
        ``sib_totals``, ``caseload``; those that apply).
    caseload
        Scenario -> caseload-per-FTE Forecast (for ``plotting.caseload_chart``).
    sibs
        Scenario -> the SIB results of its SIB interventions (``SIBResult``).
    files
        Every file written, when an output folder was given.
    """

    config: RunConfig
    comparison: Comparison
    tables: dict[str, pd.DataFrame]
    caseload: dict[str, Forecast] = field(default_factory=dict)
    sibs: dict[str, list[Any]] = field(default_factory=dict)
    files: list[Path] = field(default_factory=list)


def _scenarios(cfg: RunConfig) -> list[Scenario]:
    names = [s.name for s in cfg.scenarios]
    return list(cfg.scenarios) if BASELINE in names else [Scenario(name=BASELINE), *cfg.scenarios]


def _panel(root: Path) -> pd.DataFrame | None:
    from demandmodel.data.dfe import read_dfe

    folder = root / "dfe" if (root / "dfe").is_dir() else root
    try:
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return read_dfe(folder)
    except DemandModelError as err:
        log.info("no published tables under %s: %s", folder, err)
        return None


def _population_ratio(root: Path, la_code: str) -> dict[str, dict[int, float]]:
    """Variant / principal population by period, from a population projection file if present.

    The file is ``population_projection.csv`` or, in the synthetic demo dataset,
    ``SYNTHETIC_population_projection.csv`` (the plain name wins when both are there).
    """
    names = ("population_projection.csv", "SYNTHETIC_population_projection.csv")
    path = next((root / n for n in names if (root / n).is_file()), None)
    if path is None:
        return {}
    proj = pd.read_csv(path, dtype={"la_code": str})
    proj = proj[proj["la_code"] == la_code]
    wide = proj.pivot_table(index="period", columns="variant", values="pop_0_17")
    if "principal" not in wide.columns:
        return {}
    return {
        str(v): {int(str(p)): float(r) for p, r in (wide[v] / wide["principal"]).items()}
        for v in wide.columns
    }


def build_engine(
    cfg: RunConfig, root: Path, panel: pd.DataFrame | None
) -> MarkovEngine | AggregateEngine:
    """The scenario engine the run file asks for, fitted to its data."""
    if cfg.data_kind == "episodes":
        import warnings

        from demandmodel.data.ssda903 import read_ssda903
        from demandmodel.models.markov import MarkovModel

        folder = root / "ssda903" if (root / "ssda903").is_dir() else root
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            data = read_ssda903(folder, repair=True)
        end = pd.Timestamp(cfg.origin, 3, 31)
        start = pd.Timestamp(cfg.origin - cfg.reference_years, 4, 1)
        fit = MarkovModel().fit(data.episodes, reference_start=start, reference_end=end)
        return MarkovEngine(
            fit=fit,
            start=end,
            years=cfg.horizon,
            population_ratio=_population_ratio(root, cfg.la_code),
        )
    if panel is None:
        raise ScenarioError(f"[run] data = {cfg.data!r}: no DfE published tables found there.")
    from demandmodel.models.aggregate import AggregateSpec

    aggregate = AggregateSpec().fit(
        panel, la_code=cfg.la_code, measure="cla_31mar", origin=cfg.origin
    )
    return AggregateEngine(
        fit=aggregate, horizon=cfg.horizon, entry_age_shares=entry_shares(panel, cfg)
    )


_AGE_BANDS = {
    "under1": (0, 0),
    "1_4": (1, 4),
    "5_9": (5, 9),
    "10_15": (10, 15),
    "16_over": (16, 17),
}


def entry_shares(panel: pd.DataFrame, cfg: RunConfig) -> dict[tuple[int, int], float]:
    """Share of CLA starts by age band: the LA's own at the origin, else England's."""
    for code in (cfg.la_code, "970"):
        rows = panel[
            (panel["la_code"] == code)
            & panel["measure"].str.startswith("cla_starts_age_")
            & (panel["period"] <= cfg.origin)
        ].dropna(subset=["value"])
        if rows.empty:
            continue
        latest = rows[rows["period"] == rows["period"].max()]
        counts = {
            _AGE_BANDS[m.removeprefix("cla_starts_age_")]: v
            for m, v in zip(latest["measure"], latest["value"], strict=True)
            if m.removeprefix("cla_starts_age_") in _AGE_BANDS
        }
        total = sum(counts.values())
        if total > 0:
            return {band: n / total for band, n in counts.items()}
    return {}


def _published(panel: pd.DataFrame, cfg: RunConfig, measure: str) -> pd.Series | None:
    """The LA's published series up to the origin, or ``None`` when it has none."""
    from demandmodel.models.base import panel_series

    try:
        return panel_series(panel, la_code=cfg.la_code, measure=measure, origin=cfg.origin).dropna()
    except DemandModelError:
        return None


def _caseload(
    cfg: RunConfig,
    panel: pd.DataFrame | None,
    scenarios: list[Scenario],
    seed: np.random.SeedSequence,
) -> tuple[pd.DataFrame, dict[str, Forecast]]:
    if panel is None:
        return pd.DataFrame(), {}
    from demandmodel.batch import forecast_panel
    from demandmodel.models.base import panel_series

    try:
        cases = panel_series(panel, la_code=cfg.la_code, measure="sw_cases", origin=cfg.origin)
        cin = panel_series(panel, la_code=cfg.la_code, measure="cin_31mar", origin=cfg.origin)
        fte = panel_series(
            panel, la_code=cfg.la_code, measure="sw_caseholder_fte", origin=cfg.origin
        )
    except DemandModelError as err:
        log.info("caseload skipped: %s", err)
        return pd.DataFrame(), {}
    plan = cfg.workforce_plan(
        default_fte=float(fte.dropna().iloc[-1]) if len(fte.dropna()) else None
    )
    if plan is None:
        return pd.DataFrame(), {}
    ratio = CaseRatio.estimate(cases=cases, cin=cin, la_code=cfg.la_code)
    cin_fc, _ = forecast_panel(
        panel,
        measures=["cin_31mar"],
        la_codes=[cfg.la_code],
        origin=cfg.origin,
        horizon=cfg.horizon,
        n_samples=cfg.samples,
        rng=int(seed.generate_state(1)[0]),
    )
    return cq.caseload_tables(
        scenarios,
        cin=cin_fc,
        ratio=ratio,
        plan=plan,
        threshold=float(cfg.workforce.get("threshold", 18.0)),
        target=float(cfg.workforce.get("target", 16.0)),
        rng=seed,
        history=_published(panel, cfg, "sw_caseload"),
    )


def run_config(cfg: RunConfig, *, out: Path | str | None = None) -> RunResult:
    """Run a parsed run file; write outputs to ``out`` when given."""
    root = cfg.data_path()
    panel = _panel(root)
    engine = build_engine(cfg, root, panel)
    scenarios = _scenarios(cfg)
    seed = np.random.SeedSequence(cfg.seed)
    log.info("running %d scenarios x %d samples", len(scenarios), cfg.samples)
    comparison = run_scenarios(engine, scenarios, n_samples=cfg.samples, rng=seed)
    tables: dict[str, pd.DataFrame] = {"projection": comparison.to_frame()}
    shares = None
    if isinstance(engine, AggregateEngine):
        assert panel is not None
        # Published data has totals only: split them by the latest published placement mix.
        shares = cq.placement_mix_from_panel(panel, la_code=cfg.la_code, origin=cfg.origin)
        tables["placement_mix"] = shares
    tables["costs"] = cq.cost_table(
        comparison,
        unit_costs=cfg.unit_costs,
        provider_mix=cfg.provider_mix,
        discount_rate=cfg.discount_rate,
        rng=seed,
        shares=shares,
    )
    if cfg.capacity is not None:
        tables["sufficiency"] = cq.sufficiency_table(comparison, cfg.capacity, shares)
    groups = engine.groups if isinstance(engine, MarkovEngine) else None
    sibs = {
        s.name: cq.sib_results(s, n_samples=cfg.samples, groups=groups, rng=seed) for s in scenarios
    }
    sib_by_year, sib_totals = cq.sib_tables({k: v for k, v in sibs.items() if v})
    if not sib_totals.empty:
        tables["sib_by_year"], tables["sib_totals"] = sib_by_year, sib_totals
    caseload, caseload_fc = _caseload(cfg, panel, scenarios, seed)
    if not caseload.empty:
        tables["caseload"] = caseload
    result = RunResult(
        config=cfg,
        comparison=comparison,
        tables=tables,
        caseload=caseload_fc,
        sibs={k: v for k, v in sibs.items() if v},
    )
    if out is not None:
        from demandmodel.run_outputs import write_outputs

        result = dataclasses.replace(result, files=write_outputs(result, Path(out)))
    return result


def run_file(path: str | Path, *, out: str | Path | None = None, **overrides: Any) -> RunResult:
    """Read a run file, apply keyword overrides (e.g. ``samples=200``) and run it."""
    cfg = RunConfig.from_toml(Path(path))
    if overrides:
        cfg = dataclasses.replace(cfg, **overrides)
    return run_config(cfg, out=out)
