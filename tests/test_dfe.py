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
    years = demandmodel.measures(panel).set_index("measure")["years"]
    assert years["cla_31mar"] == "LA 2010-2022; England 1994-2022"
    assert years["sw_fte"] == "LA 2016-2022; England 2016-2022"


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


def test_every_file_is_read_or_reported(
    panel: pd.DataFrame, every_row: pd.DataFrame, shared_data: Path
) -> None:
    unread = pd.DataFrame(panel.attrs["unread_files"])
    for folder in ("cin", "cla", "population", "workforce"):
        assert not unread["file"].str.startswith(folder + "/").any(), folder
    assert "lait/lait_long_to_2022.parquet" not in set(unread["file"])
    # Everything not read is documentation or a table without the measures (care leavers...).
    texts = unread["file"].str.endswith((".txt", ".xlsx")) | unread["file"].str.contains(
        "dictionary|Leavers|19Y|19YEARS|Missing|OC2|OSR23", case=False
    )
    assert texts.all(), unread.loc[~texts]
    on_disk = {
        p.relative_to(shared_data / "dfe").as_posix()
        for p in (shared_data / "dfe").rglob("*")
        if p.is_file()
    }
    read = set(every_row["source"])  # superseded rows too
    assert read | set(unread["file"]) == on_disk


def test_sfr_year_comes_from_the_path(every_row: pd.DataFrame) -> None:
    starts = every_row.loc[
        (every_row["la_code"] == ENGLAND)
        & (every_row["measure"] == "cla_starts")
        & every_row["source"].str.contains("ADM")
    ]
    got = dict(zip(starts["period"], starts["value"], strict=True))
    # 2015's column is misnamed CLA_started2014 but holds 2014-15 data.
    assert got[2014] == 30_430
    assert got[2015] == 31_070


def test_lait_fills_what_only_it_has(panel: pd.DataFrame) -> None:
    fte = demandmodel.panel_series(panel, "301", "sw_fte")
    assert fte[2016] == 76  # the CSWW table starts in 2017
    assert fte[2022] == 189
    row = panel.loc[
        (panel["la_code"] == "301") & (panel["measure"] == "sw_fte") & (panel["period"] == 2016)
    ]
    assert row["source"].iloc[0].startswith("lait/")
    assert value(panel, "301", "uasc_31mar", 2022) == 29


def test_placement_groups_add_up_to_the_total(panel: pd.DataFrame) -> None:
    for la, period in ((ENGLAND, 2022), ("301", 2012)):
        sel = panel.loc[(panel["la_code"] == la) & (panel["period"] == period)]
        place = sel.loc[sel["measure"].str.startswith("cla_31mar_placement_"), "value"]
        total = float(sel.loc[sel["measure"] == "cla_31mar", "value"].iloc[0])
        assert abs(place.sum() - total) / total < 0.01, (la, period)


def test_rate_per_10k_reproduces_published_rates(panel: pd.DataFrame) -> None:
    computed = demandmodel.rate_per_10k(panel, "cla_31mar")
    published = panel.loc[panel["measure"] == "cla_rate", ["la_code", "period", "value"]]
    both = computed.merge(published, on=["la_code", "period"]).dropna(subset=["rate", "value"])
    both = both.loc[both["period"].between(2019, 2022)]
    assert len(both) > 500
    close = (both["rate"] - both["value"]).abs() <= 1.0
    assert close.mean() > 0.95


