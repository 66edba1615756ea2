"""CIN census returns (XML, or the flattened CSV tables) -> tidy CIN, s47 and CP frames.

One CIN census XML is one year's collection (``Message > Header``, ``Message > Children > Child*``);
the flattened CSV layout of ``csc-validator-be-cin`` splits it into tables (``CINdetails``,
``Section47``, ``ChildProtectionPlans``, ...) that are recognised by their columns, not their
names. :func:`read_cin_census` reads any mix of them, validates every value (collecting all
problems into one :class:`~demandmodel.DataValidationError`), and stitches several years: a
referral re-stated in a later collection is kept once, from the latest collection; as a return
holds only its year's activity, the referral's plans, s47s, assessments and reviews are the union
over the collections, each kept once from the latest collection that has it. Every merge or
repair is a row of the cleaning log, so ``rows read == rows kept + rows logged``.

Examples
--------
>>> import demandmodel
>>> xml = b'''<Message><Header><CollectionDetails><Collection>CIN</Collection>
... <ReferenceDate>2022-03-31</ReferenceDate></CollectionDetails><Source><LEA>201</LEA></Source></Header>
... <Children><Child><ChildIdentifiers><LAchildID>C1</LAchildID><PersonBirthDate>2015-03-27</PersonBirthDate>
... <GenderCurrent>2</GenderCurrent></ChildIdentifiers>
... <CINdetails><CINreferralDate>2021-10-06</CINreferralDate><ReferralSource>1a</ReferralSource>
... <PrimaryNeedCode>N1</PrimaryNeedCode><ReferralNFA>false</ReferralNFA>
... <ChildProtectionPlans><CPPstartDate>2021-11-17</CPPstartDate><InitialCategoryOfAbuse>NEG</InitialCategoryOfAbuse>
... </ChildProtectionPlans></CINdetails></Child></Children></Message>'''
>>> import pathlib, tempfile
>>> path = pathlib.Path(tempfile.mkdtemp()) / "cin_2022.xml"
>>> _ = path.write_bytes(xml)
>>> census = demandmodel.read_cin_census(path)
>>> census.children[["child", "la_code", "sex"]].to_dict("records")
[{'child': 'C1', 'la_code': '201', 'sex': 'F'}]
>>> census.cin_episodes.loc[0, "referral_source"], bool(census.cin_episodes.loc[0, "nfa"])
('1A', False)
>>> str(census.cp_plans.loc[0, "start"].date()), int(census.collections.loc[0, "collection_year"])
('2021-11-17', 2022)
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from os import PathLike
from pathlib import Path
from typing import Any, Final

import pandas as pd

from demandmodel.columns import CHILD, CLEANING_LOG_COLUMNS, DOB, END, LA_CODE, SEX, START
from demandmodel.data._validate import Failures
from demandmodel.data._xml import local_name, parse_xml
from demandmodel.errors import DataRepairWarning, DataValidationError

__all__ = ["CINCensus", "read_cin_census"]

REFERRAL_DATE: Final = "referral_date"
COLLECTION_YEAR: Final = "collection_year"
SOURCE_FILE: Final = "source"

_ISO = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", re.ASCII)
_UK = re.compile(r"[0-9]{2}/[0-9]{2}/[0-9]{4}", re.ASCII)
_INT = re.compile(r"[0-9]{1,6}", re.ASCII)


# ----------------------------------------------------------------------------------------------
# The flattened tables (csc-validator-be-cin layout) and the code lists of DATA_SPEC section 4.

HEADER_FIELDS: Final = ("Collection", "Year", "ReferenceDate", "SourceLevel", "LEA", "SoftwareCode",
                        "Release", "SerialNo", "DateTime")  # fmt: skip
TABLES: Final[dict[str, tuple[str, ...]]] = {
    "Header": HEADER_FIELDS,
    "ChildIdentifiers": ("LAchildID", "UPN", "FormerUPN", "UPNunknown", "PersonBirthDate",
                         "ExpectedPersonBirthDate", "GenderCurrent", "Sex", "PersonDeathDate"),
    "ChildCharacteristics": ("LAchildID", "Ethnicity"),
    "Disabilities": ("LAchildID", "Disability"),
    "CINdetails": ("LAchildID", "CINdetailsID", "CINreferralDate", "ReferralSource", "PrimaryNeedCode",
                   "CINclosureDate", "ReasonForClosure", "DateOfInitialCPC", "ReferralNFA"),
    "Assessments": ("LAchildID", "CINdetailsID", "AssessmentID", "AssessmentActualStartDate",
                    "AssessmentInternalReviewDate", "AssessmentAuthorisationDate", "AssessmentFactors"),
    "AssessmentFactorsList": ("LAchildID", "CINdetailsID", "AssessmentID", "AssessmentFactor"),
    "CINplanDates": ("LAchildID", "CINdetailsID", "CINPlanStartDate", "CINPlanEndDate"),
    "Section47": ("LAchildID", "CINdetailsID", "S47ActualStartDate", "InitialCPCtarget",
                  "DateOfInitialCPC", "ICPCnotRequired"),
    "ChildProtectionPlans": ("LAchildID", "CINdetailsID", "CPPID", "CPPstartDate", "CPPendDate",
                             "InitialCategoryOfAbuse", "LatestCategoryOfAbuse", "NumberOfPreviousCPP"),
    "Reviews": ("LAchildID", "CINdetailsID", "CPPID", "CPPreviewDate"),
}  # fmt: skip
"""Columns of each flattened table (the CSV layout; XML is read into the same tables)."""

SIGNATURES: Final[dict[str, frozenset[str]]] = {
    "Header": frozenset({"ReferenceDate"}),
    "ChildIdentifiers": frozenset({"LAchildID", "PersonBirthDate"}),
    "ChildCharacteristics": frozenset({"LAchildID", "Ethnicity"}),
    "Disabilities": frozenset({"LAchildID", "Disability"}),
    "CINdetails": frozenset({"LAchildID", "CINdetailsID", "CINreferralDate"}),
    "Assessments": frozenset({"LAchildID", "CINdetailsID", "AssessmentActualStartDate"}),
    "AssessmentFactorsList": frozenset(
        {"LAchildID", "CINdetailsID", "AssessmentID", "AssessmentFactor"}
    ),
    "CINplanDates": frozenset({"LAchildID", "CINdetailsID", "CINPlanStartDate"}),
    "Section47": frozenset({"LAchildID", "CINdetailsID", "S47ActualStartDate"}),
    "ChildProtectionPlans": frozenset({"LAchildID", "CINdetailsID", "CPPstartDate"}),
    "Reviews": frozenset({"LAchildID", "CINdetailsID", "CPPID", "CPPreviewDate"}),
    "PreProceedings": frozenset({"LAchildID", "PPStartDate"}),
}
"""A CSV file is the table whose signature columns it has (the most specific match wins)."""

CIN_FIELDS: Final = TABLES["CINdetails"][2:]
CIN_CONTAINERS: Final = ("Assessments", "CINPlanDates", "Section47", "ChildProtectionPlans",
                         "PreProceedingsandFGDM")  # fmt: skip

REFERRAL_SOURCES: Final = frozenset(
    [
        "1A",
        "1B",
        "1C",
        "1D",
        "2A",
        "2B",
        "3A",
        "3B",
        "3C",
        "3D",
        "3E",
        "3F",
        "4",
        "5A",
        "5B",
        "5C",
        "5D",
        "6",
        "7",
        "8",
        "9",
        "10",
    ]
)
PRIMARY_NEEDS: Final = frozenset(f"N{i}" for i in range(10))
CLOSURE_REASONS: Final = frozenset(f"RC{i}" for i in range(1, 10))
ABUSE_CATEGORIES: Final = frozenset({"NEG", "PHY", "SAB", "EMO", "MUL"})
DISABILITIES: Final = frozenset(
    ["NONE", "MOB", "HAND", "PC", "INC", "COMM", "LD", "HEAR", "VIS", "BEH", "CON", "AUT", "DDA"]
)
ETHNICITIES: Final = frozenset(
    [
        "WBRI",
        "WIRI",
        "WOTH",
        "WIRT",
        "WROM",
        "MWBC",
        "MWBA",
        "MWAS",
        "MOTH",
        "AIND",
        "APKN",
        "ABAN",
        "AOTH",
        "BCRB",
        "BAFR",
        "BOTH",
        "CHNE",
        "OOTH",
        "REFU",
        "NOBT",
    ]
)
UPN_UNKNOWN: Final = frozenset(f"UN{i}" for i in range(1, 8))
ASSESSMENT_FACTORS: Final = frozenset(
    [
        "1A",
        "1B",
        "1C",
        "2A",
        "2B",
        "2C",
        "3A",
        "3B",
        "3C",
        "4A",
        "4B",
        "4C",
        "5A",
        "5B",
        "5C",
        "6A",
        "6B",
        "6C",
        "7A",
        "8B",
        "8C",
        "8D",
        "8E",
        "8F",
        "9A",
        "10A",
        "11A",
        "12A",
        "13A",
        "14A",
        "15A",
        "16A",
        "17A",
        "18A",
        "18B",
        "18C",
        "19A",
        "19B",
        "19C",
        "20",
        "21",
        "22A",
        "23A",
        "24A",
    ]
)
"""Includes 18A/19A, valid before their split into child-on-child / adult-on-child."""
SEX_CODES: Final = {"M": "M", "F": "F", "U": "U", "1": "M", "2": "F", "0": "U", "9": "U"}
"""Sex M/F/U (from 2024/25) and the older GenderCurrent 1/2/0/9, in either element."""
BOOLEANS: Final = {"true": True, "1": True, "yes": True, "y": True,
                   "false": False, "0": False, "no": False, "n": False}  # fmt: skip

_Spec = tuple[str, str, str, bool, frozenset[str] | None]
_D = "_detail"  # CINdetailsID: links child-level records to their CIN episode
SPECS: Final[dict[str, list[_Spec]]] = {
    "ChildIdentifiers": [
        ("UPN", "upn", "text", False, None),
        ("FormerUPN", "former_upn", "text", False, None),
        ("UPNunknown", "upn_unknown", "code", False, UPN_UNKNOWN),
        ("PersonBirthDate", DOB, "date", False, None),
        ("ExpectedPersonBirthDate", "expected_dob", "date", False, None),
        ("GenderCurrent", "_gender", "sex", False, None),
        ("Sex", "_sex", "sex", False, None),
        ("PersonDeathDate", "death_date", "date", False, None),
    ],
    "ChildCharacteristics": [("Ethnicity", "ethnicity", "code", False, ETHNICITIES)],
    "Disabilities": [("Disability", "disability", "code", False, DISABILITIES)],
    "CINdetails": [
        ("CINdetailsID", _D, "text", True, None),
        ("CINreferralDate", REFERRAL_DATE, "date", True, None),
        ("ReferralSource", "referral_source", "code", False, REFERRAL_SOURCES),
        ("PrimaryNeedCode", "primary_need", "code", False, PRIMARY_NEEDS),
        ("CINclosureDate", "closure_date", "date", False, None),
        ("ReasonForClosure", "reason_for_closure", "code", False, CLOSURE_REASONS),
        ("DateOfInitialCPC", "initial_cpc_date", "date", False, None),
        ("ReferralNFA", "nfa", "bool", False, None),
    ],
    "Assessments": [
        ("CINdetailsID", _D, "text", True, None),
        ("AssessmentActualStartDate", START, "date", True, None),
        ("AssessmentInternalReviewDate", "review_date", "date", False, None),
        ("AssessmentAuthorisationDate", "authorised", "date", False, None),
        ("AssessmentFactors", "factors", "codes", False, ASSESSMENT_FACTORS),
    ],
    "CINplanDates": [
        ("CINdetailsID", _D, "text", True, None),
        ("CINPlanStartDate", START, "date", True, None),
        ("CINPlanEndDate", END, "date", False, None),
    ],
    "Section47": [
        ("CINdetailsID", _D, "text", True, None),
        ("S47ActualStartDate", START, "date", True, None),
        ("InitialCPCtarget", "icpc_target", "date", False, None),
        ("DateOfInitialCPC", "icpc_date", "date", False, None),
        ("ICPCnotRequired", "icpc_not_required", "bool", False, None),
    ],
    "ChildProtectionPlans": [
        ("CINdetailsID", _D, "text", True, None),
        ("CPPID", "_plan", "text", False, None),
        ("CPPstartDate", START, "date", True, None),
        ("CPPendDate", END, "date", False, None),
        ("InitialCategoryOfAbuse", "initial_category", "code", False, ABUSE_CATEGORIES),
        ("LatestCategoryOfAbuse", "latest_category", "code", False, ABUSE_CATEGORIES),
        ("NumberOfPreviousCPP", "previous_plans", "int", False, None),
    ],
    "Reviews": [
        ("CINdetailsID", _D, "text", True, None),
        ("CPPID", "_plan", "text", True, None),
        ("CPPreviewDate", "review_date", "date", True, None),
    ],
}
"""Per table: (source column, output column, kind, required, valid codes)."""

PAIRS: Final[dict[str, list[tuple[str, str]]]] = {
    "CINdetails": [(REFERRAL_DATE, "closure_date")],
    "Assessments": [(START, "authorised")],
    "CINplanDates": [(START, END)],
    "ChildProtectionPlans": [(START, END)],
}
"""(start, end) pairs: an end before its start drops the record (which date is wrong is unknown)."""

NOT_AFTER_REFERENCE: Final[dict[str, list[tuple[str, bool]]]] = {
    "ChildIdentifiers": [(DOB, False), ("death_date", False)],
    "CINdetails": [(REFERRAL_DATE, True), ("closure_date", False)],
    "Assessments": [(START, True), ("authorised", False)],
    "CINplanDates": [(START, True), (END, False)],
    "Section47": [(START, True)],
    "ChildProtectionPlans": [(START, True), (END, False)],
    "Reviews": [("review_date", True)],
}
"""Dates that cannot be after the collection's reference date; True: the record is dropped
(repair), False: the date is cleared (the event had not happened by the census date)."""

UNIQUE: Final[dict[str, list[tuple[str, ...]]]] = {
    "ChildIdentifiers": [()],
    "CINdetails": [(REFERRAL_DATE,), (_D,)],
    "Assessments": [(_D, START)],
    "CINplanDates": [(_D, START)],
    "Section47": [(_D, START)],
    "ChildProtectionPlans": [(_D, START)],
    "Reviews": [(_D, "_plan", "review_date")],
}
"""Keys (besides collection and child) that identify a record within one collection."""


@dataclass(frozen=True, slots=True, kw_only=True)
class CINCensus:
    """Tidy frames read from one or more CIN census collections.

    Every frame names the child as ``child`` (the census ``LAchildID``) with ``la_code``; child-level
    tables carry the ``referral_date`` of their CIN episode, so ``(la_code, child, referral_date)``
    joins them to :attr:`cin_episodes`. ``source`` and ``collection_year`` say which file and which
    collection (year ending 31 March) each row was kept from.

    Attributes
    ----------
    children
        One row per child: ``child, la_code, upn, former_upn, upn_unknown, dob, expected_dob, sex
        (M/F/U), death_date, ethnicity, disabilities`` (comma-separated codes).
    cin_episodes
        One row per referral (CIN episode): ``child, la_code, upn, referral_date, closure_date,
        referral_source, primary_need, reason_for_closure, nfa, initial_cpc_date``.
    assessments
        ``child, la_code, referral_date, start, review_date, authorised, factors``.
    cin_plans
        ``child, la_code, referral_date, start, end``.
    s47
        ``child, la_code, referral_date, start, icpc_target, icpc_date, icpc_not_required``.
    cp_plans
        ``child, la_code, referral_date, start, end, initial_category, latest_category,
        previous_plans``.
    cp_reviews
        ``child, la_code, referral_date, cp_start, review_date``.
    collections
        One row per collection read: ``source, collection_year, reference_date, la_code, children``.
    log
        The cleaning log (``file, row, child, rule, action, before, after, message``): every row
        merged across years, repaired or dropped, and every input element that was ignored.
    """

    children: pd.DataFrame
    cin_episodes: pd.DataFrame
    assessments: pd.DataFrame
    cin_plans: pd.DataFrame
    s47: pd.DataFrame
    cp_plans: pd.DataFrame
    cp_reviews: pd.DataFrame
    collections: pd.DataFrame
    log: pd.DataFrame

    @property
    def referrals(self) -> pd.DataFrame:
        """The same frame as :attr:`cin_episodes` (one CIN episode per accepted referral)."""
        return self.cin_episodes


# ----------------------------------------------------------------------------------------------
# Problems: strict mode collects failures, repair mode logs what it did instead.


@dataclass(slots=True)
class _Ctx:
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
            {"file": file, "row": row, CHILD: _s(child), "rule": rule, "action": action,
             "before": _s(before), "after": _s(after), "message": message}
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
            self.failures.add(file=file, row=row, column=column, value=_s(value), rule=rule,
                              message=message)  # fmt: skip

    def fatal(self, *, file: str, rule: str, message: str, row: Any = None) -> None:
        """A problem no repair can fix (unreadable file, unknown table)."""
        self.fatals += 1
        self.failures.add(file=file, row=row, rule=rule, message=message)

    def absorb(self, err: DataValidationError) -> None:
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


def _s(value: Any) -> str:
    """A value as log/failure text: blank for missing, dates as YYYY-MM-DD."""
    if value is None or value is pd.NA or value is pd.NaT:
        return ""
    if isinstance(value, float) and value != value:
        return ""
    if isinstance(value, pd.Timestamp):
        return str(value.date())
    return str(value)


def _strings(values: Sequence[Any], index: Any) -> pd.Series:
    """Text values as the string dtype pandas infers (``str`` in pandas 3), missing as NaN."""
    return pd.Series(values, index=index, dtype=object).infer_objects()


def _cell(t: pd.DataFrame, i: Any, col: str) -> Any:
    """``t.at[i, col]``, typed loosely (cells of the bookkeeping frames hold mixed types)."""
    return t.at[i, col]


# ----------------------------------------------------------------------------------------------
# Reading: XML and CSV both become the flattened tables of TABLES (strings, plus _file/_row).


@dataclass(slots=True)
class _Collection:
    label: str
    position: int
    tables: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    reference_date: dt.date | None = None
    la_code: str | None = None

    def add(self, table: str, record: dict[str, Any]) -> None:
        self.tables.setdefault(table, []).append(record)


def _parse_date(text: str) -> dt.date | None:
    try:
        if _ISO.fullmatch(text):
            return dt.date(int(text[:4]), int(text[5:7]), int(text[8:10]))
        if _UK.fullmatch(text):
            return dt.date(int(text[6:10]), int(text[3:5]), int(text[:2]))
    except ValueError:
        return None
    return None


def _header(coll: _Collection, values: dict[str, str | None], row: str, ctx: _Ctx) -> None:
    """Reference date (DfE rule 100: it is 31 March) and LA code of one collection."""
    ref = values.get("ReferenceDate")
    if ref:
        date = _parse_date(ref)
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


def _kids(el: Any, tag: str) -> list[Any]:
    return [c for c in el if isinstance(c.tag, str) and local_name(c.tag) == tag]


def _fields(
    el: Any, fields: Sequence[str], containers: Iterable[str], *, coll: _Collection, row: str,
    child: str | None, ctx: _Ctx,
) -> dict[str, str | None]:  # fmt: skip
    """Text of the known sub-elements of ``el``; unknown ones and stray text are logged."""
    out: dict[str, str | None] = dict.fromkeys(fields)
    known = set(fields) | set(containers)
    if (el.text or "").strip() and len(el):
        ctx.note(file=coll.label, row=row, child=child, rule="stray_text", action="ignored",
                 before=el.text.strip(), message="text between elements is not part of the return")  # fmt: skip
    for sub in el:
        if not isinstance(sub.tag, str):
            continue
        tag = local_name(sub.tag)
        if (sub.tail or "").strip():
            ctx.note(file=coll.label, row=row, child=child, rule="stray_text", action="ignored",
                     before=sub.tail.strip(), message=f"text after <{tag}> is not part of the return")  # fmt: skip
        if tag not in known:
            ctx.note(file=coll.label, row=row, child=child, rule="unknown_element", action="ignored",
                     before=tag, message=f"<{tag}> is not a CIN census element here; not read")  # fmt: skip
        elif tag in out:
            text = (sub.text or "").strip() or None
            if out[tag] is not None:
                ctx.problem(file=coll.label, row=row, child=child, column=tag, value=text,
                            rule="repeated_element", action="dropped", after=out[tag],
                            message="given twice; the first value is kept")  # fmt: skip
            else:
                out[tag] = text
    return out


def _read_xml(path: Path, position: int, ctx: _Ctx) -> _Collection | None:
    label = str(path)
    try:
        root = parse_xml(path, file_label=label)
    except DataValidationError as err:
        ctx.absorb(err)
        return None
    if local_name(str(root.tag)) != "Message":
        ctx.fatal(file=label, rule="not_cin_census",
                  message=f"the root element is <{local_name(str(root.tag))}>, not <Message>; "
                  "is this a CIN census return?")  # fmt: skip
        return None
    coll = _Collection(label=label, position=position)
    kw: dict[str, Any] = {"coll": coll, "ctx": ctx}
    children_el = None
    for top in root:
        if not isinstance(top.tag, str):
            continue
        tag = local_name(top.tag)
        if tag == "Header":
            values: dict[str, str | None] = {}
            for part in top:
                if isinstance(part.tag, str):
                    got = _fields(part, HEADER_FIELDS, (), row="/Message/Header", child=None, **kw)
                    values.update({k: v for k, v in got.items() if v is not None})
            collection = (values.get("Collection") or "CIN").upper()
            if collection != "CIN":
                ctx.fatal(file=label, rule="not_cin_census", row="/Message/Header",
                          message=f"the header says Collection={collection}, not CIN"
                          + ("; read it with read_workforce" if collection == "CSWW" else ""))  # fmt: skip
                return None
            _header(coll, values, "/Message/Header", ctx)
        elif tag == "Children":
            children_el = top
        else:
            ctx.note(file=label, row=f"/Message/{tag}", child=None, rule="unknown_element",
                     action="ignored", before=tag, message=f"<{tag}> is not read")  # fmt: skip
    if children_el is None:
        ctx.fatal(file=label, rule="not_cin_census",
                  message="no <Children> element under <Message>; the file is not a CIN census "
                  "return or it is truncated")  # fmt: skip
        return None
    for i, child_el in enumerate(_kids(children_el, "Child"), start=1):
        _read_child(child_el, f"/Message/Children/Child[{i}]", **kw)
    return coll


def _read_child(el: Any, path: str, *, coll: _Collection, ctx: _Ctx) -> None:
    kw: dict[str, Any] = {"coll": coll, "ctx": ctx}
    ident_els = _kids(el, "ChildIdentifiers")
    ids: dict[str, str | None] = dict.fromkeys(TABLES["ChildIdentifiers"])
    if ident_els:
        ids = _fields(ident_els[0], TABLES["ChildIdentifiers"], (), row=f"{path}/ChildIdentifiers",
                      child=None, **kw)  # fmt: skip
    cid = ids["LAchildID"]

    def loc(sub: str) -> str:
        return f"child {cid or '?'} at {path}{sub}"

    def rec(sub: str, values: dict[str, Any]) -> dict[str, Any]:
        return {**values, "LAchildID": cid, "_file": coll.label, "_row": loc(sub)}

    coll.add("ChildIdentifiers", rec("/ChildIdentifiers", ids))
    _fields(el, (), ("ChildIdentifiers", "ChildCharacteristics", "CINdetails"), row=loc(""),
            child=cid, **kw)  # fmt: skip
    for chars in _kids(el, "ChildCharacteristics")[:1]:
        sub = "/ChildCharacteristics"
        values = _fields(chars, ("Ethnicity",), ("Disabilities",), row=loc(sub), child=cid, **kw)
        coll.add("ChildCharacteristics", rec(sub, values))
        for dis in _kids(chars, "Disabilities"):
            for n, d in enumerate(_kids(dis, "Disability"), start=1):
                coll.add("Disabilities", rec(f"{sub}/Disabilities/Disability[{n}]",
                                             {"Disability": (d.text or "").strip() or None}))  # fmt: skip
    for j, det in enumerate(_kids(el, "CINdetails"), start=1):
        sub = f"/CINdetails[{j}]"
        values = _fields(det, CIN_FIELDS, CIN_CONTAINERS, row=loc(sub), child=cid, **kw)
        # XML has no CINdetailsID: number them by element, unique in the file (Child 3, 2nd -> "3.2")
        detail_id = f"{path.rsplit('[', 1)[-1].rstrip(']')}.{j}"
        coll.add("CINdetails", rec(sub, {**values, "CINdetailsID": detail_id}))
        parent = {"CINdetailsID": detail_id}
        for k, ass in enumerate(_kids(det, "Assessments"), start=1):
            s = f"{sub}/Assessments[{k}]"
            values = _fields(ass, TABLES["Assessments"][3:6], ("FactorsIdentifiedAtAssessment",),
                             row=loc(s), child=cid, **kw)  # fmt: skip
            factors = [
                (f.text or "").strip()
                for box in _kids(ass, "FactorsIdentifiedAtAssessment")
                for f in _kids(box, "AssessmentFactors")
            ]
            values["AssessmentFactors"] = ",".join(f for f in factors if f) or None
            coll.add("Assessments", rec(s, {**values, **parent, "AssessmentID": str(k)}))
        for tag, table in (("CINPlanDates", "CINplanDates"), ("Section47", "Section47")):
            for k, item in enumerate(_kids(det, tag), start=1):
                s = f"{sub}/{tag}[{k}]"
                values = _fields(item, TABLES[table][2:], (), row=loc(s), child=cid, **kw)
                coll.add(table, rec(s, {**values, **parent}))
        for k, cpp in enumerate(_kids(det, "ChildProtectionPlans"), start=1):
            s = f"{sub}/ChildProtectionPlans[{k}]"
            values = _fields(cpp, TABLES["ChildProtectionPlans"][3:], ("Reviews",), row=loc(s),
                             child=cid, **kw)  # fmt: skip
            coll.add("ChildProtectionPlans", rec(s, {**values, **parent, "CPPID": str(k)}))
            for box in _kids(cpp, "Reviews"):
                for n, r in enumerate(_kids(box, "CPPreviewDate"), start=1):
                    coll.add("Reviews", rec(f"{s}/Reviews/CPPreviewDate[{n}]",
                                            {**parent, "CPPID": str(k),
                                             "CPPreviewDate": (r.text or "").strip() or None}))  # fmt: skip
        for k, _ in enumerate(_kids(det, "PreProceedingsandFGDM"), start=1):
            ctx.note(file=coll.label, row=loc(f"{sub}/PreProceedingsandFGDM[{k}]"), child=cid,
                     rule="not_modelled", action="ignored", before="PreProceedingsandFGDM",
                     message="pre-proceedings blocks are not part of the demand model; not read")  # fmt: skip


def _read_csv_table(path: Path, ctx: _Ctx) -> pd.DataFrame | None:
    label = str(path)
    try:
        raw = path.read_bytes()
    except OSError as err:
        ctx.fatal(
            file=label,
            rule="file_unreadable",
            message=f"cannot read the file ({err.strerror or err})",
        )
        return None
    if not raw.strip():
        ctx.fatal(
            file=label, rule="file_empty", message="the CSV file is empty; export the table again"
        )
        return None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252", errors="replace")
    try:
        frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError) as err:
        ctx.fatal(file=label, rule="csv_malformed", message=f"not a readable CSV table ({err})")
        return None
    frame.columns = [str(c).strip() for c in frame.columns]
    cleaned: pd.DataFrame = frame.apply(lambda col: col.str.strip().replace("", None))
    return cleaned


def _identify(columns: Iterable[str]) -> str | None:
    have = set(columns)
    matches = [name for name, sig in SIGNATURES.items() if sig <= have]
    if not matches:
        return None
    return max(matches, key=lambda name: len(SIGNATURES[name]))


def _read_csv_group(paths: list[Path], position: int, ctx: _Ctx) -> _Collection | None:
    label = str(paths[0].parent) if len(paths) > 1 else str(paths[0])
    coll = _Collection(label=label, position=position)
    ok = True
    for path in paths:
        frame = _read_csv_table(path, ctx)
        if frame is None:
            ok = False
            continue
        name = _identify(frame.columns)
        if name is None:
            ok = False
            ctx.fatal(file=str(path), rule="unknown_table",
                      message="columns match no CIN census table; expected e.g. CINdetails "
                      "(LAchildID, CINdetailsID, CINreferralDate, ...) - see DATA_SPEC section 4")  # fmt: skip
            continue
        if name == "PreProceedings":
            ctx.note(file=str(path), row="", child=None, rule="not_modelled", action="ignored",
                     before=f"{len(frame)} rows", message="pre-proceedings are not read")  # fmt: skip
            continue
        columns = TABLES[name]
        for i, values in enumerate(
            frame.reindex(columns=list(columns)).to_dict("records"), start=1
        ):
            clean = {str(k): (None if v is None or v != v else v) for k, v in values.items()}
            if name == "Header":
                _header(coll, clean, str(i), ctx)
            else:
                coll.add(name, {**clean, "_file": str(path), "_row": i})
    return coll if ok else None


def _expand(paths: str | PathLike[str] | Sequence[str | PathLike[str]]) -> list[list[Path]]:
    """Group inputs into collections: each XML file alone; CSV files by folder."""
    items = [paths] if isinstance(paths, str | PathLike) else list(paths)
    files: list[Path] = []
    for item in items:
        p = Path(item)
        files.extend(
            sorted(f for f in p.iterdir() if f.suffix.lower() in (".xml", ".csv"))
            if p.is_dir()
            else [p]
        )
    groups: dict[Any, list[Path]] = {}
    for f in files:
        is_xml = f.suffix.lower() == ".xml"
        groups.setdefault(f if is_xml else ("csv", f.parent), []).append(f)
    return list(groups.values())


# ----------------------------------------------------------------------------------------------
# Validation and typing of the flattened tables.

_TYPED: Final = ("ChildIdentifiers", "ChildCharacteristics", "Disabilities", "CINdetails",
                 "Assessments", "CINplanDates", "Section47", "ChildProtectionPlans", "Reviews")  # fmt: skip
_META: Final = ["_file", "_row", "_coll", "_la", "_ref"]
_DTYPES: Final[dict[str, Any]] = {"date": "datetime64[us]", "bool": "boolean", "int": "Int64"}


def _frame(colls: list[_Collection], table: str) -> pd.DataFrame:
    cols = [*TABLES[table], "_file", "_row"]
    parts = [
        pd.DataFrame.from_records(c.tables[table], columns=cols)
        .astype(object)
        .assign(_coll=c.position, _la=c.la_code, _ref=c.reference_date)
        for c in colls
        if c.tables.get(table)
    ]
    if not parts:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in [*cols, *_META[2:]]})
    return pd.concat(parts, ignore_index=True).astype(object)


def _convert(
    df: pd.DataFrame, col: str, kind: str, ctx: _Ctx, *, required: bool,
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
            value = _parse_date(text)
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


def _typed(df: pd.DataFrame, table: str, ctx: _Ctx) -> pd.DataFrame:
    """Converted columns (output names), the bookkeeping columns and ``_drop``."""
    out = df[_META].copy()
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
        if kind in _DTYPES:
            out[name] = pd.Series(values, index=df.index, dtype=object).astype(_DTYPES[kind])
        else:
            out[name] = _strings(values, df.index)
    out["_drop"] = pd.Series(dropped, index=df.index, dtype=bool)
    return out


def _check_rows(t: pd.DataFrame, table: str, ctx: _Ctx) -> None:
    """End before start, dates after the reference date, duplicates (marks ``_drop``)."""
    src = {name: col for col, name, *_ in SPECS[table]}

    def problem(i: Any, col: str, value: Any, rule: str, action: str, message: str) -> None:
        ctx.problem(file=_cell(t, i, "_file"), row=_cell(t, i, "_row"), child=_cell(t, i, CHILD),
                    column=src.get(col, col), value=value, rule=rule, action=action,
                    message=message)  # fmt: skip

    for start, end in PAIRS.get(table, ()):
        bad = (t[start].notna() & t[end].notna() & (t[end] < t[start])).to_numpy()
        for i in t.index[bad]:
            problem(i, end, _cell(t, i, end).date(), "end_before_start", _act(t, i, "dropped"),
                    f"{src[end]} is before {src[start]} ({_cell(t, i, start).date()}); "
                    "correct one of the two dates")  # fmt: skip
        t.loc[bad, "_drop"] = True
    ref = t["_ref"].astype("datetime64[us]")
    for col, is_start in NOT_AFTER_REFERENCE.get(table, ()):
        late = (t[col].notna() & ref.notna() & (t[col] > ref)).to_numpy()
        for i in t.index[late]:
            problem(i, col, _cell(t, i, col).date(), "after_reference_date",
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
            shown = ", ".join(_s(_cell(t, i, k)) for k in keys if not k.startswith("_"))
            problem(i, keys[-1] if keys else "LAchildID", shown or _cell(t, i, CHILD), "duplicate",
                    "dropped", "the same record appears twice in one collection; the first is kept")  # fmt: skip
        t.loc[live.index[dup], "_drop"] = True


def _act(t: pd.DataFrame, i: Any, action: str) -> str:
    """The repair done for a problem, or ``already_dropped`` if the record is gone already."""
    return "already_dropped" if bool(_cell(t, i, "_drop")) else action


def _kept(t: pd.DataFrame) -> pd.DataFrame:
    return t[~t["_drop"]].drop(columns="_drop")


def _link(
    t: pd.DataFrame, parents: pd.DataFrame, keys: list[str], carry: list[str], ctx: _Ctx,
    what: str, *, orphans_ok: bool = False,
) -> pd.DataFrame:  # fmt: skip
    """Attach kept rows of ``t`` to their kept parent, carrying columns of the parent.

    ``parents`` still has its ``_drop`` column. Rows whose parent was dropped go too (logged
    ``parent_dropped``); rows with no parent at all are an ``orphan`` problem unless
    ``orphans_ok``.
    """
    on = ["_coll", CHILD, *keys]
    live = _kept(t)
    kept = _kept(parents)[[*on, *carry]].drop_duplicates(on)
    known = parents[on].drop_duplicates()
    merged = live.merge(kept, on=on, how="left", indicator="_match")
    merged = merged.merge(known.assign(_known=True), on=on, how="left")
    merged.index = live.index
    has_parent = (merged["_match"] == "both").to_numpy()
    was_known = merged["_known"].eq(True).to_numpy()
    gone = ~has_parent & (was_known | (not orphans_ok))
    for i, known_parent in zip(live.index[gone], was_known[gone], strict=True):
        if known_parent:
            ctx.note(file=_cell(t, i, "_file"), row=_cell(t, i, "_row"), child=_cell(t, i, CHILD),
                     rule="parent_dropped", action="dropped",
                     message=f"dropped with its {what}, which failed validation")  # fmt: skip
        else:
            col = SPECS_SRC.get(keys[-1], "LAchildID") if keys else "LAchildID"
            ctx.problem(file=_cell(t, i, "_file"), row=_cell(t, i, "_row"), child=_cell(t, i, CHILD),
                        column=col, value=_s(_cell(t, i, keys[-1]) if keys else _cell(t, i, CHILD)),
                        rule="orphan", action="dropped",
                        message=f"no {what} with this id for this child in the same collection")  # fmt: skip
    return merged[~gone].drop(columns=["_match", "_known"])


SPECS_SRC: Final = {_D: "CINdetailsID", "_plan": "CPPID"}


def _latest(t: pd.DataFrame, keys: list[str], rank: dict[int, int], labels: dict[int, str],
            ctx: _Ctx, what: str) -> pd.DataFrame:  # fmt: skip
    """Keep each ``keys`` group's row from the latest collection; log the others as merged."""
    if t.empty:
        return t
    order = t["_coll"].map(rank).astype(int)
    best = order.groupby([t[k] for k in keys], dropna=False).transform("max")
    position = {r: p for p, r in rank.items()}
    old = (order < best).to_numpy()
    for i in t.index[old]:
        ctx.note(file=_cell(t, i, "_file"), row=_cell(t, i, "_row"), child=_cell(t, i, CHILD),
                 rule="later_collection", action="merged", before=_cell(t, i, "_file"),
                 after=labels[position[int(best[i])]],
                 message=f"{what} re-stated in a later collection; the latest version is kept")  # fmt: skip
    return t[~old]


