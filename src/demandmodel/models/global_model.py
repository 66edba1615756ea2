"""Global models: one rule learnt from every LA's past - a national drift and a pull to the recent level.

A *global* model (as opposed to one fitted per series) estimates its few parameters from all
LAs' histories at once, which is what short annual series need. On ``z = log(1 + y)`` the median
forecast ``h`` years after the origin ``T`` is

``z[T+h] = z[T] + h * mu + k_h * (mean(z[T-w+1 .. T]) - z[T])``

- ``mu`` (``drift=True``) is the national drift: the mean over past years of the median LA's
  yearly log change, shrunk toward zero by ``mu^2 / (mu^2 + se^2)`` (``se`` its standard error
  across years), so a trend that reverses from year to year earns no drift.
- ``k_h`` pulls the last value toward the LA's mean over its last ``w`` years (a noisy last
  value is partly noise). It is learnt at each horizon from every past ``(LA, year)`` pair by
  least absolute deviations of the change net of that year's median change (common shocks are
  not the LA's own noise), weighted by each pair's level over its MASE scale so the fit minimises
  the error the backtests score; ``0 <= k_h <= 1``. Horizons with too few pairs (short series,
  early origins) get ``k_h = 0``: the model is then the naive forecast (plus drift) and becomes
  more than naive only as evidence accumulates.

The spread is learnt out of sample as in :mod:`demandmodel.models.pooled`: at every earlier
origin the same rule (with the drift known then) is scored on every LA, the errors are divided
by the LA's volatility and pooled by horizon; paths join horizons through a Gaussian copula.

Two variants are registered: ``global`` (drift and pull) and ``revert`` (pull only, no drift).
Evidence and the choice behind ``auto``: ``docs/backtest-results.md``, made by
``benchmarks/accuracy.py``.

Examples
--------
>>> import numpy as np, pandas as pd
>>> from demandmodel.models.global_model import GlobalSpec
>>> rng = np.random.default_rng(0)
>>> rows = []
>>> for i in range(40):
...     level = rng.uniform(4, 6)
...     for t in range(2008, 2020):  # a common 3% drift plus noise around each LA's level
...         value = np.exp(level + 0.03 * (t - 2008) + rng.normal(0, 0.1))
...         rows.append({"la_code": f"{300 + i}", "measure": "cp_31mar", "period": t,
...                      "value": float(value)})
>>> panel = pd.DataFrame(rows)
>>> spec = GlobalSpec()
>>> ctx = spec.prepare(panel, measure="cp_31mar", origin=2019)
>>> bool(0.01 < ctx.drift < 0.05), bool(0.3 < ctx.pulls[0] <= 1.0)
(True, True)
>>> fc = spec.fit(panel, la_code="301", measure="cp_31mar", origin=2019, context=ctx).forecast(3)
>>> fc.samples.shape
(1000, 3, 1)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from demandmodel.errors import DemandModelError, InsufficientHistoryError
from demandmodel.models.base import (
    FittedModel,
    NoValueAtOriginError,
    register_model,
    shared_context,
)
from demandmodel.models.pooled import FittedPooled, history_from_log, normal_pool, spread_growth
from demandmodel.models.pooling import is_la_code, pooled_trends, recent_gap, wide_log

__all__ = ["GlobalContext", "GlobalSpec", "national_drift", "weighted_median"]


def weighted_median(values: np.ndarray, weights: np.ndarray) -> float:
    """The value minimising ``sum(weights * |values - m|)`` (lower median on ties).

    Examples
    --------
    >>> weighted_median(np.array([1.0, 2.0, 10.0]), np.array([1.0, 1.0, 5.0]))
    10.0
    """
    order = np.argsort(values)
    cum = np.cumsum(weights[order])
    return float(values[order][np.searchsorted(cum, 0.5 * cum[-1])])


def national_drift(z: np.ndarray, *, min_las: int = 5) -> float:
    """The shrunk mean yearly log change of the median LA (see the module docstring).

    Examples
    --------
    >>> z = np.log(np.outer(np.ones(6), 1.05 ** np.arange(8)))  # every LA grows 5% a year
    >>> round(national_drift(z), 4)
    0.0488
    >>> flip = np.log(np.outer(np.ones(6), [1, 1.1, 1, 1.1, 1, 1.1]))  # mean change 0.019
    >>> round(national_drift(flip), 4)  # but it reverses every year: shrunk almost to 0
    0.0027
    """
    d = np.diff(z, axis=1)
    enough = np.isfinite(d).sum(axis=0) >= min_las
    if enough.sum() < 2:
        return 0.0
    with np.errstate(all="ignore"):
        g = np.nanmedian(d[:, enough], axis=0)
    mu = float(np.mean(g))
    se2 = float(np.var(g, ddof=1)) / len(g)
    return mu * mu**2 / (mu**2 + se2) if mu**2 + se2 > 0 else 0.0


@dataclass(frozen=True, slots=True, kw_only=True)
class GlobalContext:
    """What :meth:`GlobalSpec.prepare` learns from every LA of one measure at one origin."""

    measure: str
    origin: int
    codes: tuple[str, ...]
    drift: float
    pulls: tuple[float, ...]
    """Learnt ``k_h`` at horizons 1, 2, ... (empty: too little history to learn any)."""
    errors: tuple[np.ndarray, ...]
    growth: float
    history: np.ndarray = field(repr=False)
    periods: tuple[int, ...] = ()
    sigma: np.ndarray = field(default_factory=lambda: np.zeros(0), repr=False)
    reversion: np.ndarray = field(default_factory=lambda: np.zeros(0), repr=False)
    drifts: np.ndarray = field(default_factory=lambda: np.zeros(0), repr=False)
    """The drift of each row: the national one for LAs, their own for England and regions."""


@dataclass(frozen=True, slots=True, kw_only=True)
class GlobalSpec:
    """National drift + a learnt pull toward each LA's recent level (see the module docstring).

    Parameters
    ----------
    drift
        Add the shrunk national drift ``h * mu`` (``False``: the ``revert`` variant).
    reversion_window
        ``w``: the pull is toward the mean of the last ``w`` years.
    max_horizon
        Horizons whose pull is learnt; longer ones reuse the last learnt pull.
    min_pairs, min_origins
        Fewest ``(LA, year)`` pairs, and fewest distinct years they come from, that a horizon
        needs to learn its pull or its own error quantiles (else ``k_h = 0`` and the quantiles of
        a shorter horizon, widened by ``(h / h_max) ** growth``).
    prior_df
        Pseudo-observations of the median LA's volatility in each LA's volatility.
    weight_cap
        Cap on a pair's weight (level over MASE scale), so a few flat series cannot dominate.
    """

    name: str = "global"
    min_history: int = 2
    drift: bool = True
    reversion_window: int = 3
    max_horizon: int = 5
    min_pairs: int = 30
    min_origins: int = 3
    prior_df: float = 4.0
    weight_cap: float = 50.0

    def prepare(self, panel: pd.DataFrame, *, measure: str, origin: int) -> GlobalContext:
        """Learn the drift, the pulls and the pooled error quantiles from every LA."""
        wide = wide_log(panel, measure=measure, origin=origin)
        if wide.empty:
            raise DemandModelError(
                f"No LA rows of measure {measure!r} up to {origin} in the panel; the {self.name} "
                "model needs the other LAs' series (pass the whole Panel, not one LA)."
            )
        z = wide.to_numpy(dtype=float)
        n_t = z.shape[1]
        drifts = [self._drift(z[:, : j + 1]) for j in range(n_t)]
        pulls = self._pulls(z)
        one = np.array(["England"] * len(z))
        _, sigma = pooled_trends(z, one, window=5, prior_df=self.prior_df)
        errors = self._error_pools(z, sigma, drifts, pulls)
        # England and region rows: their own shrunk drift, no pull (they are sums of many LAs,
        # not noisy), the LAs' pooled errors scaled by their own volatility.
        agg = wide_log(panel, measure=measure, origin=origin, aggregates=True)
        agg = agg.reindex(columns=wide.columns).astype(float)
        za = agg.to_numpy(dtype=float)
        agg_drift = np.array([self._drift(row[None, :], min_las=1) for row in za])
        agg_sigma = pooled_trends(za, np.array(["England"] * len(za)), window=5, prior_df=1.0)[1]
        return GlobalContext(
            measure=measure,
            origin=origin,
            codes=tuple(str(c) for c in (*wide.index, *agg.index)),
            drift=drifts[-1],
            pulls=pulls,
            errors=tuple(errors),
            growth=spread_growth(errors),
            history=np.vstack([z, za]),
            periods=tuple(int(t) for t in wide.columns),
            sigma=np.concatenate([sigma, agg_sigma]),
            reversion=np.concatenate([self._reversion(z, n_t - 1), np.zeros(len(za))]),
            drifts=np.concatenate([np.full(len(z), drifts[-1]), agg_drift]),
        )

    def _drift(self, z: np.ndarray, *, min_las: int = 5) -> float:
        return national_drift(z, min_las=min_las) if self.drift else 0.0

    def _reversion(self, z: np.ndarray, j: int) -> np.ndarray:
        """``mean(z[j-w+1 .. j]) - z[j]`` for every LA (0 where undefined)."""
        return recent_gap(z[:, : j + 1], self.reversion_window)

    def _pairs(self, z: np.ndarray, h: int) -> list[tuple[np.ndarray, ...]]:
        """Per past year ``j``: (reversion, change net of the year's median, weight) of each LA."""
        y = np.expm1(z)
        out: list[tuple[np.ndarray, ...]] = []
        for j in range(1, z.shape[1] - h):
            d = z[:, j + h] - z[:, j]
            x = self._reversion(z, j)
            steps = np.abs(np.diff(y[:, : j + 1], axis=1))
            n = np.isfinite(steps).sum(axis=1)
            with np.errstate(all="ignore"):
                scale = np.where(n > 0, np.nansum(steps, axis=1) / np.maximum(n, 1), np.nan)
                weight = np.clip(y[:, j] / scale, 0.0, self.weight_cap)
            ok = np.isfinite(d) & (x != 0) & np.isfinite(weight) & (weight > 0)
            if ok.sum() >= 2:
                out.append((x[ok], d[ok] - np.median(d[ok]), weight[ok]))
        return out

    def _pulls(self, z: np.ndarray) -> tuple[float, ...]:
        pulls: list[float] = []
        for h in range(1, self.max_horizon + 1):
            blocks = self._pairs(z, h)
            if len(blocks) < self.min_origins or sum(len(b[0]) for b in blocks) < self.min_pairs:
                break
            x, d, w = (np.concatenate([b[k] for b in blocks]) for k in range(3))
            # LAD of d on x through the origin = weighted median of d / x, weights w |x|
            pulls.append(float(np.clip(weighted_median(d / x, w * np.abs(x)), 0.0, 1.0)))
        return tuple(pulls)

    def _error_pools(
        self, z: np.ndarray, sigma: np.ndarray, drifts: list[float], pulls: tuple[float, ...]
    ) -> list[np.ndarray]:
        """Standardised out-of-sample errors of the rule at past origins, by horizon.

        Every past error is scaled by the LA's volatility as known now (``sigma``): volatilities
        from the first few years are mostly prior, and dividing by them inflated the spread.
        """
        pools: list[np.ndarray] = []
        for h in range(1, z.shape[1]):
            k = pulls[min(h, len(pulls)) - 1] if pulls else 0.0
            errs, n_origins = [], 0
            for j in range(1, z.shape[1] - h):
                pred = h * drifts[j] + k * self._reversion(z, j)
                e = (z[:, j + h] - z[:, j] - pred) / sigma
                e = e[np.isfinite(e)]
                if len(e):
                    errs.append(e)
                    n_origins += 1
            e_all = np.concatenate(errs) if errs else np.zeros(0)
            if len(e_all) < self.min_pairs or n_origins < self.min_origins:
                break
            pools.append(np.sort(e_all - np.median(e_all)))
        if not pools:  # no out-of-sample errors yet: normal with the LA's volatility (as naive)
            pools.append(normal_pool())
        return pools

    def fit(
        self,
        panel: pd.DataFrame,
        *,
        la_code: str,
        measure: str,
        origin: int,
        context: Any = None,
    ) -> FittedModel:
        """One LA's forecast (``context`` from :meth:`prepare`, computed if absent)."""
        ctx = shared_context(self, panel, context, GlobalContext, measure=measure, origin=origin)
        code = str(la_code)
        row = ctx.history[ctx.codes.index(code)] if code in ctx.codes else np.zeros(0)
        seen = np.isfinite(row)
        if seen.any() and (not seen[-1] or ctx.periods[-1] != origin):
            last = int(np.asarray(ctx.periods)[seen][-1])
            raise NoValueAtOriginError(la_code=code, measure=measure, origin=origin, last=last)
        if int(seen.sum()) < self.min_history:
            raise InsufficientHistoryError(
                la_code=code, measure=measure, n=int(seen.sum()), needed=self.min_history
            )
        i = ctx.codes.index(code)
        n = len(ctx.pulls) if is_la_code(code) else 0  # England and regions: no pull
        return FittedPooled(
            model_name=self.name,
            la_code=code,
            measure=measure,
            origin=origin,
            history=history_from_log(row, ctx.periods, measure),
            level=float(row[-1]),
            trend=float(ctx.drifts[i]),
            damping=1.0,
            sigma=float(ctx.sigma[i]),
            errors=ctx.errors,
            growth=ctx.growth,
            reversion=float(ctx.reversion[i]),
            slopes=tuple(float(h) for h in range(1, n + 1)),
            pulls=ctx.pulls[:n],
        )


register_model("global", GlobalSpec)
register_model("revert", lambda **kw: GlobalSpec(**{"name": "revert", "drift": False, **kw}))
