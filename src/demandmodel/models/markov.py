"""Multi-state Markov projection: exact moments and vectorised Monte Carlo (DESIGN 4.3).

A :class:`MarkovChain` holds transient states, flows ``i -> j`` with daily rates (``j`` may be the
absorbing "left" state) and Poisson entry rates. Over a step of ``dt`` days it uses

* ``P = expm(Q dt)`` (column ``i`` = where a child in state ``i`` is after the step) and
* ``lam_eff = G lam`` with ``G = integral_0^dt expm(Q s) ds``: children entering during the step
  move on before its end, so entries at the end of a step are independent Poisson counts,

and the exact recursion for multinomial moves plus Poisson entries::

    m[t+1] = P m[t] + lam_eff
    C[t+1] = P C[t] P' + diag(P m[t]) - P diag(m[t]) P' + diag(lam_eff)

(``sum_i m_i (diag(p_i) - p_i p_i') = diag(P m) - P diag(m) P'``, restricted to transient states).
The Monte Carlo draws the same moves and entries, vectorised over simulations, and (by default)
redraws every rate from its Gamma posterior per simulation: parameter uncertainty.

Scenario hooks: :class:`RateMultiplier` scales any entry, exit, move, ageing or duration rate over a
time span; a zero multiplier removes the flow exactly (its rate is zero, so no child takes it).

Examples
--------
Two states, ``a -> b`` at 0.01 a day and ``b -> a`` at 0.03: the steady state is 75% in ``a``.

>>> import numpy as np, pandas as pd
>>> from demandmodel.models.markov import MarkovChain
>>> chain = MarkovChain.from_generator(np.array([[-0.01, 0.03], [0.01, -0.03]]), states=["a", "b"])
>>> mom = chain.moments(initial=np.array([1000.0, 0.0]), start="2020-01-01", end="2023-01-01")
>>> [round(float(x)) for x in mom.mean[-1]]
[750, 250]
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from demandmodel._random import RNGLike, as_generator
from demandmodel.errors import (
    DemandModelError,
    DemandModelWarning,
    InsufficientHistoryError,
    ScenarioError,
)
from demandmodel.forecast import Forecast
from demandmodel.models.rates import (
    LEFT,
    candidate_flows,
    count_flows,
    draw_gamma,
    entry_table,
    occupancy,
    population_factors,
    readable,
    shrink,
)
from demandmodel.models.states import StateSpace, care_segments, days, stock_at, to_date

KINDS = ("entry", "exit", "move", "ageing", "duration")
LABEL_COLUMNS = ("state", "level", "age_band", "placement")


@dataclass(frozen=True, slots=True, kw_only=True)
class RateMultiplier:
    """Multiply some rates by ``value`` from ``start`` (inclusive) to ``end`` (exclusive).

    Parameters
    ----------
    value
        The multiplier (>= 0); 0 removes the flow.
    kind
        ``entry``, ``exit``, ``move``, ``ageing``, ``duration``, or a tuple of them.
    where
        Label filters on the origin state (for entries: the state entered), e.g.
        ``{"placement": ("residential",), "age_band": ("10-15",)}``.
    to
        Label filters on the destination state of moves, e.g. ``{"placement": ("fostering",)}``.
    start, end
        Dates (``None``: from the start / to the end of the projection). A ramp is a list of
        multipliers over consecutive spans (e.g. monthly).

    Examples
    --------
    Halve moves from residential to fostering placements for 10-15 year olds from April 2025:

    >>> m = RateMultiplier(value=0.5, kind="move", where={"placement": ("residential",),
    ...                    "age_band": ("10-15",)}, to={"placement": ("fostering",)},
    ...                    start="2025-04-01")
    >>> m.kind
    ('move',)
    """

    value: float
    kind: str | tuple[str, ...] = KINDS
    where: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    to: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    start: Any = None
    end: Any = None

    def __post_init__(self) -> None:
        kinds = (self.kind,) if isinstance(self.kind, str) else tuple(self.kind)
        bad = [k for k in kinds if k not in KINDS]
        if bad or not np.isfinite(self.value) or self.value < 0:
            raise ScenarioError(
                f"RateMultiplier(kind={self.kind!r}, value={self.value!r}): kind must be among {KINDS} "
                "and value a finite number >= 0."
            )
        object.__setattr__(self, "kind", kinds)

    def _select(self, labels: pd.DataFrame, ix: np.ndarray, filt: Mapping[str, Any]) -> np.ndarray:
        ok = np.ones(len(ix), dtype=bool)
        valid = ix >= 0
        for col, vals in filt.items():
            if col not in labels.columns:
                raise ScenarioError(
                    f"RateMultiplier filters on {col!r}, but states have labels {list(labels.columns)}."
                )
            vals = (vals,) if isinstance(vals, str) else tuple(vals)
            hit = labels[col].isin(list(vals)).to_numpy()
            ok &= valid & hit[np.where(valid, ix, 0)]
        return ok

    def applies(
        self, labels: pd.DataFrame, kinds: np.ndarray, origin: np.ndarray, dest: np.ndarray
    ) -> np.ndarray:
        """Which flows (rows of ``kinds``, ``origin``, ``dest``) the multiplier touches."""
        hit = np.isin(kinds, list(self.kind))
        hit &= self._select(labels, origin, self.where)
        if self.to:
            hit &= self._select(labels, dest, self.to)
        return np.asarray(hit)


@dataclass(frozen=True, slots=True)
class Moments:
    """Exact mean ``(record, state)`` and covariance ``(record, state, state)`` of the stocks."""

    dates: tuple[pd.Timestamp, ...]
    mean: np.ndarray
    cov: np.ndarray

    def aggregate(self, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Mean and variance of the sums ``weights @ stock`` (``weights``: ``(series, state)``)."""
        m = self.mean @ weights.T
        v = np.einsum("gi,rij,gj->rg", weights, self.cov, weights)
        return m, v


