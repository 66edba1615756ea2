"""Geography: region codes, LA -> region lookup, boundary re-basing."""

from __future__ import annotations

import math
import warnings
from pathlib import Path

import pandas as pd
import pytest

import demandmodel
from demandmodel.data.geography import (
    BOUNDARY_CHANGES,
    ENGLAND,
    REGIONS,
    BoundaryChange,
    region_code,
)


def make_panel(rows: list[tuple[str, str, int, float, str]]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "la_code": la,
                "new_la_code": "",
                "la_name": f"LA {la}",
                "period": period,
                "measure": measure,
                "value": value,
                "status": status,
                "source": "t.csv",
                "vintage": 2022,
            }
            for la, measure, period, value, status in rows
        ]
    )


def test_region_codes_unique_and_distinct_from_england() -> None:
    codes = [c for c, _, _ in REGIONS]
    assert len(set(codes)) == len(codes)
    assert ENGLAND not in codes
    assert region_code("YORKSHIRE AND THE HUMBER") == "982"
    assert region_code("London (Outer)") == "988"
    assert region_code("E13000001") == "987"
    assert region_code("Isle of Wight") is None


def test_merger_sums_predecessors_into_successor() -> None:
    panel = make_panel(
        [
            ("837", "cla_31mar", 2018, 100.0, "ok"),
            ("836", "cla_31mar", 2018, 50.0, "ok"),
            ("837", "cla_rate", 2018, 60.0, "ok"),
            ("839", "cla_31mar", 2018, math.nan, "missing"),  # published as 'x' for the new code
            ("837", "cla_31mar", 2020, math.nan, "missing"),
            ("839", "cla_31mar", 2020, 170.0, "ok"),
            ("839", "cla_rate", 2020, 61.0, "ok"),
            ("835", "cla_31mar", 2018, 400.0, "ok"),
            ("838", "cla_31mar", 2020, 410.0, "ok"),
        ]
    )
    out = demandmodel.rebase_boundaries(panel)
    got = {(r.la_code, r.measure, r.period): r.value for r in out.itertuples()}
    assert got == {
        ("839", "cla_31mar", 2018): 150.0,
        ("839", "cla_31mar", 2020): 170.0,
        ("839", "cla_rate", 2020): 61.0,  # published rates are kept; summed ones are not made
        ("838", "cla_31mar", 2018): 400.0,
        ("838", "cla_31mar", 2020): 410.0,
    }
    assert set(out["source"]) == {"t.csv", "sum(837+836)", "sum(835)"}
    assert out.loc[out["source"] == "sum(837+836)", "la_name"].iloc[0] == "LA 839"


def test_suppressed_or_absent_part_gives_nan_not_partial_sum() -> None:
    panel = make_panel(
        [
            ("837", "cla_31mar", 2017, 100.0, "ok"),
            ("836", "cla_31mar", 2017, math.nan, "suppressed"),
            ("837", "cla_31mar", 2016, 100.0, "ok"),  # Poole absent in 2016
        ]
    )
    out = demandmodel.rebase_boundaries(panel).set_index("period")
    assert out.loc[2017, "status"] == "suppressed"
    assert out.loc[2016, "status"] == "missing"
    assert out["value"].isna().all()


def test_split_is_summed_back_including_joint_rows() -> None:
    panel = make_panel(
        [
            ("928", "cla_31mar", 2020, 1000.0, "ok"),
            ("940", "cla_31mar", 2022, 500.0, "ok"),
            ("941", "cla_31mar", 2022, 560.0, "ok"),
            ("940/941", "sw_fte", 2022, 337.0, "ok"),  # a joint workforce row
        ]
    )
    out = demandmodel.rebase_boundaries(panel)
    assert set(out["la_code"]) == {"928"}
    got = out.set_index(["measure", "period"])["value"].to_dict()
    assert got == {
        ("cla_31mar", 2020): 1000.0,
        ("cla_31mar", 2022): 1060.0,
        ("sw_fte", 2022): 337.0,
    }


def test_custom_changes_and_input_untouched() -> None:
    panel = make_panel([("111", "cp_31mar", 2020, 5.0, "ok"), ("112", "cp_31mar", 2020, 6.0, "ok")])
    before = panel.copy()
    change = BoundaryChange(sources=("111", "112"), target="999", year=2021, note="test")
    out = demandmodel.rebase_boundaries(panel, changes=(change,))
    assert out["value"].tolist() == [11.0]
    pd.testing.assert_frame_equal(panel, before)
    assert {c.target for c in BOUNDARY_CHANGES} == {"839", "838", "928", "909"}


@pytest.mark.shared_data
def test_lookup_and_rebasing_on_real_data(shared_data: Path) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", demandmodel.UnreadFileWarning)
        panel = demandmodel.read_dfe(shared_data / "dfe")
    lookup = demandmodel.la_lookup(panel).set_index("la_code")
    assert lookup.loc["301", "region_name"] == "London"
    assert lookup.loc["301", "london"] == "988"
    assert lookup.loc["856", "region_code"] == "983"
    real = lookup.loc[lookup.index.str.fullmatch(r"\d{3}")]
    assert (real["region_code"] != "").all()
    assert len(real) >= 150
    rebased = demandmodel.rebase_boundaries(panel)
    assert rebased.attrs["regions"] == panel.attrs["regions"]
    assert demandmodel.la_lookup(rebased).set_index("la_code").loc["839", "region_code"] == "990"
    bcp = demandmodel.panel_series(rebased, "839", "cla_31mar")
    assert set(range(2010, 2023)) <= set(bcp.dropna().index)
    # Before 2019 BCP is Bournemouth + Poole as published.
    raw = {la: demandmodel.panel_series(panel, la, "cla_31mar")[2015] for la in ("836", "837")}
    assert bcp[2015] == raw["836"] + raw["837"]
    northants = demandmodel.panel_series(rebased, "928", "cla_31mar")
    assert northants.index.max() == 2022 and northants.notna().all()
    assert not rebased["la_code"].isin(["835", "836", "837", "940", "941"]).any()
    # Re-based LA counts still add up to England (published figures are rounded).
    cla = rebased.loc[(rebased["measure"] == "cla_31mar") & (rebased["period"] == 2022)]
    las = cla.loc[
        cla["la_code"].str.fullmatch(r"\d{3}")
        & ~cla["la_code"].isin(["970", *[c for c, _, _ in REGIONS]])
    ]
    england = float(cla.loc[cla["la_code"] == ENGLAND, "value"].iloc[0])
    assert abs(las["value"].sum() - england) / england < 0.005
