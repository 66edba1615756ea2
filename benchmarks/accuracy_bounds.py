"""How much better than naive could a forecaster be that knew each year's national change?

Run after ``benchmarks/accuracy.py --save rows.csv`` (same cells, same MASE):

    .venv/bin/python benchmarks/accuracy_bounds.py rows.csv

Prints held-out (2017-2019) and selection (2014-2016) MASE of four point forecasts on the cells
the ``Naive`` peer was scored on: naive; naive plus the *actual* change of the median LA from the
origin to the target year (future knowledge); the ``revert`` rule's median plus that actual
change; and ``auto``. The two oracles are bounds, not models: they show how much of an LA's
change is national (forecastable at best from the national trend) and how much is its own.
"""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from demandmodel import read_dfe
from demandmodel.errors import DemandModelError
from demandmodel.models.base import get_model
from demandmodel.models.pooled import FittedPooled
from demandmodel.models.pooling import wide_log

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "dfe"


def main(rows_csv: str) -> None:
    rows = pd.read_csv(rows_csv, dtype={"la_code": str}, low_memory=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        panel = read_dfe(DATA)
    cells = rows[(rows["model"] == "Naive") & (rows["scale"] > 0)].copy()
    auto = rows[rows["model"] == "auto"].set_index(["la_code", "measure", "origin", "horizon"])
    value = panel.set_index(["la_code", "measure", "period"])["value"]
    out = []
    for (measure, origin), g in cells.groupby(["measure", "origin"]):
        z = wide_log(panel, measure=measure, origin=2100)
        spec = get_model("revert")
        ctx = spec.prepare(panel, measure=measure, origin=int(origin))
        for r in g.itertuples():
            last = float(value[(r.la_code, measure, int(origin))])
            national = float(np.nanmedian(z[origin + r.horizon] - z[origin]))
            try:
                fit = spec.fit(panel, la_code=r.la_code, measure=measure, origin=int(origin),
                               context=ctx)  # fmt: skip
                assert isinstance(fit, FittedPooled)
                pull = fit.level + float(fit.shift(int(r.horizon))[-1])
            except DemandModelError:  # no value at the origin: no pull
                pull = float(np.log1p(last))
            key = (r.la_code, measure, origin, r.horizon)
            out.append(
                {
                    "measure": measure, "block": "held-out" if origin >= 2017 else "selection",
                    "naive": abs(last - r.actual) / r.scale,
                    "naive + actual national change": abs(
                        np.expm1(np.log1p(last) + national) - r.actual) / r.scale,
                    "revert + actual national change": abs(
                        np.expm1(pull + national) - r.actual) / r.scale,
                    "auto": abs(auto.loc[key, "q50"] - r.actual) / r.scale if key in auto.index
                    else np.nan,
                }
            )  # fmt: skip
    table = pd.DataFrame(out).groupby(["block", "measure"]).mean().round(3)
    print(table.to_string())


if __name__ == "__main__":
    main(sys.argv[1])
