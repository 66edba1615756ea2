"""Rolling-origin backtests: rows, no peeking, evaluation, and a real-data smoke run."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import demandmodel
from demandmodel.backtest import BACKTEST_COLUMNS


def walks(n_la: int = 8, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    z = 5 + np.cumsum(rng.normal(0, 0.06, size=(n_la, 12)), axis=1)
    return pd.DataFrame(
        {
            "la_code": np.repeat([str(301 + i) for i in range(n_la)], 12),
            "measure": "cla_31mar",
            "period": np.tile(np.arange(2011, 2023), n_la),
            "value": np.exp(z).round().ravel(),
        }
    )


def test_rows_have_one_line_per_forecast_with_an_actual() -> None:
    rows = demandmodel.rolling_backtest(
        walks(),
        model=["naive", "drift"],
        measures=["cla_31mar"],
        origins=[2019, 2020, 2021],
        horizon=3,
        n_samples=100,
        rng=1,
    )
    assert list(rows.columns) == list(BACKTEST_COLUMNS)
    # origin 2019: 3 horizons, 2020: 2, 2021: 1 -> 6 per LA per model
    assert len(rows) == 8 * 6 * 2
    assert ((rows["period"] - rows["origin"]) == rows["horizon"]).all()
    q = rows[["q025", "q10", "q25", "q50", "q75", "q90", "q975"]].to_numpy()
    assert (np.diff(q, axis=1) >= 0).all()
    truth = walks().set_index(["la_code", "period"])["value"]
    got = truth.loc[list(zip(rows["la_code"], rows["period"], strict=True))].to_numpy()
    np.testing.assert_array_equal(rows["actual"].to_numpy(), got)


def test_no_peeking_changing_the_future_changes_only_the_actuals() -> None:
    p = walks()
    kw = dict(model="auto", measures=["cla_31mar"], origins=[2018], horizon=2, n_samples=100, rng=4)
    a = demandmodel.rolling_backtest(p, **kw)  # type: ignore[arg-type]
    later = p.assign(value=np.where(p["period"] > 2018, p["value"] * 3, p["value"]))
    b = demandmodel.rolling_backtest(later, **kw)  # type: ignore[arg-type]
    pd.testing.assert_frame_equal(
        a.drop(columns=["actual", "crps"]), b.drop(columns=["actual", "crps"])
    )
    np.testing.assert_allclose(b["actual"], 3 * a["actual"])


def test_evaluate_perfect_and_naive_forecasts() -> None:
    rows = demandmodel.rolling_backtest(
        walks(),
        model="naive",
        measures=["cla_31mar"],
        origins=[2019, 2020],
        horizon=2,
        n_samples=100,
        rng=0,
    )
    perfect = rows.assign(
        **{c: rows["actual"] for c in ["q025", "q10", "q25", "q50", "q75", "q90", "q975"]}, crps=0.0
    )
    t = demandmodel.evaluate_backtest(perfect, by=["model"])
    assert t.loc[0, "mase"] == 0 and t.loc[0, "rmsse"] == 0 and t.loc[0, "crps"] == 0
    assert t.loc[0, "cov80"] == 1 and t.loc[0, "pinball"] == 0
    t2 = demandmodel.evaluate_backtest(rows, by=["model", "horizon"])
    assert t2["horizon"].tolist() == [1, 2]
    assert t2["n"].tolist() == [16, 16]  # 8 LAs x 2 origins, each with both actuals
    assert (t2["mase"] > 0).all() and t2["cov95"].between(0, 1).all()


def test_evaluate_names_missing_columns() -> None:
    with pytest.raises(demandmodel.DemandModelError, match="no column"):
        demandmodel.evaluate_backtest(pd.DataFrame({"model": ["x"]}))


@pytest.mark.shared_data
def test_real_data_backtest_smoke(shared_data: Path) -> None:
    path = shared_data / "dfe" / "cin" / "d5_cpps_at31march_by_duration_2013_to_2022.csv"
    panel = demandmodel.read_dfe(path)
    las = sorted(panel.loc[panel["la_code"].str.fullmatch(r"3\d\d"), "la_code"].unique())[:12]
    rows = demandmodel.rolling_backtest(
        panel,
        model=["auto", "naive"],
        measures=["cp_31mar"],
        origins=[2018, 2019],
        horizon=3,
        la_codes=las,
        n_samples=200,
        rng=0,
    )
    assert set(rows["la_code"]) <= set(las) and len(rows) > 0
    t = demandmodel.evaluate_backtest(rows, by=["model"])
    assert np.isfinite(t["mase"]).all() and (t["mase"] < 5).all()
    assert (t["cov95"] >= t["cov80"]).all()
