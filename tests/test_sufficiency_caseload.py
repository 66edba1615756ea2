"""Sufficiency gaps and caseload arithmetic: by hand, monotone, and bad inputs named."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from demandmodel.caseload import CaseRatio, WorkforcePlan, project_caseload
from demandmodel.errors import InsufficientHistoryError, ScenarioError
from demandmodel.sufficiency import Capacity, assess_sufficiency


def test_gap_is_need_minus_usable_capacity() -> None:
    rng = np.random.default_rng(0)
    need = {
        "fostering": rng.poisson(300, (400, 3)).astype(float),
        "residential": np.full((400, 3), 40.0),
    }
    cap = Capacity(places={"fostering": [250, 260, 270], "residential": 30}, occupancy=0.8)
    out = assess_sufficiency(need, years=[2024, 2025, 2026], capacity=cap).set_index(
        ["placement", "period"]
    )
    assert out.loc[("residential", 2025), "usable_capacity"] == pytest.approx(24.0)
    assert out.loc[("residential", 2025), "gap_q50"] == pytest.approx(16.0)
    assert out.loc[("fostering", 2026), "capacity"] == pytest.approx(270.0)
    expected = np.median(need["fostering"][:, 2] - 270 * 0.8)
    assert out.loc[("fostering", 2026), "gap_q50"] == pytest.approx(expected)
    assert out.loc[("residential", 2024), "p_shortfall"] == 1.0


@given(extra=st.floats(0, 100))
def test_more_capacity_never_widens_gap(extra: float) -> None:
    need = {"fostering": np.random.default_rng(1).poisson(100, (200, 2)).astype(float)}
    a = assess_sufficiency(need, years=[1, 2], capacity=Capacity(places={"fostering": 90}))
    b = assess_sufficiency(need, years=[1, 2], capacity=Capacity(places={"fostering": 90 + extra}))
    assert (b["gap_q50"] <= a["gap_q50"] + 1e-9).all()
    assert (b["p_shortfall"] <= a["p_shortfall"]).all()


@pytest.mark.parametrize(
    ("capacity", "message"),
    [
        (lambda: Capacity(places={"fostering": -3}), r"capacity.places\['fostering'\] = -3"),
        (lambda: Capacity(occupancy=1.4), "occupancy = 1.4"),
    ],
)
def test_bad_capacity_names_key_and_value(capacity: object, message: str) -> None:
    with pytest.raises(ScenarioError, match=message):
        capacity()  # type: ignore[operator]


def test_capacity_for_unknown_placement_is_an_error() -> None:
    with pytest.raises(ScenarioError, match="no such placement type"):
        assess_sufficiency(
            {"fostering": np.ones((2, 1))}, years=[2024], capacity=Capacity(places={"castle": 1})
        )


def test_case_ratio_from_history() -> None:
    cases = pd.Series([2000.0, 2200.0, 2100.0], index=[2020, 2021, 2022])
    cin = pd.Series([3000.0, 3300.0, 3150.0, 9999.0], index=[2020, 2021, 2022, 2023])
    ratio = CaseRatio.estimate(cases=cases, cin=cin)
    assert ratio.n_years == 3  # 2023 has no cases figure and is skipped
    assert ratio.median == pytest.approx(2 / 3, rel=1e-3)
    assert ratio.log_sd == pytest.approx(0.05)  # no year-to-year change: the floor
    with pytest.raises(InsufficientHistoryError, match="sw_cases"):
        CaseRatio.estimate(cases=pd.Series(dtype=float), cin=cin, la_code="301")


def test_caseload_is_cases_over_fte() -> None:
    ratio = CaseRatio(log_mean=np.log(0.7), log_sd=0.0, n_years=5)
    plan = WorkforcePlan(case_holding_fte=100.0, relative_sd=0.0)
    res = project_caseload(
        np.full((10, 2), 2000.0), years=[2023, 2024], ratio=ratio, workforce=plan, rng=0
    )
    np.testing.assert_allclose(res.cases, 1400.0)
    np.testing.assert_allclose(res.fte, 100.0)
    np.testing.assert_allclose(res.caseload, res.cases / res.fte)
    summary = res.summary(threshold=13.0, target=14.0)
    assert summary["caseload_q50"].tolist() == pytest.approx([14.0, 14.0])
    assert summary["p_exceed"].tolist() == [1.0, 1.0]
    assert summary["fte_needed_q50"].tolist() == pytest.approx([100.0, 100.0])
    assert summary["agency_cost_q50"].iloc[0] == pytest.approx(100 * 0.176 * 25_000)


def test_growth_and_vacancies_change_fte() -> None:
    base = WorkforcePlan(case_holding_fte=100.0)
    np.testing.assert_allclose(base.filled_fte(2), [100.0, 100.0])
    grown = WorkforcePlan(case_holding_fte=100.0, annual_growth=0.1)
    np.testing.assert_allclose(grown.filled_fte(2), [110.0, 121.0])
    filled = WorkforcePlan(case_holding_fte=80.0, origin_vacancy_rate=0.2, vacancy_rate=0.0)
    np.testing.assert_allclose(filled.filled_fte(1), [100.0])


def test_bad_workforce_names_key_and_value() -> None:
    with pytest.raises(ScenarioError, match=r"workforce.agency_share = 1.2"):
        WorkforcePlan(case_holding_fte=10.0, agency_share=1.2)
    with pytest.raises(ScenarioError, match="case_holding_fte = 0"):
        WorkforcePlan(case_holding_fte=0)


def test_case_ratio_is_anchored_on_the_latest_year() -> None:
    years = [2018, 2019, 2020, 2021, 2022]
    cin = pd.Series([1000.0] * 5, index=years)
    cases = pd.Series(
        [900.0, 880.0, 920.0, 900.0, 600.0], index=years
    )  # allocation changed in 2022
    ratio = CaseRatio.estimate(cases=cases, cin=cin)
    assert ratio.median == pytest.approx(0.6)
    # The spread reflects how much the ratio moves from one year to the next.
    steady = CaseRatio.estimate(cases=cases.iloc[:4], cin=cin.iloc[:4])
    assert ratio.log_sd > steady.log_sd


def test_caseload_result_as_forecast() -> None:
    ratio = CaseRatio(log_mean=np.log(0.7), log_sd=0.05, n_years=3)
    res = project_caseload(
        np.full((50, 2), 2000.0),
        years=[2023, 2024],
        ratio=ratio,
        workforce=WorkforcePlan(case_holding_fte=100.0),
        rng=1,
    )
    fc = res.to_forecast(history=pd.Series([15.0, 16.0], index=[2021, 2022]))
    assert fc.periods == (2023, 2024) and fc.origin == 2022
    np.testing.assert_allclose(fc.samples[:, :, 0], res.caseload)
    assert fc.history is not None and fc.history["value"].tolist() == [15.0, 16.0]
