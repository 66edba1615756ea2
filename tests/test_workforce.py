"""read_workforce: CSWW census XML, the LA's own table, and the DfE indicators via read_dfe."""

from __future__ import annotations

import csv
import xml.etree.ElementTree as ET
from pathlib import Path

import pandas as pd
import pytest

from demandmodel import DataValidationError, Workforce, read_workforce

SAMPLES = "fixtures/SocialFinanceDigitalLabs__liia-tools/liiatools"
SAMPLE_30 = f"{SAMPLES}/spec/social_work_workforce/samples/social_work_workforce_2022.xml"
SAMPLE_1 = f"{SAMPLES}/csww_pipeline/spec/samples/social_work_workforce_2022.xml"
INDICATORS = "dfe/workforce/csww_indicators_2017_to_2022.csv"


def csww(workers: str, *, ref: str = "2022-09-30", la_level: str | None = None) -> bytes:
    block = la_level if la_level is not None else (
        "<LALevelVacancies><NumberOfVacancies>4.00</NumberOfVacancies><NoAgencyFTE>2.50</NoAgencyFTE>"
        "<NoAgencyHeadcount>3</NoAgencyHeadcount></LALevelVacancies>"
    )  # fmt: skip
    return (
        "<Message><Header><CollectionDetails><Collection>CSWW</Collection>"
        f"<ReferenceDate>{ref}</ReferenceDate></CollectionDetails><Source><LEA>301</LEA></Source></Header>"
        f"{block}{workers}</Message>"
    ).encode()


def worker(swe: str, **fields: str) -> str:
    values = {"AgencyWorker": "0", "SWENo": swe, "FTE": "1", "OrgRole": "5", **fields}
    return "<CSWWWorker>" + "".join(f"<{k}>{v}</{k}>" for k, v in values.items()) + "</CSWWWorker>"


def write(tmp_path: Path, name: str, data: bytes | str) -> Path:
    path = tmp_path / name
    path.write_bytes(data if isinstance(data, bytes) else data.encode())
    return path


def failures_of(path: Path) -> pd.DataFrame:
    with pytest.raises(DataValidationError) as info:
        read_workforce(path)
    return info.value.failures


# --- real fake returns ---------------------------------------------------------------------------


def test_thirty_worker_sample(shared_data: Path) -> None:
    path = shared_data / SAMPLE_30
    wf = read_workforce(path)
    s = wf.summary.iloc[0]
    assert len(wf.workers) == 30 and wf.workers["worker"].is_unique
    assert (s["la_code"], s["date"]) == ("301", pd.Timestamp("2022-09-30"))
    # LA-level block, as in the file
    assert (float(s["vacancies"]), float(s["agency_fte"]), float(s["agency_headcount"])) == (
        79.68,
        59.82,
        71.0,
    )
    # 19 workers hold cases (979 in all); 4 of them have no FTE30 and are left out of the caseload
    assert (
        float(s["case_holders"]),
        float(s["cases_held"]),
        float(s["case_holders_without_fte30"]),
    ) == (19.0, 979.0, 4.0)
    # 8 LA-employed workers in post on 30 September 2022 (started by then, not yet left)
    assert float(s["headcount"]) == 8.0
    assert float(s["fte"]) == pytest.approx(0.843488 + 0.859218 + 0.978729 + 0.034436)
    # the caseload recomputed independently from the raw XML
    cases = fte30 = 0.0
    for w in ET.parse(path).getroot().iter("CSWWWorker"):
        c, f = w.findtext("Cases30"), w.findtext("FTE30")
        if c and int(c) > 0 and f and float(f) > 0:
            cases, fte30 = cases + int(c), fte30 + float(f)
    assert float(s["case_holding_fte"]) == pytest.approx(fte30)
    assert float(s["caseload"]) == pytest.approx(cases / fte30)
    first = wf.workers.iloc[0]
    assert (first["worker"], bool(first["agency"]), first["sex"], int(first["cases30"])) == (
        "Oz2054309383",
        True,
        "M",
        72,
    )


def test_one_worker_sample(shared_data: Path) -> None:
    wf = read_workforce(shared_data / SAMPLE_1)
    w = wf.workers.iloc[0]
    assert (int(w["org_role"]), w["role_end"], bool(w["in_post"])) == (
        3,
        pd.Timestamp("1990-04-07"),
        False,
    )
    s = wf.summary.iloc[0]
    assert float(s["caseload"]) == pytest.approx(72 / 0.123456)
    assert float(s["headcount"]) == 0.0


