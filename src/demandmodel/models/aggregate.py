"""Aggregate stock-and-flow model of published stocks and flows (DESIGN section 4.2).

For an LA with stocks ``S`` at 31 March, entries ``A`` and exits ``D`` in the year ending 31 March::

    S[t] = S[t-1] + A[t] - D[t] + R[t]
    A[t] = a[t] * pop[t] / 10,000            (entry rate per 10,000 children aged 0-17)
    D[t] = d[t] * (S[t-1] + A[t] / 2)        (a leaving hazard; entrants are at risk half a year)

``R`` is the adjustment the published numbers need: starts and ceases count children, not episodes,
and revisions touch one table and not another, so the next stock is not exactly ``S + A - D``.
It is estimated as a share of the opening stock, ``r[t] = R[t] / S[t-1]`` (mean and standard
deviation over the last ``window`` years), and simulated, not hidden: CLA's is about +1% of the
stock a year (sd 1%), CIN's about -10% (sd 10%; open episodes at 31 March versus children starting
and ending). Where the exits are not published (CP plans ended), they are derived as
``D = S[t-1] + A - S[t]`` and ``R = 0``.

``log a`` and ``log d`` are forecast as damped-trend random walks: the trend is each LA's mean
recent change shrunk toward its region and England (the empirical Bayes of
:mod:`demandmodel.models.pooling`), damped by ``phi``; innovations have the rate's own yearly
log-change volatility (shrunk toward the median LA), and the trend is drawn per path from its
sampling distribution (parameter uncertainty). Entries are Poisson, exits binomial among those at
risk, so stocks are whole and never negative. Population: the panel's ``pop_0_17`` continued on its
recent log-linear trend, or a user projection (e.g. an ONS variant) passed as ``population``.

CLA uses ``cla_starts``/``cla_ceases``; CIN ``cin_starts``/``cin_ends``; CP ``cp_starts`` (exits
derived). A missing flow in the fitting years raises :class:`~demandmodel.InsufficientHistoryError`
so a batch falls back to a series model.

**Anchoring (default).** Fitted as above, the model extrapolates last years' net flow, which is
mostly noise: in rolling-origin backtests on every English LA (``benchmarks/pooled_research.py``,
horizons 1-3) the unanchored model's MASE was 2.62 against naive's 1.95 on origins <= 2016 (2,244 forecasts)
and 1.66 against 1.50 on the held-out origins 2017-2019 (4,002 forecasts). With ``anchor=True`` the adjustment term is set so
that the flows balance at the origin (the expected stock stays level at today's rates and
population); the stock then moves only through rate trends, population growth, noise and
scenarios. Anchored (``level_window=3, damping=0.5, rate_noise=0.8``, chosen on origins <= 2016):
MASE 1.98 against naive 1.95 (<= 2016) and 1.48 against 1.50 (held out; CLA 1.69 against 1.75,
CP 1.49 against 1.48, CIN 1.27 against 1.26), intervals covering 88% / 97% and 90% / 97% of
actuals at the 80% / 95% levels (naive: 75% / 90% and 82% / 94%). CIN's are too wide (98% / 100%
held out): its entry and exit rates are volatile and their random walks drive the spread (without
the adjustment term's noise the 2016 origin still gave 92% / 98%). It is a scenario engine that
forecasts about as well as naive, not a more accurate forecaster.

Examples
--------
>>> import numpy as np, pandas as pd
>>> from demandmodel.models.aggregate import AggregateSpec
>>> years = range(2012, 2020)
>>> rows = [("301", "cla_31mar", t, 300.0 + 5 * i) for i, t in enumerate(years)]
>>> rows += [("301", "cla_starts", t, 150.0) for t in years]
>>> rows += [("301", "cla_ceases", t, 145.0) for t in years]
>>> rows += [("301", "pop_0_17", t, 50_000.0) for t in years]
>>> panel = pd.DataFrame(rows, columns=["la_code", "measure", "period", "value"])
>>> fit = AggregateSpec().fit(panel, la_code="301", measure="cla_31mar", origin=2019)
>>> round(fit.entry_rate, 1)
30.0
>>> fc = fit.forecast(3, n_samples=500, rng=4)
>>> bool(330 < float(np.median(fc.samples[:, 2, 0])) < 370)
True
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from demandmodel import columns as C
from demandmodel._random import RNGLike, as_generator
from demandmodel.errors import DemandModelError, InsufficientHistoryError
from demandmodel.forecast import Forecast
from demandmodel.models.base import (
    FittedModel,
    FittedSeries,
    history_frame,
    make_forecast,
    panel_series,
    register_model,
    shared_context,
)
from demandmodel.models.pooling import la_groups, pooled_trends, wide_log

__all__ = [
    "FLOWS",
    "AggregateSpec",
    "FittedAggregate",
    "RatePaths",
    "StockFlowPaths",
    "simulate_stock_flow",
]

FLOWS: dict[str, tuple[str, str | None]] = {
    "cla_31mar": ("cla_starts", "cla_ceases"),
    "cin_31mar": ("cin_starts", "cin_ends"),
    "cp_31mar": ("cp_starts", None),
}
"""Stock measure -> (entries measure, exits measure or ``None`` when exits are derived)."""

POP_MEASURE = "pop_0_17"


@dataclass(frozen=True, slots=True, kw_only=True)
class StockFlowPaths:
    """Simulated components, each ``(n_samples, horizon)``: ``stock[:, k]`` closes year ``k``."""

    stock: np.ndarray
    entries: np.ndarray
    exits: np.ndarray
    adjustment: np.ndarray
    opening: float


def simulate_stock_flow(
    opening: float,
    *,
    entry_rate: np.ndarray,
    exit_hazard: np.ndarray,
    population: np.ndarray,
    adjustment_rate: np.ndarray | None = None,
    rng: RNGLike = None,
) -> StockFlowPaths:
    """Simulate ``S[t] = S[t-1] + A - D + R`` with Poisson entries and binomial exits.

    Parameters
    ----------
    opening
        The stock at the origin.
    entry_rate, exit_hazard, adjustment_rate
        Arrays ``(n_samples, horizon)``: entries per 10,000 children, the leaving hazard, and the
        adjustment as a share of the opening stock (default 0).
    population
        Children aged 0-17 per forecast year, ``(horizon,)`` or ``(n_samples, horizon)``.

    Examples
    --------
    >>> import numpy as np
    >>> a = np.full((200, 3), 30.0); d = np.full((200, 3), 0.4)
    >>> p = simulate_stock_flow(300.0, entry_rate=a, exit_hazard=d,
    ...                         population=np.full(3, 50_000.0), rng=0)
    >>> prev = np.column_stack([np.full(200, 300.0), p.stock[:, :-1]])
    >>> bool(np.array_equal(p.stock, prev + p.entries - p.exits + p.adjustment))
    True
    """
    gen = as_generator(rng)
    a = np.asarray(entry_rate, dtype=float)
    n, horizon = a.shape
    d = np.broadcast_to(np.asarray(exit_hazard, dtype=float), (n, horizon))
    pop = np.broadcast_to(np.asarray(population, dtype=float), (n, horizon))
    r = (
        np.zeros((n, horizon))
        if adjustment_rate is None
        else np.broadcast_to(np.asarray(adjustment_rate, dtype=float), (n, horizon))
    )
    stock = np.empty((n, horizon))
    entries = np.empty((n, horizon))
    exits = np.empty((n, horizon))
    adj = np.empty((n, horizon))
    s = np.full(n, float(round(opening)))
    for k in range(horizon):
        lam = np.clip(a[:, k] * pop[:, k] / 10_000.0, 0.0, 1e9)
        entries[:, k] = gen.poisson(lam)
        at_risk = s + entries[:, k]
        with np.errstate(invalid="ignore", divide="ignore"):
            p = np.where(at_risk > 0, d[:, k] * (s + entries[:, k] / 2) / at_risk, 0.0)
        exits[:, k] = gen.binomial(at_risk.astype(np.int64), np.clip(np.nan_to_num(p), 0.0, 1.0))
        moved = s + entries[:, k] - exits[:, k]
        adj[:, k] = np.maximum(np.round(r[:, k] * s), -moved)
        s = moved + adj[:, k]
        stock[:, k] = s
    return StockFlowPaths(
        stock=stock, entries=entries, exits=exits, adjustment=adj, opening=float(round(opening))
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class RatePaths:
    """Drawn paths, each ``(n_samples, horizon)``: entries per 10,000 children, the leaving hazard,
    the adjustment as a share of the opening stock, and children aged 0-17."""

    entry_rate: np.ndarray
    exit_hazard: np.ndarray
    adjustment_rate: np.ndarray
    population: np.ndarray


@dataclass(frozen=True, slots=True, kw_only=True)
class RateTrend:
    """A log-rate's damped-trend random walk: last level, shrunk trend, its s.e., volatility."""

    level: float
    trend: float
    trend_se: float
    sigma: float

    def draw(self, horizon: int, n: int, damping: float, gen: np.random.Generator) -> np.ndarray:
        """Rate paths ``(n, horizon)`` on the natural scale."""
        g = self.trend + self.trend_se * gen.standard_normal((n, 1))
        cum = np.cumsum(damping ** np.arange(1, horizon + 1))[None, :]
        walk = np.cumsum(gen.standard_normal((n, horizon)) * self.sigma, axis=1)
        return np.asarray(np.exp(np.minimum(self.level + g * cum + walk, 50.0)))


