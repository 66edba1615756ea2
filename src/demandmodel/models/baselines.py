"""Baselines: naive (random walk), drift and mean, on the log scale.

Each model works on ``z = log(1 + y)`` and simulates paths there, so back-transformed samples are
positive and their mean is the bias-adjusted mean (``E[exp(z)]``, not ``exp(E[z])``).

- **naive**: ``z[T+h] = z[T] + e_1 + ... + e_h``, ``e ~ N(0, s^2)`` with ``s`` the standard deviation of
  the one-year log changes.
- **drift**: as naive plus the mean yearly log change ``b``: ``z[T+h] = z[T] + h b + ...``; ``b`` is
  drawn from its sampling distribution ``N(b_hat, s^2/(n-1))`` per path.
- **mean**: ``z[T+h] ~ N(mean(z), s_z^2 (1 + 1/n))``.

Parameter uncertainty in ``s`` is drawn per path from its scaled inverse chi-square posterior
(``s^2 = s_hat^2 df / chi2_df``, with :data:`PRIOR_DF` extra degrees of freedom), which gives the
heavier (Student-t like) tails short series need; log paths stay within :data:`MAX_LOG_MOVE` of
the last level.
``min_sigma`` floors ``s`` (a series that never moved still has risk).

Examples
--------
>>> import pandas as pd
>>> from demandmodel.models.baselines import DriftSpec, NaiveSpec
>>> panel = pd.DataFrame({"la_code": "301", "measure": "cla_31mar", "period": range(2013, 2023),
...                       "value": [300.0, 310, 322, 330, 345, 350, 366, 372, 380, 395]})
>>> naive = NaiveSpec().fit(panel, la_code="301", measure="cla_31mar", origin=2022)
>>> q = naive.forecast(2, n_samples=4000, rng=0).quantile(0.5)[:, 0]
>>> bool(abs(q[0] - 395) < 5)
True
>>> drift = DriftSpec().fit(panel, la_code="301", measure="cla_31mar", origin=2022)
>>> bool(drift.forecast(3, n_samples=4000, rng=0).quantile(0.5)[2, 0] > 420)
True
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from demandmodel.models.base import FittedModel, FittedSeries, SeriesModel, register_model

__all__ = ["DriftSpec", "FittedLogWalk", "MeanSpec", "NaiveSpec"]


def draw_sigma(s_hat: float, df: int, n: int, gen: np.random.Generator) -> np.ndarray:
    """``n`` draws of a standard deviation from its scaled inverse chi-square posterior.

    Examples
    --------
    >>> import numpy as np
    >>> s = draw_sigma(0.1, 5, 20000, np.random.default_rng(0))
    >>> bool(0.09 < float(np.median(s)) < 0.12)
    True
    """
    if df < 1:
        return np.full(n, s_hat)
    return np.asarray(s_hat * np.sqrt(df / gen.chisquare(df, size=n)))


PRIOR_DF = 4
"""Pseudo-degrees of freedom added to the scale posterior: with 2-3 years of history the raw
inverse chi-square has tails so heavy that simulated paths explode."""

MAX_LOG_MOVE = 3.0
"""Simulated log paths are kept within ``level +- MAX_LOG_MOVE`` (a factor of 20 either way)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class FittedLogWalk(FittedSeries):
    """A fitted baseline on ``log(1 + y)``: level, drift, innovation scale and their uncertainty.

    ``kind`` is ``"walk"`` (naive/drift: cumulated innovations) or ``"mean"`` (independent draws
    around a fixed level).
    """

    kind: str
    level: float
    drift: float
    drift_se: float
    sigma: float
    df: int

    def _draw(self, horizon: int, n_samples: int, gen: np.random.Generator) -> np.ndarray:
        sig = draw_sigma(self.sigma, self.df + PRIOR_DF, n_samples, gen)[:, None]
        eps = gen.standard_normal((n_samples, horizon)) * sig
        steps = np.arange(1, horizon + 1)[None, :]
        if self.kind == "mean":
            z = self.level + eps * np.sqrt(1.0 + 1.0 / max(self.df + 1, 1))
        else:
            b = self.drift + self.drift_se * gen.standard_normal((n_samples, 1))
            z = self.level + b * steps + np.cumsum(eps, axis=1)
        z = np.clip(z, self.level - MAX_LOG_MOVE, self.level + MAX_LOG_MOVE)
        return np.asarray(np.expm1(z))


