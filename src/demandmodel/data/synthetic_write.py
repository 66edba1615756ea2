"""Write the synthetic LA's statutory returns: SSDA903 per year and the CIN census per year.

Each SSDA903 return re-submits every episode open at any time in its collection year (1 April to
31 March); an episode still open on 31 March has a blank DEC, REC and REASON_PLACE_CHANGE and comes
back in the next return. Dates are DD/MM/YYYY, SEX is 1/2. A few data-quality faults like those in
real returns are injected and listed (file, row, child, column, fault, message) in the manifest;
``row`` is the 1-based data row in the file (header excluded). Every file name carries the
``SYNTHETIC_`` prefix (:func:`marked`), e.g. ``ssda903/2023/SYNTHETIC_episodes.csv``; the readers
recognise tables by their columns, not their names.

The CIN census is written in the flattened layout of ``csc-validator-be-cin`` (one folder a year:
``Header``, ``ChildIdentifiers``, ``ChildCharacteristics``, ``CINdetails``, ``Assessments``,
``Section47``, ``ChildProtectionPlans``, each ``SYNTHETIC_``-prefixed), ISO dates as in the XML,
booleans ``0``/``1``.

Examples
--------
>>> from demandmodel.data.synthetic_write import fmt_dates
>>> fmt_dates([0, None], "%d/%m/%Y")
['01/01/1970', '']
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from demandmodel.data.synthetic_sim import EPOCH, add_years, to_day

EPISODE_COLS = ("CHILD", "DECOM", "RNE", "LS", "CIN", "PLACE", "PLACE_PROVIDER", "DEC", "REC",
                "REASON_PLACE_CHANGE", "HOME_POST", "PL_POST", "URN")  # fmt: skip
HEADER_COLS = ("CHILD", "SEX", "DOB", "ETHNIC", "UPN", "MOTHER", "MC_DOB")
UASC_COLS = ("CHILD", "SEX", "DOB", "DUC")
FAULT_COLS = ("file", "row", "child", "column", "fault", "message")
PREFIX = "SYNTHETIC_"
DMY = "%d/%m/%Y"
ISO = "%Y-%m-%d"


def marked(path: Path) -> Path:
    """``path`` with its file name marked as synthetic: ``SYNTHETIC_`` in front of the name.

    A name already starting ``synthetic_`` (any case) has that part replaced rather than doubled.
    Every data file of the synthetic LA is named this way, so that no file can be mistaken for
    (or share a name with) a real return or published table.

    Examples
    --------
    >>> from pathlib import Path
    >>> marked(Path("ssda903/2023/episodes.csv")).as_posix()
    'ssda903/2023/SYNTHETIC_episodes.csv'
    >>> marked(Path("synthetic_faults.csv")).name
    'SYNTHETIC_faults.csv'
    """
    name = path.name
    if name.lower().startswith(PREFIX.lower()):
        name = name[len(PREFIX) :]
    return path.with_name(PREFIX + name)


def fmt_dates(days: Iterable[Any], fmt: str) -> list[str]:
    """Integer days since 1970-01-01 as date strings; missing values as ``""``."""
    out = []
    for d in days:
        if d is None or d is pd.NA or (isinstance(d, float) and np.isnan(d)):
            out.append("")
        else:
            out.append(pd.Timestamp(EPOCH + np.timedelta64(int(d), "D")).strftime(fmt))
    return out


def fmt_days(series: pd.Series, fmt: str) -> pd.Series:
    """Vectorised date formatting of an integer-day column (NA -> "")."""
    s = pd.to_datetime(series.astype("Float64").to_numpy(dtype=float, na_value=np.nan), unit="D")
    return pd.Series(pd.Index(s).strftime(fmt), index=series.index).fillna("").astype(str)


def child_code(child: pd.Series | np.ndarray) -> pd.Series:
    """CHILD / LAchildID strings (``SB`` + 6 digits)."""
    return pd.Series(np.asarray(child)).map(lambda c: f"SB{int(c):06d}")


def upn(child: pd.Series | np.ndarray) -> pd.Series:
    """Fake 13-character UPNs (a letter then 12 digits), stable per child."""
    letters = "ABCDEFGHJKLMNPQRTUVWXYZ"
    return pd.Series(np.asarray(child)).map(
        lambda c: f"{letters[int(c) % 23]}99{(int(c) * 7919 + 12345) % 10**10:010d}"
    )


def year_bounds(year: int) -> tuple[int, int]:
    """First and last day of the collection year ending 31 March ``year``."""
    return to_day(f"{year - 1}-04-01"), to_day(f"{year}-03-31")


def ssda903_year(
    episodes: pd.DataFrame, children: pd.DataFrame, year: int
) -> dict[str, pd.DataFrame]:
    """The clean ``header``, ``episodes`` and ``uasc`` tables of one year's return (strings)."""
    ys, ye = year_bounds(year)
    dec = episodes["dec"]
    sel = episodes.loc[(episodes["decom"] <= ye) & (dec.isna() | (dec >= ys))].copy()
    still_open = sel["dec"].isna() | (sel["dec"] > ye)
    sel["dec"] = sel["dec"].where(~still_open, pd.NA)
    for col in ("rec", "rpc"):
        sel[col] = sel[col].where(~still_open, "")
    sel = sel.sort_values(["child", "decom"], kind="stable").reset_index(drop=True)
    eps = pd.DataFrame(
        {
            "CHILD": child_code(sel["child"]),
            "DECOM": fmt_days(sel["decom"], DMY),
            "RNE": sel["rne"],
            "LS": sel["ls"],
            "CIN": sel["cin"],
            "PLACE": sel["place"],
            "PLACE_PROVIDER": sel["provider"],
            "DEC": fmt_days(sel["dec"], DMY),
            "REC": sel["rec"],
            "REASON_PLACE_CHANGE": sel["rpc"],
            "HOME_POST": sel["home_post"],
            "PL_POST": sel["pl_post"],
            "URN": sel["urn"],
        }
    )
    kids = children.set_index("child").loc[sel["child"].unique()].reset_index()
    mother = np.where(
        kids["sex"] == 2,
        np.where(kids["mc_dob"].notna() & (kids["mc_dob"] <= ye), "1", ""),
        "",
    )
    age = (ye - kids["dob"]) / 365.25
    mother = np.where((kids["sex"] == 2) & (age >= 12) & (mother == ""), "0", mother)
    mc_dob = kids["mc_dob"].where(mother == "1", pd.NA)
    header = pd.DataFrame(
        {
            "CHILD": child_code(kids["child"]),
            "SEX": kids["sex"].astype(int).astype(str),
            "DOB": fmt_days(kids["dob"], DMY),
            "ETHNIC": kids["ethnic"],
            "UPN": upn(kids["child"]),
            "MOTHER": mother,
            "MC_DOB": fmt_days(mc_dob, DMY),
        }
    )
    u = kids.loc[kids["uasc"]]
    uasc = pd.DataFrame(
        {
            "CHILD": child_code(u["child"]),
            "SEX": u["sex"].astype(int).astype(str).to_numpy(),
            "DOB": fmt_days(u["dob"], DMY).to_numpy(),
            "DUC": fmt_days(pd.Series(add_years(u["dob"].to_numpy(np.int64), 18)), DMY).to_numpy(),
        }
    )
    return {"header": header, "episodes": eps, "uasc": uasc}


