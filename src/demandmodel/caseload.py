"""Social-worker caseload pressure from CIN/CP/LAC forecasts and a workforce plan.

Cases held by case-holding social workers track the number of children in need (which, in DfE's
count, includes children on CP plans and children looked after), but not one for one: some cases
are held by other staff, the workforce census is at 30 September and CIN at 31 March. So the
library estimates each LA's own ratio

.. math:: r = \\frac{\\text{cases held at 30 September}}{\\text{children in need at 31 March}}

from its published history (anchored on the latest year, spread from year-to-year changes), and
projects

.. math:: \\text{cases}_t = r \\times \\text{CIN}_t, \\qquad
          \\text{caseload}_t = \\text{cases}_t / \\text{FTE}_t

on every sample, with ``r`` drawn from its estimated distribution and FTE from a workforce plan.
The average caseload per case-holding FTE in England was 16.6 in 2022 (no statutory cap).

Examples
--------
>>> import numpy as np, pandas as pd
>>> from demandmodel.caseload import CaseRatio, WorkforcePlan, project_caseload
>>> ratio = CaseRatio.estimate(cases=pd.Series([2173.0, 2361.0], index=[2022, 2021]),
...                            cin=pd.Series([3323.0, 3400.0], index=[2022, 2021]))
>>> round(ratio.median, 2)  # anchored on the latest year, 2022
0.65
>>> cin = np.full((500, 2), 3300.0)
>>> res = project_caseload(cin, years=[2023, 2024], ratio=ratio,
...                        workforce=WorkforcePlan(case_holding_fte=130.0), rng=1)
>>> summary = res.summary(threshold=18.0, target=15.0)
>>> summary.columns.tolist()[:4]
['period', 'cases_q50', 'fte_q50', 'caseload_mean']
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from demandmodel._random import RNGLike, as_generator
from demandmodel.errors import InsufficientHistoryError, ScenarioError
from demandmodel.forecast import Forecast


@dataclass(frozen=True, slots=True, kw_only=True)
class CaseRatio:
    """Cases held per child in need: a log-normal estimate from an LA's history.

    Parameters
    ----------
    log_mean, log_sd
        Centre and spread of ``log(cases / CIN)`` for a forecast year: the latest year's value, and
        the typical size of a year-to-year change.
    n_years
        Years of history behind the estimate.
    """

    log_mean: float
    log_sd: float
    n_years: int

    @property
    def median(self) -> float:
        """The median ratio."""
        return float(np.exp(self.log_mean))

    @classmethod
    def estimate(
        cls,
        *,
        cases: pd.Series,
        cin: pd.Series,
        la_code: str = "",
        min_sd: float = 0.05,
        recent_years: int | None = 5,
    ) -> CaseRatio:
        """Estimate from cases held and CIN at 31 March, both indexed by period.

        The ratio is anchored on the **latest** year (how an LA counts and allocates cases shifts,
        and like the series themselves the last value forecasts the next best); its spread is the
        standard deviation of year-to-year changes of the log ratio over the ``recent_years``
        latest years (``None``: all), never below ``min_sd``. Years where either is missing are
        skipped.
        """
        both = pd.concat({"cases": cases, "cin": cin}, axis=1).dropna()
        both = both[(both["cases"] > 0) & (both["cin"] > 0)].sort_index()
        if both.empty:
            raise InsufficientHistoryError(
                la_code=la_code or "?", measure="sw_cases / cin_31mar", n=0, needed=1
            )
        logs = np.log(both["cases"].to_numpy(float) / both["cin"].to_numpy(float))
        recent = logs if recent_years is None else logs[-(recent_years + 1) :]
        changes = np.diff(recent)
        sd = float(np.sqrt(np.mean(changes**2))) if len(changes) else 1.5 * min_sd
        return cls(log_mean=float(logs[-1]), log_sd=max(sd, min_sd), n_years=len(logs))

    def draw(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """``n`` draws of the ratio."""
        return np.asarray(np.exp(rng.normal(self.log_mean, self.log_sd, n)))


@dataclass(frozen=True, slots=True, kw_only=True)
class WorkforcePlan:
    """Case-holding social workers over the forecast years.

    Parameters
    ----------
    case_holding_fte
        Case-holding FTE in post at the origin (filled posts, permanent plus agency).
    annual_growth
        Growth of the funded establishment per year (e.g. 0.03 for 3%).
    vacancy_rate
        Share of the establishment unfilled each year (replaces the origin's rate; ``None`` keeps
        the origin's filled FTE as the base).
    origin_vacancy_rate
        The vacancy rate at the origin, used with ``vacancy_rate`` (DfE England 2022: 20%).
    agency_share
        Share of filled case-holding FTE who are agency workers (England 2022: 17.6%).
    agency_premium
        Extra annual cost of an agency FTE over a permanent one, £ (a documented assumption:
        about £25,000; set your own).
    relative_sd
        Year-to-year uncertainty of filled FTE as a relative standard deviation (default 4%).
    """

    case_holding_fte: float
    annual_growth: float = 0.0
    vacancy_rate: float | None = None
    origin_vacancy_rate: float = 0.20
    agency_share: float = 0.176
    agency_premium: float = 25_000.0
    relative_sd: float = 0.04

    def __post_init__(self) -> None:
        if not self.case_holding_fte > 0:
            raise ScenarioError(
                f"workforce.case_holding_fte = {self.case_holding_fte!r}; it must be positive."
            )
        for key in ("origin_vacancy_rate", "agency_share"):
            value = getattr(self, key)
            if not 0.0 <= value < 1.0:
                raise ScenarioError(f"workforce.{key} = {value!r}; a share must be in [0, 1).")
        if self.vacancy_rate is not None and not 0.0 <= self.vacancy_rate < 1.0:
            raise ScenarioError(
                f"workforce.vacancy_rate = {self.vacancy_rate!r}; a share must be in [0, 1)."
            )
        if not -0.5 < self.annual_growth < 1.0:
            raise ScenarioError(f"workforce.annual_growth = {self.annual_growth!r} is implausible.")
        if self.relative_sd < 0 or self.agency_premium < 0:
            raise ScenarioError("workforce.relative_sd and agency_premium cannot be negative.")

    def filled_fte(self, n_years: int) -> np.ndarray:
        """Expected filled case-holding FTE in each forecast year (years 1..n after the origin)."""
        steps = np.arange(1, n_years + 1)
        establishment = self.case_holding_fte / (1 - self.origin_vacancy_rate)
        vacancy = self.origin_vacancy_rate if self.vacancy_rate is None else self.vacancy_rate
        return np.asarray(establishment * (1 + self.annual_growth) ** steps * (1 - vacancy))


@dataclass(frozen=True, slots=True, kw_only=True)
class CaseloadResult:
    """Samples ``(sample, year)`` of cases held, filled FTE and caseload per FTE."""

    years: tuple[int, ...]
    cases: np.ndarray
    fte: np.ndarray
    workforce: WorkforcePlan

    @property
    def caseload(self) -> np.ndarray:
        """Cases per case-holding FTE."""
        return np.asarray(self.cases / self.fte)

    def to_forecast(
        self, *, origin: int | None = None, history: pd.Series | None = None
    ) -> Forecast:
        """Caseload per FTE as a :class:`~demandmodel.Forecast` (for ``plotting.caseload_chart``).

        ``history`` is the published caseload (``sw_caseload``) indexed by period, if any.
        """
        hist = None
        if history is not None:
            hist = pd.DataFrame(
                {"measure": "sw_caseload", "period": history.index, "value": history.to_numpy()}
            )
        return Forecast(
            samples=self.caseload[:, :, None],
            periods=self.years,
            series=pd.DataFrame({"measure": ["sw_caseload"]}),
            model="caseload",
            origin=origin if origin is not None else self.years[0] - 1,
            history=hist,
        )

    def fte_needed(self, target: float) -> np.ndarray:
        """FTE needed to hold the average caseload at ``target``."""
        if target <= 0:
            raise ScenarioError(f"target caseload = {target!r}; it must be positive.")
        return np.asarray(self.cases / target)

    def summary(self, *, threshold: float = 18.0, target: float = 16.0) -> pd.DataFrame:
        """Per year: cases, FTE, caseload (mean and 80% interval), P(caseload > threshold), FTE
        needed for ``target`` and the agency premium cost."""
        q = (0.1, 0.5, 0.9)
        cases_q = np.quantile(self.cases, q, axis=0)
        fte_q = np.quantile(self.fte, q, axis=0)
        load_q = np.quantile(self.caseload, q, axis=0)
        need_q = np.quantile(self.fte_needed(target), q, axis=0)
        agency_fte = self.fte * self.workforce.agency_share
        rows = []
        for j, year in enumerate(self.years):
            rows.append(
                {
                    "period": year,
                    "cases_q50": float(cases_q[1, j]),
                    "fte_q50": float(fte_q[1, j]),
                    "caseload_mean": float(self.caseload[:, j].mean()),
                    "caseload_q10": float(load_q[0, j]),
                    "caseload_q50": float(load_q[1, j]),
                    "caseload_q90": float(load_q[2, j]),
                    "threshold": threshold,
                    "p_exceed": float((self.caseload[:, j] > threshold).mean()),
                    "target": target,
                    "fte_needed_q10": float(need_q[0, j]),
                    "fte_needed_q50": float(need_q[1, j]),
                    "fte_needed_q90": float(need_q[2, j]),
                    "agency_fte_q50": float(np.median(agency_fte[:, j])),
                    "agency_cost_q50": float(
                        np.median(agency_fte[:, j]) * self.workforce.agency_premium
                    ),
                }
            )
        return pd.DataFrame(rows)


def project_caseload(
    cin: np.ndarray,
    *,
    years: Sequence[int],
    ratio: CaseRatio,
    workforce: WorkforcePlan,
    rng: RNGLike = None,
) -> CaseloadResult:
    """Cases held, FTE and caseload on every sample of a CIN forecast.

    Parameters
    ----------
    cin
        Children in need (including CP and LAC) per sample and year, ``(sample, year)``.
    years
        The forecast years.
    ratio
        Cases held per child in need (:meth:`CaseRatio.estimate`).
    workforce
        The workforce plan.
    rng
        Random generator or seed (ratio and FTE draws).
    """
    gen = as_generator(rng)
    arr = np.asarray(cin, dtype=float)
    if arr.ndim != 2 or arr.shape[1] != len(years):
        raise ScenarioError(f"cin has shape {arr.shape}; expected (sample, {len(years)}).")
    n = arr.shape[0]
    cases = arr * ratio.draw(n, gen)[:, None]
    mean_fte = workforce.filled_fte(len(years))
    noise = gen.normal(0.0, workforce.relative_sd, size=arr.shape)
    fte = np.clip(mean_fte * (1.0 + noise), 1e-6, None)
    return CaseloadResult(
        years=tuple(int(y) for y in years), cases=cases, fte=fte, workforce=workforce
    )