def test_dfe_indicators_delegated_to_read_dfe(shared_data: Path) -> None:
    path = shared_data / INDICATORS
    wf = read_workforce(path)
    assert wf.workers.empty
    with path.open(encoding="utf-8-sig") as fh:
        raw = next(
            r
            for r in csv.DictReader(fh)
            if r["old_la_code"] == "301" and r["time_period"] == "2022"
        )
    row = wf.summary[
        (wf.summary["la_code"] == "301") & (wf.summary["date"] == pd.Timestamp("2022-09-30"))
    ]
    assert len(row) == 1
    got = row.iloc[0]
    assert float(got["caseload"]) == float(raw["caseload_fte"])
    assert float(got["cases_held"]) == float(raw["cases"])
    assert float(got["case_holding_fte"]) == float(raw["case_holders_fte"])
    assert float(got["agency_fte"]) == float(raw["agency_fte"])


# --- the LA's own table -------------------------------------------------------------------------


def test_la_table(tmp_path: Path) -> None:
    path = write(tmp_path, "workforce.csv",
                 "la_code,date,case_holding_fte,agency_fte,cases_held,vacancies\n"
                 "301,2021-09-30,100,20,1800,12.5\n301,30/09/2022,120,30,1920,10\n")  # fmt: skip
    wf = read_workforce(path)
    assert isinstance(wf, Workforce)
    assert wf.summary["date"].tolist() == [pd.Timestamp("2021-09-30"), pd.Timestamp("2022-09-30")]
    assert wf.summary["caseload"].tolist() == [18.0, 16.0]
    assert wf.summary["headcount"].isna().all()


def test_la_table_problems_all_reported(tmp_path: Path) -> None:
    path = write(tmp_path, "workforce.csv",
                 "la_code,date,case_holding_fte,agency_fte,cases_held,vacancies\n"
                 "301,2022-03-31,100,20,1800,1\n30,2022-09-30,FISH,20,1800,1\n"
                 "301,Notadate,1,1,1,1\n301,2021-09-30,1,1,1,1\n301,2021-09-30,1,1,1,1\n")  # fmt: skip
    f = failures_of(path)
    assert f[["row", "column", "rule"]].values.tolist() == [
        [1, "date", "not_30_september"],
        [2, "la_code", "code"],
        [2, "case_holding_fte", "number"],
        [3, "date", "date"],
        [5, "date", "duplicate"],
    ]


# --- malformed inputs ------------------------------------------------------------------------------


def test_bad_values_in_xml_all_reported(tmp_path: Path) -> None:
    xml = csww(
        worker("SW1", AgencyWorker="FISH", RoleStartDate="Notadate")
        + worker("SW2", FTE="1.5", OrgRole="7", Cases30="-3")
        + worker("SW3", RoleStartDate="2020-05-01", RoleEndDate="2020-04-01")
        + worker("SW3")
    )
    f = failures_of(write(tmp_path, "csww.xml", xml))
    assert set(f[["column", "value", "rule"]].itertuples(index=False, name=None)) == {
        ("AgencyWorker", "FISH", "code"),
        ("RoleStartDate", "Notadate", "date"),
        ("FTE", "1.5", "range"),
        ("OrgRole", "7", "code"),
        ("Cases30", "-3", "integer"),
        ("RoleEndDate", "2020-04-01", "end_before_start"),
        ("SWENo", "SW3", "duplicate"),
    }
    assert f.loc[f["value"] == "Notadate", "row"].item() == "/Message/CSWWWorker[1] (SWENo SW1)"


@pytest.mark.parametrize(
    ("name", "data", "rule", "words"),
    [
        ("e.xml", b"", "file_empty", "empty"),
        ("e.csv", b"  \n", "file_empty", "empty"),
        ("t.xml", csww(worker("SW1"))[:120], "xml_malformed", "truncated"),
        (
            "h.xml",
            b'<!DOCTYPE m [<!ENTITY a "x"><!ENTITY b "&a;&a;">]><Message>&b;</Message>',
            "xml_forbidden",
            "entities",
        ),
        (
            "c.xml",
            b"<Message><Header><CollectionDetails><Collection>CIN</Collection></CollectionDetails></Header></Message>",
            "not_workforce_census",
            "read_cin_census",
        ),
        ("o.csv", b"a,b\n1,2\n", "unknown_layout", "case_holding_fte"),
        (
            "n.xml",
            b"<Message><Children><Child/></Children></Message>",
            "not_workforce_census",
            "CSWWWorker",
        ),
    ],
)
def test_unreadable_inputs(tmp_path: Path, name: str, data: bytes, rule: str, words: str) -> None:
    with pytest.raises(DataValidationError) as info:
        read_workforce(write(tmp_path, name, data))
    assert info.value.failures["rule"].tolist() == [rule]
    assert words in str(info.value)


def test_la_level_block_renamed_in_2025(tmp_path: Path) -> None:
    block = "<LALevel><NumberOfVacancies>9.00</NumberOfVacancies><NoAgencyFTE>1.00</NoAgencyFTE><NoAgencyHeadcount>1</NoAgencyHeadcount></LALevel>"
    wf = read_workforce(write(tmp_path, "csww.xml", csww(worker("SW1", Sex="F"), la_level=block)))
    assert float(wf.summary.loc[0, "vacancies"]) == 9.0
    assert wf.workers.loc[0, "sex"] == "F"
