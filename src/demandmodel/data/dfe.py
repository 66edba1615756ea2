"""Read DfE published LA tables (EES CSVs, 2010-2017 SFR CSVs, the LAIT parquet) into a Panel.

:func:`read_dfe` takes a file or a folder (read recursively) and returns the Panel of DESIGN
section 3: long rows ``la_code, new_la_code, la_name, period, measure, value, status, source,
vintage``. Tables are recognised by their *columns*, never by file name (see
:mod:`demandmodel.data.dfe_ees`, :mod:`demandmodel.data.dfe_sfr`, :mod:`demandmodel.data.dfe_lait`);
measures are documented by :func:`demandmodel.measures`; codes by :mod:`demandmodel.data.geography`.

Revisions
---------
The same (LA, measure, period) often appears in several files. Each file's ``vintage`` is its
release year, taken as the latest period the file holds (for an SFR file, its year). The row with
the highest vintage wins; ties go to the table whose headline the measure is (priority 2: the
CLA number-and-rate table, CIN/CP/workforce tables, SFR tables) over tables where it is a
by-product (priority 1: e.g. the total row of the placement-stability table) and over LAIT
(priority 0, a compilation); then to the file path in sort order. So England CLA at 31 March 2022
is 82,080 (the revised headline table) not 82,170 (the stability table as first published), and
Leicester's 2016 CLA is LAIT's revised 596, not the 2016 SFR's first-published 646.
``read_dfe(path, keep_revisions=True)`` returns every row (with a ``chosen`` column);
:func:`dfe_revisions` lists only the keys whose value differs between files.

Files not understood
--------------------
Every file the reader cannot use (documentation, a table with no measure it maps, an unknown
layout) is listed in ``panel.attrs["unread_files"]`` (a tuple of ``{"file", "reason"}`` dicts:
``pd.DataFrame(panel.attrs["unread_files"])`` tabulates it) and announced by one
:class:`UnreadFileWarning`. Bad cells in a recognised table raise one
:class:`~demandmodel.DataValidationError` naming every file, row, column and value.

Examples
--------
>>> import tempfile, warnings
>>> from pathlib import Path
>>> import demandmodel
>>> folder = Path(tempfile.mkdtemp())
>>> _ = (folder / "cp.csv").write_text(
...     "time_period,time_identifier,geographic_level,country_code,country_name,region_code,"
...     "region_name,old_la_code,new_la_code,la_name,CPP_At31\\n"
...     "2022,Reporting year,Local authority,E92000001,England,E13000002,Outer London,301,"
...     "E09000002,Barking and Dagenham,415\\n"
...     "2021,Reporting year,Local authority,E92000001,England,E13000002,Outer London,301,"
...     "E09000002,Barking and Dagenham,c\\n")
>>> panel = demandmodel.read_dfe(folder)
>>> panel[["la_code", "period", "measure", "value", "status", "vintage"]].to_string(index=False)
'la_code  period  measure  value     status  vintage\\n    301    2021 cp_31mar    NaN suppressed     2022\\n    301    2022 cp_31mar  415.0         ok     2022'
>>> float(demandmodel.panel_series(panel, "301", "cp_31mar")[2022])
415.0
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator, Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from demandmodel.columns import (
    LA_CODE,
    LA_NAME,
    MEASURE,
    NEW_LA_CODE,
    PANEL_COLUMNS,
    PERIOD,
    SOURCE,
    STATUS,
    VALUE,
    VINTAGE,
)
from demandmodel.data._validate import Failures
from demandmodel.data.measures import parse_cells
from demandmodel.errors import DemandModelError, DemandModelWarning

__all__ = ["UnreadFileWarning", "dfe_revisions", "panel_series", "read_dfe"]

PRIORITY = "priority"
CHOSEN = "chosen"
_MAX_BAD_PER_COLUMN = 50


class UnreadFileWarning(DemandModelWarning):
    """Some files under the path given to :func:`demandmodel.read_dfe` were not read.

    The list, with a reason for each, is in ``panel.attrs["unread_files"]``.
    """


class SharedMap(Mapping[str, str]):
    """A read-only mapping that pandas' attrs copying shares instead of deep-copying.

    pandas deep-copies ``attrs`` on nearly every operation; plain dicts and lists there make each
    filter or groupby of a large Panel pay for the copy. Values in ``read_dfe``'s attrs are
    read-only, so they can be shared.

    >>> from demandmodel.data.dfe import SharedMap
    >>> import copy
    >>> m = SharedMap({"301": "988"})
    >>> copy.deepcopy(m) is m, dict(m), m == {"301": "988"}
    (True, {'301': '988'}, True)
    """

    __slots__ = ("_data",)

    def __init__(self, data: Mapping[str, str]) -> None:
        self._data = dict(data)

    def __getitem__(self, key: str) -> str:
        return self._data[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __repr__(self) -> str:
        return f"SharedMap({self._data!r})"

    def __deepcopy__(self, memo: dict[int, object]) -> SharedMap:
        return self

    def __copy__(self) -> SharedMap:
        return self


class SharedRecords(tuple[dict[str, str], ...]):
    """Read-only records (``{"file": ..., ...}`` dicts) shared, not deep-copied, by pandas attrs."""

    __slots__ = ()

    def __deepcopy__(self, memo: dict[int, object]) -> SharedRecords:
        return self

    def __copy__(self) -> SharedRecords:
        return self


def empty_rows() -> pd.DataFrame:
    """An empty frame with the Panel columns plus ``priority`` (internal)."""
    return pd.DataFrame({c: pd.Series(dtype=_DTYPES[c]) for c in (*PANEL_COLUMNS, PRIORITY)})


_DTYPES: dict[str, str] = {
    LA_CODE: "str",
    NEW_LA_CODE: "str",
    LA_NAME: "str",
    PERIOD: "int64",
    MEASURE: "str",
    VALUE: "float64",
    STATUS: "str",
    SOURCE: "str",
    VINTAGE: "int64",
    PRIORITY: "int64",
}


def emit(
    *,
    ids: pd.DataFrame,
    period: np.ndarray,
    measure: str | np.ndarray,
    cells: pd.Series,
    source: str,
    vintage: int,
    priority: int,
    column: str | np.ndarray,
    rows: np.ndarray,
    failures: Failures,
) -> pd.DataFrame:
    """Build Panel rows from aligned identity columns and raw cells (internal).

    ``ids`` has columns ``la_code, new_la_code, la_name``; ``measure`` and ``column`` are one
    value or one per cell; ``rows`` are the 1-based file rows, used to report cells that are
    neither numbers nor known suppression codes.
    """
    value, status, bad = parse_cells(cells)
    if bad.any():
        cols = np.broadcast_to(np.asarray(column, dtype=object), bad.shape)
        where = np.flatnonzero(bad)
        for i in where[:_MAX_BAD_PER_COLUMN]:
            failures.add(
                file=source,
                row=int(rows[i]),
                column=str(cols[i]),
                value=str(cells.iloc[i]),
                rule="number",
                message="not a number nor a suppression code (c, x, z, low, u, -, :, .., blank); "
                "correct the cell or blank it",
            )
        if len(where) > _MAX_BAD_PER_COLUMN:
            failures.add(
                file=source,
                rule="number",
                message=f"... and {len(where) - _MAX_BAD_PER_COLUMN} more bad cells",
            )
    n = len(value)
    return pd.DataFrame(
        {
            LA_CODE: ids[LA_CODE].to_numpy(dtype=object),
            NEW_LA_CODE: ids[NEW_LA_CODE].to_numpy(dtype=object),
            LA_NAME: ids[LA_NAME].to_numpy(dtype=object),
            PERIOD: np.asarray(period, dtype="int64"),
            MEASURE: np.broadcast_to(np.asarray(measure, dtype=object), (n,)).copy(),
            VALUE: value,
            STATUS: status,
            SOURCE: np.full(n, source, dtype=object),
            VINTAGE: np.full(n, vintage, dtype="int64"),
            PRIORITY: np.full(n, priority, dtype="int64"),
        }
    )


def _files(path: Path) -> list[Path]:
    if path.is_file():
        return [path]
    if path.is_dir():
        return sorted(
            p
            for p in path.rglob("*")
            if p.is_file() and not any(part.startswith(".") for part in p.relative_to(path).parts)
        )
    raise DemandModelError(
        f"{path}: no such file or folder; give read_dfe a DfE CSV/parquet file or a folder of them"
    )


_DFE_HEADER_WORDS = ("time_period", "geographic_level", "geog_l", "geog_c", "old_la_code")


def _read_csv(file: Path, source: str, failures: Failures) -> pd.DataFrame | str:
    """The table as text cells, or the reason it cannot be read.

    A file whose header looks like a DfE table but which does not parse is a failure (a bad
    file); any other unreadable file is only reported as not read.
    """
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            frame = pd.read_csv(
                file,
                dtype=str,
                keep_default_na=False,
                encoding=encoding,
                skipinitialspace=True,
            )
        except UnicodeDecodeError:
            continue
        except (pd.errors.ParserError, pd.errors.EmptyDataError) as err:
            with file.open(encoding=encoding, errors="replace") as handle:
                header = handle.readline().lower()
            if any(word in header for word in _DFE_HEADER_WORDS):
                failures.add(
                    file=source, rule="csv", message=f"a DfE table that does not parse: {err}"
                )
            return f"not a readable CSV table ({str(err).strip()[:80]})"
        frame.columns = [str(c).strip().lstrip("\ufeff") for c in frame.columns]
        return frame
    return "neither UTF-8 nor Windows-1252 text"


_Read = tuple[pd.DataFrame, pd.DataFrame, dict[str, str], list[tuple[str, str]]]
_CACHE: dict[tuple[object, ...], _Read] = {}
_CACHE_SIZE = 4


def _read_all_cached(path: Path) -> _Read:
    """:func:`_read_all`, remembered while no file under ``path`` changes (path, size, mtime)."""
    files = _files(path)
    key: tuple[object, ...] = (
        str(path.resolve()),
        *((str(f), f.stat().st_size, f.stat().st_mtime_ns) for f in files),
    )
    if key not in _CACHE:
        if len(_CACHE) >= _CACHE_SIZE:
            _CACHE.pop(next(iter(_CACHE)))
        _CACHE[key] = _read_all(path)
    rows, unread, regions, notes = _CACHE[key]
    return rows.copy(), unread.copy(), dict(regions), list(notes)


def _read_all(path: Path) -> _Read:
    from demandmodel.data import dfe_ees, dfe_lait, dfe_sfr

    root = path if path.is_dir() else path.parent
    failures = Failures()
    parts: list[pd.DataFrame] = []
    unread: list[tuple[str, str]] = []
    regions: dict[str, str] = {}
    notes: list[tuple[str, str]] = []
    for file in _files(path):
        source = file.relative_to(root).as_posix()
        suffix = file.suffix.lower()
        if suffix == ".parquet":
            got, reason = dfe_lait.read_lait(file, source, failures, regions)
        elif suffix == ".csv":
            frame = _read_csv(file, source, failures)
            if isinstance(frame, str):
                got, reason = None, frame
            elif dfe_lait.is_dictionary(frame):
                got, reason = None, "LAIT data dictionary (documentation, not data)"
            elif dfe_ees.is_ees(frame):
                got, reason = dfe_ees.read_ees(frame, source, failures, regions, notes)
            elif dfe_sfr.is_sfr(frame):
                got, reason = dfe_sfr.read_sfr(frame, file, source, failures, notes)
            else:
                got, reason = None, "columns match no known DfE layout (EES, SFR 2010-2017, LAIT)"
        elif suffix in (".txt", ".md", ".pdf", ".docx", ".doc"):
            got, reason = None, "documentation, not a data table"
        elif suffix in (".xlsx", ".xls", ".ods"):
            got, reason = None, "spreadsheet: not read (export the table to CSV)"
        else:
            got, reason = None, f"unknown file type {suffix or '(none)'}"
        if got is None or got.empty:
            unread.append((source, reason or "no rows the reader maps"))
        else:
            parts.append(got)
    failures.raise_if_any(
        f"{path}: {len(failures)} problem(s) in DfE tables; each is listed below (.failures)"
    )
    rows = pd.concat(parts, ignore_index=True) if parts else empty_rows()
    return rows, pd.DataFrame(unread, columns=["file", "reason"]), regions, notes


def _choose(rows: pd.DataFrame) -> np.ndarray:
    """Mark the winning row of each (la_code, measure, period): newest vintage, then priority."""
    order = rows.sort_values(
        [LA_CODE, MEASURE, PERIOD, VINTAGE, PRIORITY, SOURCE],
        ascending=[True, True, True, False, False, True],
        kind="stable",
    )
    first = ~order.duplicated([LA_CODE, MEASURE, PERIOD], keep="first")
    chosen = np.zeros(len(rows), dtype=bool)
    chosen[order.index[first.to_numpy()].to_numpy()] = True
    return chosen


def _harmonise_ids(rows: pd.DataFrame) -> pd.DataFrame:
    """One ``new_la_code`` and ``la_name`` per ``la_code``: the newest non-empty ones."""
    named = rows.loc[rows[LA_NAME] != "", [LA_CODE, LA_NAME, PERIOD, VINTAGE, PRIORITY]]
    names = named.sort_values([VINTAGE, PRIORITY, PERIOD]).drop_duplicates(LA_CODE, keep="last")
    coded = rows.loc[rows[NEW_LA_CODE] != "", [LA_CODE, NEW_LA_CODE, PERIOD, VINTAGE, PRIORITY]]
    codes = coded.sort_values([PERIOD, VINTAGE, PRIORITY]).drop_duplicates(LA_CODE, keep="last")
    out = rows.copy()
    out[LA_NAME] = out[LA_CODE].map(names.set_index(LA_CODE)[LA_NAME]).fillna("").astype(str)
    out[NEW_LA_CODE] = (
        out[LA_CODE].map(codes.set_index(LA_CODE)[NEW_LA_CODE]).fillna("").astype(str)
    )
    return out


def read_dfe(path: str | Path, *, keep_revisions: bool = False) -> pd.DataFrame:
    """Read DfE published LA tables from a file or a folder (recursively) into a Panel.

    Parameters
    ----------
    path
        A CSV (EES layout or 2010-2017 SFR layout) or LAIT parquet file, or a folder of them.
    keep_revisions
        If True, return every row read (superseded ones too) with a boolean ``chosen`` column
        marking the row the default Panel keeps; see :func:`dfe_revisions`.

    Returns
    -------
    pandas.DataFrame
        Columns ``columns.PANEL_COLUMNS`` sorted by ``la_code, measure, period``: ``la_code`` the
        DfE 3-digit code (England ``970``, regions ``980``-``990``: see
        :mod:`demandmodel.data.geography`), ``period`` an int (see :func:`demandmodel.measures`
        for each measure's period convention), ``value`` float (NaN when suppressed or missing,
        never 0), ``status`` ``ok``/``suppressed``/``missing``, ``source`` the file path relative
        to ``path``, ``vintage`` the release year. ``attrs`` (plain Python values):
        ``unread_files`` (tuple of ``{"file", "reason"}``), ``regions`` (read-only mapping
        ``{la_code: region code}`` as published) and ``notes`` (tuple of ``{"file", "note"}``:
        rows at geographic levels the Panel does not keep, years taken from a path that
        disagree with a column name, ...). They are read-only and shared between copies.

    Raises
    ------
    DataValidationError
        A recognised table holds cells that are neither numbers nor suppression codes, or bad
        periods or LA codes; ``.failures`` lists every one (file, row, column, value).
    DemandModelError
        ``path`` does not exist.

    Notes
    -----
    Reading is cached in-process while no file under ``path`` changes (same names, sizes and
    modification times); every call still returns a fresh copy and repeats the warning.

    Warns
    -----
    UnreadFileWarning
        Some files were not read (listed in ``attrs["unread_files"]``).

    Examples
    --------
    See the module docstring; with the shared data:
    ``demandmodel.read_dfe("../shared/data/dfe")`` reads every DfE file in a few seconds.
    """
    path = Path(path)
    rows, unread, regions, notes = _read_all_cached(path)
    rows = _harmonise_ids(rows)
    chosen = _choose(rows)
    if keep_revisions:
        out = rows.drop(columns=[PRIORITY])
        out[CHOSEN] = chosen
    else:
        out = rows.loc[chosen, list(PANEL_COLUMNS)]
    out = out.sort_values([LA_CODE, MEASURE, PERIOD, VINTAGE], kind="stable").reset_index(drop=True)
    out = out.astype({LA_CODE: "str", NEW_LA_CODE: "str", LA_NAME: "str", MEASURE: "str"})
    # attrs hold no DataFrame (pandas compares attrs in concat and repr, which a DataFrame
    # breaks) and only read-only values that pandas can share instead of deep-copying.
    out.attrs["unread_files"] = SharedRecords(
        {"file": str(f), "reason": str(r)} for f, r in unread.itertuples(index=False)
    )
    out.attrs["regions"] = SharedMap(regions)
    out.attrs["notes"] = SharedRecords({"file": f, "note": n} for f, n in notes)
    if len(unread):
        listed = "; ".join(f"{f} ({r})" for f, r in unread.head(8).itertuples(index=False))
        more = f"; and {len(unread) - 8} more" if len(unread) > 8 else ""
        warnings.warn(
            f"read_dfe({path}): {len(unread)} file(s) not read: {listed}{more}. "
            "See panel.attrs['unread_files'].",
            UnreadFileWarning,
            stacklevel=2,
        )
    return out


def dfe_revisions(path_or_panel: str | Path | pd.DataFrame) -> pd.DataFrame:
    """The published values that later releases revised.

    Parameters
    ----------
    path_or_panel
        A path (read with ``read_dfe(path, keep_revisions=True)``, warnings passed on) or a frame
        that came from ``read_dfe(..., keep_revisions=True)``.

    Returns
    -------
    pandas.DataFrame
        Every row of each (la_code, measure, period) whose files disagree (different value or
        status), with the Panel columns and ``chosen`` (the row the Panel keeps), newest first.

    Examples
    --------
    >>> import pandas as pd, demandmodel
    >>> rows = pd.DataFrame({"la_code": ["856", "856"], "new_la_code": "", "la_name": "Leicester",
    ...     "period": 2016, "measure": "cla_31mar", "value": [646.0, 596.0], "status": "ok",
    ...     "source": ["sfr_2016.csv", "lait.parquet"], "vintage": [2016, 2022],
    ...     "chosen": [False, True]})
    >>> revs = demandmodel.dfe_revisions(rows)
    >>> [(float(r.value), int(r.vintage), bool(r.chosen)) for r in revs.itertuples()]
    [(596.0, 2022, True), (646.0, 2016, False)]
    """
    if isinstance(path_or_panel, pd.DataFrame):
        rows = path_or_panel
        if CHOSEN not in rows.columns:
            raise DemandModelError(
                "dfe_revisions needs every row read: pass a path, or the result of "
                "read_dfe(path, keep_revisions=True) (it has a 'chosen' column)"
            )
    else:
        rows = read_dfe(path_or_panel, keep_revisions=True)
    key = [LA_CODE, MEASURE, PERIOD]
    sig = rows[VALUE].round(6).astype(str) + "|" + rows[STATUS].astype(str)
    n_distinct = sig.groupby([rows[c] for c in key]).transform("nunique")
    out = rows.loc[n_distinct.to_numpy() > 1]
    return out.sort_values(
        [*key, VINTAGE, CHOSEN], ascending=[True, True, True, False, False], kind="stable"
    ).reset_index(drop=True)


def panel_series(panel: pd.DataFrame, la_code: str | int, measure: str) -> pd.Series:
    """One series of a Panel: ``value`` indexed by ``period`` (int, ascending), NaN where suppressed.

    Parameters
    ----------
    panel
        A Panel (one row per la_code, measure, period, as :func:`read_dfe` returns by default).
    la_code
        DfE 3-digit code (``301``, ``"301"``; England ``"970"``, regions ``"980"``-``"990"``), or
        the ONS code the Panel holds in ``new_la_code`` (``"E09000002"``).
    measure
        A measure name (see :func:`demandmodel.measures`).

    Raises
    ------
    DemandModelError
        The Panel has no row for that LA and measure (the message lists what it has), or it
        holds several rows for one period (pass a Panel without revisions).

    Examples
    --------
    >>> import pandas as pd, demandmodel
    >>> panel = pd.DataFrame({"la_code": "301", "measure": "cla_31mar", "period": [2021, 2020],
    ...     "value": [391.0, 402.0]})
    >>> demandmodel.panel_series(panel, 301, "cla_31mar").to_dict()
    {2020: 402.0, 2021: 391.0}
    >>> panel["new_la_code"] = "E09000002"
    >>> float(demandmodel.panel_series(panel, "E09000002", "cla_31mar")[2021])
    391.0
    """
    code = str(la_code).strip()
    if code.isdigit() and len(code) < 3:
        code = code.zfill(3)
    if len(code) == 9 and code[0] in "EW" and NEW_LA_CODE in panel.columns:
        known = panel.loc[panel[NEW_LA_CODE] == code, LA_CODE]
        if len(known):
            code = str(known.iloc[0])
    sel = panel.loc[(panel[LA_CODE] == code) & (panel[MEASURE] == measure)]
    if sel.empty:
        have_la = sorted(set(panel.loc[panel[LA_CODE] == code, MEASURE]))
        hint = (
            f"LA {code} has measures {', '.join(have_la[:12])}"
            if have_la
            else f"no rows for LA {code}"
        )
        raise DemandModelError(f"panel_series: no {measure!r} for LA {code}; {hint}")
    if sel[PERIOD].duplicated().any():
        raise DemandModelError(
            f"panel_series: LA {code}, {measure!r} has several rows for one period; "
            "use read_dfe without keep_revisions"
        )
    series = pd.Series(
        sel[VALUE].to_numpy(dtype="float64"),
        index=pd.Index(sel[PERIOD].astype("int64").to_numpy(), name=PERIOD),
        name=f"{code}:{measure}",
    )
    return series.sort_index()
