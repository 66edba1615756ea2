"""Run files: one TOML file names the data, the model, the horizon, costs, capacity, workforce and
the scenarios of a run (``demandmodel run FILE.toml --out DIR``).

Every key and its default (paths are relative to the run file's folder):

.. code-block:: toml

    [run]
    title = "Synthetic Borough: sufficiency and an edge-of-care SIB"   # required
    data = "synthetic"        # "synthetic" (the embedded demo LA) or a file/folder path
    data_kind = "episodes"    # "episodes": SSDA903 returns; "published": DfE published tables
    la_code = "999"           # the LA to run (published data: any DfE 3-digit code)
    model = "auto"            # published data: a model name; episodes: "markov"
    origin = 2023             # last year of data used (year ending 31 March)
    horizon = 5               # years ahead
    samples = 1000            # simulated paths per scenario
    seed = 2024               # root seed: the same seed gives the same numbers
    reference_years = 3       # episodes: years of history the rates are estimated from

    [costs]                   # optional; defaults in demandmodel.costs
    placement_inflation = 0.04
    cpi = 0.02
    discount_rate = 0.035
    [costs.weekly]            # sub-type = [weekly £, price year]
    ifa_fostering = [820, 2021]
    [costs.provider_mix.fostering]
    in_house_fostering = 0.5
    ifa_fostering = 0.35
    friends_family_fostering = 0.15

    [capacity]                # optional: places the council provides itself
    occupancy = 0.9
    [capacity.places]
    fostering = 300           # or one number per forecast year

    [workforce]               # optional: caseload pressure
    case_holding_fte = 130    # default: the latest published figure for the LA, if any
    annual_growth = 0.0
    agency_share = 0.176
    agency_premium = 25000
    threshold = 18.0          # caseload thought unsafe
    target = 16.0             # caseload to plan for

    [[scenarios]]             # as in demandmodel.scenarios.scenario; "baseline" is added if absent
    name = "edge of care SIB"
    [[scenarios.interventions]]
    type = "sib"
    start = 2024-04-01
    referrals = [40, 80, 100, 100]

Examples
--------
>>> from demandmodel.config import RunConfig
>>> cfg = RunConfig.from_toml('[run]\\ntitle = "t"\\n[[scenarios]]\\nname = "baseline"\\n')
>>> cfg.horizon, cfg.samples, cfg.data
(5, 1000, 'synthetic')
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from demandmodel.caseload import WorkforcePlan
from demandmodel.costs import DEFAULT_PROVIDER_MIX, GREEN_BOOK_RATE, UnitCosts, check_shares
from demandmodel.errors import ScenarioError
from demandmodel.scenarios.scenario import Scenario
from demandmodel.sufficiency import Capacity

_RUN_KEYS = {
    "title": str,
    "data": str,
    "data_kind": str,
    "la_code": str,
    "model": str,
    "origin": int,
    "horizon": int,
    "samples": int,
    "seed": int,
    "reference_years": int,
}
_SECTIONS = ("run", "costs", "capacity", "workforce", "scenarios")
_WORKFORCE_KEYS = (
    "case_holding_fte",
    "annual_growth",
    "vacancy_rate",
    "origin_vacancy_rate",
    "agency_share",
    "agency_premium",
    "relative_sd",
    "threshold",
    "target",
)


@dataclass(frozen=True, slots=True, kw_only=True)
class RunConfig:
    """A parsed, validated run file (see the module docstring for every key)."""

    title: str
    data: str = "synthetic"
    data_kind: str = "episodes"
    la_code: str = "999"
    model: str = "auto"
    origin: int = 2023
    horizon: int = 5
    samples: int = 1000
    seed: int = 2024
    reference_years: int = 3
    unit_costs: UnitCosts = field(default_factory=UnitCosts)
    provider_mix: Mapping[str, Mapping[str, float]] = field(
        default_factory=lambda: dict(DEFAULT_PROVIDER_MIX)
    )
    discount_rate: float = GREEN_BOOK_RATE
    capacity: Capacity | None = None
    workforce: Mapping[str, float] = field(default_factory=dict)
    scenarios: tuple[Scenario, ...] = ()
    base_dir: Path = Path(".")

    @property
    def is_synthetic(self) -> bool:
        """True when the run uses the embedded synthetic LA."""
        return self.data == "synthetic"

    def data_path(self) -> Path:
        """The data location, resolved against the run file's folder."""
        if self.is_synthetic:
            from demandmodel.data.synthetic import demo_data_path

            return Path(demo_data_path())
        path = Path(self.data)
        return path if path.is_absolute() else self.base_dir / path

    def workforce_plan(self, default_fte: float | None = None) -> WorkforcePlan | None:
        """The workforce plan, using ``default_fte`` when the file gives no ``case_holding_fte``."""
        params = {k: v for k, v in self.workforce.items() if k not in ("threshold", "target")}
        if "case_holding_fte" not in params:
            if default_fte is None:
                return None
            params["case_holding_fte"] = default_fte
        return WorkforcePlan(**params)

    @classmethod
    def from_toml(cls, source: str | Path) -> RunConfig:
        """Read a run file (a path to a ``.toml`` file, or TOML text)."""
        where, base = "run file", Path(".")
        if isinstance(source, Path) or str(source).endswith(".toml"):
            path = Path(source)
            where, base = str(path), path.resolve().parent
            try:
                source = path.read_text(encoding="utf-8")
            except OSError as err:
                raise ScenarioError(f"cannot read run file {path}: {err.strerror}") from None
        try:
            table = tomllib.loads(str(source))
        except tomllib.TOMLDecodeError as err:
            raise ScenarioError(f"{where} is not valid TOML: {err}") from None
        return cls.from_dict(table, where=where, base_dir=base)

    @classmethod
    def from_dict(
        cls, table: Mapping[str, Any], *, where: str = "run file", base_dir: Path = Path(".")
    ) -> RunConfig:
        """Build from a parsed TOML table; every problem names its key and value."""
        _unknown(table, _SECTIONS, where)
        run = table.get("run")
        if not isinstance(run, Mapping) or "title" not in run:
            raise ScenarioError(f"{where}: a [run] table with a title is required.")
        _unknown(run, tuple(_RUN_KEYS), f"{where} [run]")
        kwargs: dict[str, Any] = {"base_dir": base_dir}
        for key, kind in _RUN_KEYS.items():
            if key in run:
                value = run[key]
                if kind is int and (isinstance(value, bool) or not isinstance(value, int)):
                    raise ScenarioError(
                        f"{where} [run] {key} = {value!r}; expected a whole number."
                    )
                if kind is str and not isinstance(value, str):
                    value = str(value)
                kwargs[key] = value
        _check_run(kwargs, where)
        kwargs.update(_costs(table.get("costs", {}), where))
        if "capacity" in table:
            cap = table["capacity"]
            _unknown(cap, ("places", "occupancy"), f"{where} [capacity]")
            kwargs["capacity"] = Capacity(
                places=dict(cap.get("places", {})), occupancy=float(cap.get("occupancy", 0.9))
            )
        if "workforce" in table:
            wf = table["workforce"]
            _unknown(wf, _WORKFORCE_KEYS, f"{where} [workforce]")
            kwargs["workforce"] = {k: float(v) for k, v in wf.items()}
            probe = dict(kwargs["workforce"])
            probe.setdefault("case_holding_fte", 1.0)
            cls._probe_workforce(probe)
        scenarios = table.get("scenarios", [])
        if not isinstance(scenarios, list):
            raise ScenarioError(f"{where}: scenarios must be an array of tables ([[scenarios]]).")
        kwargs["scenarios"] = tuple(
            Scenario.from_dict(s, where=f"{where} scenarios[{k}]") for k, s in enumerate(scenarios)
        )
        names = [s.name for s in kwargs["scenarios"]]
        if len(set(names)) != len(names):
            raise ScenarioError(f"{where}: scenario names must be unique, got {names}.")
        return cls(**kwargs)

    @staticmethod
    def _probe_workforce(params: Mapping[str, float]) -> None:
        for key in ("threshold", "target"):
            if key in params and params[key] <= 0:
                raise ScenarioError(f"[workforce] {key} = {params[key]!r}; must be positive.")
        WorkforcePlan(**{k: v for k, v in params.items() if k not in ("threshold", "target")})


