"""What follows from a scenario comparison: costs, sufficiency gaps, SIB finance, caseloads.

Every table is computed on the forecast *samples* of each scenario, so money and gaps carry the
same uncertainty as the number of children, and differences from the baseline are taken sample by
sample (common random numbers).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from demandmodel.caseload import CaseRatio, WorkforcePlan, project_caseload
from demandmodel.costs import UnitCosts, category_cost, discount_factors
from demandmodel.errors import ScenarioError
from demandmodel.forecast import Forecast
from demandmodel.scenarios.engines import child_seed, placement_shift_shares, stratified_values
from demandmodel.scenarios.run import Comparison
from demandmodel.scenarios.scenario import EdgeOfCareSIB, Scenario, WorkforceChange
from demandmodel.scenarios.sib import SIBResult
from demandmodel.sufficiency import Capacity, assess_sufficiency

Q = (0.025, 0.1, 0.5, 0.9, 0.975)
QNAMES = ("q025", "q10", "q50", "q90", "q975")


def _summary(values: np.ndarray) -> dict[str, float]:
    qs = np.quantile(values, Q)
    return {"mean": float(values.mean()), **{n: float(v) for n, v in zip(QNAMES, qs, strict=True)}}


def _year(period: Any) -> int:
    """Year ending 31 March of a period label (an int year or a date)."""
    if isinstance(period, int | np.integer):
        return int(period)
    ts = pd.Timestamp(period)
    return int(ts.year + (1 if ts.month >= 4 else 0))


PUBLISHED_PLACEMENTS: dict[str, str] = {
    "foster": "fostering",
    "adoption": "adoption",
    "parents": "placed_with_parents",
    "community": "supported",
    "residential": "residential",
    "other_residential": "other",
    "residential_school": "other",
    "other": "other",
}
"""DfE published placement groups (``cla_31mar_placement_*``) -> the model's placement categories.
"Secure units, children's homes and semi-independent living" is residential; "other placements in
the community" (living independently) is supported; other residential settings, residential
schools and other placements are other."""


def placement_mix_from_panel(
    panel: pd.DataFrame, *, la_code: str, origin: int, max_age: int = 5
) -> pd.DataFrame:
    """Shares of children looked after by placement category from the published tables.

    The LA's own latest mix is used when it is at most ``max_age`` years older than the origin;
    otherwise England's (code 970). Suppressed groups count as zero. Returns ``placement, share,
    source, period``.
    """
    from demandmodel.columns import ENGLAND_CODE

    for code in (la_code, ENGLAND_CODE):
        rows = panel[
            (panel["la_code"] == code)
            & panel["measure"].str.startswith("cla_31mar_placement_")
            & (panel["period"] <= origin)
        ]
        rows = rows[
            rows["measure"].str.removeprefix("cla_31mar_placement_").isin(PUBLISHED_PLACEMENTS)
        ]
        if rows.empty:
            continue
        year = int(rows["period"].max())
        if origin - year > max_age and code == la_code:
            continue
        latest = rows[rows["period"] == year]
        counts = (
            latest.assign(
                placement=latest["measure"]
                .str.removeprefix("cla_31mar_placement_")
                .map(PUBLISHED_PLACEMENTS)
            )
            .groupby("placement")["value"]
            .sum(min_count=0)
            .fillna(0.0)
        )
        if counts.sum() <= 0:
            continue
        source = f"{'LA ' + code if code == la_code else 'England'} at 31 March {year}"
        return pd.DataFrame(
            {
                "placement": counts.index,
                "share": (counts / counts.sum()).to_numpy(),
                "source": source,
                "period": year,
            }
        )
    raise ScenarioError(
        f"No published placement mix for LA {la_code} or England up to {origin}; costs need one."
    )


def placement_samples(
    forecast: Forecast, shares: pd.DataFrame | None = None
) -> dict[str, np.ndarray]:
    """Placement category -> children ``(sample, period)``.

    From a forecast labelled by placement (the episode-level model), or, given ``shares``
    (:func:`placement_mix_from_panel`), from a one-series total split by those shares.
    """
    series = forecast.series
    if shares is not None:
        total = forecast.samples[:, :, 0]
        return {
            str(p): total * float(s)
            for p, s in zip(shares["placement"], shares["share"], strict=True)
        }
    if "placement" not in series.columns:
        raise ScenarioError("Costs by placement need a forecast with a 'placement' label.")
    mask = series["placement"].astype(str).ne("")
    if "kind" in series.columns:
        mask &= series["kind"].eq("placement")
    out = {}
    for idx in np.flatnonzero(mask.to_numpy()):
        out[str(series["placement"].iloc[idx])] = forecast.samples[:, :, idx]
    return out


def cost_samples(
    children: Mapping[str, np.ndarray],
    *,
    years: Sequence[int],
    unit_costs: UnitCosts,
    provider_mix: Mapping[str, Mapping[str, float]],
    shifts: Sequence[tuple[str, str, np.ndarray]] = (),
) -> dict[str, np.ndarray]:
    """Cost sub-type -> annual cost samples; ``shifts`` move shares between sub-types."""
    costs: dict[str, np.ndarray] = {}
    for category, arr in children.items():
        for sub, cost in category_cost(
            arr, category, years=years, unit_costs=unit_costs, provider_mix=provider_mix
        ).items():
            costs[sub] = costs.get(sub, 0.0) + cost
    for src, dst, share in shifts:
        if src not in costs:
            continue
        # Children move between sub-types at their prices: the moved cost is re-priced.
        src_price = np.array([unit_costs.weekly(src, year=y) for y in years])
        if (src_price <= 0).any():
            raise ScenarioError(
                f"placement_mix_shift from {src!r}: it has no unit cost, so the children moved "
                "cannot be counted from its cost; shift between priced sub-types."
            )
        moved_cost = costs[src] * share
        ratio = np.array([unit_costs.weekly(dst, year=y) for y in years]) / src_price
        costs[src] = costs[src] - moved_cost
        costs[dst] = costs.get(dst, 0.0) + moved_cost * ratio
    return costs


def cost_table(
    comparison: Comparison,
    *,
    unit_costs: UnitCosts,
    provider_mix: Mapping[str, Mapping[str, float]],
    discount_rate: float,
    rng: np.random.SeedSequence,
    shares: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Annual placement cost by scenario, sub-type and year (and totals, with the difference).

    ``shares`` splits a total-only forecast by placement (see :func:`placement_samples`).
    """
    rows = []
    base_total: np.ndarray | None = None
    for name, fc in comparison.forecasts.items():
        years = [_year(p) for p in fc.periods]
        children = placement_samples(fc, shares)
        scenario = comparison.scenarios[name]
        subs = list(unit_costs.table)
        shifts = placement_shift_shares(scenario, years, sub_types=subs, n=fc.n_samples, rng=rng)
        costs = cost_samples(
            children, years=years, unit_costs=unit_costs, provider_mix=provider_mix, shifts=shifts
        )
        total = sum(costs.values())
        assert isinstance(total, np.ndarray)
        if base_total is None:
            base_total = total
        for sub, arr in [*costs.items(), ("total", total)]:
            for j, year in enumerate(years):
                row = {"scenario": name, "period": year, "sub_type": sub, **_summary(arr[:, j])}
                if sub == "total":
                    row.update(
                        {f"diff_{k}": v for k, v in _summary(arr[:, j] - base_total[:, j]).items()}
                    )
                rows.append(row)
        disc = discount_factors(years, base_year=years[0], rate=discount_rate)
        npv = (total * disc).sum(axis=1)
        npv_diff = ((total - base_total) * disc).sum(axis=1)
        rows.append(
            {
                "scenario": name,
                "period": "total (discounted)",
                "sub_type": "total",
                **_summary(npv),
                **{f"diff_{k}": v for k, v in _summary(npv_diff).items()},
            }
        )
    return pd.DataFrame(rows)


