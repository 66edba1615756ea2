"""Write a run's outputs: tidy CSVs, charts (PNG 300 dpi and SVG), an Excel workbook, an HTML
report and a plain-text summary. File names say SYNTHETIC when the run used the synthetic LA."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from demandmodel.forecast import Forecast

if TYPE_CHECKING:
    from demandmodel.runner import RunResult
    from demandmodel.scenarios.sib import SIBResult


def total_series(fc: Forecast) -> Forecast:
    """The all-children series of a forecast (the ``total`` row of an episode-level forecast)."""
    if "kind" in fc.series.columns:
        return fc.select(kind="total")
    return fc


def placement_series(fc: Forecast) -> Forecast:
    """Only the by-placement totals of an episode-level forecast (not states, ages or the total)."""
    if "kind" in fc.series.columns:
        return fc.select(kind="placement")
    return fc


def _fmt(x: Any) -> str:
    return f"{float(x):,.0f}"


def _money(x: Any) -> str:
    value = float(x) / 1e6
    return f"-£{-value:,.1f}m" if value < 0 else f"£{value:,.1f}m"


def key_figures(result: RunResult) -> dict[str, str]:
    """The handful of numbers a Cabinet paper quotes, as text."""
    cmp = result.comparison
    base = total_series(cmp.forecasts[cmp.baseline])
    last = base.samples[:, -1, 0]
    period = base.periods[-1]
    label = period.strftime("%d %B %Y") if hasattr(period, "strftime") else str(period)
    q10, q50, q90 = np.quantile(last, [0.1, 0.5, 0.9])
    out = {
        f"Children looked after, {label} (baseline)": f"{_fmt(q50)} (80% range {_fmt(q10)}-{_fmt(q90)})"
    }
    for name in cmp.names[1:]:
        diff = total_series(cmp.forecasts[name]).samples[:, -1, 0] - last
        d10, d50, d90 = np.quantile(diff, [0.1, 0.5, 0.9])
        out[f"{name}: change by {label}"] = f"{d50:+,.0f} (80% range {d10:+,.0f} to {d90:+,.0f})"
    totals = result.tables.get("sib_totals")
    if totals is not None and not totals.empty:
        for (scenario, _sib), grp in totals.groupby(["scenario", "sib"]):
            g = grp.set_index("measure")
            days = g.loc["care_days_avoided"]
            saving = g.loc["council_net_saving"]
            out[f"{scenario}: care days avoided"] = (
                f"{_fmt(days['q50'])} (80% range {_fmt(days['q10'])} to {_fmt(days['q90'])})"
            )
            out[f"{scenario}: council net saving"] = (
                f"{_money(saving['q50'])} (80% range {_money(saving['q10'])} to "
                f"{_money(saving['q90'])})"
            )
    caseload = result.tables.get("caseload")
    if caseload is not None and not caseload.empty:
        row = caseload[caseload["scenario"] == cmp.baseline].iloc[-1]
        out[f"Caseload per FTE {row['period']} (baseline)"] = (
            f"{row['caseload_q50']:.1f}; chance above {row['threshold']:g}: {row['p_exceed']:.0%}"
        )
    return out


def sib_frame(res: SIBResult) -> pd.DataFrame:
    """A SIB's yearly and whole-life figures in the layout of :func:`demandmodel.plotting.sib_summary`."""
    rename = {"council_net_saving": "net_saving"}
    years = res.by_year().replace({"measure": rename})
    totals = res.totals().replace({"measure": rename})
    totals = totals[
        totals["measure"].isin(
            ["care_days_avoided", "gross_cost_avoided", "outcome_payments", "net_saving"]
        )
    ].assign(period="total")
    return pd.concat(
        [years, totals[["period", "measure", "mean", "q10", "q50", "q90"]]], ignore_index=True
    )