def _follow(t: pd.DataFrame, parents: pd.DataFrame, keys: list[str], labels: dict[int, str],
            ctx: _Ctx, what: str) -> pd.DataFrame:  # fmt: skip
    """Keep rows of ``t`` from the collection their parent (already de-duplicated) was kept from."""
    chosen = parents[[*keys, "_coll"]].rename(columns={"_coll": "_keep"}).drop_duplicates(keys)
    merged = t.merge(chosen, on=keys, how="left")
    merged.index = t.index
    old = (merged["_keep"].notna() & (merged["_keep"] != merged["_coll"])).to_numpy()
    for i in t.index[old]:
        ctx.note(file=_cell(t, i, "_file"), row=_cell(t, i, "_row"), child=_cell(t, i, CHILD),
                 rule="later_collection", action="merged", before=_cell(t, i, "_file"),
                 after=labels[int(_cell(merged, i, "_keep"))],
                 message=f"its {what} is kept from a later collection, which re-states it")  # fmt: skip
    return t[~old]


# ----------------------------------------------------------------------------------------------
# The public reader.


def _out(t: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    frame = t.rename(columns={"_la": LA_CODE, "_file": SOURCE_FILE}).reset_index(drop=True)
    frame[COLLECTION_YEAR] = pd.array(
        [r.year if isinstance(r, dt.date) else None for r in t["_ref"]], dtype="Int64"
    )
    for col in (CHILD, LA_CODE):
        frame[col] = _strings([v if isinstance(v, str) else None for v in frame[col]], frame.index)
    return frame[[*columns, COLLECTION_YEAR, SOURCE_FILE]].reset_index(drop=True)


def _is_xml(path: Path) -> bool:
    if path.suffix.lower() in (".xml", ".csv"):
        return path.suffix.lower() == ".xml"
    try:
        with path.open("rb") as fh:
            return fh.read(512).lstrip().startswith((b"<", b"\xef\xbb\xbf<"))
    except OSError:
        return True  # parse_xml reports the unreadable file


def read_cin_census(
    paths: str | PathLike[str] | Sequence[str | PathLike[str]], *, repair: bool = False
) -> CINCensus:
    """Read CIN census returns (XML files and/or flattened CSV tables) into tidy frames.

    Parameters
    ----------
    paths
        A file, a folder, or a list of them. Each XML file is one collection (one year); CSV
        tables in the same folder form one collection, recognised by their columns
        (``csc-validator-be-cin`` layout: ``CINdetails``, ``Section47``, ``ChildProtectionPlans``,
        ...; a ``Header`` table, if present, gives the reference date and LA). Dates may be
        ``YYYY-MM-DD`` or ``DD/MM/YYYY``; codes are upper-cased; ``GenderCurrent`` 1/2/0/9 and
        ``Sex`` M/F/U both become ``sex`` M/F/U.
    repair
        If False (default), any invalid value raises. If True, bad records are dropped and bad
        optional values cleared, each logged in :attr:`CINCensus.log`, and a
        :class:`~demandmodel.DataRepairWarning` is issued.

    Returns
    -------
    CINCensus
        Frames ``children``, ``cin_episodes`` (alias ``referrals``), ``assessments``,
        ``cin_plans``, ``s47``, ``cp_plans``, ``cp_reviews``, ``collections`` and ``log``.

    Raises
    ------
    DataValidationError
        Listing *every* problem (``.failures``: file, row, column, value, rule, message; for
        XML the row is the child id and element path): unreadable, empty, truncated or hostile
        XML (entity declarations), unknown CSV tables, bad dates (``Notadate``), invalid codes
        (``FISH``), missing required values, an end before its start, dates after the
        collection's reference date, a reference date that is not 31 March, duplicates.
        With ``repair=True`` only problems that no repair can fix are raised.

    Notes
    -----
    Several collections are stitched: a referral ``(la_code, child, referral_date)`` present in
    more than one collection is kept from the latest (by reference date; by position in
    ``paths`` when a CSV collection has no header), and each older row is logged as ``merged``;
    children likewise. A return holds only its year's activity, so a plan that ended before a
    later collection's year is in the earlier return alone: the referral's assessments, CIN
    plans, s47s and CP plans are the union over the collections, one per start date, and its CP
    reviews one per (plan start, review date), each from the latest collection that has it
    (older copies logged ``merged``). Pre-proceedings blocks are not read (logged ``ignored``).

    Examples
    --------
    >>> import demandmodel, pathlib, tempfile
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "cin.csv").write_text(
    ...     "LAchildID,CINdetailsID,CINreferralDate,ReferralSource,PrimaryNeedCode\\n"
    ...     "A1,1,06/10/2021,FISH,N4\\n")
    >>> try:
    ...     demandmodel.read_cin_census(folder)
    ... except demandmodel.DataValidationError as err:
    ...     print(err.failures[["row", "column", "value", "rule"]].to_dict("records"))
    [{'row': 1, 'column': 'ReferralSource', 'value': 'FISH', 'rule': 'code'}]
    >>> import warnings
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore", demandmodel.DataRepairWarning)
    ...     census = demandmodel.read_cin_census(folder, repair=True)
    >>> census.cin_episodes[["child", "primary_need"]].to_dict("records")
    [{'child': 'A1', 'primary_need': 'N4'}]
    >>> census.log[["rule", "action", "before"]].to_dict("records")
    [{'rule': 'code', 'action': 'cleared', 'before': 'FISH'}]
    """
    import warnings

    ctx = _Ctx(repair=repair)
    groups = _expand(paths)
    if not groups:
        ctx.fatal(
            file=str(paths), rule="no_input", message="no CIN census files (.xml or .csv) found"
        )
    colls: list[_Collection] = []
    for position, group in enumerate(groups):
        if _is_xml(group[0]):
            coll = _read_xml(group[0], position, ctx)
        else:
            coll = _read_csv_group(group, position, ctx)
        if coll is not None:
            colls.append(coll)
    if repair:
        ctx.failures.raise_if_any(
            f"{len(ctx.failures)} CIN census file problem(s) that no repair can fix"
        )
    census = _build(colls, ctx)
    n, fatal = len(ctx.failures), ctx.fatals
    if fatal == n:
        ctx.failures.raise_if_any(
            f"{n} problem(s) reading the CIN census files; fix the files listed"
        )
    ctx.failures.raise_if_any(
        f"{n} problem(s) in the CIN census input; fix them, or pass repair=True to drop or clear "
        "the bad values and log each change"
        + (
            f" ({fatal} of them, unreadable or unrecognised files, no repair can fix)"
            if fatal
            else ""
        )
    )
    if repair and ctx.repairs:
        warnings.warn(
            f"CIN census: {ctx.repairs} value(s) repaired or dropped; see the .log frame",
            DataRepairWarning,
            stacklevel=2,
        )
    return census


def _build(colls: list[_Collection], ctx: _Ctx) -> CINCensus:
    labels = {c.position: c.label for c in colls}
    if all(c.reference_date is not None for c in colls):
        ordered = sorted(colls, key=lambda c: (c.reference_date or dt.date.min, c.position))
    else:
        ordered = sorted(colls, key=lambda c: c.position)
    rank = {c.position: r for r, c in enumerate(ordered)}
    for c in colls:  # CSV: factors given as their own table join the assessments
        _attach_factor_list(c)
    t = {name: _typed(_frame(colls, name), name, ctx) for name in _TYPED}
    for name, table in t.items():
        _check_rows(table, name, ctx)
    ids = t["ChildIdentifiers"]
    ids["sex"] = ids["_sex"].fillna(ids["_gender"])
    chars = _link(t["ChildCharacteristics"], ids, [], [], ctx, "child", orphans_ok=True)
    dis = _link(t["Disabilities"], ids, [], [], ctx, "child", orphans_ok=True)
    eps = _link(t["CINdetails"], ids, [], [], ctx, "child", orphans_ok=True)
    eps_all = t["CINdetails"].assign(_drop=t["CINdetails"]["_drop"])
    eps_all.loc[~eps_all.index.isin(eps.index), "_drop"] = True
    carry = [REFERRAL_DATE]
    ass = _link(t["Assessments"], eps_all, [_D], carry, ctx, "CIN episode")
    plans = _link(t["CINplanDates"], eps_all, [_D], carry, ctx, "CIN episode")
    s47 = _link(t["Section47"], eps_all, [_D], carry, ctx, "CIN episode")
    cpp = _link(t["ChildProtectionPlans"], eps_all, [_D], carry, ctx, "CIN episode")
    cpp_all = t["ChildProtectionPlans"].assign(
        _drop=~t["ChildProtectionPlans"].index.isin(cpp.index)
    )
    cpp_all = cpp_all.merge(
        eps[["_coll", CHILD, _D, REFERRAL_DATE]], on=["_coll", CHILD, _D], how="left"
    )
    reviews = _link(t["Reviews"], cpp_all.rename(columns={START: "cp_start"}), [_D, "_plan"],
                    [REFERRAL_DATE, "cp_start"], ctx, "child protection plan")  # fmt: skip

    # Stitch collections: the latest collection's version of each child and episode wins.
    kids = _latest(_kept(ids), ["_la", CHILD], rank, labels, ctx, "child")
    chars = _follow(chars, kids, ["_la", CHILD], labels, ctx, "child")
    dis = _follow(dis, kids, ["_la", CHILD], labels, ctx, "child")
    eps = _latest(eps, ["_la", CHILD, REFERRAL_DATE], rank, labels, ctx, "CIN episode")
    # A census holds only its year's activity, so an episode's records are the union over the
    # collections, each record (by its natural key) kept from the latest collection that has it.
    key = ["_la", CHILD, REFERRAL_DATE]
    ass = _latest(ass, [*key, START], rank, labels, ctx, "assessment")
    plans = _latest(plans, [*key, START], rank, labels, ctx, "CIN plan")
    s47 = _latest(s47, [*key, START], rank, labels, ctx, "section 47 enquiry")
    cpp = _latest(cpp, [*key, START], rank, labels, ctx, "child protection plan")
    reviews = _latest(reviews, [*key, "cp_start", "review_date"], rank, labels, ctx, "CP review")

    kids = kids.merge(chars[["_coll", CHILD, "ethnicity"]].drop_duplicates(["_coll", CHILD]),
                      on=["_coll", CHILD], how="left")  # fmt: skip
    joined = (
        dis.dropna(subset=["disability"])
        .groupby(["_coll", CHILD], dropna=False)["disability"]
        .agg(lambda s: ",".join(dict.fromkeys(s)))
        .rename("disabilities")
        .reset_index()
    )
    kids = kids.merge(joined, on=["_coll", CHILD], how="left")
    eps = eps.merge(kids[["_la", CHILD, "upn"]], on=["_la", CHILD], how="left")
    log = pd.DataFrame(ctx.log, columns=list(CLEANING_LOG_COLUMNS))
    collections = pd.DataFrame(
        {
            SOURCE_FILE: [c.label for c in colls],
            COLLECTION_YEAR: pd.array([c.reference_date.year if c.reference_date else None for c in colls], dtype="Int64"),
            "reference_date": pd.Series([c.reference_date for c in colls], dtype=object).astype("datetime64[us]"),
            LA_CODE: _strings([c.la_code for c in colls], range(len(colls))),
            "children": [len(c.tables.get("ChildIdentifiers", [])) for c in colls],
        }
    )  # fmt: skip
    base = [CHILD, LA_CODE]
    return CINCensus(
        children=_out(kids, [*base, "upn", "former_upn", "upn_unknown", DOB, "expected_dob", SEX,
                             "death_date", "ethnicity", "disabilities"]),
        cin_episodes=_out(eps, [*base, "upn", REFERRAL_DATE, "closure_date", "referral_source",
                                "primary_need", "reason_for_closure", "nfa", "initial_cpc_date"]),
        assessments=_out(ass, [*base, REFERRAL_DATE, START, "review_date", "authorised", "factors"]),
        cin_plans=_out(plans, [*base, REFERRAL_DATE, START, END]),
        s47=_out(s47, [*base, REFERRAL_DATE, START, "icpc_target", "icpc_date", "icpc_not_required"]),
        cp_plans=_out(cpp, [*base, REFERRAL_DATE, START, END, "initial_category", "latest_category",
                            "previous_plans"]),
        cp_reviews=_out(reviews, [*base, REFERRAL_DATE, "cp_start", "review_date"]),
        collections=collections,
        log=log,
    )  # fmt: skip


def _attach_factor_list(coll: _Collection) -> None:
    """CSV only: fold an ``AssessmentFactorsList`` table into ``Assessments.AssessmentFactors``."""
    rows = coll.tables.pop("AssessmentFactorsList", [])
    if not rows:
        return
    found: dict[tuple[Any, ...], list[str]] = {}
    for r in rows:
        if r.get("AssessmentFactor"):
            found.setdefault((r["LAchildID"], r["CINdetailsID"], r["AssessmentID"]), []).append(
                r["AssessmentFactor"]
            )
    for a in coll.tables.get("Assessments", []):
        extra = found.get((a["LAchildID"], a["CINdetailsID"], a["AssessmentID"]), [])
        if extra:
            a["AssessmentFactors"] = ",".join([*filter(None, [a.get("AssessmentFactors")]), *extra])
