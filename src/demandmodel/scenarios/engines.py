"""Scenario engines: turn a :class:`~demandmodel.scenarios.scenario.Scenario` into changed rates of
a fitted model, and simulate it with common random numbers.

- :class:`MarkovEngine` drives the episode-level model (:class:`~demandmodel.MarkovFit`) through
  its rate multipliers. Multipliers are numbers, so an effect *distribution* is represented by
  ``groups`` stratified values (the effect's quantiles at ``(k + 0.5) / groups``, shuffled per
  intervention so that two uncertain effects are not perfectly correlated); each group simulates
  ``n_samples / groups`` paths from its own seed. The baseline runs in the same groups with the same
  seeds, so a scenario with no effect reproduces it sample by sample.
- :class:`AggregateEngine` drives the published-data stock-and-flow model
  (:class:`~demandmodel.models.aggregate.FittedAggregate`): entry rates, exit hazards and the
  population path are changed per sample, after the model's own random draws, so those draws are
  shared with the baseline.

How each intervention acts (``share`` is the ramp's share in force at that time):

================== ============================================================================
entry_change       entry rates of the targeted age bands x (1 + effect x share); ``absolute``
                   adds effect x share children a year (negative diverts)
sib                entries of the eligible ages reduced by the SIB's entries avoided each year
exit_change        leaving rates x (1 + effect x share); ``reason = "adoption"`` (Markov only)
                   acts on leaving from placed-for-adoption states
transition_change  moves between the two placement categories x (1 + effect x share) (Markov)
placement_mix_shift between *categories* (e.g. residential -> fostering): that share of new
                   entries to the first goes to the second (Markov); between cost *sub-types*
                   (e.g. ifa_fostering -> in_house_fostering) it changes costs only (see runner)
duration_cap       an extra move from the placement to ``to_placement`` at a daily hazard
                   ``probability / days`` (the same mean time; an approximation: the state space
                   has no duration tunnel by default) (Markov)
population_variant entries x (variant population / baseline population), or (aggregate) the
                   variant's population path
workforce_change   no effect on demand; used by the caseload step
================== ============================================================================
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from demandmodel._random import seed_for
from demandmodel.errors import ScenarioError
from demandmodel.forecast import Forecast
from demandmodel.scenarios.effects import Effect
from demandmodel.scenarios.scenario import (
    DurationCap,
    EdgeOfCareSIB,
    EntryChange,
    ExitChange,
    Intervention,
    PlacementMixShift,
    PopulationVariant,
    Scenario,
    Target,
    TransitionChange,
    WorkforceChange,
    parse_age_band,
)

MEASURE_LEVEL = {"cla_31mar": "lac", "cp_31mar": "cp", "cin_31mar": "cin"}


def child_seed(root: np.random.SeedSequence, *key: Hashable) -> np.random.SeedSequence:
    """A seed derived from ``root`` and a key: the same for every scenario (common random numbers)."""
    return seed_for(np.random.SeedSequence(root.entropy, spawn_key=root.spawn_key), *key)


def stratified_values(
    effect: Effect, groups: int, root: np.random.SeedSequence, key: Hashable
) -> np.ndarray:
    """``groups`` quantiles of ``effect`` in an order shuffled by ``key`` (one per simulation group)."""
    probs = (np.arange(groups) + 0.5) / groups
    order = np.random.default_rng(child_seed(root, "stratify", key)).permutation(groups)
    return effect.quantiles(probs[order])


def _month_starts(start: pd.Timestamp, end: pd.Timestamp) -> list[pd.Timestamp]:
    first = pd.Timestamp(start.year, start.month, 1)
    return list(pd.date_range(first, end + pd.offsets.MonthBegin(1), freq="MS"))


def _period_of(day: pd.Timestamp) -> int:
    """The year ending 31 March that contains ``day``."""
    return int(day.year + (1 if day.month >= 4 else 0))


@dataclass(frozen=True, slots=True, kw_only=True)
class MarkovEngine:
    """Run scenarios on a fitted episode-level model.

    Parameters
    ----------
    fit
        A fitted :class:`~demandmodel.MarkovFit`.
    start
        Projection start date (the stock on this date is the starting point).
    years
        Years to project.
    groups
        Simulation groups (stratified effect values); ``n_samples`` must be a multiple.
    step
        Passed to :meth:`MarkovFit.project` (``"day"``: exact 31 March records; ``"week"`` is about
        twice as fast but records the nearest week).
    population_ratio
        Optional variant -> ``{period: variant / baseline population}`` for population variants.
    """

    fit: Any
    start: Any
    years: int
    groups: int = 10
    step: str = "day"
    population_ratio: Mapping[str, Mapping[int, float]] = field(default_factory=dict)

    @property
    def end(self) -> pd.Timestamp:
        """The projection's end date: ``years`` calendar years after ``start``."""
        return pd.Timestamp(self.start) + pd.DateOffset(years=self.years)

    def record_dates(self) -> list[pd.Timestamp]:
        """Each 31 March after the start up to the end, and the end date itself."""
        start = pd.Timestamp(self.start)
        dates = [
            pd.Timestamp(y, 3, 31)
            for y in range(start.year, self.end.year + 1)
            if start < pd.Timestamp(y, 3, 31) <= self.end
        ]
        return dates if dates and dates[-1] == self.end else [*dates, self.end]

    def _labels(self) -> pd.DataFrame:
        return pd.DataFrame(self.fit.labels)

    def _bands(self, target: Target) -> tuple[str, ...]:
        bands = []
        for label in self._labels()["age_band"].dropna().unique():
            lo, hi = parse_age_band(str(label), key="age_band")
            if target.covers_age(lo, hi):
                bands.append(str(label))
        return tuple(bands)

    def _where(self, target: Target) -> dict[str, tuple[str, ...]]:
        where: dict[str, tuple[str, ...]] = {}
        if target.age_bands:
            where["age_band"] = self._bands(target)
        if target.placements:
            where["placement"] = tuple(target.placements)
        return where

    def _daily_entries(self, where: Mapping[str, tuple[str, ...]]) -> float:
        labels = self._labels()
        ok = np.ones(len(labels), dtype=bool)
        for col, vals in where.items():
            ok &= labels[col].isin(list(vals)).to_numpy()
        entries = pd.DataFrame(self.fit.entries)
        chosen = np.flatnonzero(ok)
        return float(entries.loc[entries["dest"].isin(chosen), "rate"].sum())

    def multipliers(self, scenario: Scenario, values: Mapping[int, float]) -> list[Any]:
        """Rate multipliers for one simulation group (``values``: effect per intervention index)."""
        from demandmodel.models.markov import RateMultiplier

        months = _month_starts(pd.Timestamp(self.start), self.end)
        out: list[Any] = []
        for k, item in enumerate(scenario.interventions):
            if isinstance(item, WorkforceChange) or item.target.level != "lac":
                continue
            spans = list(itertools.pairwise(months))
            mids = [a + (b - a) / 2 for a, b in spans]
            share = item.share_in_force([m.date() for m in mids])
            for (a, b), sh, mid in zip(spans, share, mids, strict=True):
                for kwargs in self._rate_changes(item, values.get(k, 0.0), float(sh), mid):
                    if kwargs["value"] != 1.0:
                        out.append(RateMultiplier(start=a, end=b, **kwargs))
        return out

    def _rate_changes(
        self, item: Intervention, value: float, share: float, when: pd.Timestamp
    ) -> list[dict[str, Any]]:
        where = self._where(item.target)
        if share == 0.0:
            return []
        if isinstance(item, EntryChange):
            if item.relative is not None:
                return [{"value": max(0.0, 1 + value * share), "kind": "entry", "where": where}]
            base = self._daily_entries(where) * 365.25
            if base <= 0:
                raise ScenarioError(
                    "entry_change (absolute): the targeted ages have no entries to change."
                )
            return [{"value": max(0.0, 1 + value * share / base), "kind": "entry", "where": where}]
        if isinstance(item, EdgeOfCareSIB):
            return []  # handled in simulate() (needs the bond's yearly entries avoided)
        if isinstance(item, ExitChange):
            if item.reason == "adoption":
                where = {**where, "placement": ("adoption",)}
            elif item.reason != "any":
                raise ScenarioError(
                    f"exit_change reason {item.reason!r}: the episode model has one leaving rate "
                    "per state; use reason = 'any' or 'adoption'."
                )
            return [{"value": max(0.0, 1 + value * share), "kind": "exit", "where": where}]
        if isinstance(item, TransitionChange):
            return [
                {
                    "value": max(0.0, 1 + value * share),
                    "kind": "move",
                    "where": {**where, "placement": (item.from_placement,)},
                    "to": {"placement": (item.to_placement,)},
                }
            ]
        if isinstance(item, PlacementMixShift):
            return self._mix_shift(item, value * share, where)
        if isinstance(item, DurationCap):
            return self._duration_cap(item, value * share, where)
        if isinstance(item, PopulationVariant):
            ratio = self.population_ratio.get(item.variant)
            if ratio is None:
                raise ScenarioError(
                    f"population variant {item.variant!r} is not available for this run; "
                    f"available: {sorted(self.population_ratio)}."
                )
            period = _period_of(when)
            nearest = min(ratio, key=lambda p: abs(p - period))
            return [{"value": 1 + (ratio[nearest] - 1) * share, "kind": "entry", "where": where}]
        raise ScenarioError(f"{item.type} is not supported by the episode-level engine.")

    def _mix_shift(
        self, item: PlacementMixShift, share: float, where: Mapping[str, tuple[str, ...]]
    ) -> list[dict[str, Any]]:
        labels = self._labels()
        cats = set(labels["placement"].dropna().astype(str))
        if item.from_placement not in cats or item.to_placement not in cats:
            return []  # a cost sub-type shift: applied to costs by the runner
        out = []
        bands = where.get("age_band") or tuple(labels["age_band"].dropna().unique())
        for band in bands:
            src = self._daily_entries({"age_band": (band,), "placement": (item.from_placement,)})
            dst = self._daily_entries({"age_band": (band,), "placement": (item.to_placement,)})
            if src <= 0:
                continue
            out.append(
                {
                    "value": 1 - share,
                    "kind": "entry",
                    "where": {"age_band": (band,), "placement": (item.from_placement,)},
                }
            )
            if dst > 0:
                out.append(
                    {
                        "value": 1 + share * src / dst,
                        "kind": "entry",
                        "where": {"age_band": (band,), "placement": (item.to_placement,)},
                    }
                )
        return out

    def _duration_cap(
        self, item: DurationCap, probability: float, where: Mapping[str, tuple[str, ...]]
    ) -> list[dict[str, Any]]:
        """Raise each capped state's move rate to ``to_placement`` by ``probability / days`` a day."""
        labels = self._labels()
        flows = pd.DataFrame(self.fit.flows)
        moves = flows[flows["kind"] == "move"]
        out = []
        for origin in np.flatnonzero((labels["placement"] == item.placement).to_numpy()):
            band = str(labels["age_band"].iloc[origin])
            if "age_band" in where and band not in where["age_band"]:
                continue
            dests = np.flatnonzero(
                (
                    (labels["placement"] == item.to_placement) & (labels["age_band"] == band)
                ).to_numpy()
            )
            rate = moves.loc[moves["origin"].eq(origin) & moves["dest"].isin(dests), "rate"].sum()
            if rate <= 0:
                raise ScenarioError(
                    f"duration_cap: no moves from {item.placement!r} to {item.to_placement!r} at "
                    f"ages {band} were seen in the reference window to scale; choose another "
                    "to_placement."
                )
            extra = probability / item.days
            out.append(
                {
                    "value": 1 + extra / float(rate),
                    "kind": "move",
                    "where": {"state": (str(labels["state"].iloc[origin]),)},
                    "to": {"placement": (item.to_placement,), "age_band": (band,)},
                }
            )
        return out

    def simulate(
        self, scenario: Scenario, *, n_samples: int, rng: np.random.SeedSequence
    ) -> Forecast:
        """Paths under ``scenario`` in ``groups`` groups of ``n_samples / groups``."""
        if n_samples % self.groups:
            raise ScenarioError(
                f"n_samples = {n_samples} must be a multiple of groups = {self.groups}."
            )
        per = n_samples // self.groups
        values = {
            k: stratified_values(effect, self.groups, rng, ("intervention", k))
            for k, item in enumerate(scenario.interventions)
            if (effect := _effect_of(item)) is not None
        }
        parts = []
        first: Forecast | None = None
        for g in range(self.groups):
            group_values = {k: float(v[g]) for k, v in values.items()}
            mults = self.multipliers(scenario, group_values)
            mults += self._sib_multipliers(scenario, group_values)
            fc = self.fit.project(
                start=self.start,
                end=self.end,
                samples=per,
                rng=child_seed(rng, "group", g),
                step=self.step,
                record=self.record_dates(),
                multipliers=tuple(mults),
                common_random_numbers=True,
            )
            first = first or fc
            parts.append(fc.samples)
        assert first is not None
        return Forecast(
            samples=np.concatenate(parts, axis=0),
            periods=first.periods,
            series=first.series,
            model=first.model,
            origin=first.origin,
            seed=None,
            history=first.history,
            metadata={**dict(first.metadata), "scenario": scenario.name, "groups": self.groups},
        )

    def _sib_multipliers(self, scenario: Scenario, values: Mapping[int, float]) -> list[Any]:
        from demandmodel.models.markov import RateMultiplier

        out: list[Any] = []
        for k, item in enumerate(scenario.interventions):
            if not isinstance(item, EdgeOfCareSIB):
                continue
            bond = item.bond()
            lo, hi = bond.eligible_ages
            where = {"age_band": self._bands(Target(age_bands=((lo, hi),)))}
            per_day = self._daily_entries(where)
            avoided = bond.outcomes(np.array([values[k]])).entries_avoided[0]
            for year, n_avoided in zip(bond.years(), avoided, strict=True):
                if per_day <= 0 or n_avoided == 0:
                    continue
                keep = max(0.0, 1 - n_avoided / 365.25 / per_day)
                out.append(
                    RateMultiplier(
                        value=keep,
                        kind="entry",
                        where=where,
                        start=pd.Timestamp(year - 1, 4, 1),
                        end=pd.Timestamp(year, 4, 1),
                    )
                )
        return out


