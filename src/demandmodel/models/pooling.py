"""Pooling across LAs: the wide log matrix of a measure, empirical Bayes shrinkage, pooled trends.

Shared by :mod:`demandmodel.models.pooled` (trends of stocks) and
:mod:`demandmodel.models.aggregate` (trends of entry rates and leaving hazards).

Examples
--------
>>> import numpy as np
>>> from demandmodel.models.pooling import eb_shrink
>>> shrunk, weight, tau2 = eb_shrink(np.array([0.1, 0.3]), np.array([0.01, 0.01]),
...                                  np.array(["a", "a"]))
>>> [round(float(x), 2) for x in shrunk]
[0.2, 0.2]
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from demandmodel import columns as C
from demandmodel.data.geography import ENGLAND, REGIONS
from demandmodel.errors import DemandModelError

__all__ = [
    "AGGREGATE_CODES",
    "REGION_COLUMN",
    "eb_shrink",
    "is_la_code",
    "la_groups",
    "pooled_trends",
    "wide_log",
]

REGION_COLUMN = "region"
"""Optional Panel column naming each LA's region (used when no ``regions`` mapping is given)."""

AGGREGATE_CODES = frozenset({ENGLAND, *(code for code, _, _ in REGIONS)})
"""The England (970) and region (980-990) pseudo-codes of the Panel."""


def is_la_code(code: str) -> bool:
    """A DfE 3-digit LA code, not England's or a region's pseudo-code (970, 980-990)."""
    return len(code) == 3 and code.isdigit() and code not in AGGREGATE_CODES


def wide_log(
    panel: pd.DataFrame, *, measure: str, origin: int, aggregates: bool = False
) -> pd.DataFrame:
    """``log(1 + value)`` of one measure, one row per LA and one column per period ``<= origin``.

    Only LA rows are kept (3-digit DfE codes other than England's ``970`` and the regions'
    ``980``-``990``, see :mod:`demandmodel.data.geography`); aggregate rows would otherwise count
    twice in the pool. ``aggregates=True`` keeps only those England and region rows instead.

    Examples
    --------
    >>> import pandas as pd
    >>> p = pd.DataFrame({"la_code": ["301", "301", "970"], "measure": "cp_31mar",
    ...                   "period": [2020, 2021, 2021], "value": [0.0, 9.0, 5.0]})
    >>> wide_log(p, measure="cp_31mar", origin=2021).round(3).to_dict("index")
    {'301': {2020: 0.0, 2021: 2.303}}
    """
    missing = [c for c in (C.LA_CODE, C.MEASURE, C.PERIOD, C.VALUE) if c not in panel.columns]
    if missing:
        raise DemandModelError(
            f"The panel has no column(s) {missing}; a Panel needs la_code, measure, period and value."
        )
    rows = panel.loc[
        (panel[C.MEASURE].astype(str) == measure) & (pd.to_numeric(panel[C.PERIOD]) <= origin),
        [C.LA_CODE, C.PERIOD, C.VALUE],
    ]
    codes = rows[C.LA_CODE].astype(str)
    keep = codes.isin(AGGREGATE_CODES) if aggregates else codes.map(is_la_code).astype(bool)
    rows = rows.loc[keep]
    if rows.empty:
        return pd.DataFrame(dtype=float)
    frame = pd.DataFrame(
        {
            C.LA_CODE: rows[C.LA_CODE].astype(str).to_numpy(),
            C.PERIOD: pd.to_numeric(rows[C.PERIOD]).astype(int).to_numpy(),
            C.VALUE: np.log1p(pd.to_numeric(rows[C.VALUE], errors="coerce").clip(lower=0.0)),
        }
    )
    wide = frame.pivot_table(
        index=C.LA_CODE, columns=C.PERIOD, values=C.VALUE, aggfunc="last", dropna=False
    )
    if wide.shape[1] == 0:
        return pd.DataFrame(index=wide.index, dtype=float)
    periods = range(int(wide.columns.min()), int(wide.columns.max()) + 1)
    return wide.reindex(columns=periods).astype(float)


