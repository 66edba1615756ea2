"""The Markov engine against analytical results and its own exact recursion."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.linalg import expm

from demandmodel import DemandModelError, ScenarioError
from demandmodel.models import markov_chain
from demandmodel.models.markov import (
    MarkovChain,
    RateMultiplier,
    _binomial,
    expm_and_integral,
    record_points,
    time_grid,
)
from demandmodel.models.markov_numerics import MoveClock, _binomial_at_least_one


def two_state(
    a_to_b: float = 0.01, b_to_a: float = 0.03, entries: list[float] | None = None
) -> MarkovChain:
    q = np.array([[-a_to_b, b_to_a], [a_to_b, -b_to_a]])
    return MarkovChain.from_generator(q, states=["a", "b"], entries=entries)


def test_two_state_chain_reaches_known_steady_state() -> None:
    chain = two_state()
    mom = chain.moments(initial=np.array([0.0, 2000.0]), start="2020-01-01", end="2023-01-01")
    # pi_a = b_to_a / (a_to_b + b_to_a) = 0.75
    np.testing.assert_allclose(mom.mean[-1], [1500.0, 500.0], rtol=1e-6)
    # Multinomial variance at equilibrium of a closed population: N pi (1 - pi).
    np.testing.assert_allclose(mom.cov[-1][0, 0], 2000 * 0.75 * 0.25, rtol=1e-4)
    fc = chain.simulate(
        initial=np.array([0, 2000]),
        start="2020-01-01",
        end="2023-01-01",
        samples=400,
        rng=3,
        record="year",
    )
    a_end = fc.samples[:, -1, 0]
    assert abs(a_end.mean() - 1500.0) < 4 * np.sqrt(375 / 400)


def test_steady_state_with_entries_and_exits() -> None:
    # One state, entries 2/day, exit 0.01/day: steady state 200, Poisson(200) in equilibrium.
    chain = MarkovChain.from_generator(np.array([[-0.01]]), states=["x"], entries=[2.0])
    mom = chain.moments(initial=np.array([0.0]), start="2020-01-01", end="2024-01-01")
    assert mom.mean[-1][0] == pytest.approx(200.0, rel=1e-3)
    assert mom.cov[-1][0, 0] == pytest.approx(200.0, rel=1e-3)


def test_closed_cohort_decays_exponentially() -> None:
    q = 0.002
    chain = MarkovChain.from_generator(np.array([[-q]]), states=["in care"])
    mom = chain.moments(
        initial=np.array([1000.0]), start="2020-01-01", end="2021-01-01", record="step"
    )
    t = np.arange(len(mom.dates))
    np.testing.assert_allclose(mom.mean[:, 0], 1000 * np.exp(-q * t), rtol=1e-10)
    # Binomial survival: variance N e^{-qt} (1 - e^{-qt}).
    s = np.exp(-q * t[-1])
    assert mom.cov[-1][0, 0] == pytest.approx(1000 * s * (1 - s), rel=1e-8)
    fc = chain.simulate(
        initial=np.array([1000]),
        start="2020-01-01",
        end="2021-01-01",
        samples=500,
        rng=7,
        record="step",
    )
    mc = fc.samples[:, -1, 0]
    assert abs(mc.mean() - 1000 * s) < 4 * np.sqrt(1000 * s * (1 - s) / 500)
    # A closed cohort can only shrink, path by path.
    assert (np.diff(fc.samples[:, :, 0], axis=1) <= 0).all()


def _random_chain(seed: int, n: int = 4, with_entries: bool = True) -> MarkovChain:
    rng = np.random.default_rng(seed)
    q = rng.uniform(0.0, 0.01, size=(n, n))
    np.fill_diagonal(q, 0.0)
    q[np.diag_indices(n)] = -q.sum(axis=0) - rng.uniform(0.0, 0.005, size=n)
    lam = rng.uniform(0.0, 1.0, size=n) if with_entries else None
    return MarkovChain.from_generator(q, states=[f"s{i}" for i in range(n)], entries=lam)


@pytest.mark.parametrize("common, clock_share", [(False, 0.0), (False, np.inf), (True, np.inf)])
def test_monte_carlo_mean_and_covariance_match_exact_recursion(
    common: bool, clock_share: float, monkeypatch: pytest.MonkeyPatch
) -> None:
    # clock_share: 0 draws every occupied cell each step, inf always uses the move clock
    monkeypatch.setattr(markov_chain, "CLOCK_MOVE_SHARE", clock_share)
    chain = _random_chain(11)
    x0 = np.array([40, 10, 0, 25])
    kw = dict(initial=x0, start="2021-01-01", end="2021-12-31", record=["2021-07-01"])
    mom = chain.moments(**kw)
    fc = chain.simulate(
        **kw, samples=4000, rng=5, parameter_uncertainty=False, common_random_numbers=common
    )
    n = chain.n_states
    for r in range(len(mom.dates)):
        x = fc.samples[:, r, :n]
        sd = np.sqrt(np.diag(mom.cov[r]))
        z = (x.mean(axis=0) - mom.mean[r]) / (sd / np.sqrt(len(x)))
        assert np.abs(z).max() < 4.0
        # Covariances: MC standard error of a covariance ~ sd_i sd_j / sqrt(S) (x ~2 for safety).
        emp = np.cov(x, rowvar=False)
        tol = 4.0 * np.outer(sd, sd) * np.sqrt(2.0 / len(x))
        assert (np.abs(emp - mom.cov[r]) <= tol).all()
    # Aggregates in the forecast are sums of the states.
    total = fc.select(kind="total").samples[:, :, 0]
    np.testing.assert_allclose(total, fc.samples[:, :, :n].sum(axis=2))


def test_common_random_numbers_pair_a_scenario_with_its_baseline() -> None:
    """Same seed, 10% fewer entries: with common random numbers the path-by-path difference
    has the exact mean difference and a far smaller spread than two independent runs."""
    chain = _random_chain(3)
    x0 = np.array([40, 10, 5, 25])
    kw = dict(initial=x0, start="2021-01-01", end="2023-12-31", record=["2023-12-31"])
    fewer = [RateMultiplier(value=0.9, kind="entry")]
    exact = chain.moments(**kw, multipliers=fewer).mean - chain.moments(**kw).mean
    spread = {}
    for common in (False, True):
        run = dict(kw, samples=2000, rng=8, parameter_uncertainty=False)
        base = chain.simulate(**run, common_random_numbers=common).samples[:, 0, :4].sum(axis=1)
        scen = chain.simulate(**run, multipliers=fewer, common_random_numbers=common)
        diff = scen.samples[:, 0, :4].sum(axis=1) - base
        spread[common] = diff.std()
        assert diff.mean() == pytest.approx(exact[0].sum(), abs=4 * diff.std() / np.sqrt(2000))
    assert spread[True] < 0.3 * spread[False]
    # the diverted children form a thinned Poisson stream: their count has variance ~ its mean
    assert spread[True] < 1.5 * np.sqrt(abs(exact[0].sum()))
    # a multiplier of 1 reproduces the baseline path by path
    run = dict(kw, samples=50, rng=8, common_random_numbers=True)
    same = chain.simulate(**run, multipliers=[RateMultiplier(value=1.0, kind="entry")])
    np.testing.assert_array_equal(same.samples, chain.simulate(**run).samples)


def test_weekly_and_monthly_steps_agree_with_daily() -> None:
    chain = _random_chain(2)
    x0 = np.array([30.0, 30.0, 30.0, 30.0])
    daily = chain.moments(initial=x0, start="2021-01-01", end="2022-01-01", record="year")
    for step in ("week", "month"):
        other = chain.moments(
            initial=x0, start="2021-01-01", end="2022-01-01", step=step, record="year"
        )
        np.testing.assert_allclose(other.mean[-1], daily.mean[-1], rtol=1e-8)
        # The law at the record date does not depend on the step (P_7 = P_1^7; Poisson entries
        # compose), so neither does the covariance.
        np.testing.assert_allclose(other.cov[-1], daily.cov[-1], rtol=1e-6, atol=1e-9)


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 10_000), step=st.sampled_from(["day", "week", "month"]))
def test_mass_is_conserved_in_every_step_of_a_closed_chain(seed: int, step: str) -> None:
    rng = np.random.default_rng(seed)
    n = 5
    q = rng.uniform(0.0, 0.05, size=(n, n))
    np.fill_diagonal(q, 0.0)
    q[np.diag_indices(n)] = -q.sum(axis=0)  # no exits, no entries
    chain = MarkovChain.from_generator(q, states=list("abcde"))
    x0 = rng.integers(0, 50, size=n)
    fc = chain.simulate(
        initial=x0,
        start="2021-01-01",
        end="2021-04-01",
        samples=50,
        rng=seed,
        step=step,
        record="step",
    )
    states = fc.samples[:, :, :n]
    assert (states >= 0).all()
    np.testing.assert_array_equal(states.sum(axis=2), x0.sum())
    mom = chain.moments(
        initial=x0.astype(float), start="2021-01-01", end="2021-04-01", step=step, record="step"
    )
    np.testing.assert_allclose(mom.mean.sum(axis=1), x0.sum())


@settings(max_examples=30, deadline=None)
@given(n=st.integers(0, 200), p=st.floats(0.0, 0.99), seed=st.integers(0, 1000))
def test_binomial_sampler_stays_within_zero_and_n(n: int, p: float, seed: int) -> None:
    rng = np.random.default_rng(seed)
    nn = np.full((20, 3), n, dtype=np.int64)
    pp = np.full((20, 3), p)
    k = _binomial(nn, pp, np.log1p(-np.minimum(pp, 1 - 1e-15)), rng)
    assert (k >= 0).all() and (k <= n).all()


def test_move_clock_makes_each_cell_due_with_its_chance_in_every_step() -> None:
    # 20,000 cells, each with a 10% (first half) or 30% chance of a move per step; due cells are
    # rescheduled as a projection does. Steps 16 and 32 cross the clock's window boundaries.
    cells = 20_000
    p0 = np.where(np.arange(cells) < cells // 2, 0.9, 0.7)
    clock = MoveClock(cells, np.random.default_rng(4))
    clock.reset(p0, step=0)
    for step in range(40):
        due = clock.due(step)
        assert np.unique(due).size == due.size
        for half, chance in ((due < cells // 2, 0.1), (due >= cells // 2, 0.3)):
            sd = np.sqrt(chance * (1 - chance) / (cells // 2))
            assert abs(half.sum() / (cells // 2) - chance) < 4.5 * sd
        clock.schedule(due, p0, step + 1)


def test_binomial_at_least_one_is_the_binomial_given_a_move() -> None:
    n, p = 12, 0.08
    u = np.random.default_rng(1).random(200_000)
    k = _binomial_at_least_one(
        np.full(u.size, n), np.full(u.size, p), np.full(u.size, np.log1p(-p)), u
    )
    p_any = 1 - (1 - p) ** n
    assert k.min() >= 1 and k.max() <= n
    assert k.mean() == pytest.approx(n * p / p_any, rel=0.01)


def test_binomial_sampler_has_binomial_moments() -> None:
    rng = np.random.default_rng(0)
    for n, p in ((5, 0.01), (40, 0.05), (300, 0.2), (1000, 0.6)):
        nn = np.full(200_000, n, dtype=np.int64)
        pp = np.full(200_000, p)
        k = _binomial(nn, pp, np.log1p(-pp), rng)
        assert k.mean() == pytest.approx(n * p, abs=5 * np.sqrt(n * p * (1 - p) / 200_000))
        assert k.var() == pytest.approx(n * p * (1 - p), rel=0.03)


def test_expm_and_integral_match_scipy() -> None:
    chain = _random_chain(4)
    q = np.array([[-0.3, 0.2, 0.0], [0.1, -0.5, 0.4], [0.2, 0.3, -0.4]])
    p, g = expm_and_integral(q[None], 30.0)
    np.testing.assert_allclose(p[0], expm(30.0 * q), atol=1e-12)
    s = np.linspace(0, 30.0, 3001)
    integral = np.trapezoid([expm(t * q) for t in s], s, axis=0)
    np.testing.assert_allclose(g[0], integral, atol=1e-4)
    assert chain.n_states == 4


def test_zero_multiplier_is_exactly_a_removed_flow() -> None:
    q = np.array([[-0.02, 0.01, 0.0], [0.015, -0.03, 0.0], [0.0, 0.01, 0.0]])
    base = MarkovChain.from_generator(q, states=["a", "b", "c"], entries=[1.0, 0.5, 0.2])
    # The same chain with the b -> c move and the entries to c deleted from its tables.
    fl = base.flows
    keep = ~((fl["origin"] == 1) & (fl["dest"] == 2))
    removed = MarkovChain(
        states=base.states,
        flows=fl[keep].reset_index(drop=True),
        entries=base.entries.assign(rate=[1.0, 0.5, 0.0]),
    )
    zero = [
        RateMultiplier(value=0.0, kind="move", where={"state": ("b",)}, to={"state": ("c",)}),
        RateMultiplier(value=0.0, kind="entry", where={"state": ("c",)}),
    ]
    kw = dict(
        initial=np.array([10, 10, 0]),
        start="2022-01-01",
        end="2023-01-01",
        samples=200,
        parameter_uncertainty=False,
    )
    with_zero = base.simulate(**kw, rng=9, multipliers=zero)
    without = removed.simulate(**kw, rng=9)
    np.testing.assert_array_equal(with_zero.samples, without.samples)
    assert (with_zero.select(state="c").samples == 0).all()
    m0 = base.moments(
        initial=np.array([10.0, 10.0, 0.0]), start="2022-01-01", end="2023-01-01", multipliers=zero
    )
    m1 = removed.moments(initial=np.array([10.0, 10.0, 0.0]), start="2022-01-01", end="2023-01-01")
    np.testing.assert_allclose(m0.mean, m1.mean, atol=1e-12)
    assert np.abs(m0.mean[:, 2]).max() == 0.0


def test_time_varying_multiplier_only_acts_in_its_span() -> None:
    chain = MarkovChain.from_generator(np.array([[-0.01]]), states=["x"], entries=[1.0])
    stop = RateMultiplier(value=0.0, kind="entry", start="2022-07-01")
    mom = chain.moments(
        initial=np.array([0.0]),
        start="2022-01-01",
        end="2023-01-01",
        record=["2022-07-01", "2022-12-31"],
        multipliers=[stop],
    )
    base = chain.moments(
        initial=np.array([0.0]),
        start="2022-01-01",
        end="2023-01-01",
        record=["2022-07-01", "2022-12-31"],
    )
    assert mom.mean[0, 0] == pytest.approx(base.mean[0, 0])
    # After entries stop, the stock only decays.
    assert mom.mean[1, 0] == pytest.approx(mom.mean[0, 0] * np.exp(-0.01 * 183), rel=1e-9)


def test_bad_inputs_raise_library_errors() -> None:
    with pytest.raises(ScenarioError, match="value"):
        RateMultiplier(value=-1.0)
    with pytest.raises(ScenarioError, match="kind"):
        RateMultiplier(value=1.0, kind="teleport")
    chain = two_state()
    with pytest.raises(ScenarioError, match="labels"):
        chain.moments(
            initial=np.array([1.0, 1.0]),
            start="2020-01-01",
            end="2020-02-01",
            multipliers=[RateMultiplier(value=0.5, where={"colour": ("red",)})],
        )
    with pytest.raises(DemandModelError, match="after its start"):
        time_grid("2020-01-02", "2020-01-01", "day")
    with pytest.raises(DemandModelError, match="whole"):
        chain.simulate(
            initial=np.array([0.5, 1.0]), start="2020-01-01", end="2020-02-01", samples=2
        )


def test_record_points_include_31_march_and_the_end() -> None:
    grid = time_grid("2020-01-15", "2022-06-30", "day")
    got = grid[record_points(grid, "year")]
    assert [str(d.date()) for d in got] == ["2020-03-31", "2021-03-31", "2022-03-31", "2022-06-30"]
    assert pd.Timestamp("2022-06-30") == grid[-1]


def test_same_seed_same_paths_and_history_for_charts() -> None:
    chain = _random_chain(8)
    kw = dict(initial=np.array([5, 5, 5, 5]), start="2021-01-01", end="2021-06-30", samples=50)
    a, b = chain.simulate(**kw, rng=3), chain.simulate(**kw, rng=3)
    np.testing.assert_array_equal(a.samples, b.samples)
    assert not np.array_equal(a.samples, chain.simulate(**kw, rng=4).samples)
