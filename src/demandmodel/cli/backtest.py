"""``demandmodel backtest``: rolling-origin backtest of published-series models to CSV.

Examples
--------
>>> parse_origins("2015-2017"), parse_origins("2014,2016"), parse_origins("2019")
([2015, 2016, 2017], [2014, 2016], [2019])
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from demandmodel.cli.forecast import (
    BadOption,
    add_parallel_options,
    executor_for,
    load_inputs,
    select_las,
    write_table,
)

EXIT_OK, EXIT_BAD_INPUT = 0, 2


def parse_origins(text: str) -> list[int]:
    """``"2015-2019"`` (a range), ``"2015,2017"`` (a list) or ``"2019"`` -> list of years."""
    text = text.strip()
    if "-" in text:
        lo, hi = (int(x) for x in text.split("-", 1))
        return list(range(lo, hi + 1))
    return [int(x) for x in text.split(",") if x.strip()]


def register(sub: Any) -> None:
    """Add the ``backtest`` sub-command."""
    p = sub.add_parser(
        "backtest",
        help="rolling-origin backtest: refit at each origin, score against what happened",
        description=(
            "For each origin, fit the model(s) to every LA's series using years up to that "
            "origin, forecast --horizon years ahead and compare with the actuals. Writes one row "
            "per forecast to --out and prints MASE, coverage, Winkler score and CRPS by model, "
            "measure and horizon.\n\nExample:\n  demandmodel backtest --data ../shared/data/dfe "
            "--measure cla_31mar --origins 2015-2019 --horizon 3 --out backtest.csv"
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--data", type=Path, required=True, help="DfE file or folder (read_dfe)")
    p.add_argument("--measure", action="append", help="measure; repeat for several")
    p.add_argument("--origins", required=True, help="e.g. 2015-2019 or 2015,2017")
    p.add_argument("--horizon", type=int, default=3, help="years ahead (default 3)")
    p.add_argument(
        "--model", action="extend", nargs="+", help="model name(s) (default: auto naive)"
    )
    p.add_argument("--la", action="extend", nargs="+", help="LA code(s) (default: all)")
    p.add_argument("--out", type=Path, required=True, help="output CSV of per-forecast rows")
    p.add_argument("--n-samples", type=int, default=500, help="simulated paths per forecast")
    p.add_argument("--seed", type=int, default=2022, help="random seed (default 2022)")
    add_parallel_options(p)
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Run the backtest, write the rows, print the summary table."""
    from demandmodel.backtest import backtest, evaluate

    try:
        origins = parse_origins(args.origins)
    except ValueError:
        print(
            f"demandmodel: error: --origins {args.origins!r}: use 2015-2019 or 2015,2017",
            file=sys.stderr,
        )
        return EXIT_BAD_INPUT
    models = list(args.model or ["auto", "naive"])
    try:
        panel, measures = load_inputs(args, models)
        la_codes = select_las(panel, args)
        with executor_for(args) as executor:
            rows = backtest(
                panel,
                model=models,
                measures=measures,
                origins=origins,
                horizon=args.horizon,
                la_codes=la_codes,
                n_samples=args.n_samples,
                rng=args.seed,
                n_jobs=args.jobs,
                executor=executor,
            )
    except BadOption as err:
        print(f"demandmodel: error: {err}", file=sys.stderr)
        return EXIT_BAD_INPUT
    write_table(rows, args.out)
    print(f"demandmodel backtest: {len(rows)} forecasts written to {args.out}")
    if len(rows):
        table = evaluate(rows, by=["model", "measure", "horizon"])
        cols = [
            "model",
            "measure",
            "horizon",
            "n",
            "mase",
            "rmsse",
            "bias",
            "cov50",
            "cov80",
            "cov95",
            "winkler80",
            "crps",
        ]
        print(table[cols].round(3).to_string(index=False))
    return EXIT_OK
