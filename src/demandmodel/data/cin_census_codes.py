"""CIN census layouts and code lists (DATA_SPEC section 4), and the rules that check them.

``TABLES`` is the flattened layout of ``csc-validator-be-cin`` (XML is read into the same
tables); ``SIGNATURES`` recognise a CSV table by its columns; ``SPECS`` say how each column is
parsed (source column, output column, kind, required, valid codes); ``PAIRS``,
``NOT_AFTER_REFERENCE`` and ``UNIQUE`` are the row rules.

Examples
--------
>>> from demandmodel.data.cin_census_codes import PRIMARY_NEEDS, SEX_CODES, TABLES
>>> sorted(PRIMARY_NEEDS)[:3], SEX_CODES["2"], TABLES["Reviews"][-1]
(['N0', 'N1', 'N2'], 'F', 'CPPreviewDate')
"""

from __future__ import annotations

from typing import Final

from demandmodel.columns import DOB, END, START

__all__ = [
    "ABUSE_CATEGORIES", "ASSESSMENT_FACTORS", "BOOLEANS", "CIN_CONTAINERS", "CIN_FIELDS",
    "CLOSURE_REASONS", "COLLECTION_YEAR", "DETAIL", "DISABILITIES", "ETHNICITIES", "HEADER_FIELDS",
    "ID_COLUMNS", "NOT_AFTER_REFERENCE", "PAIRS", "PRIMARY_NEEDS", "REFERRAL_DATE",
    "REFERRAL_SOURCES", "SEX_CODES", "SIGNATURES", "SOURCE_FILE", "SPECS", "TABLES", "UNIQUE",
    "UPN_UNKNOWN", "Spec",
]  # fmt: skip

REFERRAL_DATE: Final = "referral_date"
COLLECTION_YEAR: Final = "collection_year"
SOURCE_FILE: Final = "source"

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
REFERRAL_SOURCES: Final = frozenset(("1A", "1B", "1C", "1D", "2A", "2B", "3A", "3B", "3C", "3D",
                                     "3E", "3F", "4", "5A", "5B", "5C", "5D", "6", "7", "8", "9",
                                     "10"))  # fmt: skip
PRIMARY_NEEDS: Final = frozenset(f"N{i}" for i in range(10))
CLOSURE_REASONS: Final = frozenset(f"RC{i}" for i in range(1, 10))
ABUSE_CATEGORIES: Final = frozenset({"NEG", "PHY", "SAB", "EMO", "MUL"})
DISABILITIES: Final = frozenset(("NONE", "MOB", "HAND", "PC", "INC", "COMM", "LD", "HEAR", "VIS",
                                 "BEH", "CON", "AUT", "DDA"))  # fmt: skip
ETHNICITIES: Final = frozenset(("WBRI", "WIRI", "WOTH", "WIRT", "WROM", "MWBC", "MWBA", "MWAS",
                                "MOTH", "AIND", "APKN", "ABAN", "AOTH", "BCRB", "BAFR", "BOTH",
                                "CHNE", "OOTH", "REFU", "NOBT"))  # fmt: skip
UPN_UNKNOWN: Final = frozenset(f"UN{i}" for i in range(1, 8))
ASSESSMENT_FACTORS: Final = frozenset(("1A", "1B", "1C", "2A", "2B", "2C", "3A", "3B", "3C",
                                       "4A", "4B", "4C", "5A", "5B", "5C", "6A", "6B", "6C",
                                       "7A", "8B", "8C", "8D", "8E", "8F", "9A", "10A", "11A",
                                       "12A", "13A", "14A", "15A", "16A", "17A", "18A", "18B",
                                       "18C", "19A", "19B", "19C", "20", "21", "22A", "23A",
                                       "24A"))  # fmt: skip
"""Includes 18A/19A, valid before their split into child-on-child / adult-on-child."""
SEX_CODES: Final = {"M": "M", "F": "F", "U": "U", "1": "M", "2": "F", "0": "U", "9": "U"}
"""Sex M/F/U (from 2024/25) and the older GenderCurrent 1/2/0/9, in either element."""
BOOLEANS: Final = {"true": True, "1": True, "yes": True, "y": True,
                   "false": False, "0": False, "no": False, "n": False}  # fmt: skip
Spec = tuple[str, str, str, bool, frozenset[str] | None]
"""(source column, output column, kind, required, valid codes) of one parsed column."""
DETAIL = "_detail"  # CINdetailsID: links child-level records to their CIN episode
SPECS: Final[dict[str, list[Spec]]] = {
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
        ("CINdetailsID", DETAIL, "text", True, None),
        ("CINreferralDate", REFERRAL_DATE, "date", True, None),
        ("ReferralSource", "referral_source", "code", False, REFERRAL_SOURCES),
        ("PrimaryNeedCode", "primary_need", "code", False, PRIMARY_NEEDS),
        ("CINclosureDate", "closure_date", "date", False, None),
        ("ReasonForClosure", "reason_for_closure", "code", False, CLOSURE_REASONS),
        ("DateOfInitialCPC", "initial_cpc_date", "date", False, None),
        ("ReferralNFA", "nfa", "bool", False, None),
    ],
    "Assessments": [
        ("CINdetailsID", DETAIL, "text", True, None),
        ("AssessmentActualStartDate", START, "date", True, None),
        ("AssessmentInternalReviewDate", "review_date", "date", False, None),
        ("AssessmentAuthorisationDate", "authorised", "date", False, None),
        ("AssessmentFactors", "factors", "codes", False, ASSESSMENT_FACTORS),
    ],
    "CINplanDates": [
        ("CINdetailsID", DETAIL, "text", True, None),
        ("CINPlanStartDate", START, "date", True, None),
        ("CINPlanEndDate", END, "date", False, None),
    ],
    "Section47": [
        ("CINdetailsID", DETAIL, "text", True, None),
        ("S47ActualStartDate", START, "date", True, None),
        ("InitialCPCtarget", "icpc_target", "date", False, None),
        ("DateOfInitialCPC", "icpc_date", "date", False, None),
        ("ICPCnotRequired", "icpc_not_required", "bool", False, None),
    ],
    "ChildProtectionPlans": [
        ("CINdetailsID", DETAIL, "text", True, None),
        ("CPPID", "_plan", "text", False, None),
        ("CPPstartDate", START, "date", True, None),
        ("CPPendDate", END, "date", False, None),
        ("InitialCategoryOfAbuse", "initial_category", "code", False, ABUSE_CATEGORIES),
        ("LatestCategoryOfAbuse", "latest_category", "code", False, ABUSE_CATEGORIES),
        ("NumberOfPreviousCPP", "previous_plans", "int", False, None),
    ],
    "Reviews": [
        ("CINdetailsID", DETAIL, "text", True, None),
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
    "CINdetails": [(REFERRAL_DATE,), (DETAIL,)],
    "Assessments": [(DETAIL, START)],
    "CINplanDates": [(DETAIL, START)],
    "Section47": [(DETAIL, START)],
    "ChildProtectionPlans": [(DETAIL, START)],
    "Reviews": [(DETAIL, "_plan", "review_date")],
}
"""Keys (besides collection and child) that identify a record within one collection."""
ID_COLUMNS: Final = {DETAIL: "CINdetailsID", "_plan": "CPPID"}
"""Source columns of the internal id columns (for messages)."""
