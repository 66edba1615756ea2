"""Reading SSDA903 files (CSV tables or EXPSSDA903 XML) into raw string tables.

Nothing here interprets values: every cell stays a stripped string, columns get their canonical
names (``PL`` -> ``PLACE``, ``CHILDID`` -> ``CHILD``, any case), each row keeps its file and
1-based data row number (header excluded), and each table is identified by its columns. Problems
(unreadable, empty, truncated rows, unknown layout, missing columns) go to a :class:`Recorder`,
which either logs a repair or records a validation failure.

Examples
--------
>>> from demandmodel.data.ssda903_io import Recorder, read_table_bytes
>>> rec = Recorder(repair=False)
>>> tables = read_table_bytes(b"CHILD,SEX,DOB,DUC\\n7,1,01/02/2005,\\n", "uasc.csv", rec)
>>> [(t.kind, len(t.frame)) for t in tables]
[('uasc', 1)]
>>> tables[0].frame[["CHILD", "_row"]].values.tolist()
[['7', 1]]
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from os import PathLike
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from demandmodel.columns import CLEANING_LOG_COLUMNS
from demandmodel.data._validate import Failures
from demandmodel.data.ssda903_codes import COLUMN_ALIASES, EXTRA_COLUMNS, REQUIRED, TABLES
from demandmodel.errors import DataValidationError

__all__ = [
    "RawTable",
    "Recorder",
    "canonical_column",
    "column_values",
    "expand_paths",
    "identify_table",
    "read_path",
    "read_table_bytes",
    "records",
]

USED_TABLES = ("episodes", "header", "uasc")


@dataclass(slots=True)
class Recorder:
    """Collects cleaning-log rows and validation failures while a return is read.

    ``problem`` records something wrong with the input: with ``repair=True`` it becomes a log row
    (the documented repair is applied by the caller), otherwise a failure. ``note`` always logs
    (documented processing such as multi-year stitching). ``fatal`` is always a failure.
    """

    repair: bool
    log_rows: list[dict[str, Any]] = field(default_factory=list)
    failures: Failures = field(default_factory=Failures)

    def note(
        self,
        *,
        file: str,
        row: Any,
        child: Any,
        rule: str,
        action: str,
        before: str = "",
        after: str = "",
        message: str,
    ) -> None:
        """Log processing applied to a row (always logged)."""
        self.log_rows.append(
            {
                "file": str(file),
                "row": row,
                "child": "" if child is None or child is pd.NA else str(child),
                "rule": rule,
                "action": action,
                "before": before,
                "after": after,
                "message": message,
            }
        )

    def problem(
        self,
        *,
        file: str,
        row: Any,
        child: Any = None,
        column: str | None,
        value: Any,
        rule: str,
        action: str,
        after: str = "",
        message: str,
        fix: str = "",
    ) -> None:
        """An input problem: logged as a repair when repairing, else a validation failure."""
        if self.repair:
            before = "" if value is None else f"{column}={value}" if column else str(value)
            self.note(
                file=file,
                row=row,
                child=child,
                rule=rule,
                action=action,
                before=before,
                after=after,
                message=f"{message}; {action}" + (f" ({after})" if after else ""),
            )
        else:
            self.failures.add(
                file=file,
                row=row,
                column=column,
                value=value,
                rule=rule,
                message=message + (f"; {fix}" if fix else ""),
            )

    def fatal(
        self, *, file: str, rule: str, message: str, column: str | None = None, row: Any = None
    ) -> None:
        """A problem no repair can fix (always a failure)."""
        self.failures.add(file=file, row=row, column=column, rule=rule, message=message)

    def log_frame(self) -> pd.DataFrame:
        """The cleaning log as a DataFrame with the standard columns."""
        frame = pd.DataFrame(self.log_rows, columns=list(CLEANING_LOG_COLUMNS))
        return frame.astype({c: "string" for c in CLEANING_LOG_COLUMNS if c != "row"})


def column_values(frame: pd.DataFrame, column: str) -> list[Any]:
    """``frame[column]`` as the Python values ``frame.to_dict("records")`` gives, but fast.

    ``to_dict`` iterates Arrow-backed strings cell by cell, which dominated the reader's time;
    one ``to_numpy`` does the same conversion at once (missing strings boxed as ``to_dict`` boxes
    them: ``None`` for ``pd.NA``, ``nan`` for ``str`` columns).

    Examples
    --------
    >>> frame = pd.DataFrame({"a": pd.array(["x", None], dtype="string"), "n": [1, 2]})
    >>> column_values(frame, "a"), column_values(frame, "n")
    (['x', None], [1, 2])
    >>> column_values(frame, "a") == [r["a"] for r in frame.to_dict("records")]
    True
    """
    values = frame[column]
    dtype = values.dtype
    if isinstance(dtype, pd.StringDtype):
        arr = values.to_numpy(dtype=object)  # missing cells as the dtype's: pd.NA or nan
        if dtype.na_value is pd.NA:
            arr[values.isna().to_numpy()] = None  # as to_dict boxes pd.NA
        out: list[Any] = arr.tolist()
        return out
    if not isinstance(dtype, np.dtype) or dtype.kind == "O":
        # Rare here: let to_dict box these exactly as before.
        return [r[column] for r in frame[[column]].to_dict("records")]
    plain: list[Any] = values.tolist()  # numpy-backed: Python scalars / Timestamps, as to_dict
    return plain


def records(frame: pd.DataFrame, columns: Sequence[str]) -> list[dict[str, Any]]:
    """``frame[columns].to_dict("records")``, built from :func:`column_values`.

    Examples
    --------
    >>> records(pd.DataFrame({"a": ["x"], "n": [1], "z": [0.5]}), ["a", "n"])
    [{'a': 'x', 'n': 1}]
    """
    cols = [column_values(frame, c) for c in columns]
    return [dict(zip(columns, row, strict=True)) for row in zip(*cols, strict=True)]


@dataclass(slots=True, kw_only=True)
class RawTable:
    """One table read from one file: string cells plus ``_file`` and ``_row`` columns."""

    kind: str
    file: str
    frame: pd.DataFrame
    year_hint: str = ""


def expand_paths(paths: str | PathLike[str] | Iterable[str | PathLike[str]]) -> list[Path]:
    """Files to read: each path itself, or every ``*.csv`` / ``*.xml`` under a folder, sorted."""
    items = [paths] if isinstance(paths, str | PathLike) else list(paths)
    out: list[Path] = []
    for item in items:
        path = Path(item)
        if path.is_dir():
            found = [
                p
                for p in path.rglob("*")
                if p.is_file()
                and p.suffix.lower() in (".csv", ".xml")
                and not any(part.startswith(".") for part in p.relative_to(path).parts)
            ]
            out.extend(sorted(found))
        else:
            out.append(path)
    return out


def _decode(data: bytes, label: str, rec: Recorder) -> str:
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            pass
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("cp1252")
        enc = "cp1252 (Windows)"
    except UnicodeDecodeError:
        text = data.decode("latin-1")
        enc = "latin-1"
    rec.note(
        file=label,
        row="",
        child="",
        rule="encoding",
        action="decoded",
        before="not UTF-8",
        after=enc,
        message=f"file is not UTF-8; read as {enc}. Save returns as UTF-8 to be sure of names",
    )
    return text


def canonical_column(name: str) -> str:
    """A column name as the reader knows it: stripped, upper case, aliases resolved."""
    clean = name.replace("\ufeff", "").strip().strip('"').strip().upper().replace(" ", "_")
    return COLUMN_ALIASES.get(clean, clean)


def identify_table(columns: Sequence[str]) -> tuple[str | None, float]:
    """The SSDA903 table whose columns best match ``columns`` (canonical names), and the share
    of that table's columns present; ``None`` when nothing matches at least half.

    Examples
    --------
    >>> identify_table(["CHILD", "SEX", "DOB", "DUC"])
    ('uasc', 1.0)
    >>> identify_table(["FILE", "ROW", "CHILD"])[0] is None
    True
    """
    have = set(columns) - set(EXTRA_COLUMNS)
    best: tuple[str | None, float, int] = (None, 0.0, 0)
    for kind, cols in TABLES.items():
        matched = len(have & set(cols))
        score = matched / len(cols)
        if (score, matched) > (best[1], best[2]):
            best = (kind, score, matched)
    if best[1] < 0.5 or best[2] < 2:
        return None, best[1]
    return best[0], best[1]


def _year_hint(label: str) -> str:
    """A 4-digit year in the file name, else in the nearest folder name (``2024/episodes.csv``)."""
    path = Path(label)
    for part in (path.name, *(p.name for p in list(path.parents)[:2])):
        digits = "".join(ch if ch.isdigit() else " " for ch in part).split()
        latest = dt.date.today().year + 1
        years = [d for d in digits if len(d) == 4 and 1990 <= int(d) <= latest]
        if years:
            return years[0]
    return ""


def _check_columns(kind: str, columns: list[str], label: str, rec: Recorder) -> bool:
    missing = [c for c in REQUIRED.get(kind, ()) if c not in columns]
    if not missing:
        return True
    known = {c for cols in TABLES.values() for c in cols} | set(EXTRA_COLUMNS)
    unknown = [c for c in columns if c not in known]
    hint = f"; unrecognised column(s) {', '.join(unknown)} may be renamed copies" if unknown else ""
    rec.fatal(
        file=label,
        column=", ".join(missing),
        rule="missing_column",
        message=(
            f"looks like the SSDA903 {kind} table but lacks column(s) {', '.join(missing)}{hint}. "
            f"Expected columns: {', '.join(TABLES[kind])}"
        ),
    )
    return False


def _delimiter(text: str) -> str:
    """``,`` unless the header line plainly uses ``;`` or tabs (Excel in some locales)."""
    first = next((line for line in text.splitlines() if line.strip()), "")
    counts = {d: first.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] > counts[","] else ","


def read_table_bytes(data: bytes, label: str, rec: Recorder) -> list[RawTable]:
    """Read one CSV file's bytes into (at most one) identified table."""
    if not data.replace(codecs.BOM_UTF8, b"").strip():
        rec.fatal(file=label, rule="file_empty", message="the file is empty; export it again")
        return []
    text = _decode(data, label, rec)
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text)))
    except csv.Error as err:
        rec.fatal(file=label, rule="csv_malformed", message=f"not a readable CSV file ({err})")
        return []
    # The header is the first row with a non-blank cell (one strip per row, not per cell).
    head_index = next((i for i, r in enumerate(rows) if "".join(r).strip()), None)
    if head_index is None:
        rec.fatal(file=label, rule="file_empty", message="the file has no header row")
        return []
    header = rows[head_index]
    columns = [canonical_column(c) for c in header]
    while columns and columns[-1] == "":
        columns.pop()
    columns = [c or f"_UNNAMED_{i + 1}" for i, c in enumerate(columns)]
    dupes = sorted({c for c in columns if columns.count(c) > 1})
    kind, _ = identify_table(columns)
    if kind is None:
        rec.fatal(
            file=label,
            rule="unknown_table",
            message=(
                f"columns {', '.join(columns[:15])} match no SSDA903 table (Header, Episodes, "
                "UASC, Reviews, ...); check the header row, or that this is an SSDA903 file"
            ),
        )
        return []
    if dupes:
        rec.fatal(
            file=label,
            column=", ".join(dupes),
            rule="duplicate_column",
            message=f"column(s) {', '.join(dupes)} appear more than once in the header row",
        )
        return []
    used = kind in USED_TABLES
    if used and not _check_columns(kind, columns, label, rec):
        return []
    width = len(columns)
    records: list[list[str]] = []
    numbers: list[int] = []
    for index, cells in enumerate(rows[head_index + 1 :], 1):
        stripped = [c.strip() for c in cells]  # once per cell: blank checks and the kept values
        if not any(stripped):
            continue
        if len(cells) > width and not any(stripped[width:]):
            cells, stripped = cells[:width], stripped[:width]
        if len(cells) != width:
            if used:
                rec.problem(
                    file=label,
                    row=index,
                    child=cells[0].strip() if cells else None,
                    column=None,
                    value=",".join(cells)[:80],
                    rule="row_shape",
                    action="dropped",
                    message=(
                        f"row has {len(cells)} cells but the header has {width} "
                        "(truncated file or stray comma)"
                    ),
                    fix="repair the row or export the file again",
                )
            continue
        records.append(stripped)
        numbers.append(index)
    # Column by column (no 2-D object array), and _file/_row in the same constructor.
    empty: list[tuple[str, ...]] = [()] * width
    by_column: list[tuple[str, ...]] = list(zip(*records, strict=True)) if records else empty
    table: dict[str, Any] = {
        c: pd.array(v, dtype="string") for c, v in zip(columns, by_column, strict=True)
    }
    table["_file"] = label
    table["_row"] = np.array(numbers, dtype="int64")
    frame = pd.DataFrame(table)
    return [RawTable(kind=kind, file=label, frame=frame, year_hint=_year_hint(label))]


