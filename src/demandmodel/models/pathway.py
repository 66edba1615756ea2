"""CIN -> CP -> LAC: the Markov engine over levels of involvement (DESIGN 4.3, last point).

Each child is, on each day, in the highest of the levels that cover that day, using the
hierarchy looked after > child protection plan > other child in need (DOMAIN: "for a mutually
exclusive state model use the hierarchy LAC > CP > CIN-other"):

* ``cin_other`` - an open CIN episode (referral to closure in the CIN census), no CP plan, not in care;
* ``cp`` - an open child protection plan (CIN census), not in care;
* ``looked_after`` - in a period of care (SSDA903 episodes, joined by child identifier);
* ``closed`` - none of these (absorbing; a later referral is a new entry).

Transitions between levels (e.g. ``cin_other -> cp``, ``cp -> looked_after``, ``looked_after ->
cin_other``) and closures are occurrence/exposure rates with the same Gamma posteriors as the
placement model; entries are Poisson per level. The projection is the same :class:`MarkovChain`,
so a scenario that lowers ``cin_other -> cp`` moves (fewer CP plans) lowers care numbers downstream.

Examples
--------
>>> import pandas as pd
>>> from demandmodel.models.pathway import level_spells
>>> cin = pd.DataFrame({"child": ["a"], "start": pd.to_datetime(["2020-01-01"]),
...                     "end": pd.to_datetime(["2020-12-31"])})
>>> cp = pd.DataFrame({"child": ["a"], "start": pd.to_datetime(["2020-03-01"]),
...                    "end": pd.to_datetime(["2020-06-01"])})
>>> lac = pd.DataFrame({"child": ["a"], "start": pd.to_datetime(["2020-05-01"]),
...                     "end": pd.to_datetime(["2020-09-01"])})
>>> s = level_spells(cin, cp, lac)
>>> s["level"].tolist()
['cin_other', 'cp', 'looked_after', 'cin_other']
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

import numpy as np
import pandas as pd

from demandmodel._random import RNGLike
from demandmodel.errors import DemandModelError, InsufficientHistoryError
from demandmodel.forecast import Forecast
from demandmodel.models.markov import MarkovChain, Moments, RateMultiplier, _end
from demandmodel.models.rates import LEFT, entry_table, shrink
from demandmodel.models.states import StateSpace, care_segments, days

LEVELS: Final = ("cin_other", "cp", "looked_after")
"""Transient levels, lowest to highest in the hierarchy (``closed`` is absorbing)."""


def _intervals(frame: pd.DataFrame, start: str, end: str, name: str) -> pd.DataFrame:
    missing = [c for c in ("child", start, end) if c not in frame.columns]
    if missing:
        raise DemandModelError(
            f"{name} needs columns child, {start}, {end}; missing {missing}. "
            "Read CIN census returns with demandmodel.read_cin_census."
        )
    s, e = _as_days(frame[start]), _as_days(frame[end])
    ok = ~np.isnan(s)
    return pd.DataFrame(
        {"child": frame["child"].astype(str).to_numpy()[ok], "s": s[ok], "e": e[ok]}
    )


def _as_days(col: pd.Series) -> np.ndarray:
    if pd.api.types.is_numeric_dtype(col) and not pd.api.types.is_bool_dtype(col):
        return col.to_numpy(dtype=float)
    return days(col)


def level_spells(
    cin_episodes: pd.DataFrame, cp_plans: pd.DataFrame, care_periods: pd.DataFrame
) -> pd.DataFrame:
    """Each child's time line as spells ``child, level, start, end`` (day numbers; NaN if open).

    Inputs are frames with ``child, start, end`` (``end`` NaT when open): CIN episodes, CP plans
    and periods of care. Spells of the same level that touch are merged.
    """
    parts = []
    for lev, fr in enumerate((cin_episodes, cp_plans, care_periods), start=1):
        iv = _intervals(fr, "start", "end", LEVELS[lev - 1])
        iv = iv[~(iv["e"] <= iv["s"])]
        up = pd.DataFrame({"child": iv["child"], "t": iv["s"], "lev": lev, "d": 1})
        down = iv[iv["e"].notna()]
        dn = pd.DataFrame({"child": down["child"], "t": down["e"], "lev": lev, "d": -1})
        parts += [up, dn]
    ev = pd.concat(parts, ignore_index=True)
    wide = ev.pivot_table(
        index=["child", "t"], columns="lev", values="d", aggfunc="sum", fill_value=0
    )
    wide = wide.reindex(columns=[1, 2, 3], fill_value=0).sort_index()
    counts = wide.groupby(level="child").cumsum().to_numpy()
    level = np.where(
        counts[:, 2] > 0, 3, np.where(counts[:, 1] > 0, 2, np.where(counts[:, 0] > 0, 1, 0))
    )
    child = wide.index.get_level_values("child").to_numpy()
    t = wide.index.get_level_values("t").to_numpy(dtype=float)
    same_next = np.append(child[1:] == child[:-1], False)
    t_next = np.where(same_next, np.append(t[1:], np.nan), np.nan)
    df = pd.DataFrame({"child": child, "level": level, "start": t, "end": t_next})
    df = df[df["level"] > 0]
    # Merge consecutive spells of one level (a boundary inside, e.g. a new CIN episode under CP).
    brk = (df["child"] != df["child"].shift()) | (df["level"] != df["level"].shift())
    brk |= df["start"] != df["end"].shift()
    df = df.assign(run=np.cumsum(brk.to_numpy()))
    g = df.groupby("run", sort=False)
    out = pd.DataFrame(
        {
            "child": g["child"].first(),
            "level": g["level"].first(),
            "start": g["start"].first(),
            "end": g["end"].last(),
        }
    ).reset_index(drop=True)
    out["level"] = np.array(LEVELS, dtype=object)[out["level"].to_numpy() - 1]
    return out


def _care_periods(episodes: pd.DataFrame) -> pd.DataFrame:
    """Periods of care ``child, start, end`` (day numbers) from SSDA903 episodes."""
    seg, _ = care_segments(episodes, StateSpace())
    g = seg.assign(end_f=seg["end"].fillna(np.inf)).groupby("poc", sort=False)
    return pd.DataFrame(
        {
            "child": g["child"].first().to_numpy(),
            "start": g["start"].min().to_numpy(),
            "end": g["end_f"].max().replace(np.inf, np.nan).to_numpy(),
        }
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class PathwayModel:
    """The CIN -> CP -> LAC level model (spec).

    Parameters
    ----------
    k
        Prior strength (person-days) of shrinkage toward the rate pooled over origins.

    Examples
    --------
    >>> PathwayModel().k
    365.0
    """

    k: float = 365.0

    def fit(
        self,
        *,
        cin_episodes: pd.DataFrame,
        cp_plans: pd.DataFrame,
        episodes: pd.DataFrame,
        reference_start: Any,
        reference_end: Any,
    ) -> PathwayFit:
        """Estimate level transitions over ``[reference_start, reference_end]``.

        ``cin_episodes`` may use the CIN census names ``referral_date`` / ``closure_date``;
        ``cp_plans`` has ``start, end``; ``episodes`` are SSDA903 Episodes (DESIGN 3).
        """
        t0, t1 = pd.Timestamp(reference_start).normalize(), pd.Timestamp(reference_end).normalize()
        if (
            "collection_year" in cin_episodes.columns
            and cin_episodes["collection_year"].notna().any()
        ):
            first_year = int(cin_episodes["collection_year"].min())
            covered = pd.Timestamp(first_year - 1, 4, 1)
            if t0 < covered:
                raise DemandModelError(
                    f"The reference window starts {t0.date()}, but the CIN census returns start with "
                    f"collection year {first_year} (from {covered.date()}): CIN episodes and CP plans that "
                    f"closed before then are missing, which would bias every rate. Start the window on "
                    f"or after {covered.date()}, or add earlier CIN census returns."
                )
        cin = cin_episodes.rename(columns={"referral_date": "start", "closure_date": "end"})
        spells = level_spells(cin, cp_plans, _care_periods(episodes))
        w0, w1 = float(days([t0])[0]), float(days([t1])[0]) + 1.0
        n = len(LEVELS)
        idx = {lev: i for i, lev in enumerate(LEVELS)}
        lev = spells["level"].map(idx).to_numpy(dtype=np.int64)
        s = spells["start"].to_numpy(dtype=float)
        e = spells["end"].fillna(np.inf).to_numpy(dtype=float)
        a, b = np.maximum(s, w0), np.minimum(e, w1)
        exposure = np.bincount(lev, weights=np.clip(b - a, 0.0, None), minlength=n)
        if exposure.sum() <= 0:
            raise InsufficientHistoryError(
                la_code="unknown", measure="cin/cp/cla spells", n=0, needed=1
            )
        child = spells["child"].to_numpy()
        same_next = np.append(child[1:] == child[:-1], False) & np.append(s[1:] == e[:-1], False)
        nxt = np.append(lev[1:], 0)
        ended = np.isfinite(e) & (e > w0) & (e <= w1)
        dest = np.where(same_next, nxt, LEFT)
        pairs = [(i, j) for i in range(n) for j in [*range(n), LEFT] if i != j]
        flows = pd.DataFrame(pairs, columns=["origin", "dest"])
        flows["kind"] = np.where(flows["dest"] == LEFT, "exit", "move")
        obs = pd.DataFrame({"origin": lev[ended], "dest": dest[ended]}).value_counts()
        flows["count"] = [
            float(obs.get((o, d), 0.0)) for o, d in zip(flows["origin"], flows["dest"], strict=True)
        ]
        flows["raw"] = flows["count"]
        flows["group"] = [f"{k}|{d}" for k, d in zip(flows["kind"], flows["dest"], strict=True)]
        flows["fallback"] = 0.0
        flows = shrink(flows, exposure=exposure, k=self.k)
        starts_new = np.append(True, ~(child[1:] == child[:-1]) | ~(s[1:] == e[:-1]))
        first = starts_new & (s >= w0) & (s < w1)
        counts = np.bincount(lev[first], minlength=n).astype(float)
        entries = entry_table(counts, counts, w1 - w0)
        labels = pd.DataFrame(
            {"state": list(LEVELS), "level": list(LEVELS), "age_band": "", "placement": ""}
        )
        return PathwayFit(
            model=self,
            labels=labels,
            flows=flows,
            entries=entries,
            spells=spells,
            reference=(t0, t1),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class PathwayFit:
    """A fitted :class:`PathwayModel`."""

    model: PathwayModel
    labels: pd.DataFrame
    flows: pd.DataFrame
    entries: pd.DataFrame
    spells: pd.DataFrame
    reference: tuple[pd.Timestamp, pd.Timestamp]

    def rates(self) -> pd.DataFrame:
        """Every level transition rate with its count, exposure and 95% interval."""
        from demandmodel.models.rates import readable

        return readable(self.flows, self.entries, self.labels)

    def chain(self) -> MarkovChain:
        """The fitted chain over levels."""
        return MarkovChain(
            states=self.labels, flows=self.flows, entries=self.entries, model="pathway"
        )

    def stock_at(self, date: Any) -> pd.Series:
        """Children at each level on ``date``."""
        day = float(days([pd.Timestamp(date)])[0])
        s = self.spells
        inside = (s["start"] <= day) & (s["end"].fillna(np.inf) > day)
        counts = s.loc[inside, "level"].value_counts()
        return pd.Series([float(counts.get(v, 0)) for v in LEVELS], index=list(LEVELS))

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
    ) -> Forecast:
        """Monte Carlo projection of CIN-other, CP and looked-after numbers from ``start``."""
        return self.chain().simulate(
            initial=self.stock_at(start).to_numpy(),
            start=start,
            end=_end(start, years, end),
            samples=samples,
            rng=rng,
            step=step,
            record=record,
            multipliers=multipliers,
            parameter_uncertainty=parameter_uncertainty,
            parameter_draws=parameter_draws,
        )

    def moments(
        self,
        *,
        start: Any,
        years: float | None = None,
        end: Any = None,
        step: str = "day",
        record: str | Sequence[Any] = "month",
        multipliers: Sequence[RateMultiplier] = (),
    ) -> Moments:
        """Exact mean and covariance of the level stocks."""
        return self.chain().moments(
            initial=self.stock_at(start).to_numpy(),
            start=start,
            end=_end(start, years, end),
            step=step,
            record=record,
            multipliers=multipliers,
        )
