"""The DfE LA Interactive Tool (LAIT) long table (parquet), for what it alone provides.

LAIT holds 400+ indicators, long: ``Short Desc, Data item, Years, LA and Regions, Values,
LA Number, Region``. Only the indicators in :data:`INDICATORS` are read (filtered inside pyarrow
before anything reaches pandas, so the large file reads fast). They were checked against the EES
tables where both exist (same values, same year labels), so the mapping is honest; LAIT adds
LA-level workforce for 2016 (before the CSWW table starts), UASC at 31 March 2016-2022, rates, the
revised CLA figures of 2016-2018 and the LA placement mix at 31 March 2020-2022 (whole percentages).

``LA Number`` is the DfE 3-digit code; LAIT's own England (970) and region (980-990) codes are the
Panel's (see :mod:`demandmodel.data.geography`). ``Years`` comes as ``2021``, ``2018 (Rev)``,
``2020 (Final)``, ``2020-21``, ``2020/21``, ``2021-22 (OT)``, ``2018-20``, ``2013/14-15/16``: the
period is the year the span ends (financial years end 31 March). Only single years occur for the
indicators read. LAIT is a compilation, so its rows lose ties to the EES and SFR tables (priority 0)
and its vintage is the latest period it holds.

Examples
--------
>>> from demandmodel.data.dfe_lait import period_of
>>> [period_of(y) for y in ["2021", "2018 (Rev)", "2020-21", "2020/21", "2021-22 (OT)", "2018-20"]]
[2021, 2018, 2021, 2021, 2022, 2020]
>>> period_of("2013/14-15/16"), period_of("soon")
(2016, None)
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from demandmodel.columns import LA_CODE, LA_NAME, NEW_LA_CODE
from demandmodel.data._validate import Failures
from demandmodel.data.dfe import emit
from demandmodel.data.geography import ENGLAND, ENGLAND_ONS, REGION_NAMES, REGION_ONS, region_code

__all__ = ["INDICATORS", "is_dictionary", "period_of", "read_lait"]

INDICATORS: dict[str, str] = {
    "LACnum": "cla_31mar",
    "LACnum_Start": "cla_starts",
    "LACceased": "cla_ceases",
    "LAC": "cla_rate",
    "LAC_Start_Rate": "cla_starts_rate",
    "LAC_Cease_Rate": "cla_ceases_rate",
    "Unacc_Asylmn_Seek_Childn": "uasc_31mar",
    "CIN": "cin_rate",
    "CPP_Num": "cp_31mar",
    "CPP_rate": "cp_rate",
    "CPP_Total_NumRef": "referrals",
    "ReReferral": "rereferral_pct",
    "Section_47": "s47_rate",
    "Work_Force_NoSW": "sw_fte",
    "Work_Force_Agecy_Rate": "sw_agency_rate",
    "Work_Force_Vac_Rate": "sw_vacancy_rate",
    "Work_Force_TO_Rate": "sw_turnover_rate",
    "Work_Force_AvgNumCase_SW": "sw_caseload",
    "Work_Force_Num_CaseHeld": "sw_cases",
    "LAC_Foster_Placements": "cla_31mar_pct_foster",
    "LAC_Parents_OR_Others": "cla_31mar_pct_parents",
    "LAC_SecHome_And_ChildHome": "cla_31mar_pct_childrens_homes",
    "LAC_Ind_SInd_Liv_Arr": "cla_31mar_pct_independent",
    "LAC_Other_Res_Settings": "cla_31mar_pct_other_residential",
    "LAC_Other_Place_Inc_Unreg": "cla_31mar_pct_other",
}
"""LAIT ``Short Desc`` -> Panel measure."""

_COLUMNS = ["Short Desc", "Years", "LA and Regions", "Values", "LA Number", "Region"]


def period_of(years: str) -> int | None:
    """The year a LAIT ``Years`` label ends (year ending 31 March for financial years)."""
    text = re.sub(r"\s*\([^)]*\)\s*$", "", str(years).strip())
    m = re.fullmatch(r"(\d{4})(?:[-/](\d{2}))?(?:-(\d{2,4})(?:/(\d{2}))?)?", text)
    if m is None:
        return None
    start = int(m.group(1))
    last = m.group(4) or m.group(3) or m.group(2)
    if last is None:
        return start
    if len(last) == 4:
        return int(last)
    end = start // 100 * 100 + int(last)
    return end + 100 if end < start else end


def is_dictionary(frame: pd.DataFrame) -> bool:
    """Whether a CSV is the LAIT data dictionary (documentation)."""
    return {"Measure_code", "Measure_short", "Description"} <= {str(c) for c in frame.columns}


def read_lait(
    file: Path, source: str, failures: Failures, regions: dict[str, str]
) -> tuple[pd.DataFrame | None, str]:
    """Panel rows (plus ``priority``) of the LAIT parquet, or ``(None, reason)``."""
    import pyarrow.parquet as pq

    try:
        names = set(pq.read_schema(file).names)
    except Exception as err:  # pyarrow raises several types for a bad file
        failures.add(file=source, rule="parquet", message=f"not a readable parquet file: {err}")
        return None, "unreadable parquet"
    if not set(_COLUMNS) <= names:
        return None, "parquet without the LAIT columns (Short Desc, Years, Values, LA Number ...)"
    table = pq.read_table(file, columns=_COLUMNS, filters=[("Short Desc", "in", list(INDICATORS))])
    t = table.to_pandas()
    if t.empty:
        return None, "LAIT table with none of the indicators the reader maps"
    t = t.reset_index(drop=True)
    years = t["Years"].astype(str)
    uniq = {y: period_of(y) for y in years.unique()}
    period = years.map(uniq)
    bad_years = period.isna().to_numpy()
    failures.add_rows(
        file=source,
        positions=np.flatnonzero(bad_years)[:20],
        column="Years",
        values=years,
        rule="period",
        message="unrecognised Years label (expected e.g. 2021, 2020-21, 2020/21)",
    )
    number = pd.to_numeric(t["LA Number"], errors="coerce")
    bad_code = number.isna().to_numpy()
    for i in np.flatnonzero(bad_code)[:20]:
        failures.add(
            file=source,
            row=int(i) + 1,
            column="LA Number",
            value=str(t["LA Number"].iloc[i]),
            rule="la_code",
            message="LA Number must be the DfE 3-digit code",
        )
    good = ~(bad_years | bad_code)
    t = t.loc[good].reset_index(drop=True)
    per = period[good].astype("int64").to_numpy()
    code = number[good].astype("int64").astype(str).str.zfill(3).to_numpy(dtype=object)
    name = t["LA and Regions"].astype(str).str.replace(r"\s*\(Pre LG\)$", "", regex=True)
    la_name = name.to_numpy(dtype=object)
    new_code = np.full(len(t), "", dtype=object)
    is_eng = code == "970"
    code[is_eng] = ENGLAND
    new_code[is_eng] = ENGLAND_ONS
    la_name[is_eng] = "England"
    for reg_code, reg_name in REGION_NAMES.items():
        hit = code == reg_code
        new_code[hit] = REGION_ONS[reg_code]
        la_name[hit] = reg_name
    la_rows = ~is_eng & ~np.isin(code, list(REGION_NAMES))
    reg = t["Region"].astype(str).to_numpy(dtype=object)
    for c, r in set(zip(code[la_rows], reg[la_rows], strict=True)):
        rc = region_code(str(r))
        if rc is not None:
            regions.setdefault(str(c), rc)
    ids = pd.DataFrame({LA_CODE: code, NEW_LA_CODE: new_code, LA_NAME: la_name})
    vintage = int(per.max())
    rows = np.flatnonzero(good) + 1
    parts = []
    short = t["Short Desc"].astype(str).to_numpy()
    for desc, measure in INDICATORS.items():
        sel = short == desc
        if not sel.any():
            continue
        parts.append(
            emit(
                ids=ids.loc[sel].reset_index(drop=True),
                period=per[sel],
                measure=measure,
                cells=t["Values"].loc[sel].reset_index(drop=True),
                source=source,
                vintage=vintage,
                priority=0,
                column=f"Values ({desc})",
                rows=rows[sel],
                failures=failures,
            )
        )
    return pd.concat(parts, ignore_index=True), ""
