"""read_ssda903: layouts, code drift, respite/temporary/UASC handling, stitching, real fake returns."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import demandmodel
from demandmodel import columns as C

EP_HEAD = (
    "CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC,REASON_PLACE_CHANGE,HOME_POST,PL_POST,URN"
)
HD_HEAD = "CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB"


def ep_row(
    child: str, decom: str, rne: str, ls: str, place: str, prov: str, dec: str, rec: str
) -> str:
    return f"{child},{decom},{rne},{ls},N1,{place},{prov},{dec},{rec},,,,"


def write(path: Path, head: str, rows: list[str], encoding: str = "utf-8") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join([head, *rows]) + "\n", encoding=encoding)
    return path


def removed_rows(data: demandmodel.SSDA903Data, file: Path) -> int:
    removed = data.log[
        (data.log["file"] == str(file)) & data.log["action"].isin(["dropped", "merged"])
    ]
    return len(removed)


# --- layouts ---------------------------------------------------------------------------------


def test_csv_folder_reads_to_episode_contract(tmp_path: Path) -> None:
    write(
        tmp_path / "episodes.csv",
        EP_HEAD,
        [
            ep_row("1", "01/05/2021", "S", "C2", "U4", "PR1", "01/09/2021", "X1"),
            ep_row("1", "01/09/2021", "P", "C2", "K2", "PR4", "03/01/2022", "E4A"),
            ep_row("2", "15/06/2021", "S", "V2", "P1", "PR0", "", ""),
        ],
    )
    write(tmp_path / "header.csv", HD_HEAD, ["1,1,03/04/2008,WBRI,,,", "2,2,04/05/2010,WBRI,,,"])
    data = demandmodel.read_ssda903(tmp_path, la_code="301")
    ep = data.episodes
    assert tuple(ep.columns) == C.EPISODE_COLUMNS
    assert ep[C.CHILD].tolist() == ["1", "1", "2"]
    assert set(ep[C.LA_CODE]) == {"301"}
    assert ep[C.START].tolist() == list(pd.to_datetime(["2021-05-01", "2021-09-01", "2021-06-15"]))
    assert pd.isna(ep[C.END].iloc[2])
    assert ep[C.SEX].tolist() == ["M", "M", "F"]
    assert ep[C.PLACEMENT_CATEGORY].tolist() == ["fostering", "residential", "placed_with_parents"]
    assert ep[C.PROVIDER].tolist() == ["PR1", "PR4", "PR0"]
    assert ep[C.PERIOD_OF_CARE].tolist() == [1, 1, 1]
    assert str(ep[C.START].dtype) == "datetime64[ns]" and ep[C.UASC].dtype == bool
    assert data.log.empty


def test_iso_dates_and_la_year_columns(tmp_path: Path) -> None:
    head = EP_HEAD + ",LA,YEAR"
    rows = [
        ep_row("1", "2021-05-01", "S", "C2", "U4", "PR1", "", "") + ",Barnet,2022",
        ep_row("1", "2021-05-01", "S", "C2", "U4", "PR1", "2022-06-01", "E4A") + ",Barnet,2023",
        ep_row("1", "2021-07-01", "S", "C2", "U4", "PR1", "", "") + ",Camden,2022",
    ]
    f = write(tmp_path / "episodes.csv", head, rows)
    data = demandmodel.read_ssda903(f)
    ep = data.episodes
    assert sorted(ep[C.LA_CODE]) == ["Barnet", "Camden"]
    barnet = ep[ep[C.LA_CODE] == "Barnet"]
    assert barnet[C.END].tolist() == [pd.Timestamp("2022-06-01")]  # the later return wins
    assert data.log["rule"].tolist() == ["RESUBMITTED"]
    assert data.log["row"].tolist() == [1]
    assert len(ep) + removed_rows(data, f) == 3


def test_xml_return_reads_like_csv(tmp_path: Path) -> None:
    xml = (
        "<?xml version='1.0' encoding='utf-8'?><EXPSSDA903>"
        "<CHILD><HEADER><CHILDID>9</CHILDID><SEX>2</SEX><DOB>01/02/2007</DOB><UASC>1</UASC>"
        "<DUC>01/02/2025</DUC></HEADER>"
        "<EPISODE><DECOM>01/05/2021</DECOM><RNE>S</RNE><LS>C2</LS><CIN>N1</CIN><PL>U1</PL>"
        "<PLACE_PROVIDER>PR1</PLACE_PROVIDER><DEC>01/06/2021</DEC><REC>X1</REC></EPISODE>"
        "<EPISODE><DECOM>01/06/2021</DECOM><RNE>P</RNE><LS>C2</LS><CIN>N1</CIN><PL>K3</PL>"
        "<PLACE_PROVIDER>PR4</PLACE_PROVIDER><DEC /><REC /></EPISODE></CHILD>"
        "<CHILD><HEADER><CHILDID>10</CHILDID><SEX>M</SEX><DOB>2009-01-01</DOB><UASC /></HEADER>"
        "<EPISODE><DECOM>02/05/2021</DECOM><RNE>S</RNE><LS>E1</LS><CIN>N1</CIN><PL>A4</PL>"
        "<PLACE_PROVIDER>PR1</PLACE_PROVIDER><DEC /><REC /></EPISODE></CHILD></EXPSSDA903>"
    )
    f = tmp_path / "return.xml"
    f.write_text(xml)
    data = demandmodel.read_ssda903(f)
    ep = data.episodes
    assert ep[C.PLACEMENT].tolist() == ["A4", "U1", "K3"]  # sorted by child id as text
    assert ep[C.UASC].tolist() == [False, True, True]
    assert ep[C.SEX].tolist() == ["M", "F", "F"]
    assert ep[C.PLACEMENT_CATEGORY].tolist() == ["adoption", "fostering", "supported"]
    assert data.uasc[C.CHILD].tolist() == ["9"]


# --- code drift ------------------------------------------------------------------------------


def test_code_drift_across_years_is_accepted(tmp_path: Path) -> None:
    rows = [
        ep_row("1", "01/05/2015", "S", "c2", "p2", "pr4", "01/05/2016", "x1"),  # lower case, P2
        ep_row("1", "01/05/2016", "P", "C2", "H5", "PR4", "01/05/2024", "X1"),
        ep_row("1", "01/05/2024", "P", "C2", "k3", "PR4", "01/05/2025", "X1"),  # k3 (2024/25 bug)
        ep_row("1", "01/05/2025", "P", "C2", "Z12", "", "", ""),  # from 2025/26
    ]
    write(tmp_path / "episodes.csv", EP_HEAD, rows)
    write(tmp_path / "header.csv", HD_HEAD, ["1,U,03/04/2008,WBRI,,,"])
    data = demandmodel.read_ssda903(tmp_path)
    ep = data.episodes
    assert ep[C.PLACEMENT].tolist() == ["P2", "H5", "K3", "Z12"]
    assert ep[C.LEGAL_STATUS].iloc[0] == "C2" and ep[C.PROVIDER].iloc[0] == "PR4"
    assert ep[C.PLACEMENT_CATEGORY].tolist() == ["supported", "supported", "supported", "other"]
    assert set(ep[C.SEX]) == {"U"}


def test_placement_category_override(tmp_path: Path) -> None:
    write(
        tmp_path / "episodes.csv",
        EP_HEAD,
        [ep_row("1", "01/05/2021", "S", "C2", "K3", "PR4", "", "")],
    )
    default = demandmodel.read_ssda903(tmp_path)
    assert default.episodes[C.PLACEMENT_CATEGORY].tolist() == ["supported"]
    table = tmp_path / "cats.csv"
    table.write_text("placement,category\nK3,residential\n")
    for override in (
        {"k3": "residential"},
        table,
        pd.DataFrame({"placement": ["K3"], "category": ["residential"]}),
    ):
        data = demandmodel.read_ssda903(tmp_path / "episodes.csv", placement_categories=override)
        assert data.episodes[C.PLACEMENT_CATEGORY].tolist() == ["residential"]
    with pytest.raises(demandmodel.DataValidationError, match="placement"):
        demandmodel.read_ssda903(
            tmp_path / "episodes.csv", placement_categories=pd.DataFrame({"x": [1]})
        )


# --- respite, temporary, UASC ----------------------------------------------------------------


def test_respite_excluded_by_default_and_kept_on_request(tmp_path: Path) -> None:
    f = write(
        tmp_path / "episodes.csv",
        EP_HEAD,
        [
            ep_row("1", "01/05/2021", "S", "V3", "U4", "PR1", "03/05/2021", "E13"),
            ep_row("2", "01/05/2021", "S", "C2", "U4", "PR1", "", ""),
        ],
    )
    data = demandmodel.read_ssda903(f)
    assert data.episodes[C.CHILD].tolist() == ["2"]
    assert data.log[["row", "rule", "action"]].values.tolist() == [[1, "respite", "dropped"]]
    kept = demandmodel.read_ssda903(f, include_respite=True)
    assert kept.episodes[C.LEGAL_STATUS].tolist() == ["V3", "C2"]


def test_temporary_placement_absorbed_into_surrounding_placement(tmp_path: Path) -> None:
    f = write(
        tmp_path / "episodes.csv",
        EP_HEAD,
        [
            ep_row("1", "01/05/2021", "S", "C2", "U4", "PR1", "01/06/2021", "X1"),
            ep_row("1", "01/06/2021", "T", "C2", "T1", "", "10/06/2021", "X1"),
            ep_row("1", "10/06/2021", "T", "C2", "U4", "PR1", "01/09/2021", "E4A"),
            ep_row("2", "01/05/2021", "S", "C2", "T4", "", "03/05/2021", "X1"),  # first: into next
            ep_row("2", "03/05/2021", "P", "C2", "U6", "PR4", "", ""),
        ],
    )
    data = demandmodel.read_ssda903(f)
    ep = data.episodes
    one = ep[ep[C.CHILD] == "1"]
    assert one[C.PLACEMENT].tolist() == ["U4", "U4"]
    assert one[C.END].tolist() == [pd.Timestamp("2021-06-10"), pd.Timestamp("2021-09-01")]
    two = ep[ep[C.CHILD] == "2"]
    assert two[C.START].tolist() == [pd.Timestamp("2021-05-01")]
    assert two[C.REASON_NEW].tolist() == ["S"]
    assert ep[C.PERIOD_OF_CARE].tolist() == [1, 1, 1]
    merged = data.log[data.log["rule"] == "temporary"]
    assert merged["row"].tolist() == [2, 4] and set(merged["action"]) == {"merged"}
    raw = demandmodel.read_ssda903(f, absorb_temporary=False)
    assert raw.episodes[C.PLACEMENT].tolist() == ["U4", "T1", "U4", "T4", "U6"]


def test_uasc_flag_from_table(tmp_path: Path) -> None:
    write(
        tmp_path / "episodes.csv",
        EP_HEAD,
        [
            ep_row("1", "01/05/2021", "S", "C2", "U4", "PR1", "", ""),
            ep_row("2", "01/05/2021", "S", "C2", "U4", "PR1", "", ""),
        ],
    )
    write(tmp_path / "uasc.csv", "CHILD,SEX,DOB,DUC", ["2,1,01/01/2005,01/01/2023"])
    data = demandmodel.read_ssda903(tmp_path)
    assert data.episodes[C.UASC].tolist() == [False, True]
    # no header: sex and dob fall back to the UASC table
    assert data.episodes[C.SEX].tolist()[1] == "M"


def test_periods_of_care_split_on_gaps(tmp_path: Path) -> None:
    f = write(
        tmp_path / "episodes.csv",
        EP_HEAD,
        [
            ep_row("1", "01/05/2019", "S", "C2", "U4", "PR1", "01/06/2019", "X1"),
            ep_row("1", "01/06/2019", "P", "C2", "U5", "PR1", "01/07/2019", "E4A"),
            ep_row("1", "01/01/2020", "S", "C2", "U4", "PR1", "01/02/2020", "E13"),
            ep_row("1", "01/02/2021", "S", "C1", "K2", "PR4", "", ""),
        ],
    )
    ep = demandmodel.read_ssda903(f).episodes
    assert ep[C.PERIOD_OF_CARE].tolist() == [1, 1, 2, 3]


# --- synthetic LA layout round trip ----------------------------------------------------------


def _fmt(d: pd.Timestamp | None) -> str:
    return "" if d is None or pd.isna(d) else d.strftime("%d/%m/%Y")


def test_synthetic_la_layout_round_trips(tmp_path: Path) -> None:
    """Year folders of header/episodes/uasc.csv, each return re-stating episodes open in its year."""
    truth = [
        ("1", "2019-05-01", "2020-02-01", "S", "C2", "U4", "PR1", "X1"),
        ("1", "2020-02-01", "2021-06-30", "P", "C2", "K2", "PR4", "E4A"),
        ("2", "2020-01-10", None, "S", "E1", "A3", "PR1", None),
        ("3", "2021-01-01", "2021-01-20", "S", "V2", "U1", "PR1", "E13"),
    ]
    for year in (2020, 2021, 2022):
        lo, hi = pd.Timestamp(f"{year - 1}-04-01"), pd.Timestamp(f"{year}-03-31")
        rows = []
        for child, s, e, rne, ls, pl, pr, rec in truth:
            start, end = pd.Timestamp(s), pd.Timestamp(e) if e else None
            if start > hi or (end is not None and end < lo):
                continue
            closed = end is not None and end <= hi
            rows.append(
                ep_row(
                    child,
                    _fmt(start),
                    rne,
                    ls,
                    pl,
                    pr,
                    _fmt(end) if closed else "",
                    rec if closed and rec else "",
                )
            )
        write(tmp_path / str(year) / "episodes.csv", EP_HEAD, rows)
        write(
            tmp_path / str(year) / "header.csv",
            HD_HEAD,
            ["1,1,01/01/2010,WBRI,,,", "2,2,01/01/2015,WBRI,,,", "3,M,01/01/2012,WBRI,,,"],
        )
        write(tmp_path / str(year) / "uasc.csv", "CHILD,SEX,DOB,DUC", [])
    data = demandmodel.read_ssda903(tmp_path, la_code="999")
    ep = data.episodes
    got = [
        (
            r.child,
            str(r.start.date()),
            None if pd.isna(r.end) else str(r.end.date()),
            r.reason_new,
            r.legal_status,
            r.placement,
            r.provider,
            None if pd.isna(r.reason_end) else r.reason_end,
        )
        for r in ep.itertuples()
    ]
    assert got == truth
    assert set(data.log["rule"]) <= {"RESUBMITTED", "RULE_1"}
    assert len(data.header) == 3 and data.header["year"].tolist() == [2022, 2022, 2022]


# --- real fake returns (shared data) ---------------------------------------------------------


@pytest.mark.shared_data
def test_d2i_five_annual_returns(shared_data: Path) -> None:
    folder = shared_data / "ssda903_synthetic" / "d2i_cs_demand_model_combined"
    with pytest.raises(demandmodel.DataValidationError) as info:
        demandmodel.read_ssda903(folder)
    assert set(info.value.failures["rule"]) == {"overlap"}  # returns disagree about some histories
    data = demandmodel.read_ssda903(folder, repair=True, la_code="SYN")
    ep = data.episodes
    raw = sum(len(pd.read_csv(f, dtype=str)) for f in folder.glob("*-episodes.csv"))
    removed = data.log["action"].isin(["dropped", "merged"]) & data.log["file"].str.endswith(
        "episodes.csv"
    )
    assert len(ep) + int(removed.sum()) == raw
    # episodes restated across years collapse into one row each
    restated = data.log[
        (data.log["rule"] == "RESUBMITTED") & data.log["file"].str.endswith("episodes.csv")
    ]
    assert len(restated) > 0.2 * raw
    assert not ep.duplicated([C.CHILD, C.START]).any()
    # the five files are named by the year the collection starts: read as the year after
    assert "year_label" in set(data.log["rule"])
    # no overlaps remain, and every episode but a child's last is closed
    nxt = ep.groupby(C.CHILD)[C.START].shift(-1)
    assert not ((ep[C.END] > nxt) & nxt.notna()).any()
    assert ep.loc[nxt.notna(), C.END].notna().all()
    assert set(ep[C.PLACEMENT_CATEGORY]) <= {
        "fostering",
        "residential",
        "supported",
        "placed_with_parents",
        "adoption",
        "other",
    }
    assert (ep[C.PLACEMENT_CATEGORY] == "fostering").mean() > 0.5
    assert ep[C.UASC].any() and ep[C.SEX].isin(["M", "F"]).mean() > 0.8
    assert not ep[C.LEGAL_STATUS].isin(["V3", "V4"]).any()


@pytest.mark.shared_data
def test_regional_pooled_returns_with_la_and_year(shared_data: Path) -> None:
    folder = shared_data / "ssda903_synthetic" / "sf_cs_demand_model_regional_v1"
    data = demandmodel.read_ssda903(folder, repair=True)
    ep = data.episodes
    assert set(ep[C.LA_CODE]) == {"Bromley", "Hillingdon", "Southwark"}
    assert "year_label" in set(data.log["rule"])  # YEAR labels the start year there
    raw = len(pd.read_csv(folder / "episodes.csv", dtype=str))
    removed = data.log["action"].isin(["dropped", "merged"]) & data.log["file"].str.endswith(
        "episodes.csv"
    )
    assert len(ep) + int(removed.sum()) == raw
    # the pooled set and the five annual files are the same fake LA(s): same episodes
    d2i = demandmodel.read_ssda903(
        shared_data / "ssda903_synthetic" / "d2i_cs_demand_model_combined", repair=True
    )
    assert len(ep) == len(d2i.episodes)


@pytest.mark.shared_data
def test_liia_stitching_fixture_applies_each_rule(shared_data: Path) -> None:
    f = (
        shared_data
        / "fixtures"
        / "SocialFinanceDigitalLabs__liia-tools"
        / "liiatools"
        / "spec"
        / "s903"
        / "samples"
        / "SSDA903_episodes_for_testing_fixes_INPUT.csv"
    )
    data = demandmodel.read_ssda903(f, include_respite=True, absorb_temporary=False)
    log = data.log.set_index("child")
    for child in (
        "RULE1_BAD",
        "RULE1A_BAD",
        "RULE2_BAD",
        "RULE3_BAD",
        "RULE3A_BAD",
        "RULE4_BAD",
        "RULE5_BAD",
    ):
        assert child.split("_")[0].replace("RULE", "RULE_") in set(
            data.log.loc[data.log["child"] == child, "rule"]
        )
    assert not any(c.startswith("NORULE") for c in log.index)
    ep = data.episodes.set_index([C.CHILD, C.START])
    assert ep.loc[("RULE2_BAD", pd.Timestamp("2019-05-10")), C.END] == pd.Timestamp("2020-03-31")
    assert ep.loc[("RULE1A_BAD", pd.Timestamp("2016-10-24")), C.END] == pd.Timestamp("2017-03-31")
    assert ep.loc[("RULE1_BAD", pd.Timestamp("2016-01-13")), C.END] == pd.Timestamp("2017-08-20")
    assert ep.loc[("RULE4_BAD", pd.Timestamp("2018-11-23")), C.END] == pd.Timestamp("2018-12-20")
    assert ep.loc[("RULE5_BAD", pd.Timestamp("2019-11-06")), C.END] == pd.Timestamp("2020-04-02")
    assert ("RULE3A_BAD", pd.Timestamp("2018-03-22")) not in ep.index
    assert ep.loc[("RULE1_BAD", pd.Timestamp("2016-01-13")), C.REASON_END] == "X1"
    assert len(data.episodes) + int(data.log["action"].isin(["dropped", "merged"]).sum()) == 23


@pytest.mark.shared_data
def test_validator_fake_data_csv_and_xml(shared_data: Path) -> None:
    fake = (
        shared_data / "fixtures" / "data-to-insight__csc-validator-be-903" / "tests" / "fake_data"
    )
    data = demandmodel.read_ssda903(
        [fake / "episodes.csv", fake / "header.csv", fake / "uasc.csv"], repair=True
    )
    ep = data.episodes
    assert ep[C.CHILD].nunique() > 1500
    assert ep[C.SEX].notna().mean() > 0.95  # header joined
    xml = demandmodel.read_ssda903(fake / "fake_903.xml", repair=True)
    assert len(xml.header) == 253
    episodes_in_xml = 459  # EPISODE elements in the file
    removed = xml.log["action"].isin(["dropped", "merged"]).sum()
    assert len(xml.episodes) + int(removed) == episodes_in_xml
    assert xml.episodes[C.CHILD].nunique() > 150
    # the whole folder: other tables are recognised and returned, not used
    everything = demandmodel.read_ssda903(fake, repair=True)
    assert {
        "reviews",
        "missing",
        "oc2",
        "oc3",
        "ad1",
        "placed_adoption",
        "prev_perm",
        "sw_episodes",
        "dolo",
    } <= set(everything.other)


def test_uasc_flag_from_header_columns(tmp_path: Path) -> None:
    write(
        tmp_path / "episodes.csv",
        EP_HEAD,
        [ep_row(c, "01/05/2021", "S", "C2", "U4", "PR1", "", "") for c in ("1", "2", "3")],
    )
    write(
        tmp_path / "header.csv",
        HD_HEAD + ",UASC,DUC",
        [
            "1,1,01/01/2006,WBRI,,,,1,",
            "2,1,01/01/2006,WBRI,,,,,01/01/2024",
            "3,1,01/01/2006,WBRI,,,,0,",
        ],
    )
    assert demandmodel.read_ssda903(tmp_path).episodes[C.UASC].tolist() == [True, True, False]


def test_embedded_synthetic_la_round_trips_to_its_truth() -> None:
    """The project's synthetic LA (written in real SSDA903 layout, faults injected on purpose):
    every documented fault is found with the right rule, and the stock on each 31 March equals
    the simulation's true stock."""
    synthetic = pytest.importorskip("demandmodel.data.synthetic")
    root = Path(synthetic.demo_data_path())
    if not (root / "ssda903").is_dir() or not (root / "SYNTHETIC_faults.csv").is_file():
        pytest.skip("embedded synthetic LA not built")
    data = demandmodel.read_ssda903(root / "ssda903", repair=True)
    faults = pd.read_csv(root / "SYNTHETIC_faults.csv", dtype=str)
    expected_rule = {
        "duplicate_row": "duplicate_row",
        "stale_open_episode": "RULE_2",
        "invalid_code": "code_invalid",
        "dec_before_decom": "dec_before_decom",
    }
    log = data.log
    for fault in faults.itertuples():
        hit = log[log["file"].str.endswith(str(fault.file)) & (log["row"].astype(str) == fault.row)]
        assert expected_rule[str(fault.fault)] in set(hit["rule"]), fault
    truth = pd.read_csv(root / "SYNTHETIC_truth_stock_31march.csv")
    ep = data.episodes
    for date, group in truth.groupby("date"):
        day = pd.Timestamp(str(date))
        open_ = ep[(ep[C.START] <= day) & (ep[C.END].isna() | (ep[C.END] > day))]
        assert len(open_) == group["count"].sum(), date
        want = group.groupby("placement_category")["count"].sum()
        got = open_[C.PLACEMENT_CATEGORY].value_counts()
        for cat in ("fostering", "adoption", "placed_with_parents", "supported"):
            assert abs(int(got.get(cat, 0)) - int(want.get(cat, 0))) <= 1, (date, cat)


