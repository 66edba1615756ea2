"""Batch forecasting over LAs x measures, with a fallback chain and a failure report.

:func:`forecast_panel` fits one model per (LA, measure) series of a Panel at one origin and
returns a single :class:`~demandmodel.Forecast` over every series that could be forecast, plus a
failure report. When the requested model fails for a series (too little history, a fit that does
not converge, ...), the next model of the fallback chain is tried (``auto -> naive`` by
default); every failure is reported, and one bad series never stops the batch. Each series gets
its own seed, ``seed_for(root, la_code, measure)``, so results do not depend on order.

With ``n_jobs`` or an ``executor`` the (LA, measure) tasks run in parallel through
:func:`demandmodel.parallel.map_tasks`: every model's ``prepare`` context is computed once per
measure here and shipped in each task's payload (:func:`series_payload`) with the LA's own
series (or, for models that read the panel, the LA's own rows), and each task returns one series'
samples. Results are bit-identical for any ``n_jobs`` or executor (docs: *Every LA at once*).

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

from collections.abc import Hashable, Iterable, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from demandmodel import columns as C
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


@dataclass(frozen=True, slots=True)
class _FailedContext:
    """A ``prepare`` that raised: kept so every series reports it (and pickles to workers)."""

    error: DemandModelError


def _fill_auto_fallback(
    spec: Any, ctx: Any, panel: pd.DataFrame, measure: str, origin: int
) -> None:
    from demandmodel.models.ensemble import AutoContext, AutoSpec

    if not (isinstance(spec, AutoSpec) and isinstance(ctx, AutoContext)):
        return
    if spec.model_for(measure) == spec.default or "spec" in ctx.fallback:
        return
    fb = spec.spec_for_default()
    try:
        fb_ctx = fb.prepare(panel, measure=measure, origin=origin)
    except DemandModelError:
        return  # auto's fit prepares (and reports) it itself
    ctx.fallback["spec"] = fb
    ctx.fallback["context"] = fb_ctx


class SeriesFitter:
    """Fits a fallback chain to many series of one measure at one origin, caching contexts.

    Internal helper shared by :func:`forecast_panel` and :func:`demandmodel.backtest.backtest`.
    ``panel`` must already be cut at the origin (rows with ``period <= origin``).
    """

    def __init__(
        self,
        chain: Sequence[Any],
        panel: pd.DataFrame,
        *,
        measure: str,
        origin: int,
        contexts: dict[int, Any] | None = None,
    ):
        self.chain = list(chain)
        self.panel = panel
        self.measure = measure
        self.origin = origin
        self._contexts: dict[int, Any] = dict(contexts or {})

    def context(self, i: int) -> Any:
        """The (cached) ``prepare`` result of the i-th model of the chain.

        A ``prepare`` that failed is stored as its error and raised again on every use, so a
        context computed in the parent and shipped to a worker fails there exactly as here.
        """
        if i not in self._contexts:
            try:
                self._contexts[i] = self.chain[i].prepare(
                    self.panel, measure=self.measure, origin=self.origin
                )
            except DemandModelError as err:
                self._contexts[i] = _FailedContext(err)
        ctx = self._contexts[i]
        if isinstance(ctx, _FailedContext):
            raise ctx.error
        return ctx

    def all_contexts(self) -> dict[int, Any]:
        """Every model's context, computed once here (in the parent) to ship to workers.

        ``auto``'s own fallback (the default model, for series its chosen model cannot fit) is
        prepared too, so that no worker prepares it again for every task.
        """
        for i in range(len(self.chain)):
            try:
                ctx = self.context(i)
            except DemandModelError:
                continue
            _fill_auto_fallback(self.chain[i], ctx, self.panel, self.measure, self.origin)
        return dict(self._contexts)

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


def series_payload(
    chain: Sequence[Any],
    cut: pd.DataFrame,
    *,
    measure: str,
    origin: int,
    la_codes: Sequence[str] | None,
    series: dict[str, pd.Series | None],
    contexts: dict[int, Any],
) -> dict[str, dict[str, Any]]:
    """What a worker needs to fit each LA of one (measure, origin): one small payload per LA.

    The chain's contexts are computed once in the parent and shared by every payload. A series
    model gets only its series; any other model gets the LA's own rows of ``cut`` (every
    measure, ``attrs`` kept), not the whole panel, so payloads stay small.
    """
    series_only = all(is_series_model(spec) for spec in chain)
    codes = list(series) if la_codes is None else [str(c) for c in la_codes]
    rows: dict[str, pd.DataFrame] = {}
    if not series_only or any(series.get(la) is None for la in codes):
        keys = cut[C.LA_CODE].astype(str)
        for la, grp in cut.groupby(keys, sort=False):
            rows[str(la)] = grp
    empty = cut.iloc[:0]
    out: dict[str, dict[str, Any]] = {}
    for la in codes:
        y = series.get(la)
        out[la] = {
            "chain": chain,
            "contexts": contexts,
            "measure": measure,
            "origin": origin,
            "series": None if y is None else y.loc[y.index <= origin],
            "panel": None if series_only and y is not None else rows.get(la, empty),
        }
    return out


def fit_payload(
    la: str, payload: dict[str, Any]
) -> tuple[FittedModel | None, str, list[dict[str, Any]]]:
    """Fit one LA from its :func:`series_payload` (in a worker or here).

    A payload built in-process may carry the ``fitter`` of its (measure, origin) instead, whose
    contexts are then prepared on first use (nothing is prepared that no series needs).
    """
    if "fitter" in payload:
        return payload["fitter"].fit(la, payload["series"])  # type: ignore[no-any-return]
    panel = payload["panel"]
    fitter = SeriesFitter(
        payload["chain"],
        panel
        if panel is not None
        else pd.DataFrame(columns=[C.LA_CODE, C.MEASURE, C.PERIOD, C.VALUE]),
        measure=payload["measure"],
        origin=payload["origin"],
        contexts=payload["contexts"],
    )
    return fitter.fit(la, payload["series"])


def _forecast_task(key: Any, payload: dict[str, Any], rng: np.random.Generator) -> dict[str, Any]:
    """One (LA, measure) forecast, reduced to its samples, history and failure rows."""
    la, measure = key
    fitted, used, fails = fit_payload(la, payload)
    out: dict[str, Any] = {"samples": None, "used": used, "failures": fails, "history": None}
    if fitted is None:
        return out
    try:
        out["samples"] = fitted.sample(
            payload["horizon"], n_samples=payload["n_samples"], rng=rng
        ).astype(float)
    except DemandModelError as err:
        fails.append(
            {
                C.LA_CODE: la,
                C.MEASURE: measure,
                C.MODEL: used,
                "error": type(err).__name__,
                "message": str(err),
                "used_instead": "",
            }
        )
        return out
    h = fitted.history
    out["history"] = (np.asarray(h.index, dtype=int), h.to_numpy(dtype=float))
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
    n_jobs: int = 1,
    executor: Executor | None = None,
    progress: bool | None = None,
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
    n_jobs, executor
        Run the (LA, measure) tasks on ``n_jobs`` processes or on any
        ``concurrent.futures.Executor`` (e.g. a Dask client's ``get_executor()``), through
        :func:`demandmodel.parallel.map_tasks`. Each measure's pool context is computed once
        here and shipped with the tasks; results are bit-identical for any ``n_jobs``/executor.
    progress
        Progress bar (default: only when standard error is a terminal).

    Returns
    -------
    forecast, failures
        One Forecast whose ``series`` has ``la_code`` and ``measure`` (``metadata["models_used"]``
        names, per series in the same order, the model of the fallback chain that produced it:
        the requested one or a fallback), and the failure report (columns
        :data:`FAILURE_REPORT_COLUMNS`). A series for which every model failed is only in the
        report (``used_instead`` empty).
    """
    from demandmodel.parallel import map_tasks

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
    tasks: dict[Hashable, dict[str, Any]] = {}
    for measure in measures:
        by_la = series_by_la(cut, measure)
        contexts = SeriesFitter(chain, cut, measure=measure, origin=origin).all_contexts()
        payloads = series_payload(
            chain,
            cut,
            measure=measure,
            origin=origin,
            la_codes=wanted,
            series=by_la,
            contexts=contexts,
        )
        for la, pl in payloads.items():
            tasks[(la, measure)] = {**pl, "horizon": horizon, "n_samples": n_samples}
    done = map_tasks(
        _forecast_task,
        tasks,
        n_jobs=n_jobs,
        executor=executor,
        rng=0 if rng is None else rng,
        progress=progress,
        description="forecast",
    )
    paths: list[np.ndarray] = []
    labels: list[tuple[str, str, str]] = []
    history: list[pd.DataFrame] = []
    failures: list[dict[str, Any]] = []
    for key in tasks:
        la, measure = key  # type: ignore[misc]
        if key not in done.results:  # a bug in a model, not a DemandModelError: report it
            row = done.failures.loc[done.failures["task"] == key].iloc[0]
            failures.append(
                {
                    C.LA_CODE: la,
                    C.MEASURE: measure,
                    C.MODEL: getattr(chain[0], "name", str(model)),
                    "error": str(row["error"]),
                    "message": str(row["message"]),
                    "used_instead": "",
                }
            )
            continue
        res = done.results[key]
        failures.extend(res["failures"])
        if res["samples"] is None:
            continue
        paths.append(res["samples"])
        labels.append((la, measure, res["used"]))
        periods, values = res["history"]
        history.append(
            pd.DataFrame({C.LA_CODE: la, C.MEASURE: measure, C.PERIOD: periods, C.VALUE: values})
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
