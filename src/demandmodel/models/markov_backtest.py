"""Backtesting the Markov model: rewind the returns to an origin, fit, project, compare.

:func:`rewind` keeps only what was known on a date; :func:`markov_backtest` fits on the years
before each origin and compares the projection with the stocks that followed;
:func:`markov_backtest_summary` turns that into interval coverage and error by horizon.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from demandmodel._random import RNGLike, as_generator
from demandmodel.errors import InsufficientHistoryError
from demandmodel.models.markov_chain import aggregation
from demandmodel.models.markov_fit import MarkovModel, _data_end, _la
from demandmodel.models.states import care_segments, days, stock_at


def rewind(episodes: pd.DataFrame, date: Any) -> pd.DataFrame:
    """The episodes as they were known on ``date``: later starts removed, later ends set open.

    Examples
    --------
    >>> ep = pd.DataFrame({"start": pd.to_datetime(["2020-01-01", "2021-06-01"]),
    ...                    "end": pd.to_datetime(["2021-01-01", None]), "reason_end": ["E4A", None]})
    >>> rewind(ep, "2020-06-30")["end"].isna().tolist()
    [True]
    """
    day = pd.Timestamp(date).normalize()
    start = pd.to_datetime(episodes["start"])
    out = episodes[(start <= day).to_numpy()].copy()
    end = pd.to_datetime(out["end"])
    later = (end > day).fillna(False).to_numpy(dtype=bool)
    out["end"] = end.where(~later)
    if "reason_end" in out.columns:
        out["reason_end"] = out["reason_end"].where(~later)
    return out.reset_index(drop=True)


def markov_backtest(
    episodes: pd.DataFrame,
    *,
    origins: Sequence[Any],
    reference_years: float = 2.0,
    horizon_years: int = 3,
    model: MarkovModel | None = None,
    samples: int = 500,
    rng: RNGLike = None,
    population: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Rewind to each origin, fit on the ``reference_years`` before it, project, compare with actuals.

    Compared at each anniversary of the origin up to ``horizon_years`` (and no later than the data),
    for every state and aggregate. Returns long rows: ``origin, date, horizon`` (years), the
    series labels, ``actual``, ``mean`` and the quantiles, ``abs_error``, ``in80``, ``in95``.
    """
    model = model or MarkovModel()
    gen = as_generator(rng)
    full, _ = care_segments(episodes, model.space)
    data_end = _data_end(episodes)
    if data_end is None:
        raise InsufficientHistoryError(la_code=_la(episodes), measure="cla episodes", n=0, needed=1)
    rows = []
    for origin in origins:
        o = pd.Timestamp(origin).normalize()
        dates = [o + pd.DateOffset(years=h) for h in range(1, horizon_years + 1)]
        dates = [d for d in dates if d <= data_end]
        if not dates:
            continue
        known = rewind(episodes, o)
        ref0 = o - pd.DateOffset(days=round(reference_years * 365.25) - 1)
        fit = model.fit(known, reference_start=ref0, reference_end=o, population=population)
        fc = fit.project(start=o, end=dates[-1], samples=samples, rng=gen, record=dates)
        _series, weights = aggregation(fit.labels)
        actual = np.stack(
            [weights @ stock_at(full, model.space, float(days([d])[0])) for d in dates]
        )
        frame = fc.to_frame()
        frame["actual"] = actual.ravel()
        frame.insert(0, "origin", o)
        frame = frame.rename(columns={"period": "date"})
        frame["horizon"] = [round((pd.Timestamp(d) - o).days / 365.25) for d in frame["date"]]
        rows.append(frame)
    if not rows:
        raise InsufficientHistoryError(la_code=_la(episodes), measure="cla episodes", n=0, needed=1)
    out = pd.concat(rows, ignore_index=True)
    out["abs_error"] = (out["mean"] - out["actual"]).abs()
    out["in80"] = (out["actual"] >= out["q10"]) & (out["actual"] <= out["q90"])
    out["in95"] = (out["actual"] >= out["q025"]) & (out["actual"] <= out["q975"])
    return out


def markov_backtest_summary(results: pd.DataFrame) -> pd.DataFrame:
    """Coverage of the 80% and 95% intervals and mean absolute error, by series kind and horizon
    (coverage via :func:`demandmodel.metrics.coverage`)."""
    from demandmodel import metrics

    def one(g: pd.DataFrame) -> pd.Series:
        return pd.Series(
            {
                "n": len(g),
                "coverage80": metrics.coverage(g["actual"], g["q10"], g["q90"]),
                "coverage95": metrics.coverage(g["actual"], g["q025"], g["q975"]),
                "mae": float(g["abs_error"].mean()),
                "mean_actual": float(g["actual"].mean()),
            }
        )

    parts = [one(g).rename(key) for key, g in results.groupby(["kind", "horizon"], sort=True)]
    return pd.DataFrame(parts).rename_axis(["kind", "horizon"]).reset_index()
