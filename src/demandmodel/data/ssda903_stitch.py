"""Episode sequences: multi-year stitching (DATA_SPEC 3.5), overlaps, respite and temporary
placements (3.4) and periods of care (3.3).

Each annual return re-states every episode open during its year, so pooled returns repeat
episodes, and an episode left open in an old return may have been closed, corrected or replaced
in a later one. The rules, applied in order and each logged per row (file, row, child):

* ``RESUBMITTED``: the same episode (LA, child, DECOM) in several returns -> keep the latest return's
  row; older copies are *merged* into it.
* Stage 1, for an episode left open (DEC blank) in a return older than its LA's latest return:
  ``RULE_3`` (an identical episode - same RNE, LS, PLACE, PLACE_PROVIDER, PL_POST, URN - comes next
  or before: *merged*), ``RULE_3A`` (an earlier-starting episode was submitted in a later return:
  replaced, *merged*), ``RULE_2`` (no later episode: DEC := 31 March of the return's year,
  REC := E99), ``RULE_1A`` (the next episode is a re-entry, RNE = S: DEC := min(31 March,
  next DECOM - 1 day), REC := E99), ``RULE_1`` (otherwise: DEC := next DECOM, REC := X1, and
  REASON_PLACE_CHANGE := LIIAF when the next RNE is P, B, T or U).
* Stage 2: ``RULE_4`` (overlaps the next episode, which was submitted later: DEC := next DECOM),
  ``RULE_5`` (REC = X1 but a gap before the next, later-submitted episode: DEC := next DECOM).

After de-duplication and before stage 1, ``respite`` episodes (legal status V3/V4) are dropped
unless kept on request, so an excluded episode never closes or trims another.
Then, within the cleaned sequence: ``overlap`` (an episode still open, or ending after the next
starts, within one return: an input problem, repaired by DEC := next DECOM) and ``temporary``
(T0-T4 merged into the contiguous placement before, else after, it).

The frames handled here have columns ``_la, CHILD, start, end, RNE, LS, PLACE, PLACE_PROVIDER,
REC, REASON_PLACE_CHANGE, PL_POST, URN, _year, _file, _row, _order``.

Examples
--------
>>> import pandas as pd
>>> from demandmodel.data.ssda903_io import Recorder
>>> from demandmodel.data.ssda903_stitch import periods_of_care
>>> ep = pd.DataFrame({"_la": ["x"] * 3, "CHILD": ["1", "1", "1"],
...     "start": pd.to_datetime(["2020-01-01", "2020-02-01", "2021-01-01"]),
...     "end": pd.to_datetime(["2020-02-01", "2020-03-01", None])})
>>> [int(v) for v in periods_of_care(ep)]
[1, 1, 2]
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

import numpy as np
import pandas as pd

from demandmodel.data.ssda903_codes import RESPITE_CODES, TEMPORARY_CODES
from demandmodel.data.ssda903_io import Recorder, column_values, records

__all__ = [
    "IDENTITY_COLUMNS",
    "absorb_temporary",
    "dedupe",
    "drop_respite",
    "periods_of_care",
    "stitch",
    "trim_overlaps",
]

IDENTITY_COLUMNS: Final = ("RNE", "LS", "PLACE", "PLACE_PROVIDER", "PL_POST", "URN")
"""Fields that make two open episodes 'identical duplicates' for RULE_3."""

CONTENT_COLUMNS: Final = ("start", "end", "RNE", "LS", "PLACE", "PLACE_PROVIDER", "REC")
KEY: Final = ["_la", "CHILD"]


def _fmt(value: object) -> str:
    if value is None or value is pd.NaT or (isinstance(value, float) and np.isnan(value)):
        return ""
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%d")
    try:
        if pd.isna(value):  # type: ignore[call-overload]
            return ""
    except (TypeError, ValueError):
        pass
    return str(value)


def _where(row: Mapping[str, Any]) -> str:
    return f"{row['_file']} row {row['_row']}"


def _sorted(ep: pd.DataFrame) -> pd.DataFrame:
    return ep.sort_values([*KEY, "start", "_year", "_order"], kind="mergesort").reset_index(
        drop=True
    )


def _same_child_next(ep: pd.DataFrame) -> np.ndarray:
    """True where the next row is the same child's; ``ep`` sorted by :data:`KEY`."""
    same = np.zeros(len(ep), dtype=bool)
    same[:-1] = True
    for col in KEY:  # codes equal <=> values equal (missing matches missing, as in a groupby)
        codes = pd.factorize(ep[col])[0]
        same[:-1] &= codes[1:] == codes[:-1]
    return same


