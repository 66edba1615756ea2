"""Edge-of-care Social Impact Bonds: the cohort, the care avoided, and who pays whom.

An investor funds an intensive family service for adolescents at risk of care; the council pays
*outcome payments* for care avoided, up to a cap, and keeps the rest of the saving (DOMAIN.md).

The arithmetic, per referral cohort of ``n`` young people tracked for ``W`` days after referral:

- care proportion ``p`` = care days / child days over the tracking window; the comparison group's
  proportion is ``p0`` (Essex: 55%), the service's is ``p1`` (Essex achieved 10.8%);
- care days avoided = ``n * (p0 - p1) * W``, spread evenly over the window (so a cohort referred in
  year ``t`` avoids days in ``t``, ``t+1`` and ``t+2`` for a 30-month window);
- entries avoided = ``n * (p0 - p1) / f`` where ``f`` is the share of the window a young person who
  enters care spends in it (so ``p0 / f`` is the comparison group's chance of entering care);
- gross placement cost avoided = care days avoided x the daily cost of the placements avoided;
- outcome payments = care days avoided x price per day (or a share of the gross cost avoided),
  cumulative payments capped;
- council net saving = gross cost avoided - outcome payments (the service is the investor's cost);
- investor multiple = total payments / capital; NPVs discounted at the Green Book rate.

The effect is a distribution: the evidence includes null results (the English MST trial found no
effect on out-of-home placement), so the default effect draws a relative reduction whose range
includes zero. All outputs are computed per sample, so every figure has an interval.

Examples
--------
Essex: 388 young people, comparison 55%, achieved 10.8%, 30-month window.

>>> from demandmodel.scenarios.sib import care_days_avoided
>>> round(care_days_avoided(388, comparison_proportion=0.55, service_proportion=0.108,
...                         window_months=30))
156597
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from demandmodel._random import RNGLike, as_generator
from demandmodel.costs import GREEN_BOOK_RATE, discount_factors
from demandmodel.errors import ScenarioError
from demandmodel.scenarios.effects import Effect

DAYS_PER_MONTH = 365.25 / 12


def care_days_avoided(
    young_people: float,
    *,
    comparison_proportion: float,
    service_proportion: float,
    window_months: float,
) -> float:
    """Care days avoided by a cohort: ``n * (p0 - p1) * window days``."""
    return float(
        young_people * (comparison_proportion - service_proportion) * window_months * DAYS_PER_MONTH
    )


DEFAULT_EFFECT = Effect.normal(0.25, 0.20, low_bound=-0.25, high_bound=1.0)
"""Default relative reduction of the care proportion: mean 0.25, sd 0.20, truncated to
[-0.25, 1]. About 10% of its mass is at or below zero, reflecting trials that found no effect, and
it is centred well below uncontrolled SIB results (Essex: 55% -> 10.8%, a reduction of 0.80)."""


def reduction_from_proportions(comparison: float, service: float, *, sd: float = 0.0) -> Effect:
    """The relative reduction ``1 - service / comparison`` that turns one care proportion into the other.

    Examples
    --------
    >>> round(reduction_from_proportions(0.55, 0.108).mean, 3)
    0.804
    """
    if not 0 < comparison <= 1 or not 0 <= service <= 1:
        raise ScenarioError(
            f"care proportions must be in (0, 1]: comparison={comparison}, service={service}."
        )
    mean = 1 - service / comparison
    if sd == 0:
        return Effect.point(mean, low_bound=-1.0, high_bound=1.0)
    return Effect.normal(mean, sd, low_bound=-1.0, high_bound=1.0)


@dataclass(frozen=True, slots=True, kw_only=True)
class SocialImpactBond:
    """An edge-of-care Social Impact Bond.

    Parameters
    ----------
    referrals
        Young people referred into the service in each year of operation (capacity and ramp-up),
        e.g. ``(40, 80, 100, 100, 68)``.
    start_year
        The first year of operation (year ending 31 March).
    eligible_ages
        Inclusive age range of the young people referred (Essex: 11-17).
    window_months
        Tracking window after referral over which care is measured (Essex: 30).
    comparison_proportion
        Care proportion of the comparison group (Essex: 0.55).
    effect
        The service's relative reduction of the care proportion ``1 - p1 / p0``, as a distribution
        (default :data:`DEFAULT_EFFECT`, which includes null effects).
    share_of_window_in_care
        Share of the window spent in care by those who do enter care (converts the care proportion
        into a probability of entering care); default 0.75.
    weekly_placement_cost
        Average weekly cost of the placements avoided (adolescents: much residential), £.
    price_per_day
        Outcome payment per care day avoided, £. Set this or ``share_of_saving``.
    share_of_saving
        Outcome payments as a share of the gross placement cost avoided (alternative to a price).
    payment_cap
        Maximum total outcome payments, £ (Essex: £7.1m).
    investor_capital
        Capital the investors put in, £ (Essex: £3.1m).
    service_cost_per_young_person
        Cost of delivering the service per referral, £ (met from the investors' capital).
    discount_rate
        Annual discount rate for NPVs (Green Book 3.5%).
    """

    referrals: Sequence[float]
    start_year: int
    eligible_ages: tuple[int, int] = (11, 17)
    window_months: float = 30.0
    comparison_proportion: float = 0.55
    effect: Effect = DEFAULT_EFFECT
    share_of_window_in_care: float = 0.75
    weekly_placement_cost: float = 2500.0
    price_per_day: float | None = 100.0
    share_of_saving: float | None = None
    payment_cap: float = 7.1e6
    investor_capital: float = 3.1e6
    service_cost_per_young_person: float = 8000.0
    discount_rate: float = GREEN_BOOK_RATE

    def __post_init__(self) -> None:
        checks: list[tuple[str, float, float, float]] = [
            ("comparison_proportion", self.comparison_proportion, 0.0, 1.0),
            ("share_of_window_in_care", self.share_of_window_in_care, 1e-9, 1.0),
            ("window_months", self.window_months, 1.0, 120.0),
            ("weekly_placement_cost", self.weekly_placement_cost, 0.0, 1e6),
            ("payment_cap", self.payment_cap, 0.0, 1e12),
            ("investor_capital", self.investor_capital, 0.0, 1e12),
            ("service_cost_per_young_person", self.service_cost_per_young_person, 0.0, 1e7),
            ("discount_rate", self.discount_rate, -0.5, 1.0),
        ]
        for key, value, low, high in checks:
            if not low <= value <= high:
                raise ScenarioError(f"sib.{key} = {value!r}; it must be between {low} and {high}.")
        if any(r < 0 for r in self.referrals) or len(self.referrals) == 0:
            raise ScenarioError(
                f"sib.referrals = {list(self.referrals)!r}; give one non-negative count per year."
            )
        lo, hi = self.eligible_ages
        if not 0 <= lo <= hi <= 17:
            raise ScenarioError(
                f"sib.eligible_ages = {self.eligible_ages!r}; ages must lie within 0-17."
            )
        if (self.price_per_day is None) == (self.share_of_saving is None):
            raise ScenarioError("sib: set exactly one of price_per_day and share_of_saving.")
        if self.price_per_day is not None and self.price_per_day < 0:
            raise ScenarioError(f"sib.price_per_day = {self.price_per_day!r}; must be >= 0.")
        if self.share_of_saving is not None and not 0 <= self.share_of_saving <= 1:
            raise ScenarioError(f"sib.share_of_saving = {self.share_of_saving!r}; must be 0-1.")

    @property
    def window_days(self) -> float:
        """The tracking window in days."""
        return self.window_months * DAYS_PER_MONTH

    def years(self) -> list[int]:
        """Every year in which the SIB's cohorts avoid care."""
        tail = int(np.ceil(self.window_months / 12.0))  # matches _spread's length
        return list(range(self.start_year, self.start_year + len(self.referrals) + tail))

    def _spread(self) -> np.ndarray:
        """Share of a cohort's avoided care days falling in each year from its referral year.

        Referrals arrive evenly through the year and avoided days fall evenly over the window, so
        the share in year ``j`` is the mean over referral times ``r`` in [0, 1) of the overlap of
        [r, r + W] with [j, j + 1], divided by W (window W in years).
        """
        w = self.window_months / 12.0
        r = (np.arange(1000) + 0.5) / 1000.0
        n_years = int(np.ceil(w)) + 1
        j = np.arange(n_years)[:, None]
        overlap = np.clip(np.minimum(r + w, j + 1.0) - np.maximum(r, j), 0.0, None)
        return np.asarray(overlap.mean(axis=1) / w)

    def simulate(self, *, n_samples: int = 1000, rng: RNGLike = None) -> SIBResult:
        """Outcomes per year and sample: entries and care days avoided, money, NPV.

        Examples
        --------
        >>> sib = SocialImpactBond(referrals=[50, 100], start_year=2024,
        ...                        effect=Effect.point(0.5))
        >>> res = sib.simulate(n_samples=10, rng=1)
        >>> bool((res.payments.sum(axis=1) <= sib.payment_cap).all())
        True
        """
        return self.outcomes(self.effect.draw(n_samples, as_generator(rng)))

    def outcomes(self, reduction: np.ndarray) -> SIBResult:
        """Outcomes for given relative reductions of the care proportion, one per sample."""
        reduction = np.asarray(reduction, dtype=float)
        n_samples = len(reduction)
        years = self.years()
        n_years = len(years)
        p0 = self.comparison_proportion
        p1 = p0 * (1.0 - reduction)
        spread = self._spread()
        days = np.zeros((n_samples, n_years))
        entries = np.zeros((n_samples, n_years))
        for k, n_ref in enumerate(self.referrals):
            cohort_days = n_ref * (p0 - p1) * self.window_days  # (sample,)
            for j, share in enumerate(spread):
                if k + j < n_years:
                    days[:, k + j] += cohort_days * share
            entries[:, k] += n_ref * (p0 - p1) / self.share_of_window_in_care
        gross = days * self.weekly_placement_cost / 7.0
        if self.price_per_day is not None:
            due = days * self.price_per_day
        else:
            due = gross * float(self.share_of_saving or 0.0)
        due = np.clip(due, 0.0, None)  # no payment for care *added*
        cumulative = np.minimum(np.cumsum(due, axis=1), self.payment_cap)
        payments = np.diff(np.concatenate([np.zeros((n_samples, 1)), cumulative], axis=1), axis=1)
        service_cost = np.zeros(n_years)
        service_cost[: len(self.referrals)] = (
            np.asarray(self.referrals, dtype=float) * self.service_cost_per_young_person
        )
        disc = discount_factors(years, base_year=self.start_year, rate=self.discount_rate)
        return SIBResult(
            sib=self,
            years=tuple(years),
            reduction=reduction,
            care_proportion=p1,
            entries_avoided=entries,
            care_days_avoided=days,
            gross_cost_avoided=gross,
            payments=payments,
            service_cost=service_cost,
            discount=disc,
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class SIBResult:
    """Samples of a SIB's outcomes; arrays are ``(sample, year)`` unless said otherwise."""

    sib: SocialImpactBond
    years: tuple[int, ...]
    reduction: np.ndarray
    care_proportion: np.ndarray
    entries_avoided: np.ndarray
    care_days_avoided: np.ndarray
    gross_cost_avoided: np.ndarray
    payments: np.ndarray
    service_cost: np.ndarray
    discount: np.ndarray

    @property
    def net_saving(self) -> np.ndarray:
        """Council net saving: gross placement cost avoided less outcome payments."""
        return np.asarray(self.gross_cost_avoided - self.payments)

    @property
    def investor_multiple(self) -> np.ndarray:
        """Total outcome payments / investor capital, per sample."""
        cap = self.sib.investor_capital
        return (
            np.asarray(self.payments.sum(axis=1) / cap)
            if cap > 0
            else np.full(len(self.reduction), np.nan)
        )

    @property
    def council_npv(self) -> np.ndarray:
        """Discounted council net saving over all years, per sample."""
        return np.asarray((self.net_saving * self.discount).sum(axis=1))

    @property
    def investor_npv(self) -> np.ndarray:
        """Discounted payments received less capital invested at the start, per sample."""
        return np.asarray((self.payments * self.discount).sum(axis=1) - self.sib.investor_capital)

    def by_year(self) -> pd.DataFrame:
        """Per year: median and 80% interval of every flow (long rows)."""
        rows = []
        series = {
            "entries_avoided": self.entries_avoided,
            "care_days_avoided": self.care_days_avoided,
            "gross_cost_avoided": self.gross_cost_avoided,
            "outcome_payments": self.payments,
            "council_net_saving": self.net_saving,
        }
        for name, arr in series.items():
            q = np.quantile(arr, [0.1, 0.5, 0.9], axis=0)
            for j, year in enumerate(self.years):
                rows.append(
                    {
                        "period": year,
                        "measure": name,
                        "mean": float(arr[:, j].mean()),
                        "q10": float(q[0, j]),
                        "q50": float(q[1, j]),
                        "q90": float(q[2, j]),
                    }
                )
        return pd.DataFrame(rows)

    def totals(self) -> pd.DataFrame:
        """Whole-life totals with mean, median and 80% / 95% intervals."""
        cols = {
            "entries_avoided": self.entries_avoided.sum(axis=1),
            "care_days_avoided": self.care_days_avoided.sum(axis=1),
            "care_proportion": self.care_proportion,
            "gross_cost_avoided": self.gross_cost_avoided.sum(axis=1),
            "outcome_payments": self.payments.sum(axis=1),
            "council_net_saving": self.net_saving.sum(axis=1),
            "council_npv": self.council_npv,
            "investor_multiple": self.investor_multiple,
            "investor_npv": self.investor_npv,
        }
        rows = []
        for name, arr in cols.items():
            q = np.quantile(arr, [0.025, 0.1, 0.5, 0.9, 0.975])
            rows.append(
                {
                    "measure": name,
                    "mean": float(arr.mean()),
                    "q025": float(q[0]),
                    "q10": float(q[1]),
                    "q50": float(q[2]),
                    "q90": float(q[3]),
                    "q975": float(q[4]),
                }
            )
        return pd.DataFrame(rows)
