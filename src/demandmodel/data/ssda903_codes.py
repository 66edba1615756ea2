"""SSDA903 vocabularies: table layouts, code lists across years, dates and placement categories.

Code lists follow DATA_SPEC section 3.2. They drift between collection years (SEX 1/2 became M/F/U
in 2024/25; P2 retired in 2023, H5 and Z1 in 2025/26; K3 added in 2024/25; Z1 split into Z11-Z14),
so the reader accepts the union of every year's codes, case-insensitively, and maps them to one
vocabulary. The placement -> category mapping is data (``tables/placement_categories.csv``) that a
user can replace.

Examples
--------
>>> from demandmodel.data.ssda903_codes import placement_categories, normalise_sex
>>> cats = placement_categories()
>>> cats["U4"], cats["K3"], cats["Z12"], cats["P1"]
('fostering', 'supported', 'other', 'placed_with_parents')
>>> normalise_sex("1"), normalise_sex("f"), normalise_sex("U"), normalise_sex("7")
('M', 'F', 'U', None)
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from importlib import resources
from os import PathLike
from pathlib import Path
from typing import Final

import numpy as np
import pandas as pd

from demandmodel.errors import DataValidationError

__all__ = [
    "CATEGORIES",
    "LEGAL_STATUS_CODES",
    "PLACEMENT_CODES",
    "PROCESSING_RULES",
    "PROVIDER_CODES",
    "REASON_END_CODES",
    "REASON_NEW_CODES",
    "RESPITE_CODES",
    "TABLES",
    "TEMPORARY_CODES",
    "collection_year",
    "normalise_sex",
    "parse_dates",
    "placement_categories",
]

# --- tables -----------------------------------------------------------------------------------

TABLES: Final[dict[str, tuple[str, ...]]] = {
    "header": ("CHILD", "SEX", "DOB", "ETHNIC", "UPN", "MOTHER", "MC_DOB"),
    "episodes": (
        "CHILD",
        "DECOM",
        "RNE",
        "LS",
        "CIN",
        "PLACE",
        "PLACE_PROVIDER",
        "DEC",
        "REC",
        "REASON_PLACE_CHANGE",
        "HOME_POST",
        "PL_POST",
        "URN",
    ),
    "uasc": ("CHILD", "SEX", "DOB", "DUC"),
    "reviews": ("CHILD", "DOB", "REVIEW", "REVIEW_CODE"),
    "missing": ("CHILD", "DOB", "MISSING", "MIS_START", "MIS_END"),
    "oc2": (
        "CHILD",
        "DOB",
        "SDQ_SCORE",
        "SDQ_REASON",
        "CONVICTED",
        "HEALTH_CHECK",
        "IMMUNISATIONS",
        "TEETH_CHECK",
        "HEALTH_ASSESSMENT",
        "SUBSTANCE_MISUSE",
        "INTERVENTION_RECEIVED",
        "INTERVENTION_OFFERED",
    ),
    "oc3": ("CHILD", "DOB", "IN_TOUCH", "ACTIV", "ACCOM"),
    "ad1": (
        "CHILD",
        "DOB",
        "DATE_INT",
        "DATE_MATCH",
        "FOSTER_CARE",
        "NB_ADOPTR",
        "SEX_ADOPTR",
        "LS_ADOPTR",
    ),
    "placed_adoption": (
        "CHILD",
        "DOB",
        "DATE_PLACED",
        "DATE_PLACED_CEASED",
        "REASON_PLACED_CEASED",
    ),
    "prev_perm": ("CHILD", "DOB", "PREV_PERM", "LA_PERM", "DATE_PERM"),
    "sw_episodes": ("CHILD", "DOB", "SW_ID", "SW_DECOM", "SW_DEC", "SW_REASON"),
    "dolo": ("CHILD", "DOB", "DOLO_START", "DOLO_END"),
}
"""Each table's columns (DATA_SPEC 3.1). Tables are recognised by their columns, not file names."""

REQUIRED: Final[dict[str, tuple[str, ...]]] = {
    "header": ("CHILD", "SEX", "DOB"),
    "episodes": ("CHILD", "DECOM", "RNE", "LS", "PLACE", "DEC", "REC"),
    "uasc": ("CHILD", "DUC"),
}
"""Columns without which a table the reader uses cannot be read (others may be absent)."""