def _neighbours(ep: pd.DataFrame, cols: list[str]) -> pd.DataFrame:
    """Each row's next and previous row of the same child (``{col}_next``, ``{col}_prev``,
    ``has_next``, ``has_prev``; index of ``ep``), as a group-wise shift gives them.

    ``ep`` is non-empty and sorted by :data:`KEY`, so a child's rows are contiguous: one shift
    per column, blanked where it crosses to another child, replaces a groupby shift per column.
    """
    same_next = _same_child_next(ep)
    same_prev = np.roll(same_next, 1)  # the first row has no previous: same_next[-1] is False
    out: dict[str, pd.Series] = {}  # one new frame, not columns inserted into a copy of ep
    for col in cols:
        out[f"{col}_next"] = ep[col].shift(-1).where(same_next)
        out[f"{col}_prev"] = ep[col].shift(1).where(same_prev)
    out["has_next"] = ep["start"].shift(-1).where(same_next).notna()
    out["has_prev"] = ep["start"].shift(1).where(same_prev).notna()
    return pd.DataFrame(out, index=ep.index)


def dedupe(ep: pd.DataFrame, rec: Recorder) -> pd.DataFrame:
    """Collapse duplicate rows; every removed row is logged as *merged*.

    Within one return (file and year) an exact copy of an earlier row (``duplicate_row``: the
    first copy is kept) or a second row with the same CHILD and DECOM (``duplicate_episode``: the
    last row is kept) is an input problem. The same episode in several returns is a re-submission
    (``RESUBMITTED``: the latest return's row is kept)."""
    ep = ep.sort_values(["_year", "_order"], kind="mergesort")
    content = [*KEY, "_file", "_year", *CONTENT_COLUMNS]
    ep = ep.reset_index(drop=True)
    exact = ep.duplicated(subset=content, keep="first").to_numpy()
    clash = np.zeros(len(ep), dtype=bool)
    clash[~exact] = (
        ep.loc[~exact].duplicated(subset=[*KEY, "_file", "_year", "start"], keep="last").to_numpy()
    )
    across = np.zeros(len(ep), dtype=bool)
    left = ~exact & ~clash
    across[left] = ep.loc[left].duplicated(subset=[*KEY, "start"], keep="last").to_numpy()
    gone = exact | clash | across
    if not gone.any():
        return _sorted(ep)
    # Plain column lists, read once: each merged row names the row kept for its episode.
    la, kid, start, end, file, row = (
        column_values(ep, c) for c in (*KEY, "start", "end", "_file", "_row")
    )
    kept = ~gone & ep.duplicated(subset=[*KEY, "start"], keep=False).to_numpy()
    survivor = {(la[i], kid[i], start[i]): f"{file[i]} row {row[i]}" for i in np.flatnonzero(kept)}
    first: list[Any] = []
    for mask, rule in ((exact, "duplicate_row"), (clash, "duplicate_episode")):
        if not mask.any():
            continue
        if not first:  # row of the first exact copy, for the messages; rare, so only now
            first = (
                ep.groupby(content, dropna=False, sort=False)["_row"].transform("first").tolist()
            )
        for i in np.flatnonzero(mask).tolist():
            into = survivor[(la[i], kid[i], start[i])]
            rec.problem(
                file=file[i],
                row=row[i],
                child=kid[i],
                column="DECOM",
                value=_fmt(start[i]),
                rule=rule,
                action="merged",
                after=f"kept {into}",
                message=(
                    f"exact copy of row {first[i]} of the same file"
                    if rule == "duplicate_row"
                    else "a later row of this file has the same CHILD and DECOM but different values"
                ),
                fix="remove the duplicate row",
            )
    for i in np.flatnonzero(across).tolist():
        rec.note(
            file=file[i],
            row=row[i],
            child=kid[i],
            rule="RESUBMITTED",
            action="merged",
            before=f"DEC={_fmt(end[i])}",
            after=f"kept {survivor[(la[i], kid[i], start[i])]}",
            message="episode re-stated in a later return; the latest return's row is kept",
        )
    return _sorted(ep.loc[~gone])


