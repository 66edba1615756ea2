"""The Markov model on the synthetic LA, whose TRUE process and stocks are known."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from demandmodel import MarkovModel, StateSpace, read_ssda903

synthetic = pytest.importorskip("demandmodel.data.synthetic")

BANDS = {"under_1": "under 1", "1_4": "1-4", "5_9": "5-9", "10_15": "10-15", "16_17": "16-17"}


@pytest.fixture(scope="module")
def la_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    demo = synthetic.demo_data_path()
    if (demo / "ssda903").is_dir() and (demo / "SYNTHETIC_truth_stock_31march.csv").is_file():
        return Path(demo)
    folder = tmp_path_factory.mktemp("synthetic_la")
    synthetic.write_synthetic_la(synthetic.make_synthetic_la(), folder)
    return folder


@pytest.fixture(scope="module")
def episodes(la_folder: Path) -> pd.DataFrame:
    return read_ssda903(la_folder / "ssda903", repair=True).episodes


@pytest.fixture(scope="module")
def truth(la_folder: Path) -> pd.DataFrame:
    t = pd.read_csv(la_folder / "SYNTHETIC_truth_stock_31march.csv")
    return t.assign(state=t["age_band"].map(BANDS) + "|" + t["placement_category"])


def test_fit_on_first_years_covers_the_true_later_stocks(
    episodes: pd.DataFrame, truth: pd.DataFrame
) -> None:
    # Fit on the first five collection years (2013/14-2017/18), project the remaining five.
    fit = MarkovModel().fit(episodes, reference_start="2013-04-01", reference_end="2018-03-31")
    dates = [f"{y}-03-31" for y in range(2019, 2024)]
    fc = fit.project(start="2018-03-31", end="2023-03-31", samples=1000, rng=11, record=dates)
    f = fc.to_frame()
    total = f[f["kind"] == "total"]
    true_total = truth.groupby("date")["count"].sum()
    actual = np.array([true_total[str(p.date())] for p in total["period"]])
    assert ((actual >= total["q025"]) & (actual <= total["q975"])).all(), total.assign(truth=actual)
    # 80% intervals over every state and date: calibrated, neither far too narrow nor vacuous.
    st = f[f["kind"] == "state"]
    by = truth.groupby(["date", "state"])["count"].sum()
    act = np.array(
        [by.get((str(p.date()), s), 0) for p, s in zip(st["period"], st["state"], strict=True)]
    )
    inside = (act >= st["q10"].to_numpy()) & (act <= st["q90"].to_numpy())
    assert 0.65 <= inside.mean() <= 0.97
    # The stock at the origin read from the returns is the true stock on that day.
    assert fit.stock_at("2018-03-31").sum() == true_total["2018-03-31"]


def test_exit_rates_match_the_generating_process(episodes: pd.DataFrame, la_folder: Path) -> None:
    spec = json.loads((la_folder / "SYNTHETIC_spec.json").read_text(encoding="utf-8"))
    space = StateSpace(duration_edges=(91, 365, 730))  # the true process's duration bands
    fit = MarkovModel(space=space, k=0.0).fit(
        episodes, reference_start="2013-04-01", reference_end="2023-03-31"
    )
    r = fit.rates()
    exits = r[r["kind"] == "exit"].set_index("from")
    checked = 0
    for b, age in enumerate(space.age_labels):
        for c, cat in enumerate(space.placements):
            for d, dur in enumerate(space.duration_labels):
                row = exits.loc[f"{age}|{cat}|{dur}"]
                if row["count"] < 30:
                    continue
                true = spec["exit_rate"][b][c] * spec["duration_multiplier"][d] / 365.25
                z = (row["rate"] - true) / (np.sqrt(true * row["exposure"]) / row["exposure"])
                assert abs(z) < 4, (age, cat, dur, row["rate"], true)
                checked += 1
    assert checked >= 5
