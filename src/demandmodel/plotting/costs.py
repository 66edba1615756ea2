"""Costs by placement type over time, and the bridge (waterfall) from a baseline to a scenario.

Examples
--------
>>> import pandas as pd
>>> from demandmodel.plotting import cost_bridge
>>> bridge = pd.DataFrame({"placement": ["Residential", "IFA fostering", "In-house fostering"],
...                        "baseline": [12e6, 8e6, 4e6], "scenario": [10.5e6, 7.6e6, 4.4e6]})
>>> ax = cost_bridge(bridge)
>>> ax.get_figure().get_suptitle()
'Scenario saves £1.5m a year on placements (£24.0m to £22.5m)'
>>> [t.get_text() for t in ax.get_xticklabels()]
['Baseline', 'Residential', 'IFA fostering', 'In-house\\nfostering', 'Scenario']
"""

from __future__ import annotations

import textwrap
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from demandmodel import columns as C
from demandmodel.plotting import _style as S
from demandmodel.plotting._frames import require_frame

if TYPE_CHECKING:
    from matplotlib.axes import Axes


def _money(v: float, scale: float, suffix: str, decimals: int, *, sign: bool = False) -> str:
    text = S.thousands(v, prefix="£", scale=scale, decimals=decimals, suffix=suffix)
    return ("+" + text) if sign and v > 0 else text


def costs_by_placement(
    costs: pd.DataFrame,
    *,
    by: str = C.PLACEMENT,
    ax: Axes | None = None,
    title: str | None = None,
    subtitle: str = "Gross placement cost per year, £ cash prices",
    source: str | None = None,
    synthetic: bool = False,
) -> Axes:
    """Stacked bars of cost per period by placement type.

    Parameters
    ----------
    costs
        Tidy frame: ``period``, ``placement`` (or ``by``) and ``cost`` (£ in the period; medians
        or means of the simulated costs).
    by, ax, title, subtitle, source, synthetic
        Category column; as for :func:`~demandmodel.plotting.fan_chart` otherwise.

    Returns
    -------
    matplotlib.axes.Axes
    """
    frame = require_frame(costs, "costs", required=(C.PERIOD, by, "cost"), numeric=("cost",))
    wide = frame.pivot_table(index=C.PERIOD, columns=by, values="cost", aggfunc="sum", sort=True)
    wide = wide[list(wide.iloc[-1].sort_values(ascending=False).index)].fillna(0.0)
    total = wide.sum(axis=1)
    scale, suffix, dec = S.money_scale(float(total.abs().max()))
    with S.house_style():
        fig, ax, own = S.figure_and_axes(ax, figsize=(8.5, 4.8))
        x = np.arange(len(wide))
        bottom = np.zeros(len(wide))
        styles = S.category_styles(wide.columns)
        for col in wide.columns:
            ax.bar(
                x,
                wide[col].to_numpy(),
                bottom=bottom,
                width=0.7,
                label=str(col),
                color=styles[col][0],
                edgecolor="white",
                hatch=styles[col][1],
                linewidth=0.8,
            )
            bottom = bottom + wide[col].to_numpy()
        for xi, t in zip(x, total.to_numpy(), strict=True):
            S.label_above(ax, _money(t, scale, suffix, dec), xi, t, fontsize=9, color=S.INK)
        ax.set_xticks(x, [str(p) for p in wide.index])
        ax.set_xlabel("Year ending 31 March")
        ax.set_ylabel(f"£{suffix} per year" if suffix else "£ per year")
        ax.yaxis.set_major_formatter(
            S.thousands_formatter(prefix="£", scale=scale, suffix=suffix, decimals=0)
        )
        h, labels = ax.get_legend_handles_labels()
        ax.legend(h[::-1], labels[::-1], loc="center left", bbox_to_anchor=(1.01, 0.5))
        if title is None:
            title = (
                f"Placement costs projected at {_money(total.iloc[-1], scale, suffix, dec)} in "
                f"{S.period_label(wide.index[-1])}, {wide.columns[0]} the largest share"
            )
        S.decorate(
            fig,
            ax,
            own_figure=own,
            title=title,
            subtitle=subtitle,
            source=S.source_note(source, synthetic=synthetic),
        )
    return ax