def _march31(year: pd.Series) -> pd.Series:
    return pd.to_datetime(year.astype("int64").astype(str) + "-03-31").astype("datetime64[ns]")


def stitch(ep: pd.DataFrame, rec: Recorder) -> pd.DataFrame:
    """Apply the stage 1 and stage 2 multi-year rules (see the module docstring)."""
    ep = _sorted(ep)
    if ep.empty or ep["_year"].nunique() < 2:
        return ep  # one return: nothing to stitch
    latest = ep.groupby("_la", dropna=False)["_year"].transform("max")
    n = _neighbours(ep, ["start", "_year", "RNE"])
    open_err = ep["end"].isna() & (ep["_year"] < latest)
    # Rows whose identity fields equal the next row's: each column compared once, not per side.
    equal_next = np.zeros(len(ep), dtype=bool)
    equal_next[:-1] = True
    for col in IDENTITY_COLUMNS:
        cells = ep[col].fillna("").astype(str).to_numpy()
        equal_next[:-1] &= cells[1:] == cells[:-1]
    same_next = n["has_next"].to_numpy() & equal_next
    same_prev = n["has_prev"].to_numpy() & np.roll(equal_next, 1)  # equal_next[-1] is False
    rule = pd.Series("", index=ep.index, dtype="object")
    r3 = open_err & (same_next | same_prev)
    r3a = open_err & ~r3 & n["has_prev"] & (n["_year_prev"] > ep["_year"])
    r2 = open_err & ~r3 & ~r3a & ~n["has_next"]
    r1a = open_err & ~r3 & ~r3a & ~r2 & (n["RNE_next"].fillna("") == "S")
    r1 = open_err & ~r3 & ~r3a & ~r2 & ~r1a
    for mask, name in ((r3, "RULE_3"), (r3a, "RULE_3A"), (r2, "RULE_2"), (r1a, "RULE_1A")):
        rule[mask] = name
    rule[r1] = "RULE_1"

    out = ep.copy()
    year_end = _march31(out["_year"])
    out.loc[r2, "end"] = year_end[r2]
    out.loc[r2, "REC"] = "E99"
    day_before = n["start_next"] - pd.Timedelta(days=1)
    out.loc[r1a, "end"] = np.minimum(year_end[r1a], day_before[r1a])
    out.loc[r1a, "REC"] = "E99"
    out.loc[r1, "end"] = n.loc[r1, "start_next"]
    out.loc[r1, "REC"] = "X1"
    liiaf = r1 & n["RNE_next"].fillna("").isin(["P", "B", "T", "U"])
    out.loc[liiaf, "REASON_PLACE_CHANGE"] = "LIIAF"
    messages = {
        "RULE_3": "open episode in an older return duplicates a neighbouring episode; removed",
        "RULE_3A": "open episode in an older return replaced by an earlier-starting episode submitted later; removed",
        "RULE_2": "open episode in an older return with no later episode: child ceased care; closed at 31 March, REC E99",
        "RULE_1A": "open episode in an older return, next episode is a re-entry (RNE S): closed, REC E99",
        "RULE_1": "open episode in an older return, child remained looked after: closed at the next DECOM, REC X1",
    }
    ruled = np.flatnonzero(rule.to_numpy() != "")
    names = rule.to_numpy()[ruled].tolist()
    rows = records(ep.iloc[ruled], ["_file", "_row", "CHILD"])
    ends = out["end"].iloc[ruled].tolist()
    recs = out["REC"].iloc[ruled].tolist()
    for name, row, end, rec_code in zip(names, rows, ends, recs, strict=True):
        merged = name in ("RULE_3", "RULE_3A")
        rec.note(
            file=row["_file"],
            row=row["_row"],
            child=row["CHILD"],
            rule=name,
            action="merged" if merged else "changed",
            before="DEC=",
            after="" if merged else f"DEC={_fmt(end)}, REC={_fmt(rec_code)}",
            message=messages[name],
        )
    out = out.loc[~(r3 | r3a).to_numpy()].reset_index(drop=True)

    n = _neighbours(out, ["start", "_year"])
    later = n["has_next"] & (out["_year"] < n["_year_next"])
    r4 = later & out["end"].notna() & (out["end"] > n["start_next"])
    r5 = (
        later
        & out["end"].notna()
        & (out["end"] < n["start_next"])
        & (out["REC"].fillna("") == "X1")
    )
    for mask, name, text in (
        (r4, "RULE_4", "episode overlaps the next episode submitted in a later return"),
        (r5, "RULE_5", "episode ended X1 but a gap precedes the next, later-submitted episode"),
    ):
        at = np.flatnonzero(mask.to_numpy())
        nexts = n["start_next"].iloc[at].tolist()
        cols = ["_file", "_row", "CHILD", "end"]
        for row, nxt in zip(records(out.iloc[at], cols), nexts, strict=True):
            rec.note(
                file=row["_file"],
                row=row["_row"],
                child=row["CHILD"],
                rule=name,
                action="changed",
                before=f"DEC={_fmt(row['end'])}",
                after=f"DEC={_fmt(nxt)}",
                message=f"{text}; DEC set to the next DECOM",
            )
    fix = (r4 | r5).to_numpy()
    out.loc[fix, "end"] = n.loc[fix, "start_next"]
    return out


