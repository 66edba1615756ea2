"""CLI: --jobs, --dask-scheduler, --la/--region/--all-las on forecast, backtest and run."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from demandmodel.cli import main

NORTH_EAST = "North East"


def _forecast(shared_data: Path, out: Path, *extra: str) -> int:
    return main(
        [
            "forecast", "--data", str(shared_data / "dfe" / "cla"), "--measure", "cla_31mar",
            "--origin", "2022", "--horizon", "2", "--n-samples", "200", "--model", "naive",
            "--out", str(out), *extra,
        ]
    )  # fmt: skip


@pytest.mark.shared_data
def test_forecast_region_jobs_and_dask_identical(shared_data: Path, tmp_path: Path) -> None:
    distributed = pytest.importorskip("distributed", reason="the dask extra is not installed")
    region = ["--region", NORTH_EAST, "--la", "301"]
    assert _forecast(shared_data, tmp_path / "serial.csv", *region) == 0
    assert _forecast(shared_data, tmp_path / "jobs.csv", *region, "--jobs", "2") == 0
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None
    ) as cluster:
        address = cluster.scheduler_address
        assert (
            _forecast(shared_data, tmp_path / "dask.csv", *region, "--dask-scheduler", address) == 0
        )
    serial = (tmp_path / "serial.csv").read_bytes()
    assert (tmp_path / "jobs.csv").read_bytes() == serial
    assert (tmp_path / "dask.csv").read_bytes() == serial
    frame = pd.read_csv(tmp_path / "serial.csv", dtype={"la_code": str})
    # the twelve North East LAs (DfE codes 39x and 80x-84x) plus Barking and Dagenham
    assert len(frame["la_code"].unique()) == 13 and "301" in set(frame["la_code"])
    assert "970" not in set(frame["la_code"])


@pytest.mark.shared_data
def test_forecast_aggregate_adds_coherent_totals(shared_data: Path, tmp_path: Path) -> None:
    out = tmp_path / "agg.parquet"
    assert _forecast(shared_data, out, "--region", NORTH_EAST, "--aggregate", "--jobs", "2") == 0
    frame = pd.read_parquet(out)
    assert set(frame["level"]) == {"la", "region", "england"}
    la = frame[frame["level"] == "la"].groupby("period")["mean"].sum()
    region = frame[frame["level"] == "region"].set_index("period")["mean"]
    np.testing.assert_allclose(region.loc[la.index], la, rtol=1e-12)
    assert set(frame.loc[frame["level"] != "la", "model"]) == {"sum of LAs"}


@pytest.mark.shared_data
def test_backtest_jobs_identical(shared_data: Path, tmp_path: Path) -> None:
    argv = [
        "backtest", "--data", str(shared_data / "dfe" / "cla"), "--measure", "cla_31mar",
        "--origins", "2020", "--horizon", "2", "--model", "naive", "--n-samples", "100", "--la", "301", "302",
        "--region", NORTH_EAST,
    ]  # fmt: skip
    assert main([*argv, "--out", str(tmp_path / "a.csv")]) == 0
    assert main([*argv, "--out", str(tmp_path / "b.csv"), "--jobs", "2"]) == 0
    assert (tmp_path / "a.csv").read_bytes() == (tmp_path / "b.csv").read_bytes()
    assert len(pd.read_csv(tmp_path / "a.csv")) == 14 * 2  # LA rows of this folder start in 2018


@pytest.mark.shared_data
def test_run_many_las_matches_single_la_runs(
    shared_data: Path, tmp_path: Path, repo_root: Path
) -> None:
    from demandmodel.runner import run_file

    text = (repo_root / "examples" / "published_la.toml").read_text(encoding="utf-8")
    run_toml = tmp_path / "published_la.toml"
    run_toml.write_text(text.replace("../../shared/data/dfe", str(shared_data / "dfe")), "utf-8")
    out = tmp_path / "many"
    code = main(
        [
            "run", str(run_toml), "--la", "301", "--la", "302", "--la", "940", "--samples", "100",
            "--jobs", "2", "--out", str(out),
        ]
    )  # fmt: skip
    assert code == 0
    combined = pd.read_csv(out / "projection_all_las.csv", dtype={"la_code": str})
    assert set(combined["la_code"]) == {"301", "302"}
    failures = pd.read_csv(out / "failures.csv", dtype={"la_code": str})
    assert failures["la_code"].tolist() == ["940"]  # West Northamptonshire: one year of data
    assert "history" in failures["message"].iloc[0]
    assert not list(out.glob("*.png"))  # no per-LA charts
    single = run_file(run_toml, samples=100).tables["projection"]
    mine = combined[combined["la_code"] == "301"].reset_index(drop=True)
    assert mine.columns.tolist() == single.columns.tolist()
    num = single.select_dtypes("number").columns
    np.testing.assert_array_equal(mine[num].to_numpy(float), single[num].to_numpy(float))


def test_run_many_needs_published_data(repo_root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = repo_root / "examples" / "sufficiency_sib.toml"  # synthetic episodes
    code = main(["run", str(path), "--la", "301", "--out", "unused"])
    assert code == 2
    assert "need published data" in capsys.readouterr().err


@pytest.mark.shared_data
def test_dask_missing_is_a_clear_bad_input(
    shared_data: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setitem(sys.modules, "distributed", None)  # import distributed -> ImportError
    code = _forecast(
        shared_data, tmp_path / "x.csv", "--la", "301", "--dask-scheduler", "tcp://x:1"
    )
    assert code == 2
    assert "pip install 'demandmodel[dask]'" in capsys.readouterr().err
    assert not (tmp_path / "x.csv").exists()


@pytest.mark.shared_data
def test_unknown_region_is_bad_input(
    shared_data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _forecast(shared_data, tmp_path / "x.csv", "--region", "Atlantis") == 2
    assert "--region 'Atlantis'" in capsys.readouterr().err
