"""Pooled model: shrinkage toward the group, calibrated pooled spread, determinism, errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import demandmodel
from demandmodel.models.base import get_model
from demandmodel.models.pooled import PooledSpec
from demandmodel.models.pooling import eb_shrink


def trend_panel(
    trends: dict[str, float],
    *,
    n_per_group: int = 25,
    years: range = range(2010, 2022),
    noise: float = 0.03,
    seed: int = 0,
) -> tuple[pd.DataFrame, dict[str, str]]:
    """LAs with log-linear trends by region plus white noise; returns (panel, regions)."""
    rng = np.random.default_rng(seed)
    rows, regions = [], {}
    code = 300
    for region, g in trends.items():
        for _ in range(n_per_group):
            level = rng.uniform(4.0, 6.5)
            for k, t in enumerate(years):
                v = float(np.exp(level + g * k + rng.normal(0, noise)))
                rows.append({"la_code": str(code), "measure": "cla_31mar", "period": t, "value": v})
            regions[str(code)] = region
            code += 1
    return pd.DataFrame(rows), regions


def test_series_without_signal_gets_the_group_trend() -> None:
    panel, _ = trend_panel({"North": 0.05})
    # LA 999 has only two years, and no change between them: no signal of its own.
    extra = pd.DataFrame(
        {"la_code": "999", "measure": "cla_31mar", "period": [2020, 2021], "value": [200.0, 200.0]}
    )
    panel = pd.concat([panel, extra], ignore_index=True)
    fit = PooledSpec().fit(panel, la_code="999", measure="cla_31mar", origin=2021)
    assert fit.trend == pytest.approx(0.05, abs=0.01)
    # An LA with a long clean history keeps (close to) its own trend.
    own = PooledSpec().fit(panel, la_code="300", measure="cla_31mar", origin=2021)
    assert own.trend == pytest.approx(0.05, abs=0.01)


def test_shrinks_toward_its_region_not_england() -> None:
    panel, regions = trend_panel({"North": 0.06, "South": -0.04}, noise=0.05)
    spec = PooledSpec(regions=regions)
    ctx = spec.prepare(panel, measure="cla_31mar", origin=2021)
    north = ctx.trend[np.asarray(ctx.groups) == "North"]
    south = ctx.trend[np.asarray(ctx.groups) == "South"]
    assert np.median(north) == pytest.approx(0.06, abs=0.015)
    assert np.median(south) == pytest.approx(-0.04, abs=0.015)
    # Pooling reduces the spread of trends within a region compared with each LA's own mean.
    own = np.diff(np.log(panel.pivot_table(index="la_code", columns="period", values="value")))
    own_trend = own[:, -spec.window :].mean(axis=1)
    assert np.std(north) < np.std(own_trend[:25])


def test_eb_weights_follow_precision() -> None:
    precise = np.linspace(0.0, 0.2, 10)
    est = np.concatenate([precise, [0.4, 0.4]])
    var = np.concatenate([np.full(10, 1e-6), [0.01, 0.01]])
    shrunk, weight, tau2 = eb_shrink(est, var, np.array(["a"] * 12))
    assert tau2 > 0
    assert (weight[:10] < 0.01).all() and (weight[10:] > 0.3).all()
    assert np.allclose(shrunk[:10], precise, atol=1e-3)
    assert 0.15 < shrunk[10] < 0.35


def test_aggregate_rows_are_not_pooled() -> None:
    panel, _ = trend_panel({"North": 0.02}, n_per_group=10)
    eng = (
        panel.groupby("period", as_index=False)["value"]
        .sum()
        .assign(la_code="970", measure="cla_31mar")
    )
    region = eng.assign(la_code="982")
    spec = PooledSpec()
    both = pd.concat([panel, eng, region], ignore_index=True)
    ctx = spec.prepare(both, measure="cla_31mar", origin=2021)
    assert set(ctx.codes) == set(panel["la_code"]) and len(ctx.codes) == 10


def test_regions_recorded_by_the_reader_are_used() -> None:
    panel, regions = trend_panel({"North": 0.06, "South": -0.04}, noise=0.05)
    # read_dfe records each LA's region code in panel.attrs["regions"] (980-990 pseudo-codes).
    panel.attrs["regions"] = {c: "980" if r == "North" else "990" for c, r in regions.items()}
    ctx = PooledSpec().prepare(panel, measure="cla_31mar", origin=2021)
    assert set(ctx.groups) == {"North East", "South West"}
    north = ctx.trend[np.asarray(ctx.groups) == "North East"]
    assert np.median(north) == pytest.approx(0.06, abs=0.015)


def walk_panel(*, n_la: int = 120, seed: int = 3) -> pd.DataFrame:
    """LAs following log random walks with volatilities between 3% and 15% a year."""
    rng = np.random.default_rng(seed)
    rows = []
    years = range(2008, 2023)
    sigmas = rng.uniform(0.03, 0.15, n_la)
    for i in range(n_la):
        z = np.log(500) + np.cumsum(rng.normal(0, sigmas[i], len(years)))
        rows += [
            {"la_code": str(300 + i), "measure": "cp_31mar", "period": t, "value": float(np.exp(v))}
            for t, v in zip(years, z, strict=True)
        ]
    return pd.DataFrame(rows)


def test_intervals_widen_with_horizon_and_are_deterministic() -> None:
    panel = walk_panel(n_la=60)
    fit = get_model("pooled").fit(panel, la_code="310", measure="cp_31mar", origin=2022)
    fc = fit.forecast(5, n_samples=3000, rng=7)
    q = fc.quantile([0.025, 0.1, 0.9, 0.975])[:, :, 0]
    assert np.all(np.diff(q[3] - q[0]) > 0) and np.all(np.diff(q[2] - q[1]) > 0)
    assert np.array_equal(fc.samples, fit.forecast(5, n_samples=3000, rng=7).samples)
    assert not np.array_equal(fc.samples, fit.forecast(5, n_samples=3000, rng=8).samples)
    assert (fc.samples >= 0).all() and fc.periods == (2023, 2024, 2025, 2026, 2027)
    assert fc.metadata["trend"] == fit.trend and len(fc.metadata["median_log_change"]) == 5


def test_learns_no_trend_and_no_pull_from_random_walks() -> None:
    ctx = PooledSpec(learn=True).prepare(walk_panel(), measure="cp_31mar", origin=2022)
    assert len(ctx.slopes) >= 3
    assert all(b < 0.35 * (h + 1) for h, b in enumerate(ctx.slopes))
    assert all(k < 0.2 for k in ctx.pulls)


def test_pooled_spread_is_calibrated_on_random_walks() -> None:
    """LAs with random walks of different volatilities: pooled 80% intervals cover about 80%."""
    panel = walk_panel()
    spec = PooledSpec(damping=0.0)
    ctx = spec.prepare(panel, measure="cp_31mar", origin=2020)
    inside = []
    for i in range(120):
        code = str(300 + i)
        fit = spec.fit(panel, la_code=code, measure="cp_31mar", origin=2020, context=ctx)
        q = np.quantile(fit.sample(2, n_samples=1000, rng=i), [0.1, 0.9], axis=0)
        actual = panel.query("la_code == @code and period > 2020")["value"].to_numpy()
        inside += list((actual >= q[0]) & (actual <= q[1]))
    assert 0.7 <= np.mean(inside) <= 0.9


def test_la_without_the_origin_year_is_insufficient_history() -> None:
    panel, _ = trend_panel({"North": 0.02}, n_per_group=10)
    panel = panel[~((panel["la_code"] == "305") & (panel["period"] == 2021))]
    with pytest.raises(demandmodel.InsufficientHistoryError, match="305"):
        PooledSpec().fit(panel, la_code="305", measure="cla_31mar", origin=2021)
    with pytest.raises(demandmodel.InsufficientHistoryError, match="888"):
        PooledSpec().fit(panel, la_code="888", measure="cla_31mar", origin=2021)


def test_empty_pool_is_a_clear_error() -> None:
    panel, _ = trend_panel({"North": 0.02}, n_per_group=3)
    with pytest.raises(demandmodel.DemandModelError, match="cin_31mar"):
        PooledSpec().fit(panel, la_code="300", measure="cin_31mar", origin=2021)


def test_per_population_adds_the_las_own_population_growth() -> None:
    """Rates are flat everywhere; one LA's children (and so its counts) grow 5% a year."""
    rng = np.random.default_rng(4)
    rows = []
    for i in range(30):
        code, pop0 = str(300 + i), rng.uniform(30_000, 80_000)
        growth = 0.05 if i == 0 else 0.0
        for k, t in enumerate(range(2012, 2022)):
            pop = pop0 * np.exp(growth * k)
            rate = 60.0 * np.exp(rng.normal(0, 0.03))
            rows.append((code, "cla_31mar", t, rate * pop / 10_000))
            rows.append((code, "pop_0_17", t, pop))
    panel = pd.DataFrame(rows, columns=["la_code", "measure", "period", "value"])
    with_pop = PooledSpec(per_population=True).fit(
        panel, la_code="300", measure="cla_31mar", origin=2021
    )
    without = PooledSpec().fit(panel, la_code="300", measure="cla_31mar", origin=2021)
    assert with_pop.pop_trend == pytest.approx(0.05, abs=1e-6)
    assert with_pop.shift(3)[-1] == pytest.approx(0.15, abs=0.03)
    # Pooling counts shrinks the lone grower toward the flat group; pooling rates does not.
    assert without.shift(3)[-1] < with_pop.shift(3)[-1] - 0.03
