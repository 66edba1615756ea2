"""Speed of read_cin_census (and read_workforce) on the fake returns and on scaled-up copies.

The generated CIN sample (``fake_CIN_data.xml``: 332 children, 402 referrals) is read as is, and
then replicated (children renamed so each copy is a new child) to the size of a large LA's annual
return. Reported: median wall time of ``--repeat`` runs per size, and referrals read per second.
``repair=True`` is used because the sample has referrals after its reference date.

Run::

    .venv/bin/python benchmarks/read_cin_census.py --data ../shared/data --sizes 1 10 50 --repeat 5
"""

from __future__ import annotations

import argparse
import re
import statistics
import tempfile
import time
import warnings
from pathlib import Path

import demandmodel

SAMPLE = "fixtures/data-to-insight__csc-validator-be-cin/fake_data/fake_CIN_data.xml"
CSWW = "fixtures/SocialFinanceDigitalLabs__liia-tools/liiatools/spec/social_work_workforce/samples/social_work_workforce_2022.xml"


def scaled(xml: str, copies: int) -> str:
    """The sample with its children repeated ``copies`` times under new LAchildIDs."""
    head, rest = xml.split("<Children>", 1)
    body, tail = rest.rsplit("</Children>", 1)
    parts = [re.sub(r"<LAchildID>RND", f"<LAchildID>C{k}X", body) for k in range(copies)]
    return head + "<Children>" + "".join(parts) + "</Children>" + tail


def timed(fn: object, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()  # type: ignore[operator]
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--data", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "data"
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=[1, 10, 50])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    xml = (args.data / SAMPLE).read_text()
    warnings.simplefilter("ignore", demandmodel.DataRepairWarning)
    print(f"{'copies':>6} {'children':>9} {'referrals':>10} {'median s':>9} {'referrals/s':>12}")
    with tempfile.TemporaryDirectory() as tmp:
        for copies in args.sizes:
            path = Path(tmp) / f"cin_{copies}.xml"
            path.write_text(scaled(xml, copies))
            census = demandmodel.read_cin_census(path, repair=True)
            seconds = timed(lambda p=path: demandmodel.read_cin_census(p, repair=True), args.repeat)
            n_ref = len(census.cin_episodes) + int((census.log["action"] == "dropped").sum())
            print(
                f"{copies:>6} {len(census.children):>9} {n_ref:>10} {seconds:>9.3f} {n_ref / seconds:>12,.0f}"
            )
    seconds = timed(lambda: demandmodel.read_workforce(args.data / CSWW), args.repeat)
    print(f"read_workforce, 30-worker sample: median {seconds:.3f} s")


if __name__ == "__main__":
    main()
