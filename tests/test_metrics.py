"""Metrics: identities, closed forms and the defining properties of MASE."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from demandmodel import metrics

finite = st.floats(min_value=-1e4, max_value=1e4, allow_nan=False)


def test_mase_of_perfect_forecast_is_zero() -> None:
    y = np.array([5.0, 7.0, 6.0, 9.0])
    assert metrics.mase(y, y, scale=metrics.naive_scale([1.0, 3.0, 2.0])) == 0.0
    assert metrics.rmsse(y, y, scale2=2.0) == 0.0


def test_mase_of_naive_on_random_walk_is_about_one() -> None:
    rng = np.random.default_rng(7)
    walks = np.cumsum(rng.normal(0, 1, size=(4000, 31)), axis=1)
    hist, nxt = walks[:, :30], walks[:, 30]
    scale = np.array([metrics.naive_scale(h) for h in hist])
    value = metrics.mase(nxt, hist[:, -1], scale=scale)
    assert value == pytest.approx(1.0, abs=0.05)


def test_mase_skips_zero_scale() -> None:
    assert metrics.mase([2.0, 3.0], [1.0, 1.0], scale=[0.0, 1.0]) == 2.0
    assert np.isnan(metrics.mase([2.0], [1.0], scale=[0.0]))


def test_crps_from_gaussian_samples_matches_closed_form() -> None:
    rng = np.random.default_rng(3)
    for y, mu, sd in [(0.3, 0.0, 1.0), (12.0, 10.0, 3.0), (-4.0, 1.0, 0.5)]:
        samples = rng.normal(mu, sd, 200_000)
        got = float(metrics.crps_samples(y, samples))
        want = float(metrics.crps_gaussian(y, mu, sd))
        assert got == pytest.approx(want, rel=0.02)


@settings(max_examples=50, deadline=None)
@given(st.lists(finite, min_size=1, max_size=12), finite)
def test_crps_samples_equals_brute_force(xs: list[float], y: float) -> None:
    x = np.array(xs)
    brute = np.mean(np.abs(x - y)) - 0.5 * np.mean(np.abs(x[:, None] - x[None, :]))
    assert float(metrics.crps_samples(y, x)) == pytest.approx(brute, abs=1e-6, rel=1e-9)


@settings(max_examples=100, deadline=None)
@given(finite, finite, st.floats(min_value=0, max_value=1e3), st.sampled_from([0.05, 0.2, 0.5]))
def test_winkler_equals_scaled_pinball_pair(
    y: float, lo: float, width: float, alpha: float
) -> None:
    hi = lo + width
    ws = float(metrics.interval_score(y, lo, hi, alpha))
    pin = float(metrics.pinball(y, lo, alpha / 2) + metrics.pinball(y, hi, 1 - alpha / 2))
    assert ws == pytest.approx((2 / alpha) * pin, rel=1e-9, abs=1e-6)


@settings(max_examples=100, deadline=None)
@given(finite, finite, st.floats(min_value=0.01, max_value=0.99))
def test_pinball_is_nonnegative_and_zero_at_truth(y: float, f: float, q: float) -> None:
    assert float(metrics.pinball(y, f, q)) >= 0
    assert float(metrics.pinball(y, y, q)) == 0


def test_pinball_median_is_half_absolute_error() -> None:
    assert float(metrics.pinball(3.0, 7.0, 0.5)) == 2.0


def test_coverage_bias_mape() -> None:
    assert metrics.coverage([1, 2, 3, 4], [0, 0, 0, 0], [2, 2, 2, 2]) == 0.5
    assert metrics.bias([100.0], [90.0]) == pytest.approx(-0.1)
    assert metrics.mape([100.0, 50.0], [90.0, 60.0]) == pytest.approx(15.0)
    assert np.isnan(metrics.mape([0.0], [1.0]))


def test_naive_scale_ignores_gaps() -> None:
    assert metrics.naive_scale([1.0, 3.0, np.nan, 4.0]) == 2.0
    assert np.isnan(metrics.naive_scale([5.0]))
