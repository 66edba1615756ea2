"""``demandmodel run FILE.toml --out DIR``: a whole run from one run file, for one LA or many.

With ``--la`` / ``--region`` / ``--all-las`` (published data only) the file's scenarios run for each
LA in turn - one task per (LA, scenario set), on ``--jobs`` processes or a Dask cluster - and the
projections go to one tidy table (``projection_all_las.csv`` with an ``la_code`` column) plus a
failure report, instead of the single LA's charts and workbook. Each LA's rows are exactly those of
a single-LA run of the file with ``la_code`` set to it (same seed, so LAs share random numbers:
sum LA forecasts with :func:`demandmodel.aggregation.aggregate` instead).

Examples
--------
>>> import argparse
>>> from demandmodel.cli.run import register
>>> parser = argparse.ArgumentParser(prog="demandmodel")
>>> register(parser.add_subparsers())
>>> args = parser.parse_args(["run", "f.toml", "--out", "o", "--la", "301", "--la", "302",
...                           "--jobs", "2"])
>>> args.la, args.jobs, args.all_las
(['301', '302'], 2, False)
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from collections.abc import Hashable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from demandmodel.cli.forecast import (
    BadOption,
    add_parallel_options,
    executor_for,
    load_panel,
    select_las,
    write_table,
)

EXIT_OK, EXIT_FAILURE, EXIT_BAD_INPUT = 0, 1, 2


def register(sub: Any) -> None:
    """Add the ``run`` sub-command."""
    p = sub.add_parser(
        "run",
        help="run a scenario file: projections, costs, sufficiency, SIB and caseloads",
        description=(
            "Run every scenario of a run file and write tidy CSVs, charts (PNG and SVG), an Excel\n"
            "workbook, an HTML report and a summary to --out. Every key of the file and its default\n"
            "is documented in demandmodel.config (docs: Run files).\n\n"
            "With --la, --region or --all-las (published data), run the file's scenarios for\n"
            "each of those LAs and write one combined projection table and a failure report.\n\n"
            "Examples:\n"
            "  demandmodel run examples/sufficiency_sib.toml --out sib-output\n"
            "  demandmodel run my_la.toml --out q3 --samples 2000 --seed 7\n"
            "  demandmodel run examples/published_la.toml --region 'North East' --jobs 2 --out ne"
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("file", type=Path, help="the run file (TOML)")
    p.add_argument("--out", type=Path, required=True, help="output folder (created if absent)")
    p.add_argument("--samples", type=int, help="override [run] samples")
    p.add_argument("--seed", type=int, help="override [run] seed")
    p.add_argument(
        "--la", action="append", metavar="CODE", help="run for this LA (repeatable; published data)"
    )
    p.add_argument("--all-las", action="store_true", help="run for every LA of the data")
    add_parallel_options(p)
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Run the file and print where the outputs are."""
    if args.la or args.region or args.all_las:
        try:
            return run_many(args)
        except BadOption as err:
            print(f"demandmodel: error: {err}", file=sys.stderr)
            return EXIT_BAD_INPUT
    from demandmodel.runner import run_file

    overrides = {k: getattr(args, k) for k in ("samples", "seed") if getattr(args, k) is not None}
    result = run_file(args.file, out=args.out, **overrides)
    summary = [p for p in result.files if p.name.endswith("summary.txt")]
    if summary:
        print(summary[0].read_text(encoding="utf-8"))
    print(
        f"Wrote {len(result.files)} files to {args.out}/ (report: "
        f"{next(p.name for p in result.files if p.suffix == '.html')})"
    )
    return EXIT_OK


