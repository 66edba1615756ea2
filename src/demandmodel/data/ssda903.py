"""Read SSDA903 (children looked after) returns into the Episodes contract, with a cleaning log.

:func:`read_ssda903` reads one or many annual returns - CSV tables (``DD/MM/YYYY`` or ISO dates,
optionally with the ``LA`` and ``YEAR`` columns of pooled outputs) or EXPSSDA903 XML - from files
or folders, identifies each table by its columns, validates every row, stitches the years
together (:mod:`demandmodel.data.ssda903_stitch`) and returns an :class:`SSDA903Data`.

Validation collects every problem before raising one :class:`~demandmodel.DataValidationError`.
With ``repair=True`` the documented repairs are applied instead and logged:

==================  ===============================================  ===========
rule                problem                                          repair
==================  ===============================================  ===========
row_shape           a row with too few/many cells (truncated file)   dropped
child_missing       blank CHILD                                      dropped
decom_missing       blank DECOM                                      dropped
date_invalid        DECOM not a real date (``31/02/2020``)           dropped
date_invalid        DEC / DOB not a real date                        set blank
dec_before_decom    DEC earlier than DECOM                           DEC := next DECOM,
                                                                     else 31 March
code_invalid        a code not in any year's list (``FISH``)         set blank
code_missing        blank RNE, LS or PLACE                           kept blank
sex_invalid         SEX not 1/2/M/F/U                                set blank
duplicate_row       an exact copy of a row in the same return        merged (first kept)
duplicate_episode   same CHILD and DECOM twice in one return         merged (last kept)
duplicate_child     a child twice in one Header/UASC file            merged (last kept)
overlap             episode open or ending after the next starts     DEC := next DECOM
==================  ===============================================  ===========

Always applied and logged (documented processing, not errors; listed in
:data:`~demandmodel.data.ssda903_codes.PROCESSING_RULES`): ``RESUBMITTED`` and ``RULE_1`` ...
``RULE_5`` (DATA_SPEC 3.5), ``respite`` (legal status V3/V4 dropped unless
``include_respite=True``), ``temporary`` (T0-T4 merged into the surrounding placement unless
``absorb_temporary=False``), ``encoding`` (non-UTF-8 file decoded as cp1252) and ``year_label``
(a ``YEAR`` column or year in the file/folder name that names the *start* of the collection
year is read as the year ending 31 March after it).

Log and failure rows name the file and the 1-based data row (header excluded); in XML returns
``row`` counts ``EPISODE`` elements (Episodes) or ``CHILD`` elements (Header, UASC). Blank lines
are not rows.

Nothing is lost: for every input, data rows read = rows kept in ``episodes``/``header``/``uasc``
+ log rows whose action is ``dropped`` or ``merged``.

Examples
--------
>>> import tempfile, pathlib, demandmodel
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> _ = (folder / "episodes.csv").write_text(
...     "CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC,REASON_PLACE_CHANGE,HOME_POST,PL_POST,URN\\n"
...     "101,01/05/2021,S,C2,N1,U4,PR1,01/09/2021,X1,CARPL,,,\\n"
...     "101,01/09/2021,P,C2,N1,K2,PR4,,,,,,\\n")
>>> _ = (folder / "header.csv").write_text("CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB\\n101,1,03/04/2008,WBRI,,,\\n")
>>> data = demandmodel.read_ssda903(folder, la_code="999")
>>> data.episodes[["child", "placement", "placement_category", "sex", "period_of_care"]].values.tolist()
[['101', 'U4', 'fostering', 'M', 1], ['101', 'K2', 'residential', 'M', 1]]
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from os import PathLike
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd
from pandas.api.extensions import take

from demandmodel import columns as C
from demandmodel.data.ssda903_codes import placement_categories as load_placement_categories
from demandmodel.data.ssda903_io import RawTable, Recorder, column_values, expand_paths, read_path
from demandmodel.data.ssda903_rows import clean_episodes, clean_people, stack_tables
from demandmodel.data.ssda903_stitch import (
    absorb_temporary as absorb_temporary_episodes,
)
from demandmodel.data.ssda903_stitch import (
    dedupe,
    drop_respite,
    periods_of_care,
    stitch,
    trim_overlaps,
)
from demandmodel.errors import DataValidationError

__all__ = ["SSDA903Data", "read_ssda903"]

HEADER_COLUMNS = (C.CHILD, C.LA_CODE, C.SEX, C.DOB, "ethnic", "upn", "year", "file", "row")
UASC_COLUMNS = (C.CHILD, C.LA_CODE, C.SEX, C.DOB, "duc", "file", "row")


@dataclass(frozen=True, slots=True, kw_only=True)
class SSDA903Data:
    """What :func:`read_ssda903` returns.

    Attributes
    ----------
    episodes
        One row per cleaned episode, columns :data:`demandmodel.columns.EPISODE_COLUMNS`:
        ``child, la_code, start, end`` (NaT if open), ``legal_status, placement, provider,
        reason_new, reason_end, dob, sex`` (M/F/U), ``uasc`` (bool),
        ``placement_category, period_of_care`` (1, 2, ... per child).
    log
        The cleaning log, columns :data:`demandmodel.columns.CLEANING_LOG_COLUMNS`.
    header
        One row per child (the latest return's): ``child, la_code, sex, dob, ethnic, upn, year,
        file, row``.
    uasc
        One row per child flagged UASC: ``child, la_code, sex, dob, duc, file, row``.
    other
        Other SSDA903 tables recognised (``reviews``, ``missing``, ``oc2``, ...), raw strings.
    files
        The files read.
    """

    episodes: pd.DataFrame
    log: pd.DataFrame
    header: pd.DataFrame
    uasc: pd.DataFrame
    other: Mapping[str, pd.DataFrame] = field(default_factory=lambda: MappingProxyType({}))
    files: tuple[str, ...] = ()


def _lookup(
    people: pd.DataFrame, ep: pd.DataFrame, dtypes: Mapping[str, Any]
) -> dict[str, pd.Series]:
    """Values of each column in ``dtypes`` for each episode's child: same LA first, else an
    LA-less row (per column: a blank same-LA value falls back too). The last row of a child wins.

    Row positions come from plain dicts built once per table (far cheaper than MultiIndex
    reindexing for these sizes), then every column is taken by position.
    """
    have = [c for c in dtypes if c in people.columns]
    out: dict[str, pd.Series] = {}
    if people.empty or ep.empty or not have:
        for col, dtype in dtypes.items():
            out[col] = pd.Series(None, index=ep.index, dtype="object").astype(dtype)
        return out
    la, child = column_values(people, "_la"), column_values(people, "CHILD")
    ep_child = column_values(ep, "CHILD")
    by_la = {key: i for i, key in enumerate(zip(la, child, strict=True))}
    keys = zip(column_values(ep, "_la"), ep_child, strict=True)
    found = np.array([by_la.get(key, -1) for key in keys], dtype=np.intp)
    plain = {c: i for i, (la_, c) in enumerate(zip(la, child, strict=True)) if la_ == ""}
    fills = np.array([plain.get(c, -1) for c in ep_child], dtype=np.intp) if plain else None
    for col, dtype in dtypes.items():
        if col not in have:
            out[col] = pd.Series(None, index=ep.index, dtype="object").astype(dtype)
            continue
        source = people[col].to_numpy()
        values = pd.Series(take(source, found, allow_fill=True), index=ep.index).astype(dtype)
        if fills is not None:
            fill = pd.Series(take(source, fills, allow_fill=True), index=ep.index).astype(dtype)
            values = values.where(values.notna(), fill)
        out[col] = values
    return out


def read_ssda903(
    paths: str | PathLike[str] | Iterable[str | PathLike[str]],
    *,
    repair: bool = False,
    la_code: str | Mapping[str, str] | None = None,
    include_respite: bool = False,
    absorb_temporary: bool = True,
    placement_categories: Mapping[str, str] | str | PathLike[str] | pd.DataFrame | None = None,
) -> SSDA903Data:
    """Read SSDA903 returns (one or many years; files or folders) into cleaned episodes.

    Parameters
    ----------
    paths
        Files (CSV tables or EXPSSDA903 XML) and/or folders (every ``*.csv`` and ``*.xml`` below
        them). Tables are recognised by their columns; Header, Episodes and UASC are used, the
        others are returned in ``.other``.
    repair
        ``False`` (default): any problem raises one :class:`~demandmodel.DataValidationError`
        listing every problem. ``True``: apply the documented repairs (module docstring) and log
        them in ``.log``. Problems no repair can fix (empty or unreadable files, hostile XML,
        missing columns) raise either way.
    la_code
        LA code for returns without an ``LA`` column; or a mapping that renames the ``LA`` values
        of pooled returns (e.g. ``{"Bromley": "305"}``; values not named are kept as given).
    include_respite
        Keep short-break episodes (legal status V3/V4); excluded and logged by default.
    absorb_temporary
        Merge temporary placements (T0-T4) into the surrounding placement (default).
    placement_categories
        Override of the placement -> category table (see
        :func:`demandmodel.data.ssda903_codes.placement_categories`).

    Returns
    -------
    SSDA903Data
        ``.episodes`` (Episodes contract), ``.log`` (cleaning log), ``.header``, ``.uasc``,
        ``.other``, ``.files``.

    Raises
    ------
    DataValidationError
        With ``.failures`` (``file, row, column, value, rule, message``) listing every problem.

    Examples
    --------
    >>> import tempfile, pathlib, demandmodel
    >>> f = pathlib.Path(tempfile.mkdtemp()) / "episodes.csv"
    >>> _ = f.write_text("CHILD,DECOM,RNE,LS,PLACE,PLACE_PROVIDER,DEC,REC\\n"
    ...                  "7,01/05/2021,S,C2,FISH,PR1,31/02/2022,E11\\n")
    >>> try:
    ...     demandmodel.read_ssda903(f)
    ... except demandmodel.DataValidationError as err:
    ...     print(err.failures[["row", "column", "value", "rule"]].to_string(index=False))
     row column      value         rule
       1    DEC 31/02/2022 date_invalid
       1  PLACE       FISH code_invalid
    >>> data = demandmodel.read_ssda903(f, repair=True)
    >>> data.log[["rule", "action", "after"]].values.tolist()
    [['date_invalid', 'changed', 'DEC='], ['code_invalid', 'changed', 'PLACE=']]
    >>> str(data.episodes.loc[0, "placement_category"])
    'other'
    """
    rec = Recorder(repair=repair)
    files = expand_paths(paths)
    if not files:
        rec.fatal(file=str(paths), rule="no_files", message="no CSV or XML files found here")
    tables: list[RawTable] = []
    for path in files:
        tables.extend(read_path(path, rec))
    if files and not any(t.kind == "episodes" for t in tables) and not len(rec.failures):
        rec.fatal(
            file=", ".join(str(f) for f in files[:5]),
            rule="no_episodes",
            message="none of the files is an SSDA903 Episodes table (CHILD, DECOM, RNE, LS, ...)",
        )
    categories = load_placement_categories(placement_categories)

    ep = clean_episodes(stack_tables(tables, "episodes"), rec, la_code)
    header = clean_people(stack_tables(tables, "header"), rec, la_code, "header")
    uasc = clean_people(stack_tables(tables, "uasc"), rec, la_code, "UASC")
    if not ep.empty:
        ep = dedupe(ep, rec)
        if not include_respite:  # before stitching: excluded episodes must not shorten others
            ep = drop_respite(ep, rec)
        ep = stitch(ep, rec)
        ep = trim_overlaps(ep, rec)
        if absorb_temporary:
            ep = absorb_temporary_episodes(ep, rec)
    if len(rec.failures):
        frame = rec.failures.frame()
        n_files = frame["file"].nunique()
        raise DataValidationError(
            f"SSDA903: {len(frame)} problem(s) in {n_files} file(s); fix them, or pass "
            "repair=True to apply the documented repairs and log them",
            frame,
        )
    return SSDA903Data(
        episodes=_assemble(ep, header, uasc, categories),
        log=rec.log_frame(),
        header=_people_frame(header, with_year=True),
        uasc=_people_frame(uasc, with_year=False),
        other=MappingProxyType(_others(tables)),
        files=tuple(str(f) for f in files),
    )


def _assemble(
    ep: pd.DataFrame, header: pd.DataFrame, uasc: pd.DataFrame, categories: Mapping[str, str]
) -> pd.DataFrame:
    if ep.empty:
        ep = pd.DataFrame(
            {c: pd.Series([], dtype="object") for c in ("_la", "CHILD", "start", "end")}
        )
        for col in ("LS", "PLACE", "PLACE_PROVIDER", "RNE", "REC"):
            ep[col] = pd.Series([], dtype="string")
    ep = ep.sort_values(["_la", "CHILD", "start"], kind="mergesort").reset_index(drop=True)
    person = {"DOB": "datetime64[ns]", "SEX": "string"}
    from_header = _lookup(header, ep, {**person, "_uasc": "boolean"})
    dob, sex = from_header["DOB"], from_header["SEX"]
    if not uasc.empty:
        from_uasc = _lookup(uasc, ep, person)
        dob = dob.where(dob.notna(), from_uasc["DOB"])
        sex = sex.where(sex.notna(), from_uasc["SEX"])
    in_uasc = np.zeros(len(ep), dtype=bool)
    if not uasc.empty:
        # Flagged by a UASC row of the same LA, or by an LA-less one.
        la, child = column_values(uasc, "_la"), column_values(uasc, "CHILD")
        pairs = set(zip(la, child, strict=True))
        plain = {c for la_, c in zip(la, child, strict=True) if la_ == ""}
        keys = zip(column_values(ep, "_la"), column_values(ep, "CHILD"), strict=True)
        in_uasc = np.array([key in pairs or key[1] in plain for key in keys], dtype=bool)
    if not header.empty:
        flagged = from_header["_uasc"].fillna(False).to_numpy(dtype=bool)
        in_uasc = in_uasc | flagged
    placement = ep["PLACE"].astype("string")
    # One category look-up per distinct code; blank (code -1) picks the trailing "other".
    codes, distinct = placement.factorize()
    names = np.array([categories.get(str(p), "other") for p in distinct] + ["other"], dtype=object)
    category = pd.Series(names[codes], index=ep.index)
    out = pd.DataFrame(
        {
            C.CHILD: ep["CHILD"].astype("string"),
            C.LA_CODE: ep["_la"].astype("string"),
            C.START: pd.to_datetime(ep["start"]).astype("datetime64[ns]"),
            C.END: pd.to_datetime(ep["end"]).astype("datetime64[ns]"),
            C.LEGAL_STATUS: ep["LS"].astype("string"),
            C.PLACEMENT: placement,
            C.PROVIDER: ep["PLACE_PROVIDER"].astype("string"),
            C.REASON_NEW: ep["RNE"].astype("string"),
            C.REASON_END: ep["REC"].astype("string"),
            C.DOB: pd.to_datetime(dob).astype("datetime64[ns]"),
            C.SEX: sex.astype("string"),
            C.UASC: in_uasc,
            C.PLACEMENT_CATEGORY: category.astype("string"),
            C.PERIOD_OF_CARE: periods_of_care(ep).astype("int64"),
        },
        index=ep.index,
    )
    return out[list(C.EPISODE_COLUMNS)]


def _people_frame(pp: pd.DataFrame, *, with_year: bool) -> pd.DataFrame:
    cols = HEADER_COLUMNS if with_year else UASC_COLUMNS
    if pp.empty:
        return pd.DataFrame({c: pd.Series([], dtype="object") for c in cols})
    data = {
        C.CHILD: pp["CHILD"].astype("string"),
        C.LA_CODE: pp["_la"].astype("string"),
        C.SEX: pp["SEX"].astype("string"),
        C.DOB: pd.to_datetime(pp["DOB"]).astype("datetime64[ns]"),
        "ethnic": pp["ETHNIC"].astype("string"),
        "upn": pp["UPN"].astype("string"),
        "year": pp["_year"].astype("int64"),
        "duc": pd.to_datetime(pp["DUC"]).astype("datetime64[ns]"),
        "file": pp["_file"].astype("string"),
        "row": pp["_row"].astype("int64"),
    }
    return pd.DataFrame({c: data[c] for c in cols})


def _others(tables: list[RawTable]) -> dict[str, pd.DataFrame]:
    out: dict[str, pd.DataFrame] = {}
    for kind in sorted({t.kind for t in tables} - {"episodes", "header", "uasc"}):
        out[kind] = pd.concat([t.frame for t in tables if t.kind == kind], ignore_index=True)
    return out
