"""Multi-state Markov model of looked-after children (DESIGN 4.3): the public entry point.

Everything is importable from here; the code lives in one module per idea:

* :mod:`demandmodel.models.markov_numerics`: the time grid, record dates, ``expm(Q dt)`` with its
  integral, and exact sparse binomial draws;
* :mod:`demandmodel.models.markov_chain`: :class:`MarkovChain` (exact moments and vectorised
  Monte Carlo), :class:`Moments`, :class:`RateMultiplier` (scenario hooks) and the series
  :func:`aggregation`;
* :mod:`demandmodel.models.markov_fit`: :class:`MarkovModel` (the specification) and
  :class:`MarkovFit` (estimated rates, stocks, projections);
* :mod:`demandmodel.models.markov_backtest`: :func:`rewind`, :func:`markov_backtest` and
  :func:`markov_backtest_summary`.

Examples
--------
Two states, ``a -> b`` at 0.01 a day and ``b -> a`` at 0.03: the steady state is 75% in ``a``.

>>> import numpy as np, pandas as pd
>>> from demandmodel.models.markov import MarkovChain
>>> chain = MarkovChain.from_generator(np.array([[-0.01, 0.03], [0.01, -0.03]]), states=["a", "b"])
>>> mom = chain.moments(initial=np.array([1000.0, 0.0]), start="2020-01-01", end="2023-01-01")
>>> [round(float(x)) for x in mom.mean[-1]]
[750, 250]
"""

from __future__ import annotations

from demandmodel.models.markov_backtest import markov_backtest, markov_backtest_summary, rewind
from demandmodel.models.markov_chain import (
    KINDS,
    LABEL_COLUMNS,
    MarkovChain,
    Moments,
    RateMultiplier,
    aggregation,
)
from demandmodel.models.markov_fit import MarkovFit, MarkovModel
from demandmodel.models.markov_fit import _data_end as _data_end
from demandmodel.models.markov_fit import _end as _end
from demandmodel.models.markov_fit import _la as _la
from demandmodel.models.markov_numerics import _binomial as _binomial
from demandmodel.models.markov_numerics import _binomial_sparse as _binomial_sparse
from demandmodel.models.markov_numerics import expm_and_integral, record_points, time_grid

__all__ = [
    "KINDS",
    "LABEL_COLUMNS",
    "MarkovChain",
    "MarkovFit",
    "MarkovModel",
    "Moments",
    "RateMultiplier",
    "aggregation",
    "expm_and_integral",
    "markov_backtest",
    "markov_backtest_summary",
    "record_points",
    "rewind",
    "time_grid",
]
