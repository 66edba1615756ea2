"""Placement sufficiency: placements needed by type and year against stated capacity.

The statutory sufficiency strategy asks how many placements of each kind the council will need and
how many it can provide itself. For each placement type, year and sample:

- usable capacity = places x target occupancy (a full foster household or home cannot take the next
  child: the occupancy buffer, 90% by default, keeps room for matching and emergencies);
- gap = children needing that placement - usable capacity; a positive gap is what must be
  commissioned from agencies or external providers.

Because the children needing placements are forecast samples, the gap has an interval and a
probability of shortfall.

Examples
--------
>>> import numpy as np
>>> from demandmodel.sufficiency import Capacity, assess_sufficiency
>>> need = {"fostering": np.array([[95.0, 100.0], [105.0, 110.0]])}  # 2 samples x 2 years
>>> out = assess_sufficiency(need, years=[2024, 2025], capacity=Capacity(places={"fostering": 100}))
>>> out[["period", "usable_capacity", "gap_q50", "p_shortfall"]].to_string(index=False)
' period  usable_capacity  gap_q50  p_shortfall\\n   2024             90.0     10.0          1.0\\n   2025             90.0     15.0          1.0'
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from demandmodel.errors import ScenarioError


@dataclass(frozen=True, slots=True, kw_only=True)
class Capacity:
    """Places the council can provide itself, by placement type.

    Parameters
    ----------
    places
        Placement type -> places: one number for every year, or one per forecast year
        (e.g. in-house foster places growing under a recruitment plan).
    occupancy
        Target occupancy in (0, 1]: the share of places that can be filled (default 0.9).
    """

    places: Mapping[str, float | Sequence[float]] = field(default_factory=dict)
    occupancy: float = 0.9

    def __post_init__(self) -> None:
        if not 0.0 < self.occupancy <= 1.0:
            raise ScenarioError(
                f"capacity.occupancy = {self.occupancy!r}; it must be in (0, 1], e.g. 0.9."
            )
        for key, value in self.places.items():
            values = np.atleast_1d(np.asarray(value, dtype=float))
            if (values < 0).any() or not np.isfinite(values).all():
                raise ScenarioError(
                    f"capacity.places[{key!r}] = {value!r}; capacity cannot be negative."
                )

    def usable(self, placement: str, n_years: int) -> np.ndarray:
        """Usable places per year for ``placement`` (zero when none is stated)."""
        raw = np.atleast_1d(np.asarray(self.places.get(placement, 0.0), dtype=float))
        if raw.size == 1:
            raw = np.repeat(raw, n_years)
        if raw.size != n_years:
            raise ScenarioError(
                f"capacity.places[{placement!r}] has {raw.size} values for {n_years} years; "
                "give one value, or one per forecast year."
            )
        return np.asarray(raw * self.occupancy)


def assess_sufficiency(
    needed: Mapping[str, np.ndarray],
    *,
    years: Sequence[int],
    capacity: Capacity,
) -> pd.DataFrame:
    """Placements needed against usable capacity, with the gap's interval.

    Parameters
    ----------
    needed
        Placement type -> children needing it, samples ``(sample, year)``.
    years
        The forecast years (columns of each array).
    capacity
        Places the council provides itself.

    Returns
    -------
    pandas.DataFrame
        One row per placement type and year: ``placement, period, needed_mean, needed_q10,
        needed_q50, needed_q90, capacity, usable_capacity, gap_mean, gap_q10, gap_q50, gap_q90,
        p_shortfall`` (probability that need exceeds usable capacity).
    """
    unknown = set(capacity.places) - set(needed)
    if unknown:
        raise ScenarioError(
            f"capacity given for {sorted(unknown)} but the forecast has no such placement type; "
            f"it has {sorted(needed)}."
        )
    rows = []
    n_years = len(years)
    for placement, arr in needed.items():
        samples = np.asarray(arr, dtype=float)
        if samples.ndim != 2 or samples.shape[1] != n_years:
            raise ScenarioError(
                f"needed[{placement!r}] has shape {samples.shape}; expected (sample, {n_years})."
            )
        usable = capacity.usable(placement, n_years)
        gap = samples - usable
        nq = np.quantile(samples, [0.1, 0.5, 0.9], axis=0)
        gq = np.quantile(gap, [0.1, 0.5, 0.9], axis=0)
        for j, year in enumerate(years):
            rows.append(
                {
                    "placement": placement,
                    "period": int(year),
                    "needed_mean": float(samples[:, j].mean()),
                    "needed_q10": float(nq[0, j]),
                    "needed_q50": float(nq[1, j]),
                    "needed_q90": float(nq[2, j]),
                    "capacity": float(usable[j] / capacity.occupancy),
                    "usable_capacity": float(usable[j]),
                    "gap_mean": float(gap[:, j].mean()),
                    "gap_q10": float(gq[0, j]),
                    "gap_q50": float(gq[1, j]),
                    "gap_q90": float(gq[2, j]),
                    "p_shortfall": float((gap[:, j] > 0).mean()),
                }
            )
    return pd.DataFrame(rows)
