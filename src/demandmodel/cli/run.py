"""``demandmodel run FILE.toml --out DIR``: a whole run from one run file."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any


def register(sub: Any) -> None:
    """Add the ``run`` sub-command."""
    p = sub.add_parser(
        "run",
        help="run a scenario file: projections, costs, sufficiency, SIB and caseloads",
        description=(
            "Run every scenario of a run file and write tidy CSVs, charts (PNG and SVG), an Excel\n"
            "workbook, an HTML report and a summary to --out. Every key of the file and its default\n"
            "is documented in demandmodel.config (docs: Run files).\n\n"
            "Examples:\n"
            "  demandmodel run examples/sufficiency_sib.toml --out sib-output\n"
            "  demandmodel run my_la.toml --out q3 --samples 2000 --seed 7"
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("file", type=Path, help="the run file (TOML)")
    p.add_argument("--out", type=Path, required=True, help="output folder (created if absent)")
    p.add_argument("--samples", type=int, help="override [run] samples")
    p.add_argument("--seed", type=int, help="override [run] seed")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Run the file and print where the outputs are."""
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
    return 0
