"""Speed of read_cin_census stitching several collection years (the shipped synthetic demo LA).

Reads the demo LA's CIN census years (flattened CSV tables, one folder per year): each year alone,
then all years stitched. Reported: median wall and CPU time of ``--repeat`` runs, rows kept and
rows logged. ``--module PATH`` times another single-file copy of the reader instead (e.g. an older
``cin_census.py`` from ``git show``) for a before/after comparison on the same machine.

Run::

    .venv/bin/python benchmarks/read_cin_census_stitch.py --repeat 5
    git show 28eff9c:src/demandmodel/data/cin_census.py > /tmp/old_cin.py
    .venv/bin/python benchmarks/read_cin_census_stitch.py --repeat 5 --module /tmp/old_cin.py
"""

from __future__ import annotations

import argparse
import functools
import importlib.util
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import demandmodel


def reader(module: Path | None) -> Callable[..., Any]:
    if module is None:
        return demandmodel.read_cin_census
    spec = importlib.util.spec_from_file_location("_bench_cin", module)
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    sys.modules["_bench_cin"] = mod
    spec.loader.exec_module(mod)
    return mod.read_cin_census  # type: ignore[no-any-return]


def timed(fn: Callable[[], Any], repeat: int) -> tuple[float, float, Any]:
    """Median wall and CPU seconds of ``repeat`` calls (CPU time is steadier on a busy machine)."""
    wall, cpu, out = [], [], None
    for _ in range(repeat):
        start, start_cpu = time.perf_counter(), time.process_time()
        out = fn()
        wall.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return statistics.median(wall), statistics.median(cpu), out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--module", type=Path, default=None)
    args = parser.parse_args()
    read = reader(args.module)
    years = sorted(p for p in (demandmodel.demo_data_path() / "cin_census").iterdir() if p.is_dir())
    print(
        f"{'input':>12} {'wall s':>7} {'cpu s':>7} {'episodes':>9} {'cp_plans':>9} {'log rows':>9}"
    )
    for label, paths in [*((y.name, y) for y in years), ("all years", years)]:
        wall, cpu, census = timed(functools.partial(read, paths), args.repeat)
        print(
            f"{label:>12} {wall:>7.3f} {cpu:>7.3f} {len(census.cin_episodes):>9} "
            f"{len(census.cp_plans):>9} {len(census.log):>9}"
        )


if __name__ == "__main__":
    main()
