"""LA -> region -> England totals that add up: coherent bottom-up aggregation of a Forecast.

:func:`aggregate` adds to a Forecast of LA series (``la_code``, ``measure``) one series per region
and one for England whose every *sample* is the sum of its LAs' samples for the same sample index,
so the totals are coherent by construction: a region's mean is the sum of its LAs' means, sample by
sample, period by period, and England is the sum of its regions.

What this ignores, and what to do about it
------------------------------------------
Each LA's paths are drawn from its own seed (``seed_for(root, la, measure)``), so LAs are
*independent* in the sum. Real LAs share shocks (a national policy change, a court judgement, a
pandemic), so the interval of a sum of independent LAs is narrower than reality: its spread grows
like the square root of the number of LAs, not linearly. Two options widen it:

- ``dependence="comonotonic"`` sums the LAs' samples *rank by rank* in each period (the k-th
  smallest of every LA added together): perfect positive dependence, the widest coherent interval
  a sum of these margins can have. The truth lies between the two; the means are identical.
- ``spread=`` scales the deviations of each aggregate from its mean by a factor (e.g. the ratio of
  the empirical to the nominal interval width in a backtest of the totals), per horizon if given a
  sequence. The mean stays the sum of the LA means.

:func:`published_gap` compares the published England (and region) actuals with the sum of the
published LAs, to show how far "the sum of LAs" is from the published total (suppressed small
counts, rounding, children counted by two LAs).

Examples
--------
>>> import numpy as np, pandas as pd
>>> from demandmodel import Forecast
>>> from demandmodel.aggregation import aggregate
>>> samples = np.arange(2 * 1 * 3, dtype=float).reshape(2, 1, 3)
>>> fc = Forecast(samples=samples, periods=(2023,), model="m",
...               series=pd.DataFrame({"la_code": ["301", "302", "873"], "measure": "cla_31mar"}))
>>> out = aggregate(fc, regions={"301": "987", "302": "987", "873": "983"})
>>> out.series[["la_code", "level"]].values.tolist()
[['301', 'la'], ['302', 'la'], ['873', 'la'], ['983', 'region'], ['987', 'region'], ['970', 'england']]
>>> out.samples[:, 0, 4].tolist(), out.samples[:, 0, 5].tolist()
([1.0, 7.0], [3.0, 12.0])
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd

from demandmodel import columns as C
from demandmodel.errors import DemandModelError
from demandmodel.forecast import Forecast

__all__ = ["aggregate", "published_gap"]

ENGLAND = "970"
"""England's ``la_code`` in the Panel (see :mod:`demandmodel.data.geography`)."""

_REGION_CODES = frozenset(str(c) for c in range(980, 991))


def _is_area(code: str) -> bool:
    return code == ENGLAND or code in _REGION_CODES


def _spread_factors(spread: float | Sequence[float] | None, n_periods: int) -> np.ndarray:
    if spread is None:
        return np.ones(n_periods)
    f = np.broadcast_to(np.asarray(spread, dtype=float), (n_periods,)).copy()
    if not np.isfinite(f).all() or (f <= 0).any():
        raise DemandModelError(
            f"spread must be positive factors (one, or one per period); got {spread}."
        )
    return f


def _sum(block: np.ndarray, dependence: str) -> np.ndarray:
    """Sum ``(sample, period, k)`` over the last axis, in the LAs' order (so sums reproduce)."""
    if dependence == "comonotonic":
        block = np.sort(block, axis=0)
    out = np.zeros(block.shape[:2])
    for k in range(block.shape[2]):
        out += block[:, :, k]
    return out


