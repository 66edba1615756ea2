"""Population of children aged 0-17 and rates per 10,000, with DfE's one-year lag.

In the Panel, ``pop_0_17`` for period *t* is the ONS mid-*t* estimate as published (``2022`` =
mid-2022). DfE's rates for year *t* (ending 31 March) divide the count by the mid-(*t*-1) estimate;
:func:`rate_per_10k` does the same by default (``lag=1``), so its results match the published
``cla_rate`` (to rounding).

Examples
--------
>>> import pandas as pd, demandmodel
>>> panel = pd.DataFrame({"la_code": "301", "measure": ["cla_31mar", "pop_0_17"],
...     "period": [2022, 2021], "value": [412.0, 63375.0], "status": "ok"})
>>> r = demandmodel.rate_per_10k(panel, "cla_31mar")
>>> round(float(r.loc[0, "rate"]), 1), int(r.loc[0, "pop_period"])
(65.0, 2021)
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from demandmodel.columns import LA_CODE, MEASURE, PERIOD, STATUS, STATUS_OK, VALUE
from demandmodel.errors import DemandModelError

__all__ = ["rate_per_10k"]

POPULATION = "pop_0_17"


def rate_per_10k(
    panel: pd.DataFrame, measure: str, *, lag: int = 1, population: str = POPULATION
) -> pd.DataFrame:
    """A count per 10,000 children, using the population ``lag`` years earlier (DfE: 1).

    Parameters
    ----------
    panel
        A Panel holding ``measure`` and ``population`` rows (e.g. from :func:`demandmodel.read_dfe`,
        possibly re-based with :func:`demandmodel.rebase_boundaries`).
    measure
        The count, e.g. ``"cla_31mar"``, ``"cla_starts"``, ``"cp_31mar"``.
    lag
        Years between the count's period and the population's mid-year (``0`` for same-year).
    population
        The population measure (default ``pop_0_17``).

    Returns
    -------
    pandas.DataFrame
        ``la_code, period, count, population, pop_period, rate``: one row per (LA, period) of the
        count; ``rate`` is NaN where either value is missing or suppressed.

    Raises
    ------
    DemandModelError
        The Panel has no rows of ``measure`` or of ``population``.
    """
    count = panel.loc[panel[MEASURE] == measure]
    pop = panel.loc[panel[MEASURE] == population]
    for name, part in ((measure, count), (population, pop)):
        if part.empty:
            raise DemandModelError(
                f"rate_per_10k: the panel has no {name!r} rows; read a table that holds it "
                "(see demandmodel.measures())"
            )

    def ok_values(part: pd.DataFrame) -> pd.Series:
        vals = part[VALUE].where(part[STATUS] == STATUS_OK) if STATUS in part else part[VALUE]
        return pd.Series(vals.to_numpy(dtype="float64"), index=part.index)

    left = pd.DataFrame(
        {
            LA_CODE: count[LA_CODE].to_numpy(),
            PERIOD: count[PERIOD].astype("int64").to_numpy(),
            "count": ok_values(count).to_numpy(),
        }
    )
    left["pop_period"] = left[PERIOD] - lag
    right = pd.DataFrame(
        {
            LA_CODE: pop[LA_CODE].to_numpy(),
            "pop_period": pop[PERIOD].astype("int64").to_numpy(),
            "population": ok_values(pop).to_numpy(),
        }
    ).drop_duplicates([LA_CODE, "pop_period"], keep="last")
    out = left.merge(right, on=[LA_CODE, "pop_period"], how="left")
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = out["count"].to_numpy() / out["population"].to_numpy() * 10_000.0
    out["rate"] = np.where(out["population"].to_numpy() > 0, rate, np.nan)
    cols = [LA_CODE, PERIOD, "count", "population", "pop_period", "rate"]
    return out[cols].sort_values([LA_CODE, PERIOD]).reset_index(drop=True)
