"""Pooled model: naive level, a damped trend shrunk across LAs, and a spread learnt from all LAs.

Published annual series are short (8-12 points), so a per-series trend is mostly noise and a
per-series interval is far too narrow. Rates move together across LAs and regions; this model
borrows strength from the cross-section twice:

**Trend (empirical Bayes).** On ``z = log(1 + y)``, each LA's trend is the mean of its last
``window`` yearly changes, ``g_i``, with sampling variance ``v_i = s_i^2 / n_i``. Between-LA
variance is estimated by moments, ``tau^2 = max(0, var(g) - mean(v))``; region means (precision
weighted, weights ``1 / (v_i + tau^2)``) are shrunk toward England the same way; then

``g*_i = B_i G_region + (1 - B_i) g_i``,  ``B_i = v_i / (v_i + tau^2)``,

so an LA with a noisy or no trend gets its region's trend. The forecast is
``z[T+h] = z[T] + g*_i (phi + phi^2 + ... + phi^h)`` (naive level, damped pooled trend).

**Spread (pooled, out of sample).** At every earlier origin ``t0`` the same forecaster is run on
the data up to ``t0`` for every LA, and its ``h``-year-ahead errors are divided by the LA's
volatility ``sigma_i`` (its yearly log-change standard deviation, shrunk toward the median LA with
``prior_df`` pseudo-observations). The pooled standardised errors at each horizon (hundreds of
them) give the predictive quantiles; paths join the horizons through a Gaussian copula with
random-walk correlation, so marginal quantiles are exactly the pooled ones. Horizons with too few
errors reuse the longest available horizon, scaled by ``(h / h_max) ** growth``.

Optionally (``learn=True``) the trend multiplier and a pull toward the LA's recent mean level are
learnt per horizon by least squares over every LA and past origin.

Evidence (``benchmarks/pooled_research.py``: the ``read_dfe`` Panel of ``shared/data``, every LA
with a region, CLA / CP / CIN at 31 March, horizons 1-3, median as point forecast, MASE scaled
by the LA's in-sample mean absolute yearly change; defaults chosen on origins <= 2016 only):

=====================  ==========  ==========  ==========  ===========
origins 2012-2016      MASE CLA    MASE CP     MASE CIN    cover 80/95
=====================  ==========  ==========  ==========  ===========
naive                  2.181       1.615       1.860       0.76 / 0.90
pooled (defaults)      2.137       1.629       1.887       0.75 / 0.91
=====================  ==========  ==========  ==========  ===========

=====================  ==========  ==========  ==========  ===========
held out 2017-2019     MASE CLA    MASE CP     MASE CIN    cover 80/95
=====================  ==========  ==========  ==========  ===========
naive                  1.766       1.479       1.266       0.82 / 0.94
pooled (defaults)      1.657       1.509       1.284       0.91 / 0.99
pooled, learn=True     1.686       1.393       1.234       0.91 / 0.99
=====================  ==========  ==========  ==========  ===========

So the pooled trend gains about 2% (<= 2016) and 6% (held out) on CLA, and loses 1-2% on CP and
CIN, which revert more than they trend; its spread covers 75%/91% (<= 2016, when few past years of
errors exist) and 91%/99% (held out: too wide, most of all for CP, 94%/100%). Cells: 4,059
(<= 2016) and 4,014 (held out) LA x origin x horizon forecasts, one run, seeds fixed. ``damping`` 0 / 0.3 / 0.5 / 0.7 gave CLA 2.18 / 2.14 / 2.10
/ 2.06 and CP 1.56 / 1.56 / 1.57 / 1.61 on origins 2013-2016: 0.5 is the compromise. ``learn`` was
not made the default: on origins <= 2016 it lost on CLA (2.17 against 2.14) and had too few past
origins to learn anything for CP and CIN, although it did best on the held-out years.
``per_population`` (pooling rates per child, adding each LA's population growth) changed MASE on
origins <= 2016 by less than run-to-run noise (1.967 against 1.969 over all three measures at
``damping`` 0.3 / 0.5), so counts are pooled by default.

Examples
--------
>>> import numpy as np, pandas as pd
>>> from demandmodel.models.pooled import PooledSpec
>>> rng = np.random.default_rng(0)
>>> rows = []
>>> for i in range(30):
...     level = rng.uniform(4, 6)
...     for t in range(2010, 2020):
...         rows.append({"la_code": f"{300 + i}", "measure": "cla_31mar", "period": t,
...                      "value": float(np.exp(level + 0.05 * (t - 2010) + rng.normal(0, 0.03)))})
>>> panel = pd.DataFrame(rows)
>>> spec = PooledSpec()
>>> ctx = spec.prepare(panel, measure="cla_31mar", origin=2019)
>>> fit = spec.fit(panel, la_code="301", measure="cla_31mar", origin=2019, context=ctx)
>>> bool(0.03 < fit.trend < 0.07)
True
>>> fc = fit.forecast(3, n_samples=2000, rng=1)
>>> q = fc.quantile([0.1, 0.9])[:, :, 0]
>>> bool(((q[1] - q[0])[2] > (q[1] - q[0])[0]))
True
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from demandmodel import columns as C
from demandmodel._random import RNGLike
from demandmodel.errors import DemandModelError, InsufficientHistoryError
from demandmodel.forecast import Forecast
from demandmodel.models.base import FittedModel, FittedSeries, register_model, shared_context
from demandmodel.models.pooling import la_groups, pooled_trends, recent_gap, wide_log

__all__ = [
    "FittedPooled",
    "PoolContext",
    "PooledSpec",
    "history_from_log",
    "normal_pool",
    "spread_growth",
]

POP_MEASURE = "pop_0_17"


def _cum_damp(phi: float, horizon: int) -> np.ndarray:
    return np.cumsum(phi ** np.arange(1, horizon + 1))


def normal_pool(n: int = 200) -> np.ndarray:
    """Standard normal quantiles at ``(k + 0.5) / n``: the error pool when no past errors exist.

    Examples
    --------
    >>> p = normal_pool()
    >>> len(p), round(float(p[100]), 3)
    (200, 0.006)
    """
    return np.asarray(stats.norm.ppf((np.arange(n) + 0.5) / n))


def history_from_log(z: np.ndarray, periods: Sequence[int] | np.ndarray, measure: str) -> pd.Series:
    """The observed values of one ``log(1 + value)`` row as a Forecast history series.

    Examples
    --------
    >>> history_from_log(np.log1p([3.0, np.nan, 5.0]), [2020, 2021, 2022], "cp_31mar").to_dict()
    {2020: 3.0, 2022: 5.0}
    """
    seen = np.isfinite(z)
    return pd.Series(
        np.expm1(z[seen]).round(6),
        index=pd.Index(np.asarray(periods, dtype=int)[seen], name=C.PERIOD),
        name=measure,
    )


def spread_growth(pools: list[np.ndarray], *, default: float = 0.5) -> float:
    """How the 10-90% spread of pooled errors grows with the horizon: ``spread ~ h ** growth``.

    Fitted on the log-log scale when three or more horizons have errors, clipped to [0.5, 1]
    (random walk to trend); else ``default``.

    Examples
    --------
    >>> pools = [np.linspace(-1, 1, 50) * h for h in (1, 2, 3)]
    >>> spread_growth(pools), spread_growth(pools[:2])
    (1.0, 0.5)
    """
    if len(pools) < 3:
        return default
    spread = np.array([np.quantile(p, 0.9) - np.quantile(p, 0.1) for p in pools])
    h = np.arange(1, len(pools) + 1)
    slope = np.polyfit(np.log(h), np.log(np.maximum(spread, 1e-9)), 1)[0]
    return float(np.clip(slope, 0.5, 1.0))


@dataclass(frozen=True, slots=True, kw_only=True)
class PoolContext:
    """What :meth:`PooledSpec.prepare` learns from every LA of one measure at one origin."""

    measure: str
    origin: int
    codes: tuple[str, ...]
    level: np.ndarray
    last_period: np.ndarray
    trend: np.ndarray
    sigma: np.ndarray
    errors: tuple[np.ndarray, ...]
    """Sorted standardised errors at horizons 1, 2, ... (only horizons with enough of them)."""
    growth: float
    groups: np.ndarray = field(repr=False)
    reversion: np.ndarray = field(repr=False)
    """Each LA's mean log level over its last ``reversion_window`` years minus its last level."""
    slopes: tuple[float, ...] = ()
    """Learnt multipliers of the trend at horizons 1, 2, ... (empty: ``damping`` is used)."""
    pulls: tuple[float, ...] = ()
    """Learnt pull toward the recent mean level at horizons 1, 2, ..."""
    pop_trend: np.ndarray | None = field(default=None, repr=False)
    history: np.ndarray | None = field(default=None, repr=False)
    """``log(1 + value)`` of every LA (rows) and period (``periods``)."""
    periods: tuple[int, ...] = ()
    """Yearly log growth of each LA's child population (``per_population``), else ``None``."""


