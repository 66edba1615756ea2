"""The shipped SYNTHETIC demo LA: reproducible byte for byte, realistic, and read by the real readers."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import demandmodel
from demandmodel.data.synthetic import DEMO_SEED, write_demo

DEMO = demandmodel.demo_data_path()


def _files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def test_demo_regenerates_byte_for_byte(tmp_path: Path) -> None:
    write_demo(tmp_path / "again")
    shipped, again = _files(DEMO), _files(tmp_path / "again")
    assert sorted(shipped) == sorted(again)
    differ = [name for name in shipped if shipped[name] != again[name]]
    assert differ == []


def test_demo_is_marked_synthetic_and_small() -> None:
    assert "SYNTHETIC" in DEMO.name
    assert (DEMO / "README.md").read_text(encoding="utf-8").startswith("# SYNTHETIC DATA")
    size = sum(p.stat().st_size for p in DEMO.rglob("*") if p.is_file())
    assert size < 6e6


def _headline() -> pd.DataFrame:
    cla = pd.read_csv(
        DEMO / "dfe/cla/SYNTHETIC_cla_number_and_rate_per_10k_children.csv", encoding="utf-8-sig"
    )
    return cla.pivot(index="time_period", columns="population_count", values="rate_per_10000")


def test_cla_rates_are_english_levels() -> None:
    rates = _headline()
    at31 = rates["Children looked after at 31 March each year"]
    starts = rates["Children starting to be looked after each year"]
    ceases = rates["Children ceasing to be looked after each year"]
    assert at31.between(60, 82).all(), at31.to_dict()
    assert abs(at31.mean() - 70) < 6
    assert starts.between(18, 34).all() and ceases.between(18, 34).all()
    # Roughly steady state: over ten years starts and ceases differ by under 15%.
    assert abs(starts.sum() - ceases.sum()) / starts.sum() < 0.15


def _long(name: str) -> pd.DataFrame:
    frame = pd.read_csv(DEMO / "dfe/cla" / name, encoding="utf-8-sig", dtype=str)
    return frame


def _share(frame: pd.DataFrame, group: str, label: str) -> float:
    rows = frame.loc[frame["cla_group"] == group]
    num = pd.to_numeric(rows.loc[rows["characteristic"] == label, "number"], errors="coerce")
    tot = pd.to_numeric(rows.loc[rows["characteristic"] == "Total children", "number"])
    return float(num.sum() / tot.sum())


def test_placement_age_and_uasc_mix() -> None:
    on31 = _long("SYNTHETIC_la_cla_on_31_march_by_characteristics.csv")
    assert 0.62 <= _share(on31, "Placement", "1. Total foster placements") <= 0.78
    assert 0.33 <= _share(on31, "Age group", "10 to 15 years") <= 0.47
    assert 0.17 <= _share(on31, "Age group", "16 years and over") <= 0.32
    uasc = _share(
        on31, "Unaccompanied asylum-seeking children", "Unaccompanied asylum-seeking children"
    )
    assert 0.04 <= uasc <= 0.10


def _cin(prefix: str) -> pd.DataFrame:
    (path,) = (DEMO / "dfe/cin").glob(f"SYNTHETIC_{prefix}_*.csv")
    return pd.read_csv(path)


def test_cin_cp_and_referral_rates() -> None:
    pop = pd.read_csv(next((DEMO / "dfe/population").glob("*.csv"))).set_index("time_period")
    denom = pop["population_estimate"].rename(lambda y: y + 1) / 1e4  # year t uses mid-(t-1)
    b1 = _cin("b1").set_index("time_period")
    c1 = _cin("c1").set_index("time_period")
    c4 = _cin("c4").set_index("time_period")
    d5 = _cin("d5").set_index("time_period")
    d3 = _cin("d3").set_index("time_period")
    cin = (b1["At31_episodes"] / denom).dropna()
    assert cin.between(280, 390).all(), cin.to_dict()
    cp = (d5["CPP_At31"] / denom).dropna()
    assert cp.between(30, 60).all(), cp.to_dict()
    assert 38 <= cp.mean() <= 52
    refs = (c1["referral_count"] / denom).dropna()
    assert refs.between(460, 600).all(), refs.to_dict()
    s47 = (c4["Section47"] / denom).dropna()
    assert s47.between(140, 230).all()
    assert (c4["ICPC"] < c4["Section47"]).all()
    assert (d3["CPP_start"] <= c4["ICPC"] + 5).all()
    assert c1["no_further_action_percent"].between(4, 11).all()


def test_truth_stock_matches_published_cla() -> None:
    truth = pd.read_csv(DEMO / "SYNTHETIC_truth_stock_31march.csv")
    by_date = truth.groupby("date")["count"].sum()
    cla = pd.read_csv(
        DEMO / "dfe/cla/SYNTHETIC_cla_number_and_rate_per_10k_children.csv", encoding="utf-8-sig"
    )
    pub = cla.loc[cla["population_count"] == "Children looked after at 31 March each year"]
    for year, number in zip(pub["time_period"], pub["number"], strict=True):
        assert by_date[f"{year}-03-31"] == number


def test_population_grows_slowly_and_projection_has_variants() -> None:
    pop = pd.read_csv(next((DEMO / "dfe/population").glob("*.csv")))["population_estimate"]
    growth = np.diff(np.log(pop.to_numpy(dtype=float)))
    assert (growth > -0.002).all() and (growth < 0.01).all()
    assert 55_000 < pop.iloc[-1] < 65_000
    proj = pd.read_csv(DEMO / "SYNTHETIC_population_projection.csv", dtype={"la_code": str})
    assert list(proj.columns) == ["la_code", "period", "variant", "pop_0_17"]
    last = proj.loc[proj["period"] == proj["period"].max()].set_index("variant")["pop_0_17"]
    assert last["low"] < last["principal"] < last["high"]
    first = proj.loc[proj["period"] == proj["period"].min(), "pop_0_17"]
    assert (first == pop.iloc[-1]).all()


def test_runner_reads_the_marked_population_projection() -> None:
    from demandmodel.runner import _population_ratio

    ratio = _population_ratio(DEMO, "999")
    assert set(ratio) == {"principal", "high", "low"}
    last = max(ratio["high"])
    assert ratio["low"][last] < 1.0 < ratio["high"][last]
    assert _population_ratio(DEMO, "998") == {}  # no such LA in the file


def test_every_data_file_is_named_synthetic() -> None:
    names = [p.name for p in DEMO.rglob("*") if p.is_file() and p.name != "README.md"]
    assert len(names) > 100
    assert [n for n in names if not n.startswith("SYNTHETIC_")] == []


def test_headers_copy_the_real_dfe_files(shared_data: Path) -> None:
    pairs = {
        "dfe/cla/SYNTHETIC_cla_number_and_rate_per_10k_children.csv": "dfe/cla/cla_number_and_rate_per_10k_children.csv",
        "dfe/cla/SYNTHETIC_la_cla_who_started_to_be_looked_after.csv": "dfe/cla/la_cla_who_started_to_be_looked_after.csv",
        "dfe/cla/SYNTHETIC_la_children_who_ceased_during_the_year.csv": "dfe/cla/la_children_who_ceased_during_the_year.csv",
    }
    for prefix in ("b1", "c1", "c4", "d3", "d5"):
        (ours,) = (DEMO / "dfe/cin").glob(f"SYNTHETIC_{prefix}_*.csv")
        (real,) = (shared_data / "dfe/cin").glob(f"{prefix}_*.csv")
        pairs[ours.relative_to(DEMO).as_posix()] = real.relative_to(shared_data).as_posix()
    for ours_name, real_name in pairs.items():
        ours = (DEMO / ours_name).read_text(encoding="utf-8-sig").splitlines()[0]
        real = (shared_data / real_name).read_text(encoding="utf-8-sig").splitlines()[0]
        assert ours == real, ours_name
    (wf,) = (DEMO / "dfe/workforce").glob("*.csv")
    (real_wf,) = (shared_data / "dfe/workforce").glob("*.csv")
    assert wf.read_text().splitlines()[0] == real_wf.read_text().splitlines()[0]


def test_read_dfe_reads_the_published_tables() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        panel = demandmodel.read_dfe(DEMO / "dfe")
    la = panel.loc[panel["la_code"] == "999"]
    got = la.pivot_table(index="period", columns="measure", values="value")
    cla = pd.read_csv(
        DEMO / "dfe/cla/SYNTHETIC_cla_number_and_rate_per_10k_children.csv", encoding="utf-8-sig"
    )
    pub = cla.loc[cla["population_count"] == "Children looked after at 31 March each year"]
    assert got.loc[pub["time_period"], "cla_31mar"].tolist() == pub["number"].astype(float).tolist()
    for measure in (
        "cla_starts",
        "cla_ceases",
        "cp_31mar",
        "cin_31mar",
        "referrals",
        "s47",
        "pop_0_17",
    ):
        assert got[measure].notna().sum() >= 10, measure


def test_read_ssda903_finds_every_injected_fault() -> None:
    manifest = pd.read_csv(DEMO / "SYNTHETIC_faults.csv")
    assert set(manifest["fault"]) >= {
        "duplicate_row",
        "dec_before_decom",
        "stale_open_episode",
        "invalid_code",
    }
    with pytest.raises(demandmodel.DataValidationError) as info:
        demandmodel.read_ssda903(DEMO / "ssda903")
    failures = info.value.failures
    failures = failures.assign(
        file=failures["file"].map(lambda f: Path(f).relative_to(DEMO).as_posix())
    )
    rule = {
        "duplicate_row": "duplicate_row",
        "dec_before_decom": "dec_before_decom",
        "invalid_code": "code_invalid",
    }
    for fault in manifest.itertuples():
        if fault.fault not in rule:
            continue
        hit = failures.loc[
            (failures["file"] == fault.file) & (failures["rule"] == rule[fault.fault])
        ]
        # A duplicate pair may be reported at either of its two rows.
        rows = (
            {int(fault.row), int(fault.row) - 1}
            if fault.fault == "duplicate_row"
            else {int(fault.row)}
        )
        assert set(hit["row"].astype(int)) & rows, fault
    assert len(failures) == sum(f in rule for f in manifest["fault"])


def test_read_ssda903_repaired_matches_the_truth() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", demandmodel.DataRepairWarning)
        data = demandmodel.read_ssda903(DEMO / "ssda903", repair=True)
    stale = pd.read_csv(DEMO / "SYNTHETIC_faults.csv").query("fault == 'stale_open_episode'")
    log = data.log.assign(file=data.log["file"].map(lambda f: Path(f).relative_to(DEMO).as_posix()))
    for fault in stale.itertuples():
        hit = log.loc[(log["file"] == fault.file) & (log["row"].astype(int) == fault.row)]
        assert not hit.empty and hit["rule"].str.startswith("RULE_").all()
    truth = pd.read_csv(DEMO / "SYNTHETIC_truth_stock_31march.csv").groupby("date")["count"].sum()
    eps = data.episodes
    for date, count in truth.items():
        day = pd.Timestamp(str(date))
        open_ = eps.loc[(eps["start"] <= day) & (eps["end"].isna() | (eps["end"] > day))]
        assert open_["child"].nunique() == count, date


def _cp_on(census: demandmodel.CINCensus, year: int) -> int:
    day = pd.Timestamp(f"{year}-03-31")
    cp = census.cp_plans
    return int(((cp["start"] <= day) & (cp["end"].isna() | (cp["end"] > day))).sum())


def test_read_cin_census_accepts_each_year() -> None:
    d5 = _cin("d5").set_index("time_period")
    b1 = _cin("b1").set_index("time_period")
    for folder in sorted(p for p in (DEMO / "cin_census").iterdir() if p.is_dir()):
        year = int(folder.name)
        census = demandmodel.read_cin_census(folder)
        assert _cp_on(census, year) == d5.loc[year, "CPP_At31"], year
        day = pd.Timestamp(f"{year}-03-31")
        eps = census.cin_episodes
        accepted = eps.loc[~eps["nfa"]]
        open_ = accepted.loc[(accepted["referral_date"] <= day) & accepted["closure_date"].isna()]
        assert len(open_) == b1.loc[year, "At31_episodes"], year


def test_read_cin_census_stitched_years_keep_earlier_plans() -> None:
    years = sorted(p for p in (DEMO / "cin_census").iterdir() if p.is_dir())
    census = demandmodel.read_cin_census(years)
    d5 = _cin("d5").set_index("time_period")
    assert [_cp_on(census, int(y.name)) for y in years] == [
        d5.loc[int(y.name), "CPP_At31"] for y in years
    ]


def test_read_workforce_reads_workforce_csv() -> None:
    wf = demandmodel.read_workforce(DEMO / "SYNTHETIC_workforce.csv")
    raw = pd.read_csv(DEMO / "SYNTHETIC_workforce.csv")
    assert len(wf.summary) == len(raw)
    caseload = raw["cases_held"] / raw["case_holding_fte"]
    assert caseload.between(14, 21).all()


def test_seed_changes_the_data_and_fixes_it() -> None:
    spec = demandmodel.SyntheticSpec(pop_0_17=3000.0, first_year=2020, last_year=2021)
    a = demandmodel.make_synthetic_la(spec, rng=DEMO_SEED)
    b = demandmodel.make_synthetic_la(spec, rng=DEMO_SEED)
    c = demandmodel.make_synthetic_la(spec, rng=DEMO_SEED + 1)
    pd.testing.assert_frame_equal(a.episodes, b.episodes)
    pd.testing.assert_frame_equal(a.cin["cin"], b.cin["cin"])
    assert not a.episodes.equals(c.episodes)


def test_bad_spec_is_refused_with_advice() -> None:
    with pytest.raises(demandmodel.ScenarioError, match="last_year"):
        demandmodel.SyntheticSpec(first_year=2020, last_year=2019)
    with pytest.raises(demandmodel.ScenarioError, match="sums to"):
        demandmodel.SyntheticSpec(entry_category=((1.0, 0, 0, 0, 0, 0.5),) * 5)
    with pytest.raises(demandmodel.ScenarioError, match="shape"):
        demandmodel.SyntheticSpec(exit_rate=((0.2,) * 6,) * 4)
    with pytest.raises(demandmodel.ScenarioError, match="negative"):
        demandmodel.SyntheticSpec(duration_multiplier=(1.0, 1.0, -0.5, 1.0))
    with pytest.raises(demandmodel.ScenarioError, match="burn-in"):
        demandmodel.SyntheticSpec(sim_start="2012-04-01")


def test_true_levels_follow_the_hierarchy_and_match_published_counts() -> None:
    levels = pd.read_csv(DEMO / "SYNTHETIC_truth_levels_31march.csv").pivot(
        index="date", columns="level", values="count"
    )
    stock = pd.read_csv(DEMO / "SYNTHETIC_truth_stock_31march.csv").groupby("date")["count"].sum()
    assert (levels["lac"] == stock.loc[levels.index]).all()
    b1 = _cin("b1").set_index("time_period")
    d5 = _cin("d5").set_index("time_period")
    for year in b1.index:
        row = levels.loc[f"{year}-03-31"]
        # Every looked-after child and every child on a plan has an open CIN episode, one each.
        assert row["lac"] + row["cp"] + row["cin"] == b1.loc[year, "At31_episodes"]
        assert row["cp"] == d5.loc[year, "CPP_At31"]


def test_rates_are_close_to_englands_published_rates(shared_data: Path) -> None:
    """The synthetic LA sits near England's own rates per 10,000 (2019-2022 averages)."""

    def england(path: str, column: str, years: range) -> float:
        frame = pd.read_csv(shared_data / path, encoding="utf-8-sig", dtype=str)
        rows = frame.loc[
            (frame["geographic_level"] == "National")
            & frame["time_period"].isin([str(y) for y in years])
        ]
        return float(pd.to_numeric(rows[column]).sum())

    years = range(2019, 2023)
    eng_pop = england(
        "dfe/population/ons_mid-year_population_estimates_2012_to_2022.csv",
        "population_estimate",
        range(2018, 2022),
    )
    ours_pop = pd.read_csv(next((DEMO / "dfe/population").glob("*.csv"))).set_index("time_period")[
        "population_estimate"
    ]
    our_pop = float(ours_pop.loc[2018:2021].sum())
    checks = {
        "cin/b1": ("At31_episodes", 0.15),
        "cin/c1": ("referral_count", 0.15),
        "cin/c4": ("Section47", 0.2),
        "cin/d5": ("CPP_At31", 0.2),
    }
    for prefix, (column, tol) in checks.items():
        (real,) = (shared_data / "dfe" / prefix.split("/")[0]).glob(f"{prefix.split('/')[1]}_*.csv")
        eng = england(real.relative_to(shared_data).as_posix(), column, years) / eng_pop
        ours = (
            _cin(prefix.split("/")[1]).set_index("time_period").loc[2019:2022, column].sum()
            / our_pop
        )
        assert abs(ours / eng - 1) < tol, (prefix, ours * 1e4, eng * 1e4)
    cla = pd.read_csv(
        shared_data / "dfe/cla/cla_number_and_rate_per_10k_children.csv", encoding="utf-8-sig"
    )
    eng_rate = cla.loc[
        (cla["geographic_level"] == "National")
        & (cla["population_count"] == "Children looked after at 31 March each year")
        & cla["time_period"].isin(list(years)),
        "rate_per_10000",
    ].astype(float)
    ours_rate = _headline().loc[2019:2022, "Children looked after at 31 March each year"]
    assert abs(ours_rate.mean() - eng_rate.mean()) < 8


def test_cin_census_xml_reads_the_same_as_the_csv_tables(tmp_path: Path) -> None:
    spec = demandmodel.SyntheticSpec(pop_0_17=4000.0, first_year=2022, last_year=2023)
    la = demandmodel.make_synthetic_la(spec, rng=4)
    la.write(tmp_path, rng=4, cin_xml=True)
    for year in (2022, 2023):
        flat = demandmodel.read_cin_census(tmp_path / "cin_census" / str(year))
        xml = demandmodel.read_cin_census(tmp_path / "cin_census_xml" / f"SYNTHETIC_cin_{year}.xml")
        for name in ("children", "cin_episodes", "assessments", "s47", "cp_plans"):
            a = getattr(flat, name).drop(columns="source").reset_index(drop=True)
            b = getattr(xml, name).drop(columns="source").reset_index(drop=True)
            assert len(a) > 0 or name == "cp_plans"
            pd.testing.assert_frame_equal(a, b, check_dtype=False)