def test_excluded_respite_never_trims_a_care_episode(tmp_path: Path) -> None:
    f = write(
        tmp_path / "episodes.csv",
        EP_HEAD,
        [
            ep_row("1", "01/05/2021", "S", "C2", "U4", "PR1", "", ""),
            ep_row("1", "01/06/2021", "S", "V3", "U4", "PR1", "03/06/2021", "E13"),
        ],
    )
    ep = demandmodel.read_ssda903(f).episodes  # no overlap problem: the V3 row is excluded first
    assert ep[C.LEGAL_STATUS].tolist() == ["C2"] and pd.isna(ep[C.END].iloc[0])
    with pytest.raises(demandmodel.DataValidationError, match="overlap"):
        demandmodel.read_ssda903(f, include_respite=True)


def test_la_names_of_pooled_returns_can_be_mapped_to_codes(tmp_path: Path) -> None:
    head = EP_HEAD + ",LA,YEAR"
    rows = [
        ep_row("1", "2021-05-01", "S", "C2", "U4", "PR1", "", "") + ",Bromley,2022",
        ep_row("1", "2021-05-01", "S", "C2", "U4", "PR1", "", "") + ",Camden,2022",
    ]
    f = write(tmp_path / "episodes.csv", head, rows)
    ep = demandmodel.read_ssda903(f, la_code={"Bromley": "305"}).episodes
    assert sorted(ep[C.LA_CODE]) == ["305", "Camden"]


def test_a_contiguous_re_entry_starts_a_new_period_of_care(tmp_path: Path) -> None:
    f = write(
        tmp_path / "episodes.csv",
        EP_HEAD,
        [
            ep_row("1", "01/05/2019", "S", "C2", "U4", "PR1", "01/06/2019", "E13"),
            ep_row(
                "1", "01/06/2019", "S", "V2", "U4", "PR1", "", ""
            ),  # left and came back same day
        ],
    )
    assert demandmodel.read_ssda903(f).episodes[C.PERIOD_OF_CARE].tolist() == [1, 2]
