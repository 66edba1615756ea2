"""Turn the true in-care states into SSDA903 episodes (clean: before any injected fault).

Within a period of care, episodes also start at events that do not change the state of the model:
a new carer in the same placement category (RNE P), a fostering placement becoming long-term with
the same carers (RNE T), a change of legal status (RNE L; with a placement change, RNE B; with
the same carers becoming long-term carers, RNE U), and temporary moves (T1/T3/T4, a few days,
then back to the same placement). Respite children get series of short breaks under legal status
V3/V4. None of these change the true stock.

Every PLACE code is drawn for a state from the codes whose category in the reader's table
(``tables/placement_categories.csv``) IS that state (:func:`place_tables`), so reading the returns
back gives each child's true placement category, not only the right totals. Temporary T-codes are
absorbed into the surrounding placement by the reader, and respite breaks are not care states.

Examples
--------
>>> import numpy as np
>>> from demandmodel.data.synthetic_spec import SyntheticSpec
>>> from demandmodel.data import synthetic_sim as sim
>>> from demandmodel.data.synthetic_episodes import build_episodes
>>> spec = SyntheticSpec(pop_0_17=2000.0, uasc_per_year=2.0, respite_children=2)
>>> rng = np.random.default_rng(5)
>>> kids = sim.simulate_population(spec, rng=rng)
>>> states = sim.simulate_care(spec, kids, rng=rng)
>>> eps = build_episodes(spec, kids, states, rng=rng)
>>> bool((eps["dec"].isna() | (eps["dec"] >= eps["decom"])).all())
True
"""

from __future__ import annotations

import bisect
import functools
import itertools
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, Final

import numpy as np
import pandas as pd

from demandmodel.data.ssda903_codes import placement_categories
from demandmodel.data.synthetic_sim import ENTRY, EXIT, add_years, end_day, pick, to_day
from demandmodel.data.synthetic_spec import (
    ADO,
    CATEGORIES,
    DAYS_PER_YEAR,
    FOS,
    OTH,
    PWP,
    RES,
    SUP,
    SyntheticSpec,
)
from demandmodel.errors import DemandModelError

EPISODE_FIELDS = (
    "child", "decom", "rne", "ls", "cin", "place", "provider", "dec", "rec", "rpc",
    "home_post", "pl_post", "urn", "period", "category", "respite",
)  # fmt: skip

WITHIN_MOVE_RATE = {FOS: 0.30, RES: 0.40, SUP: 0.30, PWP: 0.0, ADO: 0.0, OTH: 0.1}
"""Changes of carer within a placement category a year (new episodes, same state)."""
TEMP_MOVE_RATE = 0.12
"""Temporary (T-code) moves a year while fostered."""

PLACE_WEIGHTS: Final[Mapping[str, float]] = MappingProxyType(
    {
        "U6": 0.76, "U3": 0.20, "U2": 0.02, "U5": 0.02,
        "K2": 0.78, "S1": 0.07, "R1": 0.05, "K1": 0.03,
        "H5": 0.75, "P2": 0.25,
        "P1": 1.0,
        "A5": 0.55, "A6": 0.30, "A3": 0.08, "A4": 0.07,
        "Z1": 0.50, "R3": 0.20, "R2": 0.15, "R5": 0.15,
    }
)  # fmt: skip
"""Relative weight of each PLACE code drawn for a new placement, within the code's category.

A code's placement category is NOT set here: it is the SSDA903 reader's
(:func:`~demandmodel.data.ssda903_codes.placement_categories`, ``tables/placement_categories.csv``),
so an episode's PLACE always reads back as the state the child was truly in (R2 and R5, say, are
drawn for the "other" state because the table puts them there)."""
PLACE_AGES: Final[Mapping[str, tuple[float, float]]] = MappingProxyType(
    {"U2": (0, 5), "U5": (0, 5), "Z1": (1, 18), "R2": (1, 18), "R5": (10, 18)}
)
"""Ages ``[from, to)`` at which a code can be drawn (other codes: any age). Under 1, "other" is a
mother and baby unit (R3); fostering for adoption is for under-5s; custody from 10."""
LONG_TERM: Final[Mapping[str, str]] = MappingProxyType({"U3": "U1", "U6": "U4"})
"""Foster placements that can become long-term with the same carers (RNE T or U)."""
_AGE_CUTS: Final = tuple(sorted({a for r in PLACE_AGES.values() for a in r} - {0, 18}))