def time_grid(start: Any, end: Any, step: str) -> pd.DatetimeIndex:
    """Dates of the projection steps from ``start`` to ``end`` (``day``, ``week`` or ``month``)."""
    t0, t1 = pd.Timestamp(start).normalize(), pd.Timestamp(end).normalize()
    if t1 <= t0:
        raise DemandModelError(f"Projection end {t1.date()} must be after its start {t0.date()}.")
    freqs: dict[str, Any] = {"day": "D", "week": "7D", "month": pd.DateOffset(months=1)}
    if step not in freqs:
        raise DemandModelError(f"step must be 'day', 'week' or 'month'; got {step!r}.")
    grid = pd.date_range(t0, t1, freq=freqs[step])
    if grid[-1] < t1:
        grid = pd.DatetimeIndex(grid.append(pd.DatetimeIndex([t1])))
    return pd.DatetimeIndex(grid)


def record_points(grid: pd.DatetimeIndex, record: str | Sequence[Any]) -> np.ndarray:
    """Indices of the grid dates to keep: ``step``, ``month`` (month ends), ``year`` (31 March) or dates."""
    t0, t1 = grid[0], grid[-1]
    if isinstance(record, str):
        if record == "step":
            return np.arange(len(grid))
        if record == "month":
            want = pd.date_range(t0, t1, freq="ME")
        elif record == "year":
            want = pd.DatetimeIndex(
                [d for d in pd.date_range(t0, t1, freq="D") if d.month == 3 and d.day == 31]
            )
        else:
            raise DemandModelError(
                f"record must be 'step', 'month', 'year' or dates; got {record!r}."
            )
    else:
        want = pd.DatetimeIndex(pd.to_datetime(list(record))).normalize()
    want = pd.DatetimeIndex(want[(want > t0) & (want <= t1)].append(pd.DatetimeIndex([t1])))
    ix = np.unique(np.searchsorted(grid.values, want.values, side="left"))
    return ix[ix < len(grid)]


def expm_and_integral(q: np.ndarray, dt: float) -> tuple[np.ndarray, np.ndarray]:
    """``expm(Q dt)`` and ``integral_0^dt expm(Q s) ds`` for a stack of generators ``(..., m, m)``.

    Taylor series (to a truncation error below 1e-17, at most order 14) after scaling to
    norm <= 1/4, then squaring with
    ``P_2h = P_h P_h`` and ``G_2h = (I + P_h) G_h`` (agrees with ``scipy.linalg.expm`` to ~1e-14).

    Examples
    --------
    >>> from scipy.linalg import expm
    >>> q = np.array([[-0.2, 0.1], [0.2, -0.1]])
    >>> p, g = expm_and_integral(q, 3.0)
    >>> bool(np.allclose(p, expm(3.0 * q)))
    True
    """
    norm = float(np.abs(q).sum(axis=-2).max()) * dt if q.size else 0.0
    s = max(0, int(np.ceil(np.log2(norm / 0.25)))) if norm > 0.25 else 0
    h = dt / 2.0**s
    a = q * h
    eye = np.broadcast_to(np.eye(q.shape[-1]), q.shape)
    term = np.array(eye, copy=True)
    p = np.array(eye, copy=True)
    g = np.array(eye, copy=True)
    a_norm, terms, bound = norm / 2.0**s, 1, norm / 2.0**s
    while bound > 1e-17 and terms < 14:
        terms += 1
        bound *= a_norm / terms
    for k in range(1, terms + 1):
        term = term @ a / k
        p = p + term
        g = g + term / (k + 1)
    g = g * h
    for _ in range(s):
        g = g + p @ g
        p = p @ p
    return p, g


