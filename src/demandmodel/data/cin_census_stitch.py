"""Linking CIN census records to their parents and stitching collections (years) together.

Within a collection, records join their parent by id (:func:`link_to_parents`: a CP plan to
its CIN episode by ``CINdetailsID``, a review to its plan by ``CPPID``). Across collections:

* a child and a CIN episode ``(la_code, child, referral_date)`` are kept from the latest
  collection that has them (:func:`keep_latest`); a child's characteristics and disabilities
  follow the child (:func:`follow_parent`);
* a return holds only its year's activity, so a plan that ended before a later collection's
  year is in the earlier return alone. An episode's assessments, CIN plans, s47s and CP plans
  are therefore the union over the collections, one per natural key ``(la_code, child,
  referral_date, start)``, and its CP reviews one per ``(..., cp_start, review_date)``, each
  from the latest collection that has it.

Every older copy is logged ``merged`` (``before``: its file, ``after``: the file kept), so rows
read == rows kept + rows logged, table by table. A plan left open in an older collection but
missing from the later one that re-states its episode is kept and logged ``not_restated``
(:func:`flag_not_restated`).

Examples
--------
>>> import pandas as pd
>>> from demandmodel.data.cin_census_records import Context
>>> from demandmodel.data.cin_census_stitch import keep_latest
>>> plans = pd.DataFrame({"_la": ["201"] * 3, "child": ["C1"] * 3, "start": ["A", "A", "B"],
...     "_coll": [0, 1, 0], "_file": ["y1.xml", "y2.xml", "y1.xml"], "_row": [1, 1, 2]})
>>> ctx = Context(repair=False)
>>> kept = keep_latest(plans, ["_la", "child", "start"], {0: 0, 1: 1}, {0: "y1.xml", 1: "y2.xml"},
...                    ctx, "CP plan")
>>> kept[["start", "_file"]].values.tolist()
[['A', 'y2.xml'], ['B', 'y1.xml']]
>>> [(r["action"], r["before"], r["after"]) for r in ctx.log]
[('merged', 'y1.xml', 'y2.xml')]
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from demandmodel.columns import CHILD, CLEANING_LOG_COLUMNS, DOB, END, LA_CODE, SEX, START
from demandmodel.data.cin_census_codes import (
    COLLECTION_YEAR,
    DETAIL,
    ID_COLUMNS,
    REFERRAL_DATE,
    SOURCE_FILE,
)
from demandmodel.data.cin_census_csv import attach_factor_list
from demandmodel.data.cin_census_records import Collection, Context, as_text, cell, strings
from demandmodel.data.cin_census_validate import (
    TYPED_TABLES,
    check_rows,
    live_rows,
    stack_table,
    typed_table,
)

__all__ = [
    "build_frames",
    "flag_not_restated",
    "follow_parent",
    "keep_latest",
    "link_to_parents",
]


def link_to_parents(
    t: pd.DataFrame, parents: pd.DataFrame, keys: list[str], carry: list[str], ctx: Context,
    what: str, *, orphans_ok: bool = False,
) -> pd.DataFrame:  # fmt: skip
    """Attach kept rows of ``t`` to their kept parent, carrying columns of the parent.

    ``parents`` still has its ``_drop`` column. Rows whose parent was dropped go too (logged
    ``parent_dropped``); rows with no parent at all are an ``orphan`` problem unless
    ``orphans_ok``.
    """
    on = ["_coll", CHILD, *keys]
    live = live_rows(t)
    kept = live_rows(parents)[[*on, *carry]].drop_duplicates(on)
    known = parents[on].drop_duplicates()
    merged = live.merge(kept, on=on, how="left", indicator="_match")
    merged = merged.merge(known.assign(_known=True), on=on, how="left")
    merged.index = live.index
    has_parent = (merged["_match"] == "both").to_numpy()
    was_known = merged["_known"].eq(True).to_numpy()
    gone = ~has_parent & (was_known | (not orphans_ok))
    for i, known_parent in zip(live.index[gone], was_known[gone], strict=True):
        if known_parent:
            ctx.note(file=cell(t, i, "_file"), row=cell(t, i, "_row"), child=cell(t, i, CHILD),
                     rule="parent_dropped", action="dropped",
                     message=f"dropped with its {what}, which failed validation")  # fmt: skip
        else:
            col = ID_COLUMNS.get(keys[-1], "LAchildID") if keys else "LAchildID"
            ctx.problem(file=cell(t, i, "_file"), row=cell(t, i, "_row"), child=cell(t, i, CHILD),
                        column=col, value=as_text(cell(t, i, keys[-1]) if keys else cell(t, i, CHILD)),
                        rule="orphan", action="dropped",
                        message=f"no {what} with this id for this child in the same collection")  # fmt: skip
    return merged[~gone].drop(columns=["_match", "_known"])


def keep_latest(t: pd.DataFrame, keys: list[str], rank: dict[int, int], labels: dict[int, str],
            ctx: Context, what: str) -> pd.DataFrame:  # fmt: skip
    """Keep each ``keys`` group's row from the latest collection; log the others as merged."""
    if t.empty:
        return t
    order = t["_coll"].map(rank).astype(int)
    best = order.groupby([t[k] for k in keys], dropna=False).transform("max")
    position = {r: p for p, r in rank.items()}
    old = (order < best).to_numpy()
    kept_in = [labels[position[int(b)]] for b in best[old]]
    _log_merged(
        t, old, kept_in, ctx, f"{what} re-stated in a later collection; the latest version is kept"
    )
    return t[~old]


