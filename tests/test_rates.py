"""Occurrence/exposure estimation recovers the rates that generated simulated episodes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from markov_sim import EXIT, MOVE, simulate_episodes

from demandmodel import DataValidationError
from demandmodel.models.markov import MarkovModel
from demandmodel.models.rates import draw_gamma, gamma_interval, shrink
from demandmodel.models.states import StateSpace


@pytest.fixture(scope="module")
def episodes() -> pd.DataFrame:
    return simulate_episodes()


def test_occurrence_exposure_recovers_generating_rates(episodes: pd.DataFrame) -> None:
    space = StateSpace(age_edges=(0, 18), duration_edges=())  # one age band: every rate is one cell
    fit = MarkovModel(space=space, k=0.0).fit(
        episodes, reference_start="2016-01-01", reference_end="2020-12-31"
    )
    r = fit.rates()
    for cat, other in (("fostering", "residential"), ("residential", "fostering")):
        ex = r[(r["kind"] == "exit") & (r["from"] == f"under 18|{cat}")].iloc[0]
        mv = r[
            (r["kind"] == "move")
            & (r["from"] == f"under 18|{cat}")
            & (r["to"] == f"under 18|{other}")
        ].iloc[0]
        for row, true in ((ex, EXIT[cat]), (mv, MOVE[cat])):
            se = np.sqrt(row["count"]) / row["exposure"]
            assert abs(row["rate"] - true) < 4 * se, (cat, row["kind"], row["rate"], true)
            assert row["lower"] < row["rate"] < row["upper"]
    # Every day in care in the window is exposure of exactly one state.
    assert r.loc[r["kind"] == "exit", "exposure"].sum() == pytest.approx(_days_in_window(episodes))


def _days_in_window(ep: pd.DataFrame) -> float:
    lo, hi = pd.Timestamp("2016-01-01"), pd.Timestamp("2021-01-01")
    s = ep["start"].clip(lower=lo)
    e = ep["end"].fillna(hi).clip(upper=hi)
    return float(((e - s).dt.days.clip(lower=0)).sum())


def test_exposure_is_split_at_birthdays(episodes: pd.DataFrame) -> None:
    fit = MarkovModel(space=StateSpace(duration_edges=()), k=0.0).fit(
        episodes, reference_start="2016-01-01", reference_end="2020-12-31"
    )
    r = fit.rates()
    exits = r[r["kind"] == "exit"]
    by_band = (
        exits.assign(band=exits["from"].str.split("|").str[0]).groupby("band")["exposure"].sum()
    )
    # Entrants are 11: days fall in 10-15 and (after 16th birthdays) in 16-17, never younger.
    assert by_band.get("5-9", 0.0) == 0.0
    assert by_band["10-15"] > 0 and by_band["16-17"] > 0
    assert by_band.sum() == pytest.approx(_days_in_window(episodes))
    ageing = r[(r["kind"] == "ageing") & (r["from"] == "10-15|fostering")].iloc[0]
    assert ageing["count"] > 0


def test_shrinkage_pulls_sparse_cells_toward_the_pool() -> None:
    flows = pd.DataFrame(
        {"origin": [0, 1, 2], "count": [0.0, 50.0, 5.0], "group": ["g"] * 3, "fallback": [0.0] * 3}
    )
    exposure = np.array([30.0, 20_000.0, 1_000.0])
    loose = shrink(flows, exposure=exposure, k=0.0)
    tight = shrink(flows, exposure=exposure, k=5_000.0)
    pool = 55.0 / 21_030.0
    assert loose["rate"].iloc[0] == 0.0
    assert tight["rate"].iloc[0] == pytest.approx((0 + 5_000 * pool) / (30 + 5_000))
    # The well-measured cell barely moves; the sparse one moves most of the way to the pool.
    assert abs(tight["rate"].iloc[1] - 50 / 20_000) < abs(tight["rate"].iloc[0] - 0.0)
    lo, hi = gamma_interval(tight)
    assert (lo <= tight["rate"]).all() and (tight["rate"] <= hi).all()


def test_recent_weighting_changes_counts_not_the_estimate_of_a_constant_rate(
    episodes: pd.DataFrame,
) -> None:
    space = StateSpace(age_edges=(0, 18), duration_edges=())
    fit = MarkovModel(space=space, k=0.0, half_life=365.0).fit(
        episodes, reference_start="2016-01-01", reference_end="2020-12-31"
    )
    r = fit.rates()
    ex = r[(r["kind"] == "exit") & (r["from"] == "under 18|fostering")].iloc[0]
    assert ex["weighted_count"] < ex["count"]
    assert abs(ex["rate"] - EXIT["fostering"]) < 5 * np.sqrt(ex["weighted_count"]) / ex["exposure"]


def test_projection_from_simulated_history_tracks_its_own_steady_state(
    episodes: pd.DataFrame,
) -> None:
    space = StateSpace(age_edges=(0, 18), duration_edges=())
    fit = MarkovModel(space=space).fit(
        episodes, reference_start="2017-01-01", reference_end="2020-12-31"
    )
    fc = fit.project(start="2020-12-31", years=1, samples=200, rng=1, record="year")
    mom = fit.moments(start="2020-12-31", years=1, record="year")
    mc_total = fc.select(kind="total").samples[:, -1, 0]
    assert abs(mc_total.mean() - mom.mean[-1].sum()) < 4 * mc_total.std() / np.sqrt(200) + 1.0
    assert fit.stock_at("2020-12-31").sum() > 0


def test_missing_columns_name_the_column() -> None:
    bad = pd.DataFrame({"child": ["1"], "start": [pd.Timestamp("2020-01-01")]})
    with pytest.raises(DataValidationError) as err:
        MarkovModel().fit(bad, reference_start="2019-01-01", reference_end="2020-12-31")
    assert set(err.value.failures["column"]) >= {"end", "dob"}


def test_bad_dates_are_reported_with_row_and_value() -> None:
    ep = simulate_episodes(n_children=5, horizon=100)
    ep.loc[1, "end"] = ep.loc[1, "start"] - pd.Timedelta(days=3)
    with pytest.raises(DataValidationError, match="ends before it starts") as err:
        MarkovModel().fit(ep, reference_start="2015-01-01", reference_end="2015-03-31")
    assert err.value.failures["row"].tolist() == [2]


def test_entries_follow_the_population(episodes: pd.DataFrame) -> None:
    space = StateSpace(age_edges=(0, 18), duration_edges=())
    kw = dict(reference_start="2016-01-01", reference_end="2020-12-31")
    flat = MarkovModel(space=space).fit(episodes, **kw)
    steady = pd.DataFrame({"period": range(2015, 2026), "population": 10_000.0})
    same = MarkovModel(space=space).fit(episodes, **kw, population=steady)
    growing = steady.assign(population=np.where(steady["period"] >= 2022, 20_000.0, 10_000.0))
    grows = MarkovModel(space=space).fit(episodes, **kw, population=growing)
    # A constant population changes nothing; the rate per 10,000 is the daily rate per 10,000.
    per_10k = same.rates().query("kind == 'entry_per_10k' and count > 0")
    per_day = flat.rates().query("kind == 'entry' and count > 0")
    np.testing.assert_allclose(per_10k["rate"], per_day["rate"])  # 10,000 children: equal
    # With 20,000 children in the window the rate per 10,000 is half the daily rate.
    doubled = MarkovModel(space=space).fit(
        episodes, **kw, population=steady.assign(population=20_000.0)
    )
    per_10k2 = doubled.rates().query("kind == 'entry_per_10k' and count > 0")
    np.testing.assert_allclose(per_10k2["rate"], per_day["rate"] / 2)
    np.testing.assert_allclose(per_10k2["upper"], per_10k["upper"] / 2)
    pk = dict(start="2020-12-31", years=2, record=["2021-03-31", "2022-12-31"])
    m_flat, m_same, m_grow = (f.moments(**pk).mean.sum(axis=1) for f in (flat, same, grows))
    np.testing.assert_allclose(m_same, m_flat)
    # Before the population doubles (from 1 April 2021) nothing changes; afterwards more children.
    assert m_grow[0] == pytest.approx(m_flat[0])
    assert m_grow[1] > m_flat[1] * 1.3


def test_projection_carries_the_observed_history(episodes: pd.DataFrame) -> None:
    fit = MarkovModel(space=StateSpace(age_edges=(0, 18), duration_edges=())).fit(
        episodes, reference_start="2019-01-01", reference_end="2020-12-31"
    )
    fc = fit.project(start="2020-12-31", years=0.5, samples=20, rng=1)
    hist = fc.history
    assert hist is not None and {"state", "period", "value"} <= set(hist.columns)
    total = hist[hist["kind"] == "total"].set_index("period")["value"]
    assert total.iloc[-1] == fit.stock_at("2020-12-31").sum()
    ax = fc.select(kind="total").plot()
    assert ax is not None


def test_uniform_ageing_uses_one_over_the_band_width(episodes: pd.DataFrame) -> None:
    kw = dict(reference_start="2016-01-01", reference_end="2020-12-31")
    space = StateSpace(duration_edges=())
    uniform = MarkovModel(space=space, ageing="uniform").fit(episodes, **kw).flows
    observed = MarkovModel(space=space).fit(episodes, **kw).flows
    age = uniform[uniform["kind"] == "ageing"]
    width = np.diff(np.asarray(space.age_edges, dtype=float)) * 365.25
    band = space.components()["age_i"].to_numpy()[age["origin"].to_numpy()]
    np.testing.assert_allclose(age["rate"], 1.0 / width[band])
    # Fixed rates are not redrawn; the observed ones come from the crossings seen.
    assert (age["shape"] == 0).all()
    seen = observed[(observed["kind"] == "ageing") & (observed["count"] > 0)]
    seen_band = space.components()["age_i"].to_numpy()[seen["origin"].to_numpy()]
    assert len(seen) > 0 and not np.allclose(seen["rate"], 1.0 / width[seen_band])


def test_stratified_posterior_draws_keep_the_distribution_and_steady_the_mean() -> None:
    table = pd.DataFrame({"shape": [2.0, 0.5], "rate_param": [1.0, 4.0], "rate": [2.0, 0.125]})
    rng = np.random.default_rng(7)
    sets = [draw_gamma(table, 50, rng) for _ in range(300)]
    pooled = np.concatenate(sets)
    # every draw is still a Gamma(shape, rate) draw: mean and variance of the posterior
    assert pooled.mean(axis=0) == pytest.approx([2.0, 0.125], rel=0.03)
    assert pooled.var(axis=0) == pytest.approx([2.0, 0.5 / 16], rel=0.1)
    # but the mean of 50 draws varies far less than plain sampling's sd / sqrt(50)
    plain_sd = np.sqrt([2.0, 0.5 / 16]) / np.sqrt(50)
    assert (np.std([s.mean(axis=0) for s in sets], axis=0) < 0.4 * plain_sd).all()


def test_centred_draws_make_the_estimate_the_geometric_centre_of_each_states_total() -> None:
    # state 0: two flows out (shapes 1 + 3 = A = 4, b = 10); state 1: one sparse flow (A = 0.5)
    table = pd.DataFrame(
        {
            "origin": [0, 0, 1],
            "shape": [1.0, 3.0, 0.5],
            "rate_param": [10.0, 10.0, 4.0],
            "rate": [0.1, 0.3, 0.125],
        }
    )
    plain = draw_gamma(table, 20_000, np.random.default_rng(3))
    centred = draw_gamma(table, 20_000, np.random.default_rng(3), centre_by="origin")
    total = centred[:, :2].sum(axis=1)
    # the estimate (0.4 out of state 0) is the geometric mean of the total ...
    assert np.exp(np.log(total).mean()) == pytest.approx(0.4, rel=0.02)
    # ... while plain draws sit below it on the log scale (their mean stay is longer)
    assert np.exp(np.log(plain[:, :2].sum(axis=1)).mean()) < 0.95 * 0.4
    # the destinations keep their split; the sparse state is drawn with 2 events' evidence
    assert (centred[:, 0] / total).mean() == pytest.approx(0.25, abs=0.01)
    assert np.exp(np.log(centred[:, 2]).mean()) == pytest.approx(0.125, rel=0.03)
    assert centred[:, 2].std() / centred[:, 2].mean() == pytest.approx(2**-0.5, rel=0.05)
