"""``demandmodel project --cin-census`` on the synthetic LA adds CIN-other and CP levels."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from demandmodel.cli import main

synthetic = pytest.importorskip("demandmodel.data.synthetic")


def test_project_with_cin_census_adds_levels(tmp_path: Path) -> None:
    la = Path(synthetic.demo_data_path())
    if not (la / "cin_census").is_dir():
        pytest.skip("the synthetic demo dataset is not built")
    out = tmp_path / "p.csv"
    code = main([
        "project", "--ssda903", str(la / "ssda903"), "--cin-census", str(la / "cin_census"),
        "--repair", "--reference-start", "2020-04-01", "--reference-end", "2022-03-31",
        "--start", "2022-03-31", "--years", "1", "--samples", "100", "--seed", "2", "--out", str(out),
    ])  # fmt: skip
    assert code == 0
    df = pd.read_csv(out, keep_default_na=False)
    assert {"looked_after", "cin_other", "cp", "all"} <= set(df["level"])
    cp = df[(df["level"] == "cp") & (df["state"] == "cp")]
    assert len(cp) == 1 and cp["mean"].iloc[0] > 0


def test_project_with_a_population_projection(tmp_path: Path) -> None:
    la = Path(synthetic.demo_data_path())
    if not (la / "SYNTHETIC_population_projection.csv").is_file():
        pytest.skip("the synthetic demo dataset is not built")
    outs = {}
    for variant in ("low", "high"):
        out = tmp_path / f"{variant}.csv"
        code = main([
            "project", "--ssda903", str(la / "ssda903"), "--repair",
            "--reference-start", "2021-04-01", "--reference-end", "2023-03-31", "--start", "2023-03-31",
            "--years", "2", "--samples", "100", "--seed", "5", "--step", "week",
            "--population", str(la / "SYNTHETIC_population_projection.csv"), "--population-variant", variant,
            "--out", str(out),
        ])  # fmt: skip
        assert code == 0
        df = pd.read_csv(out, keep_default_na=False)
        outs[variant] = df[
            (df["state"] == "total") & (df["age_band"] == "") & (df["placement"] == "")
        ]
    # Same seed, more children in the high variant: never fewer in care at the end.
    assert outs["high"]["mean"].iloc[-1] >= outs["low"]["mean"].iloc[-1]
    bad = tmp_path / "pop.csv"
    bad.write_text("year,children\n2023,5\n")
    code = main(["project", "--ssda903", str(la / "ssda903"), "--repair", "--reference-start", "2021-04-01",
                 "--reference-end", "2023-03-31", "--start", "2023-03-31", "--population", str(bad),
                 "--out", str(tmp_path / "x.csv")])  # fmt: skip
    assert code == 2