def follow_parent(t: pd.DataFrame, parents: pd.DataFrame, keys: list[str], labels: dict[int, str],
            ctx: Context, what: str) -> pd.DataFrame:  # fmt: skip
    """Keep rows of ``t`` from the collection their parent (already de-duplicated) was kept from."""
    chosen = parents[[*keys, "_coll"]].rename(columns={"_coll": "_keep"}).drop_duplicates(keys)
    merged = t.merge(chosen, on=keys, how="left")
    merged.index = t.index
    old = (merged["_keep"].notna() & (merged["_keep"] != merged["_coll"])).to_numpy()
    kept_in = [labels[int(k)] for k in merged["_keep"][old]]
    _log_merged(
        t, old, kept_in, ctx, f"its {what} is kept from a later collection, which re-states it"
    )
    return t[~old]


def flag_not_restated(t: pd.DataFrame, episodes: pd.DataFrame, rank: dict[int, int],
                      labels: dict[int, str], ctx: Context, what: str) -> None:  # fmt: skip
    """Log each plan left open in an older collection than the one its CIN episode is kept from.

    That later collection re-states the episode but not the plan, which was open at the older
    reference date and so should be there too: it may have ended, or been corrected (a new
    start date) or withdrawn. The plan is kept as read (open), and logged ``not_restated``.
    """
    if t.empty or episodes.empty:
        return
    key = ["_la", CHILD, REFERRAL_DATE]
    ep = episodes[[*key, "_coll"]].rename(columns={"_coll": "_ep"})
    m = t[[*key, "_coll", START, END, "_file", "_row"]].merge(ep, on=key, how="left")
    later = [
        e == e and rank[int(e)] > rank[int(c)] for e, c in zip(m["_ep"], m["_coll"], strict=True)
    ]
    open_older = (m[END].isna() & pd.Series(later, index=m.index, dtype=bool)).to_numpy()
    sub = m[open_older]
    for file, row, child, start, ep_coll in zip(sub["_file"], sub["_row"], sub[CHILD], sub[START],
                                                sub["_ep"], strict=True):  # fmt: skip
        ctx.note(file=file, row=row, child=child, rule="not_restated", action="kept",
                 before=start, after=labels[int(ep_coll)],
                 message=f"{what} open at this collection's reference date is missing from the "
                 "later collection that re-states its CIN episode (after); kept as open - check "
                 "whether it ended or was corrected there")  # fmt: skip


def _log_merged(
    t: pd.DataFrame, old: np.ndarray, kept_in: list[str], ctx: Context, message: str
) -> None:
    """One ``later_collection``/``merged`` log row per row of ``t`` marked ``old``."""
    sub = t[old]
    for file, row, child, after in zip(sub["_file"], sub["_row"], sub[CHILD], kept_in, strict=True):
        ctx.note(file=file, row=row, child=child, rule="later_collection", action="merged",
                 before=file, after=after, message=message)  # fmt: skip


