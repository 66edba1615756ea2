"""Geography of the Panel: LA codes, England and region codes, boundary changes.

Keys
----
* A local authority's ``la_code`` is the DfE 3-digit code (``old_la_code``), which survives ONS
  recoding (North Yorkshire 815 and Somerset 933 kept their DfE codes in 2023).
* England and the regions have no DfE 3-digit code of their own in the published tables, so they
  get the pseudo-codes of the DfE LA Interactive Tool (LAIT), which are 3-digit and clash with no
  LA: England ``970`` (:data:`ENGLAND`), regions ``980``-``990`` (:data:`REGIONS`; Inner and Outer
  London are ``987`` / ``988`` beside London ``986``). ``new_la_code`` holds the ONS code
  (``E92000001``, ``E12...``, ``E13...``).
* Joint services published as one row (the workforce table's ``940 / 941`` for the two
  Northamptonshires, ``314 / 318`` for Kingston and Richmond) keep a joint code ``"940/941"``;
  :func:`rebase_boundaries` treats a joint row as the sum of its parts.

  Note: ``columns.ENGLAND_CODE`` is ``"921"``, which is the Isle of Wight's DfE code (and England's
  code only in the 2010 SFR files). Using it for England would merge two areas, so this module uses
  ``970``; :data:`ENGLAND` is the constant to use.

Boundary changes (:data:`BOUNDARY_CHANGES`) and :func:`rebase_boundaries` make series run unbroken.

Examples
--------
>>> from demandmodel.data.geography import ENGLAND, region_code
>>> ENGLAND
'970'
>>> region_code("Yorkshire and The Humber"), region_code("London (Inner)"), region_code("E12000009")
('982', '987', '990')
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

import numpy as np
import pandas as pd

from demandmodel.columns import (
    LA_CODE,
    LA_NAME,
    MEASURE,
    NEW_LA_CODE,
    PANEL_COLUMNS,
    PERIOD,
    SOURCE,
    STATUS,
    STATUS_MISSING,
    STATUS_OK,
    STATUS_SUPPRESSED,
    VALUE,
    VINTAGE,
)
from demandmodel.data.measures import is_additive

__all__ = [
    "BOUNDARY_CHANGES",
    "ENGLAND",
    "REGIONS",
    "BoundaryChange",
    "la_lookup",
    "rebase_boundaries",
    "region_code",
]

ENGLAND: Final = "970"
"""England's ``la_code`` in the Panel (the LAIT pseudo-code; ``new_la_code`` E92000001)."""
ENGLAND_ONS: Final = "E92000001"

REGIONS: Final[tuple[tuple[str, str, str], ...]] = (
    ("980", "E12000001", "North East"),
    ("981", "E12000002", "North West"),
    ("982", "E12000003", "Yorkshire and The Humber"),
    ("983", "E12000004", "East Midlands"),
    ("984", "E12000005", "West Midlands"),
    ("985", "E12000006", "East of England"),
    ("986", "E12000007", "London"),
    ("987", "E13000001", "Inner London"),
    ("988", "E13000002", "Outer London"),
    ("989", "E12000008", "South East"),
    ("990", "E12000009", "South West"),
)
"""``(la_code, ONS code, name)`` of each region (and Inner / Outer London), as in LAIT."""

_STOP = frozenset({"the", "and", "of", "region", "gor"})


def _name_key(name: str) -> frozenset[str]:
    words = re.findall(r"[a-z]+", name.lower().replace("&", " and "))
    return frozenset(w for w in words if w not in _STOP)


_REGION_BY_KEY: dict[frozenset[str], str] = {_name_key(n): c for c, _, n in REGIONS}
_REGION_BY_ONS: dict[str, str] = {o: c for c, o, _ in REGIONS if c not in ("987", "988")}
_REGION_BY_ONS.update({"E13000001": "987", "E13000002": "988"})
REGION_ONS: Final[dict[str, str]] = {c: o for c, o, _ in REGIONS}
REGION_NAMES: Final[dict[str, str]] = {c: n for c, _, n in REGIONS}


def region_code(name_or_code: str) -> str | None:
    """The Panel code (``980``-``990``) of a region given its name (any case or spelling DfE used)
    or its ONS code; ``None`` if it is not a region.

    >>> region_code("NORTH EAST"), region_code("Outer London"), region_code("Barnet")
    ('980', '988', None)
    """
    text = str(name_or_code).strip()
    if text in _REGION_BY_ONS:
        return _REGION_BY_ONS[text]
    if text in REGION_NAMES:
        return text
    return _REGION_BY_KEY.get(_name_key(text))


