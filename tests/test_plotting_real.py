"""Charts and reports on real published data: England's children looked after, 1994-2022."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

from pathlib import Path

import numpy as np
import pandas as pd
from openpyxl import load_workbook

import demandmodel
from demandmodel import Forecast


def england_forecast(shared_data: Path) -> Forecast:
    panel = demandmodel.read_dfe(shared_data / "dfe" / "cla" / "cla_time_series_1994_2022.csv")
    series = demandmodel.panel_series(panel, "970", "cla_31mar").dropna()
    # A random walk with the historical spread of yearly changes: enough to draw a fan.
    steps = np.diff(series.to_numpy())
    rng = np.random.default_rng(2022)
    paths = series.iloc[-1] + rng.normal(0, steps.std(), size=(2000, 5)).cumsum(axis=1)
    return Forecast(
        samples=paths,
        periods=tuple(range(2023, 2028)),
        series=pd.DataFrame({"la_code": ["970"], "la_name": ["England"], "measure": ["cla_31mar"]}),
        model="naive",
        origin=int(series.index[-1]),
        seed=2022,
        vintage=2022,
        history=pd.DataFrame({"period": series.index.astype(int), "value": series.to_numpy()}),
    )


def test_fan_chart_and_reports_on_england_cla(shared_data: Path, tmp_path: Path) -> None:
    fc = england_forecast(shared_data)
    ax = fc.plot(source="DfE, Children looked after in England 2022")
    hist = fc.history
    assert hist is not None
    origin = next(ln for ln in ax.get_lines() if ln.get_gid() == "forecast-origin")
    assert origin.get_xdata()[0] == 2022
    assert origin.get_ydata()[0] == hist["value"].iloc[-1]
    actual = next(ln for ln in ax.get_lines() if ln.get_label() == "Actual")
    assert len(actual.get_xdata()) == len(hist) >= 25  # every published year is drawn
    # Tens of thousands of children: the axis and the title use thousands separators.
    ticks = [ax.yaxis.get_major_formatter()(v, 0) for v in ax.get_yticks() if v >= 10_000]
    assert ticks and all("," in t for t in ticks)
    title = ax.get_figure().get_suptitle()
    assert title.startswith("Children looked after projected to") and "," in title
    assert "Source: DfE, Children looked after in England 2022" in ax.get_figure().get_supxlabel()

    book = demandmodel.write_workbook(
        {"England forecast": fc.to_frame(), "England history": hist},
        tmp_path / "england.xlsx",
        assumptions={"Model": "naive random walk", "Paths": fc.n_samples},
        title="England CLA",
    )
    ws = load_workbook(book)["England history"]
    assert ws.max_row == len(hist) + 1
    assert ws.cell(row=ws.max_row, column=2).value == hist["value"].iloc[-1]
    page = demandmodel.write_html_report(
        tmp_path / "england.html", title="England CLA", figures={"Fan": ax}, forecast=fc
    ).read_text(encoding="utf-8")
    assert page.count("data:image/png;base64,") == 1