def write_outputs(result: RunResult, out: Path) -> list[Path]:
    """Write every table and chart of ``result`` under ``out``; return the paths written."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from demandmodel import plotting
    from demandmodel.plotting._style import category_label
    from demandmodel.report import write_html_report, write_workbook

    cfg = result.config
    synthetic = cfg.is_synthetic
    tag = "SYNTHETIC_" if synthetic else ""
    out.mkdir(parents=True, exist_ok=True)
    files: list[Path] = []
    for name, table in result.tables.items():
        path = out / f"{tag}{name}.csv"
        table.to_csv(path, index=False)
        files.append(path)

    cmp = result.comparison
    base = cmp.forecasts[cmp.baseline]
    caseload, sibs = result.caseload, result.sibs
    figures: dict[str, Any] = {}
    figures["Children looked after: baseline projection"] = plotting.fan_chart(
        total_series(base), synthetic=synthetic, ylabel="Children looked after"
    ).figure
    # Scenarios that change only costs (e.g. in-house fostering) would draw the baseline again.
    moving = [n for n in cmp.names[1:] if np.any(cmp.difference(n) != 0)]
    if moving:
        figures["Scenarios compared"] = plotting.scenario_comparison(
            {n: total_series(cmp.forecasts[n]) for n in [cmp.baseline, *moving]},
            baseline=cmp.baseline,
            synthetic=synthetic,
            subject="Children looked after",
            subtitle="Children looked after, number; lower panel: difference from the baseline",
            ylabel="Children looked after",
        )
    if "placement" in base.series.columns:
        figures["Placement mix (baseline)"] = plotting.placement_mix(
            placement_series(base), synthetic=synthetic
        ).figure
    costs = result.tables.get("costs")
    if costs is not None:
        yearly = costs[(costs["sub_type"] != "total") & (costs["period"] != "total (discounted)")]
        base_costs = yearly[yearly["scenario"] == cmp.baseline].rename(
            columns={"sub_type": "placement", "mean": "cost"}
        )
        base_costs["placement"] = base_costs["placement"].map(category_label)
        figures["Placement costs (baseline)"] = plotting.costs_by_placement(
            base_costs[["period", "placement", "cost"]], synthetic=synthetic
        ).figure
        last = yearly["period"].max()
        for name in cmp.names[1:]:
            pair = yearly[yearly["period"] == last].pivot_table(
                index="sub_type", columns="scenario", values="mean"
            )
            if name not in pair.columns or np.allclose(pair[name], pair[cmp.baseline]):
                continue  # nothing to bridge: the scenario does not change placement costs
            bridge = pd.DataFrame(
                {
                    "placement": [category_label(p) for p in pair.index],
                    "baseline": pair[cmp.baseline].to_numpy(),
                    "scenario": pair[name].to_numpy(),
                }
            )
            figures[f"Cost bridge: {name}"] = plotting.cost_bridge(
                bridge, scenario_label=name, synthetic=synthetic
            ).figure
    for name, items in sibs.items():
        for k, res in enumerate(items):
            figures[f"SIB: {name}" + (f" ({k + 1})" if len(items) > 1 else "")] = (
                plotting.sib_summary(sib_frame(res), synthetic=synthetic)
            )
    if cmp.baseline in caseload:
        threshold = float(cfg.workforce.get("threshold", 18.0))
        figures["Caseload per social worker (baseline)"] = plotting.caseload_chart(
            caseload[cmp.baseline], threshold=threshold, synthetic=synthetic
        )

    for k, (title, fig) in enumerate(figures.items(), start=1):
        stem = out / f"{tag}{k:02d}_{_slug(title)}"
        files.extend(plotting.save_figure(fig, stem))

    assumptions = _assumptions(cfg)
    files.append(
        write_workbook(
            result.tables, out / f"{tag}run.xlsx", assumptions=assumptions, title=cfg.title
        )
    )
    keys = key_figures(result)
    files.append(
        write_html_report(
            out / f"{tag}report.html",
            title=cfg.title,
            figures=figures,
            tables=result.tables,
            key_figures=keys,
            assumptions=assumptions,
            model=base.model,
            seed=cfg.seed,
            synthetic=synthetic,
        )
    )
    summary = out / f"{tag}summary.txt"
    summary.write_text(
        "\n".join([cfg.title, "", *(f"{k}: {v}" for k, v in keys.items())]) + "\n", encoding="utf-8"
    )
    files.append(summary)
    plt.close("all")
    return files


def _slug(text: str) -> str:
    keep = "".join(c.lower() if c.isalnum() else "_" for c in text)
    return "_".join(part for part in keep.split("_") if part)[:60]


def _assumptions(cfg: Any) -> dict[str, Any]:
    out: dict[str, Any] = {
        "data": cfg.data,
        "data kind": cfg.data_kind,
        "LA code": cfg.la_code,
        "origin (year ending 31 March)": cfg.origin,
        "horizon (years)": cfg.horizon,
        "samples": cfg.samples,
        "seed": cfg.seed,
        "reference years": cfg.reference_years,
        "placement price inflation": cfg.unit_costs.placement_inflation,
        "CPI": cfg.unit_costs.cpi,
        "discount rate": cfg.discount_rate,
    }
    for sub, (cost, year) in cfg.unit_costs.table.items():
        out[f"weekly cost: {sub}"] = f"£{cost:,.0f} ({year} prices)"
    for key, value in cfg.workforce.items():
        out[f"workforce: {key}"] = value
    if cfg.capacity is not None:
        out["capacity occupancy"] = cfg.capacity.occupancy
        for key, value in cfg.capacity.places.items():
            out[f"capacity: {key}"] = value
    for scenario in cfg.scenarios:
        out[f"scenario: {scenario.name}"] = (
            scenario.description or ", ".join(i.type for i in scenario.interventions) or "no change"
        )
    return out