def _binomial_sparse(
    n: np.ndarray,
    p: np.ndarray,
    logq: np.ndarray,
    rng: np.random.Generator,
    p0: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Exact Binomial(n, p) draws (1-D arrays) by CDF inversion, returned sparsely as the indices
    with a non-zero draw and the draws; fast when ``n p`` is small, as for daily moves.

    ``p0`` (optional) is ``(1 - p) ** n = exp(n * logq)``, the probability of no draw, when the
    caller keeps it up to date; cells where it is 1 (nobody there, or nobody can move) draw no
    random number at all."""
    if p0 is None:
        p0 = np.exp(n * logq)
    act = np.flatnonzero(p0 < 1.0)
    u_act = rng.random(act.size)
    hit = u_act > p0[act]
    idx = act[hit]
    if idx.size == 0:
        return idx, np.zeros(0, dtype=np.int64)
    nn, pp, uu = n[idx].astype(float), p[idx], u_act[hit]
    out = np.zeros(idx.size, dtype=np.int64)
    big = (pp > 0.3) | (nn * pp > 20)
    if big.any():
        out[big] = rng.binomial(nn[big].astype(np.int64), pp[big])
    live = np.flatnonzero(~big)
    nn, pp, uu = nn[live], pp[live], uu[live]
    cdf = np.exp(nn * logq[idx[live]])
    pm, ratio, k = cdf.copy(), pp / (1.0 - pp), 0
    while live.size:
        pm = pm * (nn - k) / (k + 1) * ratio
        k += 1
        cdf = cdf + pm
        out[live] = k
        go = (uu > cdf) & (nn > k)
        live, nn, uu, cdf, pm, ratio = (v[go] for v in (live, nn, uu, cdf, pm, ratio))
    return idx, out


def _binomial(
    n: np.ndarray, p: np.ndarray, logq: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """Dense version of :func:`_binomial_sparse` for arrays of any shape."""
    out = np.zeros(n.size, dtype=np.int64)
    idx, k = _binomial_sparse(n.reshape(-1), p.reshape(-1), logq.reshape(-1), rng)
    out[idx] = k
    return out.reshape(n.shape)


def _total_row(level: str) -> pd.DataFrame:
    return pd.DataFrame(
        [{"state": "total", "level": level, "age_band": "", "placement": "", "kind": "total"}]
    )


def aggregation(states: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray]:
    """Series labels and a ``(series, state)`` 0/1 matrix: every state, then per level the totals
    by age band, by placement and overall, and a grand total (level ``all``) over several levels.
    Aggregate rows have ``state == "total"``; ``kind`` says which (``state``, ``age_band``,
    ``placement``, ``total``)."""
    lab = states.reindex(columns=LABEL_COLUMNS).fillna("").astype(str)
    rows = [lab.assign(kind="state")]
    mats = [np.eye(len(lab))]
    levels = pd.unique(lab["level"])
    for level in levels:
        in_level = (lab["level"] == level).to_numpy()
        for col in ("age_band", "placement"):
            values = [v for v in pd.unique(lab.loc[in_level, col]) if v != ""]
            if len(values) < 2:
                continue
            for v in values:
                mats.append(((lab[col] == v).to_numpy() & in_level)[None, :].astype(float))
                rec = {"state": "total", "level": level, "age_band": "", "placement": ""}
                rec[col] = v
                rows.append(pd.DataFrame([{**rec, "kind": col}]))
        if in_level.sum() > 1:
            mats.append(in_level[None, :].astype(float))
            rows.append(_total_row(str(level)))
    if len(levels) > 1:
        mats.append(np.ones((1, len(lab))))
        rows.append(_total_row("all"))
    series = pd.concat(rows, ignore_index=True)
    return series, np.vstack(mats)


@dataclass(frozen=True, slots=True, kw_only=True)
class MarkovChain:
    """A continuous-time chain with entries, ready to project (see the module docstring).

    Parameters
    ----------
    states
        One row per transient state with at least a ``state`` label (and ``level``,
        ``age_band``, ``placement`` if known: multipliers and aggregates use them).
    flows
        ``kind, origin, dest, rate`` (daily; ``dest`` = -1 for leaving) and, for parameter
        uncertainty, the Gamma posterior ``shape, rate_param`` (and ``fixed``).
    entries
        ``dest, rate`` (Poisson, per day) and optionally ``shape, rate_param``.
    multipliers
        Multipliers always applied (e.g. a population projection scaling entries).
    """

    states: pd.DataFrame
    flows: pd.DataFrame
    entries: pd.DataFrame
    multipliers: tuple[RateMultiplier, ...] = ()
    model: str = "markov"
    metadata: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def from_generator(
        cls, q: np.ndarray, *, states: Sequence[str], entries: Sequence[float] | None = None
    ) -> MarkovChain:
        """A chain from a generator ``Q[j, i]`` (rate ``i -> j``; a column's deficit is leaving)."""
        q = np.asarray(q, dtype=float)
        n = len(states)
        if q.shape != (n, n):
            raise DemandModelError(f"Generator shape {q.shape} does not match {n} states.")
        off = q * (1 - np.eye(n))
        dest, origin = np.nonzero(off > 0)
        leave = -q.sum(axis=0)
        lo = np.flatnonzero(leave > 1e-15)
        flows = pd.DataFrame(
            {
                "kind": ["move"] * len(origin) + ["exit"] * len(lo),
                "origin": np.concatenate([origin, lo]),
                "dest": np.concatenate([dest, np.full(len(lo), LEFT)]),
                "rate": np.concatenate([off[dest, origin], leave[lo]]),
            }
        )
        lam = np.zeros(n) if entries is None else np.asarray(entries, dtype=float)
        ent = pd.DataFrame({"dest": np.arange(n), "rate": lam})
        labels = pd.DataFrame(
            {"state": list(states), "level": "all", "age_band": "", "placement": ""}
        )
        return cls(states=labels, flows=flows, entries=ent)

    @property
    def n_states(self) -> int:
        """Number of transient states."""
        return len(self.states)

    # -- parameters per step -------------------------------------------------------------------
    def _multiplier_plan(
        self, grid: pd.DatetimeIndex, extra: Sequence[RateMultiplier]
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        mults = (*self.multipliers, *extra)
        f, e = self.flows, self.entries
        fk, fo, fd = f["kind"].to_numpy(dtype=object), f["origin"].to_numpy(), f["dest"].to_numpy()
        ed = e["dest"].to_numpy()
        n_steps = len(grid) - 1
        active = np.zeros((n_steps, len(mults)), dtype=bool)
        fvals = np.ones((len(mults), len(f)))
        evals = np.ones((len(mults), len(e)))
        t = grid[:-1]
        for m, mu in enumerate(mults):
            lo = pd.Timestamp(mu.start) if mu.start is not None else t[0]
            hi = pd.Timestamp(mu.end) if mu.end is not None else grid[-1] + pd.Timedelta(days=1)
            active[:, m] = (t >= lo) & (t < hi)
            fvals[m, mu.applies(self.states, fk, fo, fd)] = mu.value
            evals[m, mu.applies(self.states, np.full(len(e), "entry", dtype=object), ed, ed)] = (
                mu.value
            )
        return active, fvals, evals, np.diff(grid.values).astype("timedelta64[D]").astype(float)

    def _rates(
        self, samples: int, rng: np.random.Generator | None
    ) -> tuple[np.ndarray, np.ndarray]:
        f, e = self.flows, self.entries
        if rng is None:
            return f["rate"].to_numpy(dtype=float)[None, :], e["rate"].to_numpy(dtype=float)[
                None, :
            ]
        fr = (
            draw_gamma(f, samples, rng)
            if "shape" in f
            else np.tile(f["rate"].to_numpy(float), (samples, 1))
        )
        er = (
            draw_gamma(e, samples, rng)
            if "shape" in e
            else np.tile(e["rate"].to_numpy(float), (samples, 1))
        )
        return fr, er

    def _transition(
        self, fr: np.ndarray, fmult: np.ndarray, dt: float
    ) -> tuple[np.ndarray, np.ndarray]:
        n = self.n_states
        f = self.flows
        origin = f["origin"].to_numpy()
        dest = np.where(f["dest"].to_numpy() == LEFT, n, f["dest"].to_numpy())
        r = fr * fmult[None, :]
        s = r.shape[0]
        sim = np.repeat(np.arange(s), r.shape[1])
        q = np.zeros((s, (n + 1) * (n + 1)))
        np.add.at(q, (sim, np.tile(dest * (n + 1) + origin, s)), r.ravel())
        q = q.reshape(s, n + 1, n + 1)
        out = np.zeros((s, n + 1))
        np.add.at(out, (sim, np.tile(origin, s)), r.ravel())
        q[:, np.arange(n + 1), np.arange(n + 1)] -= out
        return expm_and_integral(q, dt)

    def _entries(self, g: np.ndarray, er: np.ndarray, emult: np.ndarray) -> np.ndarray:
        n = self.n_states
        onehot = np.zeros((er.shape[1], n))
        onehot[np.arange(er.shape[1]), self.entries["dest"].to_numpy()] = 1.0
        lam = (er * emult[None, :]) @ onehot
        return np.asarray(np.clip(np.einsum("sij,sj->si", g[:, :n, :n], lam), 0.0, None))

    def _params_cache(
        self, fr: np.ndarray, er: np.ndarray, params: list[tuple[float, np.ndarray, np.ndarray]]
    ) -> list[tuple[np.ndarray, np.ndarray, bytes]]:
        """(P, lam_eff, key of P) per segment; P is computed once per distinct (dt, flow multipliers)."""
        trans: dict[bytes, tuple[np.ndarray, np.ndarray]] = {}
        out = []
        for dt, fm, em in params:
            key = np.append(fm, dt).tobytes()
            if key not in trans:
                trans[key] = self._transition(fr, fm, dt)
            p, g = trans[key]
            out.append((p, self._entries(g, er, em), key))
        return out

    def _segments(
        self, grid: pd.DatetimeIndex, multipliers: Sequence[RateMultiplier]
    ) -> tuple[np.ndarray, list[tuple[float, np.ndarray, np.ndarray]]]:
        active, fvals, evals, dts = self._multiplier_plan(grid, multipliers)
        keys = [(dts[k], active[k].tobytes()) for k in range(len(dts))]
        uniq: dict[tuple[float, bytes], int] = {}
        seg = np.array([uniq.setdefault(key, len(uniq)) for key in keys], dtype=np.int64)
        params = []
        for (dt, raw), _ in sorted(uniq.items(), key=lambda kv: kv[1]):
            act = np.frombuffer(raw, dtype=bool)
            params.append((dt, fvals[act].prod(axis=0), evals[act].prod(axis=0)))
        return seg, params

    # -- projections ---------------------------------------------------------------------------
    def moments(
        self,
        *,
        initial: np.ndarray,
        start: Any,
        end: Any,
        step: str = "day",
        record: str | Sequence[Any] = "month",
        multipliers: Sequence[RateMultiplier] = (),
    ) -> Moments:
        """Exact mean and covariance of the stocks at the record dates (rates fixed at estimates)."""
        grid = time_grid(start, end, step)
        rec = record_points(grid, record)
        seg, params = self._segments(grid, multipliers)
        fr, er = self._rates(1, None)
        cache = self._params_cache(fr, er, params)
        n = self.n_states
        m = np.asarray(initial, dtype=float).copy()
        c = np.zeros((n, n))
        means, covs = [], []
        want = set(rec.tolist())
        for k in range(len(grid)):
            if k in want:
                means.append(m.copy())
                covs.append(c.copy())
            if k == len(grid) - 1:
                break
            p_full, lam, _ = cache[seg[k]]
            p = p_full[0, :n, :n]
            pm = p @ m
            c = p @ c @ p.T + np.diag(pm) - (p * m[None, :]) @ p.T + np.diag(lam[0])
            m = pm + lam[0]
        return Moments(tuple(grid[rec]), np.array(means), np.array(covs))

    def simulate(
        self,
        *,
        initial: np.ndarray,
        start: Any,
        end: Any,
        samples: int = 1000,
        rng: RNGLike = None,
        step: str = "day",
        record: str | Sequence[Any] = "month",
        multipliers: Sequence[RateMultiplier] = (),
        parameter_uncertainty: bool = True,
        parameter_draws: int | None = None,
        history: pd.DataFrame | None = None,
    ) -> Forecast:
        """Monte Carlo paths of every state and aggregate at the record dates, as a Forecast.

        Moves are multinomial (a binomial draw of movers per state, then one destination per
        mover), entries Poisson; all vectorised over simulations. With ``parameter_uncertainty``
        all rates are redrawn from their Gamma posteriors: ``parameter_draws`` sets of rates
        (default: one per simulation while the matrix exponentials stay cheap, i.e. up to
        ``2e8 / (states + 1) ** 3`` sets and at least 50), simulation ``s`` using set
        ``s % parameter_draws``.
        """
        gen = as_generator(rng)
        seed = rng if isinstance(rng, int) else None
        grid = time_grid(start, end, step)
        rec = record_points(grid, record)
        seg, params = self._segments(grid, multipliers)
        n, s_ix = self.n_states, np.arange(samples)
        if parameter_draws is None:
            parameter_draws = min(samples, max(50, int(2e8 / (n + 1) ** 3)))
        n_sets = max(1, min(int(parameter_draws), samples)) if parameter_uncertainty else 1
        fr, er = self._rates(n_sets, gen if parameter_uncertainty else None)
        set_of = s_ix % n_sets
        x0 = np.asarray(initial, dtype=float)
        if (x0 < 0).any() or not np.allclose(x0, np.round(x0)):
            raise DemandModelError(
                "Initial stock for simulation must be whole, non-negative counts."
            )
        # Counts (sim, state) plus a last column that accumulates children who left.
        x = np.zeros((samples, n + 1), dtype=np.int64)
        x[:, :n] = np.round(x0).astype(np.int64)
        x_flat = x.reshape(-1)
        out = np.zeros((samples, len(rec), n), dtype=np.int32)
        rec_pos = {int(k): i for i, k in enumerate(rec)}
        cache = self._params_cache(fr, er, params)
        current, current_key = -1, b""
        for k in range(len(grid)):
            if k in rec_pos:
                out[:, rec_pos[k], :] = x[:, :n]
            if k == len(grid) - 1:
                break
            if seg[k] != current:
                current = int(seg[k])
                p, lam, key = cache[current]
                lam_set = lam.sum(axis=1)
                lam_cum = np.cumsum(lam, axis=1) / np.where(lam_set > 0, lam_set, 1.0)[:, None]
                lam_tot = lam_set[set_of]
            if key != current_key:
                current_key = key
                moves = np.zeros((n_sets, n + 1, n + 1))  # (set, origin, dest); left stays
                moves[:, :n, :] = np.transpose(p[:, :, :n], (0, 2, 1))
                moves[:, np.arange(n + 1), np.arange(n + 1)] = 0.0
                cum = np.cumsum(moves, axis=2)
                pm_set = np.clip(cum[:, :, -1], 0.0, 1.0)
                pmove = pm_set[set_of].reshape(-1)
                cum2 = cum.reshape(n_sets * (n + 1), n + 1)
                logq = np.log1p(-np.minimum(pmove, 1.0 - 1e-15))
                p0 = np.exp(x_flat * logq)  # P(nobody moves), kept up to date below
            idx, k_move = _binomial_sparse(x_flat, pmove, logq, gen, p0)
            touched = [idx]
            if idx.size:
                who = np.repeat(idx, k_move)
                base = who - who % (n + 1)
                rows = cum2[set_of[who // (n + 1)] * (n + 1) + who % (n + 1)]
                u = gen.random(who.size) * rows[:, -1]
                to = base + (rows < u[:, None]).sum(axis=1)
                x_flat[idx] -= k_move
                np.add.at(x_flat, to, 1)
                touched.append(to)
            n_in = gen.poisson(lam_tot)
            if n_in.any():
                sim = np.repeat(s_ix, n_in)
                rows = lam_cum[set_of[sim]]
                dest = np.minimum((rows < gen.random(sim.size)[:, None]).sum(axis=1), n - 1)
                to = sim * (n + 1) + dest
                np.add.at(x_flat, to, 1)
                touched.append(to)
            if len(touched) > 1:
                ch = np.concatenate(touched)
                p0[ch] = np.exp(x_flat[ch] * logq[ch])
        series, weights = aggregation(self.states)
        paths = np.einsum("srn,gn->srg", out.astype(float), weights)
        return Forecast(
            samples=paths,
            periods=tuple(grid[rec]),
            series=series,
            model=self.model,
            origin=grid[0],
            seed=seed,
            history=history,
            metadata={
                **self.metadata,
                "step": step,
                "parameter_uncertainty": parameter_uncertainty,
                "parameter_draws": n_sets,
            },
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class MarkovModel:
    """The child-level multi-state model of looked-after children (spec; :meth:`fit` estimates it).

    Parameters
    ----------
    space
        The state space (age bands x placements x duration bands, UASC stream...).
    k
        Prior strength (person-days) of the Gamma shrinkage toward pooled rates.
    half_life
        Days; weight recent data more (``None``: every day of the window counts the same).
    ageing
        ``observed`` (crossings per person-day in each band) or ``uniform`` (1 / band width).

    Examples
    --------
    >>> from demandmodel.models.markov import MarkovModel
    >>> MarkovModel(k=100.0).space.n_states
    30
    """

    space: StateSpace = field(default_factory=lambda: StateSpace())
    k: float = 365.0
    half_life: float | None = None
    ageing: str = "observed"

    def fit(
        self,
        episodes: pd.DataFrame,
        *,
        reference_start: Any,
        reference_end: Any,
        population: pd.DataFrame | None = None,
        source: str = "episodes",
    ) -> MarkovFit:
        """Estimate every rate over ``[reference_start, reference_end]`` (both dates included).

        ``population`` (``age_band, period, population``) makes entries a rate per 10,000 children
        of each age band, scaled by the population over the projection.
        """
        if self.ageing not in ("observed", "uniform"):
            raise DemandModelError(f"ageing must be 'observed' or 'uniform'; got {self.ageing!r}.")
        t0, t1 = pd.Timestamp(reference_start).normalize(), pd.Timestamp(reference_end).normalize()
        if t1 <= t0:
            raise DemandModelError(
                f"reference_end {t1.date()} must be after reference_start {t0.date()}."
            )
        segs, notes = care_segments(episodes, self.space, source=source)
        data_end = _data_end(episodes)
        if data_end is not None and t1 > data_end:
            raise DemandModelError(
                f"reference_end {t1.date()} is after the returns end ({data_end.date()}, the 31 March "
                "closing the last collection year): days after it would count as exposure with no "
                "events. End the reference window on or before that date."
            )
        ended = segs["end"].dropna()
        d0, d1 = float(days([t0])[0]), float(days([t1])[0])
        in_window = ended[(ended > d0) & (ended <= d1 + 1)]
        # Many stays end in the window but none in its first quarter: the returns start later.
        if len(in_window) >= 50 and float(in_window.min()) > d0 + (d1 - d0) / 4:
            first_end = to_date(float(in_window.min())).date()
            warnings.warn(
                f"The reference window starts {t0.date()}, but no episode in the returns ends before "
                f"{first_end}: the returns probably start later, so stays that ended earlier are "
                "missing and exit rates would be biased low. Start the window when the returns start.",
                DemandModelWarning,
                stacklevel=2,
            )
        w = (float(days([t0])[0]), float(days([t1])[0]) + 1.0)
        occ = occupancy(segs, self.space, window=w, half_life=self.half_life)
        if occ.exposure.sum() <= 0:
            raise InsufficientHistoryError(
                la_code=_la(episodes), measure="cla episodes", n=0, needed=1
            )
        notes.update(occ.notes)
        flows = count_flows(candidate_flows(self.space, ageing=self.ageing), occ.events)
        flows = shrink(flows, exposure=occ.exposure, k=self.k)
        labels = self.space.labels()
        scale: np.ndarray | None = None
        mults: list[RateMultiplier] = []
        if population is not None:
            ref, mults = population_factors(population, self.space.age_labels, (t0, t1))
            age_i = self.space.components()["age_i"].to_numpy()
            scale = ref[age_i]
        entries = entry_table(occ.entries, occ.entries_raw, occ.window_days, scale=scale)
        return MarkovFit(
            model=self,
            labels=labels,
            flows=flows,
            entries=entries,
            segments=segs,
            notes=notes,
            reference=(t0, t1),
            multipliers=tuple(mults),
            data_end=data_end,
        )


def _la(episodes: pd.DataFrame) -> str:
    if "la_code" in episodes.columns and len(episodes):
        return str(episodes["la_code"].iloc[0])
    return "unknown"


def _data_end(episodes: pd.DataFrame) -> pd.Timestamp | None:
    """The 31 March closing the collection year of the last date in the returns (a return covers
    its whole year, so open episodes are known to run at least that far)."""
    last = pd.concat([pd.to_datetime(episodes["start"]), pd.to_datetime(episodes["end"])]).max()
    if pd.isna(last):
        return None
    last = pd.Timestamp(last).normalize()
    return pd.Timestamp(last.year + (last.month > 3), 3, 31)


@dataclass(frozen=True, slots=True, kw_only=True)
class MarkovFit:
    """A fitted :class:`MarkovModel`: rates with posteriors, and the stays they came from.

    Examples
    --------
    >>> import pandas as pd
    >>> ep = pd.DataFrame({
    ...     "child": ["a", "a", "b", "c"],
    ...     "start": pd.to_datetime(["2019-05-01", "2019-09-01", "2019-06-01", "2020-01-10"]),
    ...     "end": pd.to_datetime(["2019-09-01", None, "2020-02-01", None]),
    ...     "dob": pd.to_datetime(["2010-03-01", "2010-03-01", "2016-07-01", "2004-08-01"]),
    ...     "placement_category": ["fostering", "residential", "fostering", "supported"]})
    >>> fit = MarkovModel().fit(ep, reference_start="2019-04-01", reference_end="2020-03-31")
    >>> int(fit.stock_at("2020-03-31").sum())
    2
    >>> seen = fit.rates().query("count > 0")
    >>> sorted(seen["kind"])
    ['ageing', 'entry', 'entry', 'entry', 'exit', 'move']
    >>> fc = fit.project(start="2020-03-31", years=1, samples=100, rng=1, record="year")
    >>> fc.select(kind="total").to_frame()[["period", "q50"]].shape
    (1, 2)
    """

    model: MarkovModel
    labels: pd.DataFrame
    flows: pd.DataFrame
    entries: pd.DataFrame
    segments: pd.DataFrame
    notes: Mapping[str, int]
    reference: tuple[pd.Timestamp, pd.Timestamp]
    multipliers: tuple[RateMultiplier, ...] = ()
    data_end: pd.Timestamp | None = None

    def rates(self) -> pd.DataFrame:
        """Every rate with its count, exposure (person-days), pooled prior mean and 95% interval."""
        return readable(self.flows, self.entries, self.labels)

    def chain(self) -> MarkovChain:
        """The fitted chain (entries scaled by the population when one was given)."""
        return MarkovChain(
            states=self.labels,
            flows=self.flows,
            entries=self.entries,
            multipliers=self.multipliers,
            model="markov",
            metadata={"reference": tuple(str(d.date()) for d in self.reference), "k": self.model.k},
        )

    def stock_at(self, date: Any) -> pd.Series:
        """Children in each state on ``date`` according to the episodes (in care that day)."""
        day = float(days([pd.Timestamp(date)])[0])
        return pd.Series(stock_at(self.segments, self.model.space, day), index=self.labels["state"])

    def _initial(self, start: Any, initial: Any) -> np.ndarray:
        if initial is not None:
            return np.asarray(initial, dtype=float)
        if self.data_end is not None and pd.Timestamp(start) > self.data_end:
            raise DemandModelError(
                f"Projection start {pd.Timestamp(start).date()} is after the last date in the data "
                f"({self.data_end.date()}); start earlier or pass initial= stocks."
            )
        return self.stock_at(start).to_numpy()

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
        initial: Any = None,
    ) -> Forecast:
        """Monte Carlo projection from the stock on ``start`` for ``years`` (or to ``end``).

        The forecast's ``history`` holds the stocks the returns show at month ends from the
        start of the reference window to ``start`` (for charts of actuals against the fan).
        """
        end = _end(start, years, end)
        history = self.history(end=start) if initial is None else None
        return self.chain().simulate(
            initial=self._initial(start, initial),
            start=start,
            end=end,
            samples=samples,
            rng=rng,
            step=step,
            record=record,
            multipliers=multipliers,
            parameter_uncertainty=parameter_uncertainty,
            parameter_draws=parameter_draws,
            history=history,
        )

    def history(self, *, end: Any = None) -> pd.DataFrame:
        """Stocks by state and aggregate at each month end of the reference window (to ``end``).

        Long rows: the series labels (as in the forecast), ``period`` and ``value``.
        """
        t0 = self.reference[0]
        t1 = pd.Timestamp(end) if end is not None else self.reference[1]
        dates = [d for d in pd.date_range(t0, t1, freq="ME")] + [t1]
        dates = sorted(set(dates))
        series, weights = aggregation(self.labels)
        space = self.model.space
        values = np.stack(
            [weights @ stock_at(self.segments, space, float(days([d])[0])) for d in dates]
        )
        out = series.loc[np.tile(np.arange(len(series)), len(dates))].reset_index(drop=True)
        out["period"] = np.repeat(np.array(dates, dtype=object), len(series))
        out["value"] = values.ravel()
        return out

    def moments(
        self,
        *,
        start: Any,
        years: float | None = None,
        end: Any = None,
        step: str = "day",
        record: str | Sequence[Any] = "month",
        multipliers: Sequence[RateMultiplier] = (),
        initial: Any = None,
    ) -> Moments:
        """Exact mean and covariance of the projection (rates at their posterior means)."""
        return self.chain().moments(
            initial=self._initial(start, initial),
            start=start,
            end=_end(start, years, end),
            step=step,
            record=record,
            multipliers=multipliers,
        )


def _end(start: Any, years: float | None, end: Any) -> pd.Timestamp:
    if (years is None) == (end is None):
        raise DemandModelError("Give exactly one of years= or end= for a projection.")
    if end is not None:
        return pd.Timestamp(end)
    assert years is not None
    return pd.Timestamp(start) + pd.DateOffset(days=round(float(years) * 365.25))


def rewind(episodes: pd.DataFrame, date: Any) -> pd.DataFrame:
    """The episodes as they were known on ``date``: later starts removed, later ends set open.

    Examples
    --------
    >>> ep = pd.DataFrame({"start": pd.to_datetime(["2020-01-01", "2021-06-01"]),
    ...                    "end": pd.to_datetime(["2021-01-01", None]), "reason_end": ["E4A", None]})
    >>> rewind(ep, "2020-06-30")["end"].isna().tolist()
    [True]
    """
    day = pd.Timestamp(date).normalize()
    start = pd.to_datetime(episodes["start"])
    out = episodes[(start <= day).to_numpy()].copy()
    end = pd.to_datetime(out["end"])
    later = (end > day).fillna(False).to_numpy(dtype=bool)
    out["end"] = end.where(~later)
    if "reason_end" in out.columns:
        out["reason_end"] = out["reason_end"].where(~later)
    return out.reset_index(drop=True)


def markov_backtest(
    episodes: pd.DataFrame,
    *,
    origins: Sequence[Any],
    reference_years: float = 2.0,
    horizon_years: int = 3,
    model: MarkovModel | None = None,
    samples: int = 500,
    rng: RNGLike = None,
    population: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Rewind to each origin, fit on the ``reference_years`` before it, project, compare with actuals.

    Compared at each anniversary of the origin up to ``horizon_years`` (and no later than the data),
    for every state and aggregate. Returns long rows: ``origin, date, horizon`` (years), the
    series labels, ``actual``, ``mean`` and the quantiles, ``abs_error``, ``in80``, ``in95``.
    """
    model = model or MarkovModel()
    gen = as_generator(rng)
    full, _ = care_segments(episodes, model.space)
    data_end = _data_end(episodes)
    if data_end is None:
        raise InsufficientHistoryError(la_code=_la(episodes), measure="cla episodes", n=0, needed=1)
    rows = []
    for origin in origins:
        o = pd.Timestamp(origin).normalize()
        dates = [o + pd.DateOffset(years=h) for h in range(1, horizon_years + 1)]
        dates = [d for d in dates if d <= data_end]
        if not dates:
            continue
        known = rewind(episodes, o)
        ref0 = o - pd.DateOffset(days=round(reference_years * 365.25) - 1)
        fit = model.fit(known, reference_start=ref0, reference_end=o, population=population)
        fc = fit.project(start=o, end=dates[-1], samples=samples, rng=gen, record=dates)
        _series, weights = aggregation(fit.labels)
        actual = np.stack(
            [weights @ stock_at(full, model.space, float(days([d])[0])) for d in dates]
        )
        frame = fc.to_frame()
        frame["actual"] = actual.ravel()
        frame.insert(0, "origin", o)
        frame = frame.rename(columns={"period": "date"})
        frame["horizon"] = [round((pd.Timestamp(d) - o).days / 365.25) for d in frame["date"]]
        rows.append(frame)
    if not rows:
        raise InsufficientHistoryError(la_code=_la(episodes), measure="cla episodes", n=0, needed=1)
    out = pd.concat(rows, ignore_index=True)
    out["abs_error"] = (out["mean"] - out["actual"]).abs()
    out["in80"] = (out["actual"] >= out["q10"]) & (out["actual"] <= out["q90"])
    out["in95"] = (out["actual"] >= out["q025"]) & (out["actual"] <= out["q975"])
    return out


def markov_backtest_summary(results: pd.DataFrame) -> pd.DataFrame:
    """Coverage of the 80% and 95% intervals and mean absolute error, by series kind and horizon
    (coverage via :func:`demandmodel.metrics.coverage`)."""
    from demandmodel import metrics

    def one(g: pd.DataFrame) -> pd.Series:
        return pd.Series(
            {
                "n": len(g),
                "coverage80": metrics.coverage(g["actual"], g["q10"], g["q90"]),
                "coverage95": metrics.coverage(g["actual"], g["q025"], g["q975"]),
                "mae": float(g["abs_error"].mean()),
                "mean_actual": float(g["actual"].mean()),
            }
        )

    parts = [one(g).rename(key) for key, g in results.groupby(["kind", "horizon"], sort=True)]
    return pd.DataFrame(parts).rename_axis(["kind", "horizon"]).reset_index()