PlaceTable = tuple[tuple[str, ...], tuple[float, ...]]


@functools.cache
def place_tables() -> Mapping[tuple[int, int], PlaceTable]:
    """``(codes, weights)`` of new placements by ``(category index, age group)``.

    Codes are grouped by the reader's placement table; an age group is an interval between the
    cuts of :data:`PLACE_AGES` (``bisect_right(_AGE_CUTS, age)``).

    Examples
    --------
    >>> from demandmodel.data.synthetic_episodes import place_tables
    >>> from demandmodel.data.synthetic_spec import OTH, RES
    >>> place_tables()[(RES, 3)][0]
    ('K2', 'S1', 'R1', 'K1')
    >>> place_tables()[(OTH, 0)][0], place_tables()[(OTH, 3)][0]
    (('R3',), ('Z1', 'R3', 'R2', 'R5'))
    """
    table = placement_categories()
    for code in (*PLACE_WEIGHTS, *LONG_TERM, *LONG_TERM.values()):
        if table.get(code) not in CATEGORIES:
            raise DemandModelError(
                f"synthetic generator: PLACE code {code!r} has category {table.get(code)!r} in "
                f"tables/placement_categories.csv, not one of {CATEGORIES}; fix the table or "
                "PLACE_WEIGHTS."
            )
    for short, long in LONG_TERM.items():
        if table[short] != table[long]:
            raise DemandModelError(
                f"synthetic generator: {short} -> {long} (same carers, long term) changes the "
                f"placement category ({table[short]} -> {table[long]}); fix LONG_TERM."
            )
    bounds = (0.0, *_AGE_CUTS, 18.0)
    out: dict[tuple[int, int], PlaceTable] = {}
    for cat, name in enumerate(CATEGORIES):
        for group, (lo, hi) in enumerate(itertools.pairwise(bounds)):
            codes = tuple(
                code
                for code in PLACE_WEIGHTS
                if table[code] == name
                and PLACE_AGES.get(code, (0, 18))[0] <= lo
                and hi <= PLACE_AGES.get(code, (0, 18))[1]
            )
            if not codes:
                raise DemandModelError(
                    f"synthetic generator: no PLACE code of category {name!r} for ages "
                    f"{lo:g}-{hi:g}; add one to PLACE_WEIGHTS (or widen PLACE_AGES)."
                )
            out[cat, group] = (codes, tuple(PLACE_WEIGHTS[c] for c in codes))
    return MappingProxyType(out)


_PROVIDER: dict[str, tuple[tuple[str, ...], tuple[float, ...]]] = {
    "U1": (("PR1", "PR2"), (0.9, 0.1)),
    "U4": (("PR1", "PR4", "PR2"), (0.55, 0.40, 0.05)),
    "K1": (("PR1", "PR2", "PR4"), (0.3, 0.4, 0.3)),
    "K2": (("PR4", "PR1", "PR5"), (0.75, 0.15, 0.10)),
    "R1": (("PR4",), (1.0,)),
    "R2": (("PR3",), (1.0,)),
    "R3": (("PR4", "PR1"), (0.6, 0.4)),
    "R5": (("PR3",), (1.0,)),
    "S1": (("PR4", "PR5"), (0.7, 0.3)),
    "H5": (("PR4", "PR1", "PR5"), (0.6, 0.3, 0.1)),
    "P2": (("PR1",), (1.0,)),
    "P1": (("PR0",), (1.0,)),
    "A5": (("PR1", "PR5", "PR2"), (0.6, 0.25, 0.15)),
}
_PROVIDER_ALIAS = {
    "U2": "U1",
    "U3": "U1",
    "U5": "U4",
    "U6": "U4",
    "A3": "A5",
    "A4": "A5",
    "A6": "A5",
}
_NEED = (("N1", "N2", "N3", "N4", "N5", "N6", "N7", "N8"),
         (0.62, 0.03, 0.03, 0.07, 0.14, 0.02, 0.01, 0.08))  # fmt: skip