def cin_census_year(
    cin: dict[str, pd.DataFrame], children: pd.DataFrame, year: int, la_code: str
) -> dict[str, pd.DataFrame]:
    """The flattened CIN census tables of one collection year (strings, ISO dates)."""
    ys, ye = year_bounds(year)
    det = cin["cin"]
    sel = det.loc[(det["ref"] <= ye) & (det["close"].isna() | (det["close"] >= ys))].copy()
    after = sel["close"].notna() & (sel["close"] > ye)
    sel["close"] = sel["close"].where(~after, pd.NA)
    sel["reason"] = sel["reason"].where(~after, "")
    sel = sel.sort_values(["child", "cin_id"]).reset_index(drop=True)
    keys = sel[["child", "cin_id"]]
    s47 = cin["s47"].merge(keys, on=["child", "cin_id"])
    s47 = s47.loc[s47["start"] <= ye].copy()
    s47["icpc"] = s47["icpc"].where(s47["icpc"].notna() & (s47["icpc"] <= ye), pd.NA)
    first_icpc = s47.dropna(subset=["icpc"]).groupby(["child", "cin_id"])["icpc"].min()
    cpp = cin["cpp"].merge(keys, on=["child", "cin_id"])
    cpp = cpp.loc[(cpp["start"] <= ye) & (cpp["end"].isna() | (cpp["end"] >= ys))].copy()
    cpp["end"] = cpp["end"].where(cpp["end"].notna() & (cpp["end"] <= ye), pd.NA)
    icpc_col = (
        sel[["child", "cin_id"]]
        .merge(first_icpc.rename("first").reset_index(), on=["child", "cin_id"], how="left")[
            "first"
        ]
        .astype("Int64")
    )
    ids = child_code(sel["child"])
    details = pd.DataFrame(
        {
            "LAchildID": ids,
            "CINdetailsID": sel["cin_id"].astype(str),
            "CINreferralDate": fmt_days(sel["ref"], ISO),
            "ReferralSource": sel["source"],
            "PrimaryNeedCode": sel["need"],
            "CINclosureDate": fmt_days(sel["close"], ISO),
            "ReasonForClosure": sel["reason"],
            "DateOfInitialCPC": fmt_days(icpc_col, ISO),
            "ReferralNFA": np.where(sel["nfa"], "1", "0"),
        }
    )
    a = sel.loc[sel["assess_start"].notna() & (sel["assess_start"] <= ye)].reset_index(drop=True)
    auth = a["assess_auth"].where(a["assess_auth"].notna() & (a["assess_auth"] <= ye), pd.NA)
    assessments = pd.DataFrame(
        {
            "LAchildID": child_code(a["child"]),
            "CINdetailsID": a["cin_id"].astype(str),
            "AssessmentID": a["cin_id"].astype(str),
            "AssessmentActualStartDate": fmt_days(a["assess_start"], ISO),
            "AssessmentInternalReviewDate": "",
            "AssessmentAuthorisationDate": fmt_days(auth, ISO),
            "AssessmentFactors": np.where(auth.notna(), a["factor"], ""),
        }
    )
    s47 = s47.reset_index(drop=True)
    section47 = pd.DataFrame(
        {
            "LAchildID": child_code(s47["child"]),
            "CINdetailsID": s47["cin_id"].astype(str),
            "S47ActualStartDate": fmt_days(s47["start"], ISO),
            "InitialCPCtarget": fmt_days(s47["icpc_target"], ISO),
            "DateOfInitialCPC": fmt_days(s47["icpc"], ISO),
            "ICPCnotRequired": np.where(s47["icpc_not_required"], "1", "0"),
        }
    )
    cpp = cpp.reset_index(drop=True)
    plans = pd.DataFrame(
        {
            "LAchildID": child_code(cpp["child"]),
            "CINdetailsID": cpp["cin_id"].astype(str),
            "CPPID": cpp["cpp_id"].astype(str),
            "CPPstartDate": fmt_days(cpp["start"], ISO),
            "CPPendDate": fmt_days(cpp["end"], ISO),
            "InitialCategoryOfAbuse": cpp["initial"],
            "LatestCategoryOfAbuse": cpp["latest"],
            "NumberOfPreviousCPP": cpp["n_prev"].astype(str),
        }
    )
    kids = children.set_index("child").loc[sel["child"].unique()].reset_index()
    young = (ye - kids["dob"]) < 4 * 365
    identifiers = pd.DataFrame(
        {
            "LAchildID": child_code(kids["child"]),
            "UPN": upn(kids["child"]).where(~young.to_numpy(), ""),
            "FormerUPN": "",
            "UPNunknown": np.where(young, "UN1", ""),
            "PersonBirthDate": fmt_days(kids["dob"], ISO),
            "ExpectedPersonBirthDate": "",
            "GenderCurrent": kids["sex"].astype(int).astype(str),
            "Sex": "",
            "PersonDeathDate": "",
        }
    )
    characteristics = pd.DataFrame(
        {"LAchildID": child_code(kids["child"]), "Ethnicity": kids["ethnic"].to_numpy()}
    )
    header = pd.DataFrame(
        {
            "Collection": ["CIN"],
            "Year": [str(year)],
            "ReferenceDate": [f"{year}-03-31"],
            "SourceLevel": ["L"],
            "LEA": [la_code],
            "SoftwareCode": ["demandmodel synthetic"],
            "Release": ["ver 1.0"],
            "SerialNo": [str(year)],
            "DateTime": [f"{year}-05-15T09:00:00"],
        }
    )
    return {
        "Header": header,
        "ChildIdentifiers": identifiers,
        "ChildCharacteristics": characteristics,
        "CINdetails": details,
        "Assessments": assessments,
        "Section47": section47,
        "ChildProtectionPlans": plans,
    }


