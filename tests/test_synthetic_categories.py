"""The synthetic LA's PLACE codes read back as the placement categories the children were truly in.

The truth is the generator's state log; "reads back" is the SSDA903 reader's category table
(``placement_categories()``), so models fitted on read returns see the generator's categories.
"""

from __future__ import annotations

import dataclasses
import tempfile
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import demandmodel
from demandmodel.data.ssda903_codes import TEMPORARY_CODES, placement_categories
from demandmodel.data.synthetic import DEMO_SEED
from demandmodel.data.synthetic_episodes import PLACE_WEIGHTS, place_tables
from demandmodel.data.synthetic_sim import EXIT
from demandmodel.data.synthetic_spec import CATEGORIES, OTH

DEMO = demandmodel.demo_data_path()


def mismatched_episodes(la: demandmodel.SyntheticLA) -> pd.DataFrame:
    """Episodes whose PLACE does not read back as the child's true state on their start day.

    The true state is looked up in the state log (not the episode's own ``category``). A
    temporary T-code episode is absorbed by the reader into the placement before it, so for it
    that placement's code is the one that must read back as the true state.
    """
    table = placement_categories()
    care = la.episodes.loc[~la.episodes["respite"]].reset_index(drop=True)
    log = la.states.loc[la.states["kind"] != EXIT, ["child", "day", "category"]]
    at = pd.merge_asof(
        care[["child", "decom"]].reset_index().sort_values("decom"),
        log.rename(columns={"category": "true"}).sort_values("day"),
        left_on="decom",
        right_on="day",
        by="child",
        direction="backward",
    ).set_index("index")
    care["true"] = np.array(CATEGORIES)[at["true"].loc[care.index].to_numpy()]
    care["own"] = np.array(CATEGORIES)[care["category"].to_numpy()]
    temp = care["place"].isin(sorted(TEMPORARY_CODES))
    reads_as = care["place"].where(~temp, care.groupby("child")["place"].shift(1))
    care["read"] = reads_as.map(table)
    bad = (care["read"] != care["true"]) | (care["own"] != care["true"]) | care["read"].isna()
    return care.loc[bad, ["child", "decom", "place", "own", "true", "read"]]


@pytest.fixture(scope="module")
def demo_la() -> demandmodel.SyntheticLA:
    return demandmodel.make_synthetic_la(rng=DEMO_SEED)


def test_every_demo_episode_reads_back_as_its_true_state(demo_la: demandmodel.SyntheticLA) -> None:
    bad = mismatched_episodes(demo_la)
    assert bad.empty, bad.head(20)
    # The check is not vacuous: the demo emits codes of every category, R2 and R5 among them.
    places = set(demo_la.episodes["place"])
    assert {"R2", "R5", "T1", "K2", "H5", "P1", "A5", "U4"} <= places
    care = demo_la.episodes.loc[~demo_la.episodes["respite"]]
    assert set(care["category"]) == set(range(len(CATEGORIES)))
    # Respite breaks are no state: V3/V4 only, which the reader leaves out of care by default.
    assert set(demo_la.episodes.loc[demo_la.episodes["respite"], "ls"]) <= {"V3", "V4"}


@settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(min_value=0, max_value=2**31 - 1))
def test_every_episode_reads_back_as_its_true_state(seed: int) -> None:
    spec = demandmodel.SyntheticSpec(
        pop_0_17=3000.0, first_year=2020, last_year=2022, sim_start="2004-04-01"
    )
    bad = mismatched_episodes(demandmodel.make_synthetic_la(spec, rng=seed))
    assert bad.empty, bad.head(20)


def test_the_check_catches_a_code_of_the_wrong_category(demo_la: demandmodel.SyntheticLA) -> None:
    # The old generator put NHS (R2) and custody (R5) placements in the residential state.
    eps = demo_la.episodes
    k2 = eps.index[(eps["place"] == "K2") & ~eps["respite"]][:3]
    bad_eps = eps.copy()
    bad_eps.loc[k2, "place"] = ["R2", "R5", "R2"]
    la = dataclasses.replace(demo_la, episodes=bad_eps)
    bad = mismatched_episodes(la)
    assert sorted(bad.index) == sorted(k2)
    assert set(bad["true"]) == {"residential"} and set(bad["read"]) == {"other"}


def test_codes_are_drawn_per_category_from_the_readers_table() -> None:
    table = placement_categories()
    tables = place_tables()
    for (cat, _group), (codes, weights) in tables.items():
        assert {table[c] for c in codes} == {CATEGORIES[cat]}
        assert len(codes) == len(weights) and min(weights) > 0
    emitted = {c for codes, _ in tables.values() for c in codes}
    assert emitted == set(PLACE_WEIGHTS)
    # NHS/health (R2) and custody (R5) are "other" in the reader's table, so drawn for that state
    # (custody from the age of criminal responsibility: the oldest age group only).
    assert table["R2"] == table["R5"] == "other"
    oldest = max(group for _, group in tables)
    assert {"R2", "R5"} <= set(tables[OTH, oldest][0])
    assert not {"R2", "R5"} & {
        c for (cat, _), (codes, _) in tables.items() if cat != OTH for c in codes
    }


def assert_reads_back_by_category(root: Path, truth: pd.DataFrame) -> None:
    """The repaired returns under ``root`` hold the true stock of every category on each date.

    The only child allowed out of its category is the one whose PLACE the injected
    ``invalid_code`` fault blanked (the reader counts a blank PLACE as "other").
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", demandmodel.DataRepairWarning)
        eps = demandmodel.read_ssda903(root / "ssda903", repair=True).episodes
    faults = pd.read_csv(root / "SYNTHETIC_faults.csv", dtype=str)
    blanked = set(faults.loc[faults["fault"] == "invalid_code", "child"])
    by_cat = truth.groupby(["date", "placement_category"])["count"].sum().unstack(fill_value=0)
    assert set(eps["placement_category"]) <= set(CATEGORIES)
    for date, want in by_cat.iterrows():
        day = pd.Timestamp(str(date))
        on = eps.loc[(eps["start"] <= day) & (eps["end"].isna() | (eps["end"] > day))]
        blank = set(on.loc[on["placement"].isna(), "child"])
        assert blank <= blanked, (date, blank)
        got = on.loc[on["placement"].notna()].groupby("placement_category")["child"].nunique()
        short = want.sub(got.reindex(want.index, fill_value=0))
        assert set(got.index) <= set(want.index), (date, got)
        assert (short >= 0).all() and int(short.sum()) == len(blank), (date, short.to_dict())


def test_demo_returns_read_back_to_the_true_stock_by_category() -> None:
    truth = pd.read_csv(DEMO / "SYNTHETIC_truth_stock_31march.csv")
    assert_reads_back_by_category(DEMO, truth)
    assert (truth.groupby("placement_category")["count"].sum() > 0).all()
    assert set(truth["placement_category"]) == set(CATEGORIES)


@settings(max_examples=3, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(min_value=0, max_value=2**31 - 1), years=st.integers(1, 3))
def test_written_returns_read_back_to_the_true_stock_by_category(seed: int, years: int) -> None:
    spec = demandmodel.SyntheticSpec(
        pop_0_17=2500.0, first_year=2023 - years + 1, last_year=2023, sim_start="2005-04-01"
    )
    la = demandmodel.make_synthetic_la(spec, rng=seed)
    truth = la.true_stock([f"{y}-03-31" for y in range(spec.first_year - 1, 2024)])
    with tempfile.TemporaryDirectory() as tmp:
        la.write(tmp, rng=seed, cin_years=[])
        assert_reads_back_by_category(Path(tmp), truth)