_RPC = (("CARPL", "CREQB", "CREQO", "CHILD", "LAREQ", "CLOSE", "STAND", "OTHER"),
        (0.55, 0.12, 0.08, 0.06, 0.06, 0.04, 0.03, 0.06))  # fmt: skip


class _Draw:
    """Small helper: categorical draws from a Generator with plain-str results."""

    def __init__(self, rng: np.random.Generator) -> None:
        self.rng = rng

    def pick(self, table: tuple[tuple[str, ...], tuple[float, ...]]) -> str:
        return pick(self.rng, table)

    def place(self, cat: int, age: float) -> str:
        """A PLACE code of state ``cat`` for a child aged ``age`` (the reader's category)."""
        return self.pick(place_tables()[cat, bisect.bisect_right(_AGE_CUTS, age)])

    def provider(self, place: str) -> str:
        if place.startswith("T") or place == "Z1":
            return ""
        return self.pick(_PROVIDER[_PROVIDER_ALIAS.get(place, place)])

    def postcode(self, inside: bool) -> str:
        r = self.rng
        area = "SB" if inside else "X" + "ABCDEFGHJK"[int(r.integers(10))]
        letters = "ABDEFGHJLNPQRSTUWXYZ"
        return (
            f"{area}{int(r.integers(1, 10))} {int(r.integers(1, 10))}"
            f"{letters[int(r.integers(20))]}{letters[int(r.integers(20))]}"
        )

    def urn(self, place: str) -> str:
        return f"SC{int(self.rng.integers(100000, 999999))}" if place in ("K1", "K2") else ""


def _initial_ls(age: float, uasc: bool, d: _Draw) -> str:
    if uasc:
        return "V2"
    if age >= 10:
        return d.pick((("V2", "C1", "L1", "L2", "J1", "J2"), (0.55, 0.27, 0.08, 0.02, 0.05, 0.03)))
    return d.pick((("V2", "C1", "L1", "L2"), (0.45, 0.43, 0.09, 0.03)))


def _ls_changes(
    start: int, stop: int, ls: str, age: float, uasc: bool, d: _Draw
) -> list[tuple[int, str]]:
    """Legal-status changes ``(day, new LS)`` strictly inside ``(start, stop)``."""
    r = d.rng
    out: list[tuple[int, str]] = []
    day = start
    if ls in ("L1", "L2"):
        day, ls = day + int(r.integers(1, 4)), ("V2" if r.random() < 0.5 else "C1")
        out.append((day, ls))
    elif ls in ("J1", "J2"):
        day, ls = day + int(r.integers(10, 90)), "V2"
        out.append((day, ls))
    if ls == "V2" and not uasc and age < 15:
        day, ls = day + int(r.exponential(4 * DAYS_PER_YEAR)) + 1, "C1"
        out.append((day, ls))
    if ls == "C1":
        day, ls = day + int(r.integers(120, 420)), "C2"
        out.append((day, ls))
    return [(x, s) for x, s in out if start < x < stop]


def build_episodes(
    spec: SyntheticSpec,
    children: pd.DataFrame,
    states: pd.DataFrame,
    *,
    rng: np.random.Generator,
) -> pd.DataFrame:
    """Clean episodes (one row each) from the true state log; ``dec`` is NA when still open.

    Columns: see :data:`EPISODE_FIELDS`; days are integers since 1970-01-01.
    """
    d = _Draw(rng)
    stop = end_day(spec)
    info = children.set_index("child")
    dob = info["dob"].to_dict()
    is_uasc = (
        info["arrival"].notna() if "arrival" in info else pd.Series(False, index=info.index)
    ).to_dict()
    rows: list[dict[str, Any]] = []
    home: dict[int, str] = {}
    period = 0
    child_arr = states["child"].to_numpy()
    day_arr = states["day"].to_numpy()
    kind_arr = states["kind"].to_numpy()
    cat_arr = states["category"].to_numpy()
    rec_arr = states["rec"].to_numpy()
    starts = np.flatnonzero(kind_arr == ENTRY)
    for i0 in starts:
        child = int(child_arr[i0])
        j = i0 + 1
        while j < len(kind_arr) and child_arr[j] == child and kind_arr[j] not in (ENTRY,):
            if kind_arr[j] == EXIT:
                break
            j += 1
        has_exit = j < len(kind_arr) and child_arr[j] == child and kind_arr[j] == EXIT
        end = int(day_arr[j]) if has_exit else stop
        spells = [(int(day_arr[k]), int(cat_arr[k])) for k in range(i0, j)]
        period += 1
        rows.extend(
            _period_rows(
                d, child, period, spells, end, str(rec_arr[j]) if has_exit else None,
                float(dob[child]), bool(is_uasc[child]), home,
            )
        )  # fmt: skip
    rows.extend(_respite_rows(spec, children, states, d, home, period))
    out = pd.DataFrame(rows, columns=list(EPISODE_FIELDS))
    out["dec"] = out["dec"].astype("Int64")
    return out.sort_values(["child", "decom"], kind="stable").reset_index(drop=True)