@dataclass(frozen=True, slots=True, kw_only=True)
class FittedPooled(FittedSeries):
    """One LA's pooled forecast: level, shrunk trend, damping, volatility, pooled error quantiles."""

    level: float
    trend: float
    damping: float
    sigma: float
    errors: tuple[np.ndarray, ...]
    growth: float
    reversion: float = 0.0
    slopes: tuple[float, ...] = ()
    pulls: tuple[float, ...] = ()
    pop_trend: float = 0.0

    def shift(self, horizon: int) -> np.ndarray:
        """The median log change from the last level at horizons ``1 ... horizon``."""
        n = len(self.slopes)
        cum = _cum_damp(self.damping, max(horizon, n))
        pop = self.pop_trend * np.arange(1, horizon + 1)
        if not self.slopes:
            return np.asarray(self.trend * cum[:horizon] + pop)
        ratio = self.slopes[-1] / cum[n - 1] if cum[n - 1] > 0 else 1.0
        b = np.array([self.slopes[k] if k < n else ratio * cum[k] for k in range(horizon)])
        k_pull = np.array([self.pulls[min(k, n - 1)] for k in range(horizon)])
        return np.asarray(b * self.trend + k_pull * self.reversion + pop)

    def forecast(self, horizon: int, *, n_samples: int = 1000, rng: RNGLike = None) -> Forecast:
        """A one-series Forecast; its metadata carries the fitted trend, spread and damping."""
        fc = FittedSeries.forecast(self, horizon, n_samples=n_samples, rng=rng)
        meta = {
            "trend": self.trend,
            "population_growth": self.pop_trend,
            "damping": self.damping,
            "sigma": self.sigma,
            "median_log_change": [round(float(v), 6) for v in self.shift(horizon)],
            "learnt_slopes": list(self.slopes),
            "learnt_pulls": list(self.pulls),
        }
        return replace(fc, metadata={**fc.metadata, **meta})

    def _draw(self, horizon: int, n_samples: int, gen: np.random.Generator) -> np.ndarray:
        steps = np.arange(1, horizon + 1)
        walk = np.cumsum(gen.standard_normal((n_samples, horizon)), axis=1) / np.sqrt(steps)
        u = stats.norm.cdf(walk)
        h_max = len(self.errors)
        e = np.empty((n_samples, horizon))
        for k in range(horizon):
            pool = self.errors[min(k, h_max - 1)]
            scale = ((k + 1) / h_max) ** self.growth if k >= h_max else 1.0
            pos = (np.arange(len(pool)) + 0.5) / len(pool)
            e[:, k] = np.interp(u[:, k], pos, pool) * scale
        z = self.level + self.shift(horizon)[None, :] + self.sigma * e
        return np.asarray(np.expm1(np.minimum(z, 50.0)))


