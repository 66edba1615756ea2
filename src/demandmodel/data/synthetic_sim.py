"""Simulate the synthetic LA's children: births, and the in-care state process (vectorised).

Times are integer or float days since 1970-01-01. The in-care process is simulated for all children
at once in rounds: in each round every active child draws its next event from the constant hazards
of its current state, or moves to the next deterministic boundary (birthday changing the age band,
duration band change, 18th birthday, end of the simulation), whichever comes first.

Examples
--------
>>> import numpy as np
>>> from demandmodel.data.synthetic_spec import SyntheticSpec
>>> from demandmodel.data.synthetic_sim import simulate_population, simulate_care
>>> spec = SyntheticSpec(pop_0_17=3000.0)
>>> rng = np.random.default_rng(1)
>>> kids = simulate_population(spec, rng=rng)
>>> states = simulate_care(spec, kids, rng=rng)
>>> sorted(states.columns)[:3]
['category', 'child', 'day']
"""

from __future__ import annotations

import bisect

import numpy as np
import pandas as pd

from demandmodel.data.synthetic_spec import (
    AGE_BAND_EDGES,
    DAYS_PER_YEAR,
    DURATION_EDGES_DAYS,
    SyntheticSpec,
)

EPOCH = np.datetime64("1970-01-01", "D")

# Event kinds of the state log.
ENTRY, MOVE, EXIT = 0, 1, 2
HOME_RECS = ("E4A", "E4B", "E13", "E41", "E8")
"""Exit reasons after which re-entry is likely (the child went back to family)."""


_CUM: dict[int, tuple[tuple[str, ...], list[float]]] = {}


def pick(rng: np.random.Generator, table: tuple[tuple[str, ...], tuple[float, ...]]) -> str:
    """One code from ``(codes, probabilities)`` (fast scalar draw; probabilities need not sum to 1)."""
    key = id(table)
    hit = _CUM.get(key)
    if hit is None or hit[0] is not table[0]:
        total = float(sum(table[1]))
        acc, cum = 0.0, []
        for p in table[1]:
            acc += p / total
            cum.append(acc)
        hit = (table[0], cum)
        _CUM[key] = hit
    codes, cum = hit
    k = bisect.bisect_right(cum, float(rng.random()))
    return codes[min(k, len(codes) - 1)]


def to_day(iso: str) -> int:
    """Days since 1970-01-01 of an ISO date."""
    return int((np.datetime64(iso, "D") - EPOCH).astype(int))


def end_day(spec: SyntheticSpec) -> int:
    """The first day after the simulation: 1 April after ``last_year``'s 31 March."""
    return to_day(f"{spec.last_year}-04-01")


def add_years(day: np.ndarray, years: int) -> np.ndarray:
    """Integer day of the ``years``-th birthday of children born on ``day`` (29 Feb -> 1 Mar)."""
    d = EPOCH + day.astype("timedelta64[D]")
    y = d.astype("datetime64[Y]")
    m = d.astype("datetime64[M]")
    month_off = m - y.astype("datetime64[M]")
    day_off = d - m.astype("datetime64[D]")
    out = ((y + years).astype("datetime64[M]") + month_off).astype("datetime64[D]") + day_off
    return np.asarray((out - EPOCH).astype(np.int64), dtype=np.int64)


def simulate_population(spec: SyntheticSpec, *, rng: np.random.Generator) -> pd.DataFrame:
    """Children born in the LA who are under 18 at some time after ``sim_start``.

    Returns columns ``child`` (int), ``dob`` (day), ``sex`` (1 male, 2 female), ``ethnic``.
    """
    g = spec.pop_growth
    ref = to_day(spec.pop_reference_date) / DAYS_PER_YEAR
    b_ref = spec.pop_0_17 * g / (1.0 - np.exp(-18.0 * g))  # births a year at the reference date
    t0 = to_day(spec.sim_start) / DAYS_PER_YEAR - 18.0
    t1 = end_day(spec) / DAYS_PER_YEAR
    # Intensity B(t) = b_ref * exp(g (t - ref)); integral over [t0, t1], then inverse-CDF times.
    total = b_ref / g * (np.exp(g * (t1 - ref)) - np.exp(g * (t0 - ref)))
    n = int(rng.poisson(total))
    u = np.sort(rng.random(n))
    lo, hi = np.exp(g * (t0 - ref)), np.exp(g * (t1 - ref))
    years = ref + np.log(lo + u * (hi - lo)) / g
    dob = np.floor(years * DAYS_PER_YEAR).astype(np.int64)
    sex = np.where(rng.random(n) < spec.male_share, 1, 2)
    return pd.DataFrame(
        {
            "child": np.arange(n, dtype=np.int64),
            "dob": dob,
            "sex": sex,
            "ethnic": draw_ethnicity(n, rng=rng),
        }
    )


