"""Series models on the common interface: ordered quantiles, non-negative, seeded, honest."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import demandmodel
from demandmodel.models.base import FittedModel, ModelSpec
from demandmodel.models.baselines import DriftSpec, NaiveSpec
from demandmodel.models.ensemble import CalibratedSpec, EnsembleSpec, calibration_factors

SERIES_MODELS = ["naive", "drift", "mean", "ets", "arima", "local", "theta", "ensemble", "auto"]


def one_series(values: list[float], *, la: str = "301", measure: str = "cla_31mar") -> pd.DataFrame:
    start = 2022 - len(values) + 1
    return pd.DataFrame(
        {"la_code": la, "measure": measure, "period": range(start, 2023), "value": values}
    )


def many_walks(n_la: int = 25, years: int = 12, sd: float = 0.08, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    z = 5 + np.cumsum(rng.normal(0, sd, size=(n_la, years)), axis=1)
    return pd.DataFrame(
        {
            "la_code": np.repeat([str(300 + i) for i in range(n_la)], years),
            "measure": "cp_31mar",
            "period": np.tile(np.arange(2023 - years, 2023), n_la),
            "value": np.exp(z).round().ravel(),
        }
    )


PANEL = one_series([300.0, 310, 322, 330, 345, 350, 366, 372, 380, 395])


def test_registry_lists_models_and_rejects_unknown_names() -> None:
    names = demandmodel.available_models()
    assert set(SERIES_MODELS) <= set(names)
    with pytest.raises(demandmodel.DemandModelError, match="Unknown model 'nope'"):
        demandmodel.get_model("nope")


@pytest.mark.parametrize("name", SERIES_MODELS)
def test_model_follows_the_interface(name: str) -> None:
    spec = demandmodel.get_model(name)
    assert isinstance(spec, ModelSpec)
    ctx = spec.prepare(PANEL, measure="cla_31mar", origin=2022)
    fit = spec.fit(PANEL, la_code="301", measure="cla_31mar", origin=2022, context=ctx)
    assert isinstance(fit, FittedModel)
    fc = fit.forecast(3, n_samples=200, rng=5)
    assert fc.periods == (2023, 2024, 2025)
    assert fc.series.to_dict("records") == [{"la_code": "301", "measure": "cla_31mar"}]
    assert fc.origin == 2022 and fc.seed == 5
    assert (fc.samples >= 0).all() and np.isfinite(fc.samples).all()
    frame = fc.to_frame()
    q = frame[["q025", "q10", "q25", "q50", "q75", "q90", "q975"]].to_numpy()
    assert (np.diff(q, axis=1) >= 0).all()
    # plausible level: the median one year ahead is within 20% of the last value
    assert 0.8 * 395 < frame["q50"].iloc[0] < 1.2 * 395
    np.testing.assert_array_equal(fit.forecast(3, n_samples=200, rng=5).samples, fc.samples)
    assert fc.history is not None and fc.history["value"].iloc[-1] == 395


@pytest.mark.parametrize("name", ["naive", "drift", "ets", "arima", "theta"])
def test_too_short_series_names_la_and_measure(name: str) -> None:
    short = one_series([5.0], la="888", measure="cp_31mar")
    with pytest.raises(demandmodel.InsufficientHistoryError, match="LA 888, measure cp_31mar"):
        demandmodel.get_model(name).fit(short, la_code="888", measure="cp_31mar", origin=2022)


def test_last_year_missing_is_insufficient_history() -> None:
    panel = one_series([10.0, 12.0, 11.0, np.nan])
    with pytest.raises(demandmodel.InsufficientHistoryError):
        NaiveSpec().fit(panel, la_code="301", measure="cla_31mar", origin=2022)


def test_years_after_origin_are_ignored() -> None:
    a = NaiveSpec().fit(PANEL, la_code="301", measure="cla_31mar", origin=2019)
    changed = PANEL.assign(value=np.where(PANEL["period"] > 2019, 1e6, PANEL["value"]))
    b = NaiveSpec().fit(changed, la_code="301", measure="cla_31mar", origin=2019)
    np.testing.assert_array_equal(
        a.sample(3, n_samples=50, rng=1), b.sample(3, n_samples=50, rng=1)
    )
    assert a.history.index.max() == 2019


def test_interior_gap_is_filled_not_dropped() -> None:
    panel = one_series([100.0, np.nan, 121.0, 130.0])
    fit = NaiveSpec().fit(panel, la_code="301", measure="cla_31mar", origin=2022)
    assert fit.history.index.tolist() == [2019, 2020, 2021, 2022]
    assert fit.history[2020] == pytest.approx(110.0, rel=0.01)


def test_drift_continues_the_trend_and_naive_does_not() -> None:
    naive = NaiveSpec().fit(PANEL, la_code="301", measure="cla_31mar", origin=2022)
    drift = DriftSpec().fit(PANEL, la_code="301", measure="cla_31mar", origin=2022)
    med_n = np.median(naive.sample(3, n_samples=4000, rng=0), axis=0)
    med_d = np.median(drift.sample(3, n_samples=4000, rng=0), axis=0)
    assert abs(med_n[2] - 395) < 8
    assert med_d[2] > 420


@settings(max_examples=25, deadline=None)
@given(
    st.lists(st.floats(min_value=0, max_value=5e4, allow_nan=False), min_size=3, max_size=12),
    st.sampled_from(["naive", "drift", "mean"]),
    st.integers(0, 2**32 - 1),
)
def test_baselines_never_negative_and_seeded(values: list[float], name: str, seed: int) -> None:
    panel = one_series(values)
    fit = demandmodel.get_model(name).fit(panel, la_code="301", measure="cla_31mar", origin=2022)
    a = fit.sample(4, n_samples=200, rng=seed)
    assert a.shape == (200, 4)
    assert np.isfinite(a).all() and (a >= 0).all()
    np.testing.assert_array_equal(a, fit.sample(4, n_samples=200, rng=seed))


def test_ensemble_median_lies_between_members() -> None:
    ens = EnsembleSpec(members=("naive", "drift"), combine="median")
    fit = ens.fit(PANEL, la_code="301", measure="cla_31mar", origin=2022)
    med = np.median(fit.sample(3, n_samples=4000, rng=2), axis=0)
    lo = np.median(
        NaiveSpec()
        .fit(PANEL, la_code="301", measure="cla_31mar", origin=2022)
        .sample(3, n_samples=4000, rng=2),
        axis=0,
    )
    hi = np.median(
        DriftSpec()
        .fit(PANEL, la_code="301", measure="cla_31mar", origin=2022)
        .sample(3, n_samples=4000, rng=2),
        axis=0,
    )
    assert (med >= lo - 2).all() and (med <= hi + 2).all()


def test_ensemble_skips_members_that_cannot_fit() -> None:
    short = one_series([10.0, 12.0, 11.0])
    fit = EnsembleSpec(members=("naive", "ets")).fit(
        short, la_code="301", measure="cla_31mar", origin=2022
    )
    assert len(fit.members) == 1  # type: ignore[attr-defined]


def test_calibration_factors_widen_too_narrow_intervals() -> None:
    rng = np.random.default_rng(0)
    actual = 100 * np.exp(rng.normal(0, 0.2, 400))
    rows = pd.DataFrame(
        {
            "horizon": 1,
            "actual": actual,
            "q50": 100.0,
            "q10": 100 * np.exp(-0.1),
            "q90": 100 * np.exp(0.1),
            "q025": 100 * np.exp(-0.15),
            "q975": 100 * np.exp(0.15),
        }
    )
    f, n = calibration_factors(rows)
    # true 80% half-width is 1.2816 * 0.2 = 0.256 against 0.1 given; 95%: 0.392 against 0.15
    assert f[1][0] == pytest.approx(0.256 / 0.1, rel=0.15)
    assert f[1][1] == pytest.approx(1.96 * 0.2 / 0.15, rel=0.2)
    assert n[1] == 400


def test_calibrated_model_widens_a_too_narrow_base_and_does_not_peek() -> None:
    panel = many_walks(sd=0.15)
    narrow = NaiveSpec(min_sigma=0.0)
    # a base that ignores most of the volatility: mean model on random walks is far too narrow
    cal = CalibratedSpec(base="mean", horizon=3, window=5)
    ctx = cal.prepare(panel, measure="cp_31mar", origin=2020)
    assert ctx.factors[1][0] > 1.2
    future = panel.assign(value=np.where(panel["period"] > 2020, 1.0, panel["value"]))
    assert cal.prepare(future, measure="cp_31mar", origin=2020).factors == ctx.factors
    base = demandmodel.get_model("mean").fit(panel, la_code="301", measure="cp_31mar", origin=2020)
    fit = cal.fit(panel, la_code="301", measure="cp_31mar", origin=2020, context=ctx)
    width = lambda s: np.quantile(s, 0.9, axis=0) - np.quantile(s, 0.1, axis=0)  # noqa: E731
    assert (
        width(fit.sample(2, n_samples=2000, rng=1)) > width(base.sample(2, n_samples=2000, rng=1))
    ).all()
    assert narrow.min_sigma == 0.0


def test_auto_chooses_per_measure_through_the_registry() -> None:
    from demandmodel.models.ensemble import AutoSpec

    auto = AutoSpec(choice={"cla_31mar": "pooled", "cp_31mar": "not_registered"})
    assert auto.model_for("cla_31mar") == "pooled"
    assert auto.model_for("cp_31mar") == "naive"  # unknown names fall back to the default
    assert isinstance(auto.spec_for("cp_31mar"), CalibratedSpec)
    assert auto.spec_for("cla_31mar").name == "pooled"  # learns its own spread: not wrapped
    assert not isinstance(AutoSpec(calibrate=False).spec_for("cp_31mar"), CalibratedSpec)
    panel = many_walks()
    ctx = auto.prepare(panel, measure="cp_31mar", origin=2021)
    fit = auto.fit(panel, la_code="305", measure="cp_31mar", origin=2021, context=ctx)
    assert fit.forecast(2, n_samples=100, rng=0).model == "auto"


def test_select_by_backtest_uses_only_the_past() -> None:
    from demandmodel.models.ensemble import SelectSpec

    t = np.arange(2011, 2023)
    trend = pd.DataFrame(
        {
            "la_code": np.repeat([str(c) for c in range(301, 309)], 12),
            "measure": "cla_31mar",
            "period": np.tile(t, 8),
            "value": np.tile(100 * 1.1 ** (t - 2011), 8),
        }
    )
    sel = SelectSpec(candidates=("naive", "drift"))
    ctx = sel.prepare(trend, measure="cla_31mar", origin=2018)
    assert ctx.spec.name == "drift" and ctx.scores["drift"] < ctx.scores["naive"]
    # years after the origin turn flat: the choice at 2018 must not change
    flat = trend.assign(value=np.where(trend["period"] > 2018, 1000.0, trend["value"]))
    assert sel.prepare(flat, measure="cla_31mar", origin=2018).scores == ctx.scores
    fit = sel.fit(trend, la_code="301", measure="cla_31mar", origin=2018, context=ctx)
    assert fit.forecast(1, n_samples=50, rng=0).model == "drift"


def test_no_value_at_origin_names_the_last_year() -> None:
    from demandmodel.models.base import NoValueAtOriginError

    ended = one_series([10.0, 12.0, 11.0, 13.0])
    ended = ended[ended["period"] <= 2020]
    with pytest.raises(
        NoValueAtOriginError, match=r"no value for 2022.*last observed year is 2020"
    ):
        NaiveSpec().fit(ended, la_code="301", measure="cla_31mar", origin=2022)


def test_auto_uses_calibrated_default_where_the_chosen_model_cannot_fit() -> None:
    from demandmodel.models.ensemble import AutoSpec

    panel = many_walks().assign(measure="cla_31mar")
    england = panel.groupby("period", as_index=False)["value"].sum()
    panel = pd.concat([panel, england.assign(la_code="970", measure="cla_31mar")])
    auto = AutoSpec(choice={"cla_31mar": "pooled"})
    ctx = auto.prepare(panel, measure="cla_31mar", origin=2021)
    fit = auto.fit(panel, la_code="970", measure="cla_31mar", origin=2021, context=ctx)
    assert fit.forecast(1, n_samples=50, rng=0).model == "auto"
    assert isinstance(ctx.fallback["spec"], CalibratedSpec)
