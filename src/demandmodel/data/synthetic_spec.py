"""The TRUE parameters of the synthetic local authority (:class:`SyntheticSpec`).

The generating process is a continuous-time multi-state model of each child's life, the model the
library's Markov engine estimates (DESIGN section 4.3), so a fit can be checked against the truth:

* **Population**: a closed birth cohort process. Births arrive as a Poisson process whose intensity
  grows exponentially at ``pop_growth`` a year, scaled so that about ``pop_0_17`` children aged 0-17
  live in the LA at ``pop_reference_date``. No deaths, no migration (documented simplification).
* **First entries to care**: each child not in care has hazard ``entry_rate_per_10k[b] / 10,000`` a
  year in age band ``b`` (DfE bands: under 1, 1-4, 5-9, 10-15, 16-17), so expected entries are
  ``rate x population / 10,000``. Entrants start in placement category ``c`` with probability
  ``entry_category[b][c]``.
* **Re-entries**: a child who went home (REC E4A, E4B, E13, E41, E8) has an extra entry hazard of
  ``reentry_rate`` a year for ``reentry_window_days`` days.
* **In care**: the state is (age band, placement category, duration-in-care band). Moves between
  categories have hazards ``move_rate[b][from][to]`` a year; leaving care has hazard
  ``exit_rate[b][c] * duration_multiplier[d]`` a year (duration bands: under 91 days, 91-364,
  365-729, 730+ days since the period of care began), so there are many short stays and a long tail.
  Every child leaves care on their 18th birthday at the latest.
* **UASC** arrive as a separate Poisson stream of ``uasc_per_year`` (ages 14-17, mostly boys) and
  follow the same in-care process with exits scaled by ``uasc_exit_multiplier``.

Hazards are constant within a state, so occurrence/exposure (transitions over days at risk) is the
maximum-likelihood estimate of each. Everything else (episodes within a state: foster-carer changes,
legal status changes, temporary T-code moves, respite V3/V4 breaks, the CIN/CP pathway, workforce)
is generated around these states and never changes them.

Examples
--------
>>> from demandmodel.data.synthetic_spec import SyntheticSpec, AGE_BANDS, CATEGORIES
>>> spec = SyntheticSpec()
>>> spec.la_code, len(AGE_BANDS), len(CATEGORIES)
('999', 5, 6)
>>> q = spec.generator(age_band=3, duration_band=0)   # per-day rates, last column = leave care
>>> q.shape
(6, 7)
>>> bool(abs(q.sum(axis=1)).max() < 1e-12)
True
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, Final

import numpy as np

from demandmodel.data.ssda903_codes import CATEGORIES as READER_CATEGORIES

AGE_BANDS: Final = ("under_1", "1_4", "5_9", "10_15", "16_17")
"""DfE age bands; band ``b`` covers ages ``AGE_BAND_EDGES[b]`` to ``AGE_BAND_EDGES[b+1]`` years."""
AGE_BAND_EDGES: Final = (0, 1, 5, 10, 16, 18)
CATEGORIES: Final = READER_CATEGORIES
"""Placement categories of the state model (SSDA903 PLACE codes map onto these): the reader's."""
DURATION_BANDS: Final = ("under_3m", "3_12m", "1_2y", "2y_plus")
DURATION_EDGES_DAYS: Final = (0, 91, 365, 730)
DAYS_PER_YEAR: Final = 365.25

FOS, RES, SUP, PWP, ADO, OTH = range(6)


def _moves() -> tuple[tuple[tuple[float, ...], ...], ...]:
    """Default category-move hazards a year, ``[age band][from][to]`` (zero diagonal)."""
    out = []
    for b in range(5):
        m = np.zeros((6, 6))
        m[FOS, RES] = (0.01, 0.01, 0.02, 0.07, 0.06)[b]
        m[FOS, SUP] = (0, 0, 0, 0.01, 0.30)[b]
        m[FOS, PWP] = 0.03
        m[FOS, ADO] = (0.30, 0.20, 0.03, 0, 0)[b]
        m[RES, FOS] = (0.3, 0.3, 0.2, 0.12, 0.05)[b]
        m[RES, SUP] = (0, 0, 0, 0.02, 0.45)[b]
        m[SUP, RES] = 0.05
        m[SUP, FOS] = 0.05
        m[PWP, FOS] = 0.12
        m[ADO, FOS] = 0.06
        m[OTH, FOS] = 2.0
        m[OTH, RES] = (0, 0, 0, 0.3, 0.3)[b]
        out.append(tuple(tuple(float(x) for x in row) for row in m))
    return tuple(out)