def _per_year(value: float | Sequence[float], horizon: int, name: str) -> np.ndarray:
    arr = np.atleast_1d(np.asarray(value, dtype=float))
    if arr.shape == (1,):
        arr = np.full(horizon, arr[0])
    if arr.shape != (horizon,) or not np.isfinite(arr).all() or (arr < 0).any():
        raise DemandModelError(
            f"{name} must be one non-negative number or one per forecast year ({horizon}); "
            f"got {value!r}."
        )
    return arr[None, :]


@dataclass(frozen=True, slots=True, kw_only=True)
class FittedAggregate(FittedSeries):
    """One LA's fitted stock-and-flow model (rates, adjustment, population path)."""

    entries: RateTrend
    exits: RateTrend
    adjustment_mean: float
    adjustment_sd: float
    population: np.ndarray
    population_source: str
    damping: float
    exits_derived: bool

    @property
    def entry_rate(self) -> float:
        """The last observed entry rate per 10,000 children."""
        return float(np.exp(self.entries.level))

    @property
    def exit_hazard(self) -> float:
        """The last observed leaving hazard."""
        return float(np.exp(self.exits.level))

    def simulate(
        self,
        horizon: int,
        *,
        n_samples: int,
        rng: RNGLike = None,
        entry_multiplier: float | Sequence[float] = 1.0,
        exit_multiplier: float | Sequence[float] = 1.0,
    ) -> StockFlowPaths:
        """Simulated stocks, entries, exits and adjustments for ``origin + 1 ... origin + horizon``.

        ``entry_multiplier`` and ``exit_multiplier`` (one number, or one per forecast year) scale
        the entry rate and leaving hazard: an edge-of-care service diverting 10% of entries from
        the second year is ``entry_multiplier=[1.0, 0.9, 0.9]``. The rate paths are drawn before
        the multipliers apply, so a baseline and a scenario run with the same ``rng`` share them.

        Examples
        --------
        >>> import pandas as pd
        >>> from demandmodel.models.aggregate import AggregateSpec
        >>> rows = [("301", m, t, v) for t in range(2014, 2020) for m, v in
        ...         [("cla_31mar", 300.0), ("cla_starts", 150.0), ("cla_ceases", 150.0),
        ...          ("pop_0_17", 50_000.0)]]
        >>> panel = pd.DataFrame(rows, columns=["la_code", "measure", "period", "value"])
        >>> fit = AggregateSpec().fit(panel, la_code="301", measure="cla_31mar", origin=2019)
        >>> base = fit.simulate(3, n_samples=2000, rng=1)
        >>> fewer = fit.simulate(3, n_samples=2000, rng=1, entry_multiplier=[1.0, 0.8, 0.8])
        >>> bool(fewer.stock[:, 2].mean() < base.stock[:, 2].mean() - 20)
        True
        """
        gen = as_generator(rng)
        rates = self.draw_rates(horizon, n_samples=n_samples, rng=gen)
        rates = dataclasses.replace(
            rates,
            entry_rate=rates.entry_rate * _per_year(entry_multiplier, horizon, "entry_multiplier"),
            exit_hazard=rates.exit_hazard * _per_year(exit_multiplier, horizon, "exit_multiplier"),
        )
        return self.run_paths(rates, rng=gen)

    def draw_rates(self, horizon: int, *, n_samples: int, rng: RNGLike = None) -> RatePaths:
        """Draw the rate paths (entry rate, leaving hazard, adjustment) and the population path.

        Scenario engines change these and pass them to :meth:`run_paths` with the same generator,
        so a baseline and a scenario share every draw (common random numbers).
        """
        if horizon > len(self.population):
            raise DemandModelError(
                f"LA {self.la_code}: the fitted population covers {len(self.population)} years, "
                f"{horizon} asked; refit with a longer population projection."
            )
        gen = as_generator(rng)
        a = self.entries.draw(horizon, n_samples, self.damping, gen)
        d = np.minimum(self.exits.draw(horizon, n_samples, self.damping, gen), 1.5)
        r = self.adjustment_mean + self.adjustment_sd * gen.standard_normal((n_samples, horizon))
        pop = np.broadcast_to(
            np.asarray(self.population[:horizon], dtype=float), (n_samples, horizon)
        )
        return RatePaths(entry_rate=a, exit_hazard=d, adjustment_rate=r, population=pop.copy())

    def run_paths(self, rates: RatePaths, *, rng: RNGLike = None) -> StockFlowPaths:
        """Simulate stocks from the origin's stock along given rate paths."""
        return simulate_stock_flow(
            float(self.history.iloc[-1]),
            entry_rate=rates.entry_rate,
            exit_hazard=rates.exit_hazard,
            population=rates.population,
            adjustment_rate=rates.adjustment_rate,
            rng=rng,
        )

    def _draw(self, horizon: int, n_samples: int, gen: np.random.Generator) -> np.ndarray:
        return self.simulate(horizon, n_samples=n_samples, rng=gen).stock

    def forecast_flows(
        self, horizon: int, *, n_samples: int = 1000, rng: RNGLike = None, **multipliers: Any
    ) -> Forecast:
        """A Forecast of the stock, entries and exits (three series of the same paths).

        Exits of a stock without a published exits measure are labelled ``<prefix>_ends``;
        ``multipliers`` are passed to :meth:`simulate`; the adjustment term (which may be
        negative) is in :meth:`simulate`'s result.
        """
        paths = self.simulate(horizon, n_samples=n_samples, rng=rng, **multipliers)
        a_name, d_name = FLOWS[self.measure]
        prefix = self.measure.split("_")[0]
        names = [self.measure, a_name, d_name or f"{prefix}_ends"]
        stacked = np.stack([paths.stock, paths.entries, paths.exits], axis=2)
        return make_forecast(
            stacked,
            la_codes=[self.la_code] * 3,
            measures=names,
            origin=self.origin,
            model=self.model_name,
            seed=rng if isinstance(rng, int) else None,
            history=history_frame(self.history, la_code=self.la_code, measure=self.measure),
        )

    def forecast(self, horizon: int, *, n_samples: int = 1000, rng: RNGLike = None) -> Forecast:
        """A one-series Forecast of the stock; metadata carries the fitted rates and adjustment."""
        fc = FittedSeries.forecast(self, horizon, n_samples=n_samples, rng=rng)
        meta = {
            "entry_rate_per_10k": self.entry_rate,
            "entry_trend": self.entries.trend,
            "exit_hazard": self.exit_hazard,
            "exit_trend": self.exits.trend,
            "adjustment_mean": self.adjustment_mean,
            "adjustment_sd": self.adjustment_sd,
            "population": [round(float(p), 1) for p in self.population[:horizon]],
            "population_source": self.population_source,
            "exits_derived": self.exits_derived,
            "damping": self.damping,
        }
        return replace(fc, metadata={**fc.metadata, **meta})