def trim_overlaps(ep: pd.DataFrame, rec: Recorder) -> pd.DataFrame:
    """Episodes still open, or ending after the next one starts, within one return: an input
    problem; the repair ends them at the next DECOM (REC X1 when blank).

    Episodes whose DEC was unusable (before DECOM: ``_end_unknown``) end at the next DECOM, or,
    for a child's last episode, at 31 March of the return's year (REC kept, E99 when blank).
    """
    ep = _sorted(ep)
    if ep.empty:
        return ep
    unknown = (
        ep["_end_unknown"].fillna(False).to_numpy(dtype=bool)
        if "_end_unknown" in ep.columns
        else np.zeros(len(ep), dtype=bool)
    )
    n = _neighbours(ep, ["start"])
    bad = (n["has_next"] & (ep["end"].isna() | (ep["end"] > n["start_next"]))).to_numpy()
    out = ep.copy()
    at = np.flatnonzero(bad)
    cols = ["_file", "CHILD", "start", "end"]
    nums = ep["_row"].to_numpy()  # numpy integers, as the log has always had them here
    pairs = zip(
        at.tolist(), records(ep.iloc[at], cols), records(ep.iloc[at + 1], cols), strict=True
    )
    for i, row, nxt in pairs:
        row["_row"], nxt["_row"] = nums[i], nums[i + 1]
        if unknown[i] and pd.isna(row["end"]):
            rec.note(
                file=row["_file"],
                row=row["_row"],
                child=row["CHILD"],
                rule="dec_before_decom",
                action="changed",
                before="DEC unknown",
                after=f"DEC={_fmt(nxt['start'])}",
                message="episode with an unusable DEC ends when the next episode starts",
            )
            continue
        is_open = pd.isna(row["end"])
        rec.problem(
            file=row["_file"],
            row=row["_row"],
            child=row["CHILD"],
            column="DEC",
            value=_fmt(row["end"]),
            rule="overlap",
            action="changed",
            after=f"DEC={_fmt(nxt['start'])}",
            message=(
                f"episode {'is still open' if is_open else 'ends after'} "
                f"{'when ' if is_open else ''}the next episode ({_where(nxt)}) starts "
                f"on {_fmt(nxt['start'])}"
            ),
            fix="correct DEC or the next DECOM so episodes do not overlap",
        )
    out.loc[bad, "end"] = n.loc[bad, "start_next"]
    blank_rec = bad & out["REC"].isna().to_numpy()
    out.loc[blank_rec, "REC"] = "X1"
    last = unknown & ~n["has_next"].to_numpy() & out["end"].isna().to_numpy()
    if last.any():
        year_end = _march31(out["_year"])
        files, nums, kids = (out[c].to_numpy() for c in ("_file", "_row", "CHILD"))
        for i in np.flatnonzero(last).tolist():
            rec.note(
                file=str(files[i]),
                row=nums[i],
                child=kids[i],
                rule="dec_before_decom",
                action="changed",
                before="DEC unknown",
                after=f"DEC={_fmt(year_end.iat[i])}",
                message="last episode with an unusable DEC ends at 31 March of its return's year",
            )
        out.loc[last, "end"] = year_end[last]
        out.loc[last & out["REC"].isna().to_numpy(), "REC"] = "E99"
    return out


