"""Placement mix: a stacked area of children by placement type, actuals then projection.

Examples
--------
>>> import pandas as pd
>>> from demandmodel.plotting import placement_mix
>>> mix = pd.DataFrame({"period": [2023, 2023, 2024, 2024],
...                     "placement": ["Foster care", "Residential", "Foster care", "Residential"],
...                     "value": [300.0, 60.0, 310.0, 70.0]})
>>> ax = placement_mix(mix, title="Residential share rises")
>>> [t.get_text() for t in ax.get_legend().get_texts()]
['Residential', 'Foster care']
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from demandmodel import columns as C
from demandmodel.errors import DemandModelError
from demandmodel.plotting import _style as S
from demandmodel.plotting._frames import require_frame

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from demandmodel.forecast import Forecast


def mix_frame(data: Forecast | pd.DataFrame, *, by: str = C.PLACEMENT) -> pd.DataFrame:
    """Tidy ``period, <by>, value`` rows from a frame or a Forecast (mean of samples; actuals first).

    Means are used for a Forecast because, unlike medians, they add up across placements.
    """
    if isinstance(data, pd.DataFrame):
        return require_frame(data, "mix", required=(C.PERIOD, by, C.VALUE), numeric=(C.VALUE,))
    if by not in data.series.columns:
        raise DemandModelError(
            f"The forecast's series have no {by!r} label (they have "
            f"{list(data.series.columns)}); forecast by {by} or pass a frame."
        )
    mean = data.mean()
    proj = pd.DataFrame(
        {
            C.PERIOD: np.repeat(np.array(data.periods, dtype=object), len(data.series)),
            by: np.tile(data.series[by].to_numpy(), len(data.periods)),
            C.VALUE: mean.ravel(),
        }
    )
    hist = data.history
    if hist is not None and len(hist) and by in hist.columns:
        h = hist.groupby([C.PERIOD, by], sort=False, as_index=False)[C.VALUE].sum()
        proj = pd.concat([h[h[C.PERIOD] < min(data.periods)], proj], ignore_index=True)
    return proj


def placement_mix(
    data: Forecast | pd.DataFrame,
    *,
    by: str = C.PLACEMENT,
    order: Sequence[str] | None = None,
    share: bool = False,
    origin: Any = None,
    ax: Axes | None = None,
    title: str | None = None,
    subtitle: str | None = None,
    ylabel: str | None = None,
    source: str | None = None,
    synthetic: bool = False,
) -> Axes:
    """Stacked area of a count by placement type over time.

    Parameters
    ----------
    data
        A tidy frame with columns ``period``, ``placement`` (or ``by``) and ``value`` (children
        at 31 March, say), or a :class:`~demandmodel.Forecast` whose series carry a ``placement``
        label (its means are stacked, after its history when it has one).
    by
        The category column.
    order
        Stacking order, bottom first (default: largest first period at the bottom).
    share
        Stack percentages of the total instead of counts.
    origin
        Period of the last actual; a dotted line marks where projection starts (a Forecast's
        own origin is used by default).
    ax, title, subtitle, ylabel, source, synthetic
        As for :func:`~demandmodel.plotting.fan_chart`.

    Returns
    -------
    matplotlib.axes.Axes
    """
    tidy = mix_frame(data, by=by)
    if origin is None and not isinstance(data, pd.DataFrame):
        origin = data.origin
    wide = tidy.pivot_table(index=C.PERIOD, columns=by, values=C.VALUE, aggfunc="sum", sort=True)
    if order is None:
        order = list(wide.iloc[0].sort_values(ascending=False).index)
    missing = [c for c in wide.columns if c not in order]
    if missing:
        raise DemandModelError(
            f"order leaves out {missing}; list every {by} so no children are dropped from the chart."
        )
    wide = wide.reindex(columns=list(order)).fillna(0.0)
    if share:
        wide = wide.div(wide.sum(axis=1).replace(0, np.nan), axis=0).fillna(0.0) * 100
    with S.house_style():
        fig, ax, own = S.figure_and_axes(ax, figsize=(8.5, 4.8))
        x = list(wide.index)
        styles = S.category_styles(wide.columns)
        polys = ax.stackplot(
            x,
            *[wide[c].to_numpy() for c in wide.columns],
            labels=[S.category_label(c) for c in wide.columns],
            colors=[styles[c][0] for c in wide.columns],
            edgecolor="white",
            linewidth=0.8,
        )
        for c, p in zip(wide.columns, polys, strict=True):
            p.set_hatch(styles[c][1])
        if origin is not None:
            ax.axvline(origin, color=S.INK, ls=":", lw=1.2, gid="forecast-origin")
            top = ax.get_ylim()[1]
            ax.annotate(
                "Projected",
                xy=(origin, top),
                xytext=(4, -2),
                textcoords="offset points",
                va="top",
                ha="left",
                color=S.INK,
                fontsize=10,
            )
            ax.annotate(
                "Actual",
                xy=(origin, top),
                xytext=(-4, -2),
                textcoords="offset points",
                va="top",
                ha="right",
                color=S.INK,
                fontsize=10,
            )
        if all(isinstance(p, (int, np.integer)) for p in x):
            S.year_axis(ax)
            ax.set_xlabel("Year ending 31 March")
        ax.margins(x=0)
        if share:
            ax.set_ylim(0, 100)
            ax.yaxis.set_major_formatter(S.thousands_formatter(suffix="%"))
        else:
            ax.yaxis.set_major_formatter(S.thousands_formatter())
        ax.set_ylabel(ylabel or ("Share of children (%)" if share else "Children"))
        h, labels = ax.get_legend_handles_labels()
        ax.legend(h[::-1], labels[::-1], loc="center left", bbox_to_anchor=(1.01, 0.5))
        total = wide.sum(axis=1)
        if title is None:
            first, last = wide.iloc[0], wide.iloc[-1]
            grow: Any = (last - first).idxmax()
            unit = "%" if share else ""
            title = (
                f"{S.category_label(grow)} grows most, from {S.thousands(first[grow], suffix=unit)} in "
                f"{S.period_label(wide.index[0])} to {S.thousands(last[grow], suffix=unit)} in "
                f"{S.period_label(wide.index[-1])}"
                + ("" if share else f"; {S.thousands(total.iloc[-1])} children in all")
            )
        S.decorate(
            fig,
            ax,
            own_figure=own,
            title=title,
            subtitle=subtitle
            if subtitle is not None
            else f"Children by {by.replace('_', ' ')}" + (", % of total" if share else ""),
            source=S.source_note(source, synthetic=synthetic),
        )
    return ax
