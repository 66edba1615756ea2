"""read_dfe on small hand-made tables: layouts recognised by columns, suppression, errors, reports."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import demandmodel
from demandmodel.data.geography import ENGLAND, REGIONS

HEAD = (
    "time_period,time_identifier,geographic_level,country_code,country_name,region_code,"
    "region_name,old_la_code,new_la_code,la_name"
)
NAT = "Reporting year,National,E92000001,England,,,,,"
REG = "Reporting year,Regional,E92000001,England,E13000001,Inner London,,,"
BD = "Reporting year,Local authority,E92000001,England,E13000002,Outer London,301,E09000002,Barking and Dagenham"


def read_quiet(path: Path, **kw: bool) -> pd.DataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return demandmodel.read_dfe(path, **kw)


def series(panel: pd.DataFrame, la: str, measure: str) -> dict[int, float]:
    return {int(k): float(v) for k, v in demandmodel.panel_series(panel, la, measure).items()}


def test_wide_table_with_bom_and_any_column_order(tmp_path: Path) -> None:
    # CSWW-like: measure columns first, identity columns shuffled, UTF-8 BOM.
    text = (
        "\ufeffcaseload_fte,inpost_fte,la_name,old_la_code,time_period,geographic_level,"
        "new_la_code,region_code,region_name\n"
        "16.5,189,Barking and Dagenham,301,2022,Local authority,E09000002,E13000002,Outer London\n"
        "16.6,31634.1,,,2022,National,,,\n"
        "x,c,,,2022,Regional,,E12000001,North East\n"
    )
    (tmp_path / "w.csv").write_text(text, encoding="utf-8")
    panel = read_quiet(tmp_path / "w.csv")
    assert series(panel, "301", "sw_fte") == {2022: 189.0}
    assert series(panel, ENGLAND, "sw_caseload") == {2022: 16.6}
    ne = panel.loc[panel["la_code"] == "980"].set_index("measure")
    assert ne.loc["sw_fte", "status"] == "suppressed"
    assert ne.loc["sw_caseload", "status"] == "missing"
    assert ne["value"].isna().all()
    assert ne.loc["sw_fte", "new_la_code"] == "E12000001"


@pytest.mark.parametrize(
    ("cell", "status"),
    [
        ("c", "suppressed"),
        ("low", "suppressed"),
        ("u", "suppressed"),
        ("-", "suppressed"),
        ("x", "missing"),
        ("z", "missing"),
        (":", "missing"),
        ("..", "missing"),
        ("", "missing"),
    ],
)
def test_suppression_codes_are_nan_never_zero(tmp_path: Path, cell: str, status: str) -> None:
    (tmp_path / "cp.csv").write_text(f"{HEAD},CPP_At31\n2022,{BD},{cell}\n2021,{BD},0\n")
    panel = read_quiet(tmp_path)
    got = panel.set_index("period")
    assert np.isnan(got.loc[2022, "value"])
    assert got.loc[2022, "status"] == status
    assert got.loc[2021, "value"] == 0.0  # a real zero stays zero


def test_long_cla_table_recognised_from_groups(tmp_path: Path) -> None:
    rows = [
        ("Age group", "Total children", "82080"),
        ("Age group", "Under 1 year", "3960"),
        ("Age group", "16 years and over", "20270"),
        ("Placement", "1. Total foster placements", "57210"),
        ("Placement", "1a Total foster placements inside council boundary", "33720"),
        (
            "Placement",
            "5. Total secure units, children's homes and semi-independent living accommodation",
            "13060",
        ),
        ("Legal status", "Total children", "82080"),
    ]
    body = "\n".join(
        f'Reporting year,2022,National,E92000001,England,{g},"{c}",{n},1' for g, c, n in rows
    )
    head = "time_identifier,time_period,geographic_level,country_code,country_name,cla_group,characteristic,number,percentage"
    (tmp_path / "n.csv").write_text(head + "\n" + body + "\n")
    panel = read_quiet(tmp_path)
    got = panel.set_index("measure")["value"].to_dict()
    assert got == {
        "cla_31mar": 82080.0,
        "cla_31mar_age_under1": 3960.0,
        "cla_31mar_age_16_over": 20270.0,
        "cla_31mar_placement_foster": 57210.0,
        "cla_31mar_placement_residential": 13060.0,
    }


def test_long_ceased_table_sums_ages_16_and_over(tmp_path: Path) -> None:
    head = f"{HEAD},cla_group,characteristic,number,percentage"
    lines = [
        f"2022,{BD},Age on ceasing,16 years,10,5",
        f"2022,{BD},Age on ceasing,17 years,12,6",
        f"2022,{BD},Age on ceasing,18 years and over,30,15",
        f"2022,{BD},Age on ceasing,Total,177,100",
        f"2021,{BD},Age on ceasing,16 years,c,c",
        f"2021,{BD},Age on ceasing,17 years,12,6",
        f"2021,{BD},Age on ceasing,18 years and over,30,15",
    ]
    (tmp_path / "ceased.csv").write_text(head + "\n" + "\n".join(lines) + "\n")
    panel = read_quiet(tmp_path)
    sixteen = panel.loc[panel["measure"] == "cla_ceases_age_16_over"].set_index("period")
    assert sixteen.loc[2022, "value"] == 52.0
    assert np.isnan(sixteen.loc[2021, "value"])
    assert sixteen.loc[2021, "status"] == "suppressed"
    assert series(panel, "301", "cla_ceases") == {2022: 177.0}


def test_headline_table_label_column_found_by_content(tmp_path: Path) -> None:
    # DfE named the label column "population_count"; any name works.
    head = f"{HEAD},what_it_is,population_estimate,number,rate_per_10000"
    lines = [
        f"2022,{BD},Children looked after at 31 March each year,63375,412,65",
        f"2022,{BD},Children starting to be looked after each year,63375,196,31",
        f"2022,{REG},Children looked after at 31 March each year,1,4000,60",
    ]
    (tmp_path / "h.csv").write_text(head + "\n" + "\n".join(lines) + "\n")
    panel = read_quiet(tmp_path)
    assert series(panel, "301", "cla_31mar") == {2022: 412.0}
    assert series(panel, "301", "cla_rate") == {2022: 65.0}
    assert series(panel, "301", "cla_starts_rate") == {2022: 31.0}
    assert series(panel, "987", "cla_31mar") == {2022: 4000.0}  # Inner London
    assert "pop_0_17" not in set(panel["measure"])  # the denominator is not mid-year population


def test_sfr_layouts_change_year_to_year(tmp_path: Path) -> None:
    (tmp_path / "2010").mkdir()
    (tmp_path / "2010" / "SFR27_2010_March.csv").write_text(
        "geog_l,geog_c,geog_n,MarTotal_2010,Mid2009Pop0-17,MarPlace_Q1_2010,MarPlace_Q2_2010,MarPlace_K2_2010\n"
        "National,921,England,64400,11012300,x,170,4200\n"
        "GOR,D,Yorkshire and The Humber,5000,1,1,1,1\n"
        "LA,301,Barking & Dagenham,378,48200,0,300,14\n"
        "LA,921,Isle of Wight,200,29000,5,150,10\n"
    )
    (tmp_path / "2015").mkdir()
    (tmp_path / "2015" / "SFR34_ADM2015.csv").write_text(
        "New_geog_code,geog_l,geog_c,geog_n,CLA_started2014,SCLA_U1\n"
        "E92000001,NATIONAL,999,ENGLAND,31070,5810\n"
        "E09000002,LA,301,Barking and Dagenham,222,x\n"
    )
    panel = read_quiet(tmp_path)
    assert series(panel, ENGLAND, "cla_31mar") == {2010: 64400.0}
    assert series(panel, "921", "cla_31mar") == {2010: 200.0}  # Isle of Wight, not England
    assert series(panel, "301", "pop_0_17") == {2009: 48200.0}
    assert series(panel, "301", "cla_31mar_placement_foster") == {2010: 300.0}
    assert np.isnan(series(panel, ENGLAND, "cla_31mar_placement_foster")[2010])  # Q1 is x
    assert series(panel, "982", "cla_31mar") == {2010: 5000.0}  # region by name, not letter
    # The column says 2014 but the file is the 2015 release: the path's year is used.
    assert series(panel, ENGLAND, "cla_starts") == {2015: 31070.0}
    assert series(panel, "301", "cla_31mar").keys() == {2010}
    assert panel.set_index("la_code").loc["301", "la_name"].iloc[0] == "Barking and Dagenham"


def test_lait_parquet_filtered_and_years_parsed(tmp_path: Path) -> None:
    frame = pd.DataFrame(
        {
            "Short Desc": ["LACnum", "LACnum", "Work_Force_NoSW", "LACnum", "Unrelated"],
            "Data item": ["n"] * 5,
            "Years": ["2016", "2018 (Rev)", "2016", "2016", "2016-18"],
            "LA and Regions": ["Leicester", "Leicester", "Bournemouth (Pre LG)", "England", "x"],
            "Values": ["596", "-", "76", "70410", "1"],
            "LA Number": [856.0, 856.0, 837.0, 970.0, 856.0],
            "Region": ["East Midlands", "East Midlands", "South West", "NA", "East Midlands"],
        }
    )
    frame.to_parquet(tmp_path / "lait.parquet")
    panel = read_quiet(tmp_path / "lait.parquet")
    leic = panel.loc[panel["la_code"] == "856"].set_index("period")
    assert leic.loc[2016, "value"] == 596.0
    assert leic.loc[2018, "status"] == "suppressed"
    assert set(panel["measure"]) == {"cla_31mar", "sw_fte"}
    assert panel.loc[panel["la_code"] == "837", "la_name"].iloc[0] == "Bournemouth"
    assert series(panel, ENGLAND, "cla_31mar") == {2016: 70410.0}
    assert set(panel["vintage"]) == {2018}
    assert panel.attrs["regions"]["856"] == "983"


def test_newest_release_wins_and_older_kept(tmp_path: Path) -> None:
    (tmp_path / "old.csv").write_text(f"{HEAD},CPP_At31\n2021,{BD},300\n2020,{BD},280\n")
    (tmp_path / "new.csv").write_text(f"{HEAD},CPP_At31\n2022,{BD},415\n2021,{BD},310\n")
    panel = read_quiet(tmp_path)
    assert series(panel, "301", "cp_31mar") == {2020: 280.0, 2021: 310.0, 2022: 415.0}
    assert panel.set_index("period").loc[2021, "source"] == "new.csv"
    every = read_quiet(tmp_path, keep_revisions=True)
    assert len(every) == 4
    revs = demandmodel.dfe_revisions(every)
    assert revs[["value", "vintage", "chosen"]].to_numpy().tolist() == [
        [310.0, 2022, True],
        [300.0, 2021, False],
    ]
    assert demandmodel.dfe_revisions(tmp_path).shape == revs.shape


def test_bad_cells_raise_one_error_naming_each(tmp_path: Path) -> None:
    (tmp_path / "cin.csv").write_text(
        f"{HEAD},At31_episodes,Started_episodes\n2022,{BD},12a,5\n2021,{BD},3,#VALUE!\n"
    )
    (tmp_path / "cp.csv").write_text(f"{HEAD},CPP_At31\n20X2,{BD},5\n")
    with pytest.raises(demandmodel.DataValidationError) as info:
        demandmodel.read_dfe(tmp_path)
    fails = info.value.failures
    got = set(zip(fails["file"], fails["row"], fails["column"], fails["value"], strict=True))
    assert got == {
        ("cin.csv", 1, "at31_episodes", "12a"),
        ("cin.csv", 2, "started_episodes", "#VALUE!"),
        ("cp.csv", 1, "time_period", "20X2"),
    }
    assert "cin.csv, row 1" in str(info.value)


def test_la_row_without_code_is_an_error(tmp_path: Path) -> None:
    bad = BD.replace(",301,", ",30A,")
    (tmp_path / "cp.csv").write_text(f"{HEAD},CPP_At31\n2022,{bad},5\n")
    with pytest.raises(demandmodel.DataValidationError, match="old_la_code"):
        demandmodel.read_dfe(tmp_path)


def test_unread_files_are_reported(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("about the data")
    (tmp_path / "other.csv").write_text("a,b\n1,2\n")
    (tmp_path / "leavers.csv").write_text(f"{HEAD},care_leavers_in_touch\n2022,{BD},5\n")
    (tmp_path / "cp.csv").write_text(f"{HEAD},CPP_At31\n2022,{BD},415\n")
    with pytest.warns(demandmodel.UnreadFileWarning, match="3 file"):
        panel = demandmodel.read_dfe(tmp_path)
    assert sorted(u["file"] for u in panel.attrs["unread_files"]) == [
        "leavers.csv",
        "notes.txt",
        "other.csv",
    ]
    assert len(panel) == 1


def test_missing_path_is_a_demandmodel_error(tmp_path: Path) -> None:
    with pytest.raises(demandmodel.DemandModelError, match="no such file"):
        demandmodel.read_dfe(tmp_path / "nope")


def test_panel_series_errors_name_what_exists(tmp_path: Path) -> None:
    (tmp_path / "cp.csv").write_text(f"{HEAD},CPP_At31\n2022,{BD},415\n")
    panel = read_quiet(tmp_path)
    with pytest.raises(demandmodel.DemandModelError, match="cp_31mar"):
        demandmodel.panel_series(panel, "301", "cla_31mar")


def test_rows_at_other_levels_are_noted_not_dropped_silently(tmp_path: Path) -> None:
    lad = "Reporting year,Local authority district,E92000001,England,,,,E07000001,Somewhere"
    (tmp_path / "cp.csv").write_text(f"{HEAD},CPP_At31\n2022,{BD},415\n2022,{lad},3\n")
    panel = read_quiet(tmp_path)
    assert len(panel) == 1
    notes = pd.DataFrame(panel.attrs["notes"])
    assert notes["note"].tolist() == [
        "1 row(s) at geographic level 'local authority district' not kept"
    ]


def test_la_may_not_use_england_or_region_codes(tmp_path: Path) -> None:
    clash = BD.replace(",301,", ",990,")  # 990 is South West
    (tmp_path / "cp.csv").write_text(f"{HEAD},CPP_At31\n2022,{clash},5\n")
    with pytest.raises(demandmodel.DataValidationError, match="region"):
        demandmodel.read_dfe(tmp_path)


def test_contract_measure_names_exist() -> None:
    contract = {
        "cla_31mar", "cla_starts", "cla_ceases", "cla_rate", "cla_31mar_age_10_15",
        "cla_31mar_placement_foster", "uasc_31mar", "cin_31mar", "cin_starts", "cin_ends",
        "referrals", "rereferrals", "s47", "icpc", "cp_31mar", "cp_starts", "pop_0_17", "sw_fte",
        "sw_agency_fte", "sw_agency_rate", "sw_vacancy_rate", "sw_turnover_rate", "sw_caseload",
    }  # fmt: skip
    table = demandmodel.measures()
    assert contract <= set(table["measure"])
    assert table["measure"].is_unique
    assert table[["definition", "unit", "source", "years"]].ne("").all().all()


def test_panel_survives_concat_and_repr(tmp_path: Path) -> None:
    (tmp_path / "cp.csv").write_text(f"{HEAD},CPP_At31\n2022,{BD},415\n2021,{BD},400\n")
    (tmp_path / "notes.txt").write_text("about the data")
    with pytest.warns(demandmodel.UnreadFileWarning):
        panel = demandmodel.read_dfe(tmp_path)
    both = pd.concat([panel.iloc[:1], panel.iloc[1:]])
    assert len(both) == 2
    assert "Barking and Dagenham" in repr(panel)


def test_placement_labels_numbered_or_not(tmp_path: Path) -> None:
    # The national table numbers its group totals; an LA-level table may not. Sub-lines are skipped.
    head = f"{HEAD},cla_group,characteristic,number,percentage"
    lines = [
        f"2023,{BD},Placement,Foster placements,250,60",
        f"2023,{BD},Placement,Placed with own parents or other person with parental responsibility,20,5",
        f'2023,{BD},Placement,"Secure units, children’s homes and semi-independent living accommodation",60,15',
        f"2023,{BD},Placement,Other placements,3,1",
        f"2023,{BD},Placement,1a Total foster placements inside council boundary,100,25",
        f"2023,{BD},Age group,10 to 15 years,150,37",
    ]
    (tmp_path / "la.csv").write_text(head + "\n" + "\n".join(lines) + "\n", encoding="utf-8")
    panel = read_quiet(tmp_path)
    got = panel.set_index("measure")["value"].to_dict()
    assert got == {
        "cla_31mar_placement_foster": 250.0,
        "cla_31mar_placement_parents": 20.0,
        "cla_31mar_placement_residential": 60.0,
        "cla_31mar_placement_other": 3.0,
        "cla_31mar_age_10_15": 150.0,
    }


def test_unparseable_files(tmp_path: Path) -> None:
    (tmp_path / "cp.csv").write_text(f"{HEAD},CPP_At31\n2022,{BD},415\n")
    (tmp_path / "junk.csv").write_text('a,b\n"unclosed,1\n')
    (tmp_path / ".hidden").mkdir()
    (tmp_path / ".hidden" / "x.csv").write_text("whatever")
    with pytest.warns(demandmodel.UnreadFileWarning, match="1 file"):
        panel = demandmodel.read_dfe(tmp_path)
    assert [u["file"] for u in panel.attrs["unread_files"]] == ["junk.csv"]
    # A DfE-looking table that does not parse is a bad file, not an unread one.
    (tmp_path / "bad.csv").write_text(f'{HEAD},CPP_At31\n2022,{BD},"415\n')
    with pytest.raises(demandmodel.DataValidationError, match=r"bad\.csv"):
        demandmodel.read_dfe(tmp_path)


def test_attrs_are_shared_not_deep_copied(tmp_path: Path) -> None:
    # pandas deep-copies attrs on most operations; read_dfe's are read-only and shared.
    (tmp_path / "cp.csv").write_text(f"{HEAD},CPP_At31\n2022,{BD},415\n")
    panel = read_quiet(tmp_path)
    subset = panel.loc[panel["period"] == 2022]
    assert subset.attrs["regions"] is panel.attrs["regions"]
    assert dict(subset.attrs["regions"]) == {"301": "988"}
    with pytest.raises(TypeError):
        panel.attrs["regions"]["301"] = "980"  # type: ignore[index]


def test_synthetic_la_published_tables_are_read() -> None:
    # The synthetic LA copies the EES layouts; every one of its DfE tables must be understood.
    demo = getattr(demandmodel, "demo_data_path", None)
    if demo is None or not (demo() / "dfe").is_dir():
        pytest.skip("the synthetic demo data is not in this build")
    panel = read_quiet(demo() / "dfe")  # no UnreadFileWarning allowed
    assert panel.attrs["unread_files"] == ()
    las = set(panel["la_code"]) - {ENGLAND} - {c for c, _, _ in REGIONS}
    assert len(las) >= 1
    for measure in ("cla_31mar", "cla_starts", "cla_ceases", "cp_31mar", "cin_31mar", "pop_0_17"):
        assert (panel["measure"] == measure).sum() >= 5, measure