@dataclass(frozen=True, slots=True, kw_only=True)
class PooledSpec:
    """Naive level + pooled damped trend + pooled spread (see the module docstring).

    Parameters
    ----------
    damping
        ``phi`` in ``g* (phi + ... + phi^h)``; 0 gives the naive median, 1 an undamped trend.
    window
        How many recent yearly changes estimate an LA's trend.
    prior_df
        Pseudo-observations of the median LA's volatility in each LA's volatility.
    min_errors, min_origins
        Fewest pooled errors, and fewest past origins they come from, that a horizon needs to get
        its own quantiles (errors of one year share that year's shocks: one or two years of them
        gave 80% intervals covering only 52-66% for CLA in 2012-2013). Horizons short of either
        are extrapolated from shorter ones; with none, normal quantiles (as naive).
    center
        Remove the median pooled error (common shocks of past years are not a forecastable bias).
    learn
        Learn, per horizon, the trend multiplier ``b_h`` and a pull ``k_h`` toward the LA's mean
        level over its last ``reversion_window`` years, by least squares over every LA and past
        origin (standardised by each LA's volatility; ``0 <= b_h <= h``, ``0 <= k_h <= 1``).
        Horizons without enough past errors use ``damping``.
    per_population
        Pool the trend of the rate per child (the measure over ``pop_0_17``) and add each LA's
        own recent population growth, undamped; LAs without population use their group's rate
        trend alone.
    regions
        Optional mapping ``la_code -> region``; otherwise a ``region`` column of the panel, else
        the regions :func:`demandmodel.read_dfe` records (``panel.attrs["regions"]``), else one
        pool for England. (Data-valued, so left out of the spec's ``==`` and hash.)
    """

    name: str = "pooled"
    min_history: int = 2
    damping: float = 0.5
    window: int = 5
    prior_df: float = 4.0
    min_errors: int = 30
    min_origins: int = 3
    center: bool = True
    growth_default: float = 0.5
    learn: bool = False
    reversion_window: int = 3
    per_population: bool = False
    regions: Mapping[str, str] | None = field(default=None, compare=False)

    def prepare(self, panel: pd.DataFrame, *, measure: str, origin: int) -> PoolContext:
        """Estimate trends, volatilities and the pooled error quantiles for every LA."""
        wide = wide_log(panel, measure=measure, origin=origin)
        if wide.empty:
            raise DemandModelError(
                f"No LA rows of measure {measure!r} up to {origin} in the panel; the pooled model "
                "needs the other LAs' series (pass the whole Panel, not one LA)."
            )
        z = wide.to_numpy(dtype=float)
        groups = la_groups(panel, wide.index, regions=self.regions)
        lp = self._log_population(panel, wide, origin)
        trend, sigma, pop_trend = self._trends(z, lp, groups)
        errors, slopes, pulls = self._error_pools(z, lp, groups)
        growth = spread_growth(errors, default=self.growth_default)
        observed = np.isfinite(z)
        last_idx = np.where(
            observed.any(axis=1), z.shape[1] - 1 - np.argmax(observed[:, ::-1], axis=1), -1
        )
        periods = np.asarray(wide.columns, dtype=int)
        level = np.array([z[i, j] if j >= 0 else np.nan for i, j in enumerate(last_idx)])
        return PoolContext(
            measure=measure,
            origin=origin,
            codes=tuple(str(c) for c in wide.index),
            level=level,
            last_period=np.where(last_idx >= 0, periods[last_idx], -1),
            trend=trend,
            sigma=sigma,
            errors=tuple(errors),
            growth=growth,
            groups=groups,
            reversion=recent_gap(z, self.reversion_window),
            slopes=slopes,
            pulls=pulls,
            pop_trend=pop_trend if lp is not None else None,
            history=z,
            periods=tuple(int(t) for t in periods),
        )

    def _log_population(
        self, panel: pd.DataFrame, wide: pd.DataFrame, origin: int
    ) -> np.ndarray | None:
        if not self.per_population:
            return None
        pop = wide_log(panel, measure=POP_MEASURE, origin=origin)
        if pop.empty:
            return None
        return pop.reindex(index=wide.index, columns=wide.columns).to_numpy(dtype=float)

    def _trends(
        self, z: np.ndarray, lp: np.ndarray | None, groups: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(shrunk trend of the count or rate, shrunk volatility of the count, population growth)."""
        g, sd = pooled_trends(z, groups, window=self.window, prior_df=self.prior_df)
        if lp is None:
            return g, sd, np.zeros(len(z))
        rate = z - lp
        if np.isfinite(np.diff(rate, axis=1)).sum() < 3:
            return g, sd, np.zeros(len(z))  # too few years with population: pool the counts
        g_rate, _ = pooled_trends(rate, groups, window=self.window, prior_df=self.prior_df)
        with np.errstate(invalid="ignore"):
            d = np.diff(lp, axis=1)[:, -self.window :]
            n = np.isfinite(d).sum(axis=1)
            g_pop = np.where(n > 0, np.nansum(d, axis=1) / np.maximum(n, 1), 0.0)
        return g_rate, sd, g_pop

    def _error_pools(
        self, z: np.ndarray, lp: np.ndarray | None, groups: np.ndarray
    ) -> tuple[list[np.ndarray], tuple[float, ...], tuple[float, ...]]:
        """Pooled standardised errors by horizon, and the learnt slopes and pulls."""
        n_t = z.shape[1]
        # by horizon: one (trend, reversion, change, sigma) block per past origin
        by_h: dict[int, list[tuple[np.ndarray, ...]]] = {}
        for j in range(1, n_t - 1):
            sub = z[:, : j + 1]
            g, sd, gp = self._trends(sub, None if lp is None else lp[:, : j + 1], groups)
            x = recent_gap(sub, self.reversion_window)
            for h in range(1, n_t - j):
                y = z[:, j + h] - z[:, j] - h * gp
                ok = np.isfinite(y) & np.isfinite(g) & np.isfinite(sd) & (sd > 0)
                if ok.any():
                    by_h.setdefault(h, []).append((g[ok], x[ok], y[ok], sd[ok]))
        pools: list[np.ndarray] = []
        slopes: list[float] = []
        pulls: list[float] = []
        for h in sorted(by_h):
            blocks = by_h[h]
            g, x, y, sd = (np.concatenate([b[k] for b in blocks]) for k in range(4))
            if len(y) < self.min_errors or len(blocks) < self.min_origins:
                break
            cum = float(_cum_damp(self.damping, h)[-1])
            b_h, k_h = cum, 0.0
            if self.learn and (h == 1 or len(slopes) == h - 1):
                design = np.column_stack([g / sd, x / sd])
                coef, *_ = np.linalg.lstsq(design, y / sd, rcond=None)
                b_h, k_h = float(np.clip(coef[0], 0.0, h)), float(np.clip(coef[1], 0.0, 1.0))
                slopes.append(b_h)
                pulls.append(k_h)
            e = (y - b_h * g - k_h * x) / sd
            if self.center:
                e = e - np.median(e)
            pools.append(np.sort(e))
        if not pools:
            # Too little history for out-of-sample errors: normal with the LA volatility (as naive).
            pools.append(normal_pool())
        return pools, tuple(slopes), tuple(pulls)

    def fit(
        self,
        panel: pd.DataFrame,
        *,
        la_code: str,
        measure: str,
        origin: int,
        context: Any = None,
    ) -> FittedModel:
        """The pooled forecast of one LA (``context`` from :meth:`prepare`, computed if absent)."""
        ctx = shared_context(self, panel, context, PoolContext, measure=measure, origin=origin)
        code = str(la_code)
        if code not in ctx.codes:
            raise InsufficientHistoryError(
                la_code=code, measure=measure, n=0, needed=self.min_history
            )
        i = ctx.codes.index(code)
        if ctx.history is None:
            wide_row = wide_log(
                panel.loc[panel[C.LA_CODE].astype(str) == code], measure=measure, origin=origin
            ).iloc[0]
        else:
            wide_row = pd.Series(ctx.history[i], index=pd.Index(ctx.periods))
        n_obs = int(np.isfinite(wide_row.to_numpy()).sum())
        if n_obs < self.min_history or int(ctx.last_period[i]) != origin:
            raise InsufficientHistoryError(
                la_code=code,
                measure=measure,
                n=n_obs if ctx.last_period[i] == origin else 0,
                needed=self.min_history,
            )
        hist = history_from_log(wide_row.to_numpy(dtype=float), wide_row.index.to_numpy(), measure)
        return FittedPooled(
            model_name=self.name,
            la_code=code,
            measure=measure,
            origin=origin,
            history=hist,
            level=float(ctx.level[i]),
            trend=float(ctx.trend[i]),
            damping=self.damping,
            sigma=float(ctx.sigma[i]),
            errors=ctx.errors,
            growth=ctx.growth,
            reversion=float(ctx.reversion[i]),
            slopes=ctx.slopes,
            pulls=ctx.pulls,
            pop_trend=0.0 if ctx.pop_trend is None else float(ctx.pop_trend[i]),
        )


register_model("pooled", PooledSpec)
