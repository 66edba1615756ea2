"""Small multiples: one small fan chart per local authority, on a grid, with one shared legend.

Examples
--------
>>> import numpy as np, pandas as pd
>>> from demandmodel import Forecast
>>> from demandmodel.plotting import small_multiples
>>> rng = np.random.default_rng(0)
>>> fc = Forecast(samples=300 + rng.normal(5, 10, size=(400, 3, 5)).cumsum(axis=1),
...               periods=(2024, 2025, 2026),
...               series=pd.DataFrame({"la_code": list("ABCDE"), "measure": "cla_31mar"}),
...               model="drift", origin=2023)
>>> fig = small_multiples(fc, ncols=3, title="Most LAs rise")
>>> [ax.get_title(loc="left") for ax in fig.axes if ax.get_visible()]
['A', 'B', 'C', 'D', 'E']
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from demandmodel import columns as C
from demandmodel.errors import DemandModelError
from demandmodel.plotting import _style as S
from demandmodel.plotting.fan import describe, draw_fan

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from demandmodel.forecast import Forecast

MAX_PANELS = 36


def default_multiples_title(forecast: Forecast, subject: str) -> str:
    """ "<subject> projected to rise in k of n areas by <last period>" (median vs last actual, 2%)."""
    med_last = forecast.quantile(0.5)[-1]
    hist = forecast.history
    rising = 0
    compared = 0
    for i in range(len(forecast.series)):
        row = forecast.series.iloc[i]
        if hist is None or not len(hist):
            continue
        mask = np.ones(len(hist), dtype=bool)
        for col in forecast.series.columns:
            if col in hist.columns:
                mask &= (hist[col] == row[col]).to_numpy()
        h = hist[mask].dropna(subset=[C.VALUE]).sort_values(C.PERIOD)
        if h.empty:
            continue
        compared += 1
        rising += int(med_last[i] > 1.02 * float(h[C.VALUE].iloc[-1]))
    if not compared:
        return f"{subject}: projections to {S.period_label(forecast.periods[-1])} by area"
    return f"{subject} projected to rise in {rising} of {compared} areas by {S.period_label(forecast.periods[-1])}"


def small_multiples(
    forecast: Forecast,
    *,
    by: str = C.LA_CODE,
    label: str | None = C.LA_NAME,
    ncols: int = 4,
    sharey: bool = False,
    levels: Sequence[float] = (0.95, 0.80, 0.50),
    ax: Sequence[Axes] | None = None,
    title: str | None = None,
    subtitle: str | None = None,
    source: str | None = None,
    synthetic: bool = False,
) -> Figure:
    """A grid of small fan charts, one per series of ``forecast`` (e.g. per LA).

    Parameters
    ----------
    forecast
        A :class:`~demandmodel.Forecast` with one series per ``by`` value (select one measure).
    by
        The label column that tells panels apart.
    label
        Column of panel titles (LA names), falling back to ``by`` when absent.
    ncols
        Panels per row.
    sharey
        Same y scale in every panel (compare sizes) or not (compare shapes; the default).
    levels
        Bands drawn in each panel.
    ax
        As many Axes as series; a new figure when omitted. At most 36 panels are drawn on a new
        figure: select fewer series (nothing is dropped silently).
    title, subtitle, source, synthetic
        As for :func:`~demandmodel.plotting.fan_chart`.

    Returns
    -------
    matplotlib.figure.Figure
    """
    n = len(forecast.series)
    if by not in forecast.series.columns:
        raise DemandModelError(
            f"The forecast has no label column {by!r}; it has {list(forecast.series.columns)}."
        )
    dup = forecast.series.drop(columns=[by]).drop_duplicates()
    if (
        len(dup) > 1
        and C.MEASURE in forecast.series.columns
        and forecast.series[C.MEASURE].nunique() > 1
    ):
        raise DemandModelError(
            "Small multiples compare one measure across panels; this forecast has measures "
            f"{sorted(forecast.series[C.MEASURE].unique())}. Use forecast.select(measure=...)."
        )
    if ax is None and n > MAX_PANELS:
        raise DemandModelError(
            f"{n} panels are too many to read on one page (at most {MAX_PANELS}); "
            "select a region or a list of LAs first, or pass your own axes."
        )
    if ax is not None and len(ax) < n:
        raise DemandModelError(f"{n} series need {n} axes; got {len(ax)}.")
    titles_col = label if label and label in forecast.series.columns else by
    with S.house_style():
        own = ax is None
        if ax is None:
            ncols = max(1, min(ncols, n))
            nrows = int(np.ceil(n / ncols))
            fig, grid = S.new_figure(
                figsize=(2.6 * ncols + 0.6, 2.1 * nrows + 1.4),
                nrows=nrows,
                ncols=ncols,
                sharex=True,
                sharey=sharey,
                squeeze=False,
            )
            axes = list(np.asarray(grid).ravel())
        else:
            axes = list(ax)
            fig = S.figure_of(axes[0])
        for i, a in enumerate(axes):
            if i >= n:
                a.set_visible(False)
                continue
            key = forecast.series[by].iloc[i]
            sub = forecast.select(**{by: key})
            with_hist = sub
            draw_fan(a, with_hist, levels=levels, compact=True)
            a.set_title(
                str(forecast.series[titles_col].iloc[i]), loc="left", color=S.INK, fontsize=10
            )
            a.yaxis.set_major_formatter(S.thousands_formatter())
            a.tick_params(labelsize=8)
            if isinstance(forecast.periods[0], (int, np.integer)):
                from matplotlib.ticker import FuncFormatter, MaxNLocator

                a.xaxis.set_major_locator(MaxNLocator(integer=True, nbins=3))
                a.xaxis.set_major_formatter(FuncFormatter(lambda v, _p: f"{v:.0f}"))
            if not sharey:
                a.set_ylim(bottom=0)
        if own:
            handles, labels = axes[0].get_legend_handles_labels()
            keep = [j for j, lab in enumerate(labels) if not lab.startswith("Forecast origin")]
            keep.sort(key=lambda j: ("range" in labels[j], labels[j]))
            fig.legend(
                [handles[j] for j in keep],
                [labels[j] for j in keep],
                loc="outside right upper",
                ncol=1,
                fontsize=9,
            )
            subject, _ = describe(forecast.select(**{by: forecast.series[by].iloc[0]}))
            fig.suptitle(
                title if title is not None else default_multiples_title(forecast, subject),
                x=0.01,
                ha="left",
                wrap=True,
            )
            fig.supylabel(subtitle if subtitle is not None else subject, fontsize=11, color=S.MUTED)
            S.add_source_note(fig, S.source_note(source, synthetic=synthetic))
    return fig
