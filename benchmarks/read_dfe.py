"""Benchmark: time ``demandmodel.read_dfe`` on every DfE file in ../shared/data/dfe.

Reports the median (and min / max) wall time of several runs for the whole folder and for each
part (EES tables, 2010-2017 SFR tables, the LAIT parquet), each run from a cold in-process cache;
plus repeated reads of unchanged files (served from read_dfe's cache). Target: the whole folder
in < 10 s.

Run::

    .venv/bin/python benchmarks/read_dfe.py                 # 5 runs
    .venv/bin/python benchmarks/read_dfe.py --runs 7 --data ../shared/data/dfe
"""

from __future__ import annotations

import argparse
import statistics
import time
import warnings
from pathlib import Path

import demandmodel
from demandmodel.data import dfe

REPO = Path(__file__).resolve().parents[1]


def _time(path: Path, runs: int, *, cold: bool = True, **kw: bool) -> tuple[list[float], int]:
    times: list[float] = []
    rows = 0
    for _ in range(runs):
        if cold:
            dfe._CACHE.clear()  # time the reading, not the in-process cache
        start = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", demandmodel.UnreadFileWarning)
            panel = demandmodel.read_dfe(path, **kw)
        times.append(time.perf_counter() - start)
        rows = len(panel)
    return times, rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data" / "dfe")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    data: Path = args.data
    if not data.is_dir():
        print(f"no DfE data at {data}; pass --data")
        return 2
    cases: list[tuple[str, Path, dict[str, bool]]] = [
        ("all files (Panel)", data, {}),
        ("all files, cached (2nd read)", data, {"cold": False}),
        ("all files, keep_revisions", data, {"keep_revisions": True}),
        ("cla/ (EES)", data / "cla", {}),
        ("cin/ (EES)", data / "cin", {}),
        ("cla_sfr_2010_2017/ (SFR)", data / "cla_sfr_2010_2017", {}),
        ("lait/ (parquet)", data / "lait", {}),
    ]
    print(f"read_dfe benchmark, {args.runs} runs each, data {data}")
    print(f"{'case':32s} {'median s':>9s} {'min s':>7s} {'max s':>7s} {'rows':>8s}")
    for name, path, kw in cases:
        if not path.exists():
            continue
        times, rows = _time(path, args.runs, **kw)
        print(
            f"{name:32s} {statistics.median(times):9.2f} {min(times):7.2f} {max(times):7.2f} {rows:8d}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