@dataclass(frozen=True, slots=True, kw_only=True)
class BoundaryChange:
    """Counts of ``sources`` are summed into ``target`` wherever ``target`` lacks a usable value.

    ``year`` is the first year the new authorities existed (1 April); it documents the change,
    the re-basing itself is driven by which codes have data for each (measure, period).
    """

    sources: tuple[str, ...]
    target: str
    year: int
    note: str


BOUNDARY_CHANGES: Final[tuple[BoundaryChange, ...]] = (
    BoundaryChange(
        sources=("837", "836"),
        target="839",
        year=2019,
        note="Bournemouth + Poole -> Bournemouth, Christchurch and Poole (Christchurch, formerly in Dorset 835, is not moved: an approximation)",
    ),
    BoundaryChange(
        sources=("835",),
        target="838",
        year=2019,
        note="Dorset county -> Dorset unitary (less Christchurch)",
    ),
    BoundaryChange(
        sources=("940", "941"),
        target="928",
        year=2021,
        note="North 940 + West 941 Northamptonshire summed back to Northamptonshire 928 (a split: no published basis to apportion history)",
    ),
    BoundaryChange(
        sources=("942", "943"),
        target="909",
        year=2023,
        note="Cumberland 942 + Westmorland and Furness 943 summed back to Cumbria 909 (a split, as Northamptonshire)",
    ),
)
"""The changes :func:`rebase_boundaries` applies by default.

Mergers (Dorset 2019) aggregate predecessors into the successor. Splits (Northamptonshire 2021,
Cumbria 2023) aggregate the successors back into the old county: summing is exact for counts,
whereas apportioning history to the successors would invent numbers (there is no published
child-level split before the change). Use the un-rebased Panel for the successors' own series.
"""


def rebase_boundaries(
    panel: pd.DataFrame, *, changes: tuple[BoundaryChange, ...] = BOUNDARY_CHANGES
) -> pd.DataFrame:
    """Re-base a Panel onto one set of boundaries so that series run unbroken.

    For each change and each (measure, period), if ``target`` has no ``ok`` value and some
    ``sources`` rows exist (a joint-service row such as ``"940/941"`` counts as all its parts), the target gets the sum of the sources (status ``ok`` only when every
    source is present and ``ok``; otherwise NaN with the worst status). Source rows are then
    removed. Only additive counts are summed (see :func:`demandmodel.measures`); rates,
    percentages and averages of the merged codes are *dropped* for periods that needed summing
    (recompute rates from the re-based counts and ``pop_0_17``, e.g. with
    :func:`demandmodel.rate_per_10k`). Published target rows are never changed.

    Parameters
    ----------
    panel
        A Panel (the result of :func:`demandmodel.read_dfe`).
    changes
        The changes to apply, in order (default :data:`BOUNDARY_CHANGES`).

    Returns
    -------
    pandas.DataFrame
        A new Panel; ``source`` of summed rows lists the codes summed, e.g. ``"sum(837+836)"``.

    Examples
    --------
    >>> import pandas as pd
    >>> from demandmodel.data.geography import rebase_boundaries
    >>> rows = [("837", 2018, 100.0), ("836", 2018, 50.0), ("839", 2020, 160.0)]
    >>> panel = pd.DataFrame([{"la_code": c, "new_la_code": "", "la_name": "", "period": p,
    ...     "measure": "cla_31mar", "value": v, "status": "ok", "source": "f.csv", "vintage": 2022}
    ...     for c, p, v in rows])
    >>> out = rebase_boundaries(panel)
    >>> [(r.la_code, int(r.period), float(r.value)) for r in out.itertuples()]
    [('839', 2018, 150.0), ('839', 2020, 160.0)]
    """
    out = panel
    for change in changes:
        out = _apply_change(out, change)
    out = out.sort_values([LA_CODE, MEASURE, PERIOD], kind="stable").reset_index(drop=True)
    out.attrs = dict(panel.attrs)  # keep read_dfe's regions and file reports (read-only, shared)
    return out


_STATUS_RANK = {STATUS_OK: 0, STATUS_SUPPRESSED: 1, STATUS_MISSING: 2}


