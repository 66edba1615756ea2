"""Children's social work workforce (CSWW) census -> per-worker frame and an LA-level summary.

Three layouts are read by :func:`read_workforce`:

* the CSWW census XML (``Message > Header, LALevelVacancies`` (``LALevel`` from 2025),
  ``CSWWWorker*``), one return per LA and year, reference date 30 September;
* an LA's own summary table, CSV with columns ``la_code, date, case_holding_fte, agency_fte,
  cases_held, vacancies`` (``date`` is 30 September; the synthetic LA writes this layout);
* the DfE's published CSWW indicators CSV (``time_period, ..., case_holders_fte, cases,
  caseload_fte, ...``), which is :func:`demandmodel.read_dfe`'s to read: it is delegated to it
  and its workforce measures are reshaped into the same summary.

The average caseload is ``sum(Cases30) / sum(FTE30)`` over case holders (workers holding at least
one case at 30 September), as in DATA_SPEC section 5.

Examples
--------
>>> import demandmodel, pathlib, tempfile
>>> path = pathlib.Path(tempfile.mkdtemp()) / "workforce.csv"
>>> _ = path.write_text("la_code,date,case_holding_fte,agency_fte,cases_held,vacancies\\n"
...                     "301,2022-09-30,120.5,30.0,2169,25.5\\n")
>>> wf = demandmodel.read_workforce(path)
>>> round(float(wf.summary.loc[0, "caseload"]), 2), str(wf.summary.loc[0, "date"].date())
(18.0, '2022-09-30')
"""

from __future__ import annotations

import datetime as dt
import io
import re
from dataclasses import dataclass
from os import PathLike
from pathlib import Path
from typing import Any, Final

import pandas as pd

from demandmodel.columns import LA_CODE, SEX
from demandmodel.data._validate import Failures
from demandmodel.data._xml import local_name, parse_xml
from demandmodel.errors import DataValidationError

__all__ = ["Workforce", "read_workforce"]

DATE: Final = "date"
SUMMARY_COLUMNS: Final = (
    LA_CODE,
    DATE,
    "headcount",
    "fte",
    "agency_headcount",
    "agency_fte",
    "case_holders",
    "case_holding_fte",
    "cases_held",
    "caseload",
    "case_holders_without_fte30",
    "vacancies",
    "source",
)
"""Columns of :attr:`Workforce.summary` (NaN where a layout does not give a value)."""

WORKER_COLUMNS: Final = (
    LA_CODE, DATE, "worker", "agency", "fte", "org_role", "role_start", "role_end", "fte30",
    "cases30", SEX, "in_post", "case_holder",
)  # fmt: skip
"""Columns of :attr:`Workforce.workers` (one row per ``CSWWWorker``)."""

LA_TABLE_COLUMNS: Final = (
    "la_code",
    "date",
    "case_holding_fte",
    "agency_fte",
    "cases_held",
    "vacancies",
)
"""The LA's own workforce CSV: one row per LA and 30 September."""

ORG_ROLES: Final = {1: "senior manager", 2: "middle manager", 3: "first-line manager",
                    4: "senior practitioner", 5: "case holder", 6: "qualified without cases"}  # fmt: skip
_SEX: Final = {"1": "M", "2": "F", "0": "U", "9": "U", "M": "M", "F": "F", "U": "U"}
_DFE_MEASURES: Final = {
    "sw_fte": "fte", "sw_agency_fte": "agency_fte", "sw_caseholder_fte": "case_holding_fte",
    "sw_cases": "cases_held", "sw_caseload": "caseload",
}  # fmt: skip
_NUMBER = re.compile(r"[0-9]+(\.[0-9]+)?", re.ASCII)
_INTEGER = re.compile(r"[0-9]+", re.ASCII)


@dataclass(frozen=True, slots=True, kw_only=True)
class Workforce:
    """A workforce census read into tidy frames.

    Attributes
    ----------
    workers
        One row per worker (census XML only; empty for the summary layouts): ``la_code, date,
        worker`` (SWENo), ``agency`` (bool), ``fte, org_role`` (1-6, see :data:`ORG_ROLES`),
        ``role_start, role_end, fte30, cases30, sex, in_post`` (in post on the reference date:
        started by then and not ended), ``case_holder`` (``cases30 > 0``).
    summary
        One row per LA and 30 September, columns :data:`SUMMARY_COLUMNS`: ``headcount`` and
        ``fte`` of LA-employed (non-agency) workers in post; ``agency_headcount`` and
        ``agency_fte`` from the LA-level block (else from agency workers in post);
        ``case_holders``, ``case_holding_fte`` (sum of FTE30), ``cases_held`` (sum of Cases30),
        ``caseload`` = sum Cases30 / sum FTE30 over case holders with an FTE30,
        ``case_holders_without_fte30`` (left out of the caseload), ``vacancies`` (FTE).
    """

    workers: pd.DataFrame
    summary: pd.DataFrame