def _period_rows(
    d: _Draw,
    child: int,
    period: int,
    spells: list[tuple[int, int]],
    end: int,
    rec: str | None,
    dob: float,
    uasc: bool,
    home: dict[int, str],
) -> list[dict[str, Any]]:
    r = d.rng
    start = spells[0][0]
    age0 = (start - dob) / DAYS_PER_YEAR
    if child not in home:
        home[child] = d.postcode(True)
    need = "N8" if uasc else d.pick(_NEED)
    ls = _initial_ls(age0, uasc, d)
    # Events: (day, priority, kind, payload); state moves first on a day.
    events: list[tuple[int, int, str, Any]] = []
    bounds = [*(s for s, _ in spells[1:]), end]
    for (a, cat), b in zip(spells, bounds, strict=True):
        if a != start:
            events.append((a, 0, "cat", cat))
        n = r.poisson(WITHIN_MOVE_RATE[cat] * (b - a) / DAYS_PER_YEAR)
        for x in np.sort(r.integers(a + 1, max(a + 2, b), size=n)):
            events.append((int(x), 1, "move", cat))
        if cat == FOS:
            n = r.poisson(TEMP_MOVE_RATE * (b - a) / DAYS_PER_YEAR)
            for x in np.sort(r.integers(a + 1, max(a + 2, b), size=n)):
                events.append((int(x), 2, "temp", int(r.integers(2, 15))))
    for x, new_ls in _ls_changes(start, end, ls, age0, uasc, d):
        events.append((x, 3, "ls", new_ls))
    events.sort()
    # Keep one event a day, and temporary moves only where they fit before the next event.
    kept: list[tuple[int, int, str, Any]] = []
    last = start
    for k, ev in enumerate(events):
        day = ev[0]
        if day <= last or day >= end:
            continue
        if ev[2] == "temp":
            next_day = events[k + 1][0] if k + 1 < len(events) else end
            if day + ev[3] + 1 >= next_day:
                continue
        kept.append(ev)
        last = day + (ev[3] if ev[2] == "temp" else 0)
    rows: list[dict[str, Any]] = []
    cat = spells[0][1]
    place = d.place(cat, age0)
    cur: dict[str, Any] = {
        "child": child, "decom": start, "rne": "S", "ls": ls, "cin": need, "place": place,
        "provider": d.provider(place), "dec": None, "rec": "", "rpc": "",
        "home_post": home[child], "pl_post": _pl_post(d, place), "urn": d.urn(place),
        "period": period, "category": cat, "respite": False,
    }  # fmt: skip
    for day, _, kind, payload in kept:
        age = (day - dob) / DAYS_PER_YEAR
        nxt = dict(cur, decom=day, dec=None, rec="", rpc="")
        if kind == "cat" or kind == "move":
            new_cat = int(payload)
            same_carer = kind == "move" and cur["place"] in LONG_TERM and r.random() < 0.3
            if same_carer:
                nxt["place"] = LONG_TERM[cur["place"]]
                nxt["rne"] = "T"
            else:
                nxt["place"] = d.place(new_cat, age)
                nxt["provider"] = d.provider(nxt["place"])
                nxt["pl_post"] = _pl_post(d, nxt["place"])
                nxt["urn"] = d.urn(nxt["place"])
                nxt["rne"] = "P"
                cur["rpc"] = d.pick(_RPC)
            nxt["category"] = new_cat
            if new_cat == ADO and nxt["place"] in ("A5", "A6") and cur["ls"] != "E1":
                nxt["ls"], nxt["rne"] = "E1", "B"
        elif kind == "ls":
            nxt["ls"], nxt["rne"] = payload, "L"
            if cur["place"] in LONG_TERM and r.random() < 0.15:
                # Legal status changes as the same carers become long-term carers.
                nxt["place"], nxt["rne"] = LONG_TERM[cur["place"]], "U"
        else:  # temporary move and back to the same placement
            tmp = dict(
                nxt,
                rne="P",
                place=d.pick((("T1", "T3", "T4"), (0.2, 0.4, 0.4))),
                provider="",
                urn="",
            )
            back = dict(cur, decom=day + int(payload), rne="P", dec=None, rec="", rpc="")
            cur["dec"], cur["rec"] = day, "X1"
            rows.append(cur)
            tmp["dec"], tmp["rec"] = back["decom"], "X1"
            rows.append(tmp)
            cur = back
            continue
        cur["dec"], cur["rec"] = day, "X1"
        rows.append(cur)
        cur = nxt
    if rec is not None:
        cur["dec"], cur["rec"] = end, rec
    rows.append(cur)
    return rows


