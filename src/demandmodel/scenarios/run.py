"""Run a baseline and its variants with common random numbers, and compare them.

An *engine* is anything that can simulate a forecast under a scenario (:class:`ScenarioEngine`):
the aggregate stock-and-flow model for published data, or the episode-level Markov model. Every
scenario is simulated from the **same** root seed, so baseline and variant share their random
numbers and the difference between them reflects the interventions, not simulation noise. A
scenario with no effect therefore reproduces the baseline sample by sample.

Examples
--------
>>> import numpy as np, pandas as pd
>>> from demandmodel.forecast import Forecast
>>> from demandmodel.scenarios.run import run_scenarios
>>> from demandmodel.scenarios.scenario import Scenario
>>> class Flat:
...     periods = (2025, 2026)
...     def simulate(self, scenario, *, n_samples, rng):
...         gen = np.random.default_rng(rng)
...         paths = gen.poisson(100, size=(n_samples, 2, 1)).astype(float)
...         return Forecast(samples=paths, periods=self.periods,
...                         series=pd.DataFrame({"measure": ["cla_31mar"]}), model="flat")
>>> cmp = run_scenarios(Flat(), [Scenario(name="same")], n_samples=50, rng=3)
>>> float(np.abs(cmp.difference("same")).max())
0.0
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import pandas as pd

from demandmodel import columns as C
from demandmodel._random import RNGLike
from demandmodel.errors import ScenarioError
from demandmodel.forecast import Forecast
from demandmodel.scenarios.scenario import Scenario

BASELINE = "baseline"


class ScenarioEngine(Protocol):
    """Simulates one forecast under a scenario; the same ``rng`` gives common random numbers."""

    def simulate(
        self, scenario: Scenario, *, n_samples: int, rng: np.random.SeedSequence
    ) -> Forecast:
        """Paths under ``scenario`` (an empty scenario is the baseline)."""
        ...


@dataclass(frozen=True, slots=True, kw_only=True)
class Comparison:
    """Forecasts of a baseline and its variants, simulated with common random numbers.

    Attributes
    ----------
    forecasts
        Scenario name -> Forecast; the baseline is under ``"baseline"`` (or the name given).
    scenarios
        Scenario name -> the Scenario that produced it.
    baseline
        The name of the baseline.
    """

    forecasts: Mapping[str, Forecast]
    scenarios: Mapping[str, Scenario]
    baseline: str = BASELINE

    @property
    def names(self) -> list[str]:
        """Scenario names, baseline first."""
        return list(self.forecasts)

    def difference(self, name: str) -> np.ndarray:
        """Samples of variant minus baseline, ``(sample, period, series)``; may be negative."""
        if name not in self.forecasts:
            raise ScenarioError(f"No scenario named {name!r}; have {self.names}.")
        return np.asarray(self.forecasts[name].samples - self.forecasts[self.baseline].samples)

    def to_frame(self) -> pd.DataFrame:
        """Long rows per scenario, series and period: levels (mean and quantiles) and the
        difference from the baseline (``diff_mean``, ``diff_q025`` ... ``diff_q975``)."""
        frames = []
        qs = list(C.QUANTILES.values())
        for name, fc in self.forecasts.items():
            frame = fc.to_frame()
            diff = self.difference(name)
            frame.insert(0, "scenario", name)
            frame["diff_mean"] = diff.mean(axis=0).ravel()
            for qname, qv in zip(C.QUANTILES, np.quantile(diff, qs, axis=0), strict=True):
                frame[f"diff_{qname}"] = qv.ravel()
            frames.append(frame)
        return pd.concat(frames, ignore_index=True)


def run_scenarios(
    engine: ScenarioEngine,
    scenarios: Sequence[Scenario],
    *,
    n_samples: int = 1000,
    rng: RNGLike = None,
    baseline: Scenario | None = None,
) -> Comparison:
    """Simulate a baseline and every variant with common random numbers.

    Parameters
    ----------
    engine
        The model to run (see :class:`ScenarioEngine`).
    scenarios
        The variants. A scenario named ``"baseline"`` among them is used as the baseline.
    n_samples
        Simulated paths per scenario.
    rng
        Root seed shared by every scenario.
    baseline
        The baseline scenario; default: one named ``"baseline"`` in ``scenarios``, else no change.

    Returns
    -------
    Comparison
        Baseline first, then the variants in the order given.
    """
    if n_samples < 1:
        raise ScenarioError(f"n_samples = {n_samples}; need at least one sample.")
    names = [s.name for s in scenarios]
    if len(set(names)) != len(names):
        dupes = sorted({n for n in names if names.count(n) > 1})
        raise ScenarioError(f"Scenario names must be unique; repeated: {dupes}.")
    variants = list(scenarios)
    if baseline is None:
        found = [s for s in variants if s.name == BASELINE]
        baseline = found[0] if found else Scenario(name=BASELINE)
    variants = [s for s in variants if s.name != baseline.name]
    if isinstance(rng, np.random.SeedSequence):
        root = rng
    elif isinstance(rng, np.random.Generator):
        root = np.random.SeedSequence(int(rng.integers(2**63)))
    else:
        root = np.random.SeedSequence(rng)
    forecasts: dict[str, Forecast] = {}
    by_name: dict[str, Scenario] = {}
    for scenario in (baseline, *variants):
        # The same root for every scenario: common random numbers. A fresh SeedSequence with the
        # same entropy each time, so an engine that spawns from it sees identical children.
        seed = np.random.SeedSequence(root.entropy, spawn_key=root.spawn_key)
        forecasts[scenario.name] = engine.simulate(scenario, n_samples=n_samples, rng=seed)
        by_name[scenario.name] = scenario
    shapes = {name: fc.samples.shape for name, fc in forecasts.items()}
    if len(set(shapes.values())) != 1:
        raise ScenarioError(f"Scenario forecasts differ in shape: {shapes}.")
    return Comparison(forecasts=forecasts, scenarios=by_name, baseline=baseline.name)
