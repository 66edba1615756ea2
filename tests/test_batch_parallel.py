"""forecast_panel and backtest give bit-identical results serially, on 2 processes and on Dask."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from concurrent.futures import Executor
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import demandmodel
from demandmodel.backtest import backtest


def constructed_panel() -> pd.DataFrame:
    """Eight LAs x three measures x 12 years; one LA too short for drift, one without 2022."""
    gen = np.random.default_rng(2024)
    rows = []
    for i in range(8):
        la = str(301 + i)
        for j, measure in enumerate(("cla_31mar", "cp_31mar", "cin_31mar")):
            years = range(2011, 2023) if i != 6 else range(2021, 2023)
            level = 50.0 * (i + 1) * (j + 1)
            walk = np.exp(np.cumsum(gen.normal(0.02, 0.08, len(years))))
            for year, v in zip(years, level * walk, strict=True):
                if i == 7 and year == 2022:
                    continue  # no value at the origin: reported, not forecast
                rows.append((la, measure, year, round(float(v))))
    return pd.DataFrame(rows, columns=["la_code", "measure", "period", "value"])


@pytest.fixture(scope="module")
def dask_executor() -> Iterator[Executor]:
    distributed = pytest.importorskip("distributed", reason="the dask extra is not installed")
    with (
        distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        yield client.get_executor()


def _three_ways(fn: Any, executor: Executor, /, **kw: Any) -> list[Any]:
    return [fn(**kw), fn(**kw, n_jobs=2), fn(**kw, executor=executor)]


def _same_forecasts(runs: list[tuple[demandmodel.Forecast, pd.DataFrame]]) -> None:
    (first, first_fail), *others = runs
    for fc, fail in others:
        np.testing.assert_array_equal(fc.samples, first.samples)
        pd.testing.assert_frame_equal(fc.series, first.series)
        assert fc.history is not None and first.history is not None
        pd.testing.assert_frame_equal(fc.history, first.history)
        assert fc.metadata == first.metadata
        pd.testing.assert_frame_equal(fail, first_fail)


def test_constructed_panel_forecast_identical_three_ways(dask_executor: Executor) -> None:
    runs = _three_ways(
        demandmodel.forecast_panel,
        dask_executor,
        panel=constructed_panel(),
        measures=["cla_31mar", "cp_31mar", "cin_31mar"],
        origin=2022,
        horizon=3,
        model="drift",
        n_samples=300,
        rng=17,
    )
    _same_forecasts(runs)
    fc, failures = runs[0]
    assert fc.samples.shape == (300, 3, 21)  # LA 308 has no 2022 value for any measure
    assert set(failures.loc[failures["used_instead"] == "naive", "la_code"]) == {"307"}
    assert set(failures.loc[failures["used_instead"] == "", "la_code"]) == {"308"}
    other_seed, _ = demandmodel.forecast_panel(
        constructed_panel(), measures=["cla_31mar"], origin=2022, horizon=3, model="drift",
        n_samples=300, rng=18, n_jobs=2,
    )  # fmt: skip
    assert not np.array_equal(other_seed.samples, fc.samples[:, :, :7])


def test_constructed_panel_backtest_identical_three_ways(dask_executor: Executor) -> None:
    runs = _three_ways(
        backtest,
        dask_executor,
        panel=constructed_panel(),
        model=["drift", "naive"],
        measures=["cla_31mar", "cp_31mar"],
        origins=[2017, 2018],
        horizon=2,
        n_samples=200,
        rng=5,
    )
    assert len(runs[0]) > 0
    for rows in runs[1:]:
        pd.testing.assert_frame_equal(rows, runs[0])


@pytest.mark.shared_data
def test_real_subset_identical_three_ways(shared_data: Path, dask_executor: Executor) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", demandmodel.UnreadFileWarning)
        panel = demandmodel.read_dfe(shared_data / "dfe" / "cla")
    codes = sorted(panel.loc[panel["measure"] == "cla_31mar", "la_code"].astype(str).unique())
    subset = [*codes[:6], "970"]  # England too: the global model forecasts it on its own drift
    # auto on CLA is the global model: its pool context is prepared once and shipped
    runs = _three_ways(
        demandmodel.forecast_panel,
        dask_executor,
        panel=panel,
        measures=["cla_31mar"],
        origin=2022,
        horizon=3,
        la_codes=subset,
        model="auto",
        n_samples=200,
        rng=2022,
    )
    _same_forecasts(runs)
    assert len(runs[0][0].series) >= 5
    rows = _three_ways(
        backtest,
        dask_executor,
        panel=panel,
        model="naive",
        measures=["cla_31mar"],
        origins=[2018],
        la_codes=subset,
        n_samples=100,
        rng=1,
    )
    assert len(rows[0]) > 0
    for r in rows[1:]:
        pd.testing.assert_frame_equal(r, rows[0])