def _pl_post(d: _Draw, place: str) -> str:
    if place == "P1":
        return ""
    return d.postcode(d.rng.random() < 0.6)


def _respite_rows(
    spec: SyntheticSpec,
    children: pd.DataFrame,
    states: pd.DataFrame,
    d: _Draw,
    home: dict[int, str],
    period: int,
) -> list[dict[str, Any]]:
    """Series of V3/V4 short breaks for ``spec.respite_children`` disabled children never in care."""
    r = d.rng
    stop = end_day(spec)
    first = to_day(f"{spec.first_year - 3}-04-01")
    never = ~children["child"].isin(states["child"])
    if "arrival" in children:
        never &= children["arrival"].isna()
    pool = children.loc[never]
    b6 = add_years(pool["dob"].to_numpy(np.int64), 6)
    b17 = add_years(pool["dob"].to_numpy(np.int64), 17)
    ok = (b6 < stop - 400) & (b17 > first + 400)
    pool = pool.loc[ok]
    rows: list[dict[str, Any]] = []
    if len(pool) == 0 or spec.respite_children <= 0:
        return rows
    # Each respite child's series runs for 3-6 years within ages 6-17, across the written years.
    n_series = int(spec.respite_children * (stop - first) / DAYS_PER_YEAR / 4.5)
    picks = r.choice(len(pool), size=min(n_series, len(pool)), replace=False)
    for k in np.sort(picks):
        child = int(pool["child"].iloc[k])
        dob = int(pool["dob"].iloc[k])
        lo = max(first, int(add_years(np.array([dob]), 6)[0]))
        hi = min(stop, int(add_years(np.array([dob]), 17)[0]))
        s = int(r.integers(lo - 4 * 365, hi))
        e = min(hi, s + int(r.integers(3 * 365, 6 * 365)))
        s = max(s, lo)
        if e - s < 60:
            continue
        ls = "V3" if r.random() < 0.8 else "V4"
        place = "K2" if r.random() < 0.6 else "U6"
        provider = d.provider(place)
        pl_post = d.postcode(True)
        home.setdefault(child, d.postcode(True))
        day = s + int(r.integers(0, 40))
        while day < e:
            period += 1
            nights = int(r.integers(2, 4))
            dec = day + nights
            rows.append(
                {"child": child, "decom": day, "rne": "S", "ls": ls, "cin": "N2", "place": place,
                 "provider": provider, "dec": dec if dec < stop else None,
                 "rec": "E4A" if dec < stop else "", "rpc": "", "home_post": home[child],
                 "pl_post": pl_post, "urn": d.urn(place), "period": period, "category": -1,
                 "respite": True}
            )  # fmt: skip
            day = dec + 14 + int(r.exponential(30))
    return rows