def sufficiency_table(
    comparison: Comparison, capacity: Capacity, shares: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Placements needed against usable capacity, per scenario."""
    frames = []
    for name, fc in comparison.forecasts.items():
        years = [_year(p) for p in fc.periods]
        table = assess_sufficiency(placement_samples(fc, shares), years=years, capacity=capacity)
        table.insert(0, "scenario", name)
        frames.append(table)
    return pd.concat(frames, ignore_index=True)


def sib_results(
    scenario: Scenario, *, n_samples: int, groups: int | None, rng: np.random.SeedSequence
) -> list[SIBResult]:
    """Finance of every SIB in a scenario, with the same effect values its engine used."""
    out = []
    for k, item in enumerate(scenario.interventions):
        if not isinstance(item, EdgeOfCareSIB):
            continue
        bond = item.bond()
        if groups:
            per_group = stratified_values(bond.effect, groups, rng, ("intervention", k))
            reduction = np.repeat(per_group, n_samples // groups)
        else:
            eff = np.random.default_rng(child_seed(rng, "effect", k))
            reduction = bond.effect.draw(n_samples, eff)
        out.append(bond.outcomes(reduction))
    return out


def sib_tables(results: Mapping[str, list[SIBResult]]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """SIB outcomes by year and whole-life totals, per scenario."""
    by_year, totals = [], []
    for name, items in results.items():
        for k, res in enumerate(items):
            y = res.by_year()
            y.insert(0, "scenario", name)
            y.insert(1, "sib", k)
            by_year.append(y)
            t = res.totals()
            t.insert(0, "scenario", name)
            t.insert(1, "sib", k)
            totals.append(t)
    if not by_year:
        return pd.DataFrame(), pd.DataFrame()
    return pd.concat(by_year, ignore_index=True), pd.concat(totals, ignore_index=True)


def caseload_tables(
    scenarios: Sequence[Scenario],
    *,
    cin: Forecast,
    ratio: CaseRatio,
    plan: WorkforcePlan,
    threshold: float,
    target: float,
    rng: np.random.SeedSequence,
    history: pd.Series | None = None,
) -> tuple[pd.DataFrame, dict[str, Forecast]]:
    """Caseload per FTE by scenario (workforce changes applied), and caseload forecasts to plot
    (with the published caseload ``history``, indexed by period, when given)."""
    years = [_year(p) for p in cin.periods]
    frames, forecasts = [], {}
    for scenario in scenarios:
        changes: dict[str, float] = {}
        for item in scenario.of_type(WorkforceChange):
            assert isinstance(item, WorkforceChange)
            for key in ("annual_growth", "agency_share", "vacancy_rate"):
                value = getattr(item, key)
                if value is not None:
                    changes[key] = value
        result = project_caseload(
            cin.samples[:, :, 0],
            years=years,
            ratio=ratio,
            workforce=dataclasses.replace(plan, **changes),
            rng=child_seed(rng, "caseload"),
        )
        table = result.summary(threshold=threshold, target=target)
        table.insert(0, "scenario", scenario.name)
        frames.append(table)
        forecasts[scenario.name] = result.to_forecast(origin=cin.origin, history=history)
    return pd.concat(frames, ignore_index=True), forecasts
