"""Run files end to end: every table, chart and report; the CLI; the published-data path."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from demandmodel.cli import main
from demandmodel.demo import example_run_file, run_demo
from demandmodel.runner import run_file

SMALL = {"samples": 40, "horizon": 2}


@pytest.fixture(scope="module")
def sib_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[object, Path]:
    out = tmp_path_factory.mktemp("sib")
    return run_file(example_run_file(), out=out, **SMALL), out


def test_example_run_writes_every_output(sib_run: tuple[object, Path]) -> None:
    result, out = sib_run
    names = {p.name for p in result.files}  # type: ignore[attr-defined]
    for table in ("projection", "costs", "sufficiency", "sib_by_year", "sib_totals", "caseload"):
        assert f"SYNTHETIC_{table}.csv" in names
    assert {"SYNTHETIC_run.xlsx", "SYNTHETIC_report.html", "SYNTHETIC_summary.txt"} <= names
    pngs = sorted(p for p in names if p.endswith(".png"))
    assert len(pngs) >= 8 and all(p.replace(".png", ".svg") in names for p in pngs)
    assert all((out / n).stat().st_size > 0 for n in names)


def test_example_run_tables_are_consistent(sib_run: tuple[object, Path]) -> None:
    result, _ = sib_run
    tables = result.tables  # type: ignore[attr-defined]
    proj = tables["projection"]
    assert set(proj["scenario"]) == {
        "baseline",
        "edge-of-care SIB",
        "in-house fostering growth",
        "population high variant",
        "combined",
    }
    base = proj[proj["scenario"] == "baseline"]
    assert (base["diff_mean"] == 0).all()
    # The in-house fostering scenario changes costs, not children.
    mix = proj[proj["scenario"] == "in-house fostering growth"]
    assert (mix["diff_mean"] == 0).all()
    costs = tables["costs"]
    total = costs[(costs["sub_type"] == "total") & (costs["period"] != "total (discounted)")]
    by = total.set_index(["scenario", "period"])["mean"]
    periods = sorted(total["period"].unique())
    assert by[("in-house fostering growth", periods[-1])] < by[("baseline", periods[-1])]
    sib = tables["sib_totals"].set_index(["scenario", "measure"])
    payments = sib.loc[("edge-of-care SIB", "outcome_payments")]
    assert payments["q975"] <= 3_000_000 + 1e-6  # the example's payment cap
    caseload = tables["caseload"]
    assert caseload["p_exceed"].between(0, 1).all()
    suff = tables["sufficiency"]
    assert {"gap_q50", "p_shortfall"} <= set(suff.columns)


def test_zero_effect_run_equals_baseline(tmp_path: Path) -> None:
    path = tmp_path / "zero.toml"
    path.write_text(
        '[run]\ntitle = "zero"\nhorizon = 2\nsamples = 20\n'
        '[[scenarios]]\nname = "nothing"\n[[scenarios.interventions]]\n'
        'type = "entry_change"\nstart = 2023-04-01\nrelative = 0.0\n',
        encoding="utf-8",
    )
    result = run_file(path)
    cmp = result.comparison
    np.testing.assert_array_equal(
        cmp.forecasts["nothing"].samples, cmp.forecasts["baseline"].samples
    )


def test_cli_run_and_bad_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "small.toml"
    path.write_text(
        '[run]\ntitle = "Small run"\nhorizon = 1\nsamples = 20\n[[scenarios]]\nname = "baseline"\n',
        encoding="utf-8",
    )
    assert main(["run", str(path), "--out", str(tmp_path / "out"), "--seed", "3"]) == 0
    printed = capsys.readouterr().out
    assert "Small run" in printed and "Children looked after" in printed
    bad = tmp_path / "bad.toml"
    bad.write_text('[run]\ntitle = "x"\nhorizon = 99\n', encoding="utf-8")
    assert main(["run", str(bad), "--out", str(tmp_path / "o2")]) == 2
    assert "horizon = 99; must be 1-10" in capsys.readouterr().err


@pytest.mark.shared_data
def test_published_data_run_for_a_real_la(shared_data: Path, tmp_path: Path) -> None:
    path = tmp_path / "bd.toml"
    path.write_text(
        f'[run]\ntitle = "Barking and Dagenham"\ndata = "{shared_data / "dfe"}"\n'
        'data_kind = "published"\nla_code = "301"\norigin = 2022\nhorizon = 3\nsamples = 200\n'
        '[[scenarios]]\nname = "sib"\n[[scenarios.interventions]]\ntype = "sib"\n'
        "start = 2022-04-01\nreferrals = [30, 60, 60]\neffect = 0.4\n",
        encoding="utf-8",
    )
    result = run_file(path, out=tmp_path / "out")
    proj = result.tables["projection"]
    sib = proj[proj["scenario"] == "sib"]
    assert (sib["diff_mean"] < 0).all()
    assert "caseload" in result.tables  # B&D publishes workforce figures
    mix = result.tables["placement_mix"]
    assert mix["share"].sum() == pytest.approx(1.0)
    assert mix["source"].iloc[0].startswith("LA 301")  # its own latest published mix (2017)
    costs = result.tables["costs"]
    total = costs[(costs["sub_type"] == "total") & (costs["period"] == 2025)]
    assert (total["mean"] > 0).all() and len(total) == 2
    assert result.caseload["baseline"].history is not None  # published caseload drawn as actuals
    assert pd.api.types.is_numeric_dtype(result.tables["caseload"]["caseload_q50"])


@pytest.mark.slow
def test_demo_writes_charts_and_tables(tmp_path: Path) -> None:
    files = run_demo(out=tmp_path, samples=50)
    names = {p.name for p in files}
    assert {
        "SYNTHETIC_cla_fan_chart.png",
        "SYNTHETIC_published_forecast.csv",
        "SYNTHETIC_placement_mix.png",
        "SYNTHETIC_episode_projection.csv",
    } <= names
    fc = pd.read_csv(tmp_path / "SYNTHETIC_published_forecast.csv")
    assert set(fc["measure"]) == {"cla_31mar", "cp_31mar", "cin_31mar"}
    assert (fc["q025"] <= fc["q975"]).all()


@pytest.mark.shared_data
def test_published_example_runs(shared_data: Path, tmp_path: Path, repo_root: Path) -> None:
    path = repo_root / "examples" / "published_la.toml"
    text = path.read_text(encoding="utf-8").replace(
        "../../shared/data/dfe", str(shared_data / "dfe")
    )
    copy = tmp_path / "published_la.toml"
    copy.write_text(text, encoding="utf-8")
    result = run_file(copy, samples=100)
    proj = result.tables["projection"]
    assert set(proj["scenario"]) == {
        "baseline",
        "edge-of-care SIB",
        "fewer entries of teenagers",
        "workforce: fewer vacancies",
    }
    fewer = proj[proj["scenario"] == "fewer entries of teenagers"]
    assert fewer["diff_mean"].iloc[-1] < 0
    caseload = result.tables["caseload"].set_index(["scenario", "period"])["caseload_q50"]
    last = caseload.index.get_level_values("period").max()
    assert caseload[("workforce: fewer vacancies", last)] < caseload[("baseline", last)]


def test_result_keeps_what_the_charts_were_drawn_from(sib_run: tuple[object, Path]) -> None:
    result, _ = sib_run
    assert set(result.caseload) >= {"baseline"}  # type: ignore[attr-defined]
    assert set(result.sibs) == {"edge-of-care SIB", "combined"}  # type: ignore[attr-defined]
    fc = result.caseload["baseline"]  # type: ignore[attr-defined]
    table = result.tables["caseload"]  # type: ignore[attr-defined]
    median = np.median(fc.samples[:, -1, 0])
    assert median == pytest.approx(table[table["scenario"] == "baseline"]["caseload_q50"].iloc[-1])


def test_shift_from_an_unpriced_sub_type_is_refused() -> None:
    from demandmodel.costs import DEFAULT_PROVIDER_MIX, UnitCosts
    from demandmodel.errors import ScenarioError
    from demandmodel.scenarios.consequences import cost_samples

    children = {"placed_with_parents": np.full((2, 1), 10.0)}
    shift = [("placed_with_parents", "in_house_fostering", np.full((2, 1), 0.5))]
    with pytest.raises(ScenarioError, match="'placed_with_parents': it has no unit cost"):
        cost_samples(
            children,
            years=[2024],
            unit_costs=UnitCosts(),
            provider_mix=DEFAULT_PROVIDER_MIX,
            shifts=shift,
        )
