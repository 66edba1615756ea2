"""read_dfe against the real DfE files in ../shared/data/dfe (acceptance figures from the issue)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import demandmodel
from demandmodel.columns import PANEL_COLUMNS
from demandmodel.data.geography import ENGLAND

pytestmark = pytest.mark.shared_data


@pytest.fixture(scope="module")
def panel(shared_data: Path) -> pd.DataFrame:
    with pytest.warns(demandmodel.UnreadFileWarning):
        return demandmodel.read_dfe(shared_data / "dfe")


@pytest.fixture(scope="module")
def every_row(shared_data: Path) -> pd.DataFrame:
    with pytest.warns(demandmodel.UnreadFileWarning):
        return demandmodel.read_dfe(shared_data / "dfe", keep_revisions=True)


def value(panel: pd.DataFrame, la: str, measure: str, period: int) -> float:
    return float(demandmodel.panel_series(panel, la, measure)[period])


def test_panel_contract(panel: pd.DataFrame) -> None:
    assert tuple(panel.columns) == PANEL_COLUMNS
    assert not panel.duplicated(["la_code", "measure", "period"]).any()
    assert set(panel["status"]) <= {"ok", "suppressed", "missing"}
    assert panel.loc[panel["status"] != "ok", "value"].isna().all()
    assert panel.loc[panel["status"] == "ok", "value"].notna().all()
    assert panel["period"].dtype == np.int64
    assert panel["vintage"].dtype == np.int64
    assert set(panel["measure"]) <= set(demandmodel.measures()["measure"])


@pytest.mark.parametrize(
    ("period", "expected"), [(2010, 378), (2014, 458), (2019, 414), (2022, 412)]
)
def test_barking_and_dagenham_cla(panel: pd.DataFrame, period: int, expected: int) -> None:
    assert value(panel, "301", "cla_31mar", period) == expected


def test_barking_and_dagenham_other_measures(panel: pd.DataFrame) -> None:
    assert value(panel, "301", "pop_0_17", 2022) == 63_940
    assert value(panel, "301", "cp_31mar", 2022) == 415
    assert value(panel, "301", "cin_31mar", 2022) == 3_323


def test_england_newer_release_wins(panel: pd.DataFrame, every_row: pd.DataFrame) -> None:
    assert value(panel, ENGLAND, "cla_31mar", 2022) == 82_080
    rows = every_row.loc[
        (every_row["la_code"] == ENGLAND)
        & (every_row["measure"] == "cla_31mar")
        & (every_row["period"] == 2022)
    ]
    assert 82_170 in set(rows["value"])  # the older stability table is still available
    assert rows.loc[rows["chosen"], "value"].tolist() == [82_080]


def test_leicester_2016_revised(panel: pd.DataFrame, every_row: pd.DataFrame) -> None:
    assert value(panel, "856", "cla_31mar", 2016) == 596
    revs = demandmodel.dfe_revisions(every_row)
    leic = revs.loc[
        (revs["la_code"] == "856") & (revs["measure"] == "cla_31mar") & (revs["period"] == 2016)
    ]
    assert set(leic["value"]) == {596.0, 646.0}
    assert leic.loc[~leic["chosen"], "vintage"].tolist() == [2016]


def test_isle_of_wight_is_not_england(panel: pd.DataFrame) -> None:
    # DfE code 921 is the Isle of Wight (and England's code only in the 2010 SFR files).
    iow = demandmodel.panel_series(panel, "921", "cla_31mar")
    assert iow[2022] == 274
    assert iow.max() < 1_000


def test_unbroken_cla_series_after_rebasing(panel: pd.DataFrame) -> None:
    rebased = demandmodel.rebase_boundaries(panel)
    cla = rebased.loc[(rebased["measure"] == "cla_31mar") & (rebased["status"] == "ok")]
    cla = cla.loc[cla["la_code"].str.fullmatch(r"\d{3}") & (cla["la_code"] < "970")]
    years = cla.loc[cla["period"].between(2010, 2022)].groupby("la_code")["period"].nunique()
    assert (years == 13).sum() >= 140
