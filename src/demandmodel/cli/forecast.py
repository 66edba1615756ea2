"""``demandmodel forecast``: forecast published series for every LA, with fallbacks, to CSV.

Examples
--------
>>> import argparse
>>> from demandmodel.cli.forecast import register
>>> parser = argparse.ArgumentParser(prog="demandmodel")
>>> register(parser.add_subparsers())
>>> args = parser.parse_args(["forecast", "--data", "dfe", "--origin", "2022", "--horizon", "3",
...                           "--la", "301", "302", "--la", "303", "--out", "f.csv"])
>>> args.la, args.measure, args.model
(['301', '302', '303'], None, 'auto')
"""

from __future__ import annotations

import argparse
import sys
import warnings
from collections.abc import Iterator
from concurrent.futures import Executor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pandas as pd

from demandmodel import columns as C

DEFAULT_MEASURES: tuple[str, ...] = ("cla_31mar", "cp_31mar", "cin_31mar")
"""Measures forecast when no ``--measure`` is given."""

EXIT_OK, EXIT_FAILURE, EXIT_BAD_INPUT = 0, 1, 2

DASK_HINT = "pip install 'demandmodel[dask]'"


class BadOption(Exception):
    """A command-line option that cannot be used (the CLI prints it and exits 2)."""


def add_parallel_options(p: argparse.ArgumentParser, *, la: bool = True) -> None:
    """``--jobs``, ``--dask-scheduler`` and (with ``la``) ``--region``: shared by forecast,
    backtest and run."""
    p.add_argument(
        "--jobs", type=int, default=1, metavar="N", help="worker processes (default 1: serial)"
    )
    p.add_argument(
        "--dask-scheduler",
        metavar="ADDRESS",
        help="run the tasks on a Dask cluster, e.g. tcp://host:8786 (needs "
        f"{DASK_HINT}); results are identical to a serial run",
    )
    if la:
        p.add_argument(
            "--region",
            action="append",
            metavar="CODE",
            help="every LA of a region (code 980-990 or name, e.g. 'North East'); repeatable",
        )


@contextmanager
def executor_for(args: argparse.Namespace) -> Iterator[Executor | None]:
    """The Dask cluster's executor for ``--dask-scheduler``, else ``None`` (use ``--jobs``)."""
    if getattr(args, "jobs", 1) < 1:
        raise BadOption(f"--jobs must be at least 1, got {args.jobs}")
    address = getattr(args, "dask_scheduler", None)
    if not address:
        yield None
        return
    try:
        import distributed
    except ImportError as err:
        raise BadOption(
            f"--dask-scheduler needs Dask's distributed package, which is not installed: {DASK_HINT}"
        ) from err
    try:
        client = distributed.Client(address, timeout="20s")  # type: ignore[no-untyped-call]
    except (OSError, TimeoutError) as err:
        raise BadOption(
            f"--dask-scheduler {address}: cannot connect ({err}); is `dask scheduler` running there?"
        ) from err
    with client:
        yield client.get_executor()  # type: ignore[no-untyped-call]


def select_las(panel: pd.DataFrame, args: argparse.Namespace) -> list[str] | None:
    """The LAs of ``--la`` and ``--region`` (``None``: all); an unknown region is a BadOption."""
    codes = [str(c) for c in (getattr(args, "la", None) or [])]
    regions_wanted = getattr(args, "region", None) or []
    if regions_wanted:
        from demandmodel.data.geography import region_code

        regions = dict(panel.attrs.get("regions") or {})
        if not regions:
            raise BadOption("--region: the data has no LA -> region table (read it with read_dfe)")
        for name in regions_wanted:
            code = region_code(str(name))
            wanted = {"987", "988"} if code == "986" else {code}  # London = Inner + Outer
            members = sorted(la for la, r in regions.items() if r in wanted)
            if code is None or not members:
                known = ", ".join(sorted(set(regions.values())))
                raise BadOption(f"--region {name!r}: not a region of the data (codes: {known})")
            codes.extend(c for c in members if c not in codes)
    return codes or None