def inject_faults(
    returns: dict[int, dict[str, pd.DataFrame]], *, rng: np.random.Generator
) -> tuple[dict[int, dict[str, pd.DataFrame]], pd.DataFrame]:
    """Inject data-quality faults into the SSDA903 episodes tables; return them and the manifest.

    Faults (each on its own row): three exact ``duplicate_row``s (fewer with fewer years), one
    ``dec_before_decom``, one ``stale_open_episode``
    (shown open at 31 March in one return although the child had left care that year; absent from
    the next return) and one ``invalid_code`` (PLACE ``Q9``). Faults are applied after the clean
    returns are built, so the truth never contains them.
    """
    years = sorted(returns)
    faults: list[dict[str, Any]] = []
    out = {y: dict(t) for y, t in returns.items()}

    def eps(y: int) -> pd.DataFrame:
        return out[y]["episodes"]

    # Stale open episode: the last episode of a child who left care before 31 March and has no
    # episode in the next return.
    for y in rng.permutation(years[:-1]):
        y = int(y)
        e = eps(y)
        nxt = set(eps(y + 1)["CHILD"])
        closed = e.loc[(e["DEC"] != "") & (e["REC"] != "X1") & ~e["CHILD"].isin(nxt)]
        last = closed.groupby("CHILD").tail(1)
        cand = last.loc[last["REC"].isin(["E4A", "E13", "E8"])]
        if len(cand):
            i = int(cand.index[int(rng.integers(len(cand)))])
            before = f"DEC={_cell(e, i, 'DEC')} REC={_cell(e, i, 'REC')}"
            e = e.copy()
            e.loc[i, ["DEC", "REC", "REASON_PLACE_CHANGE"]] = ""
            out[y]["episodes"] = e
            faults.append(_fault(y, i, _cell(e, i, "CHILD"), "DEC", "stale_open_episode",
                                 f"episode shown open at 31 March {y} but the child left care "
                                 f"({before}) and is absent from the {y + 1} return"))  # fmt: skip
            break

    def free_rows(y: int, mask: np.ndarray) -> np.ndarray:
        """Rows of year ``y`` allowed by ``mask`` that carry no fault yet (0-based)."""
        taken = {int(f["row"]) - 1 for f in faults if f["file"] == _file(y)}
        return np.array([i for i in np.flatnonzero(mask) if i not in taken], dtype=np.int64)

    # DEC before DECOM in a closed, non-temporary episode.
    y = int(rng.choice(years))
    e = eps(y).copy()
    # Only on an episode that starts and ends in the year, so no other return re-states it.
    in_year = pd.to_datetime(e["DECOM"], format=DMY) >= pd.Timestamp(f"{y - 1}-04-01")
    ok = (e["DEC"] != "").to_numpy() & (e["PLACE"].str[0] != "T").to_numpy() & in_year.to_numpy()
    rows = free_rows(y, ok)
    if rows.size:
        i = int(rows[int(rng.integers(rows.size))])
        decom = pd.to_datetime(_cell(e, i, "DECOM"), format=DMY)
        e.at[i, "DEC"] = (decom - pd.Timedelta(days=3)).strftime(DMY)
        out[y]["episodes"] = e
        faults.append(_fault(y, i, _cell(e, i, "CHILD"), "DEC", "dec_before_decom",
                             f"DEC {_cell(e, i, 'DEC')} is before DECOM {_cell(e, i, 'DECOM')}"))  # fmt: skip
    # Invalid placement code (on a non-temporary episode).
    y = int(rng.choice(years))
    e = eps(y).copy()
    rows = free_rows(y, (e["PLACE"].str[0] != "T").to_numpy())
    if rows.size:
        i = int(rows[int(rng.integers(rows.size))])
        old = _cell(e, i, "PLACE")
        e.at[i, "PLACE"] = "Q9"
        out[y]["episodes"] = e
        faults.append(_fault(y, i, _cell(e, i, "CHILD"), "PLACE", "invalid_code",
                             f"PLACE 'Q9' is not a valid placement code (was {old})"))  # fmt: skip
    # Exact duplicate rows (inserted right after the original), last so row numbers hold.
    for y in sorted(int(v) for v in rng.choice(years, size=min(3, len(years)), replace=False)):
        e = eps(y)
        rows = free_rows(y, np.ones(len(e), dtype=bool))
        if not rows.size:
            continue
        i = int(rows[int(rng.integers(rows.size))])
        e = pd.concat([e.iloc[: i + 1], e.iloc[i : i + 1], e.iloc[i + 1 :]], ignore_index=True)
        for f in faults:  # rows after the insertion move down by one
            if f["file"] == _file(y) and int(f["row"]) > i + 1:
                f["row"] = int(f["row"]) + 1
        out[y]["episodes"] = e
        faults.append(_fault(y, i + 1, _cell(e, i + 1, "CHILD"), "", "duplicate_row",
                             f"exact copy of data row {i + 1}"))  # fmt: skip
    manifest = pd.DataFrame(faults, columns=list(FAULT_COLS)).sort_values(["file", "row"])
    return out, manifest.reset_index(drop=True)


def _cell(frame: pd.DataFrame, i: int, column: str) -> str:
    return str(frame[column].iat[i])


def _file(year: int) -> str:
    return f"ssda903/{year}/{PREFIX}episodes.csv"


def _fault(
    year: int, idx: int, child: str, column: str, fault: str, message: str
) -> dict[str, Any]:
    return {"file": _file(year), "row": idx + 1, "child": child, "column": column,
            "fault": fault, "message": message}  # fmt: skip


def write_csv(frame: pd.DataFrame, path: Path, *, bom: bool = False) -> Path:
    """Write a table as UTF-8 CSV with ``\\n`` line endings (byte-for-byte reproducible)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(path, index=False, lineterminator="\n", encoding="utf-8-sig" if bom else "utf-8")
    return path


def write_tables(tables: dict[str, pd.DataFrame], folder: Path, names: Sequence[str]) -> list[Path]:
    """Write ``tables[name]`` to ``folder/SYNTHETIC_name.csv`` for each name."""
    return [write_csv(tables[n], marked(folder / f"{n}.csv")) for n in names]
