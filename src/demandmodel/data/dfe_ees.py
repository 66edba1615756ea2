"""The explore-education-statistics (EES) CSV layout, used by DfE since 2018.

A table is EES when it has ``time_period`` and ``geographic_level``; which measures it holds is
recognised from its columns (case-insensitive, in any order, BOM or not):

* **wide** tables: one column per measure, recognised by marker columns (``At31_episodes`` -> CIN
  table, ``referral_count``, ``Section47``, ``CPP_At31``, ``CPP_start``, ``inpost_fte`` ->
  workforce, ``population_estimate`` with ``age_group`` -> population);
* **headline** tables: a label column (whatever its name: DfE called it ``population_count`` in
  two files) naming the series (``Children looked after at 31 March ...``), with ``number`` and
  optionally ``rate_per_10000``;
* **long** CLA tables: ``cla_group, characteristic, number``; whether the table is about CLA at
  31 March, starts, ceases or placement stability is read from the ``cla_group`` values it holds.

Rows at National level get ``la_code`` :data:`~demandmodel.data.geography.ENGLAND`, Regional rows
their region code, Local authority rows their ``old_la_code``; rows at other levels are not used.
Extra columns and extra years in a later release are read without any code change.

Examples
--------
>>> import pandas as pd
>>> from demandmodel.data.dfe_ees import is_ees
>>> is_ees(pd.DataFrame(columns=["time_period", "geographic_level", "number"]))
True
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from demandmodel.columns import LA_CODE, LA_NAME, NEW_LA_CODE
from demandmodel.data._validate import Failures
from demandmodel.data.dfe import emit, empty_rows
from demandmodel.data.geography import ENGLAND, ENGLAND_ONS, REGION_ONS, region_code

__all__ = ["is_ees", "read_ees"]

# marker column -> {column: (measure, priority)}
WIDE: dict[str, dict[str, tuple[str, int]]] = {
    "at31_episodes": {
        "at31_episodes": ("cin_31mar", 2),
        "started_episodes": ("cin_starts", 2),
        "ended_episodes": ("cin_ends", 2),
    },
    "referral_count": {
        "referral_count": ("referrals", 2),
        "rereferral_count": ("rereferrals", 2),
        "rereferral_percent": ("rereferral_pct", 2),
    },
    "section47": {"section47": ("s47", 2), "icpc": ("icpc", 2)},
    "cpp_at31": {"cpp_at31": ("cp_31mar", 2)},
    "cpp_start": {"cpp_start": ("cp_starts", 2)},
    "inpost_fte": {
        "inpost_fte": ("sw_fte", 2),
        "agency_fte": ("sw_agency_fte", 2),
        "agency_rate_fte": ("sw_agency_rate", 2),
        "vacancy_rate_fte": ("sw_vacancy_rate", 2),
        "turnover_rate_fte": ("sw_turnover_rate", 2),
        "caseload_fte": ("sw_caseload", 2),
        "cases": ("sw_cases", 2),
        "case_holders_fte": ("sw_caseholder_fte", 2),
    },
}

# Headline label -> (count measure, rate measure); the first pattern that matches wins.
HEADLINE: tuple[tuple[re.Pattern[str], str, str], ...] = (
    (re.compile(r"31 march.*(?:unaccompanied|asylum)"), "uasc_31mar", ""),
    (re.compile(r"looked after at 31 march"), "cla_31mar", "cla_rate"),
    (re.compile(r"start(?:ing|ed) to be looked after"), "cla_starts", "cla_starts_rate"),
    (re.compile(r"ceas(?:ing|ed) to be looked after"), "cla_ceases", "cla_ceases_rate"),
    (re.compile(r"looked after who were adopted"), "cla_adopted", ""),
)

AGES = {
    "under 1 year": "under1",
    "1 to 4 years": "1_4",
    "5 to 9 years": "5_9",
    "10 to 15 years": "10_15",
    "16 years and over": "16_over",
    "16 years": "16_over",
    "17 years": "16_over",
    "18 years and over": "16_over",
    "ceased on 18th birthday": "16_over",
    "ceased when older than 18th birthday": "16_over",
}
_P = r"(?:\d\.\s*)?(?:total )?"
PLACEMENTS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(_P + r"foster placements"), "foster"),
    (re.compile(_P + r"placed for adoption"), "adoption"),
    (re.compile(_P + r"placed with (?:own )?parents.*"), "parents"),
    (re.compile(_P + r"other placements in the community"), "community"),
    (re.compile(_P + r"secure units?,? children's homes.*"), "residential"),
    (re.compile(_P + r"other residential settings"), "other_residential"),
    (re.compile(_P + r"residential schools"), "residential_school"),
    (re.compile(_P + r"other placements"), "other"),
)
"""Placement group totals (full match on the lower-cased ``characteristic``): the national
table's ``1. Total foster placements`` and an LA table's ``Foster placements`` alike; the
sub-lines (``1a ...``) are not matched."""


def _placement(label: str) -> str:
    for pattern, group in PLACEMENTS:
        if pattern.fullmatch(label):
            return group
    return ""


_ID_COLUMNS = frozenset(
    {
        "time_period",
        "time_identifier",
        "geographic_level",
        "country_code",
        "country_name",
        "region_code",
        "region_name",
        "old_la_code",
        "new_la_code",
        "la_name",
        "number",
        "percentage",
        "rate_per_10000",
        "population_estimate",
    }
)


def is_ees(frame: pd.DataFrame) -> bool:
    """Whether a table has the EES identity columns (``time_period``, ``geographic_level``)."""
    cols = {str(c).lower() for c in frame.columns}
    return {"time_period", "geographic_level"} <= cols


def _norm(s: pd.Series) -> pd.Series:
    return s.astype(str).str.strip().str.lower().str.replace("\u2019", "'", regex=False)


def _geography(
    t: pd.DataFrame, source: str, failures: Failures, regions: dict[str, str]
) -> tuple[pd.DataFrame, np.ndarray]:
    """Identity columns and a mask of rows at a level the Panel keeps."""
    n = len(t)
    level = _norm(t["geographic_level"])
    blank = pd.Series([""] * n, index=t.index, dtype=object)
    old = t.get("old_la_code", blank).astype(str).str.strip()
    new = t.get("new_la_code", blank).astype(str).str.strip()
    name = t.get("la_name", blank).astype(str).str.strip()
    reg_code = t.get("region_code", blank).astype(str).str.strip()
    reg_name = t.get("region_name", blank).astype(str).str.strip()
    la_code = np.full(n, "", dtype=object)
    new_code = np.full(n, "", dtype=object)
    la_name = np.full(n, "", dtype=object)
    nat = (level == "national").to_numpy()
    la_code[nat] = ENGLAND
    new_code[nat] = ENGLAND_ONS
    la_name[nat] = "England"
    reg = (level == "regional").to_numpy()
    rc_arr = reg_code.to_numpy(dtype=object)
    rn_arr = reg_name.to_numpy(dtype=object)
    cache: dict[tuple[str, str], str | None] = {}
    for pair in set(zip(rc_arr, rn_arr, strict=True)):
        cache[pair] = region_code(pair[0]) or region_code(pair[1])
    reg_of = np.array([cache[p] or "" for p in zip(rc_arr, rn_arr, strict=True)], dtype=object)
    failures.add_rows(
        file=source,
        positions=np.flatnonzero(reg & (reg_of == "")),
        column="region_code",
        values=rc_arr,
        rule="region",
        message="unknown region; expected an E12/E13 code or an English region name",
    )
    reg_ok = reg & (reg_of != "")
    la_code[reg_ok] = reg_of[reg_ok]
    new_code[reg_ok] = [REGION_ONS[c] for c in reg_of[reg_ok]]
    la_name[reg_ok] = rn_arr[reg_ok]
    loc = (level == "local authority").to_numpy()
    joint = old.str.replace(r"\s*/\s*", "/", regex=True)
    codes = joint.to_numpy(dtype=object)
    ok_code = joint.str.fullmatch(r"\d{3}(/\d{3})*").to_numpy(dtype=bool)
    failures.add_rows(
        file=source,
        positions=np.flatnonzero(loc & ~ok_code),
        column="old_la_code",
        values=old,
        rule="la_code",
        message="a Local authority row needs the DfE 3-digit old_la_code "
        "(joint services as '314 / 318')",
    )
    reserved = np.isin(codes, [ENGLAND, *REGION_ONS])
    failures.add_rows(
        file=source,
        positions=np.flatnonzero(loc & ok_code & reserved),
        column="old_la_code",
        values=codes,
        rule="la_code",
        message="this code is the Panel's code for England (970) or a region (980-990), "
        "so an LA cannot use it; give the LA another code",
    )
    loc_ok = loc & ok_code & ~reserved
    la_code[loc_ok] = codes[loc_ok]
    new_code[loc_ok] = new.str.replace(r"\s*/\s*", "/", regex=True).to_numpy(dtype=object)[loc_ok]
    la_name[loc_ok] = name.to_numpy(dtype=object)[loc_ok]
    for code, rc in set(zip(codes[loc_ok], reg_of[loc_ok], strict=True)):
        if rc:
            regions[str(code)] = str(rc)
    keep = nat | (reg & (la_code != "")) | loc_ok
    ids = pd.DataFrame({LA_CODE: la_code, NEW_LA_CODE: new_code, LA_NAME: la_name})
    return ids, keep


def _periods(t: pd.DataFrame, source: str, failures: Failures) -> np.ndarray:
    """``time_period`` -> year ending 31 March: ``2022`` -> 2022, ``202122`` -> 2022."""
    text = t["time_period"].astype(str).str.strip()
    four = text.str.fullmatch(r"\d{4}")
    six = text.str.fullmatch(r"\d{6}")
    out = np.zeros(len(t), dtype="int64")
    out[four.to_numpy()] = text[four].astype("int64").to_numpy()
    out[six.to_numpy()] = text[six].str[:4].astype("int64").to_numpy() + 1
    failures.add_rows(
        file=source,
        positions=np.flatnonzero(~(four | six).to_numpy()),
        column="time_period",
        values=text,
        rule="period",
        message="expected a year (2022) or a financial year (202122)",
    )
    return out


def read_ees(
    frame: pd.DataFrame,
    source: str,
    failures: Failures,
    regions: dict[str, str],
    notes: list[tuple[str, str]],
) -> tuple[pd.DataFrame | None, str]:
    """Panel rows (plus ``priority``) of one EES table, or ``(None, reason)``."""
    t = frame.copy()
    t.columns = [str(c).lower() for c in t.columns]
    n_bad = len(failures)
    period = _periods(t, source, failures)
    ids, keep = _geography(t, source, failures, regions)
    if len(failures) > n_bad:
        return None, "bad identity columns (see the error)"
    valid = keep & (period > 0)
    other = _norm(t["geographic_level"])[~keep & (period > 0)]
    for level, count in other.value_counts().items():
        notes.append((source, f"{count} row(s) at geographic level {level!r} not kept"))
    if not valid.any():
        return None, "no National, Regional or Local authority rows"
    vintage = int(period[valid].max())
    rows = np.arange(1, len(t) + 1)
    cols = set(t.columns)
    ctx = _Ctx(
        t=t,
        ids=ids,
        period=period,
        valid=valid,
        rows=rows,
        source=source,
        vintage=vintage,
        failures=failures,
    )
    parts: list[pd.DataFrame] = []
    if {"cla_group", "characteristic", "number"} <= cols:
        parts += _long(ctx)
    elif "number" in cols:
        parts += _headline(ctx)
    elif {"population_estimate", "age_group"} <= cols:
        sel = _norm(t["age_group"]).str.contains(r"0 to 17", regex=True).to_numpy()
        parts.append(ctx.emit("pop_0_17", "population_estimate", sel, 2))
    for marker, mapping in WIDE.items():
        if marker in cols:
            for col, (measure, prio) in mapping.items():
                if col in cols:
                    parts.append(ctx.emit(measure, col, np.ones(len(t), dtype=bool), prio))
    parts = [p for p in parts if len(p)]
    if not parts:
        return None, "EES table with no column or label the reader maps to a measure"
    return pd.concat(parts, ignore_index=True), ""


class _Ctx:
    """What the EES table readers share (internal)."""

    def __init__(
        self,
        *,
        t: pd.DataFrame,
        ids: pd.DataFrame,
        period: np.ndarray,
        valid: np.ndarray,
        rows: np.ndarray,
        source: str,
        vintage: int,
        failures: Failures,
    ) -> None:
        self.t, self.ids, self.period, self.valid, self.rows = t, ids, period, valid, rows
        self.source, self.vintage, self.failures = source, vintage, failures

    def emit(self, measure: str, column: str, mask: np.ndarray, priority: int) -> pd.DataFrame:
        sel = self.valid & mask
        if not sel.any():
            return empty_rows()
        return emit(
            ids=self.ids.loc[sel].reset_index(drop=True),
            period=self.period[sel],
            measure=measure,
            cells=self.t[column].loc[sel].reset_index(drop=True),
            source=self.source,
            vintage=self.vintage,
            priority=priority,
            column=column,
            rows=self.rows[sel],
            failures=self.failures,
        )


def _headline(ctx: _Ctx) -> list[pd.DataFrame]:
    t = ctx.t
    label_col = None
    for col in t.columns:
        if col in _ID_COLUMNS:
            continue
        values = _norm(t[col]).unique()
        if any(p.search(v) for v in values for p, _, _ in HEADLINE):
            label_col = col
            break
    if label_col is None:
        return []
    labels = _norm(t[label_col])
    parts: list[pd.DataFrame] = []
    claimed = np.zeros(len(t), dtype=bool)
    for pattern, count, rate in HEADLINE:
        mask = labels.str.contains(pattern).to_numpy() & ~claimed
        claimed |= mask
        if not mask.any():
            continue
        parts.append(ctx.emit(count, "number", mask, 2))
        if rate and "rate_per_10000" in t.columns:
            parts.append(ctx.emit(rate, "rate_per_10000", mask, 2))
    return parts


def _family(groups: set[str]) -> str:
    if any(g.startswith(("age on ceasing", "reason episode ceased")) for g in groups):
        return "ceases"
    if any(
        g.startswith(("age on starting", "taken into care", "previous permanence")) for g in groups
    ):
        return "starts"
    if any("continuously for at least" in g for g in groups):
        return "stability"
    return "31mar"


def _long(ctx: _Ctx) -> list[pd.DataFrame]:
    t = ctx.t
    group = _norm(t["cla_group"])
    char = _norm(t["characteristic"])
    family = _family(set(group.unique()))
    measure = pd.Series([""] * len(t), index=t.index, dtype=object)
    prio = 2
    if family == "stability":
        mask = (group == "children looked after at 31 march") & (char == "total children")
        return [ctx.emit("cla_31mar", "number", mask.to_numpy(), 1)]
    stem = {"31mar": "cla_31mar", "starts": "cla_starts", "ceases": "cla_ceases"}[family]
    age_groups = {"age group", "age on starting", "age on ceasing"}
    is_age = group.isin(age_groups)
    total = is_age & char.isin(["total", "total children"])
    bands = char.map(AGES)
    has_band = is_age & bands.notna()
    measure[has_band] = stem + "_age_" + bands[has_band].astype(str)
    if family == "31mar":
        is_place = (group == "placement").to_numpy()
        groups = {c: _placement(c) for c in char[is_place].unique()}
        place = char.map(groups).astype(object).fillna("")
        hit = is_place & (place != "").to_numpy()
        measure[hit] = "cla_31mar_placement_" + place[hit].astype(str)
    parts = [ctx.emit(stem, "number", total.to_numpy(), 1)]
    for name in sorted(set(measure[measure != ""])):
        sel = (measure == name).to_numpy(dtype=bool)
        rows = ctx.emit(str(name), "number", sel, prio)
        parts.append(_sum_parts(rows))
    return parts


def _sum_parts(rows: pd.DataFrame) -> pd.DataFrame:
    """Sum rows of one (LA, period, measure), e.g. 16, 17 and 18+ -> 16_over; NaN if any is not ok."""
    key = [LA_CODE, "period", "measure"]
    if not rows.duplicated(key).any():
        return rows
    flags = rows.assign(
        _ok=(rows["status"] == "ok").astype("int64"),
        _supp=(rows["status"] == "suppressed").astype("int64"),
    )
    grouped = flags.groupby(key, sort=False)
    first = grouped[[c for c in rows.columns if c not in key]].first().reset_index()
    total = grouped["value"].sum(min_count=1).to_numpy()
    all_ok = grouped["_ok"].min().to_numpy() == 1
    any_supp = grouped["_supp"].max().to_numpy() == 1
    first["value"] = np.where(all_ok, total, np.nan)
    first["status"] = np.where(all_ok, "ok", np.where(any_supp, "suppressed", "missing"))
    return first[rows.columns]