def periods_of_care(ep: pd.DataFrame) -> pd.Series:
    """Number (1, 2, ...) each child's periods of care (DATA_SPEC 3.3): maximal runs of contiguous
    episodes (DEC == next DECOM); an episode with RNE = S (started to be looked after) always
    opens a new period.

    ``ep`` must be sorted by LA, child and start.
    """
    if ep.empty:
        return pd.Series([], dtype="int64", index=ep.index)
    # Sorted, so a child's rows are contiguous: shifts and a running count with child
    # boundaries stand in for the group-wise ones.
    first = ~np.roll(_same_child_next(ep), 1)
    prev_end = ep["end"].shift(1).where(~first)
    new = first | (prev_end.isna() | (prev_end != ep["start"])).to_numpy(dtype=bool)
    if "RNE" in ep.columns:
        new = new | (ep["RNE"].astype("string").fillna("") == "S").to_numpy(dtype=bool)
    count = np.cumsum(new)
    at_first = count[np.flatnonzero(first)][np.cumsum(first) - 1]  # each row's child's first
    return pd.Series(count - at_first + 1, index=ep.index, dtype="int64")


def drop_respite(ep: pd.DataFrame, rec: Recorder) -> pd.DataFrame:
    """Drop short-break episodes (legal status V3/V4), each logged. Done before stitching, so an
    excluded episode never closes or trims another."""
    mask = ep["LS"].fillna("").isin(sorted(RESPITE_CODES))
    cols = ["_file", "_row", "CHILD", "LS"]
    for r in records(ep.loc[mask, cols], cols):
        rec.note(
            file=str(r["_file"]),
            row=r["_row"],
            child=r["CHILD"],
            rule="respite",
            action="dropped",
            before=f"LS={r['LS']}",
            message="short-break (respite) episode excluded; pass include_respite=True to keep",
        )
    return ep.loc[~mask].reset_index(drop=True)


def absorb_temporary(ep: pd.DataFrame, rec: Recorder) -> pd.DataFrame:
    """Merge each T0-T4 episode into the contiguous placement before it (else after it)."""
    if ep.empty:
        return ep
    temp = np.array(ep["PLACE"].fillna("").isin(sorted(TEMPORARY_CODES)), dtype=bool)
    if not temp.any():
        return ep
    ep = ep.copy()
    las = ep["_la"].to_numpy()
    kids = ep["CHILD"].to_numpy()
    start = ep["start"].to_numpy().copy()
    end = ep["end"].to_numpy().copy()
    rec_col = ep["REC"].to_numpy().copy()
    rne = ep["RNE"].to_numpy().copy()
    alive = np.ones(len(ep), dtype=bool)
    n = len(ep)
    # Arrays, not .iat, for the per-row log (same scalars: numpy integers for rows).
    files, nums, places = (ep[c].to_numpy() for c in ("_file", "_row", "PLACE"))

    def same(a: int, b: int) -> bool:
        return bool(las[a] == las[b] and kids[a] == kids[b])

    for i in np.flatnonzero(temp).tolist():
        prev = i - 1
        while prev >= 0 and same(prev, i) and not alive[prev]:
            prev -= 1
        target = -1
        if prev >= 0 and same(prev, i) and not temp[prev] and end[prev] == start[i]:
            target = prev
            end[prev], rec_col[prev] = end[i], rec_col[i]
        else:
            nxt = i + 1
            if nxt < n and same(nxt, i) and not temp[nxt] and end[i] == start[nxt]:
                target = nxt
                start[nxt], rne[nxt] = start[i], rne[i]
        if target < 0:
            rec.note(
                file=str(files[i]),
                row=nums[i],
                child=kids[i],
                rule="temporary",
                action="kept",
                before=f"PLACE={places[i]}",
                message="temporary placement with no contiguous placement around it; kept as is",
            )
            continue
        alive[i] = False
        temp[target] = False
        rec.note(
            file=str(files[i]),
            row=nums[i],
            child=kids[i],
            rule="temporary",
            action="merged",
            before=f"PLACE={places[i]}",
            after=f"into {files[target]} row {nums[target]}",
            message="temporary placement (T0-T4) absorbed into the surrounding placement",
        )
    ep["start"], ep["end"], ep["REC"], ep["RNE"] = start, end, rec_col, rne
    return ep.loc[alive].reset_index(drop=True)
