"""Occurrence/exposure transition rates with Gamma shrinkage and posterior draws (DESIGN 4.3).

For every flow ``i -> j`` (placement move, exit, ageing, duration-band crossing) over a reference
window::

    N_ij = transitions observed,   E_i = person-days at risk in state i
    q_ij = (N_ij + k * q_pool) / (E_i + k),   posterior  q_ij ~ Gamma(N_ij + k q_pool, E_i + k)

where ``q_pool`` is the rate of the same kind of flow pooled over the cells that share its
``group`` (e.g. fostering -> residential moves over all age bands) and ``k`` is the prior strength
in person-days. Exposure is split exactly at birthdays (age-band edges) and at duration-band
boundaries, so a child contributes days to each state it passes through. Ageing is the crossing of
a birthday edge; its occurrence/exposure rate (crossings per person-day in the band) is the hazard
the projection uses, which reflects the age profile inside each band seen in the reference window
(``ageing="uniform"`` uses ``1 / band width`` instead). Reaching the top edge (18) is leaving care.

With ``half_life`` (days), exposure and events are weighted by ``0.5 ** ((end - t) / half_life)``,
so recent behaviour counts more. Entries are a Poisson rate per day into each state (or per 10,000
children of the age band, when a population is given), with posterior ``Gamma(N_s, T)``.

Examples
--------
>>> import pandas as pd
>>> from demandmodel.models.rates import shrink
>>> flows = pd.DataFrame({"origin": [0, 1], "count": [0.0, 30.0], "group": ["g", "g"],
...                       "fallback": [0.0, 0.0]})
>>> out = shrink(flows, exposure=np.array([100.0, 10_000.0]), k=365.0)
>>> round(float(out["pooled"].iloc[0]), 5), round(float(out["rate"].iloc[0]), 5)
(0.00297, 0.00233)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

import numpy as np
import pandas as pd

from demandmodel.errors import DemandModelError
from demandmodel.models.states import StateSpace, add_years

if TYPE_CHECKING:
    from demandmodel.models.markov import RateMultiplier

LEFT: Final = -1
"""Destination code of the absorbing 'left care' (or 'closed') state in flow tables."""


def _weight(t: np.ndarray, w1: float, lam: float) -> np.ndarray:
    if lam == 0.0:
        return np.ones_like(t, dtype=float)
    return np.asarray(np.exp(-lam * (w1 - t)))


def _wexposure(a: np.ndarray, b: np.ndarray, w1: float, lam: float) -> np.ndarray:
    if lam == 0.0:
        return np.asarray(b - a)
    return np.asarray((np.exp(-lam * (w1 - b)) - np.exp(-lam * (w1 - a))) / lam)


@dataclass(frozen=True, slots=True, kw_only=True)
class Occupancy:
    """Exposure and events of a reference window, by state (weighted if a half-life was given)."""

    exposure: np.ndarray
    events: pd.DataFrame
    """Columns ``kind, origin, dest, count, raw`` (``raw`` unweighted); ``dest`` = LEFT for leaving."""
    entries: np.ndarray
    entries_raw: np.ndarray
    window_days: float
    """Weighted length of the window in days (the exposure time of entry rates)."""
    notes: dict[str, int]


def occupancy(
    segments: pd.DataFrame,
    space: StateSpace,
    *,
    window: tuple[float, float],
    half_life: float | None = None,
) -> Occupancy:
    """Split stays at birthdays and duration boundaries; count exposure and events in a window.

    ``window`` is ``(w0, w1)`` in day numbers: exposure in ``[w0, w1)``, events at times in
    ``(w0, w1]``, entries in ``[w0, w1)``.
    """
    w0, w1 = window
    lam = 0.0 if half_life is None else float(np.log(2.0) / half_life)
    n = space.n_states
    n_age = len(space.age_edges) - 1
    s = segments["start"].to_numpy(dtype=float)
    e = segments["end"].fillna(np.inf).to_numpy(dtype=float)
    dob = segments["dob"].to_numpy(dtype=float)
    poc0 = segments["poc_start"].to_numpy(dtype=float)
    place = segments["placement_i"].to_numpy(dtype=np.int64)
    stream = segments["stream_i"].to_numpy(dtype=np.int64)
    last = segments["last"].to_numpy(dtype=bool)
    births = (
        np.stack([add_years(dob, a) for a in space.age_edges[1:]], axis=1)
        if len(dob)
        else np.zeros((0, n_age))
    )
    dur_edges = np.asarray(space.duration_edges, dtype=float)
    dbounds = poc0[:, None] + dur_edges[None, :]

    def age_at(t: np.ndarray, rows: Any = slice(None)) -> np.ndarray:
        return np.asarray((births[rows] <= t[:, None]).sum(axis=1))

    def dur_at(t: np.ndarray, rows: Any = slice(None)) -> np.ndarray:
        return np.asarray((dbounds[rows] <= t[:, None]).sum(axis=1))

    # Exposure: pieces between consecutive cut points inside [max(s, w0), min(e, w1)].
    a = np.maximum(s, w0)
    b = np.minimum(e, w1)
    cuts = np.concatenate([a[:, None], b[:, None], births, dbounds], axis=1)
    cuts = np.sort(np.clip(cuts, a[:, None], np.maximum(a, b)[:, None]), axis=1)
    left, right = cuts[:, :-1], cuts[:, 1:]
    row, col = np.nonzero(right > left)
    lo, hi = left[row, col], right[row, col]
    mid = (lo + hi) / 2.0
    age_i = age_at(mid, row)
    ok = age_i < n_age
    idx = space.index(stream[row], age_i, place[row], dur_at(mid, row))
    exposure = np.bincount(idx[ok], weights=_wexposure(lo, hi, w1, lam)[ok], minlength=n)

    ev: list[pd.DataFrame] = []

    def add(
        kind: str, rows: np.ndarray, t: np.ndarray, origin: np.ndarray, dest: np.ndarray
    ) -> None:
        ev.append(
            pd.DataFrame(
                {
                    "kind": kind,
                    "origin": origin,
                    "dest": dest,
                    "count": _weight(t, w1, lam),
                    "raw": 1.0,
                }
            )
        )

    def inwin(t: np.ndarray) -> np.ndarray:
        return np.asarray((t > w0) & (t <= w1))

    # Ageing: crossing a birthday edge strictly inside a stay (the top edge also at its very end).
    for k in range(n_age):
        bk = births[:, k]
        top = k == n_age - 1
        inside = (s < bk) & ((bk <= e) if top else (bk < e)) & inwin(bk)
        r = np.flatnonzero(inside)
        if r.size:
            d = dur_at(bk[r] - 0.5, r)
            origin = space.index(stream[r], k, place[r], d)
            dest = np.full(r.size, LEFT) if top else space.index(stream[r], k + 1, place[r], d)
            add("ageing", r, bk[r], origin, dest)
    # Duration bands: crossing a boundary strictly inside a stay, while under the top age.
    for m in range(len(dur_edges)):
        dm = dbounds[:, m]
        inside = (s < dm) & (dm < e) & inwin(dm)
        r = np.flatnonzero(inside)
        ag = age_at(dm[r], r)
        r, ag = r[ag < n_age], ag[ag < n_age]
        if r.size:
            origin = space.index(stream[r], ag, place[r], m)
            add("duration", r, dm[r], origin, origin + 1)
    # End of a stay: a placement move, or leaving care (unless the child already aged out).
    fin = np.isfinite(e) & inwin(e) & (e < births[:, -1])
    r = np.flatnonzero(fin)
    tt = e[r] - 0.5
    origin = space.index(stream[r], age_at(tt, r), place[r], dur_at(tt, r))
    nxt = np.append(place[1:], 0)[r]
    is_exit = last[r]
    add("exit", r[is_exit], e[r][is_exit], origin[is_exit], np.full(int(is_exit.sum()), LEFT))
    mv = ~is_exit
    dest = origin[mv] + (nxt[mv] - place[r][mv]) * space.shape[3]
    add("move", r[mv], e[r][mv], origin[mv], dest)
    events = pd.concat(ev, ignore_index=True)

    # Entries: the first stay of each period of care starting in [w0, w1).
    first = (s == poc0) & (s >= w0) & (s < w1)
    r = np.flatnonzero(first)
    ag = age_at(s[r], r)
    too_old = ag >= n_age
    r, ag = r[~too_old], ag[~too_old]
    dest_e = space.index(stream[r], ag, place[r], 0)
    entries = np.bincount(dest_e, weights=_weight(s[r], w1, lam), minlength=n)
    entries_raw = np.bincount(dest_e, minlength=n).astype(float)
    window_days = float(_wexposure(np.array([w0]), np.array([w1]), w1, lam)[0])
    notes = {"entries_at_or_over_top_age": int(too_old.sum())}
    return Occupancy(
        exposure=exposure,
        events=events,
        entries=entries,
        entries_raw=entries_raw,
        window_days=window_days,
        notes=notes,
    )


def shrink(flows: pd.DataFrame, *, exposure: np.ndarray, k: float) -> pd.DataFrame:
    """Gamma posterior of each flow's rate, shrunk toward the rate pooled over its ``group``.

    ``flows`` needs ``origin, count, group, fallback`` (``fallback``: prior mean when the group has
    no exposure). Adds ``exposure, pooled, shape, rate_param, rate``. Rows marked ``fixed`` (if that
    column is present) take their ``fallback`` as the rate, with no posterior (shape 0).
    """
    out = flows.copy()
    e = exposure[out["origin"].to_numpy()]
    out["exposure"] = e
    g = out.assign(_e=e).groupby("group", sort=False)
    tot_n = g["count"].transform("sum").to_numpy(dtype=float)
    tot_e = g["_e"].transform("sum").to_numpy(dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        pooled = np.where(tot_e > 0, tot_n / np.where(tot_e > 0, tot_e, 1.0), out["fallback"])
    shape = out["count"].to_numpy(dtype=float) + k * pooled
    rate_param = e + k
    out["pooled"] = pooled
    out["shape"] = shape
    out["rate_param"] = rate_param
    pos = (shape > 0) & (rate_param > 0)
    safe_rp = np.where(rate_param > 0, rate_param, 1.0)
    out["rate"] = np.where(pos, shape / safe_rp, np.where(rate_param > 0, 0.0, pooled))
    if "fixed" in out.columns:  # fixed rates (uniform ageing) are their fallback, not estimated
        fixed = out["fixed"].to_numpy(dtype=bool)
        out.loc[fixed, "rate"] = out.loc[fixed, "fallback"]
        out.loc[fixed, "shape"] = 0.0
    return out


def gamma_interval(table: pd.DataFrame, level: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Central interval of each row's Gamma(``shape``, ``rate_param``) posterior (the rate itself
    where the posterior is degenerate).

    Examples
    --------
    >>> t = pd.DataFrame({"shape": [4.0, 0.0], "rate_param": [100.0, 50.0], "rate": [0.04, 0.0]})
    >>> lo, hi = gamma_interval(t)
    >>> [round(float(x), 4) for x in (lo[0], hi[0], lo[1], hi[1])]
    [0.0109, 0.0877, 0.0, 0.0]
    """
    from scipy.special import gammaincinv  # only when intervals are asked for (import cost)

    shape = table["shape"].to_numpy(dtype=float)
    rp = table["rate_param"].to_numpy(dtype=float)
    rate = table["rate"].to_numpy(dtype=float)
    pos = (shape > 0) & (rp > 0)
    lo, hi = rate.copy(), rate.copy()
    a = (1.0 - level) / 2.0
    if pos.any():
        lo[pos] = gammaincinv(shape[pos], a) / rp[pos]
        hi[pos] = gammaincinv(shape[pos], 1.0 - a) / rp[pos]
    return lo, hi


