"""``demandmodel project`` writes the documented long rows; bad input exits 2 with a message."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from demandmodel.cli import main


def test_project_writes_rows_at_each_31_march_and_the_end(
    shared_data: Path, tmp_path: Path
) -> None:
    out = tmp_path / "projection.csv"
    rates = tmp_path / "rates.csv"
    code = main(
        [
            "project",
            "--ssda903",
            str(shared_data / "ssda903_synthetic" / "d2i_cs_demand_model_combined"),
            "--repair",
            "--reference-start",
            "2019-04-01",
            "--reference-end",
            "2021-03-31",
            "--start",
            "2021-03-31",
            "--years",
            "1.5",
            "--samples",
            "200",
            "--seed",
            "3",
            "--out",
            str(out),
            "--rates-out",
            str(rates),
        ]
    )
    assert code == 0
    df = pd.read_csv(out, keep_default_na=False)
    assert list(df.columns) == [
        "date",
        "state",
        "level",
        "age_band",
        "placement",
        "mean",
        "q025",
        "q10",
        "q25",
        "q50",
        "q75",
        "q90",
        "q975",
    ]
    assert sorted(set(df["date"])) == ["2022-03-31", "2022-09-30"]
    total = df[(df["state"] == "total") & (df["age_band"] == "") & (df["placement"] == "")]
    assert len(total) == 2
    states = df[df["state"] != "total"]
    # Totals are the sum of the states in every sample, hence in the mean.
    for date, g in states.groupby("date"):
        assert g["mean"].sum() == pytest.approx(
            float(total.loc[total["date"] == date, "mean"].iloc[0])
        )
    q = df[["q025", "q10", "q25", "q50", "q75", "q90", "q975"]].to_numpy()
    assert (q[:, 1:] >= q[:, :-1]).all() and (q >= 0).all()
    assert {"kind", "from", "to", "count", "exposure", "rate", "lower", "upper"} <= set(
        pd.read_csv(rates).columns
    )


def test_project_bad_input_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "episodes.csv"
    bad.write_text("CHILD,DECOM\n1,notadate\n")
    code = main(
        [
            "project",
            "--ssda903",
            str(bad),
            "--reference-start",
            "2019-04-01",
            "--reference-end",
            "2021-03-31",
            "--start",
            "2021-03-31",
            "--out",
            str(tmp_path / "o.csv"),
        ]
    )
    assert code == 2
    assert "error" in capsys.readouterr().err
