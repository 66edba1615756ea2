"""read_cin_census: XML and flattened CSV, validation, repair and multi-year stitching."""

from __future__ import annotations

import re
import warnings
import xml.etree.ElementTree as ET
from pathlib import Path

import pandas as pd
import pytest

import demandmodel
from demandmodel import DataRepairWarning, DataValidationError, read_cin_census

CIN = "fixtures/data-to-insight__csc-validator-be-cin/fake_data"
LIIA_2022 = (
    "fixtures/SocialFinanceDigitalLabs__liia-tools/liiatools/spec/cin_census/samples/cin-2022.xml"
)


def census_xml(children: str, *, ref: str = "2022-03-31", lea: str = "201") -> bytes:
    return (
        "<Message><Header><CollectionDetails><Collection>CIN</Collection><Year>2022</Year>"
        f"<ReferenceDate>{ref}</ReferenceDate></CollectionDetails><Source><SourceLevel>L</SourceLevel>"
        f"<LEA>{lea}</LEA></Source></Header><Children>{children}</Children></Message>"
    ).encode()


def child_xml(cid: str, details: str, *, sex: str = "<GenderCurrent>2</GenderCurrent>") -> str:
    return (
        f"<Child><ChildIdentifiers><LAchildID>{cid}</LAchildID><UPN>A1234</UPN>"
        f"<PersonBirthDate>2012-05-01</PersonBirthDate>{sex}</ChildIdentifiers>"
        f"<ChildCharacteristics><Ethnicity>WBRI</Ethnicity></ChildCharacteristics>{details}</Child>"
    )


def details_xml(referral: str, *, closure: str = "", inner: str = "", source: str = "1A") -> str:
    close = (
        f"<CINclosureDate>{closure}</CINclosureDate><ReasonForClosure>RC7</ReasonForClosure>"
        if closure
        else ""
    )
    return (
        f"<CINdetails><CINreferralDate>{referral}</CINreferralDate><ReferralSource>{source}</ReferralSource>"
        f"<PrimaryNeedCode>N1</PrimaryNeedCode>{close}{inner}<ReferralNFA>false</ReferralNFA></CINdetails>"
    )


def cpp_xml(start: str, end: str = "", reviews: tuple[str, ...] = ()) -> str:
    end_el = f"<CPPendDate>{end}</CPPendDate>" if end else ""
    rev = "".join(f"<CPPreviewDate>{r}</CPPreviewDate>" for r in reviews)
    return (
        f"<ChildProtectionPlans><CPPstartDate>{start}</CPPstartDate>{end_el}"
        "<InitialCategoryOfAbuse>NEG</InitialCategoryOfAbuse><LatestCategoryOfAbuse>emo</LatestCategoryOfAbuse>"
        f"<NumberOfPreviousCPP>0</NumberOfPreviousCPP><Reviews>{rev}</Reviews></ChildProtectionPlans>"
    )


def write(tmp_path: Path, name: str, data: bytes | str) -> Path:
    path = tmp_path / name
    path.write_bytes(data if isinstance(data, bytes) else data.encode())
    return path


def failures_of(path: Path | list[Path]) -> pd.DataFrame:
    with pytest.raises(DataValidationError) as info:
        read_cin_census(path)
    return info.value.failures


def moved_rows(log: pd.DataFrame, element: str) -> int:
    """Log rows that removed a record of ``element`` (dropped or merged into a later year)."""
    pattern = re.compile(rf"/{element}(?:\[\d+\])?$")
    hits = log["row"].astype(str).str.contains(pattern) & log["action"].isin(["dropped", "merged"])
    return int(hits.sum())


# --- real fake returns (../shared/data/fixtures) ------------------------------------------------