def test_later_release_with_extra_columns_and_years(shared_data: Path, tmp_path: Path) -> None:
    src = shared_data / "dfe" / "cla" / "cla_number_and_rate_per_10k_children.csv"
    old = pd.read_csv(src, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    new_year = old.loc[old["time_period"] == "2022"].assign(time_period="2023")
    is_bd = (new_year["old_la_code"] == "301") & new_year["population_count"].str.contains(
        "31 March"
    )
    new_year.loc[is_bd, "number"] = "430"
    release = pd.concat([new_year, old], ignore_index=True)
    release["number_unrounded"] = release["number"]  # a column the reader does not know
    release = release[list(reversed(release.columns))]  # and another column order
    revised = (
        (release["time_period"] == "2022")
        & (release["old_la_code"] == "301")
        & release["population_count"].str.contains("31 March")
    )
    release.loc[revised, "number"] = "411"
    (tmp_path / "cla").mkdir()
    release.to_csv(tmp_path / "cla" / "release_2023.csv", index=False, encoding="utf-8-sig")
    old.to_csv(tmp_path / "cla" / "release_2022.csv", index=False)
    panel = demandmodel.read_dfe(tmp_path)
    bd = demandmodel.panel_series(panel, "301", "cla_31mar")
    assert bd[2023] == 430
    assert bd[2022] == 411  # the newer release revises 2022
    assert (panel.loc[panel["period"] == 2023, "vintage"] == 2023).all()


@pytest.mark.parametrize("period", [2013, 2016, 2017, 2022])
def test_ceased_age_bands_add_up(panel: pd.DataFrame, period: int) -> None:
    # 2016 splits 16, 17 and 18+ into columns (summed); 2013 has one 16-and-over column.
    bands = ["under1", "1_4", "5_9", "10_15", "16_over"]
    parts = sum(value(panel, ENGLAND, f"cla_ceases_age_{b}", period) for b in bands)
    total = value(panel, ENGLAND, "cla_ceases", period)
    assert abs(parts - total) / total < 0.01


def test_no_row_dropped_silently(panel: pd.DataFrame, every_row: pd.DataFrame) -> None:
    # 2017's CLA table left the Isles of Scilly's level blank: still read as LA 420.
    scilly = every_row.loc[
        (every_row["la_code"] == "420") & every_row["source"].str.endswith("SFR50_CLA2017.csv")
    ]
    assert (scilly.loc[scilly["measure"] == "cla_31mar", "period"] == 2017).all()
    assert len(scilly) > 0
    notes = pd.DataFrame(panel.attrs["notes"])
    adm = notes.loc[notes["file"].str.endswith("SFR34_ADM2015.csv"), "note"]
    assert adm.str.contains("2015 used").any()
    assert not notes["note"].str.contains("not kept").any(), notes


def test_every_contract_measure_is_read(panel: pd.DataFrame) -> None:
    contract = [
        "cla_31mar", "cla_starts", "cla_ceases", "cla_rate", "cla_31mar_age_10_15",
        "cla_31mar_placement_foster", "uasc_31mar", "cin_31mar", "cin_starts", "cin_ends",
        "referrals", "rereferrals", "s47", "icpc", "cp_31mar", "cp_starts", "pop_0_17", "sw_fte",
        "sw_agency_fte", "sw_agency_rate", "sw_vacancy_rate", "sw_turnover_rate", "sw_caseload",
    ]  # fmt: skip
    ok = panel.loc[panel["status"] == "ok"]
    counts = ok.groupby("measure")["la_code"].nunique()
    assert (counts.reindex(contract).fillna(0) >= 1).all(), counts.reindex(contract)
    las = ok.loc[ok["la_code"] == "301", "measure"]
    assert set(contract) <= set(las)  # Barking and Dagenham has every one


def test_lait_mapping_agrees_with_ees_where_both_publish(every_row: pd.DataFrame) -> None:
    # The honesty check of dfe_lait.INDICATORS: same measure, same year label, same values.
    lait = every_row.loc[
        every_row["source"].str.startswith("lait/") & (every_row["status"] == "ok")
    ]
    ees = every_row.loc[
        every_row["source"].str.match(r"(cin|cla|workforce|population)/")
        & (every_row["status"] == "ok")
    ]
    both = lait.merge(ees, on=["la_code", "measure", "period"], suffixes=("_lait", "_ees"))
    both = both.loc[both["period"] >= 2019]
    exact = (both["value_lait"] - both["value_ees"]).abs() < 0.05
    share = exact.groupby(both["measure"]).mean()
    for measure in ("cp_31mar", "referrals", "rereferral_pct", "sw_fte", "sw_caseload",
                    "sw_agency_rate", "sw_vacancy_rate", "sw_turnover_rate", "sw_cases"):  # fmt: skip
        assert share[measure] == 1.0, measure
    for measure in ("cla_31mar", "cla_starts", "cla_ceases", "cla_rate"):
        assert share[measure] > 0.8, measure  # the EES tables carry later revisions


def test_lait_placement_mix_matches_national_counts(panel: pd.DataFrame) -> None:
    # England 2022: LAIT's whole percentages against the national table's counts.
    total = value(panel, ENGLAND, "cla_31mar", 2022)
    counts = {
        "foster": value(panel, ENGLAND, "cla_31mar_placement_foster", 2022),
        "parents": value(panel, ENGLAND, "cla_31mar_placement_parents", 2022),
        "other_residential": value(panel, ENGLAND, "cla_31mar_placement_other_residential", 2022),
    }
    for key, count in counts.items():
        pct = value(panel, ENGLAND, f"cla_31mar_pct_{key}", 2022)
        assert abs(pct - 100 * count / total) <= 0.6, key
    assert value(panel, "301", "cla_31mar_pct_foster", 2022) == 71
