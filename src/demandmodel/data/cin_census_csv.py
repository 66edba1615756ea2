"""CIN census inputs: grouping paths into collections, and the flattened CSV tables.

Each XML file is one collection; CSV files in one folder form one collection, each table
recognised by its columns (:data:`~demandmodel.data.cin_census_codes.SIGNATURES`), not its
name. A ``Header`` table gives the reference date and LA; an ``AssessmentFactorsList`` table is
folded into ``Assessments.AssessmentFactors``.

Examples
--------
>>> from demandmodel.data.cin_census_csv import identify_table
>>> identify_table(["LAchildID", "CINdetailsID", "CPPID", "CPPstartDate", "CPPendDate"])
'ChildProtectionPlans'
>>> identify_table(["LAchildID", "CINdetailsID", "CPPID", "CPPreviewDate"])
'Reviews'
>>> identify_table(["foo"]) is None
True
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from os import PathLike
from pathlib import Path
from typing import Any

import pandas as pd

from demandmodel.data.cin_census_codes import SIGNATURES, TABLES
from demandmodel.data.cin_census_records import Collection, Context, read_header

__all__ = [
    "attach_factor_list",
    "expand_paths",
    "identify_table",
    "looks_like_xml",
    "read_csv_group",
]


def _read_csv_table(path: Path, ctx: Context) -> pd.DataFrame | None:
    """One CSV table as stripped strings (blank -> None), or None after a fatal problem."""
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


def identify_table(columns: Iterable[str]) -> str | None:
    """The table whose signature columns ``columns`` has (the most specific), or None."""
    have = set(columns)
    matches = [name for name, sig in SIGNATURES.items() if sig <= have]
    if not matches:
        return None
    return max(matches, key=lambda name: len(SIGNATURES[name]))


def read_csv_group(paths: list[Path], position: int, ctx: Context) -> Collection | None:
    """The CSV tables of one folder as one collection (None if any file is unusable)."""
    label = str(paths[0].parent) if len(paths) > 1 else str(paths[0])
    coll = Collection(label=label, position=position)
    ok = True
    for path in paths:
        frame = _read_csv_table(path, ctx)
        if frame is None:
            ok = False
            continue
        name = identify_table(frame.columns)
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
                read_header(coll, clean, str(i), ctx)
            else:
                coll.add(name, {**clean, "_file": str(path), "_row": i})
    return coll if ok else None


def expand_paths(paths: str | PathLike[str] | Sequence[str | PathLike[str]]) -> list[list[Path]]:
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


def looks_like_xml(path: Path) -> bool:
    """XML by suffix (.xml/.csv), else by the first bytes (an unreadable file counts as XML)."""
    if path.suffix.lower() in (".xml", ".csv"):
        return path.suffix.lower() == ".xml"
    try:
        with path.open("rb") as fh:
            return fh.read(512).lstrip().startswith((b"<", b"\xef\xbb\xbf<"))
    except OSError:
        return True  # parse_xml reports the unreadable file


def attach_factor_list(coll: Collection) -> None:
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