@dataclass(frozen=True, slots=True, kw_only=True)
class SyntheticSpec:
    """The true parameters of the synthetic LA (rates are per year unless stated).

    Parameters
    ----------
    la_code, la_name, new_la_code, region_code, region_name
        Identity of the fictional LA. ``999`` is not a DfE code in use (``990`` is the Panel pseudo-code of the South West region).
    first_year, last_year
        Collection years written (years ending 31 March).
    sim_start
        When the simulation starts (ISO date); everything before ``first_year`` is burn-in.
    pop_0_17, pop_reference_date, pop_growth
        About ``pop_0_17`` children aged 0-17 at the reference date; births grow by ``pop_growth``.
    newborn_entry_rate
        Share of births that enter care within 14 days of birth.
    entry_rate_per_10k
        First-entry rate per 10,000 children a year, by age band (on top of newborn entries).
    entry_category
        Probability of each starting placement category, by age band.
    reentry_rate, reentry_window_days
        Extra entry hazard after going home, and how long it lasts.
    exit_rate
        Leaving-care hazard by age band and category, at duration multiplier 1.
    duration_multiplier
        Multiplier of ``exit_rate`` by duration-in-care band.
    move_rate
        Category-move hazards ``[age band][from][to]``.
    uasc_per_year, uasc_exit_multiplier
        UASC arrivals (Poisson mean a year) and their exit-hazard multiplier.
    respite_children
        Disabled children on series of V3/V4 short breaks (excluded from CLA counts).
    cin_referral_rate_per_10k
        Background referral rate per 10,000 a year by age band (a gamma frailty with shape
        ``cin_frailty_shape`` makes some families referred again and again).
    """

    la_code: str = "999"
    la_name: str = "Synthetic Borough (SYNTHETIC)"
    new_la_code: str = "E09000999"
    region_code: str = "E12000007"
    region_name: str = "London"
    first_year: int = 2014
    last_year: int = 2023
    sim_start: str = "1995-04-01"
    pop_0_17: float = 60_000.0
    pop_reference_date: str = "2022-06-30"
    pop_growth: float = 0.004
    male_share: float = 0.512
    newborn_entry_rate: float = 0.004
    entry_rate_per_10k: tuple[float, ...] = (36.0, 14.3, 10.8, 16.2, 23.3)
    entry_category: tuple[tuple[float, ...], ...] = (
        (0.80, 0.00, 0.00, 0.08, 0.00, 0.12),
        (0.86, 0.01, 0.00, 0.10, 0.00, 0.03),
        (0.85, 0.04, 0.00, 0.08, 0.00, 0.03),
        (0.72, 0.17, 0.02, 0.05, 0.00, 0.04),
        (0.42, 0.16, 0.32, 0.04, 0.00, 0.06),
    )
    reentry_rate: float = 0.26
    reentry_window_days: int = 730
    exit_rate: tuple[tuple[float, ...], ...] = (
        (0.26, 0.26, 0.45, 0.62, 1.60, 0.80),
        (0.26, 0.26, 0.45, 0.62, 1.50, 0.80),
        (0.19, 0.22, 0.45, 0.52, 1.30, 0.80),
        (0.15, 0.21, 0.45, 0.52, 1.30, 0.80),
        (0.17, 0.22, 0.33, 0.52, 1.30, 0.80),
    )
    duration_multiplier: tuple[float, ...] = (3.2, 1.0, 0.75, 0.45)
    move_rate: tuple[tuple[tuple[float, ...], ...], ...] = dataclasses.field(default_factory=_moves)
    uasc_per_year: float = 26.0
    uasc_exit_multiplier: float = 0.35
    respite_children: int = 12
    cin_referral_rate_per_10k: tuple[float, ...] = (720.0, 480.0, 530.0, 600.0, 510.0)
    cin_frailty_shape: float = 0.35

    def __post_init__(self) -> None:
        from demandmodel.errors import ScenarioError

        if self.last_year < self.first_year:
            raise ScenarioError(
                f"SyntheticSpec: last_year {self.last_year} is before first_year "
                f"{self.first_year}; give last_year >= first_year."
            )
        if self.pop_0_17 <= 0:
            raise ScenarioError(
                f"SyntheticSpec: pop_0_17 must be positive, got {self.pop_0_17}; use e.g. 60000."
            )
        if int(self.sim_start[:4]) > self.first_year - 6:
            raise ScenarioError(
                f"SyntheticSpec: sim_start {self.sim_start} leaves under 5 years of burn-in before "
                f"first_year {self.first_year}; start the simulation earlier."
            )
        shapes = {
            "entry_rate_per_10k": (np.shape(self.entry_rate_per_10k), (5,)),
            "entry_category": (np.shape(self.entry_category), (5, 6)),
            "exit_rate": (np.shape(self.exit_rate), (5, 6)),
            "duration_multiplier": (np.shape(self.duration_multiplier), (4,)),
            "move_rate": (np.shape(self.move_rate), (5, 6, 6)),
            "cin_referral_rate_per_10k": (np.shape(self.cin_referral_rate_per_10k), (5,)),
        }
        for name, (got, want) in shapes.items():
            if got != want:
                raise ScenarioError(
                    f"SyntheticSpec: {name} has shape {got}, expected {want} "
                    "(5 age bands x 6 placement categories x 4 duration bands)."
                )
            if (np.asarray(getattr(self, name), dtype=float) < 0).any():
                raise ScenarioError(
                    f"SyntheticSpec: {name} has a negative value; rates must be >= 0."
                )
        for b, row in enumerate(self.entry_category):
            if abs(sum(row) - 1.0) > 1e-9:
                raise ScenarioError(
                    f"SyntheticSpec: entry_category[{b}] sums to {sum(row)}, not 1; "
                    "give probabilities that add up to 1."
                )

    def move_array(self) -> np.ndarray:
        """Category-move hazards per year as an array ``[age band, from, to]``."""
        return np.array(self.move_rate, dtype=float)

    def generator(self, *, age_band: int, duration_band: int) -> np.ndarray:
        """The true generator per DAY in one age and duration band.

        Rows are the six placement categories; columns the six categories and, last, "left care".
        Rows sum to zero. Age and duration bands move deterministically with time and are not in
        this matrix.
        """
        moves = self.move_array()[age_band] / DAYS_PER_YEAR
        exits = (
            np.array(self.exit_rate[age_band])
            * self.duration_multiplier[duration_band]
            / DAYS_PER_YEAR
        )
        q = np.zeros((6, 7))
        q[:, :6] = moves
        q[:, 6] = exits
        np.fill_diagonal(q[:, :6], -(moves.sum(axis=1) + exits))
        return q

    def to_dict(self) -> dict[str, Any]:
        """The parameters as plain JSON-ready values (for the dataset's ``synthetic_spec.json``)."""
        return {f.name: _plain(getattr(self, f.name)) for f in dataclasses.fields(self)}


def _plain(value: Any) -> Any:
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    return value