ETHNIC_CODES = ("WBRI", "WIRI", "WOTH", "WROM", "MWBC", "MWBA", "MWAS", "MOTH", "AIND", "APKN")
ETHNIC_CODES2 = ("ABAN", "AOTH", "BCRB", "BAFR", "BOTH", "CHNE", "OOTH", "REFU", "NOBT")
ETHNIC_P = (0.62, 0.01, 0.06, 0.005, 0.02, 0.01, 0.02, 0.02, 0.03, 0.04)
ETHNIC_P2 = (0.015, 0.015, 0.02, 0.05, 0.01, 0.005, 0.02, 0.005, 0.025)


def draw_ethnicity(n: int, *, rng: np.random.Generator) -> np.ndarray:
    """SSDA903 ethnicity codes for ``n`` children."""
    codes = np.array(ETHNIC_CODES + ETHNIC_CODES2)
    p = np.array(ETHNIC_P + ETHNIC_P2)
    return codes[rng.choice(len(codes), size=n, p=p / p.sum())]


def simulate_uasc(spec: SyntheticSpec, first_id: int, *, rng: np.random.Generator) -> pd.DataFrame:
    """UASC arrivals: Poisson ``uasc_per_year``; ages 14-17 at arrival, 92% boys.

    Returns ``child, dob, sex, ethnic, arrival`` (``arrival`` is the day they enter care).
    """
    start, stop = to_day(spec.sim_start), end_day(spec)
    n = int(rng.poisson(spec.uasc_per_year * (stop - start) / DAYS_PER_YEAR))
    arrival = np.sort(rng.integers(start, stop, size=n))
    age_years = rng.choice([14, 15, 16, 17], size=n, p=[0.05, 0.15, 0.45, 0.35])
    age_days = (age_years + rng.random(n)) * DAYS_PER_YEAR
    dob = np.floor(arrival - age_days).astype(np.int64)
    sex = np.where(rng.random(n) < 0.92, 1, 2)
    ethnic = np.array(["BAFR", "AOTH", "OOTH", "BOTH", "MOTH"])[
        rng.choice(5, size=n, p=[0.35, 0.3, 0.2, 0.1, 0.05])
    ]
    return pd.DataFrame(
        {
            "child": first_id + np.arange(n, dtype=np.int64),
            "dob": dob,
            "sex": sex,
            "ethnic": ethnic,
            "arrival": arrival,
        }
    )


def _exit_reason(band: np.ndarray, cat: np.ndarray, uasc: np.ndarray, rng: np.random.Generator):  # type: ignore[no-untyped-def]
    """Draw REC codes for exits before the 18th birthday."""
    tables = {
        0: (
            ("E4A", "E4B", "E13", "E41", "E45", "E46", "E47", "E48", "E8", "E3", "E16", "E2"),
            (0.30, 0.05, 0.08, 0.06, 0.12, 0.04, 0.10, 0.01, 0.18, 0.03, 0.02, 0.01),
        ),
        1: (
            ("E4A", "E4B", "E8", "E13", "E5", "E9", "E14"),
            (0.40, 0.08, 0.22, 0.12, 0.12, 0.03, 0.03),
        ),
        2: (("E5", "E6", "E4A", "E8", "E13"), (0.40, 0.20, 0.15, 0.15, 0.10)),
        3: (("E4A", "E41", "E45", "E47", "E8"), (0.62, 0.12, 0.06, 0.10, 0.10)),
        4: (("E11", "E12"), (0.4, 0.6)),
        5: (("E4A", "E8", "E13", "E41"), (0.5, 0.2, 0.2, 0.1)),
    }
    out = np.empty(len(cat), dtype=object)
    for c, (codes, p) in tables.items():
        idx = np.flatnonzero(cat == c)
        pa = np.array(p) / np.sum(p)
        out[idx] = np.array(codes, dtype=object)[rng.choice(len(codes), size=len(idx), p=pa)]
    older = np.flatnonzero((band == 4) & (cat != 4) & ~uasc)
    out[older] = np.array(["E5", "E6", "E4A", "E8", "E13"], dtype=object)[
        rng.choice(5, size=len(older), p=[0.35, 0.15, 0.2, 0.2, 0.1])
    ]
    u = np.flatnonzero(uasc)
    out[u] = np.array(["E15", "E5", "E8", "E16"], dtype=object)[
        rng.choice(4, size=len(u), p=[0.2, 0.45, 0.3, 0.05])
    ]
    return out


