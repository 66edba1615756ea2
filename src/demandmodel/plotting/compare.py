"""Scenario comparison: baseline and variants with their ranges, and the difference they make.

Examples
--------
>>> import numpy as np, pandas as pd
>>> from demandmodel import Forecast
>>> from demandmodel.plotting import scenario_comparison
>>> rng = np.random.default_rng(5)
>>> base = 400 + rng.normal(10, 10, size=(500, 4)).cumsum(axis=1)
>>> lab = pd.DataFrame({"la_code": ["301"], "measure": ["cla_31mar"]})
>>> fcs = {name: Forecast(samples=base - cut, periods=(2024, 2025, 2026, 2027), series=lab,
...                       model="drift", origin=2023, seed=5)
...        for name, cut in [("Baseline", 0.0), ("Edge of care service", np.array([0, 10, 20, 30]))]}
>>> fig = scenario_comparison(fcs)
>>> fig.get_suptitle()
'By 2027, Edge of care service means 30 fewer children looked after than Baseline (80% range 30-30 fewer)'
>>> [ax.get_title(loc="left") for ax in fig.axes]
['Children looked after at 31 March, LA 301', 'Difference from Baseline']
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from demandmodel import columns as C
from demandmodel.errors import DemandModelError
from demandmodel.plotting import _style as S
from demandmodel.plotting._frames import require_frame
from demandmodel.plotting.fan import actuals, describe, single_series

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from demandmodel.forecast import Forecast

LINESTYLES: tuple[str, ...] = ("-", "--", "-.", ":")
FRAME_COLUMNS: tuple[str, ...] = ("scenario", C.PERIOD, "q10", "q50", "q90")


def _from_forecasts(
    scenarios: Mapping[str, Forecast], baseline: str, level: float
) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """Tidy level and difference rows (difference per sample: common random numbers)."""
    base = scenarios[baseline]
    lo_q, hi_q = (1 - level) / 2, (1 + level) / 2
    rows: list[pd.DataFrame] = []
    for name, fc in scenarios.items():
        single_series(fc, "A scenario comparison")
        if fc.periods != base.periods or fc.n_samples != base.n_samples:
            raise DemandModelError(
                f"Scenario {name!r} has periods {fc.periods} and {fc.n_samples} samples but the "
                f"baseline {baseline!r} has {base.periods} and {base.n_samples}. Run every scenario "
                "on the same periods and random numbers (common random numbers) to compare them."
            )
        for kind, arr in (("level", fc.samples[:, :, 0]), ("difference", None)):
            if kind == "difference":
                if name == baseline:
                    continue
                arr = fc.samples[:, :, 0] - base.samples[:, :, 0]
            assert arr is not None
            q = np.quantile(arr, [lo_q, 0.5, hi_q], axis=0)
            rows.append(
                pd.DataFrame(
                    {
                        "scenario": name,
                        "kind": kind,
                        C.PERIOD: list(fc.periods),
                        "q10": q[0],
                        "q50": q[1],
                        "q90": q[2],
                    }
                )
            )
    tidy = pd.concat(rows, ignore_index=True)
    hist = actuals(base)
    return tidy, (hist if not hist.empty else None)


def _difference_title(diff: pd.DataFrame, baseline: str, subject: str, level: float) -> str:
    last = diff[diff[C.PERIOD] == diff[C.PERIOD].max()].iloc[0]
    med, lo, hi = float(last["q50"]), float(last["q10"]), float(last["q90"])
    word = "more" if med >= 0 else "fewer"
    a, b = sorted((abs(lo), abs(hi))) if lo * hi >= 0 else (lo, hi)
    rng = (
        f"{S.thousands(S.nice_round(a))}-{S.thousands(S.nice_round(b))} {word}"
        if lo * hi >= 0
        else f"{S.thousands(S.nice_round(lo))} to +{S.thousands(S.nice_round(hi))}"
    )
    return (
        f"By {S.period_label(last[C.PERIOD])}, {last['scenario']} means {S.thousands(S.nice_round(abs(med)))} "
        f"{word} {subject.lower()} than {baseline} ({level * 100:.0f}% range {rng})"
    )


def scenario_comparison(
    scenarios: Mapping[str, Forecast] | pd.DataFrame,
    *,
    baseline: str | None = None,
    ax: Axes | Sequence[Axes] | None = None,
    difference: bool = True,
    level: float = 0.8,
    title: str | None = None,
    subtitle: str | None = None,
    ylabel: str | None = None,
    subject: str | None = None,
    source: str | None = None,
    synthetic: bool = False,
) -> Figure:
    """Baseline and variant projections with their ranges, and (below) each variant's difference.

    Parameters
    ----------
    scenarios
        Either ``{name: Forecast}`` (one series each, same periods and sample count; the
        difference is taken sample by sample, so run them with common random numbers), or a tidy
        DataFrame with columns ``scenario``, ``period``, ``q10``, ``q50``, ``q90`` (the ``level``
        interval and median) and optionally ``kind`` (``"level"`` or ``"difference"``; rows of
        kind ``"difference"`` are drawn in the lower panel).
    baseline
        Name of the baseline scenario (default: the first).
    ax
        One Axes (levels only) or two (levels, difference); a new figure when omitted.
    difference
        Draw the difference panel (on a new figure).
    level
        Coverage of the ranges drawn (the interval ``q10``-``q90`` of a frame is taken as this).
    title, subtitle, ylabel, subject
        The finding (default: the last-period difference of the first variant), the measure line,
        the y label and the plain name of what is counted.
    source, synthetic
        The source note, and whether to say the data are synthetic.

    Returns
    -------
    matplotlib.figure.Figure
    """
    hist: pd.DataFrame | None = None
    desc_subject, desc = "Value", ""
    if isinstance(scenarios, pd.DataFrame):
        tidy = require_frame(
            scenarios, "scenarios", required=FRAME_COLUMNS, numeric=("q10", "q50", "q90")
        )
        if "kind" not in tidy.columns:
            tidy["kind"] = "level"
        names = list(dict.fromkeys(tidy.loc[tidy["kind"] == "level", "scenario"]))
    else:
        names = list(scenarios)
        if not names:
            raise DemandModelError("No scenarios to compare; pass {'Baseline': forecast, ...}.")
        base_name = baseline or names[0]
        if base_name not in scenarios:
            raise DemandModelError(f"Baseline {base_name!r} is not one of the scenarios {names}.")
        tidy, hist = _from_forecasts(scenarios, base_name, level)
        desc_subject, desc = describe(scenarios[base_name])
    base_name = baseline or names[0]
    if base_name not in names:
        raise DemandModelError(f"Baseline {base_name!r} is not one of the scenarios {names}.")
    subject = subject or desc_subject
    diff = tidy[tidy["kind"] == "difference"]
    want_diff = difference and not diff.empty
    with S.house_style():
        own = ax is None
        if ax is None:
            if want_diff:
                fig, axes = S.new_figure(
                    figsize=(7.5, 6.5), nrows=2, sharex=True, height_ratios=(3, 2)
                )
                ax_lvl, ax_diff = axes[0], axes[1]
            else:
                fig, ax_lvl = S.new_figure()
                ax_diff = None
        else:
            pair = list(ax) if isinstance(ax, Sequence) else [ax]
            ax_lvl = pair[0]
            ax_diff = pair[1] if len(pair) > 1 and want_diff else None
            fig = S.figure_of(ax_lvl)
        order = [base_name] + [n for n in names if n != base_name]
        colours = {n: S.CATEGORICAL[i % len(S.CATEGORICAL)] for i, n in enumerate(order)}
        styles = {n: LINESTYLES[i % len(LINESTYLES)] for i, n in enumerate(order)}
        anchor: tuple[Any, float] | None = None
        if hist is not None:
            ax_lvl.plot(
                list(hist[C.PERIOD]), hist[C.VALUE].to_numpy(), color="black", label="Actual"
            )
            anchor = (hist[C.PERIOD].iloc[-1], float(hist[C.VALUE].iloc[-1]))
        pct = f"{level * 100:.0f}%"
        lv = tidy[tidy["kind"] == "level"]
        for name in order:
            x, lo, med, hi = _joined(lv[lv["scenario"] == name], anchor)
            ax_lvl.fill_between(
                x, lo, hi, color=colours[name], alpha=0.2, lw=0, label=f"{name}: {pct} range"
            )
            ax_lvl.plot(x, med, color=colours[name], ls=styles[name], label=name)
        ax_lvl.set_ylabel(ylabel or subject)
        ax_lvl.yaxis.set_major_formatter(S.thousands_formatter())
        _year_axis_if_int(ax_lvl, tidy)
        h, labels = ax_lvl.get_legend_handles_labels()
        order_h = sorted(range(len(h)), key=lambda i: "range" in labels[i])
        handles = [h[i] for i in order_h]
        if ax_diff is not None:
            ax_lvl.set_xlabel("")
            ax_lvl.legend(handles=handles, loc="upper left", ncol=2)
            ax_diff.axhline(0, color=S.MUTED, lw=1)
            zero = (anchor[0], 0.0) if anchor is not None else None
            for name in order[1:]:
                x, lo, med, hi = _joined(diff[diff["scenario"] == name], zero)
                ax_diff.fill_between(
                    x, lo, hi, color=colours[name], alpha=0.3, lw=0, label=f"{name}: {pct} range"
                )
                ax_diff.plot(x, med, color=colours[name], ls=styles[name], label=name)
            ax_diff.set_title(f"Difference from {base_name}", loc="left")
            ax_diff.set_ylabel("Difference")
            ax_diff.yaxis.set_major_formatter(S.thousands_formatter())
            _year_axis_if_int(ax_diff, tidy)
            ax_diff.legend(loc="lower left")
        else:
            S.legend_below(ax_lvl, ncol=2, handles=handles)
        if title is None:
            title = (
                _difference_title(diff[diff["scenario"] == order[1]], base_name, subject, level)
                if want_diff and len(order) > 1
                else f"{subject}: {' and '.join(order)} compared"
            )
        S.decorate(
            fig,
            ax_lvl,
            own_figure=own,
            title=title,
            subtitle=subtitle if subtitle is not None else (desc or subject),
            source=S.source_note(source, synthetic=synthetic),
        )
    return fig


def _joined(
    d: pd.DataFrame, anchor: tuple[Any, float] | None
) -> tuple[list[Any], np.ndarray, np.ndarray, np.ndarray]:
    """Periods, q10, q50, q90 sorted by period, starting at ``anchor`` (the last actual) if given."""
    d = d.sort_values(C.PERIOD)
    x = list(d[C.PERIOD])
    lo, med, hi = (d[c].to_numpy(dtype=float) for c in ("q10", "q50", "q90"))
    if anchor is not None and x and anchor[0] < x[0]:
        x = [anchor[0], *x]
        lo, med, hi = (np.concatenate([[anchor[1]], a]) for a in (lo, med, hi))
    return x, lo, med, hi


def _year_axis_if_int(ax: Axes, tidy: pd.DataFrame) -> None:
    if pd.api.types.is_integer_dtype(tidy[C.PERIOD]) or all(
        isinstance(p, (int, np.integer)) for p in tidy[C.PERIOD]
    ):
        S.year_axis(ax)
        ax.set_xlabel("Year ending 31 March")
