"""Every chart on fixed data: structure and key elements (bands, titles, labels, legends, markers)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd
import pytest
from matplotlib.collections import PolyCollection
from matplotlib.figure import Figure

import demandmodel
from demandmodel import Forecast
from demandmodel import plotting as P

LAB = pd.DataFrame({"la_code": ["301"], "la_name": ["Anytown"], "measure": ["cla_31mar"]})
HIST = pd.DataFrame({"period": [2021, 2022, 2023], "value": [380.0, 390.0, 400.0]})


def legend_texts(ax: object) -> list[str]:
    leg = ax.get_legend()  # type: ignore[attr-defined]
    assert leg is not None
    return [t.get_text() for t in leg.get_texts()]


def crn_pair(cut: float = 20.0) -> dict[str, Forecast]:
    rng = np.random.default_rng(11)
    base = 400 + rng.normal(10, 10, size=(1000, 4)).cumsum(axis=1)
    effect = (
        np.random.default_rng(12).normal(1.0, 0.2, size=(1000, 1)) * np.linspace(0.25, 1, 4) * cut
    )
    kw = {"periods": (2024, 2025, 2026, 2027), "series": LAB, "model": "drift", "origin": 2023}
    return {
        "Baseline": Forecast(samples=base, history=HIST, **kw),
        "Edge of care": Forecast(samples=base - effect, history=HIST, **kw),
    }


# --- scenario comparison -------------------------------------------------------------------


def test_scenario_comparison_levels_and_difference() -> None:
    fig = P.scenario_comparison(crn_pair(), source="test", synthetic=True)
    ax_lvl, ax_diff = fig.axes
    bands = [c for c in ax_lvl.collections if isinstance(c, PolyCollection)]
    assert [b.get_label() for b in bands] == ["Baseline: 80% range", "Edge of care: 80% range"]
    assert {"Actual", "Baseline", "Edge of care"} <= set(legend_texts(ax_lvl))
    assert ax_diff.get_title(loc="left") == "Difference from Baseline"
    # Difference is per sample (common random numbers): its median is the median effect, ~-20.
    med_line = next(ln for ln in ax_diff.get_lines() if ln.get_label() == "Edge of care")
    last = float(med_line.get_ydata()[-1])
    assert -22 < last < -18
    title = fig.get_suptitle()
    assert title.startswith("By 2027, Edge of care means 20 fewer children looked after")
    assert "(80% range" in title
    assert "Synthetic data" in fig.get_supxlabel()


def test_scenario_comparison_from_frame_without_difference() -> None:
    frame = pd.DataFrame(
        {
            "scenario": ["A", "A", "B", "B"],
            "period": [2025, 2026, 2025, 2026],
            "q10": [90.0, 95, 80, 82],
            "q50": [100.0, 105, 90, 92],
            "q90": [110.0, 115, 100, 102],
        }
    )
    fig = P.scenario_comparison(frame, title="B is lower")
    assert len(fig.axes) == 1
    assert fig.get_suptitle() == "B is lower"
    assert len([c for c in fig.axes[0].collections if isinstance(c, PolyCollection)]) == 2


def test_scenario_comparison_needs_common_random_numbers() -> None:
    pair = crn_pair()
    short = pair["Edge of care"]
    pair["Edge of care"] = Forecast(
        samples=short.samples[:10], periods=short.periods, series=LAB, model="drift"
    )
    with pytest.raises(demandmodel.DemandModelError, match="common random numbers"):
        P.scenario_comparison(pair)


def test_scenario_comparison_bad_frame_names_missing_columns() -> None:
    with pytest.raises(demandmodel.DataValidationError) as err:
        P.scenario_comparison(pd.DataFrame({"scenario": ["A"], "period": [2025]}))
    assert set(err.value.failures["column"]) == {"q10", "q50", "q90"}


# --- placement mix -------------------------------------------------------------------------


def mix_frame() -> pd.DataFrame:
    rows = []
    for year, total in [(2022, 400), (2023, 420), (2024, 440), (2025, 460)]:
        for place, share in [("Foster", 0.7), ("Residential", 0.2), ("Other", 0.1)]:
            rows.append((year, place, total * share))
    return pd.DataFrame(rows, columns=["period", "placement", "value"])


def test_placement_mix_stacks_every_placement() -> None:
    ax = P.placement_mix(mix_frame(), origin=2023, source="test")
    polys = [c for c in ax.collections if isinstance(c, PolyCollection)]
    assert len(polys) == 3
    # Top of the stack equals the total in each year.
    top = polys[-1].get_paths()[0].vertices[:, 1].max()
    assert top == pytest.approx(460.0)
    assert legend_texts(ax) == ["Other", "Residential", "Foster"]
    assert [ln.get_gid() for ln in ax.get_lines()].count("forecast-origin") == 1
    assert ax.yaxis.get_major_formatter()(1500.0, 0) == "1,500"
    assert ax.get_figure().get_suptitle().startswith("Foster grows most, from 280 in 2022")


def test_placement_mix_share_and_colours_follow_names() -> None:
    ax = P.placement_mix(mix_frame(), share=True, title="t")
    assert ax.get_ylim() == (0.0, 100.0)
    assert ax.yaxis.get_major_formatter()(50.0, 0) == "50%"
    other = P.placement_mix(mix_frame(), order=["Other", "Residential", "Foster"], title="t")
    colour = {c.get_label(): c.get_facecolor()[0].tolist() for c in ax.collections}
    colour2 = {c.get_label(): c.get_facecolor()[0].tolist() for c in other.collections}
    assert colour == colour2


def test_placement_mix_from_forecast_uses_means() -> None:
    series = pd.DataFrame({"placement": ["Foster", "Residential"]})
    samples = np.stack([np.full((50, 2), 300.0), np.full((50, 2), 60.0)], axis=2)
    fc = Forecast(samples=samples, periods=(2025, 2026), series=series, model="m", origin=2024)
    ax = P.placement_mix(fc, title="t")
    assert len(ax.collections) == 2
    with pytest.raises(demandmodel.DemandModelError, match="leaves out"):
        P.placement_mix(fc, order=["Foster"], title="t")


# --- costs ---------------------------------------------------------------------------------


def test_costs_by_placement_bars_and_money_axis() -> None:
    costs = mix_frame().rename(columns={"value": "cost"})
    costs["cost"] = costs["cost"] * 52_000.0
    ax = P.costs_by_placement(costs, source="test")
    assert len(ax.patches) == 12  # 4 years x 3 placements
    fmt = ax.yaxis.get_major_formatter()
    assert fmt(20e6, 0) == "£20m"
    assert ax.get_ylabel() == "£m per year"
    assert [t.get_text() for t in ax.texts] == ["£20.8m", "£21.8m", "£22.9m", "£23.9m"]


def test_cost_bridge_steps_add_up() -> None:
    bridge = pd.DataFrame(
        {
            "placement": ["Residential", "IFA", "In-house", "Other"],
            "baseline": [10e6, 6e6, 3e6, 1e6],
            "scenario": [8.5e6, 5.5e6, 3.6e6, 1e6],
        }
    )
    ax = P.cost_bridge(bridge, scenario_label="Plan")
    totals = [p for p in ax.patches if p.get_gid() == "bridge-total"]
    ups = [p for p in ax.patches if p.get_gid() == "bridge-increase"]
    downs = [p for p in ax.patches if p.get_gid() == "bridge-decrease"]
    assert [round(p.get_height()) for p in totals] == [20_000_000, 18_600_000]
    assert len(ups) == 1 and len(downs) == 2
    steps = sum(p.get_height() for p in ups + downs)
    assert steps == pytest.approx(18.6e6 - 20e6)
    assert ax.get_xlabel() == "No change: Other"
    assert "axis starts at" in ax.get_ylabel()
    assert (
        ax.get_figure().get_suptitle() == "Plan saves £1.4m a year on placements (£20.0m to £18.6m)"
    )
    labels = [t.get_text() for t in ax.texts]
    assert labels == ["£20.0m", "-£1.5m", "+£0.6m", "-£0.5m", "£18.6m"]


# --- SIB -----------------------------------------------------------------------------------


def sib_frame(*, totals: bool) -> pd.DataFrame:
    rows = []
    for year, f in [(2025, 1.0), (2026, 2.0), (2027, 2.0)]:
        rows += [
            (year, "care_days_avoided", 4000 * f, 5000 * f, 6000 * f),
            (year, "gross_cost_avoided", 0.6e6 * f, 0.8e6 * f, 1.0e6 * f),
            (year, "outcome_payments", 0.3e6 * f, 0.35e6 * f, 0.4e6 * f),
        ]
    if totals:
        rows += [
            ("total", "care_days_avoided", 20000, 25000, 30000),
            ("total", "gross_cost_avoided", 3.0e6, 4.0e6, 5.0e6),
            ("total", "outcome_payments", 1.5e6, 1.75e6, 2.0e6),
            ("total", "net_saving", 1.0e6, 2.25e6, 3.0e6),
        ]
    return pd.DataFrame(rows, columns=["period", "measure", "q10", "q50", "q90"])


def test_sib_summary_panels() -> None:
    fig = P.sib_summary(sib_frame(totals=False), synthetic=True)
    ax_days, ax_money = fig.axes
    assert len(ax_days.patches) == 3
    assert legend_texts(ax_days) == ["Median", "80% range"]
    names = [t.get_text().replace("\n", " ") for t in ax_money.get_xticklabels()]
    assert names == ["Placement cost avoided", "Outcome payments", "Net saving"]
    # Sums of yearly medians: 4.0m avoided, 1.75m paid, 2.25m net.
    assert fig.get_suptitle() == (
        "The bond saves the council a net £2.2m over 2025-2027 after £1.8m of outcome payments"
    )
    heights = [round(p.get_height()) for p in ax_money.patches]
    assert heights == [4_000_000, -1_750_000, 2_250_000]
    assert "Synthetic data" in fig.get_supxlabel()


def test_sib_summary_total_rows_give_a_range() -> None:
    fig = P.sib_summary(sib_frame(totals=True))
    ax_money = fig.axes[1]
    texts = " ".join(t.get_text() for t in ax_money.texts)
    assert "80% range" in texts and "£1.0m to £3.0m" in texts


def test_sib_summary_missing_measure() -> None:
    frame = sib_frame(totals=False)
    with pytest.raises(demandmodel.DemandModelError, match="outcome_payments"):
        P.sib_summary(frame[frame["measure"] != "outcome_payments"])


# --- caseload ------------------------------------------------------------------------------


def caseload_forecast() -> Forecast:
    rng = np.random.default_rng(4)
    return Forecast(
        samples=17 + rng.normal(0.5, 1.0, size=(2000, 3)).cumsum(axis=1),
        periods=(2025, 2026, 2027),
        series=pd.DataFrame({"la_code": ["301"], "measure": ["sw_caseload"]}),
        model="ratio",
        origin=2024,
        history=pd.DataFrame({"period": [2022, 2023, 2024], "value": [16.0, 16.5, 17.0]}),
    )


def test_caseload_chart_threshold_and_probabilities() -> None:
    fc = caseload_forecast()
    fig = P.caseload_chart(fc, threshold=18)
    ax_c, ax_p = fig.axes
    thr = [ln for ln in ax_c.get_lines() if ln.get_gid() == "threshold"]
    assert len(thr) == 1 and thr[0].get_ydata()[0] == 18
    assert len([c for c in ax_c.collections if isinstance(c, PolyCollection)]) == 3
    probs = P.exceed_probability(fc, 18)
    # Independent check: P(17 + N(0.5k, k) > 18) for k = 1, 2, 3 steps.
    from scipy.stats import norm

    exact = [float(norm.sf(1, loc=0.5 * k, scale=np.sqrt(k))) for k in (1, 2, 3)]
    assert probs == pytest.approx(exact, abs=0.03)
    assert [round(p.get_height()) for p in ax_p.patches] == [round(p * 100) for p in probs]
    assert [t.get_text() for t in ax_p.texts] == [f"{p * 100:.0f}%" for p in probs]
    assert "Threshold: 18 cases" in legend_texts(ax_p)
    assert fig.get_suptitle().startswith("Chance that caseloads exceed 18 per social worker rises")


def test_caseload_chart_rejects_bad_threshold() -> None:
    with pytest.raises(demandmodel.DemandModelError, match="threshold"):
        P.caseload_chart(caseload_forecast(), threshold=-1)


# --- backtest ------------------------------------------------------------------------------


def test_backtest_chart_from_forecasts_counts_hits() -> None:
    actual = pd.DataFrame(
        {"period": range(2018, 2025), "value": [100.0, 110, 120, 130, 140, 150, 160]}
    )
    fcs = []
    for origin in (2019, 2021):
        periods = tuple(range(origin + 1, 2025))
        base = actual.loc[actual["period"] == origin, "value"].iloc[0]
        steps = np.random.default_rng(origin).normal(10, 5, size=(500, len(periods))).cumsum(axis=1)
        fcs.append(
            Forecast(
                samples=base + steps,
                periods=periods,
                series=LAB,
                model="drift",
                origin=origin,
                history=actual[actual["period"] <= origin],
            )
        )
    ax = P.backtest_chart(fcs, actuals=actual)
    assert legend_texts(ax) == ["Forecast from 2019", "Forecast from 2021", "What happened"]
    assert len([c for c in ax.collections if isinstance(c, PolyCollection)]) == 2
    frame = P.backtest.backtest_frame(fcs)
    joined = frame.merge(actual, on="period")
    hits = int(((joined["value"] >= joined["q10"]) & (joined["value"] <= joined["q90"])).sum())
    assert ax.get_figure().get_suptitle() == (
        f"{hits} of 8 outcomes fell inside the 80% range of forecasts from 2 origins"
    )


def test_backtest_chart_needs_actuals() -> None:
    frame = pd.DataFrame(
        {"origin": [2020], "period": [2021], "q10": [1.0], "q50": [2.0], "q90": [3.0]}
    )
    with pytest.raises(demandmodel.DemandModelError, match="actuals"):
        P.backtest_chart(frame)


# --- small multiples -----------------------------------------------------------------------


def many_las(n: int) -> Forecast:
    rng = np.random.default_rng(9)
    codes = [str(300 + i) for i in range(n)]
    hist = pd.DataFrame(
        {"la_code": np.repeat(codes, 2), "period": np.tile([2022, 2023], n), "value": 300.0}
    )
    trend = np.where(np.arange(n) % 2 == 0, 15.0, -15.0)
    return Forecast(
        samples=300 + rng.normal(trend, 3, size=(400, 3, n)).cumsum(axis=1),
        periods=(2024, 2025, 2026),
        series=pd.DataFrame(
            {"la_code": codes, "la_name": [f"LA {c}" for c in codes], "measure": "cla_31mar"}
        ),
        model="drift",
        origin=2023,
        history=hist,
    )


def test_small_multiples_one_panel_per_la() -> None:
    fig = P.small_multiples(many_las(6), ncols=4, source="test")
    visible = [a for a in fig.axes if a.get_visible()]
    assert len(visible) == 6 and len(fig.axes) == 8
    assert [a.get_title(loc="left") for a in visible] == [f"LA {300 + i}" for i in range(6)]
    for a in visible:
        assert len([c for c in a.collections if isinstance(c, PolyCollection)]) == 3
        assert [ln.get_gid() for ln in a.get_lines()].count("forecast-origin") == 1
    assert fig.get_suptitle() == "Children looked after projected to rise in 3 of 6 areas by 2026"
    assert fig.legends and "Actual" in [t.get_text() for t in fig.legends[0].get_texts()]


def test_small_multiples_refuses_too_many_panels() -> None:
    with pytest.raises(demandmodel.DemandModelError, match="too many"):
        P.small_multiples(many_las(40))


def test_charts_draw_on_caller_axes() -> None:
    fig = Figure()
    axes = fig.subplots(2, 2)
    P.placement_mix(mix_frame(), ax=axes[0, 0], title="Mix")
    P.cost_bridge(
        pd.DataFrame({"placement": ["A"], "baseline": [1e6], "scenario": [0.9e6]}), ax=axes[0, 1]
    )
    P.caseload_chart(caseload_forecast(), threshold=18, ax=[axes[1, 0], axes[1, 1]], title="Load")
    assert fig.get_suptitle() == ""
    assert axes[0, 0].get_title(loc="left").startswith("Mix")
    assert axes[1, 0].get_title(loc="left").startswith("Load")