COLUMN_ALIASES: Final[dict[str, str]] = {
    "CHILDID": "CHILD",
    "PL": "PLACE",
    "PLACEMENT_PROVIDER": "PLACE_PROVIDER",
    "LA_CODE": "LA",
    "COLLECTION_YEAR": "YEAR",
}
"""Other names seen for the same column (XML element names, LIIA outputs)."""

EXTRA_COLUMNS: Final = ("LA", "YEAR")
"""Columns that pooled (LIIA) outputs append to every table."""

# --- code lists (union over collection years, upper case) -----------------------------------

REASON_NEW_CODES: Final = frozenset({"S", "L", "P", "T", "B", "U"})
LEGAL_STATUS_CODES: Final = frozenset(
    {"C1", "C2", "D1", "E1", "V2", "V3", "V4", "L1", "L2", "L3", "J1", "J2", "J3"}
)
RESPITE_CODES: Final = frozenset({"V3", "V4"})
"""Legal statuses of short breaks (respite), excluded by default (DATA_SPEC 3.4)."""
TEMPORARY_CODES: Final = frozenset({"T0", "T1", "T2", "T3", "T4"})
"""Temporary placements, absorbed into the surrounding placement by default (DATA_SPEC 3.4)."""
PLACEMENT_CODES: Final = frozenset(
    {"A3", "A4", "A5", "A6", "H5", "K1", "K2", "K3", "P1", "P2", "P3", "R1", "R2", "R3", "R5"}
    | {"S1", "U1", "U2", "U3", "U4", "U5", "U6", "Z1", "Z11", "Z12", "Z13", "Z14"}
    | {"Q1", "Q2", "M1", "M2", "M3"}
    | TEMPORARY_CODES
)
PROVIDER_CODES: Final = frozenset({"PR0", "PR1", "PR2", "PR3", "PR4", "PR5"})
REASON_END_CODES: Final = frozenset(
    {"X1", "E11", "E12", "E13", "E14", "E15", "E16", "E17", "E2", "E3", "E41", "E43", "E44"}
    | {"E45", "E46", "E47", "E48", "E4A", "E4B", "E5", "E6", "E7", "E8", "E9", "E99"}
)
SEX_CODES: Final[dict[str, str]] = {"1": "M", "2": "F", "M": "M", "F": "F", "U": "U"}
"""SEX 1/2 (to 2023/24) and M/F/U (from 2024/25) onto one vocabulary."""

PROCESSING_RULES: Final = frozenset(
    {"RESUBMITTED", "RULE_1", "RULE_1A", "RULE_2", "RULE_3", "RULE_3A", "RULE_4", "RULE_5"}
    | {"respite", "temporary", "encoding", "year_label"}
)
"""Cleaning-log rules that are documented processing, not repairs of bad input."""

CATEGORIES: Final = (
    "fostering",
    "residential",
    "supported",
    "placed_with_parents",
    "adoption",
    "other",
)
"""Default placement categories (DESIGN 4.3)."""

# --- helpers ------------------------------------------------------------------------------------


def normalise_sex(value: str) -> str | None:
    """``M``, ``F`` or ``U`` from any year's SEX code, or ``None`` when it is not a code."""
    return SEX_CODES.get(value.strip().upper())