def _effect_of(item: Intervention) -> Effect | None:
    for name in ("relative", "absolute", "share", "probability", "effect"):
        value = getattr(item, name, None)
        if isinstance(value, Effect):
            return value
    return None


@dataclass(frozen=True, slots=True, kw_only=True)
class AggregateEngine:
    """Run scenarios on a fitted published-data stock-and-flow model.

    Parameters
    ----------
    fit
        A :class:`~demandmodel.models.aggregate.FittedAggregate` (from ``AggregateSpec().fit``).
    horizon
        Years ahead.
    measure
        The stock measure the fit models (``cla_31mar``, ``cp_31mar`` or ``cin_31mar``).
    entry_age_shares
        Share of entries in each age band ``(low, high) -> share``, to target ages; required when
        an intervention targets ages.
    population_variants
        Variant -> population path over the horizon, for population variants.
    """

    fit: Any
    horizon: int
    measure: str = "cla_31mar"
    entry_age_shares: Mapping[tuple[int, int], float] = field(default_factory=dict)
    population_variants: Mapping[str, Sequence[float]] = field(default_factory=dict)

    def _age_share(self, target: Target) -> float:
        if not target.age_bands:
            return 1.0
        if not self.entry_age_shares:
            raise ScenarioError(
                "an intervention targets ages, but this run has no entries-by-age shares for the "
                "LA; pass entry_age_shares or target all ages."
            )
        return float(
            sum(s for (lo, hi), s in self.entry_age_shares.items() if target.covers_age(lo, hi))
        )

    def simulate(
        self, scenario: Scenario, *, n_samples: int, rng: np.random.SeedSequence
    ) -> Forecast:
        """Paths under ``scenario``; the model's own draws are shared with the baseline."""
        from demandmodel.models.base import history_frame

        fit, h = self.fit, self.horizon
        gen = np.random.default_rng(child_seed(rng, "aggregate"))
        rates = fit.draw_rates(h, n_samples=n_samples, rng=gen)
        a, d, pop = rates.entry_rate, rates.exit_hazard, rates.population
        periods = [fit.origin + k + 1 for k in range(h)]
        level = MEASURE_LEVEL.get(self.measure, "lac")
        for k, item in enumerate(scenario.interventions):
            if isinstance(item, WorkforceChange) or item.target.level != level:
                continue
            eff = np.random.default_rng(child_seed(rng, "effect", k))
            share = np.array([item.share_in_period(p) for p in periods])
            a, d, pop = self._apply(item, a, d, pop, share, eff, n_samples)
        changed = dataclasses.replace(rates, entry_rate=a, exit_hazard=d, population=pop)
        paths = fit.run_paths(changed, rng=gen)
        return Forecast(
            samples=paths.stock[:, :, None],
            periods=tuple(periods),
            series=pd.DataFrame({"la_code": [fit.la_code], "measure": [fit.measure]}),
            model=fit.model_name,
            origin=fit.origin,
            history=history_frame(fit.history, la_code=fit.la_code, measure=fit.measure),
            metadata={"scenario": scenario.name},
        )

    def _apply(
        self,
        item: Intervention,
        a: np.ndarray,
        d: np.ndarray,
        pop: np.ndarray,
        share: np.ndarray,
        eff: np.random.Generator,
        n: int,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        age = self._age_share(item.target)
        if isinstance(item, EntryChange):
            if item.relative is not None:
                v = item.relative.draw(n, eff)[:, None]
                return a * np.clip(1 + v * share * age, 0, None), d, pop
            assert item.absolute is not None
            v = item.absolute.draw(n, eff)[:, None]
            return np.clip(a + v * share * 10_000 / pop, 0, None), d, pop
        if isinstance(item, EdgeOfCareSIB):
            bond = item.bond()
            avoided = bond.outcomes(bond.effect.draw(n, eff)).entries_avoided
            by_year = dict(zip(bond.years(), avoided.T, strict=True))
            cut = np.column_stack(
                [
                    by_year.get(p, np.zeros(n))
                    for p in range(self.fit.origin + 1, self.fit.origin + 1 + self.horizon)
                ]
            )
            return np.clip(a - cut * 10_000 / pop, 0, None), d, pop
        if isinstance(item, ExitChange):
            if item.reason != "any":
                raise ScenarioError(
                    f"exit_change reason {item.reason!r}: published data has one leaving rate; "
                    "use reason = 'any'."
                )
            v = item.relative.draw(n, eff)[:, None]
            return a, d * np.clip(1 + v * share, 0, None), pop
        if isinstance(item, PopulationVariant):
            if item.series:
                series = dict(item.series)
                wanted = [self.fit.origin + k + 1 for k in range(self.horizon)]
                if any(p not in series for p in wanted):
                    raise ScenarioError(
                        f"population series must give every forecast year {wanted}; got {sorted(series)}."
                    )
                path = [series[p] for p in wanted]
            elif item.variant in self.population_variants:
                path = list(self.population_variants[item.variant])[: self.horizon]
            else:
                raise ScenarioError(
                    f"population variant {item.variant!r} is not available for this LA; give a "
                    "series or one of " + str(sorted(self.population_variants))
                )
            new = np.asarray(path, dtype=float)
            return a, d, pop + (new - pop) * share
        if isinstance(item, PlacementMixShift):
            return a, d, pop  # costs only with published data
        raise ScenarioError(
            f"{item.type} needs placements and durations: run it on the episode-level model."
        )


def placement_shift_shares(
    scenario: Scenario,
    periods: Sequence[int],
    *,
    sub_types: Sequence[str],
    n: int,
    rng: np.random.SeedSequence,
) -> list[tuple[str, str, np.ndarray]]:
    """Cost sub-type shifts of a scenario: ``(from, to, share (sample, period))`` for the runner."""
    out = []
    for k, item in enumerate(scenario.interventions):
        if isinstance(item, PlacementMixShift) and item.from_placement in sub_types:
            eff = np.random.default_rng(child_seed(rng, "effect", k))
            share = np.array([item.share_in_period(int(p)) for p in periods])
            out.append(
                (item.from_placement, item.to_placement, item.share.draw(n, eff)[:, None] * share)
            )
    return out
