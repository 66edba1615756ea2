"""Helpers for testing code built on demandmodel (and for demandmodel's own tests).

Examples
--------
>>> import numpy as np
>>> from demandmodel.testing import simulate_stock_task
>>> q = simulate_stock_task(("301", "cla_31mar"), {"start": 400.0, "years": 3}, np.random.default_rng(1))
>>> q.shape
(3, 3)
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from typing import Any

import numpy as np


def simulate_stock_task(
    key: Hashable, payload: Mapping[str, Any], rng: np.random.Generator
) -> np.ndarray:
    """A small stock-and-flow simulation usable as a :func:`demandmodel.parallel.map_tasks` task.

    Simulates ``n_samples`` paths of ``S[t+1] = S[t] + Poisson(entries) - Binomial(S[t], exit_p)``
    and returns the 10th, 50th and 90th percentiles per year, shape ``(3, years)``.

    Parameters
    ----------
    key
        The task key (unused, but part of the task-function signature).
    payload
        ``start`` stock, ``years``, optional ``entries`` (default 0.45 x start), ``exit_p``
        (default 0.45) and ``n_samples`` (default 1000).
    rng
        Random generator for this task.
    """
    del key
    start = float(payload["start"])
    years = int(payload["years"])
    n = int(payload.get("n_samples", 1000))
    entries = float(payload.get("entries", 0.45 * start))
    exit_p = float(payload.get("exit_p", 0.45))
    stock = np.full(n, round(start), dtype=np.int64)
    paths = np.empty((n, years))
    for t in range(years):
        stock = stock + rng.poisson(entries, n) - rng.binomial(stock, exit_p)
        paths[:, t] = stock
    return np.asarray(np.quantile(paths, [0.1, 0.5, 0.9], axis=0))