def aggregate(
    forecast: Forecast,
    *,
    regions: Mapping[str, str],
    england: bool = True,
    dependence: Literal["independent", "comonotonic"] = "independent",
    spread: float | Sequence[float] | None = None,
) -> Forecast:
    """The forecast with region and England totals of its LA series added (bottom-up).

    Parameters
    ----------
    forecast
        A Forecast whose ``series`` has ``la_code`` and ``measure`` (e.g. from
        :func:`demandmodel.forecast_panel`). Series of England (``970``) or a region
        (``980``-``990``) modelled directly are kept, labelled ``level`` ``"england_model"`` /
        ``"region_model"``, and never summed.
    regions
        LA code -> region code, e.g. a Panel's ``attrs["regions"]`` (from
        :func:`demandmodel.read_dfe`). An LA series not in it is an error (it would silently
        be left out of its region); England sums every LA, through the regions.
    england
        Add the England total.
    dependence
        ``"independent"`` (default): sample ``k`` of a total is the sum of sample ``k`` of its
        LAs, whose seeds are independent, so intervals are too narrow (see the module notes).
        ``"comonotonic"``: sums the LAs' samples rank by rank in each period (widest).
    spread
        Factor(s) scaling each total's deviation from its mean (one, or one per period), e.g. from
        a backtest of totals; means are unchanged.

    Returns
    -------
    Forecast
        The input series first (with a ``level`` column: ``"la"`` or the ``*_model`` labels), then
        one series per (region, measure) and per measure for England (``level`` ``"region"`` /
        ``"england"``; ``metadata["aggregation"]`` records the options).
    """
    for col in (C.LA_CODE, C.MEASURE):
        if col not in forecast.series.columns:
            raise DemandModelError(
                f"aggregate needs a Forecast whose series have {C.LA_CODE!r} and {C.MEASURE!r} "
                f"(e.g. from forecast_panel); these have {forecast.series.columns.tolist()}."
            )
    if dependence not in ("independent", "comonotonic"):
        raise DemandModelError(
            f"dependence must be 'independent' or 'comonotonic'; got {dependence!r}."
        )
    series = forecast.series.copy()
    codes = series[C.LA_CODE].astype(str)
    levels = np.where(
        codes == ENGLAND, "england_model", np.where(codes.isin(_REGION_CODES), "region_model", "la")
    )
    series["level"] = levels
    la_mask = levels == "la"
    missing = sorted(set(codes[la_mask]) - {str(k) for k in regions})
    if missing:
        raise DemandModelError(
            f"aggregate: LA code(s) {missing[:10]} have no region in `regions`; pass the Panel's "
            "attrs['regions'] (read_dfe) or add them, so no LA is left out of a total."
        )
    region_of = np.array([str(regions.get(c, "")) for c in codes])
    factors = _spread_factors(spread, len(forecast.periods))
    blocks: list[np.ndarray] = [np.asarray(forecast.samples)]
    labels: list[dict[str, Any]] = []
    for measure in pd.unique(series[C.MEASURE].astype(str)):
        in_measure = la_mask & (series[C.MEASURE].astype(str) == measure).to_numpy()
        region_sums: list[np.ndarray] = []
        for region in sorted(set(region_of[in_measure])):
            idx = np.flatnonzero(in_measure & (region_of == region))
            total = _sum(forecast.samples[:, :, idx], dependence)
            region_sums.append(total)
            blocks.append(_scaled(total, factors)[:, :, None])
            labels.append({C.LA_CODE: region, C.MEASURE: measure, "level": "region"})
        if england and region_sums:
            total = _sum(np.stack(region_sums, axis=2), "independent")
            blocks.append(_scaled(total, factors)[:, :, None])
            labels.append({C.LA_CODE: ENGLAND, C.MEASURE: measure, "level": "england"})
    if not labels:
        raise DemandModelError("aggregate: the forecast has no LA series to sum.")
    extra = pd.DataFrame(labels)
    for col in series.columns:
        if col not in extra.columns:
            extra[col] = pd.NA
    return Forecast(
        samples=np.concatenate(blocks, axis=2),
        periods=forecast.periods,
        series=pd.concat([series, extra[series.columns]], ignore_index=True),
        model=forecast.model,
        origin=forecast.origin,
        seed=forecast.seed,
        vintage=forecast.vintage,
        history=forecast.history,
        metadata={
            **dict(forecast.metadata),
            "aggregation": {
                "method": "bottom_up",
                "dependence": dependence,
                "spread": None if spread is None else factors.tolist(),
            },
        },
    )


def _scaled(total: np.ndarray, factors: np.ndarray) -> np.ndarray:
    if np.all(factors == 1.0):
        return total
    mean = total.mean(axis=0, keepdims=True)
    return np.asarray(np.clip(mean + (total - mean) * factors[None, :], 0.0, None))


def published_gap(
    panel: pd.DataFrame, *, measure: str, regions: Mapping[str, str] | None = None
) -> pd.DataFrame:
    """Published England total vs the sum of the published LAs, by period.

    Parameters
    ----------
    panel
        A Panel with LA rows and England's (``970``) for ``measure``.
    measure
        The measure to compare (e.g. ``"cla_31mar"``).
    regions
        LA code -> region (default ``panel.attrs["regions"]``); only LAs in it are summed, so
        England and region rows are never counted twice.

    Returns
    -------
    pandas.DataFrame
        ``period, england, sum_of_las, n_las, gap`` (England minus the sum) and ``gap_pct``.

    Examples
    --------
    >>> import pandas as pd
    >>> from demandmodel.aggregation import published_gap
    >>> p = pd.DataFrame({"la_code": ["301", "302", "970"], "measure": "cla_31mar",
    ...                   "period": 2022, "value": [100.0, 50.0, 160.0]})
    >>> g = published_gap(p, measure="cla_31mar", regions={"301": "987", "302": "987"})
    >>> g[["england", "sum_of_las", "gap"]].iloc[0].tolist(), round(float(g["gap_pct"].iloc[0]), 2)
    ([160.0, 150.0, 10.0], 6.67)
    """
    regions = panel.attrs.get("regions") if regions is None else regions
    if not regions:
        raise DemandModelError(
            "published_gap needs LA -> region codes: pass regions= or a Panel from read_dfe "
            "(attrs['regions'])."
        )
    rows = panel.loc[panel[C.MEASURE].astype(str) == measure]
    codes = rows[C.LA_CODE].astype(str)
    values = pd.to_numeric(rows[C.VALUE], errors="coerce")
    periods = pd.to_numeric(rows[C.PERIOD]).astype(int)
    la = codes.isin({str(k) for k in regions}) & values.notna()
    summed = values[la].groupby(periods[la]).agg(["sum", "count"])
    eng = values[(codes == ENGLAND).to_numpy()].groupby(periods[codes == ENGLAND]).first()
    out = pd.DataFrame({"england": eng}).join(summed, how="inner")
    out = out.rename(columns={"sum": "sum_of_las", "count": "n_las"}).reset_index(names=C.PERIOD)
    out["n_las"] = out["n_las"].astype(int)
    out["gap"] = out["england"] - out["sum_of_las"]
    out["gap_pct"] = 100.0 * out["gap"] / out["sum_of_las"]
    return out[[C.PERIOD, "england", "sum_of_las", "n_las", "gap", "gap_pct"]]
