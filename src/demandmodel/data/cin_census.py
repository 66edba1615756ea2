"""CIN census returns (XML, or the flattened CSV tables) -> tidy CIN, s47 and CP frames.

One CIN census XML is one year's collection (``Message > Header``, ``Message > Children > Child*``);
the flattened CSV layout of ``csc-validator-be-cin`` splits it into tables (``CINdetails``,
``Section47``, ``ChildProtectionPlans``, ...) that are recognised by their columns, not their
names. :func:`read_cin_census` reads any mix of them, validates every value (collecting all
problems into one :class:`~demandmodel.DataValidationError`), and stitches several years: a
referral re-stated in a later collection is kept once, from the latest collection; as a return
holds only its year's activity, the referral's plans, s47s, assessments and reviews are the union
over the collections, each kept once from the latest collection that has it. Every merge or
repair is a row of the cleaning log, so ``rows read == rows kept + rows logged``.

Examples
--------
>>> import demandmodel
>>> xml = b'''<Message><Header><CollectionDetails><Collection>CIN</Collection>
... <ReferenceDate>2022-03-31</ReferenceDate></CollectionDetails><Source><LEA>201</LEA></Source></Header>
... <Children><Child><ChildIdentifiers><LAchildID>C1</LAchildID><PersonBirthDate>2015-03-27</PersonBirthDate>
... <GenderCurrent>2</GenderCurrent></ChildIdentifiers>
... <CINdetails><CINreferralDate>2021-10-06</CINreferralDate><ReferralSource>1a</ReferralSource>
... <PrimaryNeedCode>N1</PrimaryNeedCode><ReferralNFA>false</ReferralNFA>
... <ChildProtectionPlans><CPPstartDate>2021-11-17</CPPstartDate><InitialCategoryOfAbuse>NEG</InitialCategoryOfAbuse>
... </ChildProtectionPlans></CINdetails></Child></Children></Message>'''
>>> import pathlib, tempfile
>>> path = pathlib.Path(tempfile.mkdtemp()) / "cin_2022.xml"
>>> _ = path.write_bytes(xml)
>>> census = demandmodel.read_cin_census(path)
>>> census.children[["child", "la_code", "sex"]].to_dict("records")
[{'child': 'C1', 'la_code': '201', 'sex': 'F'}]
>>> census.cin_episodes.loc[0, "referral_source"], bool(census.cin_episodes.loc[0, "nfa"])
('1A', False)
>>> str(census.cp_plans.loc[0, "start"].date()), int(census.collections.loc[0, "collection_year"])
('2021-11-17', 2022)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from os import PathLike

import pandas as pd

from demandmodel.data.cin_census_csv import expand_paths, looks_like_xml, read_csv_group
from demandmodel.data.cin_census_records import Collection, Context
from demandmodel.data.cin_census_stitch import build_frames
from demandmodel.data.cin_census_xml import read_xml
from demandmodel.errors import DataRepairWarning

__all__ = ["CINCensus", "read_cin_census"]


@dataclass(frozen=True, slots=True, kw_only=True)
class CINCensus:
    """Tidy frames read from one or more CIN census collections.

    Every frame names the child as ``child`` (the census ``LAchildID``) with ``la_code``; child-level
    tables carry the ``referral_date`` of their CIN episode, so ``(la_code, child, referral_date)``
    joins them to :attr:`cin_episodes`. ``source`` and ``collection_year`` say which file and which
    collection (year ending 31 March) each row was kept from.

    Attributes
    ----------
    children
        One row per child: ``child, la_code, upn, former_upn, upn_unknown, dob, expected_dob, sex
        (M/F/U), death_date, ethnicity, disabilities`` (comma-separated codes).
    cin_episodes
        One row per referral (CIN episode): ``child, la_code, upn, referral_date, closure_date,
        referral_source, primary_need, reason_for_closure, nfa, initial_cpc_date``.
    assessments
        ``child, la_code, referral_date, start, review_date, authorised, factors``.
    cin_plans
        ``child, la_code, referral_date, start, end``.
    s47
        ``child, la_code, referral_date, start, icpc_target, icpc_date, icpc_not_required``.
    cp_plans
        ``child, la_code, referral_date, start, end, initial_category, latest_category,
        previous_plans``.
    cp_reviews
        ``child, la_code, referral_date, cp_start, review_date``.
    collections
        One row per collection read: ``source, collection_year, reference_date, la_code, children``.
    log
        The cleaning log (``file, row, child, rule, action, before, after, message``): every row
        merged across years, repaired or dropped, every input element that was ignored, and
        (``not_restated``, ``kept``) every CIN or CP plan left open in one collection but missing
        from the later collection that re-states its referral (kept as read; check it).
    """

    children: pd.DataFrame
    cin_episodes: pd.DataFrame
    assessments: pd.DataFrame
    cin_plans: pd.DataFrame
    s47: pd.DataFrame
    cp_plans: pd.DataFrame
    cp_reviews: pd.DataFrame
    collections: pd.DataFrame
    log: pd.DataFrame

    @property
    def referrals(self) -> pd.DataFrame:
        """The same frame as :attr:`cin_episodes` (one CIN episode per accepted referral)."""
        return self.cin_episodes


def read_cin_census(
    paths: str | PathLike[str] | Sequence[str | PathLike[str]], *, repair: bool = False
) -> CINCensus:
    """Read CIN census returns (XML files and/or flattened CSV tables) into tidy frames.

    Parameters
    ----------
    paths
        A file, a folder, or a list of them. Each XML file is one collection (one year); CSV
        tables in the same folder form one collection, recognised by their columns
        (``csc-validator-be-cin`` layout: ``CINdetails``, ``Section47``, ``ChildProtectionPlans``,
        ...; a ``Header`` table, if present, gives the reference date and LA). Dates may be
        ``YYYY-MM-DD`` or ``DD/MM/YYYY``; codes are upper-cased; ``GenderCurrent`` 1/2/0/9 and
        ``Sex`` M/F/U both become ``sex`` M/F/U.
    repair
        If False (default), any invalid value raises. If True, bad records are dropped and bad
        optional values cleared, each logged in :attr:`CINCensus.log`, and a
        :class:`~demandmodel.DataRepairWarning` is issued.

    Returns
    -------
    CINCensus
        Frames ``children``, ``cin_episodes`` (alias ``referrals``), ``assessments``,
        ``cin_plans``, ``s47``, ``cp_plans``, ``cp_reviews``, ``collections`` and ``log``.

    Raises
    ------
    DataValidationError
        Listing *every* problem (``.failures``: file, row, column, value, rule, message; for
        XML the row is the child id and element path): unreadable, empty, truncated or hostile
        XML (entity declarations), unknown CSV tables, bad dates (``Notadate``), invalid codes
        (``FISH``), missing required values, an end before its start, dates after the
        collection's reference date, a reference date that is not 31 March, duplicates.
        With ``repair=True`` only problems that no repair can fix are raised.

    Notes
    -----
    Several collections are stitched: a referral ``(la_code, child, referral_date)`` present in
    more than one collection is kept from the latest (by reference date; by position in
    ``paths`` when a CSV collection has no header), and each older row is logged as ``merged``;
    children likewise. A return holds only its year's activity, so a plan that ended before a
    later collection's year is in the earlier return alone: the referral's assessments, CIN
    plans, s47s and CP plans are the union over the collections, one per start date, and its CP
    reviews one per (plan start, review date), each from the latest collection that has it
    (older copies logged ``merged``). A CIN or CP plan open at an older collection's reference
    date but missing from the later collection that re-states its referral is kept as read and
    logged ``not_restated`` (it may have ended or been corrected there). Pre-proceedings blocks
    are not read (logged ``ignored``).

    Examples
    --------
    >>> import demandmodel, pathlib, tempfile
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "cin.csv").write_text(
    ...     "LAchildID,CINdetailsID,CINreferralDate,ReferralSource,PrimaryNeedCode\\n"
    ...     "A1,1,06/10/2021,FISH,N4\\n")
    >>> try:
    ...     demandmodel.read_cin_census(folder)
    ... except demandmodel.DataValidationError as err:
    ...     print(err.failures[["row", "column", "value", "rule"]].to_dict("records"))
    [{'row': 1, 'column': 'ReferralSource', 'value': 'FISH', 'rule': 'code'}]
    >>> import warnings
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore", demandmodel.DataRepairWarning)
    ...     census = demandmodel.read_cin_census(folder, repair=True)
    >>> census.cin_episodes[["child", "primary_need"]].to_dict("records")
    [{'child': 'A1', 'primary_need': 'N4'}]
    >>> census.log[["rule", "action", "before"]].to_dict("records")
    [{'rule': 'code', 'action': 'cleared', 'before': 'FISH'}]
    """
    import warnings

    ctx = Context(repair=repair)
    groups = expand_paths(paths)
    if not groups:
        ctx.fatal(
            file=str(paths), rule="no_input", message="no CIN census files (.xml or .csv) found"
        )
    colls: list[Collection] = []
    for position, group in enumerate(groups):
        if looks_like_xml(group[0]):
            coll = read_xml(group[0], position, ctx)
        else:
            coll = read_csv_group(group, position, ctx)
        if coll is not None:
            colls.append(coll)
    if repair:
        ctx.failures.raise_if_any(
            f"{len(ctx.failures)} CIN census file problem(s) that no repair can fix"
        )
    census = CINCensus(**build_frames(colls, ctx))
    n, fatal = len(ctx.failures), ctx.fatals
    if fatal == n:
        ctx.failures.raise_if_any(
            f"{n} problem(s) reading the CIN census files; fix the files listed"
        )
    ctx.failures.raise_if_any(
        f"{n} problem(s) in the CIN census input; fix them, or pass repair=True to drop or clear "
        "the bad values and log each change"
        + (
            f" ({fatal} of them, unreadable or unrecognised files, no repair can fix)"
            if fatal
            else ""
        )
    )
    if repair and ctx.repairs:
        warnings.warn(
            f"CIN census: {ctx.repairs} value(s) repaired or dropped; see the .log frame",
            DataRepairWarning,
            stacklevel=2,
        )
    return census
