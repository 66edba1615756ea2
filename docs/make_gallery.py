"""Regenerate the chart gallery: ``python docs/make_gallery.py`` writes docs/gallery/*.png.

Every chart is drawn from fixed synthetic data (seeded), so re-running gives the same pictures;
each carries a note saying the data are synthetic. PNGs are 300 dpi at a modest size; SVGs are
written only with ``--svg`` (they are not committed).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd

from demandmodel import Forecast
from demandmodel import plotting as P

OUT = Path(__file__).resolve().parent / "gallery"
SOURCE = "synthetic 'Anytown' council, demandmodel gallery"
PERIODS = tuple(range(2025, 2030))
HIST_YEARS = np.arange(2016, 2025)
N = 4000


def cla_forecast(rng: np.random.Generator, *, effect: np.ndarray | None = None) -> Forecast:
    """Children looked after in a mid-sized LA: history and a random-walk-with-drift projection."""
    hist = np.array([372, 381, 398, 405, 419, 415, 428, 441, 452], dtype=float)
    steps = rng.normal(9, 14, size=(N, len(PERIODS))).cumsum(axis=1)
    paths = hist[-1] + steps
    if effect is not None:
        paths = paths - effect
    return Forecast(
        samples=paths,
        periods=PERIODS,
        series=pd.DataFrame({"la_code": ["999"], "la_name": ["Anytown"], "measure": ["cla_31mar"]}),
        model="drift",
        origin=2024,
        seed=2024,
        vintage=2024,
        history=pd.DataFrame(
            {"la_code": "999", "measure": "cla_31mar", "period": HIST_YEARS, "value": hist}
        ),
        metadata={"synthetic": True},
    )


def make(out: Path, *, svg: bool = False) -> list[Path]:
    """Draw every chart into ``out``; return the PNG paths."""
    rng = np.random.default_rng(2024)
    written: list[Path] = []

    def save(fig: object, name: str) -> None:
        png, svg_path = P.save_figure(fig, out / name)  # type: ignore[arg-type]
        if not svg:
            svg_path.unlink()
        written.append(png)

    # 1. Fan chart.
    base = cla_forecast(np.random.default_rng(1))
    save(base.plot(source=SOURCE), "fan_chart")

    # 2. Scenario comparison: an edge-of-care service diverting entries, common random numbers.
    effect = np.random.default_rng(2).normal(1, 0.35, size=(N, 1)) * np.array([4, 12, 20, 26, 30])
    variant = cla_forecast(np.random.default_rng(1), effect=effect)
    fig = P.scenario_comparison(
        {"Baseline": base, "Edge of care service": variant}, source=SOURCE, synthetic=True
    )
    save(fig, "scenario_comparison")

    # 3. Placement mix.
    placements = {
        "In-house fostering": 0.32,
        "IFA fostering": 0.26,
        "Residential": 0.12,
        "Placed with parents": 0.08,
        "Kinship / friends and family": 0.14,
        "Other": 0.08,
    }
    years = np.arange(2018, 2030)
    total = 400 + 9 * (years - 2018)
    drift = {"In-house fostering": -0.006, "IFA fostering": 0.002, "Residential": 0.004}
    rows = []
    for name, share in placements.items():
        s = share + drift.get(name, 0.0) * (years - 2018)
        rows.append(pd.DataFrame({"period": years, "placement": name, "value": total * s}))
    mix = pd.concat(rows, ignore_index=True)
    ax = P.placement_mix(mix, origin=2024, source=SOURCE, synthetic=True)
    save(ax, "placement_mix")

    # 4. Costs by placement, and the bridge to a scenario.
    weekly = {
        "In-house fostering": 450,
        "IFA fostering": 900,
        "Residential": 5800,
        "Placed with parents": 150,
        "Kinship / friends and family": 300,
        "Other": 1500,
    }
    cost = mix[mix["period"] >= 2024].copy()
    cost["cost"] = cost["value"] * cost["placement"].map(weekly).astype(float) * 52.14
    ax = P.costs_by_placement(cost[["period", "placement", "cost"]], source=SOURCE, synthetic=True)
    save(ax, "costs_by_placement")
    last = cost[cost["period"] == 2029].set_index("placement")["cost"]
    shift = {"Residential": -0.15, "IFA fostering": -0.10, "In-house fostering": 0.18}
    bridge = pd.DataFrame(
        {
            "placement": last.index,
            "baseline": last.to_numpy(),
            "scenario": [v * (1 + shift.get(k, 0.0)) for k, v in last.items()],
        }
    )
    ax = P.cost_bridge(
        bridge,
        scenario_label="Sufficiency plan",
        subtitle="Gross placement cost in the year ending 31 March 2029, £ cash prices",
        source=SOURCE,
        synthetic=True,
    )
    save(ax, "cost_bridge")

    # 5. Social Impact Bond summary.
    sib_rows = []
    for i, year in enumerate(range(2025, 2030)):
        ramp = min(1.0, (i + 1) / 3)
        days = 14_000 * ramp
        for measure, q50, spread in [
            ("care_days_avoided", days, 0.35),
            ("gross_cost_avoided", days * 160.0, 0.35),
            ("outcome_payments", days * 70.0, 0.30),
            ("service_cost", 420_000.0, 0.0),
        ]:
            sib_rows.append((year, measure, q50 * (1 - spread), q50, q50 * (1 + spread)))
    sib = pd.DataFrame(sib_rows, columns=["period", "measure", "q10", "q50", "q90"])
    totals = sib.groupby("measure", as_index=False)[["q10", "q50", "q90"]].sum()
    net = totals.set_index("measure")
    net_q50 = (
        net.loc["gross_cost_avoided", "q50"]
        - net.loc["outcome_payments", "q50"]
        - net.loc["service_cost", "q50"]
    )
    totals = pd.concat(
        [
            totals,
            pd.DataFrame(
                {
                    "measure": ["net_saving"],
                    "q10": [net_q50 * 0.2],
                    "q50": [net_q50],
                    "q90": [net_q50 * 1.7],
                }
            ),
        ],
        ignore_index=True,
    ).assign(period="total")
    sib = pd.concat([sib.astype({"period": object}), totals], ignore_index=True)
    save(P.sib_summary(sib, source=SOURCE, synthetic=True), "sib_summary")

    # 6. Caseload per FTE against a threshold.
    cl_hist = np.array([16.1, 16.8, 17.5, 17.0, 17.9, 18.4, 17.6, 18.2, 18.9])
    cl = Forecast(
        samples=cl_hist[-1] + rng.normal(0.25, 0.9, size=(N, len(PERIODS))).cumsum(axis=1),
        periods=PERIODS,
        series=pd.DataFrame(
            {"la_code": ["999"], "la_name": ["Anytown"], "measure": ["sw_caseload"]}
        ),
        model="ratio",
        origin=2024,
        history=pd.DataFrame({"period": HIST_YEARS, "value": cl_hist}),
    )
    save(P.caseload_chart(cl, threshold=20, source=SOURCE, synthetic=True), "caseload")

    # 7. Backtest: forecasts from three past origins.
    actual = pd.DataFrame(
        {"period": HIST_YEARS, "value": [372.0, 381, 398, 405, 419, 415, 428, 441, 452]}
    )
    bt = []
    for origin in (2018, 2020, 2022):
        v0 = float(actual.loc[actual["period"] == origin, "value"].iloc[0])
        h = np.arange(1, 2025 - origin)
        paths = v0 + np.random.default_rng(origin).normal(11, 14, size=(N, len(h))).cumsum(axis=1)
        q = np.quantile(paths, [0.1, 0.5, 0.9], axis=0)
        bt.append(
            pd.DataFrame(
                {"origin": origin, "period": origin + h, "q10": q[0], "q50": q[1], "q90": q[2]}
            )
        )
    ax = P.backtest_chart(
        pd.concat(bt, ignore_index=True),
        actuals=actual,
        ylabel="Children looked after",
        source=SOURCE,
        synthetic=True,
    )
    save(ax, "backtest")

    # 8. Small multiples over eight LAs.
    names = [
        "Anytown",
        "Brookfield",
        "Castlemere",
        "Dunmore",
        "Eastwick",
        "Fairholme",
        "Greystone",
        "Highcliff",
    ]
    levels = np.array([452, 310, 820, 190, 560, 275, 1210, 640], dtype=float)
    trend = np.array([9, -4, 22, 3, -8, 6, 30, 0], dtype=float)
    paths = levels + rng.normal(trend, levels * 0.03, size=(N, len(PERIODS), len(names))).cumsum(
        axis=1
    )
    hist_rows = []
    for code, lvl, tr in zip(range(len(names)), levels, trend, strict=True):
        past = lvl - tr * (2024 - HIST_YEARS) + rng.normal(0, lvl * 0.02, size=len(HIST_YEARS))
        past[-1] = lvl
        hist_rows.append(pd.DataFrame({"la_code": str(code), "period": HIST_YEARS, "value": past}))
    many = Forecast(
        samples=paths,
        periods=PERIODS,
        series=pd.DataFrame(
            {
                "la_code": [str(i) for i in range(len(names))],
                "la_name": names,
                "measure": "cla_31mar",
            }
        ),
        model="drift",
        origin=2024,
        history=pd.concat(hist_rows, ignore_index=True),
    )
    fig = P.small_multiples(
        many,
        source=SOURCE,
        synthetic=True,
    )
    save(fig, "small_multiples")
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=OUT, help="folder for the PNGs")
    parser.add_argument("--svg", action="store_true", help="also keep SVG files")
    args = parser.parse_args(argv)
    for png in make(args.out, svg=args.svg):
        print(
            f"{png.relative_to(args.out.parent) if png.is_relative_to(args.out.parent) else png}"
            f"  {png.stat().st_size / 1024:.0f} KB"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