def test_liia_sample_every_module(shared_data: Path) -> None:
    census = read_cin_census(shared_data / LIIA_2022)
    child = census.children.iloc[0]
    assert (child["child"], child["la_code"], child["sex"], child["upn"]) == (
        "DfEX0000001",
        "201",
        "M",
        "A123456789123",
    )
    assert child["dob"] == pd.Timestamp("1966-03-24") and child["death_date"] == pd.Timestamp(
        "1980-10-08"
    )
    assert child["disabilities"] == "HAND,HEAR"
    ep = census.cin_episodes.iloc[0]
    assert ep["referral_date"] == pd.Timestamp("1970-10-06") and ep["closure_date"] == pd.Timestamp(
        "1971-02-27"
    )
    assert (
        ep["referral_source"],
        ep["primary_need"],
        ep["reason_for_closure"],
        bool(ep["nfa"]),
    ) == ("1A", "N4", "RC1", False)
    cp = census.cp_plans.iloc[0]
    assert (cp["start"], cp["end"]) == (pd.Timestamp("1970-02-17"), pd.Timestamp("1971-03-14"))
    assert (cp["initial_category"], cp["latest_category"], int(cp["previous_plans"])) == (
        "PHY",
        "PHY",
        10,
    )
    assert census.cp_reviews["review_date"].tolist() == [pd.Timestamp("1971-02-15")]
    assert census.s47.loc[0, "icpc_date"] == pd.Timestamp("1970-06-17")
    assert census.assessments.loc[0, "factors"] == "2A,2B"
    assert census.cin_plans.loc[0, "end"] == pd.Timestamp("1971-01-26")
    assert int(census.collections.loc[0, "collection_year"]) == 2022
    assert census.log.empty


def test_generated_sample_flags_future_dates_and_header(shared_data: Path) -> None:
    path = shared_data / CIN / "fake_CIN_data.xml"
    failures = failures_of(path)
    # Count the same problems independently from the raw XML.
    root = ET.parse(path).getroot()
    ref = root.findtext("Header/CollectionDetails/ReferenceDate")
    assert ref == "2022-07-21"
    referrals = [d.findtext("CINreferralDate") or "" for d in root.iter("CINdetails")]
    closures = [d.findtext("CINclosureDate") for d in root.iter("CINdetails")]
    late_referrals = sum(r > ref for r in referrals)
    late_closures = sum(c is not None and c > ref for c in closures)
    counts = failures.groupby(["column", "rule"]).size().to_dict()
    assert counts == {
        ("ReferenceDate", "reference_date"): 1,
        ("CINreferralDate", "after_reference_date"): late_referrals,
        ("CINclosureDate", "after_reference_date"): late_closures,
    }
    assert (late_referrals, late_closures) == (8, 9)
    one = failures[failures["value"] == "2030-03-31"].iloc[0]
    assert one["row"] == "child RND000730290306 at /Message/Children/Child[169]/CINdetails[2]"


def test_generated_sample_repaired(shared_data: Path) -> None:
    path = shared_data / CIN / "fake_CIN_data.xml"
    with pytest.warns(DataRepairWarning, match="repaired or dropped"):
        census = read_cin_census(path, repair=True)
    assert len(census.children) == 332
    assert census.children["sex"].value_counts().to_dict() == {"U": 176, "M": 82, "F": 74}
    assert len(census.cin_episodes) == 402 - 8
    # nothing lost: every CINdetails element read is kept or has a dropped row in the log
    assert len(census.cin_episodes) + moved_rows(census.log, "CINdetails") == 402
    assert census.cin_episodes["referral_date"].max() <= pd.Timestamp("2022-07-21")
    assert census.cin_episodes["closure_date"].max() <= pd.Timestamp("2022-07-21")
    assert census.cin_episodes["nfa"].all()
    assert census.cp_plans.empty and census.s47.empty


def test_validator_2024_file_precise_failures(shared_data: Path) -> None:
    failures = failures_of(shared_data / CIN / "CIN_Census_2024.xml")
    got = set(failures[["row", "column", "value", "rule"]].itertuples(index=False, name=None))
    first = "child DfEX0000001 at /Message/Children/Child[1]/CINdetails[1]/Assessments[1]"
    second = "child child_fails_assessments at /Message/Children/Child[2]/CINdetails[1]"
    assert got == {
        (first, "AssessmentFactors", "1C,RB,6B", "code"),
        (first, "AssessmentAuthorisationDate", "2020-09-19", "end_before_start"),
        (first, "AssessmentActualStartDate", "2028-04-28", "after_reference_date"),
        (second, "CINreferralDate", "2024-10-24", "after_reference_date"),
        (second, "CINclosureDate", "2024-10-29", "after_reference_date"),
    }
    assert "RB" in failures.loc[failures["rule"] == "code", "message"].iloc[0]


