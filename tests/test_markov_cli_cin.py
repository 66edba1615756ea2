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
