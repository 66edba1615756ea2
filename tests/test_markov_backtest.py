"""Backtests: rewinding uses only what was known at the origin; intervals cover what happened."""

from __future__ import annotations

import numpy as np
import pandas as pd
from markov_sim import simulate_episodes

from demandmodel import MarkovModel, StateSpace, markov_backtest, markov_backtest_summary
from demandmodel.models.markov import rewind


def test_rewind_keeps_only_what_was_known() -> None:
    ep = simulate_episodes(n_children=400, horizon=1500)
    origin = pd.Timestamp("2017-06-30")
    known = rewind(ep, origin)
    assert (known["start"] <= origin).all()
    assert not (known["end"] > origin).any()
    # The stock on the origin is the same with or without the future.
    full = MarkovModel().fit(ep, reference_start="2016-01-01", reference_end="2017-06-30")
    past = MarkovModel().fit(known, reference_start="2016-01-01", reference_end="2017-06-30")
    pd.testing.assert_series_equal(full.stock_at(origin), past.stock_at(origin))
    # ...and so are the rates: the window ends on the origin.
    np.testing.assert_allclose(full.rates()["rate"], past.rates()["rate"])


def test_backtest_intervals_cover_a_stationary_process() -> None:
    ep = simulate_episodes(n_children=2500, horizon=2200, seed=5)
    space = StateSpace(age_edges=(0, 18))
    res = markov_backtest(
        ep,
        origins=["2018-06-30", "2019-01-31"],
        reference_years=2.0,
        horizon_years=2,
        model=MarkovModel(space=space),
        samples=300,
        rng=2,
    )
    assert {"origin", "date", "horizon", "actual", "mean", "q025", "q975", "in80", "in95"} <= set(
        res.columns
    )
    assert set(res["horizon"]) <= {1, 2}
    total = res[res["kind"] == "total"]
    assert len(total) >= 3
    # Honest check with slack for a handful of comparisons: most totals inside the 95% band and
    # the mean within 10% of the truth.
    assert total["in95"].mean() >= 0.6
    assert ((total["mean"] - total["actual"]).abs() / total["actual"]).max() < 0.10
    summ = markov_backtest_summary(res)
    assert {"coverage80", "coverage95", "mae"} <= set(summ.columns)
