"""Global models (``global``, ``revert``): drift, learnt pull, aggregates, spread, errors."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import demandmodel
from demandmodel.errors import InsufficientHistoryError
from demandmodel.models.base import NoValueAtOriginError, get_model
from demandmodel.models.global_model import GlobalSpec, national_drift, weighted_median


def simulated_panel(
    *,
    kind: str,
    n_las: int = 60,
    years: range = range(2006, 2020),
    drift: float = 0.0,
    noise: float = 0.1,
    seed: int = 0,
) -> pd.DataFrame:
    """LAs whose log counts are white noise around a level (``iid``) or a random walk (``walk``)."""
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(n_las):
        level = rng.uniform(4.0, 6.0)
        shocks = rng.normal(0.0, noise, len(years))
        path = shocks if kind == "iid" else np.cumsum(shocks)
        for k, t in enumerate(years):
            value = float(np.exp(level + drift * k + path[k]))
            rows.append(
                {"la_code": str(300 + i), "measure": "cp_31mar", "period": t, "value": value}
            )
    return pd.DataFrame(rows)


def test_weighted_median_minimises_the_weighted_absolute_error() -> None:
    rng = np.random.default_rng(1)
    v, w = rng.normal(size=31), rng.uniform(0.1, 2.0, 31)
    m = weighted_median(v, w)
    loss = [float(np.sum(w * np.abs(v - c))) for c in (m, m - 0.01, m + 0.01)]
    assert loss[0] <= min(loss[1:])


def test_national_drift_is_kept_when_steady_and_shrunk_when_it_reverses() -> None:
    steady = simulated_panel(kind="iid", drift=0.04, noise=0.02)
    z = np.log1p(steady.pivot(index="la_code", columns="period", values="value").to_numpy())
    assert national_drift(z) == pytest.approx(0.04, abs=0.005)
    changes = np.tile([0.1, -0.1], 6)
    flip = np.tile(np.concatenate([[0.0], np.cumsum(changes)]), (20, 1))
    assert abs(national_drift(flip)) < 0.005


def test_pull_is_learnt_for_noise_around_a_level_and_not_for_a_random_walk() -> None:
    iid = GlobalSpec(drift=False).prepare(
        simulated_panel(kind="iid"), measure="cp_31mar", origin=2019
    )
    walk = GlobalSpec(drift=False).prepare(
        simulated_panel(kind="walk"), measure="cp_31mar", origin=2019
    )
    # white noise around a level: the best forecast is the recent mean (pull 1); a walk: none
    assert len(iid.pulls) == 5 and min(iid.pulls) > 0.7
    assert max(walk.pulls[:3]) < 0.25
    assert iid.drift == 0.0


def test_without_enough_history_it_is_the_naive_forecast() -> None:
    panel = simulated_panel(kind="iid", years=range(2017, 2020))
    spec = get_model("revert")
    ctx = spec.prepare(panel, measure="cp_31mar", origin=2019)
    assert ctx.pulls == ()
    fit = spec.fit(panel, la_code="305", measure="cp_31mar", origin=2019, context=ctx)
    median = np.median(fit.sample(3, n_samples=4001, rng=3), axis=0)
    assert median == pytest.approx(np.full(3, fit.history.iloc[-1]), rel=0.02)


def test_england_row_gets_its_own_drift_and_no_pull() -> None:
    panel = simulated_panel(kind="iid")
    years = sorted(panel["period"].unique())
    england = pd.DataFrame(
        {"la_code": "970", "measure": "cp_31mar", "period": years,
         "value": [1000 * 1.05**k for k in range(len(years))]}
    )  # fmt: skip
    panel = pd.concat([panel, england], ignore_index=True)
    for name, growth in (("global", 1.05), ("revert", 1.0)):
        spec = get_model(name)
        fit = spec.fit(panel, la_code="970", measure="cp_31mar", origin=2019)
        median = np.median(fit.sample(2, n_samples=4001, rng=5), axis=0)
        expected = england["value"].iloc[-1] * growth ** np.arange(1, 3)
        assert median == pytest.approx(expected, rel=0.01), name


def test_one_year_intervals_cover_new_data_from_the_same_process() -> None:
    panel = simulated_panel(kind="walk", n_las=150, years=range(2006, 2021), seed=4)
    spec = get_model("revert")
    ctx = spec.prepare(panel, measure="cp_31mar", origin=2019)
    actual = panel[panel["period"] == 2020].set_index("la_code")["value"]
    inside80 = inside95 = 0
    for code, value in actual.items():
        paths = spec.fit(panel, la_code=code, measure="cp_31mar", origin=2019, context=ctx).sample(
            1, n_samples=2000, rng=int(code)
        )
        q = np.quantile(paths[:, 0], [0.025, 0.1, 0.9, 0.975])
        inside80 += q[1] <= value <= q[2]
        inside95 += q[0] <= value <= q[3]
    assert 0.68 <= inside80 / len(actual) <= 0.92
    assert 0.88 <= inside95 / len(actual) <= 1.0


def test_paths_are_deterministic_for_a_seed_and_never_negative() -> None:
    panel = simulated_panel(kind="walk", noise=0.5)
    fit = get_model("global").fit(panel, la_code="310", measure="cp_31mar", origin=2019)
    a, b = fit.sample(4, n_samples=500, rng=9), fit.sample(4, n_samples=500, rng=9)
    assert np.array_equal(a, b) and (a >= 0).all()
    q = fit.forecast(4, n_samples=500, rng=9).quantile([0.1, 0.5, 0.9])
    assert (np.diff(q, axis=0) >= 0).all()


def test_unknown_la_or_no_value_at_origin_is_reported() -> None:
    panel = simulated_panel(kind="iid")
    spec = get_model("global")
    with pytest.raises(InsufficientHistoryError):
        spec.fit(panel, la_code="999", measure="cp_31mar", origin=2019)
    gap = panel[~((panel["la_code"] == "301") & (panel["period"] == 2019))]
    with pytest.raises(NoValueAtOriginError, match="last observed year is 2018"):
        spec.fit(gap, la_code="301", measure="cp_31mar", origin=2019)


@pytest.mark.shared_data
def test_auto_on_the_real_panel_learns_a_pull_for_cp_and_a_drift_for_cla(
    shared_data: Path,
) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", demandmodel.UnreadFileWarning)
        panel = demandmodel.read_dfe(shared_data / "dfe")
    cp = get_model("revert").prepare(panel, measure="cp_31mar", origin=2019)
    assert cp.drift == 0.0 and 0.0 < cp.pulls[0] < 1.0  # CP reverts toward its recent level
    cla = get_model("global").prepare(panel, measure="cla_31mar", origin=2019)
    assert 0.0 < cla.drift < 0.05  # CLA rose most years since 1994
    assert "970" in cla.codes and len(cla.codes) > 150
    fc, failures = demandmodel.forecast_panel(
        panel, measures=["cp_31mar"], origin=2019, horizon=1, model="auto", n_samples=400, rng=1
    )
    assert len(failures) < 10  # City of London and LAs created by later boundary changes
    frame = fc.to_frame().set_index("la_code")
    actual = panel[(panel["measure"] == "cp_31mar") & (panel["period"] == 2020)]
    actual = actual.set_index("la_code")["value"].dropna()
    both = frame.index.intersection(actual.index)
    assert len(both) > 140
    lo, hi, y = frame.loc[both, "q025"], frame.loc[both, "q975"], actual[both]
    assert 0.85 <= float(((lo <= y) & (y <= hi)).mean()) <= 1.0
