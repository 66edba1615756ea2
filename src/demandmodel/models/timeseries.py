"""Thin adapters over statsmodels: ETS, small ARIMA, local level/trend and Theta, on log counts.

Each model is fitted to ``z = log(1 + y)`` and simulated there; samples are back-transformed with
``exp(z) - 1`` and clipped at zero, so the sample mean is the bias-adjusted mean and counts stay
non-negative. The model spaces are deliberately small (DESIGN 4.1):

- ``ets``: ETS(A,N,N) or ETS(A,Ad,N), whichever has the lower AICc (``ETSModel``);
- ``arima``: ARIMA(0,1,0), (1,1,0) or (0,1,1) (optionally (1,1,1)), lowest AICc (``SARIMAX``);
- ``local``: local level or local linear trend, lowest AIC (``UnobservedComponents``);
- ``theta``: the Theta method (``ThetaModel``), paths drawn from its predictive normal.

Paths come from each fitted model's own simulation (``simulate(anchor="end")``); parameter
uncertainty is not included, so intervals are narrow on short series (paths are kept within
``MAX_LOG_MOVE`` of the last log value, as for the baselines): calibrate them with
:class:`demandmodel.models.ensemble.CalibratedSpec`. Fitting failures become
:class:`~demandmodel.ModelFitError` naming the LA and measure.

Examples
--------
>>> import pandas as pd
>>> from demandmodel.models.timeseries import EtsSpec
>>> panel = pd.DataFrame({"la_code": "301", "measure": "cla_31mar", "period": range(2013, 2023),
...                       "value": [300.0, 310, 322, 330, 345, 350, 366, 372, 380, 395]})
>>> fit = EtsSpec().fit(panel, la_code="301", measure="cla_31mar", origin=2022)
>>> fc = fit.forecast(3, n_samples=500, rng=1)
>>> bool(fc.quantile(0.5)[0, 0] > 380), bool((fc.samples >= 0).all())
(True, True)
"""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from demandmodel.errors import ModelFitError
from demandmodel.models.base import FittedModel, FittedSeries, SeriesModel, register_model
from demandmodel.models.baselines import MAX_LOG_MOVE

__all__ = ["ArimaSpec", "EtsSpec", "FittedStatsmodels", "LocalSpec", "ThetaSpec"]


@dataclass(frozen=True, slots=True, kw_only=True)
class FittedStatsmodels(FittedSeries):
    """A statsmodels results object fitted on ``log(1 + y)``, plus which variant was chosen."""

    results: Any
    variant: str

    def _draw(self, horizon: int, n_samples: int, gen: np.random.Generator) -> np.ndarray:
        try:
            with warnings.catch_warnings(), _one_thread():
                warnings.simplefilter("ignore")
                z = _simulate(self.results, horizon, n_samples, gen)
        except Exception as err:  # statsmodels raises many types
            raise ModelFitError(
                f"LA {self.la_code}, measure {self.measure}: simulating {self.variant} failed "
                f"({err}); use a simpler model (e.g. 'naive')."
            ) from err
        last = float(np.log1p(max(float(self.history.iloc[-1]), 0.0)))
        z = np.clip(z, last - MAX_LOG_MOVE, last + MAX_LOG_MOVE)
        return np.asarray(np.expm1(z))


def _simulate(results: Any, horizon: int, n: int, gen: np.random.Generator) -> np.ndarray:
    """Simulated log-scale paths ``(n, horizon)`` from a fitted statsmodels results object."""
    from statsmodels.tsa.forecasting.theta import ThetaModelResults

    if isinstance(results, ThetaModelResults):
        mean = np.asarray(results.forecast(horizon), dtype=float)
        pi = np.asarray(results.prediction_intervals(horizon, alpha=0.2), dtype=float)
        sd = np.maximum((pi[:, 1] - pi[:, 0]) / (2 * 1.2815515655446004), 1e-6)
        return np.asarray(mean[None, :] + sd[None, :] * gen.standard_normal((n, horizon)))
    sim = results.simulate(horizon, anchor="end", repetitions=n, rng=gen)
    arr = np.asarray(sim, dtype=float).reshape(horizon, n)
    return np.asarray(arr.T)


def _one_thread() -> contextlib.AbstractContextManager[Any]:
    """Limit BLAS to one thread while fitting (when ``threadpoolctl`` is installed).

    statsmodels' optimisers make thousands of tiny BLAS calls; with a multi-threaded OpenBLAS on a
    busy machine each call waits for threads and a fit runs 10-20 times slower.
    """
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - optional speed-up only
        return contextlib.nullcontext()
    limiter: contextlib.AbstractContextManager[Any] = threadpool_limits(limits=1, user_api="blas")
    return limiter


