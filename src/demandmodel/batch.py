"""Batch forecasting over LAs x measures, with a fallback chain and a failure report.

:func:`forecast_panel` fits one model per (LA, measure) series of a Panel at one origin and
returns a single :class:`~demandmodel.Forecast` over every series that could be forecast, plus a
failure report. When the requested model fails for a series (too little history, a fit that does
not converge, ...), the next model of the fallback chain is tried (``auto -> naive`` by
default); every failure is reported, and one bad series never stops the batch. Each series gets
its own seed, ``seed_for(root, la_code, measure)``, so results do not depend on order.

Examples
--------
>>> import numpy as np, pandas as pd
>>> import demandmodel
>>> panel = pd.DataFrame({
...     "la_code": ["301"] * 8 + ["302"] * 2,
...     "measure": "cla_31mar",
...     "period": list(range(2015, 2023)) + [2021, 2022],
...     "value": [100.0, 104, 110, 108, 115, 120, 118, 125, 50, 52],
... })
>>> fc, failures = demandmodel.forecast_panel(panel, measures=["cla_31mar"], origin=2022,
...                                           horizon=2, model="drift", n_samples=200, rng=1)
>>> fc.series["la_code"].tolist()
['301', '302']
>>> failures[["la_code", "model", "used_instead"]].values.tolist()
[['302', 'drift', 'naive']]
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from demandmodel import columns as C
from demandmodel._random import seed_for
from demandmodel.errors import DemandModelError
from demandmodel.forecast import Forecast
from demandmodel.models.base import (
    FittedModel,
    ModelSpec,
    NoValueAtOriginError,
    get_model,
    is_series_model,
    panel_series,
)

__all__ = ["FAILURE_REPORT_COLUMNS", "fallback_chain", "forecast_panel"]

FAILURE_REPORT_COLUMNS: tuple[str, ...] = (
    C.LA_CODE,
    C.MEASURE,
    C.MODEL,
    "error",
    "message",
    "used_instead",
)
"""Columns of the failure report: which series, which model failed, why, what was used."""

DEFAULT_FALLBACKS: tuple[str, ...] = ("naive",)
"""Tried in turn when the requested model fails. Drift is not in it: it lost to naive on every
measure in the backtests (docs/backtest-results.md); pass ``fallbacks=("drift", "naive")`` for it."""


def fallback_chain(
    model: str | ModelSpec, fallbacks: Sequence[str] = DEFAULT_FALLBACKS
) -> list[Any]:
    """The requested model followed by the fallbacks (only those after it, if it is one).

    Examples
    --------
    >>> [getattr(s, "name", s) for s in fallback_chain("auto")]
    ['auto', 'naive']
    >>> [getattr(s, "name", s) for s in fallback_chain("ets", ("drift", "naive"))]
    ['ets', 'drift', 'naive']
    >>> [getattr(s, "name", s) for s in fallback_chain("naive")]
    ['naive']
    """
    first = get_model(model)
    chain: list[Any] = [first]
    rest = list(fallbacks)
    name = getattr(first, "name", None)
    if name in rest:  # a fallback asked for directly keeps only the simpler ones after it
        rest = rest[rest.index(name) + 1 :]
    chain.extend(get_model(n) for n in rest)
    return chain


def plain_panel(panel: pd.DataFrame) -> pd.DataFrame:
    """A shallow copy of ``panel`` whose ``attrs`` hold no pandas objects.

    pandas compares ``attrs`` with ``==`` when combining frames, which fails for a DataFrame
    value; other entries (e.g. ``attrs["regions"]``, which pooled models read) are kept.
    """
    out = panel.copy(deep=False)
    out.attrs = {
        k: v for k, v in panel.attrs.items() if not isinstance(v, pd.DataFrame | pd.Series)
    }
    return out


def _check_panel(panel: pd.DataFrame) -> None:
    missing = [c for c in (C.LA_CODE, C.MEASURE, C.PERIOD, C.VALUE) if c not in panel.columns]
    if missing:
        raise DemandModelError(
            f"The panel has no column(s) {missing}; a Panel needs la_code, measure, period and "
            "value (read it with demandmodel.read_dfe)."
        )


@dataclass(slots=True)
class _Task:
    """What the fitter needs for one series: the panel rows and, when cheap, its series."""

    la_code: str
    measure: str
    series: pd.Series | None


class SeriesFitter:
    """Fits a fallback chain to many series of one measure at one origin, caching contexts.

    Internal helper shared by :func:`forecast_panel` and :func:`demandmodel.backtest.backtest`.
    ``panel`` must already be cut at the origin (rows with ``period <= origin``).
    """

    def __init__(self, chain: Sequence[Any], panel: pd.DataFrame, *, measure: str, origin: int):
        self.chain = list(chain)
        self.panel = panel
        self.measure = measure
        self.origin = origin
        self._contexts: dict[int, Any] = {}

    def context(self, i: int) -> Any:
        """The (cached) ``prepare`` result of the i-th model of the chain."""
        if i not in self._contexts:
            self._contexts[i] = self.chain[i].prepare(
                self.panel, measure=self.measure, origin=self.origin
            )
        return self._contexts[i]

    def fit(
        self, la_code: str, series: pd.Series | None
    ) -> tuple[FittedModel | None, str, list[dict[str, Any]]]:
        """The first model of the chain that fits, its name in the chain, and one failure row
        per model that did not."""
        failures: list[dict[str, Any]] = []
        for i, spec in enumerate(self.chain):
            try:
                ctx = self.context(i)
                if series is not None and is_series_model(spec):
                    fitted = spec.fit_series(
                        series,
                        la_code=la_code,
                        measure=self.measure,
                        origin=self.origin,
                        context=ctx,
                    )
                else:
                    fitted = spec.fit(
                        self.panel,
                        la_code=la_code,
                        measure=self.measure,
                        origin=self.origin,
                        context=ctx,
                    )
            except DemandModelError as err:
                failures.append(
                    {
                        C.LA_CODE: la_code,
                        C.MEASURE: self.measure,
                        C.MODEL: spec.name,
                        "error": type(err).__name__,
                        "message": str(err),
                    }
                )
                if isinstance(err, NoValueAtOriginError):
                    break  # no model can start without the current level
                continue
            for row in failures:
                row["used_instead"] = spec.name
            return fitted, str(spec.name), failures
        for row in failures:
            row["used_instead"] = ""
        return None, "", failures


def series_by_la(panel: pd.DataFrame, measure: str) -> dict[str, pd.Series | None]:
    """Every LA's series of ``measure`` (period-indexed, sorted), in one pass over the panel.

    An LA whose rows cannot form a series (e.g. two rows for one year) maps to ``None``; fitting
    it then goes through the model's own ``fit``, whose error is reported per series.
    """
    sub = plain_panel(panel.loc[panel[C.MEASURE].astype(str) == measure])
    out: dict[str, pd.Series | None] = {}
    for la, grp in sub.groupby(sub[C.LA_CODE].astype(str), sort=True):
        try:
            out[str(la)] = panel_series(grp, la_code=str(la), measure=measure, origin=10**6)
        except DemandModelError:
            out[str(la)] = None
    return out


def forecast_panel(
    panel: pd.DataFrame,
    *,
    measures: Iterable[str],
    origin: int,
    horizon: int,
    la_codes: Iterable[str] | None = None,
    model: str | ModelSpec = "auto",
    n_samples: int = 1000,
    rng: int | np.random.SeedSequence | None = None,
    fallbacks: Sequence[str] = DEFAULT_FALLBACKS,
) -> tuple[Forecast, pd.DataFrame]:
    """Forecast every (LA, measure) series of ``panel`` from ``origin``, with fallbacks.

    Parameters
    ----------
    panel
        The long Panel (``la_code, measure, period, value``, ...); rows after ``origin`` are ignored.
    measures
        Which measures to forecast.
    origin
        The last period of data used.
    horizon
        Number of periods ahead (``origin + 1 ... origin + horizon``).
    la_codes
        Which LAs (default: every code with rows for the measure, England and regions included).
    model
        A registered model name (``"auto"``, ``"ets"``, ``"naive"``, ...) or a spec.
    n_samples
        Simulated paths per series.
    rng
        Root seed; series ``(la, measure)`` uses ``seed_for(rng, la, measure)``.
    fallbacks
        Models tried in turn when the requested one fails.

    Returns
    -------
    forecast, failures
        One Forecast whose ``series`` has ``la_code`` and ``measure`` (``metadata["models_used"]``
        names, per series in the same order, the model of the fallback chain that produced it:
        the requested one or a fallback), and the failure report (columns
        :data:`FAILURE_REPORT_COLUMNS`). A series for which every model failed is only in the
        report (``used_instead`` empty).
    """
    _check_panel(panel)
    panel = plain_panel(panel)
    if horizon < 1:
        raise DemandModelError(f"horizon must be >= 1; got {horizon}.")
    if isinstance(rng, np.random.Generator):
        raise DemandModelError(
            "forecast_panel needs a root seed (int or SeedSequence), not a Generator, so that "
            "each series gets its own seed."
        )
    chain = fallback_chain(model, fallbacks)
    cut = panel.loc[pd.to_numeric(panel[C.PERIOD]) <= origin]
    wanted = None if la_codes is None else [str(c) for c in la_codes]
    paths: list[np.ndarray] = []
    labels: list[tuple[str, str, str]] = []
    history: list[pd.DataFrame] = []
    failures: list[dict[str, Any]] = []
    for measure in measures:
        by_la = series_by_la(cut, measure)
        codes = list(by_la) if wanted is None else wanted
        fitter = SeriesFitter(chain, cut, measure=measure, origin=origin)
        for la in codes:
            fitted, used, fails = fitter.fit(la, by_la.get(la))
            failures.extend(fails)
            if fitted is None:
                continue
            seed = seed_for(rng, la, measure)
            try:
                p = fitted.sample(horizon, n_samples=n_samples, rng=np.random.default_rng(seed))
            except DemandModelError as err:
                failures.append(
                    {
                        C.LA_CODE: la,
                        C.MEASURE: measure,
                        C.MODEL: used,
                        "error": type(err).__name__,
                        "message": str(err),
                        "used_instead": "",
                    }
                )
                continue
            paths.append(p)
            labels.append((la, measure, used))
            h = fitted.history
            history.append(
                pd.DataFrame(
                    {
                        C.LA_CODE: la,
                        C.MEASURE: measure,
                        C.PERIOD: np.asarray(h.index, dtype=int),
                        C.VALUE: h.to_numpy(dtype=float),
                    }
                )
            )
    report = pd.DataFrame(failures, columns=list(FAILURE_REPORT_COLUMNS))
    if not paths:
        raise DemandModelError(
            f"No series could be forecast from origin {origin}: "
            f"{len(report)} failure(s), e.g. {report['message'].iloc[0] if len(report) else 'no data'}"
        )
    samples = np.stack(paths, axis=2)
    series = pd.DataFrame([lab[:2] for lab in labels], columns=[C.LA_CODE, C.MEASURE])
    fc = Forecast(
        samples=samples,
        periods=tuple(range(origin + 1, origin + horizon + 1)),
        series=series,
        model=getattr(chain[0], "name", str(model)),
        origin=origin,
        seed=rng if isinstance(rng, int) else None,
        vintage=_vintage(cut),
        history=pd.concat(history, ignore_index=True),
        metadata={
            "fallbacks": [getattr(s, "name", "") for s in chain[1:]],
            "models_used": [lab[2] for lab in labels],
        },
    )
    return fc, report


def _vintage(panel: pd.DataFrame) -> int | None:
    if C.VINTAGE not in panel.columns or panel.empty:
        return None
    v = pd.to_numeric(panel[C.VINTAGE], errors="coerce").max()
    return None if pd.isna(v) else int(v)
