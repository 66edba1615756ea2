"""Typing and validating the flattened CIN census tables of all collections read.

:func:`stack_table` puts one table of every collection into a frame (with ``_coll``, ``_la``,
``_ref``); :func:`typed_table` parses each column by its spec (dates, codes, booleans, integers,
sex) and :func:`check_rows` applies the row rules (an end before its start, dates after the
reference date, duplicates within a collection). Problems go to the :class:`Context`; records
that cannot be kept are marked in ``_drop``, never removed here.

Examples
--------
>>> from demandmodel.data.cin_census_records import Collection, Context
>>> from demandmodel.data.cin_census_validate import check_rows, stack_table, typed_table
>>> coll = Collection(label="x", position=0)
>>> coll.add("ChildProtectionPlans", {"LAchildID": "C1", "CINdetailsID": "1",
...     "CPPstartDate": "2021-05-01", "CPPendDate": "2021-04-01", "_file": "cp.csv", "_row": 1})
>>> ctx = Context(repair=True)
>>> table = typed_table(stack_table([coll], "ChildProtectionPlans"), "ChildProtectionPlans", ctx)
>>> check_rows(table, "ChildProtectionPlans", ctx)
>>> bool(table.loc[0, "_drop"]), [(r["rule"], r["action"]) for r in ctx.log]
(True, [('end_before_start', 'dropped')])
"""

from __future__ import annotations

import re
from typing import Any, Final

import pandas as pd

from demandmodel.columns import CHILD
from demandmodel.data.cin_census_codes import (
    BOOLEANS,
    NOT_AFTER_REFERENCE,
    PAIRS,
    SEX_CODES,
    SPECS,
    TABLES,
    UNIQUE,
)
from demandmodel.data.cin_census_records import (
    Collection,
    Context,
    as_text,
    cell,
    parse_date,
    strings,
)

__all__ = [
    "DTYPES",
    "META",
    "TYPED_TABLES",
    "check_rows",
    "live_rows",
    "stack_table",
    "typed_table",
]


_INT = re.compile(r"[0-9]{1,6}", re.ASCII)


TYPED_TABLES: Final = ("ChildIdentifiers", "ChildCharacteristics", "Disabilities", "CINdetails",
                 "Assessments", "CINplanDates", "Section47", "ChildProtectionPlans", "Reviews")  # fmt: skip


META: Final = ["_file", "_row", "_coll", "_la", "_ref"]


DTYPES: Final[dict[str, Any]] = {"date": "datetime64[us]", "bool": "boolean", "int": "Int64"}


def stack_table(colls: list[Collection], table: str) -> pd.DataFrame:
    """``table`` of every collection in one frame (object columns, plus ``_coll, _la, _ref``)."""
    cols = [*TABLES[table], "_file", "_row"]
    parts = [
        pd.DataFrame.from_records(c.tables[table], columns=cols)
        .astype(object)
        .assign(_coll=c.position, _la=c.la_code, _ref=c.reference_date)
        for c in colls
        if c.tables.get(table)
    ]
    if not parts:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in [*cols, *META[2:]]})
    return pd.concat(parts, ignore_index=True).astype(object)


def _convert(
    df: pd.DataFrame, col: str, kind: str, ctx: Context, *, required: bool,
    valid: frozenset[str] | None, dropped: list[bool],
) -> list[Any]:  # fmt: skip
    """Parse one column; marks ``dropped`` rows (a required value missing or unreadable)."""
    out: list[Any] = []
    for i, (raw, file, row, child) in enumerate(
        zip(df[col], df["_file"], df["_row"], df["LAchildID"], strict=True)
    ):
        value: Any = None
        bad: tuple[str, str] | None = None
        text = raw.strip() if isinstance(raw, str) else ""
        if not text:
            if required:
                bad = ("required", f"{col} is required; fill it in or remove the record")
        elif kind == "date":
            value = parse_date(text)
            if value is None:
                bad = ("date", "not a real date; use YYYY-MM-DD (XML) or DD/MM/YYYY (CSV)")
        elif kind == "bool":
            value = BOOLEANS.get(text.lower())
            if value is None:
                bad = ("boolean", "not a yes/no value; use true/false or 1/0")
        elif kind == "int":
            value = int(text) if _INT.fullmatch(text) else None
            if value is None:
                bad = ("integer", "not a whole number")
        elif kind == "sex":
            value = SEX_CODES.get(text.upper())
            if value is None:
                bad = (
                    "code",
                    "not a sex code; use M, F or U (or the older GenderCurrent 1, 2, 0, 9)",
                )
        elif kind == "codes":
            items = [t.upper() for t in re.split(r"[,;\s]+", text) if t]
            wrong = [t for t in items if valid is not None and t not in valid]
            value = ",".join(t for t in items if t not in wrong) or None
            if wrong:
                bad = (
                    "code",
                    f"{', '.join(wrong)}: not valid {col} code(s); see DATA_SPEC section 4",
                )
        elif kind == "code":
            value = text.upper()
            if valid is not None and value not in valid:
                shown = ", ".join(sorted(valid)) if len(valid) <= 25 else "see DATA_SPEC section 4"
                bad, value = ("code", f"not a valid {col} code; valid: {shown}"), None
        else:
            value = text
        if bad is not None:
            is_drop = required
            action = ("already_dropped" if dropped[i] else "dropped") if is_drop else "cleared"
            ctx.problem(file=file, row=row, child=child, column=col, value=raw, rule=bad[0],
                        message=bad[1], action=action,
                        after="" if is_drop or kind != "codes" else value)  # fmt: skip
            dropped[i] = dropped[i] or is_drop
        out.append(value)
    return out