def _apply_change(panel: pd.DataFrame, change: BoundaryChange) -> pd.DataFrame:
    codes = panel[LA_CODE]
    parts_of = {c: frozenset(c.split("/")) for c in codes.unique() if "/" in str(c)}
    joint = [c for c, parts in parts_of.items() if parts <= set(change.sources)]
    is_src = codes.isin([*change.sources, *joint]).to_numpy()
    if not is_src.any():
        return panel
    src = panel.loc[is_src]
    tgt = panel.loc[(codes == change.target).to_numpy()]
    have = set(
        zip(
            tgt.loc[tgt[STATUS] == STATUS_OK, MEASURE],
            tgt.loc[tgt[STATUS] == STATUS_OK, PERIOD],
            strict=True,
        )
    )
    additive = src[MEASURE].map(is_additive).to_numpy(dtype=bool)
    need = np.array(
        [(m, p) not in have for m, p in zip(src[MEASURE], src[PERIOD], strict=True)], dtype=bool
    )
    todo = src.loc[additive & need]
    new_rows: list[dict[str, object]] = []
    wanted = set(change.sources)
    for (measure, period), grp in todo.groupby([MEASURE, PERIOD], sort=True):
        # A joint-service row (e.g. "940/941") stands for all its parts; use it alone if present.
        whole = grp.loc[grp[LA_CODE].map(lambda c: set(str(c).split("/")) == wanted)]
        if len(whole):
            grp = whole.iloc[:1]
        covered: set[str] = set()
        for c in grp[LA_CODE]:
            covered |= set(str(c).split("/"))
        ok = grp[STATUS] == STATUS_OK
        complete = covered == wanted and bool(ok.all())
        if complete:
            value, status = float(grp[VALUE].sum()), STATUS_OK
        else:
            worst = max((_STATUS_RANK[str(s)] for s in grp[STATUS]), default=2)
            if covered != wanted:
                worst = 2
            status = STATUS_MISSING if worst == 2 else STATUS_SUPPRESSED
            value = float("nan")
        new_rows.append(
            {
                LA_CODE: change.target,
                NEW_LA_CODE: "",
                LA_NAME: "",
                PERIOD: int(str(period)),
                MEASURE: str(measure),
                VALUE: value,
                STATUS: status,
                SOURCE: "sum(" + "+".join(change.sources) + ")",
                VINTAGE: int(grp[VINTAGE].max()),
            }
        )
    # Drop target rows replaced by a sum (non-ok rows of the same key).
    keys_new = {(r[MEASURE], r[PERIOD]) for r in new_rows}
    tgt_drop = np.zeros(len(panel), dtype=bool)
    is_tgt = np.flatnonzero((codes == change.target).to_numpy())
    tgt_keys = zip(panel[MEASURE].to_numpy()[is_tgt], panel[PERIOD].to_numpy()[is_tgt], strict=True)
    tgt_drop[is_tgt] = [(m, p) in keys_new for m, p in tgt_keys]
    kept = panel.loc[~is_src & ~tgt_drop]
    if not new_rows:
        return pd.DataFrame(kept.reset_index(drop=True))
    added = pd.DataFrame(new_rows, columns=list(PANEL_COLUMNS))
    ident = tgt.loc[tgt[LA_NAME] != "", [NEW_LA_CODE, LA_NAME]]
    if len(ident):
        added[NEW_LA_CODE] = ident[NEW_LA_CODE].iloc[-1]
        added[LA_NAME] = ident[LA_NAME].iloc[-1]
    added = added.astype({PERIOD: "int64", VINTAGE: "int64", VALUE: "float64"})
    return pd.DataFrame(pd.concat([kept, added], ignore_index=True))


def la_lookup(panel: pd.DataFrame) -> pd.DataFrame:
    """LA -> region lookup derived from a Panel's data (with its ``attrs["regions"]``).

    Returns
    -------
    pandas.DataFrame
        One row per LA code seen: ``la_code, new_la_code, la_name, region_code, region_name``
        (``region_code`` is the E12-level Panel code ``980``-``990``: London boroughs get London
        ``986``), and ``london`` (``987`` Inner / ``988`` Outer London, else ``""``). England and
        region rows are not listed.

    Examples
    --------
    >>> import pandas as pd
    >>> from demandmodel.data.geography import la_lookup
    >>> panel = pd.DataFrame({"la_code": ["301"], "new_la_code": ["E09000002"],
    ...     "la_name": ["Barking and Dagenham"]})
    >>> panel.attrs["regions"] = {"301": "988"}
    >>> la_lookup(panel).iloc[0].to_dict()["region_name"]
    'London'
    """
    regions: dict[str, str] = dict(panel.attrs.get("regions", {}))
    ids = (
        panel[[LA_CODE, NEW_LA_CODE, LA_NAME]]
        .drop_duplicates(LA_CODE, keep="last")
        .loc[lambda d: ~d[LA_CODE].isin([ENGLAND, *REGION_NAMES])]
        .sort_values(LA_CODE)
        .reset_index(drop=True)
    )
    raw = ids[LA_CODE].map(lambda c: regions.get(str(c), ""))
    ids["region_code"] = raw.map(lambda r: "986" if r in ("987", "988") else r)
    ids["region_name"] = ids["region_code"].map(lambda r: REGION_NAMES.get(r, ""))
    ids["london"] = raw.map(lambda r: r if r in ("987", "988") else "")
    return ids