def test_header_rule_100(shared_data: Path) -> None:
    failures = failures_of(shared_data / CIN / "CIN_header_issues_100.xml")
    assert failures[["row", "column", "value", "rule"]].values.tolist() == [
        ["/Message/Header", "ReferenceDate", "2023-03-28", "reference_date"]
    ]
    assert "31 March" in failures.loc[0, "message"]


def test_duplicate_cp_plan_in_one_episode(shared_data: Path) -> None:
    failures = failures_of(shared_data / CIN / "CIN2rows.xml")
    assert failures[["row", "rule"]].values.tolist() == [
        [
            "child DfEX0000001 at /Message/Children/Child[1]/CINdetails[1]/ChildProtectionPlans[2]",
            "duplicate",
        ]
    ]
    with pytest.warns(DataRepairWarning):
        census = read_cin_census(shared_data / CIN / "CIN2rows.xml", repair=True)
    assert len(census.cp_plans) == 1
    assert len(census.cp_reviews) == 1  # the duplicate plan's review went with it, logged
    assert census.log["rule"].tolist().count("parent_dropped") == 1


def test_two_real_years_stitched(shared_data: Path) -> None:
    later = shared_data / CIN / "CIN_Census_2021.xml"  # reference date 2023-03-31
    earlier = shared_data / LIIA_2022  # 2022-03-31; same child, same referral
    census = read_cin_census([later, earlier])
    assert census.collections["collection_year"].tolist() == [2023, 2022]
    assert len(census.children) == 1 and len(census.cin_episodes) == 1
    assert census.children.loc[0, "dob"] == pd.Timestamp("1965-03-27")  # the 2023 return's value
    assert census.children.loc[0, "expected_dob"] == pd.Timestamp("1066-04-13")
    assert int(census.cin_episodes.loc[0, "collection_year"]) == 2023
    merged = census.log[census.log["action"] == "merged"]
    assert set(merged["file"]) == {str(earlier)} and set(merged["after"]) == {str(later)}
    for element in ("CINdetails", "ChildProtectionPlans", "Section47", "Assessments"):
        assert moved_rows(census.log, element) == 1
    reverse = read_cin_census([earlier, later])
    pd.testing.assert_frame_equal(reverse.cin_episodes, census.cin_episodes)


def test_stray_text_and_preproceedings_are_logged_not_lost(shared_data: Path) -> None:
    with pytest.warns(DataRepairWarning):
        census = read_cin_census(shared_data / CIN / "CIN_Census_2026.xml", repair=True)
    rules = census.log.groupby(["rule", "action"]).size().to_dict()
    assert rules[("not_modelled", "ignored")] == 1
    assert rules[("stray_text", "ignored")] == 1
    assert census.children.set_index("child")["sex"].to_dict() == {
        "DfEX0000001": "M",
        "child_fails_assessments": "M",
    }
    assert census.cin_episodes["child"].tolist() == ["DfEX0000001"]


# --- synthetic inputs -----------------------------------------------------------------------


