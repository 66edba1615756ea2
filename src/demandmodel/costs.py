"""Placement costs on forecast samples: unit costs, provider mix, price inflation, discounting.

Costs are computed on every simulated path, so spend has intervals exactly as the number of
children does. Annual spend on a placement type in year ``t`` is

.. math:: \\text{cost}_t = \\bar S_t \\times w \\times 52.18 \\times (1 + \\pi)^{t - t_0}

with :math:`\\bar S_t` the children in that placement (average over the year, or the 31 March stock
as a proxy), :math:`w` the weekly unit cost in prices of year :math:`t_0`, and :math:`\\pi` the
placement-price inflation, which is kept separate from general (CPI) inflation because placement
prices have risen much faster. Multi-year totals are discounted at the HM Treasury Green Book rate
(3.5% a year) by default.

Default weekly unit costs (cash prices of the year shown; set your own - these are starting points):

==========================  ========  ====  ===============================================
sub-type                    weekly £  year  source
==========================  ========  ====  ===============================================
in_house_fostering               646  2017  PSSRU Unit Costs 2017
ifa_fostering                    820  2021  CMA children's social care market study
friends_family_fostering         646  2017  assumed equal to in-house fostering (no
                                            national figure; set your own)
in_house_residential            6120  2024  NAO 2025: £318,400 a year per home place
external_residential            3830  2021  CMA, largest private providers
secure                          4027  2019  Children's Commissioner: about £210,000 a year
supported                        620  2023  one LA's FOI (range £260-£6,800)
placed_with_parents                0  2022  no placement fee (social work time is in caseload)
adoption                           0  2022  no weekly fee (inter-agency fees are one-off)
other                            820  2021  assumed equal to IFA fostering
==========================  ========  ====  ===============================================

Examples
--------
>>> import numpy as np
>>> from demandmodel.costs import UnitCosts, annual_cost
>>> costs = UnitCosts()
>>> round(costs.weekly("ifa_fostering", year=2021))
820
>>> stock = np.full((2, 1), 10.0)  # 10 children in IFA fostering, 2 samples, 1 year
>>> round(float(annual_cost(stock, "ifa_fostering", years=[2021], unit_costs=costs)[0, 0]))
427864
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType

import numpy as np

from demandmodel.errors import ScenarioError

WEEKS_PER_YEAR = 365.25 / 7
GREEN_BOOK_RATE = 0.035

DEFAULT_WEEKLY: Mapping[str, tuple[float, int]] = MappingProxyType(
    {
        "in_house_fostering": (646.0, 2017),
        "ifa_fostering": (820.0, 2021),
        "friends_family_fostering": (646.0, 2017),
        "in_house_residential": (6120.0, 2024),
        "external_residential": (3830.0, 2021),
        "secure": (4027.0, 2019),
        "supported": (620.0, 2023),
        "placed_with_parents": (0.0, 2022),
        "adoption": (0.0, 2022),
        "other": (820.0, 2021),
    }
)
"""Weekly unit cost and its price year per placement sub-type (see the module docstring)."""

DEFAULT_PROVIDER_MIX: Mapping[str, Mapping[str, float]] = MappingProxyType(
    {
        "fostering": MappingProxyType(
            {"in_house_fostering": 0.47, "ifa_fostering": 0.35, "friends_family_fostering": 0.18}
        ),
        "residential": MappingProxyType(
            {"in_house_residential": 0.15, "external_residential": 0.80, "secure": 0.05}
        ),
        "supported": MappingProxyType({"supported": 1.0}),
        "placed_with_parents": MappingProxyType({"placed_with_parents": 1.0}),
        "adoption": MappingProxyType({"adoption": 1.0}),
        "other": MappingProxyType({"other": 1.0}),
    }
)
"""How each broad placement category splits into costed sub-types (England-like shares; estimate
your own from SSDA903 ``PLACE``/``PLACE_PROVIDER`` with :func:`provider_mix_from_episodes`)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class UnitCosts:
    """Weekly unit costs per placement sub-type, with price inflation.

    Parameters
    ----------
    table
        Sub-type -> (weekly cost in £, price year). Defaults: :data:`DEFAULT_WEEKLY`.
    placement_inflation
        Annual growth of placement prices (default 4%: placement prices have outrun CPI).
    cpi
        Annual general inflation, used only to express costs in real terms (default 2%).
    """

    table: Mapping[str, tuple[float, int]] = field(default_factory=lambda: dict(DEFAULT_WEEKLY))
    placement_inflation: float = 0.04
    cpi: float = 0.02

    def __post_init__(self) -> None:
        for name, (cost, year) in self.table.items():
            if not np.isfinite(cost) or cost < 0:
                raise ScenarioError(
                    f"Unit cost for {name!r} is {cost!r}; weekly costs must be zero or more."
                )
            if not 1990 <= int(year) <= 2100:
                raise ScenarioError(f"Unit cost for {name!r} has price year {year!r}.")
        for key in ("placement_inflation", "cpi"):
            value = getattr(self, key)
            if not -0.5 < value < 1.0:
                raise ScenarioError(f"{key} = {value!r} is not a plausible annual rate.")

    def weekly(self, sub_type: str, *, year: int) -> float:
        """Weekly cost of ``sub_type`` in cash prices of ``year``."""
        try:
            cost, base = self.table[sub_type]
        except KeyError:
            raise ScenarioError(
                f"No unit cost for placement sub-type {sub_type!r}; known: {sorted(self.table)}."
            ) from None
        return float(cost * (1.0 + self.placement_inflation) ** (year - base))

    def with_cost(self, sub_type: str, weekly: float, year: int) -> UnitCosts:
        """A copy with one unit cost replaced (the original is unchanged)."""
        table = dict(self.table)
        table[sub_type] = (float(weekly), int(year))
        return UnitCosts(table=table, placement_inflation=self.placement_inflation, cpi=self.cpi)


