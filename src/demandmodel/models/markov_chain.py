"""The Markov chain: exact moments and vectorised Monte Carlo (DESIGN 4.3).

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
>>> from demandmodel.models.markov_chain import MarkovChain
>>> chain = MarkovChain.from_generator(np.array([[-0.01, 0.03], [0.01, -0.03]]), states=["a", "b"])
>>> mom = chain.moments(initial=np.array([1000.0, 0.0]), start="2020-01-01", end="2023-01-01")
>>> [round(float(x)) for x in mom.mean[-1]]
[750, 250]
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from demandmodel._random import RNGLike, as_generator
from demandmodel.errors import DemandModelError, ScenarioError
from demandmodel.forecast import Forecast
from demandmodel.models.markov_numerics import (
    MoveClock,
    _binomial_at_least_one,
    _binomial_sparse,
    _poisson_inverse,
    counter_uniforms,
    expm_and_integral,
    record_points,
    time_grid,
)
from demandmodel.models.rates import LEFT, draw_gamma

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


CLOCK_MOVE_SHARE: float = 0.05
"""Use the move clock while fewer than this share of occupied cells expect a move per step."""


def _clock_pays(p0: np.ndarray) -> bool:
    """Whether scheduling moves beats a draw per occupied cell per step (few moves per cell).

    Counter-based draws (common random numbers) address every cell every step, so they never use
    the clock; with many children per cell (large LAs, long steps) most cells move every step and
    the clock's bookkeeping costs more than it saves.
    """
    occupied = p0 < 1.0
    return bool((1.0 - p0[occupied]).sum() < CLOCK_MOVE_SHARE * max(int(occupied.sum()), 1))


class _RowDraws:
    """Inverse-CDF draws, each from its own row of a matrix of cumulative probabilities.

    Narrow rows are compared whole (cheap); wide ones (many states) are laid end to end as one
    sorted ladder of only the steps with probability (a state has few destinations), row ``r``
    lifted by ``2 r``, so one ``searchsorted`` serves draws from any rows without gathering rows.

    Examples
    --------
    >>> cum = np.array([[0.2, 0.7, 1.0], [0.0, 0.5, 1.0]])
    >>> row, value = np.array([0, 0, 1, 1]), np.array([0.1, 0.8, 0.3, 0.9])
    >>> _RowDraws(cum).draw(row, value).tolist(), _RowDraws(cum, widest=2).draw(row, value).tolist()
    ([0, 2, 1, 2], [0, 2, 1, 2])
    """

    def __init__(self, cum: np.ndarray, widest: int = 64) -> None:
        self.cum = cum
        self.ladder: tuple[np.ndarray, np.ndarray] | None = None
        if cum.shape[1] > widest:
            r, c = np.nonzero(np.diff(cum, axis=1, prepend=0.0) > 0.0)
            self.ladder = (cum[r, c] + 2.0 * r, c)

    def draw(self, row: np.ndarray, value: np.ndarray) -> np.ndarray:
        """For each ``row``, the first column whose cumulative probability reaches ``value``
        (below the row's total)."""
        if self.ladder is None:
            return np.asarray((self.cum[row] < value[:, None]).sum(axis=1))
        values, columns = self.ladder
        key = 2.0 * row + value
        order = np.argsort(key)  # sorted keys let searchsorted narrow each search from the last
        pos = np.empty(key.size, dtype=np.int64)
        pos[order] = np.searchsorted(values, key[order], side="left")
        return np.asarray(columns[pos])


def _ranks(counts: np.ndarray) -> np.ndarray:
    """``0, 1, ..., c - 1`` for each count ``c``, concatenated (the rank of each unit in its group).

    Examples
    --------
    >>> _ranks(np.array([2, 0, 3])).tolist()
    [0, 1, 0, 1, 2]
    """
    counts = np.asarray(counts, dtype=np.int64)
    starts = np.repeat(np.cumsum(counts) - counts, counts)
    return np.asarray(np.arange(int(counts.sum())) - starts)


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
            draw_gamma(f, samples, rng, centre_by="origin")
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
        self, fr: np.ndarray, fmult: np.ndarray, dt: float, entries: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """``P`` of a step and the effective entries ``G lam`` for each column of ``entries``
        (``(set, state, k)``: entries arriving during the step move on before its end)."""
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
        padded = np.zeros((s, n + 1, entries.shape[2]))
        padded[:, :n, :] = entries
        p, g_lam = expm_and_integral(q, dt, padded)
        return p, np.clip(g_lam[:, :n, :], 0.0, None)

    def _entry_rates(self, er: np.ndarray, emult: np.ndarray) -> np.ndarray:
        """Entries per day into each state ``(set, state)`` under entry multipliers ``emult``."""
        onehot = np.zeros((er.shape[1], self.n_states))
        onehot[np.arange(er.shape[1]), self.entries["dest"].to_numpy()] = 1.0
        return np.asarray((er * emult[None, :]) @ onehot)

    def _params_cache(
        self, fr: np.ndarray, er: np.ndarray, params: list[tuple[float, np.ndarray, np.ndarray]]
    ) -> list[tuple[np.ndarray, np.ndarray, bytes]]:
        """(P, lam_eff, key of P) per segment; P is computed once per distinct (dt, flow multipliers)."""
        groups: dict[bytes, list[int]] = {}
        for i, (dt, fm, _) in enumerate(params):
            groups.setdefault(np.append(fm, dt).tobytes(), []).append(i)
        out: dict[int, tuple[np.ndarray, np.ndarray, bytes]] = {}
        for key, mine in groups.items():
            dt, fm, _ = params[mine[0]]
            lam = np.stack([self._entry_rates(er, params[i][2]) for i in mine], axis=2)
            p, lam_eff = self._transition(fr, fm, dt, lam)
            for j, i in enumerate(mine):
                out[i] = (p, lam_eff[:, :, j], key)
        return [out[i] for i in range(len(params))]

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
        common_random_numbers: bool = False,
    ) -> Forecast:
        """Monte Carlo paths of every state and aggregate at the record dates, as a Forecast.

        Moves are multinomial (a binomial draw of movers per state, then one destination per
        mover), entries Poisson; all vectorised over simulations, and only cells due a move
        (:class:`~demandmodel.models.markov_numerics.MoveClock`) are drawn in a step. With
        ``parameter_uncertainty`` all rates are redrawn from their Gamma posteriors, each state's
        outflow centred on the log scale (:func:`~demandmodel.models.rates.log_centring`):
        ``parameter_draws`` sets of rates
        (default: one per simulation while the matrix exponentials stay cheap, i.e. up to
        ``2e8 / (states + 1) ** 3`` sets and at least 50), simulation ``s`` using set
        ``s % parameter_draws``.

        With ``common_random_numbers`` (for comparing scenarios run with the same seed) every draw
        inverts a counter-based uniform addressed by (step, purpose, simulation and state, rank
        of the child within the cell), so two runs whose counts differ in a few cells still share
        the randomness of all the others: their path-by-path difference measures the scenario, not
        two independent sets of luck. Off by default (a little slower, and a different stream).
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
        # common random numbers: every draw inverts a counter-based uniform addressed by
        # (step, purpose, cell or simulation, rank), so runs stay paired cell by cell
        crn_key = int(gen.integers(2**62)) if common_random_numbers else None
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
        clock: MoveClock | None = None  # set per transition matrix: see _clock_pays
        stamp = np.zeros(x_flat.size, dtype=np.int64)
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
                lam_draws = _RowDraws(lam_cum)
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
                move_draws = _RowDraws(cum2)
                logq = np.log1p(-np.minimum(pmove, 1.0 - 1e-15))
                p0 = np.exp(x_flat * logq)  # P(nobody moves), kept up to date below
                clock = None
                if crn_key is None and _clock_pays(p0):
                    clock = MoveClock(x_flat.size, gen)
                    clock.reset(p0, k)
            if clock is not None:
                idx = clock.due(k)
                k_move = _binomial_at_least_one(
                    x_flat[idx], pmove[idx], logq[idx], gen.random(idx.size)
                )
            else:
                draws = (
                    None if crn_key is None else functools.partial(counter_uniforms, crn_key, k, 0)
                )
                idx, k_move = _binomial_sparse(x_flat, pmove, logq, gen, p0, draws)
            touched = [idx]
            if idx.size:
                who = np.repeat(idx, k_move)
                base = who - who % (n + 1)
                row = set_of[who // (n + 1)] * (n + 1) + who % (n + 1)
                if crn_key is None:
                    u = gen.random(who.size)
                else:  # the j-th mover of a cell in this step has its own uniform
                    u = counter_uniforms(crn_key, k, 2 + _ranks(k_move), who)
                to = base + move_draws.draw(row, u * cum2[row, -1])
                x_flat[idx] -= k_move
                np.add.at(x_flat, to, 1)
                touched.append(to)
            if crn_key is None:
                n_in = gen.poisson(lam_tot)
                u_in = gen.random(int(n_in.sum()))
            else:
                n_in = _poisson_inverse(lam_tot, counter_uniforms(crn_key, k, 1, s_ix))
                u_in = counter_uniforms(crn_key, k, -1 - _ranks(n_in), np.repeat(s_ix, n_in))
            if n_in.any():
                sim = np.repeat(s_ix, n_in)
                dest = np.minimum(lam_draws.draw(set_of[sim], u_in), n - 1)
                to = sim * (n + 1) + dest
                np.add.at(x_flat, to, 1)
                touched.append(to)
            if len(touched) > 1:
                ch = np.concatenate(touched)
                stamp[ch] = np.arange(ch.size)
                ch = ch[stamp[ch] == np.arange(ch.size)]  # distinct cells, without sorting
                p0[ch] = np.exp(x_flat[ch] * logq[ch])
                if clock is not None:
                    clock.schedule(ch, p0, k + 1)
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