def _out(t: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """The public frame: ``columns`` plus ``collection_year`` and ``source``."""
    frame = t.rename(columns={"_la": LA_CODE, "_file": SOURCE_FILE}).reset_index(drop=True)
    frame[COLLECTION_YEAR] = pd.array(
        [r.year if isinstance(r, dt.date) else None for r in t["_ref"]], dtype="Int64"
    )
    for col in (CHILD, LA_CODE):
        frame[col] = strings([v if isinstance(v, str) else None for v in frame[col]], frame.index)
    return frame[[*columns, COLLECTION_YEAR, SOURCE_FILE]].reset_index(drop=True)


def build_frames(colls: list[Collection], ctx: Context) -> dict[str, pd.DataFrame]:
    """The frames of :class:`~demandmodel.CINCensus` from the collections read (by name)."""
    labels = {c.position: c.label for c in colls}
    if all(c.reference_date is not None for c in colls):
        ordered = sorted(colls, key=lambda c: (c.reference_date or dt.date.min, c.position))
    else:
        ordered = sorted(colls, key=lambda c: c.position)
    rank = {c.position: r for r, c in enumerate(ordered)}
    for c in colls:  # CSV: factors given as their own table join the assessments
        attach_factor_list(c)
    t = {name: typed_table(stack_table(colls, name), name, ctx) for name in TYPED_TABLES}
    for name, table in t.items():
        check_rows(table, name, ctx)
    ids = t["ChildIdentifiers"]
    ids["sex"] = ids["_sex"].fillna(ids["_gender"])
    chars = link_to_parents(t["ChildCharacteristics"], ids, [], [], ctx, "child", orphans_ok=True)
    dis = link_to_parents(t["Disabilities"], ids, [], [], ctx, "child", orphans_ok=True)
    eps = link_to_parents(t["CINdetails"], ids, [], [], ctx, "child", orphans_ok=True)
    eps_all = t["CINdetails"].assign(_drop=t["CINdetails"]["_drop"])
    eps_all.loc[~eps_all.index.isin(eps.index), "_drop"] = True
    carry = [REFERRAL_DATE]
    ass = link_to_parents(t["Assessments"], eps_all, [DETAIL], carry, ctx, "CIN episode")
    plans = link_to_parents(t["CINplanDates"], eps_all, [DETAIL], carry, ctx, "CIN episode")
    s47 = link_to_parents(t["Section47"], eps_all, [DETAIL], carry, ctx, "CIN episode")
    cpp = link_to_parents(t["ChildProtectionPlans"], eps_all, [DETAIL], carry, ctx, "CIN episode")
    cpp_all = t["ChildProtectionPlans"].assign(
        _drop=~t["ChildProtectionPlans"].index.isin(cpp.index)
    )
    cpp_all = cpp_all.merge(
        eps[["_coll", CHILD, DETAIL, REFERRAL_DATE]], on=["_coll", CHILD, DETAIL], how="left"
    )
    reviews = link_to_parents(t["Reviews"], cpp_all.rename(columns={START: "cp_start"}), [DETAIL, "_plan"],
                    [REFERRAL_DATE, "cp_start"], ctx, "child protection plan")  # fmt: skip

    # Stitch collections: the latest collection's version of each child and episode wins.
    kids = keep_latest(live_rows(ids), ["_la", CHILD], rank, labels, ctx, "child")
    chars = follow_parent(chars, kids, ["_la", CHILD], labels, ctx, "child")
    dis = follow_parent(dis, kids, ["_la", CHILD], labels, ctx, "child")
    eps = keep_latest(eps, ["_la", CHILD, REFERRAL_DATE], rank, labels, ctx, "CIN episode")
    # A census holds only its year's activity, so an episode's records are the union over the
    # collections, each record (by its natural key) kept from the latest collection that has it.
    key = ["_la", CHILD, REFERRAL_DATE]
    ass = keep_latest(ass, [*key, START], rank, labels, ctx, "assessment")
    plans = keep_latest(plans, [*key, START], rank, labels, ctx, "CIN plan")
    s47 = keep_latest(s47, [*key, START], rank, labels, ctx, "section 47 enquiry")
    cpp = keep_latest(cpp, [*key, START], rank, labels, ctx, "child protection plan")
    flag_not_restated(plans, eps, rank, labels, ctx, "CIN plan")
    flag_not_restated(cpp, eps, rank, labels, ctx, "child protection plan")
    reviews = keep_latest(
        reviews, [*key, "cp_start", "review_date"], rank, labels, ctx, "CP review"
    )

    kids = kids.merge(chars[["_coll", CHILD, "ethnicity"]].drop_duplicates(["_coll", CHILD]),
                      on=["_coll", CHILD], how="left")  # fmt: skip
    joined = (
        dis.dropna(subset=["disability"])
        .groupby(["_coll", CHILD], dropna=False)["disability"]
        .agg(lambda s: ",".join(dict.fromkeys(s)))
        .rename("disabilities")
        .reset_index()
    )
    kids = kids.merge(joined, on=["_coll", CHILD], how="left")
    eps = eps.merge(kids[["_la", CHILD, "upn"]], on=["_la", CHILD], how="left")
    log = pd.DataFrame(ctx.log, columns=list(CLEANING_LOG_COLUMNS))
    collections = pd.DataFrame(
        {
            SOURCE_FILE: [c.label for c in colls],
            COLLECTION_YEAR: pd.array([c.reference_date.year if c.reference_date else None for c in colls], dtype="Int64"),
            "reference_date": pd.Series([c.reference_date for c in colls], dtype=object).astype("datetime64[us]"),
            LA_CODE: strings([c.la_code for c in colls], range(len(colls))),
            "children": [len(c.tables.get("ChildIdentifiers", [])) for c in colls],
        }
    )  # fmt: skip
    base = [CHILD, LA_CODE]
    return dict(
        children=_out(kids, [*base, "upn", "former_upn", "upn_unknown", DOB, "expected_dob", SEX,
                             "death_date", "ethnicity", "disabilities"]),
        cin_episodes=_out(eps, [*base, "upn", REFERRAL_DATE, "closure_date", "referral_source",
                                "primary_need", "reason_for_closure", "nfa", "initial_cpc_date"]),
        assessments=_out(ass, [*base, REFERRAL_DATE, START, "review_date", "authorised", "factors"]),
        cin_plans=_out(plans, [*base, REFERRAL_DATE, START, END]),
        s47=_out(s47, [*base, REFERRAL_DATE, START, "icpc_target", "icpc_date", "icpc_not_required"]),
        cp_plans=_out(cpp, [*base, REFERRAL_DATE, START, END, "initial_category", "latest_category",
                            "previous_plans"]),
        cp_reviews=_out(reviews, [*base, REFERRAL_DATE, "cp_start", "review_date"]),
        collections=collections,
        log=log,
    )  # fmt: skip
