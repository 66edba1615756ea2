"""CIN census reading state: one collection's raw records, and the problem/cleaning-log context.

Both readers (XML and flattened CSV) fill a :class:`Collection` per return: its label, position
among the inputs, reference date, LA code, and the records of each flattened table (strings, with
``_file`` and ``_row`` saying where each came from). A :class:`Context` collects every problem:
in strict mode as failures (raised together at the end), in repair mode as cleaning-log rows.

Examples
--------
>>> from demandmodel.data.cin_census_records import Collection, Context, parse_date, read_header
>>> ctx, coll = Context(repair=False), Collection(label="cin.xml", position=0)
>>> read_header(coll, {"ReferenceDate": "2023-03-31", "LEA": "201"}, "/Message/Header", ctx)
>>> str(coll.reference_date), coll.la_code, len(ctx.failures)
('2023-03-31', '201', 0)
>>> str(parse_date("31/03/2023")), parse_date("2023-02-30")
('2023-03-31', None)
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from demandmodel.columns import CHILD
from demandmodel.data._validate import Failures
from demandmodel.errors import DataValidationError

__all__ = ["Collection", "Context", "as_text", "cell", "parse_date", "read_header", "strings"]


_ISO = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", re.ASCII)
_UK = re.compile(r"[0-9]{2}/[0-9]{2}/[0-9]{4}", re.ASCII)


@dataclass(slots=True)
class Context:
    """Problems and the cleaning log of one read: failures (strict) or logged repairs (repair)."""

    repair: bool
    failures: Failures = field(default_factory=Failures)
    log: list[dict[str, Any]] = field(default_factory=list)
    repairs: int = 0
    fatals: int = 0

    def note(
        self, *, file: str, row: Any, child: Any, rule: str, action: str, before: Any = "",
        after: Any = "", message: str,
    ) -> None:  # fmt: skip
        """Log something that is not an error (a merge across years, an ignored element)."""
        self.log.append(
            {"file": file, "row": row, CHILD: as_text(child), "rule": rule, "action": action,
             "before": as_text(before), "after": as_text(after), "message": message}
        )  # fmt: skip

    def problem(
        self, *, file: str, row: Any, child: Any, column: str, value: Any, rule: str, message: str,
        action: str, after: Any = "",
    ) -> None:  # fmt: skip
        """A data error: a failure in strict mode, a logged repair in repair mode."""
        if self.repair:
            self.repairs += 1
            self.note(file=file, row=row, child=child, rule=rule, action=action, before=value,
                      after=after, message=f"{column}: {message}")  # fmt: skip
        else:
            self.failures.add(file=file, row=row, column=column, value=as_text(value), rule=rule,
                              message=message)  # fmt: skip

    def fatal(self, *, file: str, rule: str, message: str, row: Any = None) -> None:
        """A problem no repair can fix (unreadable file, unknown table)."""
        self.fatals += 1
        self.failures.add(file=file, row=row, rule=rule, message=message)

    def absorb(self, err: DataValidationError) -> None:
        """Take over the failures of an error raised by a lower-level reader (all fatal)."""
        for rec in err.failures.to_dict("records"):
            self.fatals += 1
            self.failures.add(
                file=str(rec["file"]),
                row=rec["row"] if rec["row"] != "" else None,
                column=str(rec["column"]) or None,
                value=rec["value"],
                rule=str(rec["rule"]),
                message=str(rec["message"]),
            )


def as_text(value: Any) -> str:
    """A value as log/failure text: blank for missing, dates as YYYY-MM-DD."""
    if value is None or value is pd.NA or value is pd.NaT:
        return ""
    if isinstance(value, float) and value != value:
        return ""
    if isinstance(value, pd.Timestamp):
        return str(value.date())
    return str(value)


def strings(values: Sequence[Any], index: Any) -> pd.Series:
    """Text values as the string dtype pandas infers (``str`` in pandas 3), missing as NaN."""
    return pd.Series(values, index=index, dtype=object).infer_objects()


def cell(t: pd.DataFrame, i: Any, col: str) -> Any:
    """``t.at[i, col]``, typed loosely (cells of the bookkeeping frames hold mixed types)."""
    return t.at[i, col]


@dataclass(slots=True)
class Collection:
    """One return as read: flattened-table records (strings), reference date and LA code."""

    label: str
    position: int
    tables: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    reference_date: dt.date | None = None
    la_code: str | None = None

    def add(self, table: str, record: dict[str, Any]) -> None:
        self.tables.setdefault(table, []).append(record)


def parse_date(text: str) -> dt.date | None:
    try:
        if _ISO.fullmatch(text):
            return dt.date(int(text[:4]), int(text[5:7]), int(text[8:10]))
        if _UK.fullmatch(text):
            return dt.date(int(text[6:10]), int(text[3:5]), int(text[:2]))
    except ValueError:
        return None
    return None


def read_header(coll: Collection, values: dict[str, str | None], row: str, ctx: Context) -> None:
    """Reference date (DfE rule 100: it is 31 March) and LA code of one collection."""
    ref = values.get("ReferenceDate")
    if ref:
        date = parse_date(ref)
        if date is None:
            ctx.problem(file=coll.label, row=row, child=None, column="ReferenceDate", value=ref,
                        rule="date", action="ignored",
                        message="not a date; the header needs the census date as YYYY-MM-DD")  # fmt: skip
        else:
            coll.reference_date = date
            if (date.month, date.day) != (3, 31):
                ctx.problem(file=coll.label, row=row, child=None, column="ReferenceDate",
                            value=ref, rule="reference_date", action="accepted", after=ref,
                            message="the CIN census reference date is 31 March (DfE rule 100); "
                            "check the header of the return")  # fmt: skip
    lea = values.get("LEA")
    if lea:
        if re.fullmatch(r"[0-9]{3}", lea, re.ASCII):
            coll.la_code = lea
        else:
            ctx.problem(file=coll.label, row=row, child=None, column="LEA", value=lea,
                        rule="code", action="ignored",
                        message="the LA code is the DfE 3-digit code (e.g. 201)")  # fmt: skip