def simulate_care(
    spec: SyntheticSpec,
    children: pd.DataFrame,
    *,
    rng: np.random.Generator,
) -> pd.DataFrame:
    """The in-care state log: one row per entry, category move and exit.

    ``children`` needs ``child, dob`` and optionally ``arrival`` (UASC: enter care that day, no
    first-entry hazard, no re-entry). Returns ``child, day, kind, category, rec`` with integer days,
    strictly increasing within a child; ``kind`` is ENTRY, MOVE or EXIT and ``rec`` is the reason
    episode ceased for exits ("" otherwise).
    """
    n = len(children)
    dob = children["dob"].to_numpy(np.int64)
    arrival = (
        children["arrival"].to_numpy(np.float64) if "arrival" in children else np.full(n, np.nan)
    )
    uasc = ~np.isnan(arrival)
    edges = np.stack([add_years(dob, a) for a in AGE_BAND_EDGES[1:]], axis=1)  # (n, 5)
    b18 = edges[:, -1].astype(float)
    stop = float(end_day(spec))
    t = np.maximum(dob, to_day(spec.sim_start)).astype(float)
    t[uasc] = arrival[uasc]
    in_care = np.zeros(n, dtype=bool)
    cat = np.zeros(n, dtype=np.int64)
    care_start = np.zeros(n)
    reentry_until = np.full(n, -np.inf)
    done = uasc.copy()  # UASC start in care below
    entry_rate = np.array(spec.entry_rate_per_10k) / 1e4 / DAYS_PER_YEAR
    entry_cat = np.array(spec.entry_category)
    exit_rate = np.array(spec.exit_rate) / DAYS_PER_YEAR
    dur_mult = np.array(spec.duration_multiplier)
    moves = spec.move_array() / DAYS_PER_YEAR
    dur_edges = np.array(DURATION_EDGES_DAYS[1:], dtype=float)
    log: list[tuple[np.ndarray, ...]] = []

    def enter(idx: np.ndarray, when: np.ndarray) -> None:
        band = np.minimum((when[:, None] >= edges[idx, :4]).sum(axis=1), 4)
        p = entry_cat[band]
        if uasc[idx].any():
            p = p.copy()
            p[uasc[idx]] = [0.42, 0.05, 0.53, 0.0, 0.0, 0.0]
        c = (rng.random(len(idx))[:, None] > np.cumsum(p, axis=1)).sum(axis=1)
        c = np.minimum(c, 5)
        in_care[idx] = True
        cat[idx] = c
        care_start[idx] = when
        log.append((idx, when, np.full(len(idx), ENTRY), c, np.full(len(idx), "", dtype=object)))

    u_idx = np.flatnonzero(uasc & (arrival < b18))
    done[u_idx] = False
    enter(u_idx, arrival[u_idx])
    # Newborns taken into care at birth (within 14 days), born inside the simulated window.
    born = np.flatnonzero(~uasc & (dob >= t) & (dob < stop))
    newborn = born[rng.random(born.size) < spec.newborn_entry_rate]
    when = dob[newborn] + rng.random(newborn.size) * 14.0
    newborn = newborn[when < stop]
    t[newborn] = when[when < stop]
    enter(newborn, t[newborn])
    active = np.flatnonzero(~done & (t < np.minimum(b18, stop)))
    while active.size:
        a = active
        ta = t[a]
        band = np.minimum((ta[:, None] >= edges[a, :4]).sum(axis=1), 4)
        boundary = np.minimum(edges[a, band], stop)
        ic = in_care[a]
        dur = ta - care_start[a]
        dband = (dur[:, None] >= dur_edges[None, :] - 1e-6).sum(axis=1)
        next_dur = np.where(dband < 3, care_start[a] + dur_edges[np.minimum(dband, 2)], np.inf)
        boundary = np.where(ic, np.minimum(boundary, next_dur), boundary)
        re = (~ic) & (ta < reentry_until[a])
        boundary = np.where(re, np.minimum(boundary, reentry_until[a]), boundary)
        # Hazards of the current state.
        c = cat[a]
        h_exit = exit_rate[band, c] * dur_mult[dband]
        h_exit = np.where(uasc[a], h_exit * spec.uasc_exit_multiplier, h_exit)
        h_moves = moves[band, c]  # (k, 6)
        h_in = h_exit + h_moves.sum(axis=1)
        h_out = entry_rate[band] + np.where(re, spec.reentry_rate / DAYS_PER_YEAR, 0.0)
        h = np.where(ic, h_in, h_out)
        wait = rng.exponential(size=a.size) / np.maximum(h, 1e-300)
        event = ta + wait < boundary
        t_new = np.where(event, ta + wait, boundary)
        u = rng.random(a.size)
        # Out of care -> entry.
        ent = event & ~ic
        if ent.any():
            enter(a[ent], t_new[ent])
        # In care -> exit or move.
        ev_in = event & ic
        if ev_in.any():
            k = np.flatnonzero(ev_in)
            cum = np.cumsum(np.concatenate([h_moves[k], h_exit[k, None]], axis=1), axis=1)
            dest = (u[k, None] * h_in[k, None] > cum).sum(axis=1)
            dest = np.minimum(dest, 6)
            is_exit = dest == 6
            ki, kx = a[k[~is_exit]], a[k[is_exit]]
            if ki.size:
                cat[ki] = dest[~is_exit]
                log.append(
                    (
                        ki,
                        t_new[k[~is_exit]],
                        np.full(ki.size, MOVE),
                        cat[ki],
                        np.full(ki.size, "", dtype=object),
                    )
                )
            if kx.size:
                rec = _exit_reason(band[k[is_exit]], cat[kx], uasc[kx], rng)
                _leave(
                    kx,
                    t_new[k[is_exit]],
                    rec,
                    log,
                    in_care,
                    cat,
                    reentry_until,
                    uasc,
                    spec.reentry_window_days,
                    done,
                )
        # Reaching the 18th birthday in care: leave.
        at18 = (~event) & ic & (t_new >= b18[a])
        if at18.any():
            kx = a[at18]
            rec = np.array(["E17", "E5", "E6", "E8", "E7"], dtype=object)[
                rng.choice(5, size=kx.size, p=[0.3, 0.4, 0.1, 0.18, 0.02])
            ]
            _leave(kx, b18[kx], rec, log, in_care, cat, reentry_until, uasc, 0, done)
        t[a] = t_new
        active = a[~done[a] & (t[a] < np.minimum(b18[a], stop))]
    return _discretise(log, children["child"].to_numpy(np.int64), b18)


