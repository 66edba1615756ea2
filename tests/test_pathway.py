"""CIN -> CP -> LAC levels: spells from the three sources, rates recovered, upstream change flows down."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from demandmodel import DemandModelError
from demandmodel.models.markov import RateMultiplier
from demandmodel.models.pathway import PathwayModel, level_spells

EPOCH = pd.Timestamp("2016-01-01")
# Daily rates between levels (0 cin_other, 1 cp, 2 looked_after, 3 closed).
RATES = {
    0: {1: 0.0010, 2: 0.0002, 3: 0.0040},
    1: {0: 0.0030, 2: 0.0008, 3: 0.0005},
    2: {0: 0.0006, 3: 0.0008},
}


def simulate(n: int = 3000, horizon: int = 2400, seed: int = 2) -> dict[str, pd.DataFrame]:
    """Children referred uniformly over time, then moving between levels at constant hazards.

    The CIN episode spans the whole involvement, CP plans and care periods sit inside it.
    """
    rng = np.random.default_rng(seed)
    cin, cp, lac = [], [], []
    for c in range(n):
        t = int(rng.uniform(0, horizon))
        lev = 0 if rng.random() < 0.85 else 1
        t_ref = t
        while True:
            out = RATES[lev]
            total = sum(out.values())
            t1 = t + max(1, round(rng.exponential(1 / total)))
            nxt = rng.choice(list(out), p=np.array(list(out.values())) / total)
            end = None if t1 >= horizon else t1
            if lev == 1:
                cp.append((c, t, end))
            elif lev == 2:
                lac.append((c, t, end))
            if end is None or nxt == 3:
                cin.append((c, t_ref, end))
                break
            lev, t = int(nxt), t1

    def frame(rows: list[tuple[int, int, int | None]]) -> pd.DataFrame:
        df = pd.DataFrame(rows, columns=["child", "s", "e"])
        return pd.DataFrame(
            {
                "child": df["child"].astype(str),
                "start": EPOCH + pd.to_timedelta(df["s"], unit="D"),
                "end": EPOCH + pd.to_timedelta(df["e"], unit="D"),
            }
        )

    care = frame(lac)
    episodes = care.assign(
        la_code="999",
        dob=care["start"] - pd.Timedelta(days=8 * 365),
        legal_status="C2",
        placement="U4",
        placement_category="fostering",
        uasc=False,
    )
    cin_f = frame(cin).rename(columns={"start": "referral_date", "end": "closure_date"})
    return {"cin_episodes": cin_f, "cp_plans": frame(cp), "episodes": episodes}


@pytest.fixture(scope="module")
def data() -> dict[str, pd.DataFrame]:
    return simulate()


def test_hierarchy_lac_over_cp_over_cin() -> None:
    d = pd.to_datetime
    cin = pd.DataFrame(
        {
            "child": ["a", "b"],
            "start": d(["2020-01-01", "2020-01-01"]),
            "end": d(["2020-12-31", None]),
        }
    )
    cp = pd.DataFrame({"child": ["a"], "start": d(["2020-03-01"]), "end": d(["2020-06-01"])})
    lac = pd.DataFrame({"child": ["a"], "start": d(["2020-05-01"]), "end": d(["2020-09-01"])})
    s = level_spells(cin, cp, lac)
    a = s[s["child"] == "a"]
    assert a["level"].tolist() == ["cin_other", "cp", "looked_after", "cin_other"]
    # CP is cut short where care starts; spells tile the CIN episode without gaps.
    assert (a["start"].to_numpy()[1:] == a["end"].to_numpy()[:-1]).all()
    assert np.isnan(s.loc[s["child"] == "b", "end"]).all()


def test_level_rates_are_recovered(data: dict[str, pd.DataFrame]) -> None:
    fit = PathwayModel(k=0.0).fit(**data, reference_start="2017-01-01", reference_end="2021-12-31")
    r = fit.rates()
    names = ("cin_other", "cp", "looked_after")
    for i, out in RATES.items():
        for j, true in out.items():
            to = "left care" if j == 3 else names[j]
            row = r[(r["from"] == names[i]) & (r["to"] == to)].iloc[0]
            se = np.sqrt(max(row["count"], 1.0)) / row["exposure"]
            assert abs(row["rate"] - true) < 4 * se, (names[i], to, row["rate"], true)


def test_fewer_cp_plans_upstream_means_fewer_looked_after(data: dict[str, pd.DataFrame]) -> None:
    fit = PathwayModel().fit(**data, reference_start="2017-01-01", reference_end="2021-12-31")
    kw = dict(start="2021-12-31", years=3, record="year")
    base = fit.moments(**kw)
    # Halve moves into CP and new referrals straight onto a CP plan.
    fewer_cp = fit.moments(
        **kw,
        multipliers=[
            RateMultiplier(value=0.5, kind="move", to={"level": ("cp",)}),
            RateMultiplier(value=0.5, kind="entry", where={"level": ("cp",)}),
        ],
    )
    assert fewer_cp.mean[-1][1] < base.mean[-1][1]
    assert fewer_cp.mean[-1][2] < base.mean[-1][2]
    fc = fit.project(**kw, samples=200, rng=4)
    assert set(fc.series["level"]) == {"cin_other", "cp", "looked_after", "all"}
    total = fc.select(level="all").samples
    np.testing.assert_allclose(total[:, :, 0], fc.samples[:, :, :3].sum(axis=2))


def test_missing_columns_are_named() -> None:
    with pytest.raises(DemandModelError, match="missing"):
        PathwayModel().fit(
            cin_episodes=pd.DataFrame(
                {"child": ["a"], "referral_date": [pd.Timestamp("2020-01-01")]}
            ),
            cp_plans=pd.DataFrame({"child": [], "start": [], "end": []}),
            episodes=pd.DataFrame(),
            reference_start="2020-01-01",
            reference_end="2020-12-31",
        )


def test_window_before_the_cin_returns_is_refused(data: dict[str, pd.DataFrame]) -> None:
    cin = data["cin_episodes"].assign(collection_year=2020)
    with pytest.raises(DemandModelError, match="collection year 2020"):
        PathwayModel().fit(
            cin_episodes=cin,
            cp_plans=data["cp_plans"],
            episodes=data["episodes"],
            reference_start="2018-04-01",
            reference_end="2020-03-31",
        )
