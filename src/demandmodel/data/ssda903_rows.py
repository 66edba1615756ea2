"""Row-level validation of the SSDA903 tables the reader uses (Episodes, Header, UASC).

Every cell is checked against DATA_SPEC 3.1-3.2; each problem goes to the
:class:`~demandmodel.data.ssda903_io.Recorder`, which logs the documented repair (``repair=True``)
or records a failure. Rows that cannot be placed (no child, no start date, ending before they
start, truncated) are dropped *and logged*; nothing disappears silently.

Examples
--------
>>> import pandas as pd
>>> from demandmodel.data.ssda903_io import Recorder
>>> from demandmodel.data.ssda903_rows import clean_people
>>> raw = pd.DataFrame({"CHILD": ["1", "1"], "SEX": ["2", "F"], "DOB": ["01/01/2010", "2010-01-01"],
...     "_file": ["a.csv", "b.csv"], "_row": [1, 1], "_hint": ["2021", "2022"], "_order": [0, 1]})
>>> rec = Recorder(repair=True)
>>> clean_people(raw, rec, "301", "header")[["CHILD", "SEX", "_file"]].values.tolist()
[['1', 'F', 'b.csv']]
>>> rec.log_rows[0]["rule"], rec.log_rows[0]["action"]
('RESUBMITTED', 'merged')
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from demandmodel.data.ssda903_codes import (
    LEGAL_STATUS_CODES,
    PLACEMENT_CODES,
    PROVIDER_CODES,
    REASON_END_CODES,
    REASON_NEW_CODES,
    collection_year,
    normalise_sex,
    parse_dates,
)
from demandmodel.data.ssda903_io import RawTable, Recorder, column_values, records

__all__ = ["blank", "clean_episodes", "clean_people", "stack_tables"]

_CODES = (
    ("RNE", REASON_NEW_CODES, True),
    ("LS", LEGAL_STATUS_CODES, True),
    ("PLACE", PLACEMENT_CODES, True),
    ("PLACE_PROVIDER", PROVIDER_CODES, False),
    ("REC", REASON_END_CODES, False),
)


def stack_tables(tables: list[RawTable], kind: str) -> pd.DataFrame:
    frames = [t.frame.assign(_hint=t.year_hint) for t in tables if t.kind == kind]
    if not frames:
        return pd.DataFrame()
    out = pd.concat(frames, ignore_index=True)
    out["_order"] = np.arange(len(out))
    return out


LACode = str | Mapping[str, str] | None


def _la(frame: pd.DataFrame, la_code: LACode) -> pd.Series:
    """Each row's LA: the ``LA`` column (renamed through ``la_code`` when it is a mapping), else
    ``la_code`` when it is a string, else ``""``."""
    default = la_code if isinstance(la_code, str) else ""
    if "LA" not in frame.columns:
        return pd.Series(default, index=frame.index, dtype="string")
    given = frame["LA"].fillna("").astype("string").str.strip()
    if isinstance(la_code, Mapping):
        given = given.map(lambda v: la_code.get(v, v)).astype("string")
    return given.where(given != "", default).astype("string")


def blank(s: pd.Series) -> pd.Series:
    """True where a cell is missing or only whitespace."""
    return s.fillna("").astype("string").str.strip() == ""


def _problems(
    frame: pd.DataFrame,
    mask: pd.Series,
    rec: Recorder,
    *,
    column: str,
    rule: str,
    action: str,
    message: str | Callable[[str, Any], str],
    fix: str,
    after: str = "",
    blank_value: bool = False,
) -> None:
    """One ``rec.problem`` per row of ``frame`` selected by ``mask``, about its ``column`` cell.

    ``message`` may be a function of the column name and the cell's value; ``blank_value`` reports the value as ``""``.
    """
    if not mask.any():  # the usual case: skip selecting rows
        return
    has_value = not blank_value and column in frame.columns
    has_child = "CHILD" in frame.columns
    wanted = ["_file", "_row", *(["CHILD"] if has_child else []), *([column] if has_value else [])]
    cols = list(dict.fromkeys(wanted))  # ``column`` may be CHILD itself
    for r in records(frame.loc[mask, cols], cols):
        value = r[column] if has_value else ""
        rec.problem(
            file=str(r["_file"]),
            row=r["_row"],
            child=r["CHILD"] if has_child else None,
            column=column,
            value=value,
            rule=rule,
            action=action,
            after=after,
            message=message(column, value) if callable(message) else message,
            fix=fix,
        )


def _drop(
    frame: pd.DataFrame,
    mask: pd.Series,
    rec: Recorder,
    *,
    column: str,
    rule: str,
    message: str,
    fix: str,
) -> pd.DataFrame:
    if not mask.any():
        return frame
    _problems(
        frame, mask, rec, column=column, rule=rule, action="dropped", message=message, fix=fix
    )
    return frame.loc[~mask]


def _as_int(values: pd.Series) -> pd.Series:
    num = pd.to_numeric(values, errors="coerce").astype("Float64").round()
    return num.where((num >= 1900) & (num <= 2100)).astype("Int64")


def _assign_years(ep: pd.DataFrame, rec: Recorder) -> pd.Series:
    """The collection year (year ending 31 March) of each row's return.

    From the ``YEAR`` column, else a year in the file or folder name, else the latest DECOM. Labels
    that evidently name the *start* of the collection year (episodes start after 31 March of the
    label) are read as label + 1: per file for ``YEAR`` columns, for the whole batch for names.
    """
    today = pd.Timestamp(dt.date.today())
    starts = ep["start"].where(ep["start"] <= today)
    na = pd.Series(pd.NA, index=ep.index, dtype="Int64")
    given = _as_int(ep["YEAR"]) if "YEAR" in ep.columns else na
    hint = _as_int(ep["_hint"])
    from_name = given.isna() & hint.notna()
    label = given.fillna(hint)
    inferred = collection_year(
        starts.groupby([ep["_file"], ep["_la"], label.fillna(-1)]).transform("max")
    )
    early = (inferred > label).fillna(False).astype(bool)
    # unique() first: iterating every row of an Arrow column is slow, the file names are few.
    shifted = set(ep.loc[early & ~from_name, "_file"].unique())
    name_shift = bool((early & from_name).any())
    offset = ep["_file"].isin(shifted) & ~from_name | (from_name & name_shift)
    named = set(ep.loc[from_name, "_file"].unique()) if name_shift else set()
    for file in sorted(shifted | named):
        rec.note(
            file=str(file),
            row="",
            child="",
            rule="year_label",
            action="noted",
            before="YEAR" if file in shifted else "year in file name",
            after="+1",
            message=(
                "the year label names the start of the collection year (episodes start after "
                "31 March of it); read as the year ending 31 March of the label + 1"
            ),
        )
    year = label + offset.astype("int64")
    year = year.where(~(inferred > year).fillna(False).astype(bool), inferred)
    return year.fillna(inferred).fillna(0).astype("int64")


def clean_episodes(raw: pd.DataFrame, rec: Recorder, la_code: LACode) -> pd.DataFrame:
    if raw.empty:
        cols = ["_la", "CHILD", "start", "end", "_year", "_file", "_row", "_order"]
        return pd.DataFrame({c: pd.Series([], dtype="object") for c in cols})
    ep = raw.copy()
    for col in ("CIN", "REASON_PLACE_CHANGE", "HOME_POST", "PL_POST", "URN", "PLACE_PROVIDER"):
        if col not in ep.columns:
            ep[col] = pd.Series(pd.NA, index=ep.index, dtype="string")
    ep["_la"] = _la(ep, la_code)
    ep = _drop(
        ep,
        blank(ep["CHILD"]),
        rec,
        column="CHILD",
        rule="child_missing",
        message="CHILD is blank, so the episode belongs to no child",
        fix="fill in the child's ID",
    )
    ep["start"] = parse_dates(ep["DECOM"])
    ep["end"] = parse_dates(ep["DEC"])
    ep = _drop(
        ep,
        blank(ep["DECOM"]),
        rec,
        column="DECOM",
        rule="decom_missing",
        message="DECOM (episode start) is blank",
        fix="fill in the date the episode started (DD/MM/YYYY)",
    )
    ep = _drop(
        ep,
        ep["start"].isna(),
        rec,
        column="DECOM",
        rule="date_invalid",
        message="DECOM is not a real date (use DD/MM/YYYY or YYYY-MM-DD)",
        fix="correct the date",
    )
    bad_dec = ep["end"].isna() & ~blank(ep["DEC"])
    _problems(
        ep,
        bad_dec,
        rec,
        column="DEC",
        rule="date_invalid",
        action="changed",
        after="DEC=",
        message="DEC is not a real date (use DD/MM/YYYY or YYYY-MM-DD)",
        fix="correct the date or leave DEC blank for an open episode",
    )
    backwards = ep["end"].notna() & (ep["end"] < ep["start"])
    _problems(
        ep,
        backwards,
        rec,
        column="DEC",
        rule="dec_before_decom",
        action="changed",
        after="DEC unknown: next DECOM, else 31 March of the return's year",
        message="DEC (episode end) is earlier than DECOM (episode start)",
        fix="correct DEC or DECOM",
    )
    # The episode did end (it has a DEC) but we do not know when: resolved after stitching.
    ep["_end_unknown"] = backwards.to_numpy()
    ep.loc[backwards, "end"] = pd.NaT
    for col, valid, required in _CODES:
        values = ep[col].fillna("").astype("string").str.strip().str.upper()
        invalid = (values != "") & ~values.isin(sorted(valid))
        _problems(
            ep,
            invalid,
            rec,
            column=col,
            rule="code_invalid",
            action="changed",
            after=f"{col}=",
            message=lambda c, v: f"{v!r} is not a valid {c} code in any collection year",
            fix=f"use one of {', '.join(sorted(valid))}",
        )
        if required:
            _problems(
                ep,
                values == "",
                rec,
                column=col,
                rule="code_missing",
                action="kept blank",
                message=f"{col} is blank",
                fix=f"fill in {col}",
                blank_value=True,
            )
        ep[col] = values.mask(invalid | (values == "")).astype("string")
    ep["_year"] = _assign_years(ep, rec)
    return ep.reset_index(drop=True)


def clean_people(raw: pd.DataFrame, rec: Recorder, la_code: LACode, kind: str) -> pd.DataFrame:
    """Header or UASC rows -> one row per (LA, child), latest return wins."""
    if raw.empty:
        return pd.DataFrame(columns=["_la", "CHILD", "SEX", "DOB", "_file", "_row"])
    pp = raw.copy()
    pp["_la"] = _la(pp, la_code)
    pp = _drop(
        pp,
        blank(pp["CHILD"]),
        rec,
        column="CHILD",
        rule="child_missing",
        message=f"CHILD is blank in the {kind} table",
        fix="fill in the child's ID",
    )
    for col in ("SEX", "DOB", "ETHNIC", "UPN", "DUC"):
        if col not in pp.columns:
            pp[col] = pd.Series(pd.NA, index=pp.index, dtype="string")
    flag = pp["UASC"].fillna("") if "UASC" in pp.columns else pd.Series("", index=pp.index)
    pp["_uasc"] = flag.astype("string").str.strip().str.upper().isin(["1", "TRUE", "Y", "YES"])
    pp["_uasc"] = pp["_uasc"] | ~blank(pp["DUC"])
    sex = pp["SEX"].fillna("").map(normalise_sex)
    bad_sex = sex.isna() & ~blank(pp["SEX"])
    _problems(
        pp,
        bad_sex,
        rec,
        column="SEX",
        rule="sex_invalid",
        action="changed",
        after="SEX=",
        message=lambda _, v: f"SEX {v!r} is not 1, 2 (to 2023/24) or M, F, U (from 2024/25)",
        fix="use 1/2 or M/F/U",
    )
    pp["SEX"] = sex.astype("string")
    for col in ("DOB", "DUC"):
        parsed = parse_dates(pp[col])
        bad = parsed.isna() & ~blank(pp[col])
        _problems(
            pp,
            bad,
            rec,
            column=col,
            rule="date_invalid",
            action="changed",
            after=f"{col}=",
            message=f"{col} is not a real date (use DD/MM/YYYY or YYYY-MM-DD)",
            fix="correct the date",
        )
        pp[col] = parsed
    year = pd.to_numeric(pp["YEAR"], errors="coerce") if "YEAR" in pp.columns else None
    hint = pd.to_numeric(pp["_hint"], errors="coerce")
    pp["_year"] = (year.fillna(hint) if year is not None else hint).fillna(0)
    pp = pp.sort_values(["_year", "_order"], kind="mergesort")
    dup = pp.duplicated(["_la", "CHILD"], keep="last")
    same_file = pp.duplicated(["_la", "CHILD", "_file", "_year"], keep="last")
    # One pass over plain column lists: each dropped row names the row kept for its child.
    las, kids, files, nums = (column_values(pp, c) for c in ("_la", "CHILD", "_file", "_row"))
    gone, same = dup.to_numpy(), same_file.to_numpy()
    where = {(las[i], kids[i]): f"kept {files[i]} row {nums[i]}" for i in np.flatnonzero(~gone)}
    for i in np.flatnonzero(gone).tolist():
        into = where[(las[i], kids[i])]
        if same[i]:
            rec.problem(
                file=str(files[i]),
                row=nums[i],
                child=kids[i],
                column="CHILD",
                value=kids[i],
                rule="duplicate_child",
                action="merged",
                after=into,
                message=f"child appears more than once in this {kind} table",
                fix="keep one row per child",
            )
        else:
            rec.note(
                file=str(files[i]),
                row=nums[i],
                child=kids[i],
                rule="RESUBMITTED",
                action="merged",
                after=into,
                message=f"child re-stated in a later return's {kind} table; the latest is kept",
            )
    return pp.loc[~dup].reset_index(drop=True)
