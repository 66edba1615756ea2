"""Caseload per social worker against a threshold, with the chance of exceeding it each year.

Examples
--------
>>> import numpy as np, pandas as pd
>>> from demandmodel import Forecast
>>> from demandmodel.plotting import caseload_chart
>>> rng = np.random.default_rng(2)
>>> fc = Forecast(samples=16 + rng.normal(0.6, 1.0, size=(2000, 3)).cumsum(axis=1),
...               periods=(2025, 2026, 2027),
...               series=pd.DataFrame({"la_code": ["301"], "measure": ["sw_caseload"]}),
...               model="ratio", origin=2024)
>>> fig = caseload_chart(fc, threshold=18)
>>> probs = exceed_probability(fc, 18)
>>> [round(p, 2) for p in probs]
[0.08, 0.3, 0.46]
>>> fig.get_suptitle()
'Chance that caseloads exceed 18 per social worker rises to 46% by 2027'
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from demandmodel.errors import DemandModelError
from demandmodel.plotting import _style as S
from demandmodel.plotting.fan import LEVELS, describe, draw_fan, single_series

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from demandmodel.forecast import Forecast


def exceed_probability(forecast: Forecast, threshold: float) -> list[float]:
    """Share of simulated paths above ``threshold`` in each period of a one-series forecast."""
    single_series(forecast, "A caseload chart")
    return [float(p) for p in (forecast.samples[:, :, 0] > threshold).mean(axis=0)]


def caseload_chart(
    forecast: Forecast,
    *,
    threshold: float,
    ax: Sequence[Axes] | None = None,
    title: str | None = None,
    subtitle: str | None = None,
    ylabel: str = "Cases per social worker (FTE)",
    source: str | None = None,
    synthetic: bool = False,
    levels: Sequence[float] = LEVELS,
) -> Figure:
    """Fan chart of caseload per FTE with a threshold line, over bars of P(caseload > threshold).

    Parameters
    ----------
    forecast
        One-series :class:`~demandmodel.Forecast` of cases per case-holding FTE (its history,
        if any, is drawn as the actual line).
    threshold
        The caseload the council treats as unsafe or unmanageable (e.g. 18 or 20).
    ax
        Two Axes (caseload, probability); a new figure when omitted.
    title, subtitle, ylabel, source, synthetic, levels
        As for :func:`~demandmodel.plotting.fan_chart`.

    Returns
    -------
    matplotlib.figure.Figure
    """
    if not np.isfinite(threshold) or threshold <= 0:
        raise DemandModelError(f"threshold must be a positive number of cases; got {threshold!r}.")
    probs = exceed_probability(forecast, threshold)
    thr = S.thousands(threshold, decimals=0 if float(threshold).is_integer() else 1)
    with S.house_style():
        own = ax is None
        if ax is None:
            fig, axes = S.new_figure(
                figsize=(7.5, 6.2), nrows=2, sharex=True, height_ratios=(3, 1.4)
            )
            ax_c, ax_p = axes[0], axes[1]
        else:
            ax_c, ax_p = ax[0], ax[1]
            fig = S.figure_of(ax_c)
        draw_fan(ax_c, forecast, levels=levels)
        ax_c.axhline(
            threshold,
            color=S.OKABE_ITO["vermillion"],
            ls="--",
            lw=1.6,
            label=f"Threshold: {thr} cases",
            gid="threshold",
        )
        ax_c.set_ylabel(ylabel)
        ax_c.yaxis.set_major_formatter(S.thousands_formatter())
        ax_c.set_xlabel("")
        x = list(forecast.periods)
        bars = ax_p.bar(x, [p * 100 for p in probs], width=0.6, color=S.OKABE_ITO["vermillion"])
        for b, p in zip(bars, probs, strict=True):
            ax_p.annotate(
                f"{p * 100:.0f}%",
                xy=(b.get_x() + b.get_width() / 2, p * 100),
                xytext=(0, 2),
                textcoords="offset points",
                ha="center",
                va="bottom",
                fontsize=10,
            )
        ax_p.set_ylim(0, 115)
        ax_p.set_yticks([0, 50, 100])
        ax_p.yaxis.set_major_formatter(S.thousands_formatter(suffix="%"))
        ax_p.set_ylabel(f"Chance above {thr}")
        if all(isinstance(p, (int, np.integer)) for p in x):
            S.year_axis(ax_p)
            ax_p.set_xlabel("Year ending 31 March")
        h, labels = ax_c.get_legend_handles_labels()
        keep = sorted(range(len(h)), key=lambda i: ("range" in labels[i], i))
        S.legend_below(ax_p, ncol=3, handles=[h[i] for i in keep])
        if title is None:
            first, last = probs[0], probs[-1]
            verb = (
                "rises to"
                if last > first + 0.02
                else "falls to"
                if last < first - 0.02
                else "stays at about"
            )
            title = (
                f"Chance that caseloads exceed {thr} per social worker {verb} "
                f"{last * 100:.0f}% by {S.period_label(x[-1])}"
            )
        S.decorate(
            fig,
            ax_c,
            own_figure=own,
            title=title,
            subtitle=subtitle if subtitle is not None else describe(forecast)[1],
            source=S.source_note(source, synthetic=synthetic),
        )
    return fig