def _date(text: str) -> dt.date | None:
    try:
        if re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", text, re.ASCII):
            return dt.date(int(text[:4]), int(text[5:7]), int(text[8:10]))
        if re.fullmatch(r"[0-9]{2}/[0-9]{2}/[0-9]{4}", text, re.ASCII):
            return dt.date(int(text[6:10]), int(text[3:5]), int(text[:2]))
    except ValueError:
        return None
    return None


@dataclass(slots=True)
class _Checker:
    """Parse values, recording a failure for each bad one (all are reported together)."""

    file: str
    failures: Failures

    def fail(self, row: Any, column: str, value: Any, rule: str, message: str) -> None:
        self.failures.add(
            file=self.file, row=row, column=column, value=value, rule=rule, message=message
        )

    def number(
        self, row: Any, column: str, text: str | None, *, upper: float | None = None
    ) -> float:
        if not text:
            return float("nan")
        if not _NUMBER.fullmatch(text):
            self.fail(row, column, text, "number", "not a non-negative number")
            return float("nan")
        value = float(text)
        if upper is not None and value > upper:
            self.fail(row, column, text, "range", f"must be between 0 and {upper:g}")
            return float("nan")
        return value

    def integer(self, row: Any, column: str, text: str | None) -> int | None:
        if not text:
            return None
        if not _INTEGER.fullmatch(text):
            self.fail(row, column, text, "integer", "not a whole number of 0 or more")
            return None
        return int(text)

    def date(self, row: Any, column: str, text: str | None) -> dt.date | None:
        if not text:
            return None
        value = _date(text)
        if value is None:
            self.fail(row, column, text, "date", "not a real date; use YYYY-MM-DD")
        return value

    def code(self, row: Any, column: str, text: str | None, valid: dict[str, Any]) -> Any:
        if not text:
            return None
        if text.upper() not in valid:
            self.fail(
                row, column, text, "code", f"not a valid {column} code; valid: {', '.join(valid)}"
            )
            return None
        return valid[text.upper()]


def _texts(el: Any) -> dict[str, str | None]:
    return {
        local_name(c.tag): ((c.text or "").strip() or None) for c in el if isinstance(c.tag, str)
    }