def annual_cost(
    children: np.ndarray,
    sub_type: str,
    *,
    years: Sequence[int],
    unit_costs: UnitCosts,
) -> np.ndarray:
    """Annual cash cost of ``children`` in one placement sub-type.

    Parameters
    ----------
    children
        Children in the placement, ``(sample, year)`` (average over the year, or the 31 March stock).
    sub_type
        A key of ``unit_costs.table``.
    years
        The year of each column (years ending 31 March).
    unit_costs
        Unit costs and inflation.

    Returns
    -------
    numpy.ndarray
        Cost in £ per sample and year, same shape as ``children``.
    """
    arr = np.asarray(children, dtype=float)
    if arr.shape[-1] != len(years):
        raise ScenarioError(f"{arr.shape[-1]} columns of children but {len(years)} years given.")
    price = np.array([unit_costs.weekly(sub_type, year=int(y)) for y in years])
    return np.asarray(arr * price * WEEKS_PER_YEAR)


def category_cost(
    children: np.ndarray,
    category: str,
    *,
    years: Sequence[int],
    unit_costs: UnitCosts,
    provider_mix: Mapping[str, Mapping[str, float]] = DEFAULT_PROVIDER_MIX,
) -> dict[str, np.ndarray]:
    """Cost of a broad placement category split into its sub-types by the provider mix.

    Examples
    --------
    >>> import numpy as np
    >>> out = category_cost(np.full((1, 1), 100.0), "fostering", years=[2021], unit_costs=UnitCosts())
    >>> sorted(out)
    ['friends_family_fostering', 'ifa_fostering', 'in_house_fostering']
    """
    try:
        mix = provider_mix[category]
    except KeyError:
        raise ScenarioError(
            f"No provider mix for placement category {category!r}; known: {sorted(provider_mix)}."
        ) from None
    check_shares(mix, where=f"provider_mix[{category!r}]")
    return {
        sub: annual_cost(np.asarray(children) * share, sub, years=years, unit_costs=unit_costs)
        for sub, share in mix.items()
    }


def check_shares(shares: Mapping[str, float], *, where: str) -> None:
    """Raise :class:`ScenarioError` unless ``shares`` are in [0, 1] and sum to 1."""
    for key, value in shares.items():
        if not 0.0 <= value <= 1.0:
            raise ScenarioError(f"{where}[{key!r}] = {value!r}; a share must be between 0 and 1.")
    total = sum(shares.values())
    if abs(total - 1.0) > 1e-6:
        raise ScenarioError(f"{where} shares sum to {total:.4f}; they must sum to 1.")


def discount_factors(
    years: Sequence[int], *, base_year: int, rate: float = GREEN_BOOK_RATE
) -> np.ndarray:
    """Green Book discount factors ``1 / (1 + rate) ** (year - base_year)``.

    Examples
    --------
    >>> [round(float(f), 4) for f in discount_factors([2023, 2024, 2025], base_year=2023)]
    [1.0, 0.9662, 0.9335]
    """
    if not -0.5 < rate < 1.0:
        raise ScenarioError(f"discount rate = {rate!r} is not a plausible annual rate.")
    return np.asarray(1.0 / (1.0 + rate) ** (np.asarray(years, dtype=float) - base_year))


def real_terms(cash: np.ndarray, years: Sequence[int], *, base_year: int, cpi: float) -> np.ndarray:
    """Cash amounts per year (last axis) deflated by CPI to prices of ``base_year``."""
    deflator = (1.0 + cpi) ** (np.asarray(years, dtype=float) - base_year)
    return np.asarray(np.asarray(cash, dtype=float) / deflator)