def _leave(  # type: ignore[no-untyped-def]
    idx, when, rec, log, in_care, cat, reentry_until, uasc, window, done
) -> None:
    log.append((idx, when, np.full(idx.size, EXIT), cat[idx], rec))
    in_care[idx] = False
    home = np.isin(rec, HOME_RECS)
    reentry_until[idx] = np.where(home, when + window, -np.inf)
    done[idx[uasc[idx]]] = True


def _discretise(
    log: list[tuple[np.ndarray, ...]], child_ids: np.ndarray, b18: np.ndarray
) -> pd.DataFrame:
    """Whole days, strictly increasing within a child (gap of at least a day between periods)."""
    if not log:
        return pd.DataFrame(
            {
                "child": pd.Series([], dtype=np.int64),
                "day": pd.Series([], dtype=np.int64),
                "kind": pd.Series([], dtype=np.int64),
                "category": pd.Series([], dtype=np.int64),
                "rec": pd.Series([], dtype=object),
            }
        )
    idx = np.concatenate([x[0] for x in log])
    when = np.concatenate([x[1] for x in log])
    kind = np.concatenate([x[2] for x in log])
    catg = np.concatenate([x[3] for x in log])
    rec = np.concatenate([x[4] for x in log])
    order = np.lexsort((when, idx))
    idx, when, kind, catg, rec = idx[order], when[order], kind[order], catg[order], rec[order]
    day = np.floor(when).astype(np.int64)
    # day_i = max(day_i, day_{i-1} + 1) within a child: i + cummax(day - i) per group.
    pos = np.arange(day.size)
    first = np.r_[True, idx[1:] != idx[:-1]]
    grp_start = np.maximum.accumulate(np.where(first, pos, 0))
    rel = pos - grp_start
    key = day - rel
    cm = pd.Series(key).groupby(idx).cummax().to_numpy()
    day = cm + rel
    # Never beyond the 18th birthday (exits on it); a clash there is dropped with its period.
    frame = pd.DataFrame(
        {"child": child_ids[idx], "day": day, "kind": kind, "category": catg, "rec": rec}
    )
    bad = day > b18[idx]
    if bad.any():
        frame = frame.loc[~bad].reset_index(drop=True)
    return frame
