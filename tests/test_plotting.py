"""Fan chart and house style: structure and key elements on fixed data (never pixel hashes)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from matplotlib.collections import PolyCollection
from matplotlib.figure import Figure

import demandmodel
from demandmodel import Forecast
from demandmodel import plotting as P


def make_forecast(*, n_series: int = 1, history: bool = True, seed: int = 7) -> Forecast:
    rng = np.random.default_rng(seed)
    steps = rng.normal(10, 12, size=(800, 5, n_series)).cumsum(axis=1)
    codes = [str(300 + i) for i in range(n_series)]
    hist = None
    if history:
        hist = pd.DataFrame(
            {
                "la_code": np.repeat(codes, 6),
                "measure": "cla_31mar",
                "period": np.tile(np.arange(2017, 2023), n_series),
                "value": np.tile([400.0, 410, 405, 420, 430, 440], n_series),
            }
        )
    return Forecast(
        samples=440 + steps,
        periods=tuple(range(2023, 2028)),
        series=pd.DataFrame({"la_code": codes, "measure": "cla_31mar"}),
        model="drift",
        origin=2022,
        seed=seed,
        vintage=2024,
        history=hist,
    )


def labels(ax: object) -> list[str]:
    leg = ax.get_legend()  # type: ignore[attr-defined]
    return [t.get_text() for t in leg.get_texts()]


def test_fan_chart_structure() -> None:
    fc = make_forecast()
    ax = P.fan_chart(fc, source="DfE", synthetic=True)
    fig = ax.get_figure()
    bands = [c for c in ax.collections if isinstance(c, PolyCollection)]
    assert [b.get_label() for b in bands] == ["95% range", "80% range", "50% range"]
    # Bands are nested: each narrower band lies inside the wider one.
    widths = [np.ptp(b.get_paths()[0].vertices[:, 1]) for b in bands]
    assert widths[0] > widths[1] > widths[2] > 0
    assert fig.get_suptitle().startswith("Children looked after projected to rise to")
    assert "(80% range " in fig.get_suptitle()
    assert ax.get_xlabel() == "Year ending 31 March"
    assert ax.get_ylabel() == "Children looked after"
    assert ax.get_title(loc="left").startswith("Children looked after at 31 March")
    assert {"Actual", "Projection (median)", "Forecast origin (2022)"} <= set(labels(ax))
    origin = [ln for ln in ax.get_lines() if ln.get_gid() == "forecast-origin"]
    assert len(origin) == 1
    assert origin[0].get_xdata()[0] == 2022
    assert origin[0].get_ydata()[0] == 440.0
    text = fig.get_supxlabel().replace("\n", " ")
    assert text.startswith("Source: DfE.")
    assert "800 simulations, seed 7" in text
    assert "Synthetic data" in text


def test_fan_chart_thousands_and_years() -> None:
    fc = make_forecast()
    big = Forecast(
        samples=fc.samples * 30,
        periods=fc.periods,
        series=fc.series,
        model="drift",
        origin=2022,
    )
    ax = P.fan_chart(big, title="A title")
    fmt_y = ax.yaxis.get_major_formatter()
    fmt_x = ax.xaxis.get_major_formatter()
    assert fmt_y(12500.0, 0) == "12,500"
    assert fmt_x(2025.0, 0) == "2025"
    assert ax.get_figure().get_suptitle() == "A title"


def test_fan_chart_without_history_marks_origin_with_a_line() -> None:
    ax = P.fan_chart(make_forecast(history=False))
    origin = [ln for ln in ax.get_lines() if ln.get_gid() == "forecast-origin"]
    assert len(origin) == 1
    assert "Actual" not in labels(ax)


def test_fan_chart_on_caller_axes_keeps_their_figure() -> None:
    fig = Figure()
    ax0, ax1 = fig.subplots(1, 2)
    out = make_forecast().plot(ax=ax1, title="Right panel")
    assert out is ax1
    assert fig.get_suptitle() == ""
    assert ax1.get_title(loc="left").startswith("Right panel")
    assert not ax0.collections


def test_fan_chart_rejects_many_series_with_advice() -> None:
    with pytest.raises(demandmodel.DemandModelError, match=r"select\(la_code=") as err:
        P.fan_chart(make_forecast(n_series=2))
    assert "small_multiples" in str(err.value)


def test_finding_title_verbs() -> None:
    kw = {"low": 410.0, "high": 510.0, "period": 2025}
    rise = P.finding_title("Children looked after", median=461, last=400, **kw)
    assert rise == "Children looked after projected to rise to 460 by 2025 (80% range 410-510)"
    assert "fall to" in P.finding_title("X", median=300, last=400, **kw)
    assert "stay at about 400 by" in P.finding_title("X", median=401, last=400, **kw)
    assert "12,300" in P.finding_title("X", median=12_345, low=1, high=2, period=2030)


def test_save_figure_writes_png_and_svg(tmp_path: Path) -> None:
    ax = P.fan_chart(make_forecast())
    png, svg = P.save_figure(ax.get_figure(), tmp_path / "sub" / "fan")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert svg.read_text().lstrip().startswith("<?xml")
    # 300 dpi at 7.5 x 4.5 inches.
    import struct

    w, h = struct.unpack(">II", png.read_bytes()[16:24])
    assert (w, h) == (2250, 1350)
    # SVG carries no date, so drawing and saving again gives the same file.
    first = svg.read_bytes()
    P.save_figure(P.fan_chart(make_forecast()).get_figure(), tmp_path / "again.svg")
    assert (tmp_path / "again.svg").read_bytes() == first


def test_fan_chart_with_date_periods_and_subfigures() -> None:
    rng = np.random.default_rng(0)
    periods = tuple(pd.date_range("2025-03-31", periods=4, freq="YE-MAR"))
    fc = Forecast(
        samples=100 + rng.normal(2, 5, size=(300, 4)).cumsum(axis=1),
        periods=periods,
        series=pd.DataFrame({"measure": ["cla_31mar"]}),
        model="m",
        origin=pd.Timestamp("2024-03-31"),
        history=pd.DataFrame(
            {"period": pd.date_range("2021-03-31", periods=4, freq="YE-MAR"), "value": 100.0}
        ),
    )
    ax = fc.plot()
    assert " by March 2028 (80% range " in ax.get_figure().get_suptitle()
    assert "Forecast origin (March 2024)" in labels(ax)
    fig = Figure()
    left, _right = fig.subfigures(1, 2)
    sub_ax = left.subplots()
    out = P.fan_chart(fc, ax=sub_ax, title="Left")
    assert out.get_title(loc="left").startswith("Left")


GALLERY = (
    "fan_chart",
    "scenario_comparison",
    "placement_mix",
    "costs_by_placement",
    "cost_bridge",
    "sib_summary",
    "caseload",
    "backtest",
    "small_multiples",
)


def test_gallery_is_committed_small_and_300_dpi(repo_root: Path) -> None:
    import struct

    folder = repo_root / "docs" / "gallery"
    script = (repo_root / "docs" / "make_gallery.py").read_text(encoding="utf-8")
    total = 0
    for name in GALLERY:
        assert f'"{name}")' in script, f"make_gallery.py does not draw {name}"
        data = (folder / f"{name}.png").read_bytes()
        total += len(data)
        assert len(data) < 600_000, name
        at = data.index(b"pHYs")
        ppm_x, _ppm_y, unit = struct.unpack(">IIB", data[at + 4 : at + 13])
        assert unit == 1 and round(ppm_x * 0.0254) == 300, name
    assert total < 5_000_000


def test_label_above_and_bridge_step_draw_on_the_given_axes() -> None:
    from demandmodel.plotting import _style as S

    ax = Figure().subplots()
    S.label_above(ax, "£1.2m", 2, 5.0, fontsize=9, color=S.INK)
    S.bridge_step(ax, 3, 7.5)
    (note,) = ax.texts
    assert note.get_text() == "£1.2m"
    assert note.xy == (2, 5.0)
    assert note.get_fontsize() == 9 and note.get_color() == S.INK
    assert (note.get_ha(), note.get_va()) == ("center", "bottom")
    (line,) = ax.lines
    assert list(line.get_xdata()) == [3 - 1.325, 3 + 0.325]
    assert list(line.get_ydata()) == [7.5, 7.5] and line.get_linestyle() == ":"


def test_figure_and_axes_new_or_given() -> None:
    from demandmodel.plotting import _style as S

    fig, ax, own = S.figure_and_axes(None, figsize=(8.5, 4.8))
    assert own and ax.figure is fig and tuple(fig.get_size_inches()) == (8.5, 4.8)
    given = Figure().subplots()
    fig2, ax2, own2 = S.figure_and_axes(given)
    assert not own2 and ax2 is given and fig2 is given.figure


def test_episode_level_series_are_named_in_plain_english() -> None:
    series = pd.DataFrame(
        {"state": ["total"] * 3, "level": ["looked_after"] * 3, "age_band": ["", "10-15", ""],
         "placement": ["", "", "fostering"], "kind": ["total", "age_band", "placement"]}
    )  # fmt: skip
    rng = np.random.default_rng(0)
    fc = Forecast(
        samples=rng.poisson(300, (50, 2, 3)).astype(float),
        periods=(pd.Timestamp("2024-03-31"), pd.Timestamp("2025-03-31")),
        series=series,
        model="markov",
    )
    titles = {
        kind: P.fan_chart(fc.select(kind=kind)).get_figure().texts[0].get_text()
        for kind in ("total", "age_band", "placement")
    }
    assert titles["total"].startswith("Children looked after projected")
    assert titles["age_band"].startswith("Children looked after aged 10-15")
    assert titles["placement"].startswith("Children looked after in fostering")
    assert not any("Value" in t for t in titles.values())