@dataclass(frozen=True, slots=True, kw_only=True)
class AggregateContext:
    """Pooled trends and volatilities of the log entry rate and log exit hazard, by LA."""

    measure: str
    origin: int
    codes: tuple[str, ...]
    entry_trend: np.ndarray
    entry_sigma: np.ndarray
    exit_trend: np.ndarray
    exit_sigma: np.ndarray


@dataclass(frozen=True, slots=True, kw_only=True)
class AggregateSpec:
    """Stock-and-flow model of a published stock and its flows (see the module docstring).

    Parameters
    ----------
    damping
        ``phi`` of the rate trends (0: rates stay at their last level; 1: trends continue).
    window
        Recent years used for trends and the adjustment.
    level_window
        Years averaged (on the log scale) for the starting entry rate and leaving hazard; 1 uses
        the last year's.
    rate_noise
        Multiplies the rates' yearly log-change volatility in the simulation (part of a rate's
        yearly change is sampling noise that does not persist, so 1 overstates the spread).
    anchor
        Set the adjustment term so that, at the fitted rates, next year's expected stock equals
        the last one (the naive level): the stock then moves only through the rate trends,
        population and noise (and scenarios), not through the noise in last year's net flow.
    max_horizon
        Years of population path prepared at fit time.
    population
        Optional projection of children aged 0-17: a Series indexed by period (one LA), or a long
        frame ``la_code, period, value``; years it does not cover continue the recent trend.
    regions
        Optional ``la_code -> region`` mapping for pooling the rate trends (else a ``region``
        column of the panel, else England). ``population`` and ``regions`` are data, so they are
        left out of the spec's ``==`` and hash.
    """

    name: str = "aggregate"
    min_history: int = 4
    damping: float = 0.5
    window: int = 5
    prior_df: float = 4.0
    max_horizon: int = 10
    level_window: int = 3
    anchor: bool = True
    rate_noise: float = 0.8
    population: pd.Series | pd.DataFrame | None = field(default=None, compare=False)
    regions: Mapping[str, str] | None = field(default=None, compare=False)

    def _rates(self, panel: pd.DataFrame, *, measure: str, origin: int) -> tuple[pd.DataFrame, ...]:
        def wide(name: str) -> pd.DataFrame:
            logged = wide_log(panel, measure=name, origin=origin)
            return pd.DataFrame(np.expm1(logged), index=logged.index, columns=logged.columns).round(
                6
            )

        if measure not in FLOWS:
            raise DemandModelError(
                f"The aggregate model forecasts stocks with published flows {sorted(FLOWS)}; "
                f"got measure {measure!r}. Use a series model (e.g. 'pooled') for it."
            )
        a_name, d_name = FLOWS[measure]
        stock = wide(measure)
        cols = stock.columns
        starts = wide(a_name).reindex(index=stock.index, columns=cols)
        prev = stock.shift(1, axis=1)
        if d_name is not None and (panel[C.MEASURE].astype(str) == d_name).any():
            ends = wide(d_name).reindex(index=stock.index, columns=cols)
        else:
            ends = prev + starts - stock
        pop = wide(POP_MEASURE).reindex(index=stock.index, columns=cols)
        pop = pop.where(pop.notna(), 10_000.0) if pop.isna().all().all() else pop
        a = starts / pop * 10_000.0
        with np.errstate(divide="ignore", invalid="ignore"):
            d = ends / (prev + starts / 2)
        r = (stock - (prev + starts - ends)) / prev
        return stock, a.where(a > 0), d.where(d > 0), r

    def prepare(self, panel: pd.DataFrame, *, measure: str, origin: int) -> AggregateContext:
        """Pool the rate trends across every LA of ``measure`` at ``origin``."""
        stock, a, d, _ = self._rates(panel, measure=measure, origin=origin)
        groups = la_groups(panel, stock.index, regions=self.regions)
        ga, sa = pooled_trends(
            np.log(a.to_numpy(float)), groups, window=self.window, prior_df=self.prior_df
        )
        gd, sd = pooled_trends(
            np.log(d.to_numpy(float)), groups, window=self.window, prior_df=self.prior_df
        )
        return AggregateContext(
            measure=measure,
            origin=origin,
            codes=tuple(str(c) for c in stock.index),
            entry_trend=ga,
            entry_sigma=sa,
            exit_trend=gd,
            exit_sigma=sd,
        )

    def _population_path(
        self, panel: pd.DataFrame, la_code: str, origin: int
    ) -> tuple[np.ndarray, str, float]:
        """Population path over ``max_horizon`` years, its source, and the origin's population."""
        future = np.arange(origin + 1, origin + self.max_horizon + 1)
        hist = panel_series(panel, la_code=la_code, measure=POP_MEASURE, origin=origin).dropna()
        hist = hist[hist > 0]
        if len(hist) >= 2:
            recent = hist.iloc[-self.window :]
            slope = float(np.polyfit(recent.index.to_numpy(float), np.log(recent.to_numpy()), 1)[0])
            base = float(np.log(hist.iloc[-1]))
            path = np.exp(base + slope * (future - int(hist.index[-1])))
            source = "trend"
        elif len(hist) == 1:
            path, source = np.full(len(future), float(hist.iloc[-1])), "constant"
        else:
            path, source = np.full(len(future), 10_000.0), "none (entries modelled as counts)"
        user = self.population
        if user is not None:
            if isinstance(user, pd.DataFrame):
                rows = user[user[C.LA_CODE].astype(str) == la_code]
                user = pd.Series(rows[C.VALUE].to_numpy(float), index=rows[C.PERIOD].astype(int))
            given = user.reindex(future)
            if given.notna().any():
                path = np.where(given.notna(), given.to_numpy(float), path)
                source = "user"
        now = float(hist.iloc[-1]) if len(hist) else float(path[0])
        return np.asarray(path, dtype=float), source, now

    def _level(self, logged: pd.Series) -> float:
        return float(logged.dropna().iloc[-self.level_window :].mean())

    def fit(
        self,
        panel: pd.DataFrame,
        *,
        la_code: str,
        measure: str,
        origin: int,
        context: Any = None,
    ) -> FittedModel:
        """Fit one LA's rates (``context`` from :meth:`prepare`, computed if absent)."""
        code = str(la_code)
        ctx = shared_context(self, panel, context, AggregateContext, measure=measure, origin=origin)
        own = panel.loc[panel[C.LA_CODE].astype(str) == code]
        stock, a, d, r = self._rates(own, measure=measure, origin=origin)
        if code not in ctx.codes or code not in stock.index:
            raise InsufficientHistoryError(
                la_code=code, measure=measure, n=0, needed=self.min_history
            )
        s_row = pd.Series(stock.loc[code], dtype=float)
        a_row = pd.Series(np.log(a.loc[code]), dtype=float)
        d_row = pd.Series(np.log(d.loc[code]), dtype=float)
        both = a_row.notna() & d_row.notna()
        n_ok = int(both.sum())
        if origin not in s_row.index or not both.get(origin, False) or n_ok < self.min_history - 1:
            raise InsufficientHistoryError(
                la_code=code, measure=measure, n=n_ok + 1 if n_ok else 0, needed=self.min_history
            )
        i = ctx.codes.index(code)
        n_recent = max(int(both.iloc[-self.window :].sum()) - 1, 1)
        r_recent = pd.Series(r.loc[code], dtype=float).iloc[-self.window :].dropna()
        pop, pop_source, pop_now = self._population_path(panel, code, origin)

        level_a, level_d = self._level(a_row), self._level(d_row)
        r_mean = float(r_recent.mean()) if len(r_recent) else 0.0
        if self.anchor:
            # The adjustment that makes the expected net flow zero at the fitted rates and the
            # origin's population (so population growth and rate trends still move the stock).
            s_t = float(s_row.loc[origin])
            a_exp = float(np.exp(level_a)) * pop_now / 10_000.0
            d_exp = float(np.exp(level_d)) * (s_t + a_exp / 2)
            r_mean = (d_exp - a_exp) / s_t if s_t > 0 else 0.0

        def trend(level: float, g: float, s: float) -> RateTrend:
            sig = s * self.rate_noise
            return RateTrend(level=level, trend=g, trend_se=sig / np.sqrt(n_recent), sigma=sig)

        return FittedAggregate(
            model_name=self.name,
            la_code=code,
            measure=measure,
            origin=origin,
            history=s_row.dropna().rename(measure),
            entries=trend(level_a, float(ctx.entry_trend[i]), float(ctx.entry_sigma[i])),
            exits=trend(level_d, float(ctx.exit_trend[i]), float(ctx.exit_sigma[i])),
            adjustment_mean=r_mean,
            adjustment_sd=float(r_recent.std(ddof=1)) if len(r_recent) > 1 else 0.0,
            population=pop,
            population_source=pop_source,
            damping=self.damping,
            exits_derived=FLOWS[measure][1] is None
            or not (panel[C.MEASURE].astype(str) == FLOWS[measure][1]).any(),
        )


register_model("aggregate", AggregateSpec)