def candidate_flows(space: StateSpace, *, ageing: str = "observed") -> pd.DataFrame:
    """Every flow the state space allows: ``kind, origin, dest, group, fallback, fixed``."""
    comp = space.components()
    _ns, na, npl, nd = space.shape
    origin = np.arange(space.n_states)
    rows: list[pd.DataFrame] = []
    st, ag, pl, du = (
        comp[c].to_numpy() for c in ("stream_i", "age_i", "placement_i", "duration_i")
    )
    for q in range(npl):
        m = pl != q
        dest = origin[m] + (q - pl[m]) * nd
        grp = [
            f"move|{a}|{b}|{c}" for a, b, c in zip(st[m], pl[m], [q] * int(m.sum()), strict=False)
        ]
        rows.append(pd.DataFrame({"kind": "move", "origin": origin[m], "dest": dest, "group": grp}))
    grp = [f"exit|{a}|{b}|{c}" for a, b, c in zip(st, pl, du, strict=False)]
    rows.append(pd.DataFrame({"kind": "exit", "origin": origin, "dest": LEFT, "group": grp}))
    dest = np.where(ag < na - 1, origin + npl * nd, LEFT)
    grp = [f"ageing|{a}|{b}" for a, b in zip(st, ag, strict=False)]
    rows.append(pd.DataFrame({"kind": "ageing", "origin": origin, "dest": dest, "group": grp}))
    m = du < nd - 1
    grp = [f"duration|{a}|{b}" for a, b in zip(st[m], du[m], strict=False)]
    rows.append(
        pd.DataFrame({"kind": "duration", "origin": origin[m], "dest": origin[m] + 1, "group": grp})
    )
    out = pd.concat(rows, ignore_index=True)
    width = np.diff(np.asarray(space.age_edges, dtype=float)) * 365.25
    dur_w = np.diff(np.asarray((0, *space.duration_edges), dtype=float))
    fallback = np.zeros(len(out))
    oc = comp.iloc[out["origin"].to_numpy()]
    is_age = (out["kind"] == "ageing").to_numpy()
    fallback[is_age] = 1.0 / width[oc["age_i"].to_numpy()[is_age]]
    is_dur = (out["kind"] == "duration").to_numpy()
    if is_dur.any():
        fallback[is_dur] = 1.0 / dur_w[oc["duration_i"].to_numpy()[is_dur]]
    out["fallback"] = fallback
    out["fixed"] = is_age & (ageing == "uniform")
    return out


