"""Scenario engines: zero effect == baseline sample by sample; more diversion, fewer children."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import demandmodel as dm
from demandmodel.errors import ScenarioError
from demandmodel.models.aggregate import AggregateSpec
from demandmodel.scenarios.engines import AggregateEngine, MarkovEngine
from demandmodel.scenarios.run import run_scenarios
from demandmodel.scenarios.scenario import Scenario


def _entry(name: str, relative: float, ages: str = "") -> Scenario:
    bands = f"\nage_bands = [{ages}]" if ages else ""
    return Scenario.from_toml(
        f'name = "{name}"\n[[interventions]]\ntype = "entry_change"\nstart = 2023-04-01\n'
        f"relative = {relative}{bands}\n"
    )


@pytest.fixture(scope="module")
def markov_engine() -> MarkovEngine:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        data = dm.read_ssda903(dm.demo_data_path() / "ssda903", repair=True)
    fit = dm.MarkovModel().fit(
        data.episodes, reference_start="2020-04-01", reference_end="2023-03-31"
    )
    return MarkovEngine(fit=fit, start="2023-03-31", years=2, groups=4)


@pytest.fixture(scope="module")
def aggregate_engine() -> AggregateEngine:
    rows = []
    for i, year in enumerate(range(2014, 2024)):
        rows += [
            ("301", "cla_31mar", year, 400.0 + 3 * i),
            ("301", "cla_starts", year, 200.0),
            ("301", "cla_ceases", year, 197.0),
            ("301", "pop_0_17", year, 60_000.0 + 200 * i),
        ]
    import pandas as pd

    panel = pd.DataFrame(rows, columns=["la_code", "measure", "period", "value"])
    fit = AggregateSpec().fit(panel, la_code="301", measure="cla_31mar", origin=2023)
    return AggregateEngine(fit=fit, horizon=3, entry_age_shares={(0, 9): 0.4, (10, 17): 0.6})


def test_markov_zero_effect_is_the_baseline_sample_by_sample(markov_engine: MarkovEngine) -> None:
    cmp = run_scenarios(markov_engine, [_entry("zero", 0.0)], n_samples=40, rng=5)
    np.testing.assert_array_equal(cmp.forecasts["zero"].samples, cmp.forecasts["baseline"].samples)
    assert cmp.forecasts["baseline"].periods[0].strftime("%d %m") == "31 03"


def test_markov_more_diversion_fewer_children(markov_engine: MarkovEngine) -> None:
    cmp = run_scenarios(
        markov_engine,
        [_entry("small", -0.2, '"10-15", "16-17"'), _entry("large", -0.8, '"10-15", "16-17"')],
        n_samples=40,
        rng=5,
    )
    total = (cmp.forecasts["baseline"].series["kind"] == "total").to_numpy()
    means = {k: fc.samples[:, -1, total].mean() for k, fc in cmp.forecasts.items()}
    assert means["large"] < means["small"] < means["baseline"]


def test_markov_rejects_what_it_cannot_do(markov_engine: MarkovEngine) -> None:
    sc = Scenario.from_toml(
        'name = "x"\n[[interventions]]\ntype = "exit_change"\nstart = 2023-04-01\n'
        'relative = 0.2\nreason = "reunification"\n'
    )
    with pytest.raises(ScenarioError, match="reason 'reunification'"):
        run_scenarios(markov_engine, [sc], n_samples=8, rng=1)
    with pytest.raises(ScenarioError, match="multiple of groups"):
        run_scenarios(markov_engine, [sc], n_samples=10, rng=1)


def test_aggregate_zero_effect_and_monotone(aggregate_engine: AggregateEngine) -> None:
    scenarios = [_entry("zero", 0.0), _entry("small", -0.1), _entry("large", -0.3)]
    cmp = run_scenarios(aggregate_engine, scenarios, n_samples=400, rng=2)
    np.testing.assert_array_equal(cmp.forecasts["zero"].samples, cmp.forecasts["baseline"].samples)
    last = {k: fc.samples[:, -1, 0].mean() for k, fc in cmp.forecasts.items()}
    assert last["large"] < last["small"] < last["baseline"]
    # Targeting older ages only (60% of entries) has a smaller effect than targeting everyone.
    older = run_scenarios(
        aggregate_engine, [_entry("older", -0.3, '"10-17"')], n_samples=400, rng=2
    )
    assert last["large"] < older.forecasts["older"].samples[:, -1, 0].mean() < last["baseline"]


def test_aggregate_sib_diverts_entries(aggregate_engine: AggregateEngine) -> None:
    sib = Scenario.from_toml(
        'name = "sib"\n[[interventions]]\ntype = "sib"\nstart = 2023-04-01\n'
        "referrals = [50, 100, 100]\neffect = 0.5\n"
    )
    cmp = run_scenarios(aggregate_engine, [sib], n_samples=400, rng=2)
    assert cmp.difference("sib")[:, -1, 0].mean() < -10


def test_aggregate_rejects_episode_only_interventions(aggregate_engine: AggregateEngine) -> None:
    cap = Scenario.from_toml(
        'name = "cap"\n[[interventions]]\ntype = "duration_cap"\nstart = 2023-04-01\n'
        'placement = "residential"\ndays = 180\n'
    )
    with pytest.raises(ScenarioError, match="run it on the episode-level model"):
        run_scenarios(aggregate_engine, [cap], n_samples=10, rng=1)