def _read_xml(path: Path, check: _Checker) -> Workforce:
    root = parse_xml(path, file_label=check.file)
    if local_name(str(root.tag)) != "Message":
        check.fail(None, "", local_name(str(root.tag)), "not_workforce_census",
                   "the root element is not <Message>; is this a CSWW census return?")  # fmt: skip
        check.failures.raise_if_any(f"{check.file} is not a workforce census return")
    header: dict[str, str | None] = {}
    la_level: dict[str, str | None] = {}
    workers: list[tuple[int, dict[str, str | None]]] = []
    for top in root:
        if not isinstance(top.tag, str):
            continue
        tag = local_name(top.tag)
        if tag == "Header":
            for part in top:
                if isinstance(part.tag, str):
                    header.update({k: v for k, v in _texts(part).items() if v is not None})
        elif tag in ("LALevelVacancies", "LALevel"):
            la_level = _texts(top)
        elif tag == "CSWWWorker":
            workers.append((len(workers) + 1, _texts(top)))
    collection = (header.get("Collection") or "CSWW").upper()
    if collection != "CSWW":
        check.fail("/Message/Header", "Collection", collection, "not_workforce_census",
                   "this is not a workforce (CSWW) return"
                   + ("; read it with read_cin_census" if collection == "CIN" else ""))  # fmt: skip
        check.failures.raise_if_any(f"{check.file} is not a workforce census return")
    if not workers and not la_level:
        check.fail("/Message", "", None, "not_workforce_census",
                   "no <CSWWWorker> or <LALevelVacancies> elements: not a workforce census return "
                   "(or an empty one)")  # fmt: skip
        check.failures.raise_if_any(f"{check.file} is not a workforce census return")
    ref = check.date("/Message/Header", "ReferenceDate", header.get("ReferenceDate"))
    if header.get("ReferenceDate") is None:
        check.fail("/Message/Header", "ReferenceDate", None, "required",
                   "the header needs the census date (30 September) as YYYY-MM-DD")  # fmt: skip
    la_code = header.get("LEA")
    rows = []
    for n, w in workers:
        row = f"/Message/CSWWWorker[{n}]" + (f" (SWENo {w.get('SWENo')})" if w.get("SWENo") else "")
        if not w.get("SWENo"):
            check.fail(
                row,
                "SWENo",
                None,
                "required",
                "every worker needs a SWENo (Social Work England number)",
            )
        agency = check.code(row, "AgencyWorker", w.get("AgencyWorker"), {"0": False, "1": True})
        if w.get("AgencyWorker") is None:
            check.fail(
                row,
                "AgencyWorker",
                None,
                "required",
                "say whether the worker is agency (1) or not (0)",
            )
        start = check.date(row, "RoleStartDate", w.get("RoleStartDate"))
        end = check.date(row, "RoleEndDate", w.get("RoleEndDate"))
        if start and end and end < start:
            check.fail(row, "RoleEndDate", w.get("RoleEndDate"), "end_before_start",
                       f"before RoleStartDate {start}; correct one of the two dates")  # fmt: skip
        role = check.code(row, "OrgRole", w.get("OrgRole"), {str(k): k for k in ORG_ROLES})
        sex = check.code(row, "Sex", w.get("Sex"), _SEX) if "Sex" in w else None
        if "GenderCurrent" in w and sex is None:
            sex = check.code(row, "GenderCurrent", w.get("GenderCurrent"), _SEX)
        rows.append(
            {
                LA_CODE: la_code, DATE: ref, "worker": w.get("SWENo"), "agency": agency,
                "fte": check.number(row, "FTE", w.get("FTE"), upper=1.0), "org_role": role,
                "role_start": start, "role_end": end,
                "fte30": check.number(row, "FTE30", w.get("FTE30"), upper=1.0),
                "cases30": check.integer(row, "Cases30", w.get("Cases30")), SEX: sex,
                "_row": row,
            }
        )  # fmt: skip
    seen: set[str] = set()
    for r in rows:
        if r["worker"] in seen:
            check.fail(
                r["_row"], "SWENo", r["worker"], "duplicate", "the same worker appears twice"
            )
        seen.add(r["worker"])
    vacancies = check.number(
        "/Message/LALevelVacancies", "NumberOfVacancies", la_level.get("NumberOfVacancies")
    )
    agency_fte = check.number(
        "/Message/LALevelVacancies", "NoAgencyFTE", la_level.get("NoAgencyFTE")
    )
    agency_head = check.integer(
        "/Message/LALevelVacancies", "NoAgencyHeadcount", la_level.get("NoAgencyHeadcount")
    )
    check.failures.raise_if_any(
        f"{len(check.failures)} problem(s) in the workforce census {check.file}; fix them and read it again"
    )
    frame = _workers_frame(rows, ref)
    return Workforce(
        workers=frame,
        summary=_summarise(frame, la_code, ref, vacancies, agency_fte, agency_head, check.file),
    )


def _workers_frame(rows: list[dict[str, Any]], ref: dt.date | None) -> pd.DataFrame:
    frame = pd.DataFrame.from_records(
        rows, columns=[c for c in WORKER_COLUMNS if c not in ("in_post", "case_holder")]
    )
    for col in (DATE, "role_start", "role_end"):
        frame[col] = pd.Series(frame[col], dtype=object).astype("datetime64[us]")
    frame["agency"] = pd.array(frame["agency"].tolist(), dtype="boolean")
    frame["org_role"] = pd.array(frame["org_role"].tolist(), dtype="Int64")
    frame["cases30"] = pd.array(frame["cases30"].tolist(), dtype="Int64")
    frame[["fte", "fte30"]] = frame[["fte", "fte30"]].astype(float)
    when = pd.Timestamp(ref) if ref else pd.NaT
    started = frame["role_start"].isna() | (frame["role_start"] <= when)
    ended = frame["role_end"].notna() & (frame["role_end"] <= when)
    frame["in_post"] = (started & ~ended).astype(bool)
    frame["case_holder"] = frame["cases30"].fillna(0).gt(0).astype(bool)
    return frame[list(WORKER_COLUMNS)]


