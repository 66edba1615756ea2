"""Time ``read_ssda903`` on the shared fake returns, scaled up.

The five annual d2i returns (``../shared/data/ssda903_synthetic/d2i_cs_demand_model_combined``) are
copied ``k`` times with distinct child IDs, so a scale-k input is k times the rows of one fake LA
with the same mess (re-statements, overlaps, respite). Prints the median of several runs.

Usage: python benchmarks/bench_ssda903_read.py [--scales 1 5 20] [--runs 5]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import pandas as pd

import demandmodel

SOURCE = (
    Path(__file__).resolve().parents[2]
    / "shared"
    / "data"
    / "ssda903_synthetic"
    / "d2i_cs_demand_model_combined"
)


def build(scale: int, out: Path) -> int:
    rows = 0
    for f in sorted(SOURCE.glob("*.csv")):
        frame = pd.read_csv(f, dtype=str, keep_default_na=False)
        copies = [frame.assign(CHILD=frame["CHILD"] + f"x{k}") for k in range(scale)]
        big = pd.concat(copies, ignore_index=True)
        big.to_csv(out / f.name, index=False)
        rows += len(big) if f.name.endswith("episodes.csv") else 0
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", type=int, nargs="+", default=[1, 5, 20])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    print(
        f"{'scale':>5} {'episode rows':>12} {'kept':>7} {'log rows':>8} {'median s':>9} {'rows/s':>9}"
    )
    for scale in args.scales:
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            n = build(scale, folder)
            times = []
            for _ in range(args.runs):
                t0 = time.perf_counter()
                data = demandmodel.read_ssda903(folder, repair=True, la_code="SYN")
                times.append(time.perf_counter() - t0)
            med = statistics.median(times)
            print(
                f"{scale:>5} {n:>12,} {len(data.episodes):>7,} {len(data.log):>8,} {med:>9.2f} {n / med:>9,.0f}"
            )


if __name__ == "__main__":
    main()