def _unknown(table: Any, allowed: tuple[str, ...], where: str) -> None:
    if not isinstance(table, Mapping):
        raise ScenarioError(f"{where} must be a table, got {table!r}.")
    extra = sorted(set(table) - set(allowed))
    if extra:
        raise ScenarioError(
            f"{where}: unknown key(s) {extra} (value {table[extra[0]]!r}); allowed: {sorted(allowed)}."
        )


def _check_run(kw: Mapping[str, Any], where: str) -> None:
    if kw.get("data_kind", "episodes") not in ("episodes", "published"):
        raise ScenarioError(
            f"{where} [run] data_kind = {kw['data_kind']!r}; use 'episodes' or 'published'."
        )
    limits = {"horizon": (1, 10), "samples": (10, 100_000), "reference_years": (1, 10)}
    for key, (low, high) in limits.items():
        if key in kw and not low <= kw[key] <= high:
            raise ScenarioError(f"{where} [run] {key} = {kw[key]!r}; must be {low}-{high}.")
    if "origin" in kw and not 2000 <= kw["origin"] <= 2100:
        raise ScenarioError(f"{where} [run] origin = {kw['origin']!r}; give a year like 2023.")


def _costs(table: Any, where: str) -> dict[str, Any]:
    _unknown(
        table,
        ("placement_inflation", "cpi", "discount_rate", "weekly", "provider_mix"),
        f"{where} [costs]",
    )
    base = UnitCosts()
    weekly = dict(base.table)
    for key, value in dict(table.get("weekly", {})).items():
        if not isinstance(value, list) or len(value) != 2:
            raise ScenarioError(
                f"{where} [costs.weekly] {key} = {value!r}; write [weekly cost, price year]."
            )
        weekly[key] = (float(value[0]), int(value[1]))
    out: dict[str, Any] = {
        "unit_costs": UnitCosts(
            table=weekly,
            placement_inflation=float(table.get("placement_inflation", base.placement_inflation)),
            cpi=float(table.get("cpi", base.cpi)),
        )
    }
    mix = {k: dict(v) for k, v in DEFAULT_PROVIDER_MIX.items()}
    for category, shares in dict(table.get("provider_mix", {})).items():
        shares = {k: float(v) for k, v in dict(shares).items()}
        check_shares(shares, where=f"{where} [costs.provider_mix.{category}]")
        unknown = sorted(set(shares) - set(weekly))
        if unknown:
            raise ScenarioError(
                f"{where} [costs.provider_mix.{category}] has no unit cost for {unknown}; "
                "add them under [costs.weekly]."
            )
        mix[category] = shares
    out["provider_mix"] = mix
    if "discount_rate" in table:
        rate = float(table["discount_rate"])
        if not -0.5 < rate < 1:
            raise ScenarioError(f"{where} [costs] discount_rate = {rate!r} is implausible.")
        out["discount_rate"] = rate
    return out