def eb_shrink(
    est: np.ndarray, var: np.ndarray, groups: np.ndarray
) -> tuple[np.ndarray, np.ndarray, float]:
    """Empirical Bayes shrinkage of estimates toward their (shrunk) group means.

    Returns ``(shrunk, weight_on_group, tau2)``. NaN estimates get their group's mean (weight 1);
    with no estimate at all, every result is 0.

    Examples
    --------
    >>> import numpy as np
    >>> est = np.array([0.10, 0.00, 0.05, np.nan])
    >>> var = np.array([0.01, 0.01, 0.01, np.nan])
    >>> shrunk, w, tau2 = eb_shrink(est, var, np.array(["a"] * 4))
    >>> [round(float(x), 3) for x in shrunk]
    [0.05, 0.05, 0.05, 0.05]
    """
    est = np.asarray(est, dtype=float)
    var = np.asarray(var, dtype=float)
    ok = np.isfinite(est) & np.isfinite(var)
    weight = np.ones_like(est)
    if not ok.any():
        return np.zeros_like(est), weight, 0.0
    labels = np.unique(groups)
    # Between-LA variance within groups, by moments: residuals around the (plain) group means.
    resid = np.full_like(est, np.nan)
    for g in labels:
        m = ok & (groups == g)
        if m.any():
            resid[m] = est[m] - np.mean(est[m])
    dof = int(ok.sum()) - len(set(groups[ok].tolist()))
    tau2 = 0.0
    if dof > 1:
        tau2 = max(float(np.sum(resid[ok] ** 2)) / dof - float(np.mean(var[ok])), 0.0)
    w = 1.0 / (var + tau2 + 1e-12)
    overall = float(np.sum(w[ok] * est[ok]) / np.sum(w[ok]))
    g_est = np.array([np.sum(w[ok & (groups == g)] * est[ok & (groups == g)]) for g in labels])
    g_w = np.array([np.sum(w[ok & (groups == g)]) for g in labels])
    with np.errstate(invalid="ignore", divide="ignore"):
        g_mean = g_est / g_w
        g_var = 1.0 / g_w
    g_ok = np.isfinite(g_mean)
    tau2_g = 0.0
    if g_ok.sum() >= 2:
        tau2_g = max(float(np.var(g_mean[g_ok], ddof=1)) - float(np.mean(g_var[g_ok])), 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        b_g = g_var / (g_var + tau2_g)
    g_shrunk = np.where(g_ok, b_g * overall + (1 - b_g) * g_mean, overall)
    target = g_shrunk[np.searchsorted(labels, groups)]
    b = np.where(ok, var / (var + tau2 + 1e-12), 1.0)
    out = np.where(ok, b * target + (1 - b) * est, target)
    return out, b, tau2


def pooled_trends(
    z: np.ndarray, groups: np.ndarray, *, window: int, prior_df: float
) -> tuple[np.ndarray, np.ndarray]:
    """Shrunk trends and shrunk volatilities of every row of ``z`` (LAs x years, log scale).

    Examples
    --------
    >>> import numpy as np
    >>> z = np.log(np.array([[100, 110, 121.0], [50, 55, 60.5], [80, 80, 80.0]]))
    >>> g, s = pooled_trends(z, np.array(["a", "a", "a"]), window=5, prior_df=4)
    >>> bool(g[0] > g[2] and g[1] > g[2])
    True
    """
    d = np.diff(z, axis=1)
    n_all = np.isfinite(d).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        recent = d[:, -window:]
        n = np.isfinite(recent).sum(axis=1)
        g = np.where(n > 0, np.nansum(recent, axis=1) / np.maximum(n, 1), np.nan)
        mean_all = np.nansum(d, axis=1) / np.maximum(n_all, 1)
        ss = np.nansum((d - mean_all[:, None]) ** 2, axis=1)
        s2 = np.where(n_all > 1, ss / np.maximum(n_all - 1, 1), np.nan)
    pool = float(np.nanmedian(s2)) if np.isfinite(s2).any() else 0.01
    df = np.maximum(n_all - 1, 0)
    s2_shrunk = (df * np.nan_to_num(s2) + prior_df * pool) / (df + prior_df)
    v = np.where(n > 0, s2_shrunk / np.maximum(n, 1), np.nan)
    g_star, _, _ = eb_shrink(g, v, groups)
    return g_star, np.sqrt(s2_shrunk)


def recent_gap(z: np.ndarray, window: int) -> np.ndarray:
    """Each row's mean over its last ``window`` columns (finite values) minus its last value: how
    far the latest level sits below its recent mean (0 where the last value is missing).

    Examples
    --------
    >>> import numpy as np
    >>> recent_gap(np.array([[1.0, 2.0, 3.0], [2.0, np.nan, 2.0], [1.0, 2.0, np.nan]]), 3).tolist()
    [-1.0, 0.0, 0.0]
    """
    recent = z[:, -window:]
    n = np.isfinite(recent).sum(axis=1)
    with np.errstate(invalid="ignore"):
        mean = np.nansum(recent, axis=1) / np.maximum(n, 1)
    return np.asarray(np.where(np.isfinite(z[:, -1]) & (n > 0), mean - z[:, -1], 0.0))


def la_groups(
    panel: pd.DataFrame, codes: pd.Index, *, regions: Mapping[str, str] | None = None
) -> np.ndarray:
    """The pooling group (region name) of each LA code; ``"England"`` where none is known.

    In order: the ``regions`` mapping, a ``region`` column of the panel, the region codes
    :func:`demandmodel.read_dfe` records in ``panel.attrs["regions"]`` (Inner and Outer London
    pool with London).

    Examples
    --------
    >>> import pandas as pd
    >>> p = pd.DataFrame({"la_code": ["301", "840"]})
    >>> p.attrs["regions"] = {"301": "988", "840": "980"}
    >>> la_groups(p, pd.Index(["301", "840", "999"])).tolist()
    ['London', 'North East', 'England']
    """
    if regions is not None:
        lookup = {str(k): str(v) for k, v in regions.items()}
    elif REGION_COLUMN in panel.columns:
        reg = panel[[C.LA_CODE, REGION_COLUMN]].dropna().astype(str)
        lookup = dict(zip(reg[C.LA_CODE], reg[REGION_COLUMN], strict=True))
    elif panel.attrs.get("regions"):
        names = {code: name for code, _, name in REGIONS}
        names["987"] = names["988"] = names["986"]
        lookup = {str(la): names.get(str(r), str(r)) for la, r in panel.attrs["regions"].items()}
    else:
        lookup = {}
    return np.array([lookup.get(str(c), "England") for c in codes], dtype=object).astype(str)