def _log_values(y: pd.Series) -> np.ndarray:
    return np.asarray(np.log1p(y.to_numpy(dtype=float).clip(0.0)))


def _log_changes(y: pd.Series) -> np.ndarray:
    return np.asarray(np.diff(_log_values(y)))


def _log_walk(
    model: str,
    y: pd.Series,
    *,
    la_code: str,
    measure: str,
    origin: int,
    kind: str = "walk",
    level: float | None = None,
    drift: float = 0.0,
    drift_se: float = 0.0,
    sigma: float,
    df: int,
) -> FittedLogWalk:
    """A :class:`FittedLogWalk` fitted to ``y``; ``level`` defaults to the last value's log."""
    return FittedLogWalk(
        model_name=model,
        la_code=la_code,
        measure=measure,
        origin=origin,
        history=y,
        kind=kind,
        level=float(np.log1p(max(float(y.iloc[-1]), 0.0))) if level is None else level,
        drift=drift,
        drift_se=drift_se,
        sigma=sigma,
        df=df,
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class NaiveSpec(SeriesModel):
    """Random walk on the log scale: the median forecast is the last observed value.

    Parameters
    ----------
    min_sigma
        Floor on the yearly log-change standard deviation.
    """

    name: str = "naive"
    min_history: int = 2
    min_sigma: float = 0.02

    def _fit_series(self, y: pd.Series, *, la_code: str, measure: str, origin: int) -> FittedModel:
        d = _log_changes(y)
        s = max(float(np.sqrt(np.mean(d**2))), self.min_sigma)
        return _log_walk(
            self.name, y, la_code=la_code, measure=measure, origin=origin, sigma=s, df=len(d)
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class DriftSpec(SeriesModel):
    """Random walk with drift on the log scale (the average yearly log change continues).

    Parameters
    ----------
    damping
        Multiplies the estimated drift (1 = full drift, 0 = naive).
    min_sigma
        Floor on the yearly log-change standard deviation.
    """

    name: str = "drift"
    min_history: int = 3
    damping: float = 1.0
    min_sigma: float = 0.02

    def _fit_series(self, y: pd.Series, *, la_code: str, measure: str, origin: int) -> FittedModel:
        d = _log_changes(y)
        b = float(np.mean(d))
        s = max(float(np.std(d, ddof=1)) if len(d) > 1 else 0.0, self.min_sigma)
        return _log_walk(
            self.name,
            y,
            la_code=la_code,
            measure=measure,
            origin=origin,
            drift=self.damping * b,
            drift_se=self.damping * s / np.sqrt(len(d)),
            sigma=s,
            df=max(len(d) - 1, 1),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class MeanSpec(SeriesModel):
    """Independent draws around the mean of the log series.

    Parameters
    ----------
    min_sigma
        Floor on the log-scale standard deviation.
    """

    name: str = "mean"
    min_history: int = 2
    min_sigma: float = 0.02

    def _fit_series(self, y: pd.Series, *, la_code: str, measure: str, origin: int) -> FittedModel:
        z = _log_values(y)
        s = max(float(np.std(z, ddof=1)), self.min_sigma)
        return _log_walk(
            self.name,
            y,
            la_code=la_code,
            measure=measure,
            origin=origin,
            kind="mean",
            level=float(np.mean(z)),
            sigma=s,
            df=len(z) - 1,
        )


register_model("naive", NaiveSpec)
register_model("drift", DriftSpec)
register_model("mean", MeanSpec)
