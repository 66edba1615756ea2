"""Rolling-origin backtests over many LAs and measures, and their evaluation.

:func:`backtest` rewinds the Panel to each origin (expanding window: every year up to the origin),
refits the model for every LA, forecasts ``horizon`` years ahead and keeps one row per forecast
that has an actual to compare with. The model only ever sees rows with ``period <= origin``. When
the model cannot fit a series, the fallback chain of :func:`demandmodel.forecast_panel` is used so
that every model is scored on the same forecasts (the ``used`` column says which model ran).

:func:`evaluate` aggregates the rows by any of ``model``, ``measure``, ``horizon``, ``la_code``,
``origin``: MASE and RMSSE (scaled by the in-sample naive one-step error of each forecast's
history; the point forecast is the median), relative bias, MAPE, coverage of the 50/80/95%
intervals, the 80% and 95% Winkler scores and the mean pinball loss over the seven quantiles (both
scaled like MASE), and the scaled CRPS from the samples.

Examples
--------
>>> import numpy as np, pandas as pd
>>> from demandmodel.backtest import backtest, evaluate
>>> rng = np.random.default_rng(0)
>>> panel = pd.DataFrame({
...     "la_code": np.repeat(["301", "302"], 12), "measure": "cla_31mar",
...     "period": np.tile(np.arange(2011, 2023), 2),
...     "value": np.exp(5 + np.cumsum(rng.normal(0, 0.05, 24))).round()})
>>> rows = backtest(panel, model="naive", measures=["cla_31mar"], origins=[2018, 2019],
...                 horizon=3, n_samples=200, rng=1)
>>> len(rows), sorted(rows["horizon"].unique().tolist())
(12, [1, 2, 3])
>>> table = evaluate(rows, by=["model", "horizon"])
>>> table.columns[:4].tolist()
['model', 'horizon', 'n', 'mase']
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from concurrent.futures import Executor
from typing import Any

import numpy as np
import pandas as pd

from demandmodel import columns as C
from demandmodel import metrics
from demandmodel._random import seed_for
from demandmodel.batch import (
    DEFAULT_FALLBACKS,
    SeriesFitter,
    fallback_chain,
    plain_panel,
    series_by_la,
    series_payload,
)
from demandmodel.errors import DemandModelError
from demandmodel.models.base import ModelSpec

__all__ = ["BACKTEST_COLUMNS", "backtest", "evaluate", "forecast_rows"]

QNAMES: tuple[str, ...] = tuple(C.QUANTILES)
QLEVELS: np.ndarray = np.array(list(C.QUANTILES.values()))

BACKTEST_COLUMNS: tuple[str, ...] = (
    C.LA_CODE,
    C.MEASURE,
    C.MODEL,
    "used",
    "origin",
    "horizon",
    C.PERIOD,
    "actual",
    C.MEAN,
    *QNAMES,
    "scale",
    "scale2",
    "crps",
)
"""Columns of the per-forecast rows :func:`backtest` returns."""


def _la_block(
    la: str,
    payload: dict[str, Any],
    actual_series: pd.Series,
    gen: np.random.Generator,
) -> dict[str, Any] | None:
    """The backtest rows of one LA at one origin, as columns (``None`` when nothing to score)."""
    from demandmodel.batch import fit_payload

    origin, horizon = int(payload["origin"]), int(payload["horizon"])
    periods = np.arange(origin + 1, origin + horizon + 1)
    actual = actual_series.reindex(periods).to_numpy(dtype=float)
    ok = np.isfinite(actual)
    if not ok.any():
        return None
    fitted, used, _ = fit_payload(la, payload)
    if fitted is None:
        return None
    try:
        paths = fitted.sample(horizon, n_samples=int(payload["n_samples"]), rng=gen)
    except DemandModelError:
        return None
    hist = fitted.history.to_numpy(dtype=float)
    qs = np.quantile(paths, QLEVELS, axis=0)
    block: dict[str, Any] = {
        C.LA_CODE: la,
        "used": used,
        "horizon": np.arange(1, horizon + 1)[ok],
        C.PERIOD: periods[ok],
        "actual": actual[ok],
        C.MEAN: paths.mean(axis=0)[ok],
        "scale": metrics.naive_scale(hist),
        "scale2": metrics.naive_scale2(hist),
        "crps": metrics.crps_samples(actual[ok], paths.T[ok]),
    }
    for qn, qv in zip(QNAMES, qs, strict=True):
        block[qn] = qv[ok]
    return block


def _backtest_task(
    key: Any, payload: dict[str, Any], rng: np.random.Generator
) -> dict[str, Any] | None:
    """One (LA, measure, origin) forecast reduced to its scored rows (a worker's whole job)."""
    return _la_block(str(key[0]), payload, payload["actual"], rng)


def _origin_payloads(
    chain: list[Any],
    panel: pd.DataFrame,
    *,
    measure: str,
    origin: int,
    horizon: int,
    n_samples: int,
    la_codes: Sequence[str] | None,
    full: dict[str, pd.Series | None],
    eager: bool,
) -> dict[str, dict[str, Any]]:
    """Per-LA payloads at one origin: contexts prepared once here, actuals attached."""
    cut = plain_panel(panel.loc[pd.to_numeric(panel[C.PERIOD]) <= origin])
    fitter = SeriesFitter(chain, cut, measure=measure, origin=origin)
    contexts = fitter.all_contexts() if eager else {}
    codes = list(full) if la_codes is None else [str(c) for c in la_codes]
    present = {la: full[la] for la in codes if full.get(la) is not None}
    payloads = series_payload(
        chain,
        cut,
        measure=measure,
        origin=origin,
        la_codes=list(present),
        series=present,
        contexts=contexts,
    )
    for la, pl in payloads.items():
        pl.update(horizon=horizon, n_samples=n_samples, actual=present[la])
        if not eager:  # in-process: one fitter, contexts prepared on first use as before
            pl["fitter"] = fitter
    return payloads


def _blocks_frame(
    blocks: list[dict[str, Any]], *, measure: str, name: str, origin: Any
) -> pd.DataFrame:
    out = pd.concat([pd.DataFrame(b) for b in blocks], ignore_index=True)
    out[C.MEASURE] = measure
    out[C.MODEL] = name
    if origin is not None:
        out["origin"] = origin
    return out


def forecast_rows(
    spec: Any,
    panel: pd.DataFrame,
    *,
    measure: str,
    origin: int,
    horizon: int,
    la_codes: Sequence[str] | None = None,
    n_samples: int = 500,
    rng: int | np.random.SeedSequence | None = 0,
    fallbacks: Sequence[str] = DEFAULT_FALLBACKS,
    label: str | None = None,
    series: dict[str, pd.Series | None] | None = None,
) -> pd.DataFrame:
    """Backtest rows of one model, one measure, one origin (see :func:`backtest`).

    ``series`` (every LA's full series of the measure, as from ``series_by_la``) may be passed
    to save work when called for many origins; actuals come from it, the fit sees only
    ``period <= origin``.
    """
    chain = fallback_chain(spec, fallbacks)
    name = str(label or getattr(chain[0], "name", str(spec)))
    full = series if series is not None else series_by_la(panel, measure)
    payloads = _origin_payloads(
        chain,
        panel,
        measure=measure,
        origin=origin,
        horizon=horizon,
        n_samples=n_samples,
        la_codes=la_codes,
        full=full,
        eager=False,
    )
    blocks: list[dict[str, Any]] = []
    for la, pl in payloads.items():
        gen = np.random.default_rng(seed_for(rng, la, measure, origin))
        block = _la_block(la, pl, pl["actual"], gen)
        if block is not None:
            blocks.append(block)
    if not blocks:
        return pd.DataFrame(columns=list(BACKTEST_COLUMNS))
    out = _blocks_frame(blocks, measure=measure, name=name, origin=origin)
    return out[list(BACKTEST_COLUMNS)]


def backtest(
    panel: pd.DataFrame,
    *,
    model: str | ModelSpec | Sequence[str | ModelSpec] = "auto",
    measures: Iterable[str],
    origins: Iterable[int],
    horizon: int = 3,
    la_codes: Sequence[str] | None = None,
    n_samples: int = 500,
    rng: int | np.random.SeedSequence | None = 0,
    fallbacks: Sequence[str] = DEFAULT_FALLBACKS,
    n_jobs: int = 1,
    executor: Executor | None = None,
    progress: bool | None = None,
) -> pd.DataFrame:
    """Rolling-origin backtest: refit at every origin, forecast, compare with what happened.

    Parameters
    ----------
    panel
        The long Panel, including the years after the origins (the actuals).
    model
        A model name or spec, or several.
    measures, origins, horizon
        What to forecast, from which origins, how far ahead.
    la_codes
        Which LAs (default: every code in the panel with the measure).
    n_samples, rng
        Paths per forecast and the root seed (keyed by LA, measure and origin).
    fallbacks
        Models used when the model cannot fit a series.
    n_jobs, executor
        Run the (LA, measure, origin) tasks of each model on ``n_jobs`` processes or on any
        ``concurrent.futures.Executor`` (a Dask client's ``get_executor()``); contexts are
        prepared once per (measure, origin) here and shipped; each task returns only its scored
        rows. The rows are bit-identical for any ``n_jobs``/executor.
    progress
        Progress bar when running in parallel (default: only when standard error is a terminal).

    Returns
    -------
    pandas.DataFrame
        One row per forecast with an actual (columns :data:`BACKTEST_COLUMNS`).
    """
    from demandmodel.parallel import map_tasks

    panel = plain_panel(panel)
    models = [model] if isinstance(model, str) or not isinstance(model, Sequence) else model
    measures = list(measures)
    origins = [int(o) for o in origins]
    fulls: dict[str, dict[str, pd.Series | None]] = {}
    for measure in measures:
        fulls[measure] = series_by_la(panel, measure)
        if not fulls[measure]:
            raise DemandModelError(f"The panel has no rows for measure {measure!r}.")
    serial = executor is None and n_jobs == 1
    parts: dict[tuple[str, int, int], pd.DataFrame] = {}
    for j, m in enumerate(models):
        if serial:
            for measure in measures:
                for origin in origins:
                    parts[(measure, j, origin)] = forecast_rows(
                        m,
                        panel,
                        measure=measure,
                        origin=origin,
                        horizon=horizon,
                        la_codes=la_codes,
                        n_samples=n_samples,
                        rng=rng,
                        fallbacks=fallbacks,
                        series=fulls[measure],
                    )
            continue
        chain = fallback_chain(m, fallbacks)
        name = str(getattr(chain[0], "name", str(m)))
        tasks: dict[Hashable, dict[str, Any]] = {}
        for measure in measures:
            for origin in origins:
                payloads = _origin_payloads(
                    chain,
                    panel,
                    measure=measure,
                    origin=origin,
                    horizon=horizon,
                    n_samples=n_samples,
                    la_codes=la_codes,
                    full=fulls[measure],
                    eager=True,
                )
                for la, pl in payloads.items():
                    tasks[(la, measure, origin)] = pl
        done = map_tasks(
            _backtest_task,
            tasks,
            n_jobs=n_jobs,
            executor=executor,
            rng=0 if rng is None else rng,
            progress=progress,
            description=f"backtest {name}",
        )
        if len(done.failures):
            first = done.failures.iloc[0]
            raise DemandModelError(
                f"{len(done.failures)} backtest task(s) failed unexpectedly, e.g. {first['task']}: "
                f"{first['error']}: {first['message']}"
            )
        for measure in measures:
            for origin in origins:
                blocks = [
                    b
                    for key, b in done.results.items()
                    if b is not None and key[1:] == (measure, origin)  # type: ignore[index]
                ]
                if blocks:
                    frame = _blocks_frame(blocks, measure=measure, name=name, origin=origin)
                    parts[(measure, j, origin)] = frame[list(BACKTEST_COLUMNS)]
    # the order of the serial loops: measure, then model, then origin
    frames = [
        parts[(measure, j, origin)]
        for measure in measures
        for j in range(len(models))
        for origin in origins
        if (measure, j, origin) in parts
    ]
    frames = [f for f in frames if len(f)]
    if not frames:
        return pd.DataFrame(columns=list(BACKTEST_COLUMNS))
    return pd.concat(frames, ignore_index=True)


def _summarise(g: pd.DataFrame) -> dict[str, float]:
    a = g["actual"].to_numpy(dtype=float)
    med = g["q50"].to_numpy(dtype=float)
    scale = g["scale"].to_numpy(dtype=float)
    good = np.isfinite(scale) & (scale > 0)
    s = np.where(good, scale, np.nan)
    w80 = metrics.interval_score(a, g["q10"], g["q90"], 0.2) / s
    w95 = metrics.interval_score(a, g["q025"], g["q975"], 0.05) / s
    pin = np.mean(
        [metrics.pinball(a, g[qn], float(q)) for qn, q in zip(QNAMES, QLEVELS, strict=True)],
        axis=0,
    )
    return {
        "n": float(len(g)),
        "mase": metrics.mase(a, med, scale=scale),
        "rmsse": metrics.rmsse(a, med, scale2=g["scale2"].to_numpy(dtype=float)),
        "bias": metrics.bias(a, med),
        "mape": metrics.mape(a, med),
        "cov50": metrics.coverage(a, g["q25"], g["q75"]),
        "cov80": metrics.coverage(a, g["q10"], g["q90"]),
        "cov95": metrics.coverage(a, g["q025"], g["q975"]),
        "winkler80": float(np.nanmean(w80)),
        "winkler95": float(np.nanmean(w95)),
        "pinball": float(np.nanmean(pin / s)),
        "crps": float(np.nanmean(g["crps"].to_numpy(dtype=float) / s)),
    }


def evaluate(
    rows: pd.DataFrame, *, by: Sequence[str] = (C.MODEL, C.MEASURE, "horizon")
) -> pd.DataFrame:
    """Aggregate backtest rows into a metric table, one row per group of ``by``.

    Scaled metrics (``mase``, ``rmsse``, ``winkler80``, ``winkler95``, ``pinball``, ``crps``)
    divide each forecast's error by its own history's naive one-step MAE (forecasts whose history
    never moved are left out of them); ``bias`` is the mean relative error of the median
    (positive = over-forecast); ``mape`` is in percent; ``cov*`` are shares.
    """
    missing = [c for c in (*by, "actual", "q50", "scale") if c not in rows.columns]
    if missing:
        raise DemandModelError(
            f"Backtest rows have no column(s) {missing}; pass the output of demandmodel.backtest."
        )
    records = []
    for key, g in rows.groupby(list(by), sort=True):
        keys = key if isinstance(key, tuple) else (key,)
        records.append({**dict(zip(by, keys, strict=True)), **_summarise(g)})
    out = pd.DataFrame(records)
    if len(out):
        out["n"] = out["n"].astype(int)
    return out
