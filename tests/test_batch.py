"""Batch forecasting: fallbacks reported, one bad series never stops a batch, order-free seeds."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import demandmodel
from demandmodel.batch import FAILURE_REPORT_COLUMNS


def panel() -> pd.DataFrame:
    rng = np.random.default_rng(1)
    rows = []
    for i, la in enumerate(["301", "302", "303", "921"]):
        for m in ["cla_31mar", "cp_31mar"]:
            for t in range(2013, 2023):
                rows.append((la, m, t, float(round(200 * (i + 1) * np.exp(rng.normal(0, 0.05))))))
    rows += [("304", "cla_31mar", 2022, 50.0)]  # one year only: nothing can fit
    rows += [("305", "cla_31mar", 2021, 40.0), ("305", "cla_31mar", 2022, 44.0)]  # naive only
    return pd.DataFrame(rows, columns=["la_code", "measure", "period", "value"])


def test_forecast_panel_falls_back_and_reports() -> None:
    fc, report = demandmodel.forecast_panel(
        panel(),
        measures=["cla_31mar", "cp_31mar"],
        origin=2022,
        horizon=3,
        model="drift",
        n_samples=200,
        rng=3,
    )
    assert list(report.columns) == list(FAILURE_REPORT_COLUMNS)
    keys = set(zip(fc.series["la_code"], fc.series["measure"], strict=True))
    assert ("305", "cla_31mar") in keys and ("921", "cp_31mar") in keys
    assert ("304", "cla_31mar") not in keys
    r305 = report[report["la_code"] == "305"]
    assert r305[["model", "used_instead"]].values.tolist() == [["drift", "naive"]]
    r304 = report[report["la_code"] == "304"]
    assert set(r304["model"]) == {"drift", "naive"} and set(r304["used_instead"]) == {""}
    assert "LA 304, measure cla_31mar" in r304["message"].iloc[0]
    used = dict(
        zip(
            zip(fc.series["la_code"], fc.series["measure"], strict=True),
            fc.metadata["models_used"],
            strict=True,
        )
    )
    assert used[("305", "cla_31mar")] == "naive" and used[("301", "cla_31mar")] == "drift"
    assert fc.periods == (2023, 2024, 2025) and (fc.samples >= 0).all()


def test_results_do_not_depend_on_order_or_selection() -> None:
    p = panel()
    kw = dict(measures=["cla_31mar"], origin=2022, horizon=2, model="naive", n_samples=100, rng=9)
    a, _ = demandmodel.forecast_panel(p, **kw)  # type: ignore[arg-type]
    shuffled = p.sample(frac=1.0, random_state=4)
    b, _ = demandmodel.forecast_panel(shuffled, la_codes=["303", "301"], **kw)  # type: ignore[arg-type]
    for la in ["301", "303"]:
        np.testing.assert_array_equal(a.select(la_code=la).samples, b.select(la_code=la).samples)


def test_origin_cuts_later_years() -> None:
    p = panel()
    fc, _ = demandmodel.forecast_panel(
        p, measures=["cp_31mar"], origin=2019, horizon=1, model="naive", n_samples=50, rng=0
    )
    assert fc.periods == (2020,)
    assert fc.history is not None and fc.history["period"].max() == 2019


def test_unknown_la_is_reported_not_fatal() -> None:
    fc, report = demandmodel.forecast_panel(
        panel(),
        measures=["cla_31mar"],
        origin=2022,
        horizon=1,
        la_codes=["301", "999"],
        model="naive",
        n_samples=20,
        rng=0,
    )
    assert fc.series["la_code"].tolist() == ["301"]
    assert report["la_code"].tolist() == ["999"]


def test_bad_panel_and_no_forecastable_series_raise_clear_errors() -> None:
    with pytest.raises(demandmodel.DemandModelError, match="no column"):
        demandmodel.forecast_panel(pd.DataFrame({"x": [1]}), measures=["a"], origin=2022, horizon=1)
    with pytest.raises(demandmodel.DemandModelError, match="No series could be forecast"):
        demandmodel.forecast_panel(
            panel(), measures=["cla_31mar"], origin=2030, horizon=1, model="naive", rng=0
        )


def test_duplicate_rows_fail_one_series_not_the_batch() -> None:
    p = panel()
    dup = pd.concat([p, p[(p["la_code"] == "302") & (p["period"] == 2020)]], ignore_index=True)
    fc, report = demandmodel.forecast_panel(
        dup, measures=["cla_31mar"], origin=2022, horizon=1, model="naive", n_samples=20, rng=0
    )
    assert "302" not in set(fc.series["la_code"]) and "301" in set(fc.series["la_code"])
    assert (
        "more than one row for period(s) [2020]"
        in report.loc[report["la_code"] == "302", "message"].iloc[0]
    )


def test_series_without_a_value_at_the_origin_is_reported_once() -> None:
    p = panel()
    ended = p[~((p["la_code"] == "303") & (p["period"] > 2019))]
    fc, report = demandmodel.forecast_panel(
        ended, measures=["cp_31mar"], origin=2022, horizon=1, model="drift", n_samples=20, rng=0
    )
    assert "303" not in set(fc.series["la_code"])
    rows = report[report["la_code"] == "303"]
    assert len(rows) == 1 and rows["error"].iloc[0] == "NoValueAtOriginError"
    assert "last observed year is 2019" in rows["message"].iloc[0]
