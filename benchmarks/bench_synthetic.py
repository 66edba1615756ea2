"""Time the synthetic LA: simulation (make_synthetic_la) and writing every file, median of N runs.

Usage: .venv/bin/python benchmarks/bench_synthetic.py [N]
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

from demandmodel.data.synthetic import DEMO_SEED, make_synthetic_la, write_synthetic_la


def main(n: int) -> None:
    make, write = [], []
    for _ in range(n):
        t0 = time.perf_counter()
        la = make_synthetic_la(rng=DEMO_SEED)
        t1 = time.perf_counter()
        with tempfile.TemporaryDirectory() as tmp:
            paths = write_synthetic_la(la, Path(tmp), rng=DEMO_SEED)
            size = sum(p.stat().st_size for p in paths)
        t2 = time.perf_counter()
        make.append(t1 - t0)
        write.append(t2 - t1)
    print(
        f"children simulated: {len(la.children)}; episodes: {len(la.episodes)}; "
        f"CIN episodes: {len(la.cin['cin'])}; files: {len(paths)} ({size / 1e6:.1f} MB, all CIN years)"
    )
    print(
        f"make_synthetic_la: median {statistics.median(make):.2f} s over {n} runs "
        f"(min {min(make):.2f}, max {max(make):.2f})"
    )
    print(
        f"write_synthetic_la: median {statistics.median(write):.2f} s over {n} runs "
        f"(min {min(write):.2f}, max {max(write):.2f})"
    )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5)
