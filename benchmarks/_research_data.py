"""A stop-gap reader of the real DfE files into a Panel-shaped frame, for research scripts only.

The library's reader (``demandmodel.read_dfe``) is the real thing; this exists so that the pooled and
aggregate models can be measured before it lands. It reads only what the research needs:

- CLA: stocks, starts, ceases (SFR underlying data 2010-2017, LAIT 2016-2022, EES 2019-2022;
  the newest release wins);
- CP: plans at 31 March and plans started (CIN statistics 2013-2022);
- CIN: episodes open at 31 March, started and ended (CIN statistics 2013-2022);
- pop_0_17: ONS mid-year estimates 2012-2022.

Output columns: la_code, region, period, measure, value (LA rows only; suppressed -> NaN).
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path("/work/shared/data/dfe")
SUPPRESSED = {"c", "x", "z", "low", "u", "-", ":", "", "..", "*"}


def _num(s: pd.Series) -> pd.Series:
    s = s.astype("string").str.strip().str.replace(",", "", regex=False)
    s = s.where(~s.isin(SUPPRESSED))
    return pd.to_numeric(s, errors="coerce").astype(float)


def _ees(path: Path, column: str, measure: str) -> pd.DataFrame:
    d = pd.read_csv(path, dtype=str, encoding="utf-8-sig")
    d = d[d["geographic_level"] == "Local authority"]
    return pd.DataFrame(
        {
            "la_code": d["old_la_code"].str.strip().to_numpy(),
            "region": d["region_name"].to_numpy(),
            "period": d["time_period"].astype(int).to_numpy(),
            "measure": measure,
            "value": _num(d[column]).to_numpy(),
            "vintage": 2022,
        }
    )


def _sfr(kind: str, measure: str) -> pd.DataFrame:
    pats = {
        "stock": r"(SFR\d+_CLA\d*|SFR27_2010_March)\.csv",
        "starts": r"(SF[RE]\d+_ADM\d*|SFR27_2010_Started)\.csv",
        "ceases": r"(SFR?_?\d*_?CEA\d*|SFR27_2010_Ceased)\.csv",
    }
    out = []
    for year_dir in sorted((ROOT / "cla_sfr_2010_2017").iterdir()):
        year = int(year_dir.name)
        files = [p for p in year_dir.rglob("*.csv") if re.fullmatch(pats[kind], p.name)]
        if not files:
            continue
        f = sorted(files, key=lambda p: len(p.name))[0]
        d = pd.read_csv(f, dtype=str, encoding="latin-1")
        d.columns = [c.strip() for c in d.columns]
        first = list(d.columns).index("geog_n") + 1
        d = d[d["geog_l"].str.strip().str.upper() == "LA"]
        out.append(
            pd.DataFrame(
                {
                    "la_code": d["geog_c"].str.strip().to_numpy(),
                    "region": None,
                    "period": year,
                    "measure": measure,
                    "value": _num(d[d.columns[first]]).to_numpy(),
                    "vintage": year,
                }
            )
        )
    return pd.concat(out, ignore_index=True)


def _lait(short: str, measure: str) -> pd.DataFrame:
    d = pd.read_parquet(ROOT / "lait" / "lait_long_to_2022.parquet")
    d = d[(d["Short Desc"] == short) & d["Years"].str.fullmatch(r"\d{4}")]
    d = d[d["LA Number"].notna()]
    return pd.DataFrame(
        {
            "la_code": d["LA Number"].astype(int).astype(str).to_numpy(),
            "region": d["Region"].to_numpy(),
            "period": d["Years"].astype(int).to_numpy(),
            "measure": measure,
            "value": _num(d["Values"]).to_numpy(),
            "vintage": 2022,
        }
    )


def load() -> pd.DataFrame:
    """All measures, LA rows, newest release per (la_code, period, measure)."""
    cin = ROOT / "cin"
    parts = [
        _ees(cin / "b1_children_in_need_2013_to_2022.csv", "At31_episodes", "cin_31mar"),
        _ees(cin / "b1_children_in_need_2013_to_2022.csv", "Started_episodes", "cin_starts"),
        _ees(cin / "b1_children_in_need_2013_to_2022.csv", "Ended_episodes", "cin_ends"),
        _ees(cin / "d5_cpps_at31march_by_duration_2013_to_2022.csv", "CPP_At31", "cp_31mar"),
        _ees(cin / "d3_cpps_subsequent_plan_2013_to_2022.csv", "CPP_start", "cp_starts"),
        _ees(
            ROOT / "population" / "ons_mid-year_population_estimates_2012_to_2022.csv",
            "population_estimate",
            "pop_0_17",
        ),
        _sfr("stock", "cla_31mar"),
        _sfr("starts", "cla_starts"),
        _sfr("ceases", "cla_ceases"),
        _lait("LACnum", "cla_31mar"),
        _lait("LACnum_Start", "cla_starts"),
        _lait("LACceased", "cla_ceases"),
    ]
    ees = pd.read_csv(
        ROOT / "cla" / "cla_number_and_rate_per_10k_children.csv", dtype=str, encoding="utf-8-sig"
    )
    ees = ees[ees["geographic_level"] == "Local authority"]
    names = {
        "Children looked after at 31 March each year": "cla_31mar",
        "Children starting to be looked after each year": "cla_starts",
        "Children ceasing to be looked after each year": "cla_ceases",
    }
    parts.append(
        pd.DataFrame(
            {
                "la_code": ees["old_la_code"].str.strip().to_numpy(),
                "region": ees["region_name"].to_numpy(),
                "period": ees["time_period"].astype(int).to_numpy(),
                "measure": ees["population_count"].map(names).to_numpy(),
                "value": _num(ees["number"]).to_numpy(),
                "vintage": 2023,
            }
        )
    )
    d = pd.concat(parts, ignore_index=True)
    d = d[d["la_code"].str.fullmatch(r"\d{3}")]
    d = d.sort_values("vintage").drop_duplicates(["la_code", "period", "measure"], keep="last")
    regions = (
        d.dropna(subset=["region"])
        .assign(
            region=lambda x: x["region"].replace(
                {"Inner London": "London", "Outer London": "London"}
            )
        )
        .drop_duplicates("la_code", keep="last")
        .set_index("la_code")["region"]
    )
    d = d.drop(columns=["region", "vintage"])
    d["region"] = d["la_code"].map(regions).fillna("Unknown").replace({"NA": "Unknown"})
    d.loc[d["value"] <= 0, "value"] = np.nan
    return d.sort_values(["measure", "la_code", "period"]).reset_index(drop=True)


if __name__ == "__main__":
    p = load()
    print(p.groupby("measure")["period"].agg(["min", "max", "count"]))
    print(p.groupby("measure")["la_code"].nunique())
    print(p["region"].value_counts())