def test_multi_year_latest_collection_wins(tmp_path: Path) -> None:
    y1 = census_xml(
        child_xml(
            "C1", details_xml("2021-01-10", inner=cpp_xml("2021-02-01", reviews=("2021-03-01",)))
        )
        + child_xml("C2", details_xml("2020-06-01", closure="2020-09-01")),
        ref="2021-03-31",
    )
    y2 = census_xml(
        child_xml(
            "C1",
            details_xml(
                "2021-01-10",
                closure="2021-12-01",
                inner=cpp_xml("2021-02-01", "2021-11-30", ("2021-03-01", "2021-06-01")),
            ),
            sex="<Sex>f</Sex>",
        )
        + child_xml("C3", details_xml("2022-01-05")),
        ref="2022-03-31",
    )
    paths = [write(tmp_path, "y2.xml", y2), write(tmp_path, "y1.xml", y1)]
    census = read_cin_census(paths)
    eps = census.cin_episodes.set_index("child")
    assert sorted(eps.index) == ["C1", "C2", "C3"]
    assert eps.loc["C1", "closure_date"] == pd.Timestamp("2021-12-01")
    assert (
        int(eps.loc["C1", "collection_year"]) == 2022
        and int(eps.loc["C2", "collection_year"]) == 2021
    )
    assert census.cp_plans["end"].tolist() == [pd.Timestamp("2021-11-30")]
    assert len(census.cp_reviews) == 2
    # accounting, table by table: read = kept + logged
    assert len(census.cin_episodes) + moved_rows(census.log, "CINdetails") == 4
    assert len(census.cp_plans) + moved_rows(census.log, "ChildProtectionPlans") == 2
    assert len(census.cp_reviews) + moved_rows(census.log, r"CPPreviewDate") == 3
    assert len(census.children) + moved_rows(census.log, "ChildIdentifiers") == 4
    assert census.log["action"].isin(["merged"]).all()


def test_flattened_csv_tables_identified_by_columns(tmp_path: Path) -> None:
    folder = tmp_path / "cin_2023"
    folder.mkdir()
    write(
        folder,
        "a.csv",
        "Collection,Year,ReferenceDate,SourceLevel,LEA\nCIN,2023,31/03/2023,L,301\n",
    )
    write(
        folder,
        "b.csv",
        "LAchildID,UPN,PersonBirthDate,GenderCurrent,Sex\nK9,,01/02/2015,9,\nK8,B22,2016-07-07,,f\n",
    )
    write(folder, "c.csv", "LAchildID,CINdetailsID,CINreferralDate,ReferralSource,PrimaryNeedCode,CINclosureDate,ReasonForClosure,ReferralNFA\n"
          "K9,1,02/05/2022,5d,n3,,,0\nK8,1,03/06/2022,6,N1,30/06/2022,rc8,TRUE\n")  # fmt: skip
    write(folder, "d.csv", "LAchildID,CINdetailsID,CPPID,CPPstartDate,CPPendDate,InitialCategoryOfAbuse,LatestCategoryOfAbuse,NumberOfPreviousCPP\n"
          "K9,1,1,20/06/2022,,mul,MUL,2\n")  # fmt: skip
    write(folder, "e.csv", "LAchildID,CINdetailsID,CPPID,CPPreviewDate\nK9,1,1,01/08/2022\n")
    write(folder, "f.csv", "LAchildID,CINdetailsID,S47ActualStartDate,InitialCPCtarget,DateOfInitialCPC,ICPCnotRequired\n"
          "K9,1,10/05/2022,30/05/2022,29/05/2022,false\n")  # fmt: skip
    census = read_cin_census(folder)
    kids = census.children.set_index("child")
    assert kids["sex"].to_dict() == {"K9": "U", "K8": "F"}
    assert set(kids["la_code"]) == {"301"}
    eps = census.cin_episodes.set_index("child")
    assert eps.loc["K9", "referral_source"] == "5D" and eps.loc["K9", "primary_need"] == "N3"
    assert eps.loc["K8", "reason_for_closure"] == "RC8" and bool(eps.loc["K8", "nfa"])
    assert pd.isna(eps.loc["K9", "closure_date"])
    assert census.cp_plans.loc[0, "initial_category"] == "MUL"
    assert census.cp_plans.loc[0, "referral_date"] == pd.Timestamp("2022-05-02")
    assert census.cp_reviews.loc[0, "cp_start"] == pd.Timestamp("2022-06-20")
    assert census.s47.loc[0, "icpc_date"] == pd.Timestamp("2022-05-29")
    assert int(census.collections.loc[0, "collection_year"]) == 2023