def count_flows(flows: pd.DataFrame, events: pd.DataFrame) -> pd.DataFrame:
    """Attach observed (weighted and raw) counts of events to candidate flows."""
    agg = (
        events.groupby(["kind", "origin", "dest"], sort=False)[["count", "raw"]].sum().reset_index()
    )
    out = flows.merge(agg, on=["kind", "origin", "dest"], how="left")
    out["count"] = out["count"].fillna(0.0)
    out["raw"] = out["raw"].fillna(0.0)
    return out


def entry_table(
    counts: np.ndarray, raw: np.ndarray, window_days: float, *, scale: np.ndarray | None = None
) -> pd.DataFrame:
    """Entry rates per state, per day over the window (posterior ``Gamma(N, T)``).

    With ``scale`` (the reference population of each entry state's age band), ``per_10k`` is the
    factor turning a daily rate into a daily rate per 10,000 children of the band.
    """
    exposure = np.full(len(counts), window_days, dtype=float)
    out = pd.DataFrame({"dest": np.arange(len(counts)), "count": counts, "raw": raw})
    out["exposure"] = exposure
    out["shape"] = counts
    out["rate_param"] = exposure
    pos = counts > 0
    out["rate"] = np.where(pos, counts / np.where(exposure > 0, exposure, 1.0), 0.0)
    if scale is not None:
        out["per_10k"] = 10_000.0 / np.where(scale > 0, scale, np.nan)
    return out