def _xml_tables(data: bytes, label: str, rec: Recorder) -> list[RawTable]:
    # Imported here: the XML stack (defusedxml, ElementTree) costs ~4 ms and CSV returns skip it.
    from demandmodel.data._xml import child_text, local_name, parse_xml

    try:
        root = parse_xml(data, file_label=label)
    except DataValidationError as err:
        for rec_row in err.failures.to_dict("records"):
            rec.fatal(file=label, rule=str(rec_row["rule"]), message=str(rec_row["message"]))
        return []
    if local_name(str(root.tag)) != "EXPSSDA903":
        rec.fatal(
            file=label,
            rule="unknown_table",
            message=(
                f"XML root element is <{local_name(str(root.tag))}>, not <EXPSSDA903>; "
                "this is not an SSDA903 XML return"
            ),
        )
        return []
    header_cols = TABLES["header"]
    episode_cols = TABLES["episodes"]
    headers: list[list[str]] = []
    episodes: list[list[str]] = []
    uasc: list[list[str]] = []
    head_rows: list[int] = []
    ep_rows: list[int] = []
    uasc_rows: list[int] = []
    ep_index = 0
    for child_index, child in enumerate(
        (c for c in root if isinstance(c.tag, str) and local_name(c.tag) == "CHILD"), 1
    ):
        head = next(
            (h for h in child if isinstance(h.tag, str) and local_name(h.tag) == "HEADER"), None
        )
        child_id = child_text(head, "CHILDID") or child_text(head, "CHILD")
        headers.append(
            [child_id, *(child_text(head, c) for c in header_cols[1:])],
        )
        head_rows.append(child_index)
        flag = child_text(head, "UASC").upper()
        duc = child_text(head, "DUC")
        if flag in ("1", "TRUE", "Y", "YES") or duc:
            uasc.append([child_id, child_text(head, "SEX"), child_text(head, "DOB"), duc])
            uasc_rows.append(child_index)
        for ep in child:
            if not (isinstance(ep.tag, str) and local_name(ep.tag) == "EPISODE"):
                continue
            ep_index += 1
            values = {c: child_text(ep, c) for c in episode_cols}
            values["PLACE"] = child_text(ep, "PL") or values["PLACE"]
            values["CHILD"] = child_id
            episodes.append([values[c] for c in episode_cols])
            ep_rows.append(ep_index)
    out = []
    for kind, cols, recs, nums in (
        ("header", header_cols, headers, head_rows),
        ("episodes", episode_cols, episodes, ep_rows),
        ("uasc", TABLES["uasc"], uasc, uasc_rows),
    ):
        frame = pd.DataFrame(recs, columns=list(cols), dtype="string")
        if frame.empty:
            frame = pd.DataFrame({c: pd.Series([], dtype="string") for c in cols})
        frame["_file"] = label
        frame["_row"] = pd.Series(nums, dtype="int64")
        out.append(RawTable(kind=kind, file=label, frame=frame, year_hint=_year_hint(label)))
    return out


def read_path(path: Path, rec: Recorder) -> list[RawTable]:
    """Read one file (CSV or XML, told apart by content) into its tables."""
    label = str(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        rec.fatal(file=label, rule="file_not_found", message="no such file or folder")
        return []
    except OSError as err:
        rec.fatal(file=label, rule="file_unreadable", message=f"cannot read the file ({err})")
        return []
    head = data.lstrip(codecs.BOM_UTF8 + b" \t\r\n")[:1]
    if path.suffix.lower() == ".xml" or head == b"<":
        return _xml_tables(data, label, rec)
    return read_table_bytes(data, label, rec)
