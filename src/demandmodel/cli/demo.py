"""``demandmodel demo``: the whole pipeline on the embedded synthetic local authority."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any


def register(sub: Any) -> None:
    """Add the ``demo`` sub-command."""
    p = sub.add_parser(
        "demo",
        help="run the main job on the embedded synthetic LA and write charts and tables",
        description=(
            "Read the embedded SYNTHETIC local authority, fit the models, and write charts and "
            "tables to --out.\n\nExample:\n  demandmodel demo --out demo-output"
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--out", type=Path, default=Path("demo-output"), help="output folder")
    p.add_argument("--seed", type=int, default=2022, help="random seed (default 2022)")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Run the demo (filled in as the models land)."""
    from demandmodel.demo import run_demo

    paths = run_demo(out=args.out, seed=args.seed)
    print("demandmodel demo (SYNTHETIC local authority) wrote:")
    for path in paths:
        print(f"  {path}")
    return 0
