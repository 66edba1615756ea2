"""Numerical kernels of the Markov projection (DESIGN 4.3): the time grid and the draws.

* :func:`time_grid` and :func:`record_points`: the projection steps and which of them are kept;
* :func:`expm_and_integral`: ``P = expm(Q dt)`` and ``G = integral_0^dt expm(Q s) ds`` for a
  stack of generators at once (one per parameter draw), by a Taylor polynomial evaluated
  Paterson-Stockmeyer style;
* :class:`MoveClock`: which cells lose a child in a step, from geometric waiting times, so a daily
  step costs the cells that move rather than every occupied cell;
* ``_binomial_sparse`` / ``_binomial`` / ``_binomial_at_least_one``: exact binomial draws that cost
  almost nothing where ``n p`` is small, as for daily moves out of a state.

They know nothing of states or labels: :class:`~demandmodel.models.markov_chain.MarkovChain`
builds on them.

Examples
--------
>>> grid = time_grid("2020-01-01", "2020-03-15", "month")
>>> [str(d.date()) for d in grid]
['2020-01-01', '2020-02-01', '2020-03-01', '2020-03-15']
>>> [int(i) for i in record_points(grid, "step")]
[0, 1, 2, 3]
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from demandmodel.errors import DemandModelError


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


def expm_and_integral(
    q: np.ndarray, dt: float, times: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """``expm(Q dt)`` and ``integral_0^dt expm(Q s) ds`` for a stack of generators ``(..., m, m)``.

    Taylor series (to a truncation error below 1e-17, at most order 14) after scaling to
    norm <= 1/4, then squaring with
    ``P_2h = P_h P_h`` and ``G_2h = (I + P_h) G_h`` (agrees with ``scipy.linalg.expm`` to ~1e-14).
    With ``times`` (``(..., m, k)``), the second result is ``G @ times`` instead of ``G``,
    computed by a Horner recursion on the ``k`` columns: far cheaper than ``G`` itself when
    only the entries' integral is needed.

    Examples
    --------
    >>> from scipy.linalg import expm
    >>> q = np.array([[-0.2, 0.1], [0.2, -0.1]])
    >>> p, g = expm_and_integral(q, 3.0)
    >>> bool(np.allclose(p, expm(3.0 * q)))
    True
    >>> lam = np.array([[1.0], [0.5]])
    >>> bool(np.allclose(expm_and_integral(q, 3.0, lam)[1], g @ lam))
    True
    """
    norm = float(np.abs(q).sum(axis=-2).max()) * dt if q.size else 0.0
    s = max(0, int(np.ceil(np.log2(norm / 0.25)))) if norm > 0.25 else 0
    h = dt / 2.0**s
    a_norm, degree, bound = norm / 2.0**s, 1, norm / 2.0**s
    while bound > 1e-17 and degree < 14:
        degree += 1
        bound *= a_norm / degree
    factorial = np.cumprod(np.r_[1.0, np.arange(1.0, degree + 2)])
    a = q * h
    if times is None:
        p, g = _paterson_stockmeyer(a, 1.0 / factorial[: degree + 1], 1.0 / factorial[1:])
    else:
        (p,) = _paterson_stockmeyer(a, 1.0 / factorial[: degree + 1])
        g = times / factorial[degree + 1]  # G v = h sum_k A^k v / (k + 1)!, by Horner
        for k in range(degree - 1, -1, -1):
            g = a @ g + times / factorial[k + 1]
    g = g * h
    for _ in range(s):
        g = g + p @ g
        p = p @ p
    return p, g


def _paterson_stockmeyer(a: np.ndarray, *coefs: np.ndarray) -> list[np.ndarray]:
    """``sum_k c[k] A^k`` for each coefficient vector, sharing the powers of ``A`` (stacked).

    Paterson-Stockmeyer: with ``A, ..., A^b`` computed once, each polynomial is a Horner
    recursion in ``A^b`` over blocks of ``b`` coefficients, so degree 10 takes 3 + 2 products
    per polynomial instead of 10 (the dense products are most of a projection's set-up time).

    Examples
    --------
    >>> a = np.array([[0.1, 0.2], [0.0, -0.3]])
    >>> p, = _paterson_stockmeyer(a, np.array([1.0, 1.0, 0.5, 1 / 6]))
    >>> bool(np.allclose(p, np.eye(2) + a + a @ a / 2 + a @ a @ a / 6))
    True
    """
    degree = max(len(c) for c in coefs) - 1
    polys = len(coefs)
    b = min(
        range(1, degree + 2),
        key=lambda k: (k - 1) + polys * (-(-(degree + 1) // k) - 1),
    )
    powers = [a]  # A^1 .. A^b; the identity term is added on the diagonal
    for _ in range(2, b + 1):
        powers.append(powers[-1] @ a)
    step, diag = powers[b - 1], np.arange(a.shape[-1])
    tmp = np.empty_like(a)  # in-place sums: large temporaries cost page faults in a fresh process

    def block(c: np.ndarray, j: int) -> np.ndarray:
        """``sum_i c[j b + i] A^i`` for ``i < b`` (built when needed, to keep few arrays alive)."""
        out = np.zeros_like(a)
        for i in range(1, b):
            if c[j * b + i] != 0.0:
                out += np.multiply(powers[i - 1], c[j * b + i], out=tmp)
        out[..., diag, diag] += c[j * b]
        return out

    out = []
    for c in coefs:
        c = np.r_[c, np.zeros(-(-len(c) // b) * b - len(c))]
        acc = block(c, len(c) // b - 1)
        for j in reversed(range(len(c) // b - 1)):
            acc = acc @ step
            acc += block(c, j)
        out.append(acc)
    return out


def _binomial_sparse(
    n: np.ndarray,
    p: np.ndarray,
    logq: np.ndarray,
    rng: np.random.Generator,
    p0: np.ndarray | None = None,
    uniforms: Callable[[np.ndarray], np.ndarray] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Exact Binomial(n, p) draws (1-D arrays) by CDF inversion, returned sparsely as the indices
    with a non-zero draw and the draws; fast when ``n p`` is small, as for daily moves.

    ``p0`` (optional) is ``(1 - p) ** n = exp(n * logq)``, the probability of no draw, when the
    caller keeps it up to date; cells where it is 1 (nobody there, or nobody can move) draw no
    random number at all. ``uniforms`` (optional) maps cell indices to the uniforms to invert,
    instead of drawing from ``rng`` (common random numbers: the same uniform for the same cell
    gives monotonely coupled draws for nearby ``n`` and ``p``); every cell is then inverted.

    Examples
    --------
    >>> n, p = np.array([0, 5, 5]), np.array([0.1, 0.1, 0.1])
    >>> u = np.array([0.9, 0.7, 0.95])
    >>> idx, k = _binomial_sparse(n, p, np.log1p(-p), np.random.default_rng(0),
    ...                           uniforms=lambda cells: u[cells])
    >>> idx.tolist(), k.tolist()  # Binomial(5, 0.1): F(0) = 0.59, F(1) = 0.92, F(2) = 0.99
    ([1, 2], [1, 2])
    """
    if p0 is None:
        p0 = np.exp(n * logq)
    act = np.flatnonzero(p0 < 1.0)
    u_act = rng.random(act.size) if uniforms is None else uniforms(act)
    hit = u_act > p0[act]
    idx = act[hit]
    if idx.size == 0:
        return idx, np.zeros(0, dtype=np.int64)
    nn, pp, uu = n[idx].astype(float), p[idx], u_act[hit]
    out = np.zeros(idx.size, dtype=np.int64)
    big = ((pp > 0.3) | (nn * pp > 20)) & (uniforms is None)
    if big.any():
        out[big] = rng.binomial(nn[big].astype(np.int64), pp[big])
    small = ~big
    out[small] = _binomial_inverse(nn[small], pp[small], logq[idx[small]], uu[small])
    return idx, out


def _binomial_inverse(n: np.ndarray, p: np.ndarray, logq: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Binomial(n, p) quantiles at ``u`` for cells where ``u`` exceeds ``P(0) = exp(n logq)``
    (every result is at least 1): the CDF is walked up from ``P(0)``, a few terms for small ``n p``.

    Examples
    --------
    >>> n, p = np.array([5.0, 5.0]), np.array([0.1, 0.1])  # F(0) = 0.59, F(1) = 0.92
    >>> _binomial_inverse(n, p, np.log1p(-p), np.array([0.6, 0.95])).tolist()
    [1, 2]
    """
    nn = n.astype(float)
    cdf = np.exp(nn * logq)
    out = np.zeros(n.size, dtype=np.int64)
    live = np.arange(n.size)
    pm, ratio, k, uu = cdf.copy(), p / np.maximum(1.0 - p, 1e-300), 0, u
    while live.size:
        pm = pm * (nn - k) / (k + 1) * ratio
        k += 1
        cdf = cdf + pm
        out[live] = k
        go = (uu > cdf) & (nn > k)
        live, nn, uu, cdf, pm, ratio = (v[go] for v in (live, nn, uu, cdf, pm, ratio))
    return out


def _binomial_at_least_one(
    n: np.ndarray, p: np.ndarray, logq: np.ndarray, u: np.ndarray
) -> np.ndarray:
    """Binomial(n, p) draws conditional on being at least 1, inverting the CDF at ``u`` in [0, 1).

    Examples
    --------
    >>> n, p = np.array([5, 5]), np.array([0.1, 0.1])  # F(0) = 0.59, F(1) = 0.92
    >>> _binomial_at_least_one(n, p, np.log1p(-p), np.array([0.1, 0.9])).tolist()
    [1, 2]
    """
    p0 = np.exp(n.astype(float) * logq)
    return _binomial_inverse(n, p, logq, p0 + (1.0 - p0) * u)  # u spread over (P(0), 1)


class MoveClock:
    """When each cell next loses a child: geometric waiting times instead of a draw per cell per step.

    While a cell's count and move probability stay put, the steps until someone moves out are
    Geometric(``1 - p0``) (``p0``: chance nobody moves in a step), and by memorylessness a cell
    whose count changes can simply be rescheduled. So a step costs the cells due or touched, not
    every occupied cell (most cells of a daily projection see no move on most days). Due cells
    are found in a window of the next :attr:`window` steps, refreshed by one scan per window.

    Examples
    --------
    >>> clock = MoveClock(4, np.random.default_rng(0))
    >>> clock.reset(np.array([1.0, 0.0, 0.5, 1.0]), step=0)  # cells 1 and 2 can lose a child
    >>> due = [clock.due(k).tolist() for k in range(3)]
    >>> 1 in due[0], any(1 in d for d in due[1:])  # p0 = 0: due at once, then not till rescheduled
    (True, False)
    """

    window: int = 16

    def __init__(self, cells: int, rng: np.random.Generator) -> None:
        self.rng = rng
        self.next = np.full(cells, np.iinfo(np.int64).max, dtype=np.int64)
        self.pending = np.zeros(0, dtype=np.int64)  # cells that may be due before window_end
        self.listed = np.zeros(cells, dtype=bool)  # which cells are in ``pending``
        self.window_end = -1

    def reset(self, p0: np.ndarray, step: int) -> None:
        """Schedule every cell from ``step`` on (after the move probabilities changed)."""
        self.next[:] = np.iinfo(np.int64).max
        self.schedule(np.flatnonzero(p0 < 1.0), p0, step)
        self.window_end = -1

    def schedule(self, cells: np.ndarray, p0: np.ndarray, step: int) -> None:
        """Draw the next move step (``>= step``) of distinct ``cells`` given ``p0`` (of all cells)."""
        q = 1.0 - p0[cells]
        can = q > 0.0
        self.next[cells[~can]] = np.iinfo(np.int64).max
        cells = cells[can]
        when = step - 1 + self.rng.geometric(q[can])
        self.next[cells] = when
        soon = cells[(when < self.window_end) & ~self.listed[cells]]  # no cell listed twice
        if soon.size:
            self.pending = np.concatenate([self.pending, soon])
            self.listed[soon] = True

    def due(self, step: int) -> np.ndarray:
        """Cells (distinct) with a move in ``step``; steps must be asked in order."""
        if step >= self.window_end:
            self.window_end = step + self.window
            self.listed[self.pending] = False
            self.pending = np.flatnonzero(self.next < self.window_end)
            self.listed[self.pending] = True
        when = self.next[self.pending]
        hit: np.ndarray = self.pending[when == step]
        self.pending = self.pending[when > step]
        self.listed[hit] = False
        return hit


def _poisson_inverse(lam: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Poisson(lam) draws by inverting the CDF at the uniforms ``u``.

    Examples
    --------
    >>> _poisson_inverse(np.array([0.5, 0.5, 3.0]), np.array([0.5, 0.95, 0.5])).tolist()
    [0, 2, 3]
    """
    k = np.zeros(lam.size, dtype=np.int64)
    pm = np.exp(-lam)
    cdf = pm.copy()
    live = np.flatnonzero(u > cdf)
    while live.size:
        k[live] += 1
        pm[live] = pm[live] * lam[live] / k[live]
        cdf[live] = cdf[live] + pm[live]
        live = live[(u[live] > cdf[live]) & (pm[live] > 0)]
    return k


_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1, _M2 = np.uint64(0xBF58476D1CE4E5B9), np.uint64(0x94D049BB133111EB)


def _mix(z: np.ndarray) -> np.ndarray:
    """The SplitMix64 finaliser (a bijection of uint64 with good avalanche)."""
    z = (z ^ (z >> np.uint64(30))) * _M1
    z = (z ^ (z >> np.uint64(27))) * _M2
    return np.asarray(z ^ (z >> np.uint64(31)))


def counter_uniforms(key: int, *index: np.ndarray | int) -> np.ndarray:
    """Uniforms on [0, 1) that depend only on ``key`` and the index tuple (counter-based).

    Random access: the uniform for ``(step, purpose, cell)`` is the same whichever other cells
    are drawn, which is what common random numbers across scenarios need. Each index is folded in
    with a SplitMix64 round.

    Examples
    --------
    >>> a = counter_uniforms(7, 3, 0, np.arange(5))
    >>> bool(np.array_equal(a[[1, 3]], counter_uniforms(7, 3, 0, np.array([1, 3]))))
    True
    >>> u = counter_uniforms(1, 0, 0, np.arange(200_000))
    >>> round(float(u.mean()), 2), round(float(u.var()), 3)
    (0.5, 0.083)
    """
    with np.errstate(over="ignore"):
        z = _mix(np.asarray(np.uint64(key) * _GOLDEN + _GOLDEN, dtype=np.uint64))
        for i in index:
            z = _mix(z ^ (np.asarray(i, dtype=np.int64).astype(np.uint64) + _GOLDEN))
    return np.asarray((z >> np.uint64(11)).astype(np.float64) * 2.0**-53)


def _binomial(
    n: np.ndarray, p: np.ndarray, logq: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """Dense version of :func:`_binomial_sparse` for arrays of any shape."""
    out = np.zeros(n.size, dtype=np.int64)
    idx, k = _binomial_sparse(n.reshape(-1), p.reshape(-1), logq.reshape(-1), rng)
    out[idx] = k
    return out.reshape(n.shape)
