"""Workbook and HTML report: they open, and hold every table, chart and assumption, formatted."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import base64
import datetime as dt
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from openpyxl import load_workbook

import demandmodel
from demandmodel import Forecast, write_html_report, write_workbook
from demandmodel import plotting as P


def forecast() -> Forecast:
    rng = np.random.default_rng(3)
    return Forecast(
        samples=1200 + rng.normal(20, 30, size=(600, 3)).cumsum(axis=1),
        periods=(2025, 2026, 2027),
        series=pd.DataFrame({"la_code": ["301"], "measure": ["cla_31mar"]}),
        model="drift",
        origin=2024,
        seed=3,
        vintage=2024,
        history=pd.DataFrame({"period": [2023, 2024], "value": [1150.0, 1200.0]}),
    )


def tables() -> dict[str, pd.DataFrame]:
    fc = forecast()
    costs = pd.DataFrame(
        {
            "period": [2025, 2026],
            "placement": ['=HYPERLINK("x")', "Residential"],
            "gross_cost": [1_234_567.0, 2_500_000.5],
            "p_exceed": [0.25, np.nan],
        }
    )
    wide = fc.summary().set_index(["la_code", "period"])
    return {"Forecast": fc.to_frame(), "Costs: by placement/year": costs, "Summary": wide}


# --- workbook ------------------------------------------------------------------------------


def test_workbook_has_every_table_formatted(tmp_path: Path) -> None:
    t = tables()
    path = write_workbook(
        t,
        tmp_path / "out" / "run.xlsx",
        assumptions={"Model": "drift", "Samples": 600},
        title="Run",
    )
    wb = load_workbook(path)
    assert wb.sheetnames == [
        "Contents",
        "Forecast",
        "Costs- by placement-year",
        "Summary",
        "Assumptions",
    ]
    assert wb.properties.title == "Run"
    fc = wb["Forecast"]
    header = [c.value for c in fc[1]]
    assert header == list(t["Forecast"].columns)
    assert all(c.font.bold for c in fc[1])
    assert fc.freeze_panes == "A2"
    assert fc.max_row == len(t["Forecast"]) + 1
    col = header.index("q50") + 1
    cell = fc.cell(row=2, column=col)
    assert isinstance(cell.value, (int, float))
    assert cell.value == pytest.approx(t["Forecast"]["q50"].iloc[0])
    assert cell.number_format == "#,##0.0"
    assert fc.cell(row=2, column=header.index("period") + 1).number_format == "0"
    assert fc.column_dimensions["A"].width >= len("la_code")

    costs = wb["Costs- by placement-year"]
    assert costs["C2"].value == 1_234_567 and costs["C2"].number_format == '"£"#,##0'
    assert costs["D2"].value == 0.25 and costs["D2"].number_format == "0.0%"
    assert costs["D3"].value is None  # NaN -> empty cell, not the text "nan"
    # Text that looks like a formula stays text.
    assert costs["B2"].value == '=HYPERLINK("x")' and costs["B2"].data_type == "s"

    summary = wb["Summary"]
    assert [c.value for c in summary[1]][:2] == ["la_code", "period"]  # index written as columns
    assumptions = wb["Assumptions"]
    assert [[c.value for c in row] for row in assumptions.iter_rows()] == [
        ["assumption", "value"],
        ["Model", "drift"],
        ["Samples", 600],
    ]
    contents = wb["Contents"]
    listed = [contents.cell(row=r, column=2).value for r in range(5, 9)]
    assert listed == ["Forecast", "Costs: by placement/year", "Summary", "Assumptions of the run"]


def test_workbook_unique_sheet_names_and_errors(tmp_path: Path) -> None:
    frame = pd.DataFrame({"a": [1]})
    name = "A very long table name that Excel would not accept"
    path = write_workbook({name: frame, name + " again": frame}, tmp_path / "x.xlsx")
    names = load_workbook(path).sheetnames
    assert len(set(names)) == 4 and all(len(n) <= 31 for n in names)
    with pytest.raises(demandmodel.DemandModelError, match=r"\.xlsx"):
        write_workbook({"a": frame}, tmp_path / "x.csv")
    with pytest.raises(demandmodel.DemandModelError, match="must be a pandas DataFrame"):
        write_workbook({"a": [1, 2]}, tmp_path / "y.xlsx")  # type: ignore[dict-item]


# --- HTML ----------------------------------------------------------------------------------


class Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def test_html_report_self_contained_with_everything(tmp_path: Path) -> None:
    fc = forecast()
    figs = {
        "Fan chart": fc.plot(source="test"),
        "Caseload": P.caseload_chart(fc, threshold=1250),
    }
    t = tables()
    path = write_html_report(
        tmp_path / "r" / "run.html",
        title="Anytown <run> & co",
        figures=figs,
        tables=t,
        key_figures={"Children looked after in 2027": 1263.4, "Chance above 1,250": "61%"},
        assumptions={"Model": "drift", "Discount rate": 0.035},
        forecast=fc,
        source="DfE",
        synthetic=True,
        notes="Notes <b>escaped</b>.",
        max_rows=2,
        created=dt.datetime(2026, 1, 2, 3, 4, tzinfo=dt.UTC),
    )
    page = path.read_text(encoding="utf-8")
    parser = Collector()
    parser.feed(page)
    text = " ".join(parser.text)
    # Offline: no external resources of any kind.
    for tag, attrs in parser.tags:
        for key in ("src", "href"):
            value = attrs.get(key)
            assert value is None or value.startswith("data:image/png;base64,"), (tag, value)
        assert tag not in ("script", "link", "iframe")
    imgs = [a for tag, a in parser.tags if tag == "img"]
    assert len(imgs) == 2
    for img in imgs:
        png = base64.b64decode(str(img["src"]).split(",", 1)[1])
        assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert imgs[0]["alt"] == figs["Fan chart"].get_figure().get_suptitle()
    tabs = [a["data-table"] for tag, a in parser.tags if tag == "table"]
    assert tabs == ["Forecast", "Costs: by placement/year", "Summary", "Assumptions"]
    assert "Showing the first 2 of 3 rows" in text
    assert "£1,234,567" in text and "25.0%" in text and "1,263" in text
    assert "Anytown <run> & co" in text
    assert "<h1>Anytown &lt;run&gt; &amp; co</h1>" in page
    assert "<b>escaped</b>" not in page
    assert "Synthetic data." in text
    for label in ("Model", "Seed", "Data vintage", "Forecast origin", "Simulated paths"):
        assert label in text
    assert "drift" in text and "2024" in text and "600" in text
    assert "2026-01-02 03:04 UTC" in text
    assert "Discount rate" in text and "0.035" in text


def test_html_report_minimal_and_bad_path(tmp_path: Path) -> None:
    path = write_html_report(tmp_path / "min.html", title="Nothing yet")
    text = path.read_text(encoding="utf-8")
    assert "No assumptions were recorded." in text and "not recorded" not in text
    with pytest.raises(demandmodel.DemandModelError, match=r"\.html"):
        write_html_report(tmp_path / "x.pdf", title="t")