def _fit_best(
    candidates: dict[str, Callable[[], Any]],
    *,
    criterion: str,
    la_code: str,
    measure: str,
    model: str,
) -> tuple[str, Any]:
    """Fit every candidate; return the (name, results) with the lowest information criterion."""
    best: tuple[float, str, Any] | None = None
    errors: list[str] = []
    for name, make in candidates.items():
        try:
            with warnings.catch_warnings(), _one_thread():
                warnings.simplefilter("ignore")
                res = make()
                score = float(getattr(res, criterion))
        except Exception as err:  # statsmodels raises many types
            errors.append(f"{name}: {err}")
            continue
        if not np.isfinite(score):
            score = np.inf
        if best is None or score < best[0]:
            best = (score, name, res)
    if best is None:
        raise ModelFitError(
            f"LA {la_code}, measure {measure}: every {model} variant failed to fit "
            f"({'; '.join(errors)}); use a simpler model (e.g. 'naive')."
        )
    return best[1], best[2]


def _fit_chosen(
    model: str,
    y: pd.Series,
    candidates: dict[str, Callable[[], Any]],
    *,
    criterion: str,
    la_code: str,
    measure: str,
    origin: int,
) -> FittedStatsmodels:
    """Fit the candidates on ``y``'s log values, keep the best by ``criterion`` and wrap it."""
    variant, res = _fit_best(
        candidates, criterion=criterion, la_code=la_code, measure=measure, model=model
    )
    return FittedStatsmodels(
        model_name=model,
        la_code=la_code,
        measure=measure,
        origin=origin,
        history=y,
        results=res,
        variant=variant,
    )


def _log_series(y: pd.Series) -> pd.Series:
    # A RangeIndex keeps statsmodels from warning about an unsupported integer index.
    return pd.Series(np.log1p(y.to_numpy(dtype=float).clip(0.0)))


@dataclass(frozen=True, slots=True, kw_only=True)
class EtsSpec(SeriesModel):
    """ETS(A,N,N) or ETS(A,Ad,N) on log counts, chosen by AICc.

    Parameters
    ----------
    damped
        Also consider the damped additive trend ETS(A,Ad,N).
    """

    name: str = "ets"
    min_history: int = 5
    damped: bool = True

    def _fit_series(self, y: pd.Series, *, la_code: str, measure: str, origin: int) -> FittedModel:
        from statsmodels.tsa.exponential_smoothing.ets import ETSModel

        z = _log_series(y)
        cands: dict[str, Callable[[], Any]] = {
            "ETS(A,N,N)": lambda: ETSModel(z, error="add").fit(disp=False),
        }
        if self.damped and len(z) >= 6:
            cands["ETS(A,Ad,N)"] = lambda: ETSModel(
                z, error="add", trend="add", damped_trend=True
            ).fit(disp=False)
        return _fit_chosen(
            self.name, y, cands, criterion="aicc", la_code=la_code, measure=measure, origin=origin
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class ArimaSpec(SeriesModel):
    """ARIMA(p,1,q) on log counts, the order chosen by AICc among ``orders``.

    Parameters
    ----------
    orders
        Candidate ``(p, 1, q)`` orders. ``(1, 1, 1)`` may be added (used only with 8+ years); it
        is left out by default because its likelihood is slow to optimise on 5-12 points.
    """

    name: str = "arima"
    min_history: int = 5
    orders: tuple[tuple[int, int, int], ...] = ((0, 1, 0), (1, 1, 0), (0, 1, 1))

    def _fit_series(self, y: pd.Series, *, la_code: str, measure: str, origin: int) -> FittedModel:
        from statsmodels.tsa.statespace.sarimax import SARIMAX

        z = _log_series(y)
        orders = [o for o in self.orders if sum(o) < 3 or len(z) >= 8]

        def make(order: tuple[int, int, int]) -> Callable[[], Any]:
            return lambda: SARIMAX(z, order=order).fit(disp=False, maxiter=50)

        cands = {f"ARIMA{o}": make(o) for o in orders}
        return _fit_chosen(
            self.name, y, cands, criterion="aicc", la_code=la_code, measure=measure, origin=origin
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class LocalSpec(SeriesModel):
    """Local level or local linear trend (``UnobservedComponents``) on log counts, by AIC."""

    name: str = "local"
    min_history: int = 5

    def _fit_series(self, y: pd.Series, *, la_code: str, measure: str, origin: int) -> FittedModel:
        from statsmodels.tsa.statespace.structural import UnobservedComponents

        z = _log_series(y)
        cands: dict[str, Callable[[], Any]] = {
            "local level": lambda: UnobservedComponents(z, level="llevel").fit(disp=False),
            "local linear trend": lambda: UnobservedComponents(z, level="lltrend").fit(disp=False),
        }
        return _fit_chosen(
            self.name, y, cands, criterion="aic", la_code=la_code, measure=measure, origin=origin
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class ThetaSpec(SeriesModel):
    """The Theta method (``ThetaModel``, no deseasonalising) on log counts."""

    name: str = "theta"
    min_history: int = 4

    def _fit_series(self, y: pd.Series, *, la_code: str, measure: str, origin: int) -> FittedModel:
        from statsmodels.tsa.forecasting.theta import ThetaModel

        z = _log_series(y)
        return _fit_chosen(
            self.name,
            y,
            {"Theta": lambda: ThetaModel(z, period=1, deseasonalize=False).fit(use_mle=False)},
            criterion="sigma2",
            la_code=la_code,
            measure=measure,
            origin=origin,
        )


register_model("ets", EtsSpec)
register_model("arima", ArimaSpec)
register_model("local", LocalSpec)
register_model("theta", ThetaSpec)
