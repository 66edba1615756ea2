"""The Panel's measure vocabulary and its cell conventions (suppression codes, statuses).

Every measure a reader can emit is documented here, once: its definition, unit, whether it can be
summed across local authorities (``additive``: used by :func:`demandmodel.rebase_boundaries`), where
it comes from and which years the shared DfE files hold. :func:`measures` returns that table.

Period conventions (``period`` is an int):

* counts at 31 March and flows in a year: the year ending 31 March (``2022`` = 2021-22);
* workforce (``sw_*``): the census date, 30 September of that year (``2022`` = 30 Sept 2022), as DfE
  labels it;
* population (``pop_0_17``): the ONS mid-year estimate *as published*, ``2022`` = mid-2022. DfE divides
  year *t*'s count by the mid-(*t*-1) estimate, so rates apply a one-year lag
  (see :func:`demandmodel.rate_per_10k`).

Examples
--------
>>> import demandmodel
>>> table = demandmodel.measures()
>>> table.set_index("measure").loc["cla_31mar", "unit"]
'children'
>>> bool(table.set_index("measure").loc["cla_rate", "additive"])
False
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from demandmodel.columns import (
    LA_CODE,
    MEASURE,
    PERIOD,
    STATUS,
    STATUS_MISSING,
    STATUS_OK,
    STATUS_SUPPRESSED,
)

__all__ = ["MISSING_CODES", "SUPPRESSED_CODES", "MeasureInfo", "measures", "parse_cells"]

SUPPRESSED_CODES: frozenset[str] = frozenset({"c", "low", "u", "-", "k"})
"""Cell codes for a value withheld (confidential, small or unreliable): status ``suppressed``."""

MISSING_CODES: frozenset[str] = frozenset({"x", "z", ":", "..", "", "na", "n/a", "nan", "."})
"""Cell codes for a value not collected or not applicable (and blanks): status ``missing``."""


@dataclass(frozen=True, slots=True, kw_only=True)
class MeasureInfo:
    """One measure of the Panel vocabulary."""

    measure: str
    definition: str
    unit: str
    additive: bool
    source: str
    years: str


_A = "children"
_EES_CLA = "EES cla_number_and_rate_per_10k_children (LA); cla_time_series (England)"
_SFR = "SFR underlying data 2010-2017 (cla_sfr_2010_2017)"
_LAIT = "LAIT (lait_long_to_2022.parquet)"
_BY_AGE = "EES national_cla_on_31_march_by_characteristics (England) or la_cla_on_31_march_by_characteristics (LA, when given); SFR CLA tables (LA)"

_AGE_BANDS = {
    "under1": "under 1",
    "1_4": "1 to 4",
    "5_9": "5 to 9",
    "10_15": "10 to 15",
    "16_over": "16 and over",
}
_PCT_PLACEMENTS = {
    "foster": "placed in foster care",
    "parents": "placed with parents or other person with parental responsibility",
    "childrens_homes": "in secure units or children's homes",
    "independent": "in independent or semi-independent living arrangements",
    "other_residential": "in other residential settings",
    "other": "in other placements (including unregulated settings)",
}
_PLACEMENTS = {
    "foster": "foster placements",
    "adoption": "placed for adoption",
    "parents": "placed with parents or other person with parental responsibility",
    "community": "other placements in the community (living independently, residential employment)",
    "residential": "secure units, children's homes and semi-independent living",
    "other_residential": "other residential settings (care homes, NHS, family centres, YOI/prison)",
    "residential_school": "residential schools",
    "other": "other placements",
    "missing": "missing from placement (SFR years to 2016 only)",
}


def _vocabulary() -> tuple[MeasureInfo, ...]:
    rows = [
        MeasureInfo(
            measure="cla_31mar",
            definition="Children looked after at 31 March",
            unit=_A,
            additive=True,
            source=f"{_EES_CLA}; {_SFR}; {_LAIT} (LACnum)",
            years="1994-2022 England, 2010-2022 LA",
        ),
        MeasureInfo(
            measure="cla_starts",
            definition="Children who started to be looked after in the year ending 31 March",
            unit=_A,
            additive=True,
            source=f"{_EES_CLA}; {_SFR}; {_LAIT} (LACnum_Start)",
            years="1994-2022 England, 2010-2022 LA",
        ),
        MeasureInfo(
            measure="cla_ceases",
            definition="Children who ceased to be looked after in the year ending 31 March",
            unit=_A,
            additive=True,
            source=f"{_EES_CLA}; {_SFR}; {_LAIT} (LACceased)",
            years="1994-2022 England, 2010-2022 LA",
        ),
        MeasureInfo(
            measure="cla_rate",
            definition="Children looked after at 31 March per 10,000 children aged 0-17 (DfE: mid-(t-1) population)",
            unit="per 10,000",
            additive=False,
            source=f"{_EES_CLA}; {_LAIT} (LAC)",
            years="2016-2022",
        ),
        MeasureInfo(
            measure="cla_starts_rate",
            definition="Children starting to be looked after per 10,000 children aged 0-17",
            unit="per 10,000",
            additive=False,
            source=f"{_EES_CLA}; {_LAIT} (LAC_Start_Rate)",
            years="2018-2022",
        ),
        MeasureInfo(
            measure="cla_ceases_rate",
            definition="Children ceasing to be looked after per 10,000 children aged 0-17",
            unit="per 10,000",
            additive=False,
            source=f"{_EES_CLA}; {_LAIT} (LAC_Cease_Rate)",
            years="2018-2022",
        ),
        MeasureInfo(
            measure="uasc_31mar",
            definition="Unaccompanied asylum-seeking children looked after at 31 March",
            unit=_A,
            additive=True,
            source=f"cla_time_series (England); {_SFR} CLA_UASC; {_LAIT} (Unacc_Asylmn_Seek_Childn)",
            years="2004-2022 England, 2011-2022 LA",
        ),
        MeasureInfo(
            measure="cla_adopted",
            definition="Children looked after who were adopted during the year",
            unit=_A,
            additive=True,
            source="cla_time_series (England)",
            years="1994-2022 England",
        ),
        MeasureInfo(
            measure="cin_31mar",
            definition="Children in need at 31 March (episodes open; includes CP and CLA)",
            unit=_A,
            additive=True,
            source="EES b1_children_in_need (At31_episodes)",
            years="2013-2022",
        ),
        MeasureInfo(
            measure="cin_starts",
            definition="Children in need episodes starting in the year",
            unit="episodes",
            additive=True,
            source="EES b1_children_in_need (Started_episodes)",
            years="2013-2022",
        ),
        MeasureInfo(
            measure="cin_ends",
            definition="Children in need episodes ending in the year",
            unit="episodes",
            additive=True,
            source="EES b1_children_in_need (Ended_episodes)",
            years="2013-2022",
        ),
        MeasureInfo(
            measure="cin_rate",
            definition="Children in need at 31 March per 10,000 children aged 0-17",
            unit="per 10,000",
            additive=False,
            source=f"{_LAIT} (CIN)",
            years="2016-2022",
        ),
        MeasureInfo(
            measure="referrals",
            definition="Referrals to children's social care in the year",
            unit="referrals",
            additive=True,
            source=f"EES c1 referrals (referral_count); {_LAIT} (CPP_Total_NumRef)",
            years="2013-2022",
        ),
        MeasureInfo(
            measure="rereferrals",
            definition="Referrals within 12 months of a previous referral",
            unit="referrals",
            additive=True,
            source="EES c1 referrals (rereferral_count)",
            years="2013-2022",
        ),
        MeasureInfo(
            measure="rereferral_pct",
            definition="Re-referrals as a percentage of referrals",
            unit="percent",
            additive=False,
            source=f"EES c1 referrals (rereferral_percent); {_LAIT} (ReReferral)",
            years="2013-2022",
        ),
        MeasureInfo(
            measure="s47",
            definition="Section 47 enquiries started in the year",
            unit="enquiries",
            additive=True,
            source="EES c4 (Section47)",
            years="2013-2022",
        ),
        MeasureInfo(
            measure="s47_rate",
            definition="Section 47 enquiries per 10,000 children aged 0-17",
            unit="per 10,000",
            additive=False,
            source=f"{_LAIT} (Section_47)",
            years="2016-2022",
        ),
        MeasureInfo(
            measure="icpc",
            definition="Initial child protection conferences in the year",
            unit="conferences",
            additive=True,
            source="EES c4 (ICPC)",
            years="2013-2022",
        ),
        MeasureInfo(
            measure="cp_31mar",
            definition="Children subject of a child protection plan at 31 March",
            unit=_A,
            additive=True,
            source=f"EES d5 (CPP_At31); {_LAIT} (CPP_Num)",
            years="2013-2022",
        ),
        MeasureInfo(
            measure="cp_starts",
            definition="Child protection plans started in the year",
            unit="plans",
            additive=True,
            source="EES d3 (CPP_start)",
            years="2013-2022",
        ),
        MeasureInfo(
            measure="cp_rate",
            definition="Children on a child protection plan at 31 March per 10,000 children aged 0-17",
            unit="per 10,000",
            additive=False,
            source=f"{_LAIT} (CPP_rate)",
            years="2016-2022",
        ),
        MeasureInfo(
            measure="pop_0_17",
            definition="ONS mid-year estimate of children aged 0-17; period = the mid-year (2022 = mid-2022); rates for year t use period t-1",
            unit=_A,
            additive=True,
            source="EES ons_mid-year_population_estimates; SFR 2010 (Mid2009Pop0-17, rounded to 100)",
            years="2009, 2012-2022",
        ),
        MeasureInfo(
            measure="sw_fte",
            definition="Children and family social workers in post (FTE) at 30 September",
            unit="FTE",
            additive=True,
            source=f"EES csww_indicators (inpost_fte); {_LAIT} (Work_Force_NoSW)",
            years="2016-2022",
        ),
        MeasureInfo(
            measure="sw_agency_fte",
            definition="Agency social workers (FTE) at 30 September",
            unit="FTE",
            additive=True,
            source="EES csww_indicators (agency_fte)",
            years="2017-2022",
        ),
        MeasureInfo(
            measure="sw_agency_rate",
            definition="Agency social workers as a percentage of all social workers (FTE)",
            unit="percent",
            additive=False,
            source=f"EES csww_indicators (agency_rate_fte); {_LAIT} (Work_Force_Agecy_Rate)",
            years="2016-2022",
        ),
        MeasureInfo(
            measure="sw_vacancy_rate",
            definition="Social worker vacancies as a percentage of posts (FTE)",
            unit="percent",
            additive=False,
            source=f"EES csww_indicators (vacancy_rate_fte); {_LAIT} (Work_Force_Vac_Rate)",
            years="2016-2022",
        ),
        MeasureInfo(
            measure="sw_turnover_rate",
            definition="Social worker leavers in the year as a percentage of those in post (FTE)",
            unit="percent",
            additive=False,
            source=f"EES csww_indicators (turnover_rate_fte); {_LAIT} (Work_Force_TO_Rate)",
            years="2016-2022",
        ),
        MeasureInfo(
            measure="sw_caseload",
            definition="Average caseload per case-holding social worker (FTE) at 30 September",
            unit="cases per FTE",
            additive=False,
            source=f"EES csww_indicators (caseload_fte); {_LAIT} (Work_Force_AvgNumCase_SW)",
            years="2016-2022",
        ),
        MeasureInfo(
            measure="sw_cases",
            definition="Cases held by social workers at 30 September",
            unit="cases",
            additive=True,
            source=f"EES csww_indicators (cases); {_LAIT} (Work_Force_Num_CaseHeld)",
            years="2016-2022",
        ),
        MeasureInfo(
            measure="sw_caseholder_fte",
            definition="Case-holding social workers (FTE) at 30 September",
            unit="FTE",
            additive=True,
            source="EES csww_indicators (case_holders_fte)",
            years="2017-2022",
        ),
    ]
    for key, label in _PCT_PLACEMENTS.items():
        rows.append(
            MeasureInfo(
                measure=f"cla_31mar_pct_{key}",
                definition=f"Percentage of children looked after at 31 March {label} (whole percent, as LAIT rounds)",
                unit="percent",
                additive=False,
                source=f"{_LAIT} (from EES la_cla_on_31_march_by_characteristics)",
                years="2020-2022",
            )
        )
    for key, label in _AGE_BANDS.items():
        rows.append(
            MeasureInfo(
                measure=f"cla_31mar_age_{key}",
                definition=f"Children looked after at 31 March aged {label}",
                unit=_A,
                additive=True,
                source=_BY_AGE,
                years="2011-2017 LA (SFR), 2011-2022 England",
            )
        )
        rows.append(
            MeasureInfo(
                measure=f"cla_starts_age_{key}",
                definition=f"Children starting to be looked after aged {label}",
                unit=_A,
                additive=True,
                source="EES la_cla_who_started_to_be_looked_after; national_cla_started; SFR ADM tables",
                years="2011-2022",
            )
        )
        rows.append(
            MeasureInfo(
                measure=f"cla_ceases_age_{key}",
                definition=f"Children ceasing to be looked after aged {label} on ceasing",
                unit=_A,
                additive=True,
                source="EES la_children_who_ceased_during_the_year; national ceased table; SFR CEA tables",
                years="2011-2017 LA (SFR), 2020-2022 LA, 2011-2022 England",
            )
        )
    for key, label in _PLACEMENTS.items():
        rows.append(
            MeasureInfo(
                measure=f"cla_31mar_placement_{key}",
                definition=f"Children looked after at 31 March: {label}",
                unit=_A,
                additive=True,
                source="EES national_cla_on_31_march_by_characteristics (England) or la_cla_on_31_march_by_characteristics (LA, when given); SFR CLA tables (LA; 2010 from placement codes)",
                years="2010-2016 LA and England (SFR)"
                if key == "missing"
                else "2010-2017 LA (SFR), 2010-2022 England",
            )
        )
    return tuple(rows)


VOCABULARY: tuple[MeasureInfo, ...] = _vocabulary()
_ADDITIVE: frozenset[str] = frozenset(m.measure for m in VOCABULARY if m.additive)
KNOWN: frozenset[str] = frozenset(m.measure for m in VOCABULARY)


def is_additive(measure: str) -> bool:
    """Whether a measure can be summed across local authorities (counts yes, rates no).

    >>> from demandmodel.data.measures import is_additive
    >>> is_additive("cla_31mar"), is_additive("sw_caseload")
    (True, False)
    """
    return measure in _ADDITIVE


def measures(panel: pd.DataFrame | None = None) -> pd.DataFrame:
    """The Panel's measure vocabulary: one row per measure the DfE reader can emit.

    Parameters
    ----------
    panel
        Optional Panel: if given, ``years`` says which periods it holds with a usable value,
        for LAs and for England (e.g. ``"LA 2010-2022; England 1994-2022"``).

    Returns
    -------
    pandas.DataFrame
        Columns ``measure, definition, unit, additive, source, years``. ``additive`` says whether
        the measure is a count that can be summed across LAs (used when re-basing boundaries);
        ``years`` is what the shared DfE files hold (a later release extends it) or, with
        ``panel``, what that Panel holds.

    Examples
    --------
    >>> import pandas as pd, demandmodel
    >>> t = demandmodel.measures()
    >>> {"cla_31mar", "pop_0_17", "sw_caseload"} <= set(t["measure"])
    True
    >>> "mid-2022" in t.set_index("measure").loc["pop_0_17", "definition"]
    True
    >>> panel = pd.DataFrame({"la_code": ["301", "301", "970"], "measure": "cp_31mar",
    ...     "period": [2013, 2022, 2022], "value": 1.0, "status": "ok"})
    >>> demandmodel.measures(panel).set_index("measure").loc["cp_31mar", "years"]
    'LA 2013-2022; England 2022-2022'
    """
    table = pd.DataFrame(
        {
            "measure": [m.measure for m in VOCABULARY],
            "definition": [m.definition for m in VOCABULARY],
            "unit": [m.unit for m in VOCABULARY],
            "additive": [m.additive for m in VOCABULARY],
            "source": [m.source for m in VOCABULARY],
            "years": [m.years for m in VOCABULARY],
        }
    )
    if panel is None:
        return table
    ok = panel.loc[panel[STATUS] == STATUS_OK]
    is_england = (ok[LA_CODE] == "970").to_numpy()
    is_la = ok[LA_CODE].astype(str).str.fullmatch(r"\d{3}(/\d{3})*").to_numpy() & ~(
        ok[LA_CODE].astype(str).str.fullmatch(r"9[78]\d").to_numpy()
        | ok[LA_CODE].isin(["990"]).to_numpy()
    )

    def spans(rows: pd.DataFrame) -> dict[str, str]:
        got = rows.groupby(MEASURE)[PERIOD].agg(["min", "max"])
        return {str(m): f"{int(r['min'])}-{int(r['max'])}" for m, r in got.iterrows()}

    la, eng = spans(ok.loc[is_la]), spans(ok.loc[is_england])

    def describe(measure: str) -> str:
        parts = [f"LA {la[measure]}"] if measure in la else []
        parts += [f"England {eng[measure]}"] if measure in eng else []
        return "; ".join(parts) or "none"

    table["years"] = table["measure"].map(describe)
    return table


def parse_cells(cells: pd.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Parse published cells into ``(value, status, bad)`` arrays.

    Numbers (thousands commas allowed) get status ``ok``; the codes in :data:`SUPPRESSED_CODES`
    and :data:`MISSING_CODES` (case-insensitive, blanks included) become NaN with status
    ``suppressed`` or ``missing`` - never zero. ``bad`` flags cells that are neither, so the caller
    can report them (file, row, column, value).

    Examples
    --------
    >>> import pandas as pd
    >>> from demandmodel.data.measures import parse_cells
    >>> value, status, bad = parse_cells(pd.Series(["12", "c", "", "1,234", "oops"]))
    >>> [float(v) for v in value]
    [12.0, nan, nan, 1234.0, nan]
    >>> list(status)
    ['ok', 'suppressed', 'missing', 'ok', 'missing']
    >>> [bool(b) for b in bad]
    [False, False, False, False, True]
    """
    raw = cells.to_numpy(dtype=object)
    # A writable copy: under pandas 3 (copy-on-write) to_numpy() may return a read-only view.
    value = np.array(
        pd.to_numeric(pd.Series(raw), errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
    )
    status = np.full(len(raw), STATUS_OK, dtype=object)
    bad = np.zeros(len(raw), dtype=bool)
    todo = np.flatnonzero(np.isnan(value))
    if len(todo):
        text = pd.Series(raw[todo], dtype=object).fillna("").astype(str).str.strip()
        lowered = text.str.lower()
        again = pd.to_numeric(text.str.replace(",", "", regex=False), errors="coerce")
        again_arr = again.to_numpy(dtype="float64", na_value=np.nan)
        is_num = ~np.isnan(again_arr)
        is_supp = lowered.isin(SUPPRESSED_CODES).to_numpy(dtype=bool)
        is_miss = lowered.isin(MISSING_CODES).to_numpy(dtype=bool)
        value[todo] = again_arr
        status[todo] = np.where(
            is_num, STATUS_OK, np.where(is_supp, STATUS_SUPPRESSED, STATUS_MISSING)
        )
        bad[todo] = ~(is_num | is_supp | is_miss)
    return value, status, bad