def test_all_problems_in_one_error(tmp_path: Path) -> None:
    inner = cpp_xml("Notadate") + cpp_xml("2021-05-01", "2021-04-01")
    xml = census_xml(
        child_xml("C1", details_xml("2021-01-10", inner=inner, source="FISH"))
        + child_xml("", details_xml("2021-02-01"))
        + child_xml("C3", "<CINdetails><ReferralSource>1A</ReferralSource></CINdetails>")
    )
    with pytest.raises(DataValidationError) as info:
        read_cin_census(write(tmp_path, "bad.xml", xml))
    f = info.value.failures
    got = set(f[["column", "value", "rule"]].itertuples(index=False, name=None))
    assert got == {
        ("ReferralSource", "FISH", "code"),
        ("CPPstartDate", "Notadate", "date"),
        ("CPPendDate", "2021-04-01", "end_before_start"),
        ("LAchildID", "", "required"),
        ("CINreferralDate", "", "required"),
    }
    assert f.loc[f["value"] == "Notadate", "row"].item() == (
        "child C1 at /Message/Children/Child[1]/CINdetails[1]/ChildProtectionPlans[1]"
    )
    text = str(info.value)
    assert (
        "5 problem(s)" in text and "repair=True" in text and "'FISH'" in text and "bad.xml" in text
    )


def test_repair_drops_clears_and_logs(tmp_path: Path) -> None:
    inner = cpp_xml("Notadate", reviews=("2021-03-01",)) + cpp_xml("2021-05-01", "2021-13-45")
    xml = census_xml(child_xml("C1", details_xml("2021-01-10", inner=inner, source="FISH")))
    with pytest.warns(DataRepairWarning, match="3 value"):
        census = read_cin_census(write(tmp_path, "bad.xml", xml), repair=True)
    assert census.cin_episodes["referral_source"].isna().all()
    assert census.cp_plans["start"].tolist() == [pd.Timestamp("2021-05-01")]
    assert census.cp_plans["end"].isna().all()
    assert census.cp_reviews.empty
    log = census.log.set_index("rule")
    assert log.loc["code", "action"] == "cleared" and log.loc["code", "before"] == "FISH"
    assert log.loc["parent_dropped", "row"].endswith(
        "ChildProtectionPlans[1]/Reviews/CPPreviewDate[1]"
    )
    assert set(log["action"]) == {"cleared", "dropped"}


@pytest.mark.parametrize(
    ("data", "rule", "words"),
    [
        (b"", "file_empty", "empty"),
        (
            census_xml(child_xml("C1", details_xml("2021-01-10")))[:150],
            "xml_malformed",
            "truncated",
        ),
        (
            b'<?xml version="1.0"?><!DOCTYPE m [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
            b"<Message>&b;</Message>",
            "xml_forbidden",
            "entities",
        ),
        (b"<EXPSSDA903><CHILD/></EXPSSDA903>", "not_cin_census", "<EXPSSDA903>"),
        (
            b"<Message><Header><CollectionDetails><Collection>CSWW</Collection></CollectionDetails></Header></Message>",
            "not_cin_census",
            "read_workforce",
        ),
    ],
)
def test_unreadable_xml(tmp_path: Path, data: bytes, rule: str, words: str) -> None:
    for repair in (False, True):
        with pytest.raises(DataValidationError) as info:
            read_cin_census(write(tmp_path, "x.xml", data), repair=repair)
        assert info.value.failures["rule"].tolist() == [rule]
        assert words in str(info.value)


def test_bad_csv_inputs(tmp_path: Path) -> None:
    empty = write(tmp_path, "empty.csv", "")
    odd = write(tmp_path, "odd.csv", "foo,bar\n1,2\n")
    orphan_dir = tmp_path / "orphans"
    orphan_dir.mkdir()
    write(orphan_dir, "cin.csv", "LAchildID,CINdetailsID,CINreferralDate\nQ1,1,2021-01-01\n")
    write(
        orphan_dir,
        "cp.csv",
        "LAchildID,CINdetailsID,CPPstartDate\nQ1,7,2021-02-01\n,1,2021-02-01\n",
    )
    assert failures_of(empty)["rule"].tolist() == ["file_empty"]
    assert failures_of(odd)["rule"].tolist() == ["unknown_table"]
    f = failures_of(orphan_dir)
    assert f[["row", "column", "rule"]].values.tolist() == [
        [2, "LAchildID", "required"],
        [1, "CINdetailsID", "orphan"],
    ]
    assert failures_of(tmp_path / "missing.xml")["rule"].tolist() == ["file_unreadable"]


