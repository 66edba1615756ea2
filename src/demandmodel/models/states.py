"""The state space of the child-level Markov model, as data, and episodes mapped onto it.

A state is (stream, age band, placement category, duration-in-care band); "left care" is one
absorbing state kept outside the transient states. Every part is a user option:

* ``age_edges`` - age band edges in whole years (default DfE bands: under 1, 1-4, 5-9, 10-15, 16-17);
  reaching the top edge (18) means leaving care;
* ``placements`` - placement categories, taken from the episodes' ``placement_category`` (via
  ``category_map``; the SSDA903 code table fills a missing category);
* ``duration_edges`` - duration-in-care bands in days (tunnel states); by default
  ``(91, 182, 365, 730, 1460)`` (3 and 6 months, 1, 2 and 4 years), because the chance of leaving
  care falls steeply with time in care; ``()`` turns them off;
* ``separate_uasc`` - unaccompanied asylum-seeking children as their own stream;
* ``exclude_legal_status`` / ``temporary_placements`` - respite episodes are excluded and temporary
  moves absorbed into the surrounding placement (the readers already do this; tolerated here).

:func:`care_segments` turns Episodes (DESIGN 3) into one row per stay in one placement category
within a period of care, with day numbers, which :mod:`demandmodel.models.rates` splits at birthdays
and duration boundaries.

Examples
--------
>>> from demandmodel.models.states import StateSpace
>>> space = StateSpace()
>>> space.n_states, space.age_labels, space.duration_labels
(180, ('under 1', '1-4', '5-9', '10-15', '16-17'), ('0-90d', '91-181d', '182-364d', '365-729d', '730-1459d', '1460d+'))
>>> flat = StateSpace(duration_edges=())
>>> flat.n_states, flat.labels().loc[7, ["state", "age_band", "placement"]].tolist()
(30, ['1-4|residential', '1-4', 'residential'])
>>> StateSpace(duration_edges=(91, 365), separate_uasc=True).n_states
180
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

import numpy as np
import pandas as pd

from demandmodel import columns as C
from demandmodel.data._validate import Failures
from demandmodel.data.ssda903_codes import CATEGORIES

PLACEMENT_CATEGORIES: Final = CATEGORIES
DEFAULT_AGE_EDGES: Final = (0, 1, 5, 10, 16, 18)
DEFAULT_DURATION_EDGES: Final = (91, 182, 365, 730, 1460)
"""Default duration-in-care band edges (days): exit rates fall steeply with time in care, so a
stock whose duration mix is not steady (e.g. after a rise in entries) drifts without them."""
RESPITE_LEGAL_STATUS: Final = ("V3", "V4")
TEMPORARY_PLACEMENTS: Final = ("T0", "T1", "T2", "T3", "T4")
CATEGORY_ALIASES: Final[dict[str, str]] = {
    "foster": "fostering",
    "foster care": "fostering",
    "foster placements": "fostering",
    "residential care": "residential",
    "secure": "residential",
    "supported accommodation": "supported",
    "supported/independent": "supported",
    "independent": "supported",
    "independent living": "supported",
    "placed with parents": "placed_with_parents",
    "parents": "placed_with_parents",
    "placed for adoption": "adoption",
    "temporary": "temporary",
}
"""Other spellings of the categories; the category names themselves always map to themselves."""

_DAY: Final = np.timedelta64(1, "D")


def days(values: Any) -> np.ndarray:
    """Day numbers (days since 1970-01-01, float, NaN for missing) from dates of any kind.

    Examples
    --------
    >>> days(pd.Series(pd.to_datetime(["1970-01-02", None]))).tolist()
    [1.0, nan]
    """
    arr = pd.to_datetime(pd.Series(values)).to_numpy(dtype="datetime64[D]")
    out = arr.astype("int64").astype(float)
    out[np.isnat(arr)] = np.nan
    return out


def to_date(day: float) -> pd.Timestamp:
    """The date of a day number (inverse of :func:`days`)."""
    return pd.Timestamp(np.datetime64(int(day), "D"))


def add_years(day_numbers: np.ndarray, years: int) -> np.ndarray:
    """Day numbers of the same calendar date ``years`` later (29 February -> 1 March).

    Examples
    --------
    >>> d = days(["2004-02-29", "2005-06-15"])
    >>> [str(to_date(x).date()) for x in add_years(d, 1)]
    ['2005-03-01', '2006-06-15']
    """
    d = day_numbers.astype("int64").astype("datetime64[D]")
    month_start = d.astype("datetime64[M]")
    day_in_month = (d - month_start.astype("datetime64[D]")).astype("int64")
    shifted = (month_start + np.timedelta64(12 * years, "M")).astype("datetime64[D]")
    return np.asarray((shifted + day_in_month * _DAY).astype("int64"), dtype=float)


@dataclass(frozen=True, slots=True, kw_only=True)
class StateSpace:
    """Which states the Markov model has (see the module docstring for each option)."""

    age_edges: tuple[int, ...] = DEFAULT_AGE_EDGES
    placements: tuple[str, ...] = PLACEMENT_CATEGORIES
    duration_edges: tuple[int, ...] = DEFAULT_DURATION_EDGES
    separate_uasc: bool = False
    exclude_legal_status: tuple[str, ...] = RESPITE_LEGAL_STATUS
    temporary_placements: tuple[str, ...] = TEMPORARY_PLACEMENTS
    category_map: Mapping[str, str] = field(default_factory=lambda: dict(CATEGORY_ALIASES))
    other_category: str = "other"

    def __post_init__(self) -> None:
        from demandmodel.errors import DemandModelError

        edges = tuple(int(e) for e in self.age_edges)
        if len(edges) < 2 or edges[0] != 0 or any(b <= a for a, b in itertools.pairwise(edges)):
            raise DemandModelError(
                f"StateSpace.age_edges must start at 0 and increase, e.g. (0, 1, 5, 10, 16, 18); got {self.age_edges}."
            )
        dur = tuple(int(e) for e in self.duration_edges)
        if any(e <= 0 for e in dur) or any(b <= a for a, b in itertools.pairwise(dur)):
            raise DemandModelError(
                f"StateSpace.duration_edges must be increasing positive day counts, e.g. (91, 365, 730); got {self.duration_edges}."
            )
        if self.other_category not in self.placements:
            raise DemandModelError(
                f"StateSpace.placements {self.placements} must include the catch-all {self.other_category!r}."
            )
        object.__setattr__(self, "age_edges", edges)
        object.__setattr__(self, "duration_edges", dur)

    @property
    def age_labels(self) -> tuple[str, ...]:
        """Labels of the age bands: ``under 1``, ``1-4``, ..."""
        e = self.age_edges
        return tuple(
            f"under {b}" if a == 0 else f"{a}-{b - 1}" if b - 1 > a else str(a)
            for a, b in itertools.pairwise(e)
        )

    @property
    def duration_labels(self) -> tuple[str, ...]:
        """Labels of the duration bands (a single ``all`` when there are no tunnel states)."""
        e = (0, *self.duration_edges)
        if len(e) == 1:
            return ("all",)
        return (*tuple(f"{a}-{b - 1}d" for a, b in itertools.pairwise(e)), f"{e[-1]}d+")

    @property
    def streams(self) -> tuple[str, ...]:
        """``("all",)`` or ``("non_uasc", "uasc")``."""
        return ("non_uasc", "uasc") if self.separate_uasc else ("all",)

    @property
    def shape(self) -> tuple[int, int, int, int]:
        """Sizes of (stream, age band, placement, duration band)."""
        return (
            len(self.streams),
            len(self.age_edges) - 1,
            len(self.placements),
            len(self.duration_labels),
        )

    @property
    def n_states(self) -> int:
        """Number of transient states (left care not included)."""
        return int(np.prod(self.shape))

    def index(self, stream: Any, age: Any, placement: Any, duration: Any) -> np.ndarray:
        """Flat state index of component indices (arrays broadcast)."""
        _, na, npl, nd = self.shape
        out = ((np.asarray(stream) * na + np.asarray(age)) * npl + np.asarray(placement)) * nd
        return np.asarray(out + np.asarray(duration), dtype=np.int64)

    def components(self) -> pd.DataFrame:
        """Component indices ``stream_i, age_i, placement_i, duration_i`` of every state, in order."""
        grid = np.indices(self.shape).reshape(4, -1)
        return pd.DataFrame(
            {"stream_i": grid[0], "age_i": grid[1], "placement_i": grid[2], "duration_i": grid[3]}
        )

    def labels(self) -> pd.DataFrame:
        """One row per state: ``state, level, age_band, placement, duration, stream``."""
        comp = self.components()
        age = np.array(self.age_labels, dtype=object)[comp["age_i"]]
        place = np.array(self.placements, dtype=object)[comp["placement_i"]]
        dur = np.array(self.duration_labels, dtype=object)[comp["duration_i"]]
        stream = np.array(self.streams, dtype=object)[comp["stream_i"]]
        name = age + "|" + place
        if self.duration_edges:
            name = name + "|" + dur
        if self.separate_uasc:
            name = name + "|" + stream
        return pd.DataFrame(
            {
                "state": name.astype(str),
                "level": "looked_after",
                "age_band": age.astype(str),
                "placement": place.astype(str),
                "duration": dur.astype(str),
                "stream": stream.astype(str),
            }
        )

    def map_categories(self, raw: pd.Series, codes: pd.Series) -> pd.Series:
        """State placement categories (or ``temporary``) of raw categories, with codes as fallback."""
        lookup = {p.lower(): p for p in self.placements}
        lookup.update({k.lower(): v for k, v in self.category_map.items()})

        def clean(v: Any) -> str | None:
            return v.strip() if isinstance(v, str) and v.strip() else None

        raw_v = [clean(v) for v in raw.astype(object)]
        code_v = [
            None if c is None else c.upper() for c in (clean(v) for v in codes.astype(object))
        ]
        temps = {t.upper() for t in self.temporary_placements}
        table: dict[str, str] | None = None
        out = np.empty(len(raw_v), dtype=object)
        for i, (r, c) in enumerate(zip(raw_v, code_v, strict=True)):
            if c is not None and c in temps:
                out[i] = "temporary"
                continue
            got = lookup.get(r.lower()) if r is not None else None
            if got is None and c is not None:
                table = _code_table() if table is None else table
                cat = table.get(c)
                got = lookup.get(cat.lower()) if cat is not None else None
            out[i] = got
        return pd.Series(out, index=raw.index, dtype=object)


def _code_table() -> dict[str, str]:
    try:
        from demandmodel.data.ssda903_codes import placement_categories

        return dict(placement_categories())
    except Exception:  # pragma: no cover - the reader's table is absent or broken
        return {}


def _require(episodes: pd.DataFrame, cols: tuple[str, ...], source: str) -> None:
    failures = Failures()
    for col in cols:
        if col not in episodes.columns:
            failures.add(
                file=source,
                column=col,
                rule="missing column",
                message=f"Episodes need column {col!r} (see demandmodel.columns.EPISODE_COLUMNS); read returns with demandmodel.read_ssda903",
            )
    failures.raise_if_any(f"{source} lacks columns the Markov model needs")


def care_segments(
    episodes: pd.DataFrame, space: StateSpace, *, source: str = "episodes"
) -> tuple[pd.DataFrame, dict[str, int]]:
    """Stays in one placement category within a period of care, and a count of what was changed.

    Parameters
    ----------
    episodes
        Episodes frame (DESIGN 3); ``start``, ``end`` (NaT if open), ``child``, ``dob`` and
        ``placement_category`` or ``placement`` are required, ``legal_status`` and ``uasc`` used if present.
    space
        The state space.

    Returns
    -------
    segments
        Columns ``child, poc, start, end, placement_i, stream_i, dob, poc_start, last``; day numbers
        (``end`` NaN when open); ``last`` marks the final stay of its period of care.
    notes
        Counts of rows excluded or absorbed, by rule (nothing disappears unreported).

    Examples
    --------
    >>> ep = pd.DataFrame({"child": ["a", "a", "a"],
    ...     "start": pd.to_datetime(["2020-01-01", "2020-02-01", "2020-02-05"]),
    ...     "end": pd.to_datetime(["2020-02-01", "2020-02-05", None]),
    ...     "dob": pd.to_datetime(["2010-05-05"] * 3),
    ...     "placement": ["U4", "T1", "U6"], "placement_category": ["fostering", "other", "fostering"]})
    >>> seg, notes = care_segments(ep, StateSpace())
    >>> len(seg), notes["temporary_absorbed"], bool(np.isnan(seg["end"].iloc[0]))
    (1, 1, True)
    """
    _require(episodes, (C.CHILD, C.START, C.END, C.DOB), source)
    if C.PLACEMENT_CATEGORY not in episodes.columns and C.PLACEMENT not in episodes.columns:
        _require(episodes, (C.PLACEMENT_CATEGORY,), source)
    notes: dict[str, int] = {"episodes_in": len(episodes)}
    ep = episodes.reset_index(drop=True)
    start = days(ep[C.START])
    end = days(ep[C.END])
    dob = days(ep[C.DOB])
    failures = Failures()
    for mask, col, rule, msg in (
        (np.isnan(start), C.START, "missing start", "episode start date is missing"),
        (np.isnan(dob), C.DOB, "missing dob", "date of birth is missing"),
        (end < start, C.END, "end before start", "episode ends before it starts"),
    ):
        for row in np.flatnonzero(mask)[:50]:
            failures.add(
                file=source,
                row=int(row) + 1,
                column=col,
                value=str(ep.loc[row, col]),
                rule=rule,
                message=msg + "; fix the return or drop the row before modelling",
            )
    failures.raise_if_any(f"{source}: {len(failures)} episode(s) cannot be placed in time")

    keep = np.ones(len(ep), dtype=bool)
    if C.LEGAL_STATUS in ep.columns and space.exclude_legal_status:
        ls = ep[C.LEGAL_STATUS].astype("string").str.strip().str.upper()
        respite = ls.isin(list(space.exclude_legal_status)).fillna(False).to_numpy(dtype=bool)
        keep &= ~respite
        notes["respite_excluded"] = int(respite.sum())
    raw = (
        ep[C.PLACEMENT_CATEGORY]
        if C.PLACEMENT_CATEGORY in ep.columns
        else pd.Series(pd.NA, index=ep.index)
    )
    code = ep[C.PLACEMENT] if C.PLACEMENT in ep.columns else pd.Series(pd.NA, index=ep.index)
    cat = space.map_categories(raw, code)
    unknown = cat.isna().to_numpy()
    notes["unknown_category_as_other"] = int((unknown & keep).sum())
    cat[unknown] = space.other_category
    if space.separate_uasc and C.UASC in ep.columns:
        uasc = ep[C.UASC].astype("string").str.strip().str.lower()
        stream = uasc.isin(["true", "1", "yes", "y", "t"]).fillna(False).to_numpy(dtype=np.int64)
    else:
        stream = np.zeros(len(ep), dtype=np.int64)

    df = pd.DataFrame(
        {
            "child": ep[C.CHILD].astype(str).to_numpy(),
            "start": start,
            "end": end,
            "dob": dob,
            "cat": cat.to_numpy(dtype=object),
            "stream_i": stream,
        }
    )[keep]
    df = df.sort_values(["child", "start", "end"], na_position="last", kind="stable")
    df = df.reset_index(drop=True)
    # Periods of care: a new one when the child changes or the stay starts after every earlier
    # stay of the child has ended (an open stay runs on, so nothing after it starts a new one).
    end_f = df["end"].fillna(np.inf)
    reach = end_f.groupby(df["child"], sort=False).cummax()
    prev_reach = reach.groupby(df["child"], sort=False).shift()
    first = (df["child"] != df["child"].shift()).to_numpy()
    new_poc = first | (df["start"] > prev_reach).to_numpy()
    df["poc"] = np.cumsum(new_poc)
    # Temporary moves take the category of the stay around them.
    temp = (df["cat"] == "temporary").to_numpy()
    notes["temporary_absorbed"] = int(temp.sum())
    if temp.any():
        c = df["cat"].where(~temp)
        c = c.groupby(df["poc"], sort=False).ffill()
        c = c.groupby(df["poc"], sort=False).bfill()
        df["cat"] = c.fillna(space.other_category)
    # Zero-length stays are passed through (the child moves on the same day).
    zero = (df["end"] == df["start"]).to_numpy()
    poc_all_zero = pd.Series(zero).groupby(df["poc"]).transform("all").to_numpy()
    notes["same_day_periods_skipped"] = int(
        df.loc[poc_all_zero, "poc"].nunique() if poc_all_zero.any() else 0
    )
    df = df[~zero].reset_index(drop=True)
    place_index = {p: i for i, p in enumerate(space.placements)}
    df["placement_i"] = df["cat"].map(place_index).astype("int64")
    # Merge consecutive stays in the same category within a period of care.
    run = (df["poc"] != df["poc"].shift()) | (df["placement_i"] != df["placement_i"].shift())
    df["run"] = np.cumsum(run.to_numpy())
    df["end_f"] = df["end"].fillna(np.inf)
    g = df.groupby("run", sort=False)
    seg = pd.DataFrame(
        {
            "child": g["child"].first(),
            "poc": g["poc"].first(),
            "start": g["start"].min(),
            "end": g["end_f"].max().replace(np.inf, np.nan),
            "placement_i": g["placement_i"].first(),
            "stream_i": g["stream_i"].max(),
            "dob": g["dob"].first(),
        }
    ).reset_index(drop=True)
    seg["poc_start"] = seg.groupby("poc", sort=False)["start"].transform("min")
    seg["stream_i"] = seg.groupby("child", sort=False)["stream_i"].transform("max")
    seg["last"] = (seg["poc"] != seg["poc"].shift(-1)).to_numpy()
    notes["segments"] = len(seg)
    return seg, notes


def stock_at(segments: pd.DataFrame, space: StateSpace, day: float) -> np.ndarray:
    """Number of children in each state on a day (in care on it and not leaving that day).

    Children at or over the top age edge are not counted.
    """
    s = segments
    open_end = s["end"].fillna(np.inf).to_numpy()
    inside = (s["start"].to_numpy() <= day) & (open_end > day)
    sub = s[inside]
    if sub.empty:
        return np.zeros(space.n_states)
    dob = sub["dob"].to_numpy()
    edges = space.age_edges
    births = np.stack([add_years(dob, e) for e in edges[1:]], axis=1)
    age_i = (births <= day).sum(axis=1)
    ok = age_i < len(edges) - 1
    dur_days = day - sub["poc_start"].to_numpy()
    dur_i = np.searchsorted(np.asarray(space.duration_edges, dtype=float), dur_days, side="right")
    idx = space.index(sub["stream_i"].to_numpy(), age_i, sub["placement_i"].to_numpy(), dur_i)
    return np.bincount(idx[ok], minlength=space.n_states).astype(float)
