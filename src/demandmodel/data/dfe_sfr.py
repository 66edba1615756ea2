"""The 2010-2017 statistical first release (SFR) underlying-data CSVs of children looked after.

A table is SFR when it has ``geog_l, geog_c, geog_n`` (any case; the 2010 OSR table spells them
``Geog_lev, Geog_code, Geog_name``). Column names change from year to year (``MarTotal_2010``,
``CLA_Mar2014``, ``CLA_started2016``, ``CLA_cease2017`` ...), so measures are recognised by
patterns (:data:`PATTERNS`). ``geog_c`` is the DfE 3-digit LA code; ``geog_l`` says the level
(``National``/``NATIONAL``/``Country``, ``GOR``/``REGION``, ``LA``). England's ``geog_c`` is
``921`` in 2010 (the Isle of Wight's code) and ``999`` later, so England is recognised by level.
Region letters changed between years, so regions are recognised by name.

The year of the data is taken from the file's path (the last year in the file name, else in its
folder names), because column names are unreliable: the 2015 admissions table calls its column
``CLA_started2014`` although it holds 2014-15 data (England 31,070, not 2013-14's 30,430). Only when
the path has no year is the year in a column name used. The population column
``Mid2009Pop0-17`` is the mid-2009 estimate (period 2009, see :func:`demandmodel.measures`).

Examples
--------
>>> import pandas as pd
>>> from demandmodel.data.dfe_sfr import is_sfr, measure_of
>>> is_sfr(pd.DataFrame(columns=["New_geog_code", "geog_l", "geog_c", "geog_n", "CLA_Mar2014"]))
True
>>> measure_of("CLA_Mar2014"), measure_of("MarPlace_Q2_2010"), measure_of("CLA_2014")
('cla_31mar', 'cla_31mar_placement_foster', None)
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from demandmodel.columns import LA_CODE, LA_NAME, NEW_LA_CODE
from demandmodel.data._validate import Failures
from demandmodel.data.dfe import emit
from demandmodel.data.dfe_ees import _sum_parts
from demandmodel.data.geography import (
    ENGLAND,
    ENGLAND_ONS,
    REGION_NAMES,
    REGION_ONS,
    region_code,
)

__all__ = ["PATTERNS", "is_sfr", "measure_of", "read_sfr"]

_AGE = {"u1": "under1", "1to4": "1_4", "5to9": "5_9", "10to15": "10_15", "16over": "16_over"}
_CEASE_AGE = {
    "cla_cea1": "under1",
    "cla_cea14": "1_4",
    "cla_cea59": "5_9",
    "cla_cea1015": "10_15",
    "cla_cea16": "16_over",  # 16 and over until 2015; from 2016 aged 16, summed with 17 and 18+
    "cla_cea17": "16_over",
    "cla_cea18": "16_over",
    "cea_u1": "under1",
    "cea_1to4": "1_4",
    "cea_5to9": "5_9",
    "cea_10to15": "10_15",
    "cea_16": "16_over",
    "cea_17": "16_over",
    "cea_18over": "16_over",
}
_PLACE = {
    "fost": "foster",
    "adopt": "adoption",
    "parent": "parents",
    "ocom": "community",
    "secure": "residential",
    "ores": "other_residential",
    "rsch": "residential_school",
    "miss": "missing",
    "othpl": "other",
}
# SSDA903 placement codes (2010 file) -> the DfE placement groups used since.
_CODES = {
    **dict.fromkeys(["q1", "q2", "u1", "u2", "u3", "u4", "u5", "u6"], "foster"),
    **dict.fromkeys(["a3", "a4", "a5", "a6"], "adoption"),
    "p1": "parents",
    **dict.fromkeys(["p2", "p3"], "community"),
    **dict.fromkeys(["k1", "k2", "h5"], "residential"),
    **dict.fromkeys(["r1", "r2", "r3", "r5"], "other_residential"),
    "s1": "residential_school",
    **dict.fromkeys(["m1", "m2", "m3"], "missing"),
    "z1": "other",
}

PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"cla_mar\d{4}|martotal_\d{4}"), "cla_31mar"),
    (re.compile(r"cla_started\d{4}|starttotal_\d{4}"), "cla_starts"),
    (re.compile(r"cla_cease(\d{4})?|ceasedtotal_\d{4}"), "cla_ceases"),
    (re.compile(r"mid\d{4}pop0-17"), "pop_0_17"),
    (re.compile(r"cla_uasc"), "uasc_31mar"),
    (re.compile(r"cla_(u1|1to4|5to9|10to15|16over)"), "cla_31mar_age_{}"),
    (re.compile(r"scla_(u1|1to4|5to9|10to15|16over)"), "cla_starts_age_{}"),
    (
        re.compile(r"cla_(fost|adopt|parent|ocom|secure|ores|rsch|miss|othpl)"),
        "cla_31mar_placement_{}",
    ),
    (re.compile(r"marplace_([a-z]\d)_\d{4}"), "cla_31mar_placement_{}"),
)
"""``(full-match pattern on the lower-cased column name, measure)``; ``{}`` takes the group."""

_RESERVED = frozenset({ENGLAND, *REGION_NAMES})
_LEVELS = {"national": "n", "country": "n", "england": "n", "gor": "r", "region": "r", "la": "l"}


def is_sfr(frame: pd.DataFrame) -> bool:
    """Whether a table has the SFR identity columns."""
    cols = {str(c).strip().lower() for c in frame.columns}
    return {"geog_l", "geog_c", "geog_n"} <= cols or {"geog_lev", "geog_code", "geog_name"} <= cols


def measure_of(column: str) -> str | None:
    """The Panel measure an SFR column holds, or ``None``.

    Several columns may hold parts of one measure (placement codes of one group in 2010; ceased
    aged 16, 17 and 18+ from 2016): the reader sums them.
    """
    col = column.strip().lower()
    if col in _CEASE_AGE:
        return f"cla_ceases_age_{_CEASE_AGE[col]}"
    for pattern, measure in PATTERNS:
        m = pattern.fullmatch(col)
        if m is None:
            continue
        if "{}" not in measure:
            return measure
        key = m.group(1)
        if measure.startswith("cla_31mar_placement") and key in _CODES:
            return measure.format(_CODES[key])
        table = _AGE if "_age_" in measure else _PLACE
        return measure.format(table[key]) if key in table else None
    return None


def _path_year(file: Path) -> int | None:
    for part in [file.stem, *(p.name for p in file.parents)]:
        years = re.findall(r"(?<!\d)(20[0-4]\d|19[5-9]\d)(?!\d)", part)
        if years:
            return int(years[-1])
    return None


def _column_year(columns: list[str]) -> int | None:
    for col in columns:
        if measure_of(col) in ("cla_31mar", "cla_starts", "cla_ceases"):
            m = re.search(r"(\d{4})", col)
            if m:
                return int(m.group(1))
    return None


def read_sfr(
    frame: pd.DataFrame,
    file: Path,
    source: str,
    failures: Failures,
    notes: list[tuple[str, str]],
) -> tuple[pd.DataFrame | None, str]:
    """Panel rows (plus ``priority``) of one SFR table, or ``(None, reason)``."""
    cols = [str(c).strip() for c in frame.columns]
    t = frame.copy()
    t.columns = cols
    lower = {c.lower(): c for c in cols}
    lev_col = lower.get("geog_l", lower.get("geog_lev", ""))
    code_col = lower.get("geog_c", lower.get("geog_code", ""))
    name_col = lower.get("geog_n", lower.get("geog_name", ""))
    mapped = [(c, m) for c in cols if (m := measure_of(c)) is not None]
    if not mapped:
        return None, "SFR table with no column the reader maps (e.g. care leavers, missing, health)"
    path_year, column_year = _path_year(file), _column_year(cols)
    year = path_year or column_year
    if path_year and column_year and path_year != column_year:
        notes.append(
            (source, f"columns name {column_year} but the path says {path_year}: {path_year} used")
        )
    if year is None:
        failures.add(
            file=source,
            rule="year",
            message="cannot tell the year: put it in the file or folder name (e.g. 2014/SFR36_CLA2014.csv)",
        )
        return None, "no year"
    raw_level = t[lev_col].astype(str).str.strip().str.lower()
    level = raw_level.map(_LEVELS).fillna("")
    code = t[code_col].astype(str).str.strip()
    name = t[name_col].astype(str).str.strip()
    # A blank level with an LA code is an LA (2017 left Isles of Scilly's geog_l empty).
    blank_la = (raw_level == "") & code.str.fullmatch(r"\d{3}") & (name.str.lower() != "england")
    level = level.mask(blank_la, "l")
    unplaced = (level == "").to_numpy()
    if unplaced.any():
        cells = t.loc[unplaced].to_numpy(dtype=str)
        has_content = (np.char.strip(cells) != "").any(axis=1)
        dropped = raw_level[unplaced][has_content]
        for lev, count in dropped.value_counts().items():
            notes.append((source, f"{count} row(s) at geographic level {lev!r} not kept"))
    new_col = lower.get("new_geog_code")
    new = t[new_col].astype(str).str.strip() if new_col else pd.Series("", index=t.index)
    n = len(t)
    la_code = np.full(n, "", dtype=object)
    new_code = np.full(n, "", dtype=object)
    la_name = np.full(n, "", dtype=object)
    lev_arr = level.to_numpy(dtype=object)
    code_arr = code.to_numpy(dtype=object)
    name_arr = name.to_numpy(dtype=object)
    new_arr = new.to_numpy(dtype=object)
    for i in np.flatnonzero(lev_arr != ""):
        lev = lev_arr[i]
        if lev == "n":
            la_code[i], new_code[i], la_name[i] = ENGLAND, ENGLAND_ONS, "England"
        elif lev == "r":
            rc = region_code(name_arr[i])
            if rc is None:
                failures.add(
                    file=source,
                    row=int(i) + 1,
                    column=name_col,
                    value=name_arr[i],
                    rule="region",
                    message="unknown region name",
                )
                continue
            la_code[i], new_code[i], la_name[i] = rc, REGION_ONS[rc], REGION_NAMES[rc]
        elif re.fullmatch(r"\d{3}", code_arr[i]) is None or code_arr[i] in _RESERVED:
            failures.add(
                file=source,
                row=int(i) + 1,
                column=code_col,
                value=code_arr[i],
                rule="la_code",
                message="an LA row needs the DfE 3-digit code in geog_c (not England's 970 "
                "nor a region's 980-990)",
            )
        else:
            la_code[i], la_name[i] = code_arr[i], name_arr[i]
            new_code[i] = new_arr[i] if str(new_arr[i]).startswith("E") else ""
    keep = la_code != ""
    ids = pd.DataFrame({LA_CODE: la_code, NEW_LA_CODE: new_code, LA_NAME: la_name}).loc[keep]
    ids = ids.reset_index(drop=True)
    rows = np.arange(1, n + 1)[keep]
    # All mapped columns at once, stacked column after column (one parse, one frame).
    n_keep = len(ids)
    names = [c for c, _ in mapped]
    periods = [int(re.findall(r"\d{4}", c)[0]) if m == "pop_0_17" else year for c, m in mapped]
    got = emit(
        ids=pd.DataFrame({k: np.tile(ids[k].to_numpy(dtype=object), len(mapped)) for k in ids}),
        period=np.repeat(np.asarray(periods, dtype="int64"), n_keep),
        measure=np.repeat(np.asarray([m for _, m in mapped], dtype=object), n_keep),
        cells=pd.Series(t.loc[keep, names].to_numpy(dtype=object).ravel(order="F")),
        source=source,
        vintage=year,
        priority=2,
        column=np.repeat(np.asarray(names, dtype=object), n_keep),
        rows=np.tile(rows, len(mapped)),
        failures=failures,
    )
    # Parts of one measure (2010 placement codes; ceased aged 16, 17, 18+) are summed.
    return _sum_parts(got), ""