def test_result_is_frozen_and_referrals_alias(tmp_path: Path) -> None:
    census = read_cin_census(
        write(tmp_path, "ok.xml", census_xml(child_xml("C1", details_xml("2021-01-10"))))
    )
    assert census.referrals is census.cin_episodes
    with pytest.raises(AttributeError):
        census.children = census.children  # type: ignore[misc]
    assert isinstance(census, demandmodel.CINCensus)


def test_no_warning_without_repairs(tmp_path: Path) -> None:
    path = write(tmp_path, "ok.xml", census_xml(child_xml("C1", details_xml("2021-01-10"))))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        census = read_cin_census(path, repair=True)
    assert census.log.empty


def test_duplicate_child_and_csv_factor_list(tmp_path: Path) -> None:
    twice = census_xml(
        child_xml("C1", details_xml("2021-01-10")) + child_xml("C1", details_xml("2021-02-10"))
    )
    f = failures_of(write(tmp_path, "twice.xml", twice))
    assert f[["row", "column", "rule"]].values.tolist() == [
        ["child C1 at /Message/Children/Child[2]/ChildIdentifiers", "LAchildID", "duplicate"]
    ]
    folder = tmp_path / "csv"
    folder.mkdir()
    write(folder, "cin.csv", "LAchildID,CINdetailsID,CINreferralDate\nQ1,1,2021-01-01\n")
    write(
        folder,
        "ass.csv",
        "LAchildID,CINdetailsID,AssessmentID,AssessmentActualStartDate\nQ1,1,1,2021-01-05\n",
    )
    write(
        folder,
        "fac.csv",
        "LAchildID,CINdetailsID,AssessmentID,AssessmentFactor\nQ1,1,1,3a\nQ1,1,1,16A\n",
    )
    census = read_cin_census(folder)
    assert census.assessments["factors"].tolist() == ["3A,16A"]


def _cin_plan_xml(start: str, end: str) -> str:
    return (
        f"<CINPlanDates><CINPlanStartDate>{start}</CINPlanStartDate>"
        f"<CINPlanEndDate>{end}</CINPlanEndDate></CINPlanDates>"
    )


def _s47_xml(start: str) -> str:
    return f"<Section47><S47ActualStartDate>{start}</S47ActualStartDate></Section47>"


def _assessment_xml(start: str) -> str:
    return (
        f"<Assessments><AssessmentActualStartDate>{start}</AssessmentActualStartDate></Assessments>"
    )