def cost_bridge(
    bridge: pd.DataFrame,
    *,
    by: str = C.PLACEMENT,
    baseline_label: str = "Baseline",
    scenario_label: str = "Scenario",
    ax: Axes | None = None,
    title: str | None = None,
    subtitle: str = "Gross placement cost per year, £ cash prices",
    source: str | None = None,
    synthetic: bool = False,
) -> Axes:
    """Waterfall from the baseline's total cost, through the change in each placement, to the scenario's.

    Parameters
    ----------
    bridge
        Frame with one row per placement type: ``placement`` (or ``by``), ``baseline`` and
        ``scenario`` (£ for the same period and prices).
    baseline_label, scenario_label
        Names of the end bars.
    by, ax, title, subtitle, source, synthetic
        As for :func:`costs_by_placement`.

    Returns
    -------
    matplotlib.axes.Axes
        Increases are vermillion and hatched, decreases blue and plain, totals grey.
    """
    frame = require_frame(
        bridge, "bridge", required=(by, "baseline", "scenario"), numeric=("baseline", "scenario")
    )
    frame = frame.groupby(by, sort=False, as_index=False)[["baseline", "scenario"]].sum()
    frame["change"] = frame["scenario"] - frame["baseline"]
    start, end = float(frame["baseline"].sum()), float(frame["scenario"].sum())
    scale, suffix, dec = S.money_scale(max(abs(start), abs(end)))
    # Placements whose cost does not change get no bar, but are named under the axis.
    tiny = frame["change"].abs() < 0.5 * scale * 10.0 ** (-dec)
    unchanged = [str(v) for v in frame.loc[tiny, by]]
    moves = frame[~tiny]
    moves = moves.reindex(moves["change"].abs().sort_values(ascending=False).index)
    with S.house_style():
        fig, ax, own = S.figure_and_axes(ax, figsize=(8.5, 4.8))
        names = [baseline_label, *map(str, moves[by]), scenario_label]
        levels = [start]
        ax.bar(0, start, color=S.TOTAL, width=0.65, gid="bridge-total")
        tops = [start]
        level = start
        for i, ch in enumerate(moves["change"].to_numpy(), start=1):
            up = ch >= 0
            ax.bar(
                i,
                ch,
                bottom=level,
                width=0.65,
                color=S.INCREASE if up else S.DECREASE,
                hatch="//" if up else "",
                edgecolor="white",
                gid="bridge-increase" if up else "bridge-decrease",
            )
            S.bridge_step(ax, i, level)
            level += ch
            levels.append(level)
            tops.append(max(level, level - ch))
        n = len(names) - 1
        S.bridge_step(ax, n, level)
        ax.bar(n, end, color=S.TOTAL, width=0.65, gid="bridge-total")
        tops.append(end)
        labels = [_money(start, scale, suffix, dec)]
        labels += [_money(c, scale, suffix, dec, sign=True) for c in moves["change"]]
        labels += [_money(end, scale, suffix, dec)]
        for i, (top, text) in enumerate(zip(tops, labels, strict=True)):
            S.label_above(ax, text, i, top, fontsize=10, color=S.INK)
        ax.set_xticks(range(len(names)), [textwrap.fill(s, 14) for s in names])
        ax.tick_params(axis="x", length=0)
        lo, hi = min([*levels, end]), max([*levels, end])
        bottom = 0.0
        if lo > 0 and (hi - lo) < 0.25 * hi:
            # Changes are small against the totals: zoom in, and say so on the axis.
            step = 10 ** np.floor(np.log10(max(hi - lo, 1e-9) * 2))
            bottom = max(0.0, np.floor((lo - 1.5 * (hi - lo)) / step) * step)
        ylabel = f"£{suffix} per year" if suffix else "£ per year"
        if bottom > 0:
            ylabel += f"\n(axis starts at {_money(bottom, scale, suffix, 0)})"
        ax.set_ylabel(ylabel)
        ax.set_ylim(bottom=bottom if lo > 0 else lo * 1.1, top=hi + 0.12 * (hi - bottom))
        # A zoomed axis spans a few units of the scale: whole units would repeat tick labels.
        axis_decimals = 1 if (hi - bottom) / scale < 5 else 0
        ax.yaxis.set_major_formatter(
            S.thousands_formatter(prefix="£", scale=scale, suffix=suffix, decimals=axis_decimals)
        )
        if unchanged:
            note = textwrap.fill("No change: " + ", ".join(unchanged), 90)
            ax.set_xlabel(note, fontsize=10, color=S.MUTED)
        if title is None:
            diff = end - start
            verb = "saves" if diff < 0 else "adds"
            title = (
                f"{scenario_label} {verb} {_money(abs(diff), scale, suffix, dec)} a year on "
                f"placements ({_money(start, scale, suffix, dec)} to "
                f"{_money(end, scale, suffix, dec)})"
            )
        S.decorate(
            fig,
            ax,
            own_figure=own,
            title=title,
            subtitle=subtitle,
            source=S.source_note(source, synthetic=synthetic),
        )
    return ax
