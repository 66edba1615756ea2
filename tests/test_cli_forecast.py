"""``demandmodel forecast`` / ``backtest``: the exact CSV contract, exit codes, real data."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from demandmodel.cli import main
from demandmodel.columns import FORECAST_COLUMNS

HEADER = (
    "time_period,time_identifier,geographic_level,country_code,country_name,region_code,"
    "region_name,old_la_code,new_la_code,la_name,CPP_At31\n"
)


def ees_file(folder: Path) -> Path:
    rng = np.random.default_rng(0)
    lines = [HEADER]
    for code, new, name in [
        ("301", "E09000002", "Barking and Dagenham"),
        ("302", "E09000003", "Barnet"),
        ("303", "E09000004", "Bexley"),
    ]:
        level = rng.uniform(150, 400)
        for year in range(2013, 2023):
            value = (
                "c"
                if (code == "303" and year == 2016)
                else str(round(level * np.exp(rng.normal(0, 0.1))))
            )
            lines.append(
                f"{year},Reporting year,Local authority,E92000001,England,E13000002,"
                f"Outer London,{code},{new},{name},{value}\n"
            )
    path = folder / "cp.csv"
    path.write_text("".join(lines))
    return path


def test_forecast_writes_exact_columns(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = ees_file(tmp_path)
    out = tmp_path / "out" / "forecasts.csv"
    code = main(
        [
            "forecast",
            "--data",
            str(data),
            "--measure",
            "cp_31mar",
            "--origin",
            "2021",
            "--horizon",
            "3",
            "--out",
            str(out),
            "--n-samples",
            "300",
        ]
    )
    assert code == 0
    f = pd.read_csv(out, dtype={"la_code": str})
    assert list(f.columns) == list(FORECAST_COLUMNS)
    assert sorted(f["la_code"].unique()) == ["301", "302", "303"]
    assert sorted(f["period"].unique()) == [2022, 2023, 2024]
    assert (f["measure"] == "cp_31mar").all() and (f["model"] == "auto").all()
    q = f[["q025", "q10", "q25", "q50", "q75", "q90", "q975"]].to_numpy()
    assert (np.diff(q, axis=1) >= 0).all() and (q >= 0).all()
    assert "3 series x 3 years" in capsys.readouterr().out


def test_forecast_la_filter_and_seed_determinism(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    data = ees_file(folder)
    outs = []
    for name in ["a.csv", "b.csv"]:
        out = tmp_path / name
        assert (
            main(
                [
                    "forecast",
                    "--data",
                    str(folder),
                    "--measure",
                    "cp_31mar",
                    "--origin",
                    "2022",
                    "--horizon",
                    "2",
                    "--la",
                    "302",
                    "--model",
                    "naive",
                    "--seed",
                    "5",
                    "--out",
                    str(out),
                    "--n-samples",
                    "200",
                ]
            )
            == 0
        )
        outs.append(pd.read_csv(out, dtype={"la_code": str}))
    pd.testing.assert_frame_equal(outs[0], outs[1])
    assert outs[0]["la_code"].unique().tolist() == ["302"]
    assert data.exists()


def test_forecast_bad_input_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = ees_file(tmp_path)
    base = ["forecast", "--data", str(data), "--origin", "2022", "--out", str(tmp_path / "x.csv")]
    assert main([*base, "--measure", "nope_31mar"]) == 2
    assert "nope_31mar" in capsys.readouterr().err
    assert main([*base, "--measure", "cp_31mar", "--model", "nope"]) == 2
    assert "Unknown model" in capsys.readouterr().err
    missing = ["forecast", "--data", str(tmp_path / "absent"), "--origin", "2022", "--out", "x.csv"]
    assert main(missing) == 2


def test_backtest_cli_writes_rows_and_prints_table(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = ees_file(tmp_path)
    out = tmp_path / "bt.csv"
    assert (
        main(
            [
                "backtest",
                "--data",
                str(data),
                "--measure",
                "cp_31mar",
                "--origins",
                "2018-2019",
                "--horizon",
                "2",
                "--model",
                "naive",
                "--out",
                str(out),
                "--n-samples",
                "100",
            ]
        )
        == 0
    )
    rows = pd.read_csv(out)
    assert len(rows) == 3 * 2 * 2 and set(rows["origin"]) == {2018, 2019}
    printed = capsys.readouterr().out
    assert "mase" in printed and "cov80" in printed


@pytest.mark.shared_data
def test_forecast_real_cin_file(shared_data: Path, tmp_path: Path) -> None:
    data = shared_data / "dfe" / "cin" / "b1_children_in_need_2013_to_2022.csv"
    out = tmp_path / "cin.csv"
    assert (
        main(
            [
                "forecast",
                "--data",
                str(data),
                "--measure",
                "cin_31mar",
                "--origin",
                "2019",
                "--horizon",
                "3",
                "--la",
                "301",
                "--la",
                "302",
                "--out",
                str(out),
                "--n-samples",
                "300",
            ]
        )
        == 0
    )
    f = pd.read_csv(out, dtype={"la_code": str})
    assert list(f.columns) == list(FORECAST_COLUMNS)
    assert set(f["la_code"]) == {"301", "302"} and set(f["period"]) == {2020, 2021, 2022}
    # Barking and Dagenham had a few thousand children in need: the forecast is on that scale
    assert f["q50"].between(500, 20000).all()
