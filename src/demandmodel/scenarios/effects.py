"""Effects that may be a point or a distribution, and the time profile of an intervention.

Examples
--------
>>> import numpy as np
>>> from demandmodel.scenarios.effects import Effect, ramp
>>> Effect.point(-0.1).draw(3, np.random.default_rng(0)).tolist()
[-0.1, -0.1, -0.1]
>>> [round(float(x), 2) for x in ramp([0, 6, 12, 24], start=0, ramp=12, end=None)]
[0.0, 0.5, 1.0, 1.0]
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from demandmodel.errors import ScenarioError

Kind = Literal["point", "normal", "uniform", "triangular"]
_PARAMS: dict[str, tuple[str, ...]] = {
    "point": ("value",),
    "normal": ("mean", "sd"),
    "uniform": ("low", "high"),
    "triangular": ("low", "mode", "high"),
}


@dataclass(frozen=True, slots=True, kw_only=True)
class Effect:
    """A number, or a distribution of numbers, drawn once per simulation.

    Parameters
    ----------
    kind
        ``point``, ``normal`` (``mean``, ``sd``), ``uniform`` (``low``, ``high``) or ``triangular``
        (``low``, ``mode``, ``high``).
    params
        The distribution's parameters, by name.
    low_bound, high_bound
        Draws are clipped to this range (e.g. a relative change cannot go below -1).
    """

    kind: Kind = "point"
    params: tuple[tuple[str, float], ...] = (("value", 0.0),)
    low_bound: float = -np.inf
    high_bound: float = np.inf

    def __post_init__(self) -> None:
        if self.kind not in _PARAMS:
            raise ScenarioError(
                f"effect kind {self.kind!r} is unknown; use one of {sorted(_PARAMS)}."
            )
        names = tuple(name for name, _ in self.params)
        if set(names) != set(_PARAMS[self.kind]):
            raise ScenarioError(
                f"a {self.kind} effect needs {list(_PARAMS[self.kind])}, got {list(names)}."
            )
        p = dict(self.params)
        for name, value in p.items():
            if not np.isfinite(value):
                raise ScenarioError(f"effect parameter {name} = {value!r} is not a finite number.")
        if self.kind == "normal" and p["sd"] < 0:
            raise ScenarioError(
                f"effect sd = {p['sd']!r}; a standard deviation cannot be negative."
            )
        if self.kind == "uniform" and p["low"] > p["high"]:
            raise ScenarioError(f"effect low = {p['low']!r} is above high = {p['high']!r}.")
        if self.kind == "triangular" and not p["low"] <= p["mode"] <= p["high"]:
            raise ScenarioError(f"effect needs low <= mode <= high, got {p}.")
        # The centre and any hard limits of the distribution must be possible values; a normal's
        # tails may cross a bound (draws are clipped there).
        support = [p[k] for k in ("value", "mean", "low", "mode", "high") if k in p]
        for value in support:
            if not self.low_bound <= value <= self.high_bound:
                raise ScenarioError(
                    f"effect value {value!r} is outside its possible range "
                    f"[{self.low_bound:g}, {self.high_bound:g}]."
                )

    @classmethod
    def point(cls, value: float, **bounds: float) -> Effect:
        """A fixed effect."""
        return cls(kind="point", params=(("value", float(value)),), **bounds)

    @classmethod
    def normal(cls, mean: float, sd: float, **bounds: float) -> Effect:
        """A normally distributed effect (clipped to the bounds)."""
        return cls(kind="normal", params=(("mean", float(mean)), ("sd", float(sd))), **bounds)

    @classmethod
    def from_value(cls, value: Any, *, key: str, **bounds: float) -> Effect:
        """An effect from a TOML value: a number, or a table such as ``{mean = -0.1, sd = 0.05}``."""
        if isinstance(value, bool):
            raise ScenarioError(f"{key} = {value!r}; expected a number or a distribution table.")
        if isinstance(value, int | float):
            try:
                return cls.point(float(value), **bounds)
            except ScenarioError as err:
                raise ScenarioError(f"{key}: {err}") from None
        if isinstance(value, Mapping):
            table = dict(value)
            kind = table.pop("kind", None)
            if kind is None:
                matches = [k for k, names in _PARAMS.items() if set(names) == set(table)]
                if not matches:
                    raise ScenarioError(
                        f"{key} = {value!r}; a distribution needs one of these key sets: "
                        + "; ".join(f"{k}: {list(v)}" for k, v in _PARAMS.items())
                    )
                kind = matches[0]
            try:
                params = tuple((str(k), float(v)) for k, v in table.items())
            except (TypeError, ValueError):
                raise ScenarioError(f"{key} = {value!r}; parameters must be numbers.") from None
            try:
                return cls(kind=kind, params=params, **bounds)
            except ScenarioError as err:
                raise ScenarioError(f"{key}: {err}") from None
        raise ScenarioError(f"{key} = {value!r}; expected a number or a distribution table.")

    def to_value(self) -> float | dict[str, float | str]:
        """The TOML value of this effect (inverse of :meth:`from_value`)."""
        if self.kind == "point":
            return dict(self.params)["value"]
        return {"kind": self.kind, **dict(self.params)}

    @property
    def mean(self) -> float:
        """The centre of the distribution (before clipping)."""
        p = dict(self.params)
        if self.kind == "point":
            return p["value"]
        if self.kind == "normal":
            return p["mean"]
        if self.kind == "uniform":
            return (p["low"] + p["high"]) / 2
        return (p["low"] + p["mode"] + p["high"]) / 3

    @property
    def is_zero(self) -> bool:
        """True when every draw is exactly zero."""
        return self.kind == "point" and self.mean == 0.0

    def quantiles(self, probs: Sequence[float] | np.ndarray) -> np.ndarray:
        """The effect at the given probabilities (clipped to the bounds).

        Used to represent the distribution by a few stratified values, e.g.
        ``probs = (k + 0.5) / G`` for ``k < G``, when an engine runs groups of simulations.

        Examples
        --------
        >>> [round(float(q), 3) for q in Effect.normal(0.0, 1.0).quantiles([0.5, 0.975])]
        [0.0, 1.96]
        """
        from scipy import stats

        p = dict(self.params)
        pr = np.asarray(probs, dtype=float)
        if self.kind == "point":
            out = np.full(pr.shape, p["value"])
        elif self.kind == "normal":
            out = stats.norm.ppf(pr, loc=p["mean"], scale=max(p["sd"], 1e-300))
        elif self.kind == "uniform":
            out = p["low"] + pr * (p["high"] - p["low"])
        else:
            width = p["high"] - p["low"]
            c = 0.5 if width == 0 else (p["mode"] - p["low"]) / width
            out = stats.triang.ppf(pr, c, loc=p["low"], scale=max(width, 1e-300))
        return np.asarray(np.clip(out, self.low_bound, self.high_bound))

    def draw(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """``n`` draws (one per simulation), clipped to the bounds."""
        p = dict(self.params)
        if self.kind == "point":
            out = np.full(n, p["value"])
        elif self.kind == "normal":
            out = rng.normal(p["mean"], p["sd"], n)
        elif self.kind == "uniform":
            out = rng.uniform(p["low"], p["high"], n)
        else:
            out = rng.triangular(p["low"], p["mode"], p["high"], n)
        return np.asarray(np.clip(out, self.low_bound, self.high_bound))


def ramp(
    t: Sequence[float] | np.ndarray, *, start: float, ramp: float, end: float | None
) -> np.ndarray:
    """Share of an intervention's full effect in force at times ``t``.

    Zero before ``start``, rising linearly to one over ``ramp`` (same units as ``t``), one until
    ``end`` (exclusive) and zero after it.
    """
    arr = np.asarray(t, dtype=float)
    if ramp > 0:
        share = np.clip((arr - start) / ramp, 0.0, 1.0)
    else:
        share = (arr >= start).astype(float)
    if end is not None:
        share = np.where(arr >= end, 0.0, share)
    return np.asarray(share)
