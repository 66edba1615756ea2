"""``demandmodel validate PATH...``: check input files and report every problem.

Each input (file or folder) is classified - SSDA903 (CSV tables or EXPSSDA903 XML), CIN census
XML, workforce census XML, or DfE published statistics CSV - and read by the matching reader.
All SSDA903 inputs are read together, because the years of a return are stitched. Every failure
is printed, grouped by file and rule, with row, column and value. Exit code 2 when anything
fails, 0 when all inputs are clean. ``--repair`` reads with the documented repairs and shows
what would be repaired instead of failing on repairable problems.
"""

from __future__ import annotations

import argparse
import inspect
import re
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_BAD_INPUT = 2

KINDS = ("ssda903", "cin", "workforce", "dfe")
READERS = {
    "ssda903": "read_ssda903",
    "cin": "read_cin_census",
    "workforce": "read_workforce",
    "dfe": "read_dfe",
}
_SSDA903_MARKERS = {
    "DECOM",
    "RNE",
    "PLACE",
    "DUC",
    "ETHNIC",
    "REVIEW_CODE",
    "MIS_START",
    "SDQ_SCORE",
}


def register(sub: Any) -> None:
    """Add the ``validate`` sub-command."""
    p = sub.add_parser(
        "validate",
        help="check SSDA903 / CIN census / workforce / DfE files and list every problem",
        description=(
            "Check input files and list every problem (file, row, column, value, rule).\n"
            "Exit code 0 when clean, 2 when any input has problems.\n\n"
            "Examples:\n"
            "  demandmodel validate returns/2023 returns/2024\n"
            "  demandmodel validate --repair episodes.csv header.csv"
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="files or folders")
    p.add_argument(
        "--repair",
        action="store_true",
        help="apply the documented repairs and show what would be repaired",
    )
    p.add_argument(
        "--kind",
        choices=("auto", *KINDS),
        default="auto",
        help="what the inputs are (default: detect from content)",
    )
    p.add_argument("--max-rows", type=int, default=50, help="problems shown per file and rule")
    p.set_defaults(handler=run)


_INPUT_SUFFIXES = (".csv", ".xml", ".parquet")
_MULTI = ("ssda903", "cin")
"""Kinds whose reader takes all inputs at once (years are joined)."""


def _sniff_file(path: Path) -> str | None:
    if path.suffix.lower() == ".parquet":
        return "dfe"
    try:
        with path.open("rb") as fh:
            head = fh.read(8192)
    except OSError:
        return None
    text = head.decode("utf-8", errors="replace").lstrip("\ufeff \t\r\n")
    if text.startswith("<") or path.suffix.lower() == ".xml":
        if "EXPSSDA903" in text:
            return "ssda903"
        if "CSWW" in text or "Worker" in text:
            return "workforce"
        if "CIN" in text or "<Children" in text or "LAchildID" in text:
            return "cin"
        return None
    first = text.splitlines()[0] if text else ""
    names = [c.strip().strip('"') for c in re.split(r"[,;\t]", first)]
    cols = {n.upper() for n in names}
    if "TIME_PERIOD" in cols or "GEOG_L" in cols:
        return "dfe"
    if "LACHILDID" in cols or {"COLLECTION", "REFERENCEDATE"} <= cols:
        return "cin"
    if "CASE_HOLDING_FTE" in cols or "CASES_HELD" in cols:
        return "workforce"
    from demandmodel.data.ssda903_io import canonical_column, identify_table

    if identify_table([canonical_column(n) for n in names])[0] is not None:
        return "ssda903"
    return None


def _files(folder: Path) -> list[Path]:
    return sorted(
        f
        for f in folder.rglob("*")
        if f.is_file()
        and f.suffix.lower() in _INPUT_SUFFIXES
        and not any(part.startswith(".") for part in f.relative_to(folder).parts)
    )


def detect_kind(path: Path) -> str | None:
    """The kind of input at ``path``; for a folder, the kind of its files when they agree.

    Examples
    --------
    >>> import tempfile
    >>> f = Path(tempfile.mkdtemp()) / "episodes.csv"
    >>> _ = f.write_text("CHILD,DECOM,RNE,LS,PLACE,DEC,REC\\n")
    >>> detect_kind(f)
    'ssda903'
    """
    if path.is_dir():
        kinds = {_sniff_file(f) for f in _files(path)}
        return kinds.pop() if len(kinds) == 1 else None
    return _sniff_file(path)


def classify(paths: list[Path], kind: str = "auto") -> tuple[dict[str, list[Path]], list[Path]]:
    """Inputs grouped by kind, and the files recognised as none.

    A folder whose files are all of one kind stays whole; a mixed folder is split into its
    sub-folders and files, recursively.
    """
    groups: dict[str, list[Path]] = {}
    unknown: list[Path] = []

    def visit(path: Path) -> None:
        found = detect_kind(path) if kind == "auto" else kind
        if found is not None:
            groups.setdefault(found, []).append(path)
        elif not path.is_dir() or not _files(path):
            unknown.append(path)
        else:
            for child in sorted(path.iterdir()):
                if child.name.startswith("."):
                    continue
                if (child.is_dir() and _files(child)) or child.suffix.lower() in _INPUT_SUFFIXES:
                    visit(child)

    for path in paths:
        visit(path)
    return groups, unknown


def _print_failures(failures: pd.DataFrame, max_rows: int) -> None:
    for file, by_file in failures.groupby("file", sort=False):
        print(f"  {file}")
        for rule, group in by_file.groupby("rule", sort=False):
            print(f"    [{rule}] {len(group)} problem(s)")
            for rec in group.head(max_rows).itertuples(index=False):
                parts = []
                row = str(rec.row)
                if row not in ("", "None", "nan", "<NA>"):
                    parts.append(f"row {row}" if row.isdigit() else row)
                if str(rec.column) not in ("", "None", "nan"):
                    parts.append(f"column {rec.column}")
                if str(rec.value) not in ("", "None", "nan"):
                    parts.append(f"value {str(rec.value)!r}")
                where = ", ".join(parts)
                print(f"      - {where + ': ' if where else ''}{rec.message}")
            if len(group) > max_rows:
                print(f"      ... and {len(group) - max_rows} more")


def _print_log(log: pd.DataFrame, max_rows: int) -> None:
    from demandmodel.data.ssda903_codes import PROCESSING_RULES

    shown = log.loc[~log["action"].isin(["noted"])]
    routine = shown["rule"].isin(sorted(PROCESSING_RULES))
    repairs, processing = shown.loc[~routine], shown.loc[routine]
    if repairs.empty:
        print("  nothing to repair")
    else:
        print(f"  {len(repairs)} repair(s) would be made:")
    for (rule, action), group in repairs.groupby(["rule", "action"], sort=False):
        print(f"    [{rule}] {action}: {len(group)} row(s)")
        for rec in group.head(max_rows).to_dict("records"):
            text = {
                k: "" if pd.isna(v) else str(v) for k, v in rec.items() if pd.api.types.is_scalar(v)
            }
            row = text.get("row", "")
            where = text.get("file", "") + (f", row {row}" if row else "")
            child = f", child {text['child']}" if text.get("child") else ""
            before, after = text.get("before", ""), text.get("after", "")
            change = f" ({before} -> {after})" if before or after else ""
            print(f"      - {where}{child}{change}")
        if len(group) > max_rows:
            print(f"      ... and {len(group) - max_rows} more")
    if not processing.empty:
        counts = processing.groupby(["rule", "action"], sort=False).size().reset_index()
        done = ", ".join(f"{r} {a} {n}" for r, a, n in counts.itertuples(index=False))
        print(f"  documented processing (see .log): {done}")


def _reader(kind: str) -> Callable[..., Any] | None:
    import demandmodel

    fn = getattr(demandmodel, READERS[kind], None)
    return fn if callable(fn) else None


def _accepts_repair(fn: Callable[..., Any]) -> bool:
    try:
        params = inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return False
    return "repair" in params or any(p.kind is p.VAR_KEYWORD for p in params.values())


def _run_one(kind: str, paths: list[Path], *, repair: bool, max_rows: int) -> str:
    """Read one group of inputs and print the outcome: ``"ok"``, ``"bad"`` (input problems) or
    ``"crash"`` (the reader failed in a way it should not: a bug to report)."""
    from demandmodel.errors import DataValidationError, DemandModelError, DemandModelWarning

    label = ", ".join(str(p) for p in paths[:3]) + (
        f" and {len(paths) - 3} more" if len(paths) > 3 else ""
    )
    fn = _reader(kind)
    if fn is None:
        print(f"{kind}: {label}\n  SKIPPED: no reader for {kind} inputs in this version")
        return "ok"
    print(f"{kind}: {label}")
    try:
        target: Any = paths if kind == "ssda903" or len(paths) > 1 else paths[0]
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", DemandModelWarning)
            result = fn(target, repair=repair) if _accepts_repair(fn) else fn(target)
        for warning in caught:
            if issubclass(warning.category, DemandModelWarning):
                print(f"  note: {warning.message}")
            else:  # pragma: no cover - not ours: hand back to the warnings machinery
                warnings.showwarning(
                    warning.message, warning.category, warning.filename, warning.lineno
                )
    except DataValidationError as err:
        print(f"  FAILED: {err.args[0] if err.args else err}")
        if err.failures.empty:
            print(f"  {err}")
        else:
            _print_failures(err.failures, max_rows)
        return "bad"
    except DemandModelError as err:
        print(f"  FAILED: {err}")
        return "bad"
    except Exception as err:  # a reader bug must not hide the other inputs' reports
        print(
            f"  ERROR: {READERS[kind]} failed unexpectedly ({type(err).__name__}: {err}); please report"
        )
        return "crash"
    if kind == "ssda903":
        episodes = result.episodes
        print(
            f"  OK: {len(episodes):,} episodes of {episodes['child'].nunique():,} children "
            f"from {len(result.files)} file(s)"
        )
        if repair:
            _print_log(result.log, max_rows)
    else:
        size = getattr(result, "shape", None)
        print(f"  OK{f': {size[0]:,} rows' if size else ''}")
        log = getattr(result, "log", None)
        if repair and isinstance(log, pd.DataFrame) and {"rule", "action"} <= set(log.columns):
            _print_log(log, max_rows)
    return "ok"


def run(args: argparse.Namespace) -> int:
    """Validate every input; exit code 2 when any fails."""
    ok = True
    present: list[Path] = []
    for path in args.paths:
        if path.exists():
            present.append(path)
        else:
            print(f"{path}\n  FAILED: no such file or folder")
            ok = False
    groups, unknown = classify(present, args.kind)
    for path in unknown:
        print(
            f"{path}\n  FAILED: not recognised as SSDA903, CIN census, workforce census or "
            "DfE statistics; use --kind to say what it is"
        )
        ok = False
    outcomes: list[str] = []
    for kind in KINDS:
        if kind not in groups:
            continue
        if kind in _MULTI:
            outcomes.append(
                _run_one(kind, groups[kind], repair=args.repair, max_rows=args.max_rows)
            )
        else:
            for path in groups[kind]:
                outcomes.append(_run_one(kind, [path], repair=args.repair, max_rows=args.max_rows))
    if "crash" in outcomes:
        print("a reader failed unexpectedly (exit code 1)")
        return EXIT_FAILURE
    ok = ok and all(o == "ok" for o in outcomes)
    print("all inputs valid" if ok else "problems found (exit code 2)")
    return EXIT_OK if ok else EXIT_BAD_INPUT
