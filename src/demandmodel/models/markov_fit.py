"""Fitting the Markov model to SSDA903 episodes, and projecting from what was fitted (DESIGN 4.3).

:class:`MarkovModel` is the specification (state space, shrinkage, recency weighting, ageing);
:meth:`MarkovModel.fit` estimates every rate by occurrence/exposure over a reference window
(:mod:`demandmodel.models.rates`) and returns a :class:`MarkovFit`, which holds the rates with
their Gamma posteriors and the stays they came from, and projects them with a
:class:`~demandmodel.models.markov_chain.MarkovChain` from the stock the episodes show.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from demandmodel._random import RNGLike
from demandmodel.errors import DemandModelError, DemandModelWarning, InsufficientHistoryError
from demandmodel.forecast import Forecast
from demandmodel.models.markov_chain import MarkovChain, Moments, RateMultiplier, aggregation
from demandmodel.models.rates import (
    candidate_flows,
    count_flows,
    entry_table,
    occupancy,
    population_factors,
    readable,
    shrink,
)
from demandmodel.models.states import StateSpace, care_segments, days, stock_at, to_date


@dataclass(frozen=True, slots=True, kw_only=True)
class MarkovModel:
    """The child-level multi-state model of looked-after children (spec; :meth:`fit` estimates it).

    Parameters
    ----------
    space
        The state space (age bands x placements x duration bands, UASC stream...).
    k
        Prior strength (person-days) of the Gamma shrinkage toward pooled rates.
    half_life
        Days; weight recent data more (``None``: every day of the window counts the same).
    ageing
        ``observed`` (crossings per person-day in each band) or ``uniform`` (1 / band width).

    Examples
    --------
    >>> from demandmodel.models.markov import MarkovModel
    >>> MarkovModel(k=100.0).space.n_states
    180
    """

    space: StateSpace = field(default_factory=lambda: StateSpace())
    k: float = 365.0
    half_life: float | None = None
    ageing: str = "observed"

    def fit(
        self,
        episodes: pd.DataFrame,
        *,
        reference_start: Any,
        reference_end: Any,
        population: pd.DataFrame | None = None,
        source: str = "episodes",
    ) -> MarkovFit:
        """Estimate every rate over ``[reference_start, reference_end]`` (both dates included).

        ``population`` (``age_band, period, population``) makes entries a rate per 10,000 children
        of each age band, scaled by the population over the projection.
        """
        if self.ageing not in ("observed", "uniform"):
            raise DemandModelError(f"ageing must be 'observed' or 'uniform'; got {self.ageing!r}.")
        t0, t1 = pd.Timestamp(reference_start).normalize(), pd.Timestamp(reference_end).normalize()
        if t1 <= t0:
            raise DemandModelError(
                f"reference_end {t1.date()} must be after reference_start {t0.date()}."
            )
        segs, notes = care_segments(episodes, self.space, source=source)
        data_end = _data_end(episodes)
        if data_end is not None and t1 > data_end:
            raise DemandModelError(
                f"reference_end {t1.date()} is after the returns end ({data_end.date()}, the 31 March "
                "closing the last collection year): days after it would count as exposure with no "
                "events. End the reference window on or before that date."
            )
        ended = segs["end"].dropna()
        d0, d1 = float(days([t0])[0]), float(days([t1])[0])
        in_window = ended[(ended > d0) & (ended <= d1 + 1)]
        # Many stays end in the window but none in its first quarter: the returns start later.
        if len(in_window) >= 50 and float(in_window.min()) > d0 + (d1 - d0) / 4:
            first_end = to_date(float(in_window.min())).date()
            warnings.warn(
                f"The reference window starts {t0.date()}, but no episode in the returns ends before "
                f"{first_end}: the returns probably start later, so stays that ended earlier are "
                "missing and exit rates would be biased low. Start the window when the returns start.",
                DemandModelWarning,
                stacklevel=2,
            )
        w = (float(days([t0])[0]), float(days([t1])[0]) + 1.0)
        occ = occupancy(segs, self.space, window=w, half_life=self.half_life)
        if occ.exposure.sum() <= 0:
            raise InsufficientHistoryError(
                la_code=_la(episodes), measure="cla episodes", n=0, needed=1
            )
        notes.update(occ.notes)
        flows = count_flows(candidate_flows(self.space, ageing=self.ageing), occ.events)
        flows = shrink(flows, exposure=occ.exposure, k=self.k)
        labels = self.space.labels()
        scale: np.ndarray | None = None
        mults: list[RateMultiplier] = []
        if population is not None:
            ref, mults = population_factors(population, self.space.age_labels, (t0, t1))
            age_i = self.space.components()["age_i"].to_numpy()
            scale = ref[age_i]
        entries = entry_table(occ.entries, occ.entries_raw, occ.window_days, scale=scale)
        return MarkovFit(
            model=self,
            labels=labels,
            flows=flows,
            entries=entries,
            segments=segs,
            notes=notes,
            reference=(t0, t1),
            multipliers=tuple(mults),
            data_end=data_end,
        )


def _la(episodes: pd.DataFrame) -> str:
    if "la_code" in episodes.columns and len(episodes):
        return str(episodes["la_code"].iloc[0])
    return "unknown"


def _data_end(episodes: pd.DataFrame) -> pd.Timestamp | None:
    """The 31 March closing the collection year of the last date in the returns (a return covers
    its whole year, so open episodes are known to run at least that far)."""
    last = pd.concat([pd.to_datetime(episodes["start"]), pd.to_datetime(episodes["end"])]).max()
    if pd.isna(last):
        return None
    last = pd.Timestamp(last).normalize()
    return pd.Timestamp(last.year + (last.month > 3), 3, 31)


@dataclass(frozen=True, slots=True, kw_only=True)
class MarkovFit:
    """A fitted :class:`MarkovModel`: rates with posteriors, and the stays they came from.

    Examples
    --------
    >>> import pandas as pd
    >>> ep = pd.DataFrame({
    ...     "child": ["a", "a", "b", "c"],
    ...     "start": pd.to_datetime(["2019-05-01", "2019-09-01", "2019-06-01", "2020-01-10"]),
    ...     "end": pd.to_datetime(["2019-09-01", None, "2020-02-01", None]),
    ...     "dob": pd.to_datetime(["2010-03-01", "2010-03-01", "2016-07-01", "2004-08-01"]),
    ...     "placement_category": ["fostering", "residential", "fostering", "supported"]})
    >>> fit = MarkovModel().fit(ep, reference_start="2019-04-01", reference_end="2020-03-31")
    >>> int(fit.stock_at("2020-03-31").sum())
    2
    >>> seen = fit.rates().query("count > 0")
    >>> sorted(seen["kind"])  # 'duration': crossings of the duration-in-care band edges
    ['ageing', 'duration', 'duration', 'duration', 'duration', 'entry', 'entry', 'entry', 'exit', 'move']
    >>> fc = fit.project(start="2020-03-31", years=1, samples=100, rng=1, record="year")
    >>> fc.select(kind="total").to_frame()[["period", "q50"]].shape
    (1, 2)
    """

    model: MarkovModel
    labels: pd.DataFrame
    flows: pd.DataFrame
    entries: pd.DataFrame
    segments: pd.DataFrame
    notes: Mapping[str, int]
    reference: tuple[pd.Timestamp, pd.Timestamp]
    multipliers: tuple[RateMultiplier, ...] = ()
    data_end: pd.Timestamp | None = None

    def rates(self) -> pd.DataFrame:
        """Every rate with its count, exposure (person-days), pooled prior mean and 95% interval."""
        return readable(self.flows, self.entries, self.labels)

    def chain(self) -> MarkovChain:
        """The fitted chain (entries scaled by the population when one was given)."""
        return MarkovChain(
            states=self.labels,
            flows=self.flows,
            entries=self.entries,
            multipliers=self.multipliers,
            model="markov",
            metadata={"reference": tuple(str(d.date()) for d in self.reference), "k": self.model.k},
        )

    def stock_at(self, date: Any) -> pd.Series:
        """Children in each state on ``date`` according to the episodes (in care that day)."""
        day = float(days([pd.Timestamp(date)])[0])
        return pd.Series(stock_at(self.segments, self.model.space, day), index=self.labels["state"])

    def _initial(self, start: Any, initial: Any) -> np.ndarray:
        if initial is not None:
            return np.asarray(initial, dtype=float)
        if self.data_end is not None and pd.Timestamp(start) > self.data_end:
            raise DemandModelError(
                f"Projection start {pd.Timestamp(start).date()} is after the last date in the data "
                f"({self.data_end.date()}), so the stock on that day is unknown; start on or "
                f"before {self.data_end.date()} (--start), or from Python pass initial= stocks."
            )
        return self.stock_at(start).to_numpy()

    def project(
        self,
        *,
        start: Any,
        years: float | None = None,
        end: Any = None,
        samples: int = 1000,
        rng: RNGLike = None,
        step: str = "day",
        record: str | Sequence[Any] = "month",
        multipliers: Sequence[RateMultiplier] = (),
        parameter_uncertainty: bool = True,
        parameter_draws: int | None = None,
        initial: Any = None,
        common_random_numbers: bool = False,
        with_history: bool = True,
    ) -> Forecast:
        """Monte Carlo projection from the stock on ``start`` for ``years`` (or to ``end``).

        The forecast's ``history`` holds the stocks the returns show at month ends from the
        start of the reference window to ``start`` (for charts of actuals against the fan).
        ``common_random_numbers``: couple runs with the same seed (see
        :meth:`MarkovChain.simulate`), for path-by-path scenario differences.
        ``with_history=False`` skips the history (callers that only write the projection).
        """
        end = _end(start, years, end)
        history = self.history(end=start) if initial is None and with_history else None
        return self.chain().simulate(
            initial=self._initial(start, initial),
            start=start,
            end=end,
            samples=samples,
            rng=rng,
            step=step,
            record=record,
            multipliers=multipliers,
            parameter_uncertainty=parameter_uncertainty,
            parameter_draws=parameter_draws,
            history=history,
            common_random_numbers=common_random_numbers,
        )

    def history(self, *, end: Any = None) -> pd.DataFrame:
        """Stocks by state and aggregate at each month end of the reference window (to ``end``).

        Long rows: the series labels (as in the forecast), ``period`` and ``value``.
        """
        t0 = self.reference[0]
        t1 = pd.Timestamp(end) if end is not None else self.reference[1]
        dates = [d for d in pd.date_range(t0, t1, freq="ME")] + [t1]
        dates = sorted(set(dates))
        series, weights = aggregation(self.labels)
        space = self.model.space
        values = np.stack(
            [weights @ stock_at(self.segments, space, float(days([d])[0])) for d in dates]
        )
        out = series.loc[np.tile(np.arange(len(series)), len(dates))].reset_index(drop=True)
        out["period"] = np.repeat(np.array(dates, dtype=object), len(series))
        out["value"] = values.ravel()
        return out

    def moments(
        self,
        *,
        start: Any,
        years: float | None = None,
        end: Any = None,
        step: str = "day",
        record: str | Sequence[Any] = "month",
        multipliers: Sequence[RateMultiplier] = (),
        initial: Any = None,
    ) -> Moments:
        """Exact mean and covariance of the projection (rates at their posterior means)."""
        return self.chain().moments(
            initial=self._initial(start, initial),
            start=start,
            end=_end(start, years, end),
            step=step,
            record=record,
            multipliers=multipliers,
        )


def _end(start: Any, years: float | None, end: Any) -> pd.Timestamp:
    if (years is None) == (end is None):
        raise DemandModelError("Give exactly one of years= or end= for a projection.")
    if end is not None:
        return pd.Timestamp(end)
    assert years is not None
    whole = int(years)
    if whole == years:  # calendar years: 31 March 2023 + 5 years is 31 March 2028
        return pd.Timestamp(start) + pd.DateOffset(years=whole)
    return pd.Timestamp(start) + pd.DateOffset(days=round(float(years) * 365.25))
