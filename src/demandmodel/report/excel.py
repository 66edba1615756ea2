"""An Excel workbook of a run: a contents sheet, one formatted sheet per table, and the assumptions.

Each table sheet has a bold, shaded header row that stays in view (frozen), a filter, widths that
fit the contents, and number formats with thousands separators (``£`` for money, ``%`` for shares,
plain years). Numbers are written as numbers, never as text; missing values are empty cells.

Examples
--------
>>> import tempfile, pathlib
>>> import pandas as pd
>>> from openpyxl import load_workbook
>>> from demandmodel import write_workbook
>>> tables = {"Forecast": pd.DataFrame({"period": [2025, 2026], "q50": [1234.0, 1302.5]})}
>>> with tempfile.TemporaryDirectory() as d:
...     path = write_workbook(tables, pathlib.Path(d) / "run.xlsx",
...                           assumptions={"Model": "drift", "Samples": 4000}, title="Anytown run")
...     wb = load_workbook(path)
...     ws = wb["Forecast"]
...     (wb.sheetnames, ws["B2"].value, ws["B2"].number_format, ws.freeze_panes)
(['Contents', 'Forecast', 'Assumptions'], 1234, '#,##0.0', 'A2')
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from demandmodel.errors import DemandModelError
from demandmodel.report._format import (
    EXCEL_FORMATS,
    assumptions_frame,
    column_kind,
    format_value,
    plain,
    tidy_table,
)

MAX_ROWS = 1_048_575  # Excel's limit less the header row
MAX_WIDTH = 60
HEADER_FILL = "DCE9F5"
_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")


def sheet_name(name: str, taken: set[str]) -> str:
    """A legal, unique Excel sheet name (31 characters, no ``[]:*?/\\``) for ``name``.

    Examples
    --------
    >>> sheet_name("Costs: 2025/26 by placement type (real terms)", {"Contents"})
    'Costs- 2025-26 by placement typ'
    >>> sheet_name("contents", {"Contents"})
    'contents (2)'
    """
    base = _BAD_SHEET_CHARS.sub("-", str(name)).strip("'").strip() or "Sheet"
    base = base[:31]
    candidate, i = base, 2
    lower = {t.lower() for t in taken}
    while candidate.lower() in lower:
        suffix = f" ({i})"
        candidate = base[: 31 - len(suffix)] + suffix
        i += 1
    taken.add(candidate)
    return candidate


def _write_frame(ws: Any, frame: pd.DataFrame, *, header_row: int = 1) -> None:
    """Write ``frame`` with the house formatting, header at ``header_row``."""
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor=HEADER_FILL)
    kinds = [column_kind(c, frame[c]) for c in frame.columns]
    widths = [len(str(c)) for c in frame.columns]
    for j, col in enumerate(frame.columns, start=1):
        cell = ws.cell(row=header_row, column=j, value=str(col))
        cell.font = bold
        cell.fill = fill
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    for i, row in enumerate(frame.itertuples(index=False, name=None), start=header_row + 1):
        for j, (value, kind) in enumerate(zip(row, kinds, strict=True), start=1):
            v = plain(value)
            cell = ws.cell(row=i, column=j, value=v)
            if isinstance(v, str):
                # Text is text: a value like "=SUM(A1)" must never become a live formula.
                cell.data_type = "s"
            elif v is not None:
                cell.number_format = EXCEL_FORMATS[kind] if kind != "text" else "General"
            if i - header_row <= 500:  # widths from the first rows are enough
                widths[j - 1] = max(widths[j - 1], len(format_value(v, kind)))
    for j, w in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(j)].width = min(MAX_WIDTH, w + 3)
    ws.freeze_panes = ws.cell(row=header_row + 1, column=1).coordinate
    if len(frame.columns) and len(frame):
        last = get_column_letter(len(frame.columns))
        ws.auto_filter.ref = f"A{header_row}:{last}{header_row + len(frame)}"


def write_workbook(
    tables: Mapping[str, pd.DataFrame],
    path: str | Path,
    *,
    assumptions: Mapping[str, Any] | pd.DataFrame | None = None,
    title: str = "demandmodel run",
) -> Path:
    """Write ``tables`` to an Excel workbook, one formatted sheet each, plus Contents and Assumptions.

    Parameters
    ----------
    tables
        ``{sheet title: DataFrame}`` in the order wanted. Titles are made legal for Excel (31
        characters, no ``[]:*?/\\``) and unique; the Contents sheet lists the original titles.
        A DataFrame's named or non-default index is written as columns.
    path
        Where to write (``.xlsx``); parent folders are created.
    assumptions
        ``{assumption: value}`` or a DataFrame, written to the Assumptions sheet.
    title
        The workbook's title (Contents sheet heading and file properties).

    Returns
    -------
    pathlib.Path
        The path written.

    Raises
    ------
    DemandModelError
        A table is not a DataFrame, or is longer than an Excel sheet can hold (split it first:
        rows are never dropped).
    """
    from openpyxl import Workbook
    from openpyxl.styles import Font

    from demandmodel import __version__

    out = Path(path)
    if out.suffix.lower() != ".xlsx":
        raise DemandModelError(f"Workbook path {str(out)!r} must end in .xlsx.")
    flat = {str(name): tidy_table(str(name), t) for name, t in tables.items()}
    for name, t in flat.items():
        if len(t) > MAX_ROWS:
            raise DemandModelError(
                f"Table {name!r} has {len(t):,} rows; an Excel sheet holds {MAX_ROWS:,}. "
                "Split it (e.g. by LA) or write it as CSV."
            )
    assumed = assumptions_frame(assumptions)
    wb = Workbook()
    contents = wb.active
    contents.title = "Contents"
    wb.properties.title = title
    wb.properties.creator = f"demandmodel {__version__}"
    taken = {"Contents", "Assumptions"}
    names = {name: sheet_name(name, taken) for name in flat}
    contents["A1"] = title
    contents["A1"].font = Font(bold=True, size=14)
    contents["A2"] = f"Written by demandmodel {__version__}."
    index = pd.DataFrame(
        {
            "sheet": [*names.values(), "Assumptions"],
            "table": [*names.keys(), "Assumptions of the run"],
            "rows": [len(t) for t in flat.values()] + [len(assumed)],
            "columns": [len(t.columns) for t in flat.values()] + [len(assumed.columns)],
        }
    )
    _write_frame(contents, index, header_row=4)
    for i, sheet in enumerate(index["sheet"], start=5):
        cell = contents.cell(row=i, column=1)
        cell.hyperlink = f"#'{sheet}'!A1"
        cell.style = "Hyperlink"
    for name, t in flat.items():
        _write_frame(wb.create_sheet(names[name]), t)
    _write_frame(wb.create_sheet("Assumptions"), assumed)
    out.parent.mkdir(parents=True, exist_ok=True)
    wb.save(out)
    return out