def _summarise(
    w: pd.DataFrame, la_code: str | None, ref: dt.date | None, vacancies: float,
    agency_fte: float, agency_head: int | None, source: str,
) -> pd.DataFrame:  # fmt: skip
    staff = w[w["in_post"] & ~w["agency"].fillna(False).astype(bool)]
    agency = w[w["in_post"] & w["agency"].fillna(False).astype(bool)]
    holders = w[w["case_holder"]]
    with_fte = holders[holders["fte30"].fillna(0) > 0]
    fte30 = float(with_fte["fte30"].sum())
    row = {
        LA_CODE: la_code, DATE: pd.Timestamp(ref) if ref else pd.NaT,
        "headcount": float(len(staff)), "fte": float(staff["fte"].sum()),
        "agency_headcount": float(agency_head if agency_head is not None else len(agency)),
        "agency_fte": agency_fte if agency_fte == agency_fte else float(agency["fte"].sum()),
        "case_holders": float(len(holders)), "case_holding_fte": fte30,
        "cases_held": float(holders["cases30"].sum()),
        "caseload": float(with_fte["cases30"].sum()) / fte30 if fte30 > 0 else float("nan"),
        "case_holders_without_fte30": float(len(holders) - len(with_fte)),
        "vacancies": vacancies, "source": source,
    }  # fmt: skip
    return _summary_frame([row])


def _summary_frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    frame = pd.DataFrame.from_records(rows, columns=list(SUMMARY_COLUMNS))
    frame[DATE] = pd.Series(frame[DATE], dtype=object).astype("datetime64[us]")
    numeric = [c for c in SUMMARY_COLUMNS if c not in (LA_CODE, DATE, "source")]
    frame[numeric] = frame[numeric].astype(float)
    return frame


def _read_la_table(frame: pd.DataFrame, check: _Checker) -> Workforce:
    rows = []
    seen: set[tuple[str, dt.date]] = set()
    for n, rec in enumerate(frame.to_dict("records"), start=1):
        la = (rec.get("la_code") or "").strip()
        if not re.fullmatch(r"[0-9]{3}", la, re.ASCII):
            check.fail(n, "la_code", la, "code", "the DfE 3-digit LA code (e.g. 301)")
        when = check.date(n, "date", (rec.get("date") or "").strip() or None)
        if rec.get("date") in (None, ""):
            check.fail(n, "date", None, "required", "the census date (30 September) is required")
        elif when is not None and (when.month, when.day) != (9, 30):
            check.fail(n, "date", rec.get("date"), "not_30_september",
                       "the workforce census counts at 30 September; give that date")  # fmt: skip
        values = {
            c: check.number(n, c, (rec.get(c) or "").strip() or None) for c in LA_TABLE_COLUMNS[2:]
        }
        if when is not None and (la, when) in seen:
            check.fail(n, "date", rec.get("date"), "duplicate", f"LA {la} has two rows for {when}")
        if when is not None:
            seen.add((la, when))
        fte, cases = values["case_holding_fte"], values["cases_held"]
        rows.append({LA_CODE: la, DATE: pd.Timestamp(when) if when else pd.NaT, **values,
                     "caseload": cases / fte if fte > 0 else float("nan"), "source": check.file})  # fmt: skip
    check.failures.raise_if_any(
        f"{len(check.failures)} problem(s) in the workforce table {check.file}; fix them and read it again"
    )
    return Workforce(workers=_workers_frame([], None), summary=_summary_frame(rows))


def _read_dfe_indicators(path: Path) -> Workforce:
    """Delegate the published CSWW indicators to read_dfe, then reshape to the summary."""
    import demandmodel

    reader = getattr(demandmodel, "read_dfe", None)
    if reader is None:  # pragma: no cover - read_dfe ships with the package
        raise DataValidationError(
            f"{path}: the published CSWW indicators are read by read_dfe, which is missing"
        )
    panel = reader(path)
    panel = panel[panel["measure"].isin(_DFE_MEASURES)]
    wide = panel.pivot_table(
        index=[LA_CODE, "period"], columns="measure", values="value", aggfunc="first", dropna=False
    )
    wide = wide.rename(columns=_DFE_MEASURES).reset_index()
    rows = [
        {LA_CODE: r[LA_CODE], DATE: pd.Timestamp(int(r["period"]), 9, 30), "source": str(path),
         **{c: r[c] for c in _DFE_MEASURES.values() if c in r}}
        for r in wide.to_dict("records")
    ]  # fmt: skip
    return Workforce(workers=_workers_frame([], None), summary=_summary_frame(rows))


