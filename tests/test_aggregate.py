"""Aggregate stock-and-flow model: mass balance, bounds, determinism, recovery of known rates."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import demandmodel
from demandmodel.models.aggregate import AggregateSpec, simulate_stock_flow
from demandmodel.models.base import get_model


def simulated_panel(
    *,
    n_la: int = 20,
    years: range = range(2010, 2021),
    a: float = 25.0,
    d: float = 0.35,
    seed: int = 0,
) -> pd.DataFrame:
    """LAs whose stocks follow the model exactly with constant known rates."""
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(n_la):
        code = str(300 + i)
        pop = float(rng.uniform(30_000, 90_000))
        s = a * pop / 10_000 / d  # roughly the steady state
        rows.append((code, "cla_31mar", years[0], round(s)))
        rows.append((code, "pop_0_17", years[0], pop))
        paths = simulate_stock_flow(
            float(round(s)),
            entry_rate=np.full((1, len(years) - 1), a),
            exit_hazard=np.full((1, len(years) - 1), d),
            population=np.full(len(years) - 1, pop),
            rng=rng,
        )
        for k, t in enumerate(years[1:]):
            rows.append((code, "cla_31mar", t, paths.stock[0, k]))
            rows.append((code, "cla_starts", t, paths.entries[0, k]))
            rows.append((code, "cla_ceases", t, paths.exits[0, k]))
            rows.append((code, "pop_0_17", t, pop))
    return pd.DataFrame(rows, columns=["la_code", "measure", "period", "value"])


@settings(max_examples=40, deadline=None)
@given(
    opening=st.integers(0, 5000),
    a=st.floats(0.0, 200.0),
    d=st.floats(0.0, 1.5),
    r=st.floats(-0.5, 0.5),
    seed=st.integers(0, 2**31),
)
def test_mass_balance_and_non_negative_every_year(
    opening: int, a: float, d: float, r: float, seed: int
) -> None:
    p = simulate_stock_flow(
        float(opening),
        entry_rate=np.full((50, 4), a),
        exit_hazard=np.full((50, 4), d),
        population=np.full(4, 40_000.0),
        adjustment_rate=np.full((50, 4), r),
        rng=seed,
    )
    prev = np.column_stack([np.full(50, float(opening)), p.stock[:, :-1]])
    assert np.array_equal(p.stock, prev + p.entries - p.exits + p.adjustment)
    assert (p.stock >= 0).all() and (p.entries >= 0).all() and (p.exits >= 0).all()
    assert (p.exits <= prev + p.entries).all()


def test_fitted_model_balances_and_is_deterministic() -> None:
    panel = simulated_panel()
    fit = AggregateSpec().fit(panel, la_code="305", measure="cla_31mar", origin=2020)
    paths = fit.simulate(4, n_samples=300, rng=11)
    prev = np.column_stack([np.full(300, paths.opening), paths.stock[:, :-1]])
    assert np.array_equal(paths.stock, prev + paths.entries - paths.exits + paths.adjustment)
    one = fit.forecast(4, n_samples=300, rng=11).samples
    two = fit.forecast(4, n_samples=300, rng=11).samples
    other = fit.forecast(4, n_samples=300, rng=12).samples
    assert np.array_equal(one, two)
    assert not np.array_equal(one, other)
    assert np.array_equal(one[:, :, 0], paths.stock)
    meta = fit.forecast(4, n_samples=50, rng=11).metadata
    assert meta["population_source"] == "trend" and len(meta["population"]) == 4
    assert meta["entry_rate_per_10k"] == fit.entry_rate


def test_recovers_known_rates_on_simulated_panel() -> None:
    panel = simulated_panel(a=25.0, d=0.35)
    spec = AggregateSpec(anchor=False, level_window=5)
    ctx = spec.prepare(panel, measure="cla_31mar", origin=2020)
    fits = [
        spec.fit(panel, la_code=str(300 + i), measure="cla_31mar", origin=2020, context=ctx)
        for i in range(20)
    ]
    assert np.median([f.entry_rate for f in fits]) == pytest.approx(25.0, rel=0.05)
    assert np.median([f.exit_hazard for f in fits]) == pytest.approx(0.35, rel=0.05)
    assert abs(np.median([f.entries.trend for f in fits])) < 0.02
    # Data made by the model need no adjustment term.
    assert all(f.adjustment_mean == 0.0 for f in fits)


def test_stable_rates_keep_the_stock_near_its_steady_state() -> None:
    panel = simulated_panel(a=25.0, d=0.35, seed=3)
    spec = AggregateSpec(damping=0.0, anchor=False)
    fit = spec.fit(panel, la_code="301", measure="cla_31mar", origin=2020)
    pop = float(panel.query("la_code == '301' and measure == 'pop_0_17'")["value"].iloc[-1])
    steady = 25.0 * pop / 10_000 * (1 - 0.35 / 2) / 0.35
    med = np.median(fit.forecast(8, n_samples=2000, rng=0).samples[:, -1, 0])
    assert med == pytest.approx(steady, rel=0.2)


def test_user_population_projection_drives_entries() -> None:
    panel = simulated_panel(seed=5)
    base = AggregateSpec(damping=0.0).fit(panel, la_code="302", measure="cla_31mar", origin=2020)
    pop = float(panel.query("la_code == '302' and measure == 'pop_0_17'")["value"].iloc[-1])
    doubled = pd.Series([2 * pop] * 3, index=[2021, 2022, 2023])
    high = AggregateSpec(damping=0.0, population=doubled).fit(
        panel, la_code="302", measure="cla_31mar", origin=2020
    )
    assert high.population_source == "user" and base.population_source == "trend"
    e_base = base.simulate(3, n_samples=2000, rng=1).entries.mean()
    e_high = high.simulate(3, n_samples=2000, rng=1).entries.mean()
    assert e_high / e_base == pytest.approx(2.0, rel=0.1)


def test_adjustment_term_is_estimated_and_carried() -> None:
    panel = simulated_panel(seed=7)
    # Every published stock is 2% above what the flows imply (children vs episodes).
    stock = panel["measure"] == "cla_31mar"
    rows = panel[stock].sort_values(["la_code", "period"]).copy()
    bumped = []
    for _code, g in rows.groupby("la_code"):
        s = g["value"].to_numpy(float, copy=True)
        for k in range(1, len(s)):
            s[k:] += round(0.02 * s[k - 1])
        bumped.append(pd.Series(s, index=g.index))
    panel.loc[rows.index, "value"] = pd.concat(bumped)
    fit = AggregateSpec(anchor=False).fit(panel, la_code="304", measure="cla_31mar", origin=2020)
    assert fit.adjustment_mean == pytest.approx(0.02, abs=0.01)
    assert fit.simulate(3, n_samples=500, rng=0).adjustment.mean() > 0


def test_cp_exits_are_derived_from_stocks_and_starts() -> None:
    panel = simulated_panel(seed=2)
    panel = panel[panel["measure"] != "cla_ceases"].copy()
    panel["measure"] = panel["measure"].replace(
        {"cla_31mar": "cp_31mar", "cla_starts": "cp_starts"}
    )
    fit = get_model("aggregate", anchor=False).fit(
        panel, la_code="303", measure="cp_31mar", origin=2020
    )
    assert fit.exits_derived
    assert fit.adjustment_mean == 0.0 and fit.adjustment_sd == 0.0
    assert fit.exit_hazard == pytest.approx(0.35, rel=0.25)


def test_missing_flows_raise_insufficient_history() -> None:
    panel = simulated_panel()
    gap = (
        (panel["la_code"] == "306") & (panel["measure"] == "cla_starts") & (panel["period"] == 2020)
    )
    with pytest.raises(demandmodel.InsufficientHistoryError, match="306"):
        AggregateSpec().fit(panel[~gap], la_code="306", measure="cla_31mar", origin=2020)
    suppressed = panel.copy()
    flows = (suppressed["la_code"] == "306") & (suppressed["measure"] == "cla_ceases")
    suppressed.loc[flows, "value"] = np.nan
    with pytest.raises(demandmodel.InsufficientHistoryError, match="306"):
        AggregateSpec().fit(suppressed, la_code="306", measure="cla_31mar", origin=2020)
    with pytest.raises(demandmodel.InsufficientHistoryError, match="cla_31mar"):
        AggregateSpec().fit(panel, la_code="306", measure="cla_31mar", origin=2012)


def test_measure_without_flows_is_a_clear_error() -> None:
    with pytest.raises(demandmodel.DemandModelError, match="referrals"):
        AggregateSpec().fit(
            simulated_panel(n_la=3), la_code="300", measure="referrals", origin=2020
        )


def test_intervals_widen_with_horizon() -> None:
    fit = AggregateSpec().fit(simulated_panel(), la_code="300", measure="cla_31mar", origin=2020)
    q = fit.forecast(5, n_samples=2000, rng=0).quantile([0.1, 0.9])[:, :, 0]
    width = q[1] - q[0]
    assert width[-1] > width[0]


def test_anchored_stock_starts_level_and_follows_population() -> None:
    panel = simulated_panel(seed=9)
    spec = AggregateSpec(damping=0.0)  # anchored by default
    fit = spec.fit(panel, la_code="308", measure="cla_31mar", origin=2020)
    last = float(fit.history.iloc[-1])
    med = float(np.median(fit.forecast(1, n_samples=4000, rng=0).samples[:, 0, 0]))
    assert med == pytest.approx(last, rel=0.03)
    pop = float(panel.query("la_code == '308' and measure == 'pop_0_17'")["value"].iloc[-1])
    grown = pd.Series([1.3 * pop] * 5, index=range(2021, 2026))
    high = AggregateSpec(damping=0.0, population=grown).fit(
        panel, la_code="308", measure="cla_31mar", origin=2020
    )
    base_end = np.median(fit.forecast(5, n_samples=2000, rng=1).samples[:, -1, 0])
    high_end = np.median(high.forecast(5, n_samples=2000, rng=1).samples[:, -1, 0])
    assert high_end > 1.1 * base_end


def test_entry_scenario_flows_into_stocks_and_flows_forecast() -> None:
    panel = simulated_panel(seed=6)
    fit = AggregateSpec().fit(panel, la_code="307", measure="cla_31mar", origin=2020)
    base = fit.simulate(4, n_samples=2000, rng=3)
    fewer = fit.simulate(4, n_samples=2000, rng=3, entry_multiplier=[1.0, 0.8, 0.8, 0.8])
    assert fewer.entries[:, 0].mean() == pytest.approx(base.entries[:, 0].mean(), rel=0.02)
    assert fewer.entries[:, 1:].mean() == pytest.approx(0.8 * base.entries[:, 1:].mean(), rel=0.05)
    assert fewer.stock[:, -1].mean() < base.stock[:, -1].mean()
    same = fit.simulate(4, n_samples=2000, rng=3, entry_multiplier=1.0, exit_multiplier=1.0)
    assert np.array_equal(same.stock, base.stock)
    with pytest.raises(demandmodel.DemandModelError, match="entry_multiplier"):
        fit.simulate(4, n_samples=10, rng=3, entry_multiplier=[1.0, 0.5])
    fc = fit.forecast_flows(4, n_samples=500, rng=3)
    assert fc.series["measure"].tolist() == ["cla_31mar", "cla_starts", "cla_ceases"]
    assert np.array_equal(
        fc.select(measure="cla_31mar").samples[:, :, 0], fit.simulate(4, n_samples=500, rng=3).stock
    )


def test_specs_with_projections_compare_and_hash() -> None:
    pop = pd.Series([1.0, 2.0], index=[2021, 2022])
    a = AggregateSpec(population=pop, regions={"301": "London"})
    assert a == AggregateSpec(population=pop, regions={"301": "London"})
    assert hash(a) == hash(AggregateSpec())
    assert demandmodel.PooledSpec(regions={"301": "London"}) == demandmodel.PooledSpec()
