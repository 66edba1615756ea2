"""Scenarios: frozen, named lists of interventions over a baseline, with a TOML round trip.

Each intervention has a ``start`` date, a ``ramp_months`` over which it builds to full effect, an
optional ``end``, a target (``level``: ``cin``, ``cp`` or ``lac``; ``age_bands`` such as ``"10-15"``;
``placements``) and an effect that may be a number or a distribution
(:class:`~demandmodel.scenarios.effects.Effect`).

Examples
--------
>>> from demandmodel.scenarios.scenario import Scenario
>>> text = '''
... name = "edge of care"
... [[interventions]]
... type = "entry_change"
... start = 2024-04-01
... ramp_months = 12
... age_bands = ["10-15", "16-17"]
... relative = {mean = -0.10, sd = 0.05}
... '''
>>> sc = Scenario.from_toml(text)
>>> sc.interventions[0].target.age_bands
((10, 15), (16, 17))
>>> Scenario.from_toml(sc.to_toml()) == sc
True
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from demandmodel.errors import ScenarioError
from demandmodel.scenarios.effects import Effect, ramp

if TYPE_CHECKING:
    from demandmodel.scenarios.sib import SocialImpactBond

LEVELS = ("cin", "cp", "lac")
POPULATION_VARIANTS = ("principal", "high", "low")


def parse_age_band(text: str, *, key: str) -> tuple[int, int]:
    """``"10-15"`` -> ``(10, 15)``; ``"under 1"`` or ``"0"`` -> ``(0, 0)``; ``"16+"`` -> ``(16, 17)``.

    Examples
    --------
    >>> parse_age_band("1-4", key="age_bands")
    (1, 4)
    """
    raw = str(text).strip().lower().replace(" to ", "-").replace("_", "-")
    if raw in ("under 1", "under-1", "0"):
        return (0, 0)
    try:
        if raw.endswith("+"):
            lo, hi = int(raw[:-1]), 17
        elif "-" in raw:
            a, b = raw.split("-", 1)
            lo, hi = int(a), int(b)
        else:
            lo = hi = int(raw)
    except ValueError:
        raise ScenarioError(
            f"{key} = {text!r} is not an age band; write it as '10-15', '16+' or 'under 1'."
        ) from None
    if not 0 <= lo <= hi <= 17:
        raise ScenarioError(f"{key} = {text!r}: ages must lie within 0-17, low before high.")
    return (lo, hi)


def _band_label(band: tuple[int, int]) -> str:
    return "under 1" if band == (0, 0) else f"{band[0]}-{band[1]}"


@dataclass(frozen=True, slots=True, kw_only=True)
class Target:
    """Who an intervention applies to; empty tuples mean everyone."""

    level: str = "lac"
    age_bands: tuple[tuple[int, int], ...] = ()
    placements: tuple[str, ...] = ()

    def covers_age(self, low: int, high: int) -> bool:
        """True when the target includes any age in ``low..high``."""
        return not self.age_bands or any(lo <= high and low <= hi for lo, hi in self.age_bands)

    def covers_placement(self, placement: str) -> bool:
        """True when the target includes ``placement``."""
        return not self.placements or placement in self.placements


@dataclass(frozen=True, slots=True, kw_only=True)
class Intervention:
    """Fields every intervention has; subclasses add their effect."""

    type: ClassVar[str] = ""
    start: dt.date
    ramp_months: float = 0.0
    end: dt.date | None = None
    target: Target = field(default_factory=Target)

    def share_in_force(self, when: Sequence[dt.date] | np.ndarray) -> np.ndarray:
        """Share of the full effect in force at each date (0 before start, ramping, 0 after end)."""
        years = np.array([_year_fraction(d) for d in when])
        return ramp(
            years,
            start=_year_fraction(self.start),
            ramp=self.ramp_months / 12.0,
            end=None if self.end is None else _year_fraction(self.end),
        )

    def share_in_period(self, period: int) -> float:
        """Average share in force over the year ending 31 March ``period`` (monthly points)."""
        months = [dt.date(period - 1, 4, 15) + dt.timedelta(days=30.44 * k) for k in range(12)]
        return float(self.share_in_force(months).mean())

    def overlaps(self, other: Intervention) -> bool:
        """True when the two are in force at some common time."""
        far = dt.date(9999, 1, 1)
        return self.start < (other.end or far) and other.start < (self.end or far)


def _year_fraction(d: dt.date) -> float:
    return d.year + (d.timetuple().tm_yday - 1) / 365.25


@dataclass(frozen=True, slots=True, kw_only=True)
class EntryChange(Intervention):
    """More or fewer children entering the target level: ``relative`` (e.g. -0.1 for 10% fewer)
    or ``absolute`` (children a year; negative diverts)."""

    type: ClassVar[str] = "entry_change"
    relative: Effect | None = None
    absolute: Effect | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ExitChange(Intervention):
    """Faster or slower leaving (e.g. adoption, reunification): ``relative`` change of exit rates;
    ``reason`` narrows it (``any``, ``adoption``, ``reunification``, ``sgo``, ``independence``)."""

    type: ClassVar[str] = "exit_change"
    relative: Effect = field(default_factory=lambda: Effect.point(0.0))
    reason: str = "any"


@dataclass(frozen=True, slots=True, kw_only=True)
class TransitionChange(Intervention):
    """A relative change of the moves from one placement category to another."""

    type: ClassVar[str] = "transition_change"
    from_placement: str = ""
    to_placement: str = ""
    relative: Effect = field(default_factory=lambda: Effect.point(0.0))


@dataclass(frozen=True, slots=True, kw_only=True)
class PlacementMixShift(Intervention):
    """Move a ``share`` of children from one placement (sub-)type to another, e.g. from
    ``ifa_fostering`` to ``in_house_fostering``, or ``residential`` to ``fostering``."""

    type: ClassVar[str] = "placement_mix_shift"
    from_placement: str = ""
    to_placement: str = ""
    share: Effect = field(default_factory=lambda: Effect.point(0.0))


@dataclass(frozen=True, slots=True, kw_only=True)
class DurationCap(Intervention):
    """Children leave ``placement`` after ``days`` with ``probability`` (a step-down policy)."""

    type: ClassVar[str] = "duration_cap"
    placement: str = ""
    days: float = 365.0
    probability: Effect = field(default_factory=lambda: Effect.point(1.0))
    to_placement: str = "fostering"


@dataclass(frozen=True, slots=True, kw_only=True)
class PopulationVariant(Intervention):
    """Use an ONS projection variant (``principal``, ``high``, ``low``) or a user ``series``."""

    type: ClassVar[str] = "population_variant"
    variant: str = "principal"
    series: tuple[tuple[int, float], ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class WorkforceChange(Intervention):
    """Change the case-holding workforce: establishment growth, agency share, vacancy rate."""

    type: ClassVar[str] = "workforce_change"
    annual_growth: float | None = None
    agency_share: float | None = None
    vacancy_rate: float | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class EdgeOfCareSIB(Intervention):
    """An edge-of-care service funded by a Social Impact Bond: its avoided entries into care feed the
    demand model. Ages come from ``age_bands`` (default 11-17); the rest are the
    :class:`~demandmodel.scenarios.sib.SocialImpactBond` parameters."""

    type: ClassVar[str] = "sib"
    referrals: tuple[float, ...] = ()
    window_months: float = 30.0
    comparison_proportion: float = 0.55
    effect: Effect = field(default_factory=lambda: _default_sib_effect())
    share_of_window_in_care: float = 0.75
    weekly_placement_cost: float = 2500.0
    price_per_day: float | None = 100.0
    share_of_saving: float | None = None
    payment_cap: float = 7.1e6
    investor_capital: float = 3.1e6
    service_cost_per_young_person: float = 8000.0
    discount_rate: float = 0.035

    def bond(self) -> SocialImpactBond:
        """The SocialImpactBond this intervention describes (validated on creation)."""
        from demandmodel.scenarios.sib import SocialImpactBond

        ages = self.target.age_bands or ((11, 17),)
        start_year = self.start.year + (1 if self.start.month >= 4 else 0)
        return SocialImpactBond(
            referrals=self.referrals,
            start_year=start_year,
            eligible_ages=(min(a for a, _ in ages), max(b for _, b in ages)),
            window_months=self.window_months,
            comparison_proportion=self.comparison_proportion,
            effect=self.effect,
            share_of_window_in_care=self.share_of_window_in_care,
            weekly_placement_cost=self.weekly_placement_cost,
            price_per_day=self.price_per_day,
            share_of_saving=self.share_of_saving,
            payment_cap=self.payment_cap,
            investor_capital=self.investor_capital,
            service_cost_per_young_person=self.service_cost_per_young_person,
            discount_rate=self.discount_rate,
        )


def _default_sib_effect() -> Effect:
    from demandmodel.scenarios.sib import DEFAULT_EFFECT

    return DEFAULT_EFFECT


INTERVENTION_TYPES: dict[str, type[Intervention]] = {
    cls.type: cls
    for cls in (
        EntryChange,
        ExitChange,
        TransitionChange,
        PlacementMixShift,
        DurationCap,
        PopulationVariant,
        WorkforceChange,
        EdgeOfCareSIB,
    )
}
_COMMON = ("type", "start", "ramp_months", "end", "level", "age_bands", "placements")
_BOUNDS: dict[str, dict[str, float]] = {
    "relative": {"low_bound": -1.0},
    "share": {"low_bound": 0.0, "high_bound": 1.0},
    "probability": {"low_bound": 0.0, "high_bound": 1.0},
    "effect": {"low_bound": -1.0, "high_bound": 1.0},
}
_SIB_NUMBERS = (
    "window_months",
    "comparison_proportion",
    "share_of_window_in_care",
    "weekly_placement_cost",
    "price_per_day",
    "share_of_saving",
    "payment_cap",
    "investor_capital",
    "service_cost_per_young_person",
    "discount_rate",
)


@dataclass(frozen=True, slots=True, kw_only=True)
class Scenario:
    """A named set of interventions applied over a baseline. Frozen: running it changes nothing."""

    name: str
    description: str = ""
    interventions: tuple[Intervention, ...] = ()

    def __post_init__(self) -> None:
        if not self.name.strip():
            raise ScenarioError("scenario name is empty; give every scenario a name.")
        _check_contradictions(self)

    @property
    def is_baseline(self) -> bool:
        """True when the scenario changes nothing."""
        return not self.interventions

    def of_type(self, cls: type[Intervention]) -> list[Intervention]:
        """The interventions of one type."""
        return [i for i in self.interventions if isinstance(i, cls)]

    def combine(self, other: Scenario, *, name: str | None = None) -> Scenario:
        """A scenario with the interventions of both (checked for contradictions)."""
        return Scenario(
            name=name or f"{self.name} + {other.name}",
            description="; ".join(d for d in (self.description, other.description) if d),
            interventions=self.interventions + other.interventions,
        )

    # --- TOML ---------------------------------------------------------------------------------
    @classmethod
    def from_dict(cls, table: Mapping[str, Any], *, where: str = "scenario") -> Scenario:
        """Build from a parsed TOML table; every problem names its key and value."""
        _reject_unknown(table, ("name", "description", "interventions"), where)
        name = table.get("name")
        if not isinstance(name, str):
            raise ScenarioError(f"{where}.name = {name!r}; every scenario needs a text name.")
        items = table.get("interventions", [])
        if not isinstance(items, list):
            raise ScenarioError(
                f"{where}.interventions must be an array of tables ([[interventions]])."
            )
        parsed = tuple(
            _intervention_from_dict(item, where=f"{where} {name!r} interventions[{k}]")
            for k, item in enumerate(items)
        )
        return cls(name=name, description=str(table.get("description", "")), interventions=parsed)

    @classmethod
    def from_toml(cls, source: str | Path) -> Scenario:
        """Read a scenario from TOML text or a ``.toml`` file."""
        where = "scenario"
        if isinstance(source, Path) or (isinstance(source, str) and source.endswith(".toml")):
            path = Path(source)
            where = str(path)
            try:
                source = path.read_text(encoding="utf-8")
            except OSError as err:
                raise ScenarioError(f"cannot read scenario file {path}: {err.strerror}") from None
        try:
            table = tomllib.loads(str(source))
        except tomllib.TOMLDecodeError as err:
            raise ScenarioError(f"{where} is not valid TOML: {err}") from None
        return cls.from_dict(table, where=where)

    def to_dict(self) -> dict[str, Any]:
        """A TOML-ready table (inverse of :meth:`from_dict`)."""
        out: dict[str, Any] = {"name": self.name}
        if self.description:
            out["description"] = self.description
        out["interventions"] = [_intervention_to_dict(i) for i in self.interventions]
        return out

    def to_toml(self) -> str:
        """The scenario as TOML text."""
        import tomli_w

        return tomli_w.dumps(self.to_dict())


def _reject_unknown(table: Mapping[str, Any], allowed: Sequence[str], where: str) -> None:
    if not isinstance(table, Mapping):
        raise ScenarioError(f"{where} must be a table, got {table!r}.")
    unknown = sorted(set(table) - set(allowed))
    if unknown:
        raise ScenarioError(
            f"{where}: unknown key(s) {unknown} (value {table[unknown[0]]!r}); "
            f"allowed keys are {sorted(allowed)}."
        )


def _as_date(value: Any, key: str) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    raise ScenarioError(f"{key} = {value!r}; write dates as YYYY-MM-DD, e.g. 2024-04-01.")


def _as_float(value: Any, key: str, low: float = -np.inf, high: float = np.inf) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ScenarioError(f"{key} = {value!r}; expected a number.")
    if not low <= float(value) <= high:
        raise ScenarioError(f"{key} = {value!r}; it must be between {low} and {high}.")
    return float(value)


def _intervention_from_dict(item: Mapping[str, Any], *, where: str) -> Intervention:
    if not isinstance(item, Mapping) or "type" not in item:
        raise ScenarioError(f"{where} needs a 'type', one of {sorted(INTERVENTION_TYPES)}.")
    kind = item["type"]
    cls = INTERVENTION_TYPES.get(kind)
    if cls is None:
        raise ScenarioError(
            f"{where}.type = {kind!r} is unknown; use one of {sorted(INTERVENTION_TYPES)}."
        )
    own = [
        f.name
        for f in dataclasses.fields(cls)
        if f.name not in ("start", "ramp_months", "end", "target")
    ]
    _reject_unknown(item, (*_COMMON, *own), f"{where} ({kind})")
    if "start" not in item:
        raise ScenarioError(f"{where}.start is missing; give the date the intervention starts.")
    level = item.get("level", "lac")
    if level not in LEVELS:
        raise ScenarioError(f"{where}.level = {level!r}; use one of {list(LEVELS)}.")
    bands = tuple(parse_age_band(b, key=f"{where}.age_bands") for b in item.get("age_bands", []))
    kwargs: dict[str, Any] = {
        "start": _as_date(item["start"], f"{where}.start"),
        "ramp_months": _as_float(item.get("ramp_months", 0.0), f"{where}.ramp_months", 0, 600),
        "end": None if item.get("end") is None else _as_date(item["end"], f"{where}.end"),
        "target": Target(
            level=level,
            age_bands=bands,
            placements=tuple(str(p) for p in item.get("placements", [])),
        ),
    }
    if kwargs["end"] is not None and kwargs["end"] <= kwargs["start"]:
        raise ScenarioError(
            f"{where}.end = {kwargs['end']} is not after start = {kwargs['start']}."
        )
    for name in own:
        if name not in item:
            continue
        value, key = item[name], f"{where}.{name}"
        if name in ("relative", "absolute", "share", "probability", "effect"):
            kwargs[name] = Effect.from_value(value, key=key, **_BOUNDS.get(name, {}))
        elif name == "series":
            if not isinstance(value, Mapping):
                raise ScenarioError(f"{key} must be a table of year = population.")
            kwargs[name] = tuple(
                sorted((int(k), _as_float(v, f"{key}.{k}", 0)) for k, v in value.items())
            )
        elif name == "referrals":
            if not isinstance(value, list) or not value:
                raise ScenarioError(
                    f"{key} = {value!r}; give referrals per year, e.g. [40, 80, 100]."
                )
            kwargs[name] = tuple(_as_float(v, f"{key}[{k}]", 0.0) for k, v in enumerate(value))
        elif name in _SIB_NUMBERS:
            kwargs[name] = _as_float(value, key)
        elif name in ("annual_growth",):
            kwargs[name] = _as_float(value, key, -0.5, 1.0)
        elif name in ("agency_share", "vacancy_rate"):
            kwargs[name] = _as_float(value, key, 0.0, 0.99)
        elif name == "days":
            kwargs[name] = _as_float(value, key, 1.0, 365.25 * 18)
        else:
            kwargs[name] = str(value)
    if cls is EdgeOfCareSIB and "share_of_saving" in item and "price_per_day" not in item:
        kwargs["price_per_day"] = None  # paying a share of the saving replaces the default price
    intervention = cls(**kwargs)
    _check_intervention(intervention, where)
    return intervention


def _check_intervention(i: Intervention, where: str) -> None:
    if isinstance(i, EntryChange) and (i.relative is None) == (i.absolute is None):
        raise ScenarioError(f"{where}: an entry_change needs exactly one of relative or absolute.")
    if isinstance(i, PopulationVariant) and not i.series and i.variant not in POPULATION_VARIANTS:
        raise ScenarioError(
            f"{where}.variant = {i.variant!r}; use one of {list(POPULATION_VARIANTS)} or a series."
        )
    if isinstance(i, TransitionChange | PlacementMixShift) and (
        not i.from_placement or not i.to_placement or i.from_placement == i.to_placement
    ):
        raise ScenarioError(
            f"{where}: from_placement = {i.from_placement!r} and to_placement = "
            f"{i.to_placement!r} must name two different placements."
        )
    if isinstance(i, DurationCap) and not i.placement:
        raise ScenarioError(f"{where}.placement is missing: which placement is capped?")
    if isinstance(i, EdgeOfCareSIB):
        if i.target.level != "lac":
            raise ScenarioError(
                f"{where}.level = {i.target.level!r}; a SIB diverts entries to care (lac)."
            )
        try:
            i.bond()
        except ScenarioError as err:
            raise ScenarioError(f"{where}: {err}") from None


def _intervention_to_dict(i: Intervention) -> dict[str, Any]:
    out: dict[str, Any] = {"type": i.type, "start": i.start, "ramp_months": i.ramp_months}
    if i.end is not None:
        out["end"] = i.end
    out["level"] = i.target.level
    if i.target.age_bands:
        out["age_bands"] = [_band_label(b) for b in i.target.age_bands]
    if i.target.placements:
        out["placements"] = list(i.target.placements)
    for f in dataclasses.fields(i):
        if f.name in ("start", "ramp_months", "end", "target"):
            continue
        value = getattr(i, f.name)
        if value is None or (f.name == "series" and not value):
            continue
        if isinstance(value, Effect):
            out[f.name] = value.to_value()
        elif isinstance(value, tuple) and f.name == "referrals":
            out[f.name] = list(value)
        elif f.name == "series":
            out[f.name] = {str(k): v for k, v in value}
        else:
            out[f.name] = value
    return out


def _check_contradictions(scenario: Scenario) -> None:
    """Two interventions that set the same thing differently at the same time contradict."""
    items = scenario.interventions
    for a_idx, a in enumerate(items):
        for b in items[a_idx + 1 :]:
            if type(a) is not type(b) or not a.overlaps(b):
                continue
            clash = None
            if isinstance(a, PopulationVariant) and isinstance(b, PopulationVariant):
                if (a.variant, a.series) != (b.variant, b.series):
                    clash = f"population variants {a.variant!r} and {b.variant!r}"
            elif isinstance(a, DurationCap) and isinstance(b, DurationCap):
                if a.placement == b.placement and a.days != b.days:
                    clash = f"duration caps of {a.days:g} and {b.days:g} days on {a.placement!r}"
            elif isinstance(a, WorkforceChange) and isinstance(b, WorkforceChange):
                for name in ("annual_growth", "agency_share", "vacancy_rate"):
                    va, vb = getattr(a, name), getattr(b, name)
                    if va is not None and vb is not None and va != vb:
                        clash = f"workforce {name} of {va} and {vb}"
            if clash:
                raise ScenarioError(
                    f"scenario {scenario.name!r}: {clash} overlap in time "
                    f"({a.start} to {a.end or 'open'} and {b.start} to {b.end or 'open'}); "
                    "end one before the other starts, or keep only one."
                )
