"""How a table column should be shown: the same rules for Excel number formats and HTML text.

Examples
--------
>>> import pandas as pd
>>> from demandmodel.report._format import column_kind, format_value
>>> column_kind("period", pd.Series([2024, 2025]))
'year'
>>> column_kind("gross_cost", pd.Series([1.5e6, 2e6]))
'money'
>>> column_kind("q50", pd.Series([401.2, 399.0]))
'float'
>>> column_kind("period", pd.Series([2024, 2025], dtype=object)), column_kind("la", pd.Series(["301"]))
('year', 'text')
>>> format_value(1234567.0, "money"), format_value(2025, "year"), format_value(0.125, "percent")
('£1,234,567', '2025', '12.5%')
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from demandmodel.errors import DemandModelError

YEAR_NAMES = re.compile(r"^(period|year|origin|vintage|seed|financial_year|start_year|end_year)$")
MONEY_NAMES = re.compile(r"(cost|saving|payment|price|spend|budget|capital|npv|£|gbp)", re.I)
PERCENT_NAMES = re.compile(r"(^p_|_share$|^share|probability|_pct$|coverage)", re.I)

EXCEL_FORMATS: dict[str, str] = {
    "year": "0",
    "int": "#,##0",
    "float": "#,##0.0",
    "money": '"£"#,##0',
    "percent": "0.0%",
    "date": "yyyy-mm-dd",
    "text": "@",
    "bool": "General",
}
"""Excel number format for each kind of column (thousands separators on every count and sum)."""


def column_kind(name: Any, values: pd.Series) -> str:
    """``year``, ``int``, ``float``, ``money``, ``percent``, ``date``, ``bool`` or ``text``."""
    label = str(name)
    if pd.api.types.is_bool_dtype(values):
        return "bool"
    if pd.api.types.is_datetime64_any_dtype(values):
        return "date"
    if not pd.api.types.is_numeric_dtype(values):
        inferred = pd.api.types.infer_dtype(values, skipna=True)
        if inferred not in ("integer", "floating", "mixed-integer-float", "decimal"):
            return "text"
    finite = pd.to_numeric(values, errors="coerce").dropna().astype(float)
    if YEAR_NAMES.match(label.lower()):
        return "year"
    if MONEY_NAMES.search(label):
        return "money"
    if PERCENT_NAMES.search(label) and (finite.empty or finite.between(0, 1).all()):
        return "percent"
    if finite.empty or np.allclose(finite, np.round(finite)):
        return "int"
    return "float"


def plain(value: Any) -> Any:
    """A cell value as a plain Python object: numbers stay numbers, missing values become None."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, (np.bool_, bool)):
        return bool(value)
    if isinstance(value, (np.integer, int)):
        return int(value)
    if isinstance(value, (np.floating, float)):
        v = float(value)
        return None if math.isnan(v) else v
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if isinstance(value, (str, bytes)):
        return value if isinstance(value, str) else value.decode("utf-8", "replace")
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    return str(value)


def format_value(value: Any, kind: str) -> str:
    """Text of a value for HTML: thousands separators, £ and % where the kind says so."""
    v = plain(value)
    if v is None:
        return ""
    if isinstance(v, bool) or kind in ("text", "bool"):
        return str(v)
    if kind == "date":
        return v.strftime("%Y-%m-%d") if hasattr(v, "strftime") else str(v)
    if not isinstance(v, (int, float)):
        return str(v)
    if kind == "year":
        return f"{v:.0f}"
    if kind == "money":
        sign = "-" if v < 0 else ""
        return f"{sign}£{abs(v):,.0f}"
    if kind == "percent":
        return f"{v * 100:.1f}%"
    if kind == "int":
        return f"{v:,.0f}"
    return f"{v:,.1f}"


def tidy_table(name: str, table: Any) -> pd.DataFrame:
    """``table`` as a flat DataFrame: a meaningful index becomes columns, column levels are joined."""
    if not isinstance(table, pd.DataFrame):
        raise DemandModelError(
            f"Table {name!r} must be a pandas DataFrame; got {type(table).__name__}. "
            "Convert it (e.g. forecast.to_frame()) before writing."
        )
    out = table
    if not isinstance(out.index, pd.RangeIndex) or out.index.name is not None:
        out = out.reset_index()
    if isinstance(out.columns, pd.MultiIndex):
        out = out.copy()
        out.columns = [" ".join(str(p) for p in col if str(p) != "") for col in out.columns]
    return out


def assumptions_frame(assumptions: Mapping[str, Any] | pd.DataFrame | None) -> pd.DataFrame:
    """Assumptions as a two-column frame ``assumption, value`` (a DataFrame is kept as it is)."""
    if assumptions is None:
        return pd.DataFrame({"assumption": pd.Series(dtype=str), "value": pd.Series(dtype=str)})
    if isinstance(assumptions, pd.DataFrame):
        return tidy_table("assumptions", assumptions)
    if not isinstance(assumptions, Mapping):
        raise DemandModelError(
            "assumptions must be a mapping {name: value} or a DataFrame; "
            f"got {type(assumptions).__name__}."
        )
    values = [
        v if isinstance(v, (int, float, str)) and not isinstance(v, bool) else str(v)
        for v in assumptions.values()
    ]
    return pd.DataFrame(
        {"assumption": [str(k) for k in assumptions], "value": pd.Series(values, dtype=object)}
    )
