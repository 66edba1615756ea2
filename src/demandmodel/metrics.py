"""Forecast accuracy metrics: point, interval and whole-distribution scores.

All functions take numpy arrays (or anything array-like) and work elementwise along the leading
axes; the ``*_score`` / ``pinball`` / ``crps_*`` functions return per-forecast values, so that a
backtest can average them any way it likes (see :func:`demandmodel.backtest.evaluate`).

- :func:`naive_scale`: in-sample MAE of the one-step naive forecast (the MASE denominator) and
  :func:`naive_scale2`: its mean squared counterpart (RMSSE).
- :func:`mase`, :func:`rmsse`, :func:`bias`, :func:`mape`: point forecasts.
- :func:`coverage`, :func:`interval_score` (Winkler): central intervals.
- :func:`pinball`: quantile loss; :func:`crps_samples`: CRPS from samples,
  :func:`crps_gaussian`: its closed form for a normal forecast (a cross-check).

Identity: ``interval_score(y, l, u, alpha) == (2 / alpha) * (pinball(y, l, alpha/2) +
pinball(y, u, 1 - alpha/2))``.

Examples
--------
>>> import numpy as np
>>> from demandmodel import metrics
>>> y = np.array([10.0, 12.0, 11.0])
>>> float(metrics.mase(y, y, scale=1.5))
0.0
>>> float(metrics.coverage(y, y - 1, y + 1))
1.0
>>> float(metrics.interval_score(5.0, 4.0, 6.0, 0.2))
2.0
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike
from scipy import stats

__all__ = [
    "bias",
    "coverage",
    "crps_gaussian",
    "crps_samples",
    "interval_score",
    "mape",
    "mase",
    "naive_scale",
    "naive_scale2",
    "pinball",
    "rmsse",
]


def _arr(x: ArrayLike) -> np.ndarray:
    return np.asarray(x, dtype=float)


def naive_scale(history: ArrayLike) -> float:
    """Mean absolute one-step change of the history (in-sample naive MAE); NaN if undefined.

    Examples
    --------
    >>> naive_scale([10, 12, 11, 15])
    2.333...
    """
    d = np.diff(_arr(history))
    d = d[np.isfinite(d)]
    return float(np.mean(np.abs(d))) if len(d) else float("nan")


def naive_scale2(history: ArrayLike) -> float:
    """Mean squared one-step change of the history (the RMSSE denominator); NaN if undefined.

    Examples
    --------
    >>> naive_scale2([10, 12, 11, 15])
    7.0
    """
    d = np.diff(_arr(history))
    d = d[np.isfinite(d)]
    return float(np.mean(d**2)) if len(d) else float("nan")


def mase(actual: ArrayLike, point: ArrayLike, *, scale: ArrayLike) -> float:
    """Mean absolute scaled error: ``mean(|actual - point| / scale)``.

    ``scale`` is :func:`naive_scale` of each forecast's history (a scalar or one per forecast);
    forecasts with a zero or undefined scale are left out.

    Examples
    --------
    >>> float(mase([10, 20], [11, 18], scale=[1.0, 2.0]))
    1.0
    """
    a, p, s = np.broadcast_arrays(_arr(actual), _arr(point), _arr(scale))
    ok = np.isfinite(a) & np.isfinite(p) & np.isfinite(s) & (s > 0)
    return float(np.mean(np.abs(a[ok] - p[ok]) / s[ok])) if ok.any() else float("nan")


def rmsse(actual: ArrayLike, point: ArrayLike, *, scale2: ArrayLike) -> float:
    """Root mean squared scaled error: ``sqrt(mean((actual - point)^2 / scale2))``.

    Examples
    --------
    >>> float(rmsse([10, 20], [12, 20], scale2=4.0))
    0.707...
    """
    a, p, s = np.broadcast_arrays(_arr(actual), _arr(point), _arr(scale2))
    ok = np.isfinite(a) & np.isfinite(p) & np.isfinite(s) & (s > 0)
    return float(np.sqrt(np.mean((a[ok] - p[ok]) ** 2 / s[ok]))) if ok.any() else float("nan")


def bias(actual: ArrayLike, point: ArrayLike, *, relative: bool = True) -> float:
    """Mean error ``point - actual`` (positive = over-forecast); relative to actual by default.

    Examples
    --------
    >>> float(bias([100, 200], [110, 180]))
    0.0
    >>> float(bias([100, 200], [110, 180], relative=False))
    -5.0
    """
    a, p = np.broadcast_arrays(_arr(actual), _arr(point))
    ok = np.isfinite(a) & np.isfinite(p)
    if relative:
        ok &= a != 0
        return float(np.mean((p[ok] - a[ok]) / a[ok])) if ok.any() else float("nan")
    return float(np.mean(p[ok] - a[ok])) if ok.any() else float("nan")


def mape(actual: ArrayLike, point: ArrayLike) -> float:
    """Mean absolute percentage error, in percent; zero actuals are left out.

    Examples
    --------
    >>> float(mape([100, 200], [110, 180]))
    10.0
    """
    a, p = np.broadcast_arrays(_arr(actual), _arr(point))
    ok = np.isfinite(a) & np.isfinite(p) & (a != 0)
    return float(100 * np.mean(np.abs(p[ok] - a[ok]) / np.abs(a[ok]))) if ok.any() else float("nan")


def coverage(actual: ArrayLike, lower: ArrayLike, upper: ArrayLike) -> float:
    """Share of actuals inside ``[lower, upper]``.

    Examples
    --------
    >>> float(coverage([1, 5, 9], [0, 0, 0], [4, 6, 8]))
    0.666...
    """
    a, lo, hi = np.broadcast_arrays(_arr(actual), _arr(lower), _arr(upper))
    ok = np.isfinite(a)
    return float(np.mean((a[ok] >= lo[ok]) & (a[ok] <= hi[ok]))) if ok.any() else float("nan")


def interval_score(
    actual: ArrayLike, lower: ArrayLike, upper: ArrayLike, alpha: float
) -> np.ndarray:
    """Winkler interval score of a central ``1 - alpha`` interval, per forecast (lower is better).

    ``(u - l) + (2/alpha) (l - y) [y < l] + (2/alpha) (y - u) [y > u]``.

    Examples
    --------
    >>> float(interval_score(10.0, 4.0, 6.0, 0.2))
    42.0
    """
    y, lo, hi = np.broadcast_arrays(_arr(actual), _arr(lower), _arr(upper))
    width = hi - lo
    below = (2 / alpha) * np.clip(lo - y, 0, None)
    above = (2 / alpha) * np.clip(y - hi, 0, None)
    return np.asarray(width + below + above)


def pinball(actual: ArrayLike, quantile: ArrayLike, q: float) -> np.ndarray:
    """Pinball (quantile) loss of the ``q`` quantile forecast, per forecast.

    Examples
    --------
    >>> float(pinball(10.0, 8.0, 0.9)), float(pinball(10.0, 12.0, 0.9))
    (1.8, 0.2)
    """
    diff = _arr(actual) - _arr(quantile)
    return np.asarray(np.maximum(q * diff, (q - 1) * diff))


def crps_samples(actual: ArrayLike, samples: ArrayLike) -> np.ndarray:
    """CRPS of an ensemble forecast, per forecast; samples along the LAST axis.

    ``CRPS = E|X - y| - E|X - X'| / 2``, with the pair term from sorted samples in
    ``O(n log n)``: ``E|X - X'| = (2 / n^2) sum_i (2i - n - 1) x_(i)``.

    Examples
    --------
    >>> import numpy as np
    >>> float(crps_samples(0.0, np.zeros(10)))
    0.0
    >>> float(crps_samples(1.0, np.array([0.0, 2.0])))
    0.5
    """
    x = np.sort(_arr(samples), axis=-1)
    y = _arr(actual)[..., None]
    n = x.shape[-1]
    term1 = np.mean(np.abs(x - y), axis=-1)
    weights = 2 * np.arange(1, n + 1) - n - 1
    term2 = np.sum(weights * x, axis=-1) / (n * n)
    return np.asarray(term1 - term2)


def crps_gaussian(actual: ArrayLike, mu: ArrayLike, sigma: ArrayLike) -> np.ndarray:
    """Closed-form CRPS of a normal forecast ``N(mu, sigma^2)`` (Gneiting and Raftery 2007).

    Examples
    --------
    >>> round(float(crps_gaussian(0.0, 0.0, 1.0)), 4)
    0.2337
    """
    z = (_arr(actual) - _arr(mu)) / _arr(sigma)
    return np.asarray(
        _arr(sigma) * (z * (2 * stats.norm.cdf(z) - 1) + 2 * stats.norm.pdf(z) - 1 / np.sqrt(np.pi))
    )
