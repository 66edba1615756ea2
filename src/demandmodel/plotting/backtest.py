"""Backtest chart: forecasts made from several past origins against what then happened.

Examples
--------
>>> import pandas as pd
>>> from demandmodel.plotting import backtest_chart
>>> fcs = pd.DataFrame({"origin": [2019, 2019, 2021, 2021], "period": [2020, 2021, 2022, 2023],
...                     "q10": [380.0, 370, 420, 415], "q50": [400.0, 405, 440, 450],
...                     "q90": [420.0, 440, 460, 465]})
>>> actual = pd.DataFrame({"period": range(2016, 2024),
...                        "value": [350.0, 362, 371, 390, 410, 430, 445, 470]})
>>> ax = backtest_chart(fcs, actuals=actual)
>>> ax.get_figure().get_suptitle()
'3 of 4 outcomes fell inside the 80% range of forecasts from 2 origins'
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from demandmodel import columns as C
from demandmodel.errors import DemandModelError
from demandmodel.plotting import _style as S
from demandmodel.plotting._frames import require_frame
from demandmodel.plotting.fan import actuals as history_of
from demandmodel.plotting.fan import single_series

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from demandmodel.forecast import Forecast

BACKTEST_COLUMNS: tuple[str, ...] = ("origin", C.PERIOD, "q10", "q50", "q90")


def backtest_frame(forecasts: Sequence[Forecast], *, level: float = 0.8) -> pd.DataFrame:
    """Tidy ``origin, period, q10, q50, q90`` rows from one-series forecasts made at several origins."""
    rows = []
    for fc in forecasts:
        single_series(fc, "A backtest chart")
        if fc.origin is None:
            raise DemandModelError(
                "Each backtest forecast needs its origin (the last year of data)."
            )
        q = fc.quantile([(1 - level) / 2, 0.5, (1 + level) / 2])[:, :, 0]
        rows.append(
            pd.DataFrame(
                {
                    "origin": fc.origin,
                    C.PERIOD: list(fc.periods),
                    "q10": q[0],
                    "q50": q[1],
                    "q90": q[2],
                }
            )
        )
    if not rows:
        raise DemandModelError("No backtest forecasts to draw.")
    return pd.concat(rows, ignore_index=True)


def backtest_chart(
    forecasts: Sequence[Forecast] | pd.DataFrame,
    *,
    actuals: pd.DataFrame | None = None,
    ax: Axes | None = None,
    level: float = 0.8,
    title: str | None = None,
    subtitle: str | None = None,
    ylabel: str = "Children",
    source: str | None = None,
    synthetic: bool = False,
) -> Axes:
    """Each origin's median and range, with the actual series drawn over them.

    Parameters
    ----------
    forecasts
        One-series :class:`~demandmodel.Forecast` objects made at different origins, or a frame
        with columns ``origin``, ``period``, ``q10``, ``q50``, ``q90`` (``q10``/``q90`` bound the
        ``level`` range).
    actuals
        What happened: ``period``, ``value``. Defaults to the longest history among the forecasts.
    ax, level, title, subtitle, ylabel, source, synthetic
        As for :func:`~demandmodel.plotting.fan_chart`. The default title counts how many
        outcomes fell inside the ranges.

    Returns
    -------
    matplotlib.axes.Axes
    """
    if isinstance(forecasts, pd.DataFrame):
        tidy = require_frame(
            forecasts, "forecasts", required=BACKTEST_COLUMNS, numeric=("q10", "q50", "q90")
        )
    else:
        tidy = backtest_frame(forecasts, level=level)
        if actuals is None:
            hists = [history_of(fc) for fc in forecasts]
            actuals = max(hists, key=len)
    if actuals is None or len(actuals) == 0:
        raise DemandModelError(
            "A backtest chart needs the actuals (period, value) to compare with."
        )
    act = require_frame(actuals, "actuals", required=(C.PERIOD, C.VALUE), numeric=(C.VALUE,))
    act = act.dropna(subset=[C.VALUE]).sort_values(C.PERIOD)
    origins = sorted(tidy["origin"].unique())
    joined = tidy.merge(act, on=C.PERIOD, how="inner")
    inside = int(((joined[C.VALUE] >= joined["q10"]) & (joined[C.VALUE] <= joined["q90"])).sum())
    pct = f"{level * 100:.0f}%"
    with S.house_style():
        fig, ax, own = S.figure_and_axes(ax, figsize=(8.5, 4.8))
        palette = [c for c in S.CATEGORICAL if c != S.OKABE_ITO["black"]]
        for i, o in enumerate(origins):
            d = tidy[tidy["origin"] == o].sort_values(C.PERIOD)
            colour = palette[i % len(palette)]
            start = act[act[C.PERIOD] == o]
            x, med, lo, hi = (
                list(d[C.PERIOD]),
                d["q50"].to_numpy(),
                d["q10"].to_numpy(),
                d["q90"].to_numpy(),
            )
            if not start.empty:
                v = float(start[C.VALUE].iloc[0])
                x, med = [o, *x], np.concatenate([[v], med])
                lo, hi = np.concatenate([[v], lo]), np.concatenate([[v], hi])
            ax.fill_between(x, lo, hi, color=colour, alpha=0.18, lw=0)
            ax.plot(x, med, color=colour, ls="--", label=f"Forecast from {S.period_label(o)}")
            if not start.empty:
                ax.plot(
                    [o],
                    [float(start[C.VALUE].iloc[0])],
                    marker="o",
                    color=colour,
                    ls="none",
                    markerfacecolor="white",
                    markeredgewidth=2,
                    zorder=4,
                )
        ax.plot(
            list(act[C.PERIOD]),
            act[C.VALUE].to_numpy(),
            color="black",
            marker="o",
            ms=4,
            label="What happened",
            zorder=5,
        )
        ax.yaxis.set_major_formatter(S.thousands_formatter())
        if all(isinstance(p, (int, np.integer)) for p in act[C.PERIOD]):
            S.year_axis(ax)
            ax.set_xlabel("Year ending 31 March")
        ax.set_ylabel(ylabel)
        ax.legend(loc="center left", bbox_to_anchor=(1.01, 0.5))
        if title is None:
            title = (
                f"{inside} of {len(joined)} outcomes fell inside the {pct} range of forecasts "
                f"from {len(origins)} origins"
            )
        S.decorate(
            fig,
            ax,
            own_figure=own,
            title=title,
            subtitle=subtitle
            if subtitle is not None
            else f"Medians (dashed) and {pct} ranges (shaded)",
            source=S.source_note(source, synthetic=synthetic),
        )
    return ax