MIN_RATE_EVIDENCE: Final = 2.0
"""Least posterior shape (events' worth of evidence) a state's total outflow is drawn with."""


def draw_gamma(
    table: pd.DataFrame, n: int, rng: np.random.Generator, *, centre_by: str | None = None
) -> np.ndarray:
    """``n`` posterior draws of every rate in a table (rows with zero shape or ``fixed`` stay put).

    Draws are stratified: ``m`` times more Gamma draws than needed are sorted and each of the
    ``n`` draws is taken from its own block of ``m`` order statistics (one equal-probability
    stratum), in an order shuffled independently per rate. Each draw is still a draw from the
    posterior and rates stay independent, but the mean of a projection over a few dozen rate sets
    is far less noisy than with plain draws (a stock is close to additive in its rates).

    ``centre_by`` (a column, e.g. ``"origin"``): centre the draws of each group's total on the
    log scale (see :func:`log_centring`), for rates out of a state whose stocks depend on stays.

    Examples
    --------
    >>> t = pd.DataFrame({"shape": [4.0], "rate_param": [2.0], "rate": [2.0], "origin": [0]})
    >>> d = draw_gamma(t, 1000, np.random.default_rng(0))
    >>> round(float(d.mean()), 2), bool(abs(np.median(d) - 1.84) < 0.02)
    (2.0, True)
    >>> c = draw_gamma(t, 1000, np.random.default_rng(0), centre_by="origin")
    >>> round(float(np.exp(np.log(c).mean())), 2)  # geometric mean: the estimate
    2.0
    """
    shape = table["shape"].to_numpy(dtype=float)
    rp = table["rate_param"].to_numpy(dtype=float)
    rate = table["rate"].to_numpy(dtype=float)
    fixed = table["fixed"].to_numpy(dtype=bool) if "fixed" in table else np.zeros(len(table), bool)
    live = (shape > 0) & (rp > 0) & ~fixed
    out = np.tile(rate, (n, 1))
    scale = np.ones(len(table))
    if centre_by is not None and live.any():
        shape, rp, scale = log_centring(table[centre_by].to_numpy(), shape, rp, live)
    if live.any():
        k = int(live.sum())
        m = int(np.clip(4_000_000 // max(n * k, 1), 1, 16))  # draws per stratum, memory-capped
        pool = np.sort(rng.gamma(shape[live], 1.0 / rp[live], size=(n * m, k)), axis=0)
        pick = np.arange(n)[:, None] * m + rng.integers(0, m, size=(n, k))
        order = rng.permuted(np.tile(np.arange(n)[:, None], (1, k)), axis=0)
        out[:, live] = np.take_along_axis(pool, np.take_along_axis(pick, order, axis=0), axis=0)
    return out * scale[None, :]


def log_centring(
    group: np.ndarray, shape: np.ndarray, rp: np.ndarray, live: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Shapes, rate parameters and draw multipliers that centre each group's total on the log scale.

    The flows out of a state share its rate parameter ``b``, so their total is Gamma(``A``, ``b``)
    with ``A`` the sum of their shapes. Its mean is the estimate ``A / b``, but the mean *stay*
    ``E[1 / total] = b / (A - 1)`` is longer than the estimated ``b / A`` (unbounded for
    ``A <= 1``), and stocks grow with stays: plain draws lift the Monte Carlo mean stock above the
    projection at the estimates, most through sparse cells. On synthetic LAs (a known process)
    that lift was bias: 3-11 children of about 450 at 1-3 years. So each group's draws are
    multiplied by ``A exp(-digamma(A))`` (about ``1 + 1 / (2A)``), which makes the estimate their
    geometric mean: the draws neither lengthen nor shorten stays on average on the log scale, and
    parameter uncertainty widens the band around the projection at the estimates instead of
    moving it. ``A`` is first raised to :data:`MIN_RATE_EVIDENCE` (shape and rate parameter
    scaled together, same mean): with less evidence than that the multiplier explodes.

    Examples
    --------
    >>> s, r, c = log_centring(np.array([0, 0, 1]), np.array([1.0, 3.0, 0.5]),
    ...                        np.array([10.0, 10.0, 5.0]), np.array([True, True, True]))
    >>> s.tolist(), r.tolist(), [round(float(x), 3) for x in c]
    ([1.0, 3.0, 2.0], [10.0, 10.0, 20.0], [1.139, 1.139, 1.31])
    """
    _, grp = np.unique(group, return_inverse=True)
    total = np.bincount(grp, weights=np.where(live, shape, 0.0))[grp]
    has = live & (total > 0)
    boost = np.where(has, np.maximum(1.0, MIN_RATE_EVIDENCE / np.where(has, total, 1.0)), 1.0)
    evidence = np.where(has, total * boost, MIN_RATE_EVIDENCE)
    scale = np.where(has, evidence * np.exp(-_digamma(evidence)), 1.0)
    return shape * boost, rp * boost, scale


def _digamma(x: np.ndarray) -> np.ndarray:
    """The digamma function for ``x >= 1`` (recurrence to ``x >= 6``, then the asymptotic series;
    error below 1e-11). Local, because importing ``scipy.special`` costs a CLI run 0.1 s.

    Examples
    --------
    >>> [round(float(v), 10) for v in _digamma(np.array([1.0, 2.0, 10.5]))]
    [-0.5772156649, 0.4227843351, 2.3030010343]
    """
    x = np.asarray(x, dtype=float)
    acc = np.zeros_like(x)
    for _ in range(6):
        small = x < 6.0
        acc = acc - np.where(small, 1.0 / x, 0.0)
        x = np.where(small, x + 1.0, x)
    inv2 = 1.0 / (x * x)
    series = inv2 * (1 / 12 - inv2 * (1 / 120 - inv2 * (1 / 252 - inv2 * (1 / 240 - inv2 / 132))))
    return np.asarray(acc + np.log(x) - 0.5 / x - series)


def readable(flows: pd.DataFrame, entries: pd.DataFrame, labels: pd.DataFrame) -> pd.DataFrame:
    """One row per rate: kind, from, to, count, exposure (person-days), rate and 95% interval.

    Rates are per person-day (entries: per day, or per day per 10,000 children of the age band,
    kind ``entry_per_10k``, when the model was fitted with a population); ``*_per_year`` columns
    multiply by 365.25.
    """
    name = labels["state"].to_numpy(dtype=object)

    def lab(ix: np.ndarray, leaving: str) -> np.ndarray:
        return np.where(ix == LEFT, leaving, name[np.where(ix == LEFT, 0, ix)])

    f_lo, f_hi = gamma_interval(flows)
    f = pd.DataFrame(
        {
            "kind": flows["kind"],
            "from": lab(flows["origin"].to_numpy(), ""),
            "to": lab(flows["dest"].to_numpy(), "left care"),
            "count": flows["raw"],
            "weighted_count": flows["count"],
            "exposure": flows["exposure"],
            "pooled": flows["pooled"],
            "rate": flows["rate"],
            "lower": f_lo,
            "upper": f_hi,
        }
    )
    e_lo, e_hi = gamma_interval(entries)
    per_10k = "per_10k" in entries.columns
    factor = entries["per_10k"].to_numpy(dtype=float) if per_10k else 1.0
    en = pd.DataFrame(
        {
            "kind": "entry_per_10k" if per_10k else "entry",
            "from": "",
            "to": name[entries["dest"].to_numpy()],
            "count": entries["raw"],
            "weighted_count": entries["count"],
            "exposure": entries["exposure"],
            "pooled": np.nan,
            "rate": entries["rate"].to_numpy(dtype=float) * factor,
            "lower": e_lo * factor,
            "upper": e_hi * factor,
        }
    )
    out = pd.concat([en, f], ignore_index=True)
    for c in ("rate", "lower", "upper"):
        out[c + "_per_year"] = out[c] * 365.25
    return out


def population_factors(
    population: pd.DataFrame, labels: Sequence[str], window: tuple[pd.Timestamp, pd.Timestamp]
) -> tuple[np.ndarray, list[RateMultiplier]]:
    """Reference population per age band over the window, and entry multipliers pop(t)/pop_ref.

    ``population``: columns ``age_band``, ``period`` (year ending 31 March) and ``population``;
    without ``age_band`` the one series (e.g. all children aged 0-17) scales every band alike.
    """
    if "age_band" not in population.columns:
        population = pd.concat([population.assign(age_band=b) for b in labels], ignore_index=True)
    need = {"age_band", "period", "population"}
    if not need <= set(population.columns):
        raise DemandModelError(
            f"population needs columns {sorted(need)}; got {list(population.columns)}."
        )
    pop = population.pivot_table(
        index="period", columns="age_band", values="population", aggfunc="sum"
    )
    missing = [b for b in labels if b not in pop.columns]
    if missing:
        raise DemandModelError(
            f"population has no rows for age bands {missing}; bands are {list(labels)}."
        )
    pop = pop[list(labels)].sort_index()
    w0, w1 = window
    years = pd.date_range(w0, w1, freq="D")
    per = years.year + (years.month > 3)
    ref = pop.reindex(np.clip(per, pop.index.min(), pop.index.max())).to_numpy().mean(axis=0)
    from demandmodel.models.markov import RateMultiplier

    mults: list[RateMultiplier] = []
    for period in range(int(pop.index.min()), int(pop.index.max()) + 31):
        row = pop.loc[min(period, int(pop.index.max()))].to_numpy()
        start = pd.Timestamp(period - 1, 4, 1) if period > pop.index.min() else None
        end = pd.Timestamp(period, 4, 1) if period < pop.index.max() + 30 else None
        for band, val, r in zip(labels, row, ref, strict=False):
            mults.append(
                RateMultiplier(
                    value=float(val / r),
                    kind="entry",
                    where={"age_band": (band,)},
                    start=start,
                    end=end,
                )
            )
    return ref, mults
