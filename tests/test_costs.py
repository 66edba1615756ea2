"""Costs: linear in unit costs and children, inflation and discounting by hand-worked examples."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from demandmodel.costs import (
    DEFAULT_PROVIDER_MIX,
    UnitCosts,
    annual_cost,
    category_cost,
    discount_factors,
    real_terms,
)
from demandmodel.errors import ScenarioError


def test_inflation_compounds_from_price_year() -> None:
    costs = UnitCosts(placement_inflation=0.10)
    assert costs.weekly("ifa_fostering", year=2021) == pytest.approx(820.0)
    assert costs.weekly("ifa_fostering", year=2023) == pytest.approx(820.0 * 1.21)
    assert costs.weekly("ifa_fostering", year=2020) == pytest.approx(820.0 / 1.1)


def test_annual_cost_by_hand() -> None:
    children = np.array([[10.0, 20.0]])
    out = annual_cost(
        children,
        "in_house_fostering",
        years=[2017, 2018],
        unit_costs=UnitCosts(placement_inflation=0.0),
    )
    weeks = 365.25 / 7
    np.testing.assert_allclose(out, [[10 * 646 * weeks, 20 * 646 * weeks]])


@given(
    scale=st.floats(0.1, 10.0),
    children=st.lists(st.floats(0, 500, allow_subnormal=False), min_size=1, max_size=5),
)
def test_costs_scale_linearly(scale: float, children: list[float]) -> None:
    base = UnitCosts()
    scaled = UnitCosts(table={k: (v * scale, y) for k, (v, y) in base.table.items()})
    arr = np.array([children])
    years = list(range(2023, 2023 + len(children)))
    a = annual_cost(arr, "external_residential", years=years, unit_costs=base)
    b = annual_cost(arr, "external_residential", years=years, unit_costs=scaled)
    np.testing.assert_allclose(b, a * scale, rtol=1e-9)
    doubled = annual_cost(arr * 2, "external_residential", years=years, unit_costs=base)
    np.testing.assert_allclose(doubled, 2 * a, rtol=1e-9)


def test_category_cost_splits_by_provider_mix() -> None:
    out = category_cost(
        np.full((3, 2), 100.0), "fostering", years=[2024, 2025], unit_costs=UnitCosts()
    )
    mix = DEFAULT_PROVIDER_MIX["fostering"]
    for sub, share in mix.items():
        expected = annual_cost(
            np.full((3, 2), 100.0 * share), sub, years=[2024, 2025], unit_costs=UnitCosts()
        )
        np.testing.assert_allclose(out[sub], expected)


def test_discounting_and_real_terms_by_hand() -> None:
    np.testing.assert_allclose(
        discount_factors([2024, 2025, 2026], base_year=2024), [1, 1 / 1.035, 1 / 1.035**2]
    )
    np.testing.assert_allclose(
        real_terms(np.array([100.0, 102.0]), [2024, 2025], base_year=2024, cpi=0.02), [100, 100]
    )


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"table": {"ifa_fostering": (-5.0, 2021)}}, "must be zero or more"),
        ({"placement_inflation": 3.0}, "placement_inflation"),
    ],
)
def test_bad_unit_costs_name_key_and_value(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ScenarioError, match=message):
        UnitCosts(**kwargs)  # type: ignore[arg-type]


def test_unknown_sub_type_lists_known_ones() -> None:
    with pytest.raises(ScenarioError, match="known: "):
        UnitCosts().weekly("castle", year=2024)
    with pytest.raises(ScenarioError, match="share must be between 0 and 1"):
        category_cost(
            np.ones((1, 1)),
            "fostering",
            years=[2024],
            unit_costs=UnitCosts(),
            provider_mix={"fostering": {"in_house_fostering": 1.5}},
        )