def test_stitched_years_keep_records_only_the_earlier_year_holds(tmp_path: Path) -> None:
    """A census holds only its year's activity: plans ended earlier are in the earlier year alone."""
    y1_inner = (
        _assessment_xml("2020-05-05")
        + _cin_plan_xml("2020-05-20", "2020-06-01")
        + _s47_xml("2020-05-10")
        + cpp_xml("2020-06-15", "2020-12-01", ("2020-09-01",))  # plan A: ended in year 1
        + cpp_xml("2021-01-15", reviews=("2021-03-01",))  # plan B: open at 31 March 2021
    )
    y2_inner = _s47_xml("2021-07-01") + cpp_xml(
        "2021-01-15", "2021-09-30", ("2021-03-01", "2021-06-01")
    )
    y1 = census_xml(child_xml("C1", details_xml("2020-05-01", inner=y1_inner)), ref="2021-03-31")
    y2 = census_xml(
        child_xml("C1", details_xml("2020-05-01", closure="2021-10-01", inner=y2_inner)),
        ref="2022-03-31",
    )
    paths = [write(tmp_path, "y1.xml", y1), write(tmp_path, "y2.xml", y2)]
    census = read_cin_census(paths)

    def rows(frame: pd.DataFrame, *cols: str) -> list[tuple[str, ...]]:
        out = frame[list(cols)].astype(object).where(frame[list(cols)].notna(), None)
        return sorted(tuple("" if v is None else str(v)[:10] for v in r) for r in out.values)

    assert rows(census.cin_episodes, "closure_date", "collection_year") == [("2021-10-01", "2022")]
    assert rows(census.cp_plans, "start", "end", "collection_year") == [
        ("2020-06-15", "2020-12-01", "2021"),  # plan A: only year 1 holds it
        ("2021-01-15", "2021-09-30", "2022"),  # plan B: the latest version
    ]
    assert rows(census.cp_reviews, "cp_start", "review_date", "collection_year") == [
        ("2020-06-15", "2020-09-01", "2021"),
        ("2021-01-15", "2021-03-01", "2022"),
        ("2021-01-15", "2021-06-01", "2022"),
    ]
    assert rows(census.s47, "start", "collection_year") == [
        ("2020-05-10", "2021"),
        ("2021-07-01", "2022"),
    ]
    assert rows(census.assessments, "start", "collection_year") == [("2020-05-05", "2021")]
    assert rows(census.cin_plans, "start", "end") == [("2020-05-20", "2020-06-01")]
    assert set(census.cp_plans["referral_date"]) == {pd.Timestamp("2020-05-01")}
    # nothing lost, table by table: read = kept + logged
    assert len(census.cp_plans) + moved_rows(census.log, "ChildProtectionPlans") == 3
    assert len(census.cp_reviews) + moved_rows(census.log, "CPPreviewDate") == 4
    assert len(census.s47) + moved_rows(census.log, "Section47") == 2
    assert len(census.cin_episodes) + moved_rows(census.log, "CINdetails") == 2
    merged = census.log[census.log["action"] == "merged"]
    assert set(merged["file"]) == {str(paths[0])} and set(merged["after"]) == {str(paths[1])}
    # the order of the inputs does not matter
    reverse = read_cin_census(paths[::-1])
    for name in ("cin_episodes", "cp_plans", "cp_reviews", "s47", "assessments", "cin_plans"):
        a, b = getattr(census, name), getattr(reverse, name)
        pd.testing.assert_frame_equal(
            a.sort_values(list(a.columns)).reset_index(drop=True),
            b.sort_values(list(b.columns)).reset_index(drop=True),
        )


def test_open_plan_missing_from_a_later_year_is_kept_and_flagged(tmp_path: Path) -> None:
    """A plan open at 31 March must be in the next return; if it is not, it is kept and logged."""
    y1_inner = cpp_xml("2021-01-15") + _cin_plan_xml("2020-11-01", "2020-12-01")
    y1 = census_xml(
        child_xml("C1", details_xml("2020-10-01", inner=y1_inner))
        + child_xml("C2", details_xml("2020-10-02", inner=cpp_xml("2021-02-01"))),
        ref="2021-03-31",
    )
    y2 = census_xml(
        child_xml("C1", details_xml("2020-10-01", closure="2021-06-01"))  # the plan is not there
        + child_xml("C2", details_xml("2020-10-02", inner=cpp_xml("2021-02-01", "2021-05-01"))),
        ref="2022-03-31",
    )
    paths = [write(tmp_path, "y1.xml", y1), write(tmp_path, "y2.xml", y2)]
    census = read_cin_census(paths)
    plans = census.cp_plans.set_index("child")
    assert pd.isna(plans.loc["C1", "end"]) and int(plans.loc["C1", "collection_year"]) == 2021
    assert plans.loc["C2", "end"] == pd.Timestamp("2021-05-01")
    flagged = census.log[census.log["rule"] == "not_restated"]
    assert flagged[["child", "action", "before", "after"]].values.tolist() == [
        ["C1", "kept", "2021-01-15", str(paths[1])]
    ]
    assert flagged["row"].item().endswith("Child[1]/CINdetails[1]/ChildProtectionPlans[1]")
    assert len(census.cin_plans) == 1  # ended in year 1: nothing to re-state, nothing flagged
    assert len(census.cp_plans) + moved_rows(census.log, "ChildProtectionPlans") == 3
