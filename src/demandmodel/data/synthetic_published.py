"""DfE-style published tables of the synthetic LA, in the explore-education-statistics layout.

The headers copy the real files (``../shared/data/dfe``) exactly, with only this LA's rows (no
England or region rows). Counts are computed from the clean (fault-free) simulated data, as the DfE
computes them from the returns after cleaning: CLA figures exclude respite (V3/V4) episodes and
count children; rates per 10,000 divide year ``t``'s count by the mid-``t-1`` population of
children aged 0-17 (resident children; UASC arrivals are not in the estimate). Breakdown tables
suppress counts of 1 to 5 as ``c``, as the DfE does; headline totals are never suppressed.

Examples
--------
>>> from demandmodel.data.synthetic_published import rate
>>> rate(420, 60_000)
70
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

from demandmodel.data.synthetic_sim import ENTRY, EXIT, add_years, to_day
from demandmodel.data.synthetic_spec import SyntheticSpec
from demandmodel.data.synthetic_write import year_bounds

GEO = ("time_period", "time_identifier", "geographic_level", "country_code", "country_name",
       "region_code", "region_name", "old_la_code")  # fmt: skip
CLA_LONG = (*GEO, "la_name", "new_la_code", "cla_group", "characteristic", "number", "percentage")
CIN_GEO = (*GEO, "new_la_code", "la_name")
BIG = 10**9

AGE_LABELS = ("Under 1 year", "1 to 4 years", "5 to 9 years", "10 to 15 years", "16 years and over")
PLACEMENT_GROUPS = {
    "U": "1. Total foster placements",
    "A": "2. Total placed for adoption",
    "P1": "3. Total placed with parents or other person with parental responsibility",
    "P2": "4. Total other placements in the community",
    "P3": "4. Total other placements in the community",
    "K": "5. Total secure units, children's homes and semi-independent living accommodation",
    "H5": "5. Total secure units, children's homes and semi-independent living accommodation",
    "R": "6. Total other residential settings",
    "S1": "7. Total residential schools",
    "Z1": "8. Total other placements",
}
LS_GROUPS = {"C1": "Care orders", "C2": "Care orders", "E1": "Placement order granted",
             "V2": "Voluntary agreements under S20 CA 1989", "L1": "Detained for child protection",
             "L2": "Detained for child protection", "L3": "Detained for child protection",
             "J1": "Youth justice legal statuses", "J2": "Youth justice legal statuses",
             "J3": "Youth justice legal statuses"}  # fmt: skip
LS_START = {"C1": "Interim care order", "C2": "Full care order", "E1": "Placement order granted",
            "V2": "Voluntary agreement under S20", "L1": "Police protection in LA accommodation",
            "L2": "Emergency protection order", "L3": "Child assessment order and in LA accommodation",
            "J1": "Remand", "J2": "LA accommodation under PACE 1989",
            "J3": "Sentenced to youth rehabilitation order"}  # fmt: skip
NEED_LABELS = {"N1": "N1. Abuse or neglect", "N2": "N2. Child's disability",
               "N3": "N3. Parental illness or disability", "N4": "N4. Family acute stress",
               "N5": "N5. Family dysfunction", "N6": "N6. Socially unacceptable behaviour",
               "N7": "N7. Low income", "N8": "N8. Absent parenting"}  # fmt: skip
REC_LABELS = {
    "E11": "Adopted", "E12": "Adopted",
    "E13": "Left care to live with parents, relatives or other person with no parental responsibility",
    "E14": "Accommodation on remand ended",
    "E15": "Age assessment determined child aged 18 or over",
    "E16": "Child moved abroad",
    "E17": "Aged 18 (or over) and remained with current carers",
    "E2": "Died", "E3": "Care taken by another local authority",
    "E41": "Residence order or child arrangement order granted",
    "E45": "Special guardianship orders", "E46": "Special guardianship orders",
    "E47": "Special guardianship orders", "E48": "Special guardianship orders",
    "E4A": "Returned home to live with parents or other person with parental responsibility which was part of the care planning process",
    "E4B": "Returned home to live with parents or other person with parental responsibility which was not part of the care planning process",
    "E5": "Moved into independent living (with supportive accommodation)",
    "E6": "Moved into independent living (with no formalised support)",
    "E7": "Transferred to residential care funded by adult social services",
    "E8": "Care ceased for any other reason", "E9": "Sentenced to custody",
}  # fmt: skip


def rate(number: float, population: float) -> int:
    """A rate per 10,000 children, rounded to a whole number as the DfE publishes it."""
    return int(np.floor(number / population * 1e4 + 0.5))


def mid_year_population(children: pd.DataFrame, year: int) -> int:
    """Resident children aged 0-17 on 30 June ``year`` (UASC arrivals excluded)."""
    res = children.loc[~children["uasc"]]
    day = to_day(f"{year}-06-30")
    dob = res["dob"].to_numpy(np.int64)
    return int(((dob <= day) & (add_years(dob, 18) > day)).sum())


def _geo(spec: SyntheticSpec, year: int) -> dict[str, Any]:
    return {"time_period": year, "time_identifier": "Reporting year",
            "geographic_level": "Local authority", "country_code": "E92000001",
            "country_name": "England", "region_code": spec.region_code,
            "region_name": spec.region_name, "old_la_code": spec.la_code,
            "new_la_code": spec.new_la_code, "la_name": spec.la_name}  # fmt: skip


def _supp(n: int) -> str:
    return "c" if 0 < n < 6 else str(n)


def _long_rows(
    geo: dict[str, Any], group: str, counts: dict[str, int], labels: list[str], total: str
) -> list[dict[str, Any]]:
    tot = sum(counts.values())
    rows = []
    for lab in [*labels, total]:
        n = tot if lab == total else counts.get(lab, 0)
        pct = "100" if lab == total else (str(round(100 * n / tot)) if tot else "0")
        num = str(n) if lab == total else _supp(n)
        rows.append({**geo, "cla_group": group, "characteristic": lab, "number": num,
                     "percentage": pct if num != "c" else "c"})  # fmt: skip
    return rows


def _gender_rows(
    geo: dict[str, Any], sexes: Iterable[Any], labels: list[str], total: str
) -> list[dict[str, Any]]:
    """The ``Gender`` rows of a characteristics table (SEX 1 is male, anything else female)."""
    return _long_rows(
        geo, "Gender", _count(["Male" if s == 1 else "Female" for s in sexes]), labels, total
    )


def _age_label(age: np.ndarray) -> list[str]:
    idx = np.searchsorted(np.array([1, 5, 10, 16]), age, side="right")
    return [AGE_LABELS[int(i)] for i in idx]


def _place_group(code: str) -> str:
    return PLACEMENT_GROUPS.get(code, PLACEMENT_GROUPS.get(code[:1], "8. Total other placements"))


def cla_tables(spec: SyntheticSpec, la: Any) -> dict[str, pd.DataFrame]:
    """CLA at 31 March, starts, ceases (headline and by characteristic)."""
    states, kids, eps = la.states, la.children.set_index("child"), la.episodes
    care = eps.loc[~eps["respite"]]
    headline, on31, started, ceased = [], [], [], []
    for year in range(spec.first_year, spec.last_year + 1):
        ys, ye = year_bounds(year)
        geo = _geo(spec, year)
        pop = mid_year_population(la.children, year - 1)
        at = care.loc[(care["decom"] <= ye) & (care["dec"].isna() | (care["dec"] > ye))].copy()
        temp = at["place"].str.startswith("T").to_numpy()
        if temp.any():  # a temporary move: count the placement the child returns to
            prev = care.index.get_indexer(at.index[temp]) - 1
            at.loc[at.index[temp], "place"] = care["place"].iloc[prev].to_numpy()
        at = at.drop_duplicates("child", keep="last")
        st = states.loc[(states["kind"] == ENTRY) & states["day"].between(ys, ye)]
        ce = states.loc[(states["kind"] == EXIT) & states["day"].between(ys, ye)]
        for label, n in (("Children looked after at 31 March each year", at["child"].nunique()),
                         ("Children starting to be looked after each year", st["child"].nunique()),
                         ("Children ceasing to be looked after each year", ce["child"].nunique())):  # fmt: skip
            headline.append({**{k: geo[k] for k in GEO}, "la_name": spec.la_name,
                             "new_la_code": spec.new_la_code, "population_count": label,
                             "population_estimate": pop, "number": n,
                             "rate_per_10000": rate(n, pop)})  # fmt: skip
        age = (ye - kids.loc[at["child"], "dob"].to_numpy()) / 365.25
        sex = kids.loc[at["child"], "sex"].to_numpy()
        uasc = kids.loc[at["child"], "uasc"].to_numpy()
        on31 += _long_rows(
            geo, "Age group", _count(_age_label(age)), list(AGE_LABELS), "Total children"
        )
        on31 += _gender_rows(geo, sex, ["Male", "Female"], "Total children")
        on31 += _long_rows(geo, "Placement", _count([_place_group(p) for p in at["place"]]),
                           sorted(set(PLACEMENT_GROUPS.values())), "Total children")  # fmt: skip
        on31 += _long_rows(geo, "Legal status", _count([LS_GROUPS.get(x, "Care orders") for x in at["ls"]]),
                           sorted(set(LS_GROUPS.values())), "Total children")  # fmt: skip
        uasc_lab = [
            "Unaccompanied asylum-seeking children"
            if u
            else "Non-unaccompanied asylum-seeking children"
            for u in uasc
        ]
        on31 += _long_rows(geo, "Unaccompanied asylum-seeking children", _count(uasc_lab),
                           ["Non-unaccompanied asylum-seeking children", "Unaccompanied asylum-seeking children"], "Total children")  # fmt: skip
        first = care.loc[(care["rne"] == "S") & care["decom"].between(ys, ye)].drop_duplicates(
            "child"
        )
        age_s = (first["decom"].to_numpy() - kids.loc[first["child"], "dob"].to_numpy()) / 365.25
        started += _long_rows(
            geo, "Age group", _count(_age_label(age_s)), list(AGE_LABELS), "Total"
        )
        started += _gender_rows(geo, kids.loc[first["child"], "sex"], ["Female", "Male"], "Total")
        started += _long_rows(
            geo,
            "Legal status",
            _count([LS_START[x] for x in first["ls"]]),
            sorted(set(LS_START.values())),
            "Total",
        )
        started += _long_rows(
            geo,
            "Category of need",
            _count([NEED_LABELS[x] for x in first["cin"]]),
            list(NEED_LABELS.values()),
            "Total",
        )
        last = care.loc[care["dec"].notna() & care["dec"].between(ys, ye) & (care["rec"] != "X1")]
        last = last.drop_duplicates("child", keep="last")
        age_c = (
            last["dec"].to_numpy(dtype=float) - kids.loc[last["child"], "dob"].to_numpy()
        ) / 365.25
        idx = np.searchsorted(np.array([1, 5, 10, 16, 17, 18]), age_c, side="right")
        labs = (
            "Under 1 year",
            "1 to 4 years",
            "5 to 9 years",
            "10 to 15 years",
            "16 years",
            "17 years",
            "18 years and over",
        )
        ceased += _long_rows(
            geo, "Age on ceasing", _count([labs[int(i)] for i in idx]), list(labs), "Total"
        )
        ceased += _gender_rows(geo, kids.loc[last["child"], "sex"], ["Female", "Male"], "Total")
        ceased += _long_rows(
            geo,
            "Reason episode ceased",
            _count([REC_LABELS[x] for x in last["rec"]]),
            sorted(set(REC_LABELS.values())),
            "Total",
        )
    head_cols = [
        *GEO,
        "la_name",
        "new_la_code",
        "population_count",
        "population_estimate",
        "number",
        "rate_per_10000",
    ]
    return {
        "dfe/cla/cla_number_and_rate_per_10k_children.csv": pd.DataFrame(
            headline, columns=head_cols
        ),
        "dfe/cla/la_cla_on_31_march_by_characteristics.csv": pd.DataFrame(
            on31, columns=list(CLA_LONG)
        ),
        "dfe/cla/la_cla_who_started_to_be_looked_after.csv": pd.DataFrame(
            started, columns=list(CLA_LONG)
        ),
        "dfe/cla/la_children_who_ceased_during_the_year.csv": pd.DataFrame(
            ceased, columns=list(CLA_LONG)
        ),
    }


def _count(labels: list[str]) -> dict[str, int]:
    out: dict[str, int] = {}
    for lab in labels:
        out[lab] = out.get(lab, 0) + 1
    return out


def _in_year(s: pd.Series, ys: int, ye: int) -> pd.Series:
    return s.notna() & (s.fillna(-1) >= ys) & (s.fillna(BIG) <= ye)


def cin_tables(spec: SyntheticSpec, la: Any) -> dict[str, pd.DataFrame]:
    """b1 (CIN), c1 (referrals), c4 (s47 and ICPCs), d3 (subsequent plans), d5 (CP at 31 March)."""
    cin, s47, cpp = la.cin["cin"], la.cin["s47"], la.cin["cpp"]
    counted = cin.loc[~cin["nfa"] & (cin["outcome"] != "not_in_need")]
    close = counted["close"].astype("Float64").fillna(BIG)
    b1, c1, c4, d3, d5 = [], [], [], [], []
    y0, y1 = spec.first_year, spec.last_year
    for year in range(y0, y1 + 1):
        ys, ye = year_bounds(year)
        geo = {k: v for k, v in _geo(spec, year).items()}
        anyp = counted.loc[(counted["ref"] <= ye) & (close >= ys)]
        st = counted.loc[counted["ref"].between(ys, ye)]
        en = counted.loc[_in_year(counted["close"].astype("Float64"), ys, ye)]
        # Open on 31 March: every accepted referral, including those still being assessed.
        open_all = cin.loc[~cin["nfa"]]
        at = open_all.loc[
            (open_all["ref"] <= ye) & (open_all["close"].astype("Float64").fillna(BIG) > ye)
        ]
        auth = cin["assess_auth"].astype("Float64").fillna(BIG)
        awaiting = cin.loc[
            (cin["ref"] <= ye)
            & (cin["close"].astype("Float64").fillna(BIG) > ye)
            & ~cin["nfa"]
            & (auth > ye)
        ]
        b1.append({**geo, "category": "Children in Need", "Anypoint_episodes": len(anyp),
                   "Anypoint_child": anyp["child"].nunique(), "Started_episodes": len(st),
                   "Started_child": st["child"].nunique(), "Ended_episodes": len(en),
                   "Ended_child": en["child"].nunique(), "At31_episodes": len(at),
                   "awaiting_assessment": len(awaiting)})  # fmt: skip
        refs = cin.loc[cin["ref"].between(ys, ye)]
        prev = cin[["child", "ref"]].sort_values(["child", "ref"])
        prev["gap"] = prev.groupby("child")["ref"].diff()
        rere = prev.loc[refs.index, "gap"].le(365).fillna(False).to_numpy(dtype=bool)
        n = len(refs)
        nfa = int(refs["nfa"].sum())
        nin = int((refs["outcome"] == "not_in_need").sum())
        nch = refs["child"].nunique()
        rch = refs.loc[rere, "child"].nunique()
        c1.append({**geo, "category": "Referrals and Re-referrals", "referral_count": n,
                   "rereferral_count": int(rere.sum()), "rereferral_percent": _pct(rere.sum(), n),
                   "no_further_action_count": nfa, "no_further_action_percent": _pct(nfa, n),
                   "not_in_need_count": nin, "not_in_need_percent": _pct(nin, n),
                   "referral_child_count": nch, "rereferral_child_count": rch,
                   "rereferral_child_percent": _pct(rch, nch)})  # fmt: skip
        s = s47.loc[s47["start"].between(ys, ye)]
        ic = s47.loc[_in_year(s47["icpc"].astype("Float64"), ys, ye)]
        wd = np.array([int(np.busday_count(np.datetime64("1970-01-01") + np.timedelta64(int(a), "D"),
                                          np.datetime64("1970-01-01") + np.timedelta64(int(b), "D")))
                       for a, b in zip(ic["start"], ic["icpc"], strict=True)])  # fmt: skip
        q = np.percentile(wd, [25, 50, 75]) if wd.size else [np.nan] * 3
        c4.append({**geo, "category": "Section 47s and Initial Child Protection Conferences",
                   "Section47": len(s), "Section47_child": s["child"].nunique(), "ICPC": len(ic),
                   "ICPC_child": ic["child"].nunique(),
                   "Duration_0-10_days": _supp(int((wd <= 10).sum())),
                   "Duration_11-15_days": _supp(int(((wd > 10) & (wd <= 15)).sum())),
                   "Duration_16-20_days": _supp(int(((wd > 15) & (wd <= 20)).sum())),
                   "Duration_21+_days": _supp(int((wd > 20).sum())),
                   "Duration_25th_Percentile": int(q[0]), "Duration_median": int(q[1]),
                   "Duration_75th_Percentile": int(q[2])})  # fmt: skip
        cs = cpp.loc[cpp["start"].between(ys, ye)]
        sub = int((cs["n_prev"] > 0).sum())
        d3.append({**geo, "category": "Child Protection Plans which are a second or subsequent plan",
                   "CPP_start": len(cs), "CPP_subsequent": sub,
                   "CPP_subsequent_percent": _pct(sub, len(cs))})  # fmt: skip
        on = cpp.loc[(cpp["start"] <= ye) & (cpp["end"].astype("Float64").fillna(BIG) > ye)]
        dur = ye - on["start"].to_numpy()
        bands = [(dur <= 91), (dur > 91) & (dur <= 182), (dur > 182) & (dur < 365),
                 (dur >= 365) & (dur < 730), (dur >= 730)]  # fmt: skip
        names = ["3_months_or_less", "more_than_3_months_6_months",
                 "more_than_6_months_less_than_1_year", "1_year_less_than_2_years", "2_years_or_more"]  # fmt: skip
        row = {**geo, "category": "Child Protection Plans by length of time", "CPP_At31": len(on)}
        for name, mask in zip(names, bands, strict=True):
            k = int(mask.sum())
            row[name] = _supp(k)
            row[f"{name}_percent"] = "c" if 0 < k < 6 else _pct(k, len(on))
        d5.append(row)
    span = f"{y0}_to_{y1}"
    return {
        f"dfe/cin/b1_children_in_need_{span}.csv": _order(b1, CIN_GEO),
        f"dfe/cin/c1_children_in_need_referrals_and_rereferrals_{span}.csv": _order(c1, CIN_GEO),
        f"dfe/cin/c4_children_in_need_section_47s_and_icpcs_{span}.csv": _order(c4, CIN_GEO),
        f"dfe/cin/d3_cpps_subsequent_plan_{span}.csv": _order(d3, CIN_GEO),
        f"dfe/cin/d5_cpps_at31march_by_duration_{span}.csv": _order(d5, CIN_GEO),
    }


def _pct(k: float, n: float) -> float:
    return round(100.0 * float(k) / n, 1) if n else 0.0


def _order(rows: list[dict[str, Any]], lead: tuple[str, ...]) -> pd.DataFrame:
    cols = list(lead) + [c for c in rows[0] if c not in lead]
    return pd.DataFrame(rows, columns=cols)


def population_tables(spec: SyntheticSpec, la: Any) -> dict[str, pd.DataFrame]:
    """ONS-style mid-year estimates (EES layout) and ``population_projection.csv``.

    The projection (``la_code, period, variant, pop_0_17``; ``period`` = mid-year) starts from the
    last estimate and grows at the true ``pop_growth`` (principal), 0.4 points faster (high) or
    slower (low) a year.
    """
    y0, y1 = spec.first_year - 1, spec.last_year - 1
    est = []
    for year in range(y0, y1 + 1):
        est.append({**_geo(spec, year), "age_group": "Children aged 0 to 17 years",
                    "population_estimate": mid_year_population(la.children, year)})  # fmt: skip
    base = est[-1]["population_estimate"]
    proj = []
    for variant, g in (("principal", spec.pop_growth), ("high", spec.pop_growth + 0.004),
                       ("low", spec.pop_growth - 0.004)):  # fmt: skip
        for year in range(y1, y1 + 14):
            proj.append({"la_code": spec.la_code, "period": year, "variant": variant,
                         "pop_0_17": round(float(base * np.exp(g * (year - y1))))})  # fmt: skip
    return {
        f"dfe/population/ons_mid-year_population_estimates_{y0}_to_{y1}.csv": _order(est, CIN_GEO),
        "population_projection.csv": pd.DataFrame(
            proj, columns=["la_code", "period", "variant", "pop_0_17"]
        ),
    }


def workforce_tables(
    spec: SyntheticSpec, la: Any, *, rng: np.random.Generator
) -> dict[str, pd.DataFrame]:
    """``workforce.csv`` (30 September each year) and the CSWW indicators table (2017 on)."""
    cin = la.cin["cin"]
    counted = cin.loc[~cin["nfa"] & (cin["outcome"] != "not_in_need")]
    close = counted["close"].astype("Float64").fillna(BIG)
    simple, csww = [], []
    for year in range(spec.first_year - 1, spec.last_year):
        day = to_day(f"{year}-09-30")
        open_ = int(((counted["ref"] <= day) & (close > day)).sum())
        k = year - (spec.first_year - 1)
        cases = round(float(open_ * 0.85))
        caseload = 17.8 - 0.12 * k + rng.normal(0, 0.4)
        fte = round(cases / caseload, 1)
        agency_share = 0.155 + 0.003 * k + rng.normal(0, 0.01)
        inpost = round(fte / 0.64, 1)
        agency = round(inpost * agency_share / (1 - agency_share), 1)
        vacancy = round(inpost * (0.2 + rng.normal(0, 0.02)) / 0.8, 1)
        simple.append({"la_code": spec.la_code, "date": f"{year}-09-30", "case_holding_fte": fte,
                       "agency_fte": agency, "cases_held": cases, "vacancies": vacancy})  # fmt: skip
        if year < 2017:
            continue
        head = round(float(inpost * 1.06))
        starters = round(inpost * (0.15 + rng.normal(0, 0.02)), 1)
        leavers = round(inpost * (0.15 + rng.normal(0, 0.02)), 1)
        cover = round(agency * 0.8, 1)
        wdl = round(inpost * (9 + rng.normal(0, 1)), 1)
        csww.append({**_geo(spec, year), "inpost_fte": inpost, "inpost_headcount": head,
                     "starters_fte": starters, "starters_headcount": round(float(starters * 1.06)),
                     "leavers_fte": leavers, "leavers_headcount": round(float(leavers * 1.06)),
                     "turnover_rate_fte": _pct(leavers, inpost), "turnover_rate_headcount": _pct(leavers * 1.06, head),
                     "agency_fte": agency, "agency_headcount": round(float(agency * 1.03)),
                     "agency_rate_fte": _pct(agency, agency + inpost),
                     "agency_rate_headcount": _pct(agency * 1.03, agency * 1.03 + head),
                     "agency_cover_fte": cover, "agency_cover_rate_fte": _pct(cover, agency),
                     "vacancy_fte": vacancy, "vacancy_rate_fte": _pct(vacancy, vacancy + inpost),
                     "vacancy_agency_cover_rate_fte": _pct(cover, vacancy), "case_holders_fte": fte,
                     "cases": cases, "caseload_fte": round(cases / fte, 1),
                     "working_days_lost_fte": wdl, "absence_rate_fte": _pct(wdl, inpost * 253)})  # fmt: skip
    return {
        "workforce.csv": pd.DataFrame(simple),
        f"dfe/workforce/csww_indicators_2017_to_{spec.last_year - 1}.csv": _order(csww, CIN_GEO),
    }