def write_table(frame: pd.DataFrame, path: Path) -> None:
    """Write ``frame`` as CSV, or Parquet when ``path`` ends in ``.parquet``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix.lower() == ".parquet":
        frame.to_parquet(path, index=False)
    else:
        frame.to_csv(path, index=False)


def register(sub: Any) -> None:
    """Add the ``forecast`` sub-command."""
    p = sub.add_parser(
        "forecast",
        help="forecast published series (CLA, CP, CIN...) for every LA to a CSV",
        description=(
            "Read DfE published tables (a file or a folder), fit a model to every LA's series "
            "of each measure using years up to --origin (later years are ignored), and write "
            "la_code, measure, period, model, mean, q025, q10, q25, q50, q75, q90, q975 to --out. "
            "Series too short for the model fall back to simpler ones (drift, naive); every "
            "fallback is reported.\n\nExample:\n  demandmodel forecast --data ../shared/data/dfe "
            "--measure cla_31mar --measure cp_31mar --origin 2022 --horizon 3 --out forecasts.csv"
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--data", type=Path, required=True, help="DfE file or folder (read_dfe)")
    p.add_argument(
        "--measure",
        action="append",
        help=f"measure to forecast; repeat for several (default: {', '.join(DEFAULT_MEASURES)})",
    )
    p.add_argument("--origin", type=int, required=True, help="last year of data used")
    p.add_argument("--horizon", type=int, default=3, help="years ahead (default 3)")
    p.add_argument("--model", default="auto", help="model name (default auto)")
    p.add_argument("--la", action="extend", nargs="+", help="LA code(s) to forecast (default: all)")
    p.add_argument("--out", type=Path, required=True, help="output CSV (or .parquet)")
    p.add_argument("--n-samples", type=int, default=1000, help="simulated paths per series")
    p.add_argument("--seed", type=int, default=2022, help="random seed (default 2022)")
    p.add_argument("--failures", type=Path, help="also write the failure report to this CSV")
    p.add_argument(
        "--aggregate",
        action="store_true",
        help="add region and England totals, the sums of the LAs' samples (bottom-up; a "
        "'level' column tells la / region / england from England and regions modelled directly)",
    )
    add_parallel_options(p)
    p.set_defaults(handler=run)


def load_panel(path: Path) -> pd.DataFrame:
    """Read ``path`` with :func:`demandmodel.read_dfe` (file or folder)."""
    if not path.exists():
        raise FileNotFoundError(f"--data {path}: no such file or folder.")
    from demandmodel import read_dfe

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        panel = read_dfe(path)
    for w in caught:
        if w.category.__name__ == "UnreadFileWarning":
            print(
                f"note: some files under {path} were not read (documentation, or tables with no "
                "measure the reader maps); see read_dfe's unread_files",
                file=sys.stderr,
            )
        else:  # everything else is the user's business, as raised
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    return panel


def check_measures(panel: pd.DataFrame, measures: list[str]) -> str | None:
    """An error message when a measure is not in the panel, else ``None``."""
    have = set(panel[C.MEASURE].astype(str).unique())
    missing = [m for m in measures if m not in have]
    if missing:
        return (
            f"measure(s) {missing} are not in the data; it has {sorted(have)[:30]}"
            f"{' ...' if len(have) > 30 else ''}."
        )
    return None


def load_inputs(args: argparse.Namespace, models: list[str]) -> tuple[pd.DataFrame, list[str]]:
    """Check the ``--model`` names, read ``--data`` and check ``--measure``: the panel and measures.

    Raises :class:`BadOption` (exit code 2) naming the option at fault.
    """
    from demandmodel.errors import DemandModelError
    from demandmodel.models.base import get_model

    for name in models:
        try:
            get_model(name)
        except DemandModelError as err:
            raise BadOption(f"--model: {err}") from None
    measures = list(args.measure or DEFAULT_MEASURES)
    panel = load_panel(args.data)
    problem = check_measures(panel, measures)
    if problem:
        raise BadOption(f"--measure: {problem}")
    return panel, measures


def run(args: argparse.Namespace) -> int:
    """Run the forecast and write the CSV."""
    from demandmodel.batch import forecast_panel
    from demandmodel.errors import DemandModelError

    if args.horizon < 1 or args.n_samples < 1:
        print("demandmodel: error: --horizon and --n-samples must be >= 1", file=sys.stderr)
        return EXIT_BAD_INPUT
    try:
        panel, measures = load_inputs(args, [args.model])
        la_codes = select_las(panel, args)
        with executor_for(args) as executor:
            fc, failures = forecast_panel(
                panel,
                measures=measures,
                origin=args.origin,
                horizon=args.horizon,
                la_codes=la_codes,
                model=args.model,
                n_samples=args.n_samples,
                rng=args.seed,
                n_jobs=args.jobs,
                executor=executor,
            )
    except BadOption as err:
        print(f"demandmodel: error: {err}", file=sys.stderr)
        return EXIT_BAD_INPUT
    used = list(fc.metadata.get("models_used", []))
    models = [used[k] for k in range(len(used))] if len(used) == len(fc.series) else None
    columns = list(C.FORECAST_COLUMNS)
    if args.aggregate:
        from demandmodel.aggregation import aggregate

        try:
            fc = aggregate(fc, regions=dict(panel.attrs.get("regions") or {}))
        except DemandModelError as err:
            print(f"demandmodel: error: --aggregate: {err}", file=sys.stderr)
            return EXIT_BAD_INPUT
        if models is not None:
            models += ["sum of LAs"] * (len(fc.series) - len(models))
        columns.insert(1, "level")
    frame = fc.to_frame()
    if models is not None:
        frame[C.MODEL] = models * len(fc.periods)
    frame = frame[columns]
    write_table(frame, args.out)
    if args.failures:
        failures.to_csv(args.failures, index=False)
    n_fallback = int((failures["used_instead"] != "").sum()) if len(failures) else 0
    n_dropped = len(failures.loc[failures["used_instead"] == ""]) if len(failures) else 0
    print(
        f"demandmodel forecast: {len(fc.series)} series x {len(fc.periods)} years "
        f"({args.origin + 1}-{args.origin + args.horizon}) written to {args.out}"
    )
    if len(failures):
        print(
            f"  {n_fallback} series used a fallback model; {n_dropped} failed fit(s) left a "
            "series without a forecast"
            + (f" (report: {args.failures})" if args.failures else " (use --failures PATH)"),
            file=sys.stderr,
        )
    return EXIT_OK