def parse_dates(values: pd.Series) -> pd.Series:
    """Parse ``DD/MM/YYYY`` or ISO ``YYYY-MM-DD`` strings (a time part is ignored) to datetimes.

    Blank cells and impossible dates (``31/02/2020``, ``Notadate``) become ``NaT``; callers compare
    with the blank mask to tell them apart.

    Examples
    --------
    >>> s = parse_dates(pd.Series(["09/04/2017", "2017-04-09", "31/02/2020", "", "2017-04-09 00:00:00"]))
    >>> [str(d.date()) if pd.notna(d) else None for d in s]
    ['2017-04-09', '2017-04-09', None, None, '2017-04-09']
    """
    # Each return re-states the same dates, so parse each distinct cell once (all steps are
    # cell by cell) and spread the results back.
    codes, distinct = values.astype("string").fillna("").factorize()
    text = pd.Series(distinct).str.strip().str.split(" ").str[0].fillna("")
    out = pd.to_datetime(text, format="%d/%m/%Y", errors="coerce")
    retry = out.isna() & (text != "")
    if retry.any():  # ISO only for the cells the DD/MM/YYYY pass could not read
        out = out.fillna(pd.to_datetime(text[retry], format="%Y-%m-%d", errors="coerce"))
    # pandas accepts some odd year forms; keep only plausible returns (years 1900-2100).
    dates = out.to_numpy()
    plausible = (dates >= np.datetime64("1900-01-01")) & (dates < np.datetime64("2101-01-01"))
    parsed = np.where(plausible, dates, np.datetime64("NaT")).astype("datetime64[ns]")[codes]
    return pd.Series(parsed, index=values.index, name=values.name, dtype="datetime64[ns]")


def collection_year(dates: pd.Series) -> pd.Series:
    """The collection year (year of the 31 March that ends it) containing each date.

    Examples
    --------
    >>> s = collection_year(pd.Series(pd.to_datetime(["2017-03-31", "2017-04-01"])))
    >>> [int(v) for v in s]
    [2017, 2018]
    """
    years: pd.Series = (dates.dt.year + (dates.dt.month > 3).astype("int64")).astype("Int64")
    return years


def _read_category_table(path: str | PathLike[str]) -> dict[str, str]:
    label = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as err:
        raise DataValidationError(
            f"{label}: cannot read the placement category table ({err}); give a CSV with columns placement,category"
        ) from err
    return _category_rows(csv.DictReader(io.StringIO(text)), label)


def _category_rows(reader: csv.DictReader[str], label: str) -> dict[str, str]:
    fields = {(f or "").strip().lower() for f in (reader.fieldnames or [])}
    if not {"placement", "category"} <= fields:
        raise DataValidationError(
            f"{label}: the placement category table needs columns 'placement' and 'category' "
            f"(found {sorted(fields)})"
        )
    out: dict[str, str] = {}
    for rec in reader:
        clean = {(k or "").strip().lower(): (v or "").strip() for k, v in rec.items() if k}
        code, cat = clean.get("placement", "").upper(), clean.get("category", "")
        if code and cat:
            out[code] = cat
    return out


def placement_categories(
    override: Mapping[str, str] | str | PathLike[str] | pd.DataFrame | None = None,
) -> dict[str, str]:
    """The placement code -> category mapping.

    Parameters
    ----------
    override
        ``None`` for the packaged table; a mapping ``{code: category}`` or a CSV path / DataFrame
        with columns ``placement, category`` *updates* the packaged table (codes not named keep
        their default category). Codes are matched case-insensitively.

    Examples
    --------
    >>> placement_categories({"k3": "residential"})["K3"]
    'residential'
    >>> placement_categories()["A5"]
    'adoption'
    """
    text = (
        resources.files("demandmodel.data")
        .joinpath("tables/placement_categories.csv")
        .read_text(encoding="utf-8")
    )
    table = _category_rows(csv.DictReader(io.StringIO(text)), "placement_categories.csv")
    if override is None:
        return table
    if isinstance(override, pd.DataFrame):
        cols = {str(c).strip().lower(): c for c in override.columns}
        if not {"placement", "category"} <= set(cols):
            raise DataValidationError(
                "placement_categories DataFrame needs columns 'placement' and 'category' "
                f"(found {list(override.columns)})"
            )
        pairs = zip(override[cols["placement"]], override[cols["category"]], strict=True)
        extra = {str(k).strip().upper(): str(v).strip() for k, v in pairs if pd.notna(k)}
    elif isinstance(override, Mapping):
        extra = {str(k).strip().upper(): str(v).strip() for k, v in override.items()}
    else:
        extra = _read_category_table(override)
    bad = {k: v for k, v in extra.items() if not v or v.lower() in ("nan", "none")}
    if bad:
        raise DataValidationError(
            f"placement_categories: empty category for code(s) {sorted(bad)}; give every code a category"
        )
    return {**table, **extra}