def _la_task(key: Hashable, payload: dict[str, Any], rng: np.random.Generator) -> pd.DataFrame:
    """One LA's scenarios: the projection table of a single-LA run (seeded as that run is)."""
    from demandmodel.runner import entry_shares
    from demandmodel.scenarios.engines import AggregateEngine
    from demandmodel.scenarios.run import run_scenarios

    cfg, rows = payload["config"], payload["rows"]
    fit = payload["spec"].fit(
        rows,
        la_code=cfg.la_code,
        measure="cla_31mar",
        origin=cfg.origin,
        context=payload["context"],
    )
    engine = AggregateEngine(fit=fit, horizon=cfg.horizon, entry_age_shares=entry_shares(rows, cfg))
    comparison = run_scenarios(
        engine, payload["scenarios"], n_samples=cfg.samples, rng=np.random.SeedSequence(cfg.seed)
    )
    table = comparison.to_frame()
    if "la_code" not in table.columns:  # the engine's series are labelled by LA already
        table.insert(0, "la_code", cfg.la_code)
    return table


def run_many(args: argparse.Namespace) -> int:
    """The run file's scenarios for many LAs: one combined table and a failure report."""
    from demandmodel import columns as C
    from demandmodel.batch import plain_panel
    from demandmodel.config import RunConfig
    from demandmodel.models.aggregate import AggregateSpec
    from demandmodel.parallel import map_tasks
    from demandmodel.scenarios.run import BASELINE
    from demandmodel.scenarios.scenario import Scenario

    cfg = RunConfig.from_toml(args.file)
    overrides = {k: getattr(args, k) for k in ("samples", "seed") if getattr(args, k) is not None}
    cfg = dataclasses.replace(cfg, **overrides)
    if cfg.data_kind != "published":
        raise BadOption(
            f"--la/--region/--all-las need published data; {args.file} has data_kind = "
            f"{cfg.data_kind!r} (one LA's own returns): run it without them."
        )
    root = cfg.data_path()
    panel = plain_panel(load_panel(root / "dfe" if (root / "dfe").is_dir() else root))
    regions = dict(panel.attrs.get("regions") or {})
    if args.all_las:
        if not regions:
            raise BadOption("--all-las: the data has no LA -> region table to list the LAs")
        codes = sorted(regions)
    else:
        codes = select_las(panel, args) or []
    known = set(panel[C.LA_CODE].astype(str))
    unknown = [c for c in codes if c not in known]
    if unknown:
        raise BadOption(f"--la: no rows for LA code(s) {unknown[:10]} in {root}")
    names = [s.name for s in cfg.scenarios]
    scenarios = (
        list(cfg.scenarios) if BASELINE in names else [Scenario(name=BASELINE), *cfg.scenarios]
    )
    spec = AggregateSpec()
    context = spec.prepare(panel, measure="cla_31mar", origin=cfg.origin)
    codes_col = panel[C.LA_CODE].astype(str)
    england = panel.loc[codes_col == "970"]
    by_la = {str(k): g for k, g in panel.groupby(codes_col, sort=False)}
    set_name = args.file.stem
    tasks: dict[Hashable, Any] = {
        (la, set_name): {
            "config": dataclasses.replace(cfg, la_code=la),
            "rows": plain_panel(pd.concat([by_la[la], england]) if la != "970" else england),
            "spec": spec,
            "context": context,
            "scenarios": scenarios,
        }
        for la in codes
    }
    with executor_for(args) as executor:
        done = map_tasks(
            _la_task, tasks, n_jobs=args.jobs, executor=executor, rng=cfg.seed, description="LAs"
        )
    failures = done.failures.copy()
    failures.insert(0, "la_code", [k[0] for k in failures["task"]])
    failures = failures.drop(columns="task")
    args.out.mkdir(parents=True, exist_ok=True)
    write_table(failures, args.out / "failures.csv")
    if not done.results:
        print(
            f"demandmodel run: no LA could be run ({len(failures)} failures; see "
            f"{args.out / 'failures.csv'})",
            file=sys.stderr,
        )
        return EXIT_FAILURE
    combined = pd.concat(list(done.results.values()), ignore_index=True)
    write_table(combined, args.out / "projection_all_las.csv")
    print(
        f"demandmodel run: {len(done.results)} of {len(tasks)} LAs x {len(scenarios)} scenarios "
        f"written to {args.out / 'projection_all_las.csv'}"
    )
    if len(failures):
        print(
            f"  {len(failures)} LA(s) failed (report: {args.out / 'failures.csv'})", file=sys.stderr
        )
    return EXIT_OK
