"""Social Impact Bond summary: care days avoided each year, and where the money goes.

Examples
--------
>>> import pandas as pd
>>> from demandmodel.plotting import sib_summary
>>> rows = [(y, m, v) for y, f in [(2025, 1.0), (2026, 2.0)] for m, v in
...         [("care_days_avoided", 9000 * f), ("gross_cost_avoided", 1.8e6 * f),
...          ("outcome_payments", 0.8e6 * f), ("service_cost", 0.3e6 * f)]]
>>> sib = pd.DataFrame(rows, columns=["period", "measure", "q50"])
>>> fig = sib_summary(sib)
>>> fig.get_suptitle()
'The bond saves the council a net £2.1m over 2025-2026 after £2.4m of outcome payments'
>>> [t.get_text() for t in fig.axes[1].get_xticklabels()]
['Placement cost\\navoided', 'Outcome\\npayments', 'Service\\ncost', 'Net saving']
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

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

SIB_MEASURES: dict[str, str] = {
    "care_days_avoided": "Care days avoided",
    "gross_cost_avoided": "Placement cost\navoided",
    "outcome_payments": "Outcome\npayments",
    "service_cost": "Service\ncost",
    "net_saving": "Net saving",
}
"""Measures read from the SIB frame and their chart labels (``service_cost`` is optional)."""


def _totals(frame: pd.DataFrame) -> dict[str, dict[str, float]]:
    """``{measure: {q50, q10?, q90?}}`` over the whole period.

    Uses the rows whose period is ``"total"`` when there are any, else sums the yearly medians.
    """
    is_total = frame[C.PERIOD].astype(str) == "total"
    if is_total.any():
        cols = [c for c in ("q10", "q50", "q90") if c in frame.columns]
        rows = frame.loc[is_total, ["measure", *cols]]
        return {str(r["measure"]): {c: float(r[c]) for c in cols} for r in rows.to_dict("records")}
    sums = frame.groupby("measure")["q50"].sum()
    return {str(k): {"q50": float(v)} for k, v in sums.items()}


def sib_summary(
    sib: pd.DataFrame,
    *,
    ax: Sequence[Axes] | None = None,
    title: str | None = None,
    subtitle: str | None = None,
    source: str | None = None,
    synthetic: bool = False,
    level: float = 0.8,
) -> Figure:
    """Two panels: care days avoided per year (with ranges), and a money waterfall to net saving.

    Parameters
    ----------
    sib
        Tidy frame with columns ``period``, ``measure``, ``q50`` and optionally ``q10`` and
        ``q90`` (the ``level`` range). Measures: ``care_days_avoided``, ``gross_cost_avoided``
        (£), ``outcome_payments`` (£) and optionally ``service_cost`` (£) and ``net_saving`` (£);
        others are not drawn. Rows whose ``period`` is the text ``"total"`` give whole-period
        figures with their own ranges; without them the waterfall adds the yearly medians.
    ax
        Two Axes (care days, money); a new figure when omitted.
    title, subtitle, source, synthetic, level
        As for :func:`~demandmodel.plotting.fan_chart`; ``level`` labels the ranges.

    Returns
    -------
    matplotlib.figure.Figure
        The money panel's net bar is placement cost avoided minus payments (and service cost),
        so the steps add up; a ``net_saving`` range, when given, is drawn as a whisker on it.
    """
    frame = require_frame(
        sib, "sib", required=(C.PERIOD, "measure", "q50"), numeric=("q50", "q10", "q90")
    )
    need = {"care_days_avoided", "gross_cost_avoided", "outcome_payments"}
    have = set(frame["measure"].astype(str))
    if need - have:
        raise DemandModelError(
            f"sib has no rows for measure(s) {sorted(need - have)}; it has {sorted(have)}. "
            "Pass the SIB finance output with these measures."
        )
    yearly = frame[frame[C.PERIOD].astype(str) != "total"]
    days = yearly[yearly["measure"] == "care_days_avoided"].sort_values(C.PERIOD)
    tot = _totals(frame)
    if need - set(tot):
        raise DemandModelError(
            f"sib has 'total' rows but none for {sorted(need - set(tot))}; give a total row for "
            "every measure or none at all (then yearly medians are added up)."
        )
    gross = tot["gross_cost_avoided"]["q50"]
    pay = tot["outcome_payments"]["q50"]
    svc = tot["service_cost"]["q50"] if "service_cost" in tot else None
    net = gross - pay - (svc or 0.0)
    scale, suffix, dec = S.money_scale(max(abs(gross), abs(net)))

    def money(v: float) -> str:
        return S.thousands(v, prefix="£", scale=scale, suffix=suffix, decimals=dec)

    span = f"{days[C.PERIOD].iloc[0]}-{days[C.PERIOD].iloc[-1]}" if len(days) else "the bond"
    pct = f"{level * 100:.0f}%"
    with S.house_style():
        own = ax is None
        if ax is None:
            fig, axes = S.new_figure(figsize=(10, 4.8), ncols=2, width_ratios=(1, 1.2))
            ax_days, ax_money = axes[0], axes[1]
        else:
            ax_days, ax_money = ax[0], ax[1]
            fig = S.figure_of(ax_days)
        x = np.arange(len(days))
        med = days["q50"].to_numpy()
        ax_days.bar(x, med, width=0.65, color=S.OKABE_ITO["bluish_green"], label="Median")
        if {"q10", "q90"} <= set(days.columns) and days[["q10", "q90"]].notna().all().all():
            err = np.vstack([med - days["q10"].to_numpy(), days["q90"].to_numpy() - med])
            ax_days.errorbar(
                x,
                med,
                yerr=err,
                fmt="none",
                ecolor=S.INK,
                capsize=4,
                lw=1.2,
                label=f"{pct} range",
            )
            ax_days.legend(loc="upper left")
        ax_days.set_xticks(x, [str(p) for p in days[C.PERIOD]])
        ax_days.set_xlabel("Year ending 31 March")
        ax_days.set_ylabel("Care days avoided")
        ax_days.yaxis.set_major_formatter(S.thousands_formatter())
        ax_days.set_title("Care days avoided each year", loc="left")

        steps = [("gross_cost_avoided", gross), ("outcome_payments", -pay)]
        if svc is not None:
            steps.append(("service_cost", -svc))
        level_ = 0.0
        top_money = max(gross, net, 0.0)
        for i, (_name, v) in enumerate(steps):
            colour = S.OKABE_ITO["bluish_green"] if v >= 0 else S.INCREASE
            ax_money.bar(
                i,
                v,
                bottom=level_,
                width=0.65,
                color=colour,
                hatch="" if v >= 0 else "//",
                edgecolor="white",
            )
            top = max(level_, level_ + v)
            S.label_above(ax_money, ("" if v >= 0 else "-") + money(abs(v)), i, top, fontsize=10)
            if i:
                S.bridge_step(ax_money, i, level_)
            level_ += v
        n = len(steps)
        S.bridge_step(ax_money, n, level_)
        ax_money.bar(n, net, width=0.65, color=S.OKABE_ITO["blue"] if net >= 0 else S.INCREASE)
        if {"q10", "q90"} <= set(tot.get("net_saving", {})):
            lo, hi = tot["net_saving"]["q10"], tot["net_saving"]["q90"]
            if np.isfinite([lo, hi]).all():
                ax_money.errorbar(
                    [n],
                    [net],
                    yerr=[[max(net - lo, 0)], [max(hi - net, 0)]],
                    fmt="none",
                    ecolor=S.INK,
                    capsize=4,
                    lw=1.2,
                )
                S.label_above(
                    ax_money,
                    f"{money(net)}\n({pct} range\n{money(lo)} to {money(hi)})",
                    n,
                    hi,
                    fontsize=9,
                )
                top_money = max(top_money, hi)
        else:
            S.label_above(ax_money, money(net), n, max(net, 0), fontsize=10, fontweight="bold")
        ax_money.axhline(0, color=S.MUTED, lw=0.8)
        names = [SIB_MEASURES[s] for s, _ in steps] + [SIB_MEASURES["net_saving"]]
        ax_money.set_xticks(range(len(names)), names)
        ax_money.set_ylabel(f"£{suffix}" if suffix else "£")
        ax_money.yaxis.set_major_formatter(
            S.thousands_formatter(prefix="£", scale=scale, suffix=suffix)
        )
        ax_money.set_title(f"Money over {span}", loc="left")
        lowest = min(0.0, net, *(lo_ for lo_ in [level_]))
        ax_money.set_ylim(lowest * 1.15, top_money * 1.22)
        if title is None:
            verb = "saves the council a net" if net >= 0 else "costs the council a net"
            title = f"The bond {verb} {money(abs(net))} over {span} after {money(pay)} of outcome payments"
        if own:
            fig.suptitle(title, x=0.01, ha="left", wrap=True)
            S.add_source_note(fig, S.source_note(source, synthetic=synthetic))
        else:
            ax_days.set_title(title, loc="left", fontweight="bold", color=S.INK)
        if subtitle:
            ax_days.set_title(subtitle, loc="left")
    return fig
