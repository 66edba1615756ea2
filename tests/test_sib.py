"""Social Impact Bond arithmetic: Essex-like figures, caps, monotonicity, NPV by hand."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from demandmodel.errors import ScenarioError
from demandmodel.scenarios.effects import Effect
from demandmodel.scenarios.sib import (
    DEFAULT_EFFECT,
    SocialImpactBond,
    care_days_avoided,
    reduction_from_proportions,
)


def _essex(**overrides: object) -> SocialImpactBond:
    kwargs: dict[str, object] = {
        "referrals": [388],
        "start_year": 2013,
        "window_months": 30,
        "comparison_proportion": 0.55,
        "effect": reduction_from_proportions(0.55, 0.108),
    }
    kwargs.update(overrides)
    return SocialImpactBond(**kwargs)  # type: ignore[arg-type]


def test_essex_care_days_avoided() -> None:
    # 388 young people x (0.55 - 0.108) x 30 months of days (30 x 365.25 / 12 = 913.125)
    expected = 388 * (0.55 - 0.108) * 913.125
    assert care_days_avoided(
        388, comparison_proportion=0.55, service_proportion=0.108, window_months=30
    ) == pytest.approx(expected)
    res = _essex().simulate(n_samples=3, rng=0)
    np.testing.assert_allclose(res.care_days_avoided.sum(axis=1), expected)
    np.testing.assert_allclose(res.care_proportion, 0.108)


def test_days_spread_over_window_and_conserved() -> None:
    sib = _essex(referrals=[100, 200, 50])
    res = sib.simulate(n_samples=2, rng=0)
    per_cohort = (0.55 - 0.108) * 913.125
    np.testing.assert_allclose(res.care_days_avoided.sum(axis=1), 350 * per_cohort)
    assert res.care_days_avoided.shape == (2, len(sib.years()))
    assert (res.care_days_avoided[:, -1] > 0).all()  # the last cohort's days run past its year


@settings(max_examples=40, deadline=None)
@given(price=st.floats(0, 500), cap=st.floats(0, 2e7), n=st.integers(1, 500))
def test_payments_never_exceed_cap(price: float, cap: float, n: int) -> None:
    sib = _essex(referrals=[n, n], price_per_day=price, payment_cap=cap, effect=DEFAULT_EFFECT)
    res = sib.simulate(n_samples=50, rng=1)
    assert (res.payments >= -1e-9).all()
    assert (res.payments.sum(axis=1) <= cap + 1e-6).all()


def test_more_effect_avoids_more_care() -> None:
    small = _essex(effect=Effect.point(0.2)).simulate(n_samples=1, rng=0)
    large = _essex(effect=Effect.point(0.6)).simulate(n_samples=1, rng=0)
    assert large.care_days_avoided.sum() > small.care_days_avoided.sum()
    assert large.entries_avoided.sum() > small.entries_avoided.sum()


def test_npv_by_hand() -> None:
    # One cohort of 12 months window, point effect; days fall in referral year and the next.
    sib = SocialImpactBond(
        referrals=[100],
        start_year=2024,
        window_months=12,
        comparison_proportion=0.5,
        effect=Effect.point(0.5),
        weekly_placement_cost=700.0,
        price_per_day=50.0,
        payment_cap=1e9,
        investor_capital=1e6,
    )
    res = sib.simulate(n_samples=1, rng=0)
    days = 100 * 0.25 * 365.25  # (0.5 - 0.25) of a year's days
    np.testing.assert_allclose(res.care_days_avoided.sum(), days)
    # With referrals spread through the year, half the days fall in each of the two years.
    np.testing.assert_allclose(res.care_days_avoided[0, :2], [days / 2, days / 2])
    net_per_day = 100.0 - 50.0
    expected_npv = net_per_day * days / 2 * (1 + 1 / 1.035)
    np.testing.assert_allclose(res.council_npv, expected_npv)
    np.testing.assert_allclose(res.investor_multiple, 50 * days / 1e6)


def test_null_effects_are_possible_by_default() -> None:
    draws = DEFAULT_EFFECT.draw(20_000, np.random.default_rng(0))
    assert 0.05 < (draws <= 0).mean() < 0.2


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"comparison_proportion": 1.5}, "comparison_proportion = 1.5"),
        ({"eligible_ages": (10, 19)}, "eligible_ages"),
        ({"referrals": [10, -1]}, "referrals"),
        ({"share_of_saving": 0.5}, "exactly one of price_per_day and share_of_saving"),
        ({"payment_cap": -1.0}, "payment_cap = -1.0"),
    ],
)
def test_bad_sib_names_key_and_value(overrides: dict[str, object], message: str) -> None:
    with pytest.raises(ScenarioError, match=message.replace("(", r"\(").replace(")", r"\)")):
        _essex(**overrides)
