"""Stitching several CIN census years of a synthetic LA against the LA's own truth."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import demandmodel
from demandmodel import read_cin_census

FIRST, LAST = 2019, 2022
DAY0 = pd.Timestamp("1970-01-01")


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> tuple[demandmodel.SyntheticLA, Path]:
    spec = demandmodel.SyntheticSpec(pop_0_17=6000.0, first_year=FIRST, last_year=LAST)
    la = demandmodel.make_synthetic_la(spec, rng=7)
    root = tmp_path_factory.mktemp("la")
    la.write(root, rng=7)
    return la, root


def _iso(value: object) -> str:
    return "" if pd.isna(value) else str(value)[:10]  # type: ignore[call-overload]


def test_every_true_cp_plan_is_read_once_with_its_latest_end(
    written: tuple[demandmodel.SyntheticLA, Path],
) -> None:
    la, root = written
    census = read_cin_census(sorted((root / "cin_census").iterdir()))
    cpp = la.cin["cpp"]
    last = pd.Timestamp(f"{LAST}-03-31")
    start = DAY0 + pd.to_timedelta(cpp["start"].to_numpy(), unit="D")
    end = pd.Series(
        [DAY0 + pd.Timedelta(days=int(d)) if pd.notna(d) else pd.NaT for d in cpp["end"]]
    )
    first = pd.Timestamp(f"{FIRST - 1}-04-01")
    seen = (start <= last) & (end.isna() | (end >= first)).to_numpy()
    expected = sorted(
        (f"SB{int(c):06d}", _iso(s), _iso(e) if pd.notna(e) and e <= last else "")
        for c, s, e in zip(cpp["child"][seen], start[seen], end[seen], strict=True)
    )
    got = sorted(
        (str(c), _iso(s), _iso(e))
        for c, s, e in zip(
            census.cp_plans["child"], census.cp_plans["start"], census.cp_plans["end"], strict=True
        )
    )
    assert len(expected) > 50 and got == expected
    # the published CP plans at 31 March each year come back from the stitched census
    (d5_path,) = (root / "dfe" / "cin").glob("SYNTHETIC_d5_*.csv")
    d5 = pd.read_csv(d5_path).set_index("time_period")["CPP_At31"]
    plans = census.cp_plans
    for year in range(FIRST, LAST + 1):
        day = pd.Timestamp(f"{year}-03-31")
        on = int(((plans["start"] <= day) & (plans["end"].isna() | (plans["end"] > day))).sum())
        assert on == int(d5[year]), year


def test_nothing_lost_table_by_table(written: tuple[demandmodel.SyntheticLA, Path]) -> None:
    _, root = written
    folders = sorted((root / "cin_census").iterdir())
    census = read_cin_census(folders)
    frames = {"ChildIdentifiers": "children", "CINdetails": "cin_episodes",
              "Assessments": "assessments", "Section47": "s47", "ChildProtectionPlans": "cp_plans"}  # fmt: skip
    log = census.log
    assert set(log["action"]) == {"merged"}
    for table, name in frames.items():
        read = sum(len(pd.read_csv(f / f"SYNTHETIC_{table}.csv", dtype=str)) for f in folders)
        logged = int(log["file"].str.endswith(f"SYNTHETIC_{table}.csv").sum())
        assert len(getattr(census, name)) + logged == read, table
    # each year read alone holds a subset of the stitched plans; together they are all of them
    key = ["child", "referral_date", "start"]
    stitched = set(census.cp_plans[key].itertuples(index=False, name=None))
    alone: set[tuple[object, ...]] = set()
    for folder in folders:
        alone |= set(read_cin_census(folder).cp_plans[key].itertuples(index=False, name=None))
    assert alone == stitched and len(stitched) == len(census.cp_plans)