def typed_table(df: pd.DataFrame, table: str, ctx: Context) -> pd.DataFrame:
    """Converted columns (output names), the bookkeeping columns and ``_drop``."""
    out = df[META].copy()
    out[CHILD] = pd.Series(
        [v.strip() if isinstance(v, str) and v.strip() else None for v in df["LAchildID"]],
        index=df.index,
        dtype=object,
    )
    dropped = [False] * len(df)
    for i, (child, file, row) in enumerate(zip(out[CHILD], df["_file"], df["_row"], strict=True)):
        if child is None and (table == "ChildIdentifiers" or isinstance(row, int)):
            ctx.problem(file=file, row=row, child=None, column="LAchildID", value=None,
                        rule="required", action="dropped",
                        message="LAchildID is required; every record names its child")  # fmt: skip
            dropped[i] = True
    for col, name, kind, required, valid in SPECS[table]:
        values = _convert(df, col, kind, ctx, required=required, valid=valid, dropped=dropped)
        if kind in DTYPES:
            out[name] = pd.Series(values, index=df.index, dtype=object).astype(DTYPES[kind])
        else:
            out[name] = strings(values, df.index)
    out["_drop"] = pd.Series(dropped, index=df.index, dtype=bool)
    return out


def check_rows(t: pd.DataFrame, table: str, ctx: Context) -> None:
    """End before start, dates after the reference date, duplicates (marks ``_drop``)."""
    src = {name: col for col, name, *_ in SPECS[table]}

    def problem(i: Any, col: str, value: Any, rule: str, action: str, message: str) -> None:
        ctx.problem(file=cell(t, i, "_file"), row=cell(t, i, "_row"), child=cell(t, i, CHILD),
                    column=src.get(col, col), value=value, rule=rule, action=action,
                    message=message)  # fmt: skip

    for start, end in PAIRS.get(table, ()):
        bad = (t[start].notna() & t[end].notna() & (t[end] < t[start])).to_numpy()
        for i in t.index[bad]:
            problem(i, end, cell(t, i, end).date(), "end_before_start", _act(t, i, "dropped"),
                    f"{src[end]} is before {src[start]} ({cell(t, i, start).date()}); "
                    "correct one of the two dates")  # fmt: skip
        t.loc[bad, "_drop"] = True
    ref = t["_ref"].astype("datetime64[us]")
    for col, is_start in NOT_AFTER_REFERENCE.get(table, ()):
        late = (t[col].notna() & ref.notna() & (t[col] > ref)).to_numpy()
        for i in t.index[late]:
            problem(i, col, cell(t, i, col).date(), "after_reference_date",
                    _act(t, i, "dropped" if is_start else "cleared"),
                    f"after the collection's reference date ({ref[i].date()}); a census cannot "
                    "record later events - check the date or the header")  # fmt: skip
        if is_start:
            t.loc[late, "_drop"] = True
        else:
            t.loc[late, col] = pd.NaT
    for keys in UNIQUE.get(table, ()):
        live = t[~t["_drop"]]
        dup = live.duplicated(["_coll", CHILD, *keys], keep="first").to_numpy()
        for i in live.index[dup]:
            shown = ", ".join(as_text(cell(t, i, k)) for k in keys if not k.startswith("_"))
            problem(i, keys[-1] if keys else "LAchildID", shown or cell(t, i, CHILD), "duplicate",
                    "dropped", "the same record appears twice in one collection; the first is kept")  # fmt: skip
        t.loc[live.index[dup], "_drop"] = True


def _act(t: pd.DataFrame, i: Any, action: str) -> str:
    """The repair done for a problem, or ``already_dropped`` if the record is gone already."""
    return "already_dropped" if bool(cell(t, i, "_drop")) else action


def live_rows(t: pd.DataFrame) -> pd.DataFrame:
    """The rows not marked ``_drop``, without that column."""
    return t[~t["_drop"]].drop(columns="_drop")
