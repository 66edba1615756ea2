"""The state space as data, and episodes turned into stays."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from demandmodel import DemandModelError, MarkovModel, StateSpace
from demandmodel.models.states import care_segments, days, stock_at


def ep(
    rows: list[tuple[str, str, str | None, str, str]], dob: str = "2010-06-15", **extra: object
) -> pd.DataFrame:
    df = pd.DataFrame(rows, columns=["child", "start", "end", "placement", "legal_status"])
    cats = {
        "U4": "fostering",
        "K2": "residential",
        "T1": "other",
        "P1": "placed_with_parents",
        "H5": "supported",
    }
    return df.assign(
        start=pd.to_datetime(df["start"]),
        end=pd.to_datetime(df["end"]),
        dob=pd.Timestamp(dob),
        placement_category=df["placement"].map(cats),
        uasc=False,
        **extra,
    )


def test_every_part_of_the_state_space_is_an_option() -> None:
    space = StateSpace(
        age_edges=(0, 5, 18),
        placements=("foster", "other"),
        duration_edges=(365,),
        separate_uasc=True,
    )
    lab = space.labels()
    assert space.n_states == 2 * 2 * 2 * 2 == len(lab)
    assert lab["state"].is_unique
    assert set(lab["age_band"]) == {"under 5", "5-17"}
    assert set(lab["stream"]) == {"non_uasc", "uasc"}
    with pytest.raises(DemandModelError, match="age_edges"):
        StateSpace(age_edges=(1, 5))
    with pytest.raises(DemandModelError, match="catch-all"):
        StateSpace(placements=("fostering",))


def test_stays_merge_same_category_and_absorb_temporary_moves() -> None:
    e = ep([
        ("a", "2020-01-01", "2020-02-01", "U4", "C2"),
        ("a", "2020-02-01", "2020-02-10", "T1", "C2"),  # temporary: absorbed into fostering
        ("a", "2020-02-10", "2020-05-01", "U4", "C2"),  # same category: merged
        ("a", "2020-05-01", "2020-09-01", "K2", "C2"),
        ("a", "2020-09-01", None, "K2", "C2"),
    ])  # fmt: skip
    seg, notes = care_segments(e, StateSpace())
    assert len(seg) == 2
    assert seg["placement_i"].tolist() == [0, 1]
    assert np.isnan(seg["end"].iloc[-1]) and seg["last"].tolist() == [False, True]
    assert notes["temporary_absorbed"] == 1


def test_respite_is_excluded_and_counted_and_gaps_start_new_periods() -> None:
    e = ep([
        ("a", "2020-01-01", "2020-01-03", "U4", "V3"),
        ("a", "2020-03-01", "2020-04-01", "U4", "C2"),
        ("a", "2020-06-01", "2020-07-01", "U4", "V2"),
    ])  # fmt: skip
    seg, notes = care_segments(e, StateSpace())
    assert notes["respite_excluded"] == 1
    assert seg["poc"].nunique() == 2 and seg["last"].all()


def test_uasc_stream_and_stock_on_a_day() -> None:
    e = pd.concat(
        [
            ep([("a", "2020-01-01", None, "U4", "C2")]),
            ep([("b", "2020-01-01", None, "U4", "C2")], dob="2004-01-01").assign(uasc=True),
        ],
        ignore_index=True,
    )
    space = StateSpace(separate_uasc=True, duration_edges=())
    seg, _ = care_segments(e, space)
    stock = pd.Series(
        stock_at(seg, space, float(days(["2021-01-01"])[0])), index=space.labels()["state"]
    )
    assert stock["10-15|fostering|non_uasc"] == 1.0
    assert stock["16-17|fostering|uasc"] == 1.0
    # Aged 18 on 2022-01-01: no longer counted.
    assert stock_at(seg, space, float(days(["2022-01-02"])[0])).sum() == 1.0


def test_leaving_on_the_18th_birthday_is_ageing_out_not_an_exit() -> None:
    e = ep([("a", "2019-01-01", "2022-06-15", "U4", "C2")], dob="2004-06-15")
    fit = MarkovModel(k=0.0).fit(e, reference_start="2019-01-01", reference_end="2022-12-31")
    r = fit.rates()
    assert r.loc[r["kind"] == "exit", "count"].sum() == 0
    out = r[(r["kind"] == "ageing") & (r["to"] == "left care")]
    assert out["count"].sum() == 1
    # Exposure stops at 18 and covers every day in care before it.
    assert (
        r.loc[r["kind"] == "exit", "exposure"].sum()
        == (pd.Timestamp("2022-06-15") - pd.Timestamp("2019-01-01")).days
    )


def test_a_window_before_the_returns_start_is_warned_about() -> None:
    from demandmodel import DemandModelWarning

    rows = [(f"c{i}", "2018-01-01", f"2021-{1 + i % 12:02d}-15", "U4", "C2") for i in range(80)]
    with pytest.warns(DemandModelWarning, match="returns probably start later"):
        MarkovModel().fit(ep(rows), reference_start="2018-01-01", reference_end="2021-12-31")


def test_a_window_past_the_returns_is_refused() -> None:
    e = ep([("a", "2019-05-01", None, "U4", "C2")])
    with pytest.raises(DemandModelError, match="after the returns end"):
        MarkovModel().fit(e, reference_start="2019-04-01", reference_end="2020-06-30")
