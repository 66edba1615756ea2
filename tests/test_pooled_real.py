"""Pooled and aggregate models on the real DfE Panel (all English LAs)."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import demandmodel


@pytest.fixture(scope="module")
def panel(shared_data: Path) -> pd.DataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", demandmodel.UnreadFileWarning)
        return demandmodel.read_dfe(shared_data / "dfe")


@pytest.mark.shared_data
def test_pooled_one_year_ahead_intervals_cover_real_cla(panel: pd.DataFrame) -> None:
    """At origin 2019, the pooled 80% / 95% intervals for 2020 hold most LAs' actual CLA."""
    spec = demandmodel.PooledSpec()
    ctx = spec.prepare(panel, measure="cla_31mar", origin=2019)
    assert len(set(ctx.groups)) == 9  # the nine English regions, from read_dfe's geography
    assert 140 <= len(ctx.codes) <= 160 and "970" not in ctx.codes
    actual = panel[(panel["measure"] == "cla_31mar") & (panel["period"] == 2020)]
    actual = actual.set_index("la_code")["value"].dropna()
    in80, in95 = [], []
    for code in ctx.codes:
        if code not in actual.index:
            continue
        try:
            fit = spec.fit(panel, la_code=code, measure="cla_31mar", origin=2019, context=ctx)
        except demandmodel.InsufficientHistoryError:
            continue
        q = np.quantile(
            fit.sample(1, n_samples=1000, rng=int(code))[:, 0], [0.025, 0.1, 0.9, 0.975]
        )
        in80.append(q[1] <= actual[code] <= q[2])
        in95.append(q[0] <= actual[code] <= q[3])
    assert len(in80) > 130
    assert 0.7 <= np.mean(in80) <= 0.95
    assert 0.88 <= np.mean(in95) <= 1.0


@pytest.mark.shared_data
def test_aggregate_rates_are_plausible_for_real_las(panel: pd.DataFrame) -> None:
    spec = demandmodel.AggregateSpec()
    ctx = spec.prepare(panel, measure="cla_31mar", origin=2019)
    rates, hazards = [], []
    for code in ctx.codes[:40]:
        try:
            fit = spec.fit(panel, la_code=code, measure="cla_31mar", origin=2019, context=ctx)
        except demandmodel.InsufficientHistoryError:
            continue
        rates.append(fit.entry_rate)
        hazards.append(fit.exit_hazard)
        paths = fit.simulate(3, n_samples=100, rng=0)
        prev = np.column_stack([np.full(100, paths.opening), paths.stock[:, :-1]])
        assert np.array_equal(paths.stock, prev + paths.entries - paths.exits + paths.adjustment)
    assert len(rates) >= 30
    # England: about 30,000 starts a year for 12 million children (25 per 10,000), and about
    # 30,000 ceases from about 110,000 at risk in a year.
    assert 15 < np.median(rates) < 45
    assert 0.2 < np.median(hazards) < 0.5
