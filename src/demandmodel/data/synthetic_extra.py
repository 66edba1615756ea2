"""The smaller SSDA903 tables of the synthetic LA: reviews, missing, AD1, placed for adoption, PrevPerm.

They are generated from the clean periods of care (respite excluded) and written per collection
year with the real column names (DATA_SPEC 3.1) and DD/MM/YYYY dates. None of them changes the
state process; they exist so that readers meet every table a real return has.

* ``reviews``: a review 20 days after entry, at 3 months, then every 6 months (REVIEW_CODE PN0
  under 4, else PN1-PN7).
* ``missing``: children aged 11+ go missing (``M``) or away without authorisation (``A``) at a rate
  that varies by child; most come back within 3 days.
* ``ad1``: for each adoption (REC E11/E12): decision, match, adopters.
* ``placed_adoption``: each placement for adoption (A3-A6) that starts in the year.
* ``prevperm``: the previous permanence option of each child starting a period of care.

Examples
--------
>>> from demandmodel.data.synthetic_extra import EXTRA_TABLES
>>> sorted(EXTRA_TABLES)
['ad1', 'missing', 'placed_adoption', 'prevperm', 'reviews']
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from demandmodel.data.synthetic_sim import pick
from demandmodel.data.synthetic_write import DMY, child_code, fmt_days, year_bounds

EXTRA_TABLES: dict[str, tuple[str, ...]] = {
    "reviews": ("CHILD", "DOB", "REVIEW", "REVIEW_CODE"),
    "missing": ("CHILD", "DOB", "MISSING", "MIS_START", "MIS_END"),
    "ad1": ("CHILD", "DOB", "DATE_INT", "DATE_MATCH", "FOSTER_CARE", "NB_ADOPTR", "SEX_ADOPTR",
            "LS_ADOPTR"),
    "placed_adoption": ("CHILD", "DOB", "DATE_PLACED", "DATE_PLACED_CEASED", "REASON_PLACED_CEASED"),
    "prevperm": ("CHILD", "DOB", "PREV_PERM", "LA_PERM", "DATE_PERM"),
}  # fmt: skip
_PN = (("PN1", "PN2", "PN3", "PN4", "PN5", "PN6", "PN7"), (0.55, 0.2, 0.05, 0.08, 0.05, 0.04, 0.03))
_PREV = (("Z1", "P4", "P2", "P1", "P3"), (0.85, 0.06, 0.04, 0.03, 0.02))
BIG = 10**9


def extra_events(
    episodes: pd.DataFrame, children: pd.DataFrame, stop: int, *, rng: np.random.Generator
) -> dict[str, pd.DataFrame]:
    """Every event of the extra tables over the whole simulation (integer days; ``None`` = blank).

    Returns one frame per table with ``child`` and a ``day`` column used to place rows in years.
    """
    care = episodes.loc[~episodes["respite"]]
    dob = children.set_index("child")["dob"].to_dict()
    reviews: list[dict[str, Any]] = []
    missing: list[dict[str, Any]] = []
    ad1: list[dict[str, Any]] = []
    placed: list[dict[str, Any]] = []
    prev: list[dict[str, Any]] = []
    care = care.sort_values(["child", "period", "decom"], kind="stable")
    c_arr = care["child"].to_numpy(np.int64)
    p_arr = care["period"].to_numpy(np.int64)
    decom_arr = care["decom"].to_numpy(np.int64)
    dec_arr = care["dec"].astype("Float64").fillna(BIG).to_numpy(dtype=float)
    rec_arr = care["rec"].to_numpy(dtype=object)
    ado_arr = care["place"].isin(["A3", "A4", "A5", "A6"]).to_numpy()
    firsts = np.flatnonzero(np.r_[True, (c_arr[1:] != c_arr[:-1]) | (p_arr[1:] != p_arr[:-1])])
    lasts = np.r_[firsts[1:] - 1, len(c_arr) - 1]
    for f, g in zip(firsts.tolist(), lasts.tolist(), strict=True):
        child = int(c_arr[f])
        start = int(decom_arr[f])
        end = int(dec_arr[g])
        last_rec = str(rec_arr[g])
        ado_idx = np.flatnonzero(ado_arr[f : g + 1])
        ado_day = int(decom_arr[f + ado_idx[0]]) if ado_idx.size else None
        born = int(dob[child])
        day = start + 20
        k = 0
        while day < min(end, stop):
            age = (day - born) / 365.25
            code = "PN0" if age < 4 else pick(rng, _PN)
            reviews.append({"child": child, "day": day, "REVIEW": day, "REVIEW_CODE": code})
            day = start + 112 if k == 0 else day + 182
            k += 1
        prone = rng.random() < 0.12
        t = max(start, born + int(11 * 365.25))
        rate = (3.0 if prone else 0.15) / 365.25
        while True:
            t += int(rng.exponential(1 / rate)) + 1
            if t >= min(end, stop):
                break
            back = t + int(rng.choice([0, 0, 1, 1, 2, 3, 7]))
            missing.append({"child": child, "day": t, "MISSING": "M" if rng.random() < 0.7 else "A",
                            "MIS_START": t, "MIS_END": back if back < stop else None})  # fmt: skip
        code = pick(rng, _PREV)
        perm = None if code in ("Z1", "P4") else start - int(rng.integers(200, 2000))
        prev.append({"child": child, "day": start, "PREV_PERM": code, "LA_PERM": "",
                     "DATE_PERM": perm if perm is not None and perm > born else None})  # fmt: skip
        if ado_day is not None:
            placed_day = ado_day
            adopted = last_rec in ("E11", "E12")
            placed.append({"child": child, "day": placed_day, "DATE_PLACED": placed_day,
                           "DATE_PLACED_CEASED": end if adopted and end < stop else None,
                           "REASON_PLACED_CEASED": ""})  # fmt: skip
        if last_rec in ("E11", "E12") and end < stop:
            match = ado_day if ado_day is not None else max(start, end - 200)
            decided = max(start + 1, match - int(rng.integers(60, 300)))
            ad1.append({"child": child, "day": end, "DATE_INT": decided, "DATE_MATCH": match,
                        "FOSTER_CARE": "1" if rng.random() < 0.15 else "0",
                        "NB_ADOPTR": "2" if rng.random() < 0.8 else "1",
                        "SEX_ADOPTR": pick(rng, (("MF", "FF", "MM", "F1", "M1"), (0.7, 0.06, 0.06, 0.15, 0.03))),
                        "LS_ADOPTR": pick(rng, (("L0", "L11", "L12", "L2", "L4"), (0.15, 0.55, 0.15, 0.05, 0.1)))})  # fmt: skip
    frames = {"reviews": reviews, "missing": missing, "ad1": ad1, "placed_adoption": placed,
              "prevperm": prev}  # fmt: skip
    out = {}
    for name, rows in frames.items():
        cols = ["child", "day", *[c for c in EXTRA_TABLES[name] if c not in ("CHILD", "DOB")]]
        out[name] = pd.DataFrame(rows, columns=cols)
    return out


def extra_year(
    events: dict[str, pd.DataFrame], children: pd.DataFrame, year: int
) -> dict[str, pd.DataFrame]:
    """The extra tables of one collection year (rows whose event day falls in the year)."""
    ys, ye = year_bounds(year)
    dob = children.set_index("child")["dob"]
    out = {}
    for name, frame in events.items():
        sel = frame.loc[frame["day"].between(ys, ye)].sort_values(["child", "day"], kind="stable")
        sel = sel.reset_index(drop=True)
        table = pd.DataFrame({"CHILD": child_code(sel["child"]),
                              "DOB": fmt_days(pd.Series(dob.loc[sel["child"]].to_numpy()), DMY)})  # fmt: skip
        for col in EXTRA_TABLES[name][2:]:
            values = sel[col]
            if col.startswith(("DATE", "MIS_", "REVIEW")) and col != "REVIEW_CODE":
                days = pd.Series(values.to_numpy(dtype=object), dtype="Float64")
                # Dates after the year's end are not known yet at the return.
                days = days.where(days.isna() | (days <= ye), pd.NA)
                table[col] = fmt_days(days, DMY).to_numpy()
            else:
                table[col] = values.to_numpy()
        out[name] = table
    return out
