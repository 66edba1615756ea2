"""Regenerate the SYNTHETIC demo dataset shipped with demandmodel, byte for byte.

Usage (from the repository root)::

    .venv/bin/python data/make_demo.py            # rewrite it in place
    .venv/bin/python data/make_demo.py OUT_DIR    # or write a copy elsewhere

The dataset lives in the package (``src/demandmodel/data/demo/SYNTHETIC_borough_999``) so that
``demandmodel.demo_data_path()`` works from an installed package too. It is simulated with
``demandmodel.make_synthetic_la(rng=2022)``; a test checks that regenerating reproduces it exactly.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from demandmodel.data.synthetic import demo_data_path, write_demo


def main(argv: list[str]) -> int:
    target = Path(argv[0]) if argv else demo_data_path()
    if target.exists():
        shutil.rmtree(target)
    paths = write_demo(target)
    size = sum(p.stat().st_size for p in paths)
    print(f"wrote {len(paths)} files, {size / 1e6:.1f} MB, to {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