def read_workforce(path: str | PathLike[str]) -> Workforce:
    """Read a workforce census return, an LA's workforce table, or the DfE CSWW indicators.

    Parameters
    ----------
    path
        A CSWW census XML (one LA, one year), a CSV with columns ``la_code, date,
        case_holding_fte, agency_fte, cases_held, vacancies`` (dates ``YYYY-MM-DD`` or
        ``DD/MM/YYYY``, each 30 September), or the DfE ``csww_indicators`` CSV (delegated to
        :func:`demandmodel.read_dfe`).

    Returns
    -------
    Workforce
        ``workers`` (census XML only) and ``summary`` (one row per LA and 30 September).

    Raises
    ------
    DataValidationError
        Listing every problem (file, row, column, value, rule, message): unreadable, empty,
        truncated or hostile XML; a CSV of another layout; bad dates; invalid codes
        (AgencyWorker, OrgRole, sex); FTE outside 0-1; negative or fractional cases; an end
        before its start; duplicate workers or LA-dates.

    Examples
    --------
    >>> import demandmodel, pathlib, tempfile
    >>> xml = b'''<Message><Header><CollectionDetails><Collection>CSWW</Collection>
    ... <ReferenceDate>2022-09-30</ReferenceDate></CollectionDetails><Source><LEA>301</LEA></Source></Header>
    ... <LALevelVacancies><NumberOfVacancies>2.5</NumberOfVacancies><NoAgencyFTE>1.0</NoAgencyFTE>
    ... <NoAgencyHeadcount>1</NoAgencyHeadcount></LALevelVacancies>
    ... <CSWWWorker><AgencyWorker>0</AgencyWorker><SWENo>SW1</SWENo><FTE>1</FTE><OrgRole>5</OrgRole>
    ... <FTE30>1</FTE30><Cases30>18</Cases30></CSWWWorker>
    ... <CSWWWorker><AgencyWorker>0</AgencyWorker><SWENo>SW2</SWENo><FTE>0.5</FTE><OrgRole>5</OrgRole>
    ... <FTE30>0.5</FTE30><Cases30>9</Cases30></CSWWWorker></Message>'''
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "csww_2022.xml"
    >>> _ = path.write_bytes(xml)
    >>> s = demandmodel.read_workforce(path).summary.iloc[0]
    >>> float(s["headcount"]), float(s["case_holding_fte"]), float(s["cases_held"]), float(s["caseload"])
    (2.0, 1.5, 27.0, 18.0)
    """
    p = Path(path)
    check = _Checker(file=str(p), failures=Failures())
    is_xml = p.suffix.lower() == ".xml"
    if not is_xml and p.suffix.lower() != ".csv":
        try:
            with p.open("rb") as fh:
                is_xml = fh.read(256).lstrip().startswith(b"<")
        except OSError:
            is_xml = True  # parse_xml names the unreadable file
    if is_xml:
        return _read_xml(p, check)
    try:
        raw = p.read_bytes()
    except OSError as err:
        check.fail(None, "", "", "file_unreadable", f"cannot read the file ({err.strerror or err})")
        raise DataValidationError(f"{p}: cannot read the file", check.failures.frame()) from err
    if not raw.strip():
        check.fail(None, "", "", "file_empty", "the file is empty")
        check.failures.raise_if_any(f"{p} is empty")
    try:
        frame = pd.read_csv(
            io.StringIO(raw.decode("utf-8-sig", errors="replace")), dtype=str, keep_default_na=False
        )
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError) as err:
        check.fail(None, "", "", "csv_malformed", f"not a readable CSV table ({err})")
        raise DataValidationError(f"{p}: not a readable CSV", check.failures.frame()) from err
    columns = {str(c).strip() for c in frame.columns}
    frame.columns = [str(c).strip() for c in frame.columns]
    if set(LA_TABLE_COLUMNS) <= columns:
        return _read_la_table(frame, check)
    if {"time_period", "caseload_fte"} <= columns:
        return _read_dfe_indicators(p)
    missing = ", ".join(sorted(set(LA_TABLE_COLUMNS) - columns))
    check.fail(None, "", "", "unknown_layout",
               f"not a workforce layout: expected the columns {', '.join(LA_TABLE_COLUMNS)} "
               f"(missing {missing}) or the DfE CSWW indicators")  # fmt: skip
    check.failures.raise_if_any(f"{p}: unknown workforce table layout")
    raise AssertionError("unreachable")  # pragma: no cover
