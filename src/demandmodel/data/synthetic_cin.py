"""The CIN -> s47 -> CP -> LAC pathway of the synthetic LA.

Two sources of children-in-need episodes, merged child by child in time order:

* **Background referrals**: each child has referral hazard ``cin_referral_rate_per_10k[b] / 10,000``
  a year times a gamma frailty (mean 1, shape ``cin_frailty_shape``; re-referrals come from it).
  A referral while an episode is open is absorbed by it. Outcomes: no further action (7.6%),
  assessed and not in need (closed RC8/RC9), or an open CIN episode; a third of the latter have a
  section 47 enquiry, of which about a third reach an initial child protection conference (ICPC)
  and most of those a child protection (CP) plan; after the plan the case steps down to a CIN plan.
* **Care entries**: every period of care comes via CP (40%), via CIN (40%) or directly (20%; all
  UASC): a CIN episode opens months before entry (or on the day), via CP with a plan that ends on
  the day the child becomes looked after (hierarchy LAC > CP > CIN), and the episode closes soon
  after the child leaves care (RC1 adopted, RC3/RC4 orders, RC7 otherwise). A background episode
  open at that time becomes the one that leads to care.

Days are integers since 1970-01-01; open dates are ``None``.

Examples
--------
>>> import numpy as np
>>> from demandmodel.data.synthetic_cin import working_days
>>> int(working_days(19000, 19014))   # 14 calendar days from a Thursday
10
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from demandmodel.data.synthetic_sim import ENTRY, EPOCH, EXIT, add_years, end_day, pick, to_day
from demandmodel.data.synthetic_spec import AGE_BAND_EDGES, DAYS_PER_YEAR, SyntheticSpec

P_NFA = 0.076
P_S47 = 0.36
P_ICPC = 0.30
P_CP_GIVEN_ICPC = 0.88
P_NOT_IN_NEED = 0.42
PATHWAY_P = (0.40, 0.40, 0.20)  # via CP, via CIN, direct

_SOURCE = (
    ("6", "2A", "3A", "3B", "3E", "3F", "1A", "1B", "1C", "1D", "5A", "5B", "5C", "5D", "4", "7", "8", "9", "10"),
    (0.30, 0.19, 0.03, 0.02, 0.03, 0.06, 0.04, 0.01, 0.02, 0.01, 0.02, 0.04, 0.02, 0.04, 0.02, 0.03, 0.05, 0.02, 0.05),
)  # fmt: skip
_NEED = (
    ("N1", "N2", "N3", "N4", "N5", "N6", "N7", "N8", "N9", "N0"),
    (0.57, 0.09, 0.04, 0.06, 0.15, 0.02, 0.01, 0.02, 0.03, 0.01),
)  # fmt: skip
_ABUSE = (("NEG", "EMO", "PHY", "SAB", "MUL"), (0.50, 0.38, 0.06, 0.04, 0.02))
_FACTOR = (
    ("3A", "4A", "16A", "1A", "2A", "17A", "21", "14A", "10A", "11A", "5A", "6A", "18C", "20"),
    (0.20, 0.16, 0.10, 0.07, 0.07, 0.08, 0.06, 0.04, 0.03, 0.03, 0.03, 0.04, 0.05, 0.04),
)  # fmt: skip
_CLOSE_FOR_REC = {"E11": "RC1", "E12": "RC1", "E41": "RC3", "E45": "RC4", "E46": "RC4",
                  "E47": "RC4", "E48": "RC4", "E3": "RC5", "E7": "RC6", "E2": "RC2"}  # fmt: skip


def working_days(a: int, b: int) -> int:
    """Working days (Mon-Fri) from day ``a`` to day ``b``."""
    return int(np.busday_count(EPOCH + np.timedelta64(a, "D"), EPOCH + np.timedelta64(b, "D")))


def _add_working(a: int, n: int) -> int:
    d = np.busday_offset(EPOCH + np.timedelta64(a, "D"), n, roll="forward")
    return int((d - EPOCH).astype(int))


class _Pick:
    def __init__(self, rng: np.random.Generator) -> None:
        self.rng = rng

    def __call__(self, table: tuple[tuple[str, ...], tuple[float, ...]]) -> str:
        return pick(self.rng, table)


def _candidates(
    spec: SyntheticSpec, children: pd.DataFrame, start: int, stop: int, rng: np.random.Generator
) -> dict[int, np.ndarray]:
    """Background referral days per child (Poisson thinning over age bands), vectorised."""
    resident = children.loc[children.get("arrival", pd.Series(np.nan, index=children.index)).isna()]
    dob = resident["dob"].to_numpy(np.int64)
    b18 = add_years(dob, 18)
    lo = np.maximum(dob, start)
    hi = np.minimum(b18, stop)
    live = hi > lo
    ids = resident["child"].to_numpy(np.int64)[live]
    dob, lo, hi = dob[live], lo[live], hi[live]
    rates = np.array(spec.cin_referral_rate_per_10k) / 1e4 / DAYS_PER_YEAR
    frail = rng.gamma(spec.cin_frailty_shape, 1.0 / spec.cin_frailty_shape, size=ids.size)
    lam = rates.max() * frail * (hi - lo)
    n = rng.poisson(lam)
    owner = np.repeat(np.arange(ids.size), n)
    days = lo[owner] + np.floor(rng.random(owner.size) * (hi - lo)[owner]).astype(np.int64)
    age = (days - dob[owner]) / DAYS_PER_YEAR
    band = np.searchsorted(np.array(AGE_BAND_EDGES[1:5]), age, side="right")
    keep = rng.random(owner.size) < rates[band] / rates.max()
    owner, days = owner[keep], days[keep]
    order = np.lexsort((days, owner))
    owner, days = owner[order], days[order]
    out: dict[int, np.ndarray] = {}
    if owner.size:
        cuts = np.flatnonzero(np.diff(owner)) + 1
        for grp in np.split(np.arange(owner.size), cuts):
            out[int(ids[owner[grp[0]]])] = days[grp]
    return out


def _periods(states: pd.DataFrame, stop: int) -> dict[int, list[tuple[int, int | None, str]]]:
    """Periods of care per child: ``(entry day, exit day or None, REC)``."""
    out: dict[int, list[tuple[int, int | None, str]]] = {}
    ch, day, kind, rec = (states[c].to_numpy() for c in ("child", "day", "kind", "rec"))
    entries = np.flatnonzero(kind == ENTRY)
    for i in entries:
        j = i + 1
        while j < len(kind) and ch[j] == ch[i] and kind[j] not in (ENTRY, EXIT):
            j += 1
        closed = j < len(kind) and ch[j] == ch[i] and kind[j] == EXIT
        out.setdefault(int(ch[i]), []).append(
            (int(day[i]), int(day[j]) if closed else None, str(rec[j]) if closed else "")
        )
    return out


def simulate_cin(
    spec: SyntheticSpec,
    children: pd.DataFrame,
    states: pd.DataFrame,
    *,
    rng: np.random.Generator,
) -> dict[str, pd.DataFrame]:
    """CIN episodes, assessments, s47 enquiries and CP plans (clean; integer days).

    Returns frames ``cin`` (child, cin_id, ref, source, need, nfa, assess_start, assess_auth,
    factor, close, reason, lac_linked), ``s47`` (child, cin_id, start, icpc_target, icpc,
    icpc_not_required) and ``cpp`` (child, cin_id, cpp_id, start, end, initial, latest, n_prev).
    """
    pick = _Pick(rng)
    stop = end_day(spec)
    start = to_day(f"{spec.first_year - 5}-04-01")
    cands = _candidates(spec, children, start, stop, rng)
    periods = _periods(states, stop)
    info = children.set_index("child")
    uasc = set(info.index[info["arrival"].notna()]) if "arrival" in info else set()
    dob_of = info["dob"].to_dict()
    b18_of = dict(zip(info.index, add_years(info["dob"].to_numpy(np.int64), 18), strict=True))
    episodes: list[dict[str, Any]] = []
    for child in sorted(set(cands) | set(periods)):
        dob = int(dob_of[child])
        b18 = int(b18_of[child])
        lac = []
        last_exit = -(10**9)  # the day the child last left care
        for s, e, rec in periods.get(child, []):
            if e is not None and e < start:
                last_exit = e
                continue
            u = float(rng.random())
            pathway = 2 if child in uasc else (0 if u < PATHWAY_P[0] else 1 if u < 0.8 else 2)
            gap = 0 if pathway == 2 else int(rng.integers(30, 540 if pathway == 0 else 365))
            lac.append((s, e, rec, pathway, max(s - gap, dob, min(last_exit + 1, s)), last_exit))
            last_exit = e if e is not None else 10**9
        c_days = list(cands.get(child, ()))
        eps: list[dict[str, Any]] = []
        i = 0
        while lac or i < len(c_days):
            if lac and (i >= len(c_days) or lac[0][4] <= c_days[i]):
                s, e, rec, pathway, r, prev_exit = lac.pop(0)
                last = eps[-1] if eps else None
                if last is not None and last["close"] >= r:
                    ep = last
                    ep["nfa"] = False
                    ep["outcome"] = "cin"
                else:
                    ep = _new_episode(child, r, pick, rng, nfa=False)
                    eps.append(ep)
                _lead_to_care(ep, s, pathway, pick, rng, after=prev_exit)
                close = e + int(rng.integers(0, 60)) if e is not None else 10**9
                if e is not None and rec in _CLOSE_FOR_REC:
                    close = e
                ep["close"] = min(close, b18)
                ep["reason"] = _CLOSE_FOR_REC.get(rec, "RC7")
                ep["lac_linked"] = True
                while i < len(c_days) and c_days[i] <= ep["close"]:
                    i += 1
                continue
            c = int(c_days[i])
            i += 1
            if eps and eps[-1]["close"] >= c:
                continue
            ep = _background(child, c, pick, rng)
            if ep["close"] > b18:  # the census covers children under 18
                ep["close"], ep["reason"] = b18, "RC7"
                ep["cpp"] = [p for p in ep["cpp"] if p["start"] < b18]
                for plan in ep["cpp"]:
                    plan["end"] = min(plan["end"], b18)
                ep["s47"] = [x for x in ep["s47"] if x["start"] < b18]
            eps.append(ep)
        episodes.extend(eps)
    return _frames(episodes, stop)


def _new_episode(
    child: int, ref: int, pick: _Pick, rng: np.random.Generator, *, nfa: bool
) -> dict[str, Any]:
    a0 = ref + int(rng.integers(0, 6))
    return {
        "child": child, "ref": ref, "source": pick(_SOURCE), "need": pick(_NEED), "nfa": nfa,
        "assess_start": None if nfa else a0,
        "assess_auth": None if nfa else a0 + 5 + int(rng.gamma(2.0, 11.0)),
        "factor": pick(_FACTOR), "close": 10**9, "reason": "", "outcome": "cin",
        "s47": [], "cpp": [], "lac_linked": False,
    }  # fmt: skip


def _add_s47(
    ep: dict[str, Any], s47_day: int, *, icpc: bool, rng: np.random.Generator
) -> int | None:
    target = _add_working(s47_day, 15)
    icpc_day = (
        _add_working(s47_day, (8, 12, 13, 14, 14, 15, 15, 17, 22)[int(rng.integers(9))])
        if icpc
        else None
    )
    ep["s47"].append({"start": s47_day, "icpc_target": target, "icpc": icpc_day,
                      "icpc_not_required": not icpc})  # fmt: skip
    return icpc_day


def _cp_duration(rng: np.random.Generator) -> int:
    return 30 + int(rng.gamma(1.8, 185.0))


def _background(child: int, ref: int, pick: _Pick, rng: np.random.Generator) -> dict[str, Any]:
    if rng.random() < P_NFA:
        ep = _new_episode(child, ref, pick, rng, nfa=True)
        ep["need"] = "N9" if rng.random() < 0.6 else "N0"
        ep["close"], ep["reason"], ep["outcome"] = ref, "RC8", "nfa"
        return ep
    ep = _new_episode(child, ref, pick, rng, nfa=False)
    auth = int(ep["assess_auth"])
    if rng.random() < P_S47:
        s47_day = ref + int(rng.integers(0, 15))
        icpc_day = _add_s47(ep, s47_day, icpc=rng.random() < P_ICPC, rng=rng)
        if icpc_day is not None and rng.random() < P_CP_GIVEN_ICPC:
            end = icpc_day + _cp_duration(rng)
            ep["cpp"].append({"start": icpc_day, "end": end, "initial": pick(_ABUSE)})
            ep["close"] = end + int(rng.exponential(150.0))
            ep["reason"] = "RC7"
            return ep
    if rng.random() < P_NOT_IN_NEED:
        ep["close"], ep["outcome"] = auth, "not_in_need"
        ep["reason"] = "RC8" if rng.random() < 0.7 else "RC9"
        return ep
    long = rng.random() < 0.5
    ep["close"] = auth + 1 + int(rng.exponential(420.0 if long else 110.0))
    ep["reason"] = "RC7"
    return ep


def _lead_to_care(
    ep: dict[str, Any], s: int, pathway: int, pick: _Pick, rng: np.random.Generator, *, after: int
) -> None:
    """Make episode ``ep`` lead to care on day ``s``: CP plans end at ``s``, later work dropped.

    A new plan (pathway via CP) starts after ``after``, the day the child last left care.
    """
    ep["s47"] = [x for x in ep["s47"] if x["start"] < s]
    ep["cpp"] = [x for x in ep["cpp"] if x["start"] < s]
    for plan in ep["cpp"]:
        plan["end"] = min(plan["end"], s)
    if ep["assess_start"] is not None and ep["assess_start"] > s:
        ep["assess_start"] = s
    if ep["assess_auth"] is not None and ep["assess_auth"] > s + 30:
        ep["assess_auth"] = s + 30
    open_cp = any(p["end"] == s for p in ep["cpp"])
    if pathway == 0 and not open_cp:
        lo = max(ep["ref"] + 25, after + 1)
        if ep["cpp"]:
            lo = max(lo, max(p["end"] for p in ep["cpp"]) + 20)
        if s - lo > 20:
            cp_start = int(rng.integers(max(lo, s - 300), s - 10))
            s47_day = max(ep["ref"], cp_start - 21)
            icpc = _add_s47(ep, s47_day, icpc=True, rng=rng)
            cp_start = max(cp_start, int(icpc or cp_start))
            if cp_start < s:
                ep["cpp"].append({"start": cp_start, "end": s, "initial": pick(_ABUSE)})
    elif pathway == 2 and rng.random() < 0.4 and not ep["s47"]:
        _add_s47(ep, s, icpc=False, rng=rng)


def _frames(episodes: list[dict[str, Any]], stop: int) -> dict[str, pd.DataFrame]:
    cin_rows, s47_rows, cpp_rows = [], [], []
    n_prev: dict[int, int] = {}
    per_child: dict[int, int] = {}
    cpp_id = 0
    for ep in episodes:
        child = ep["child"]
        per_child[child] = per_child.get(child, 0) + 1
        cin_id = per_child[child]
        close = ep["close"] if ep["close"] < stop else None
        auth = ep["assess_auth"]
        cin_rows.append({
            "child": child, "cin_id": cin_id, "ref": ep["ref"], "source": ep["source"],
            "need": ep["need"], "nfa": ep["nfa"], "assess_start": ep["assess_start"],
            "assess_auth": auth if auth is None or auth < stop else None,
            "factor": ep["factor"], "close": close, "reason": ep["reason"] if close is not None else "",
            "outcome": ep["outcome"], "lac_linked": ep["lac_linked"],
        })  # fmt: skip
        for x in ep["s47"]:
            if x["start"] >= stop:
                continue
            icpc = x["icpc"] if x["icpc"] is not None and x["icpc"] < stop else None
            s47_rows.append({"child": child, "cin_id": cin_id, "start": x["start"],
                             "icpc_target": x["icpc_target"], "icpc": icpc,
                             "icpc_not_required": x["icpc_not_required"]})  # fmt: skip
        for plan in ep["cpp"]:
            if plan["start"] >= stop:
                continue
            cpp_id += 1
            end = plan["end"] if plan["end"] < stop else None
            cpp_rows.append({"child": child, "cin_id": cin_id, "cpp_id": cpp_id,
                             "start": plan["start"], "end": end, "initial": plan["initial"],
                             "latest": plan["initial"], "n_prev": n_prev.get(child, 0)})  # fmt: skip
            n_prev[child] = n_prev.get(child, 0) + 1
    cin = pd.DataFrame(cin_rows)
    for col in ("assess_start", "assess_auth", "close"):
        cin[col] = cin[col].astype("Int64")
    s47 = pd.DataFrame(
        s47_rows, columns=["child", "cin_id", "start", "icpc_target", "icpc", "icpc_not_required"]
    )
    s47["icpc"] = s47["icpc"].astype("Int64")
    cpp = pd.DataFrame(
        cpp_rows,
        columns=["child", "cin_id", "cpp_id", "start", "end", "initial", "latest", "n_prev"],
    )
    cpp["end"] = cpp["end"].astype("Int64")
    return {"cin": cin, "s47": s47, "cpp": cpp}
