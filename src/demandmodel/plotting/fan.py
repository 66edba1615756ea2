"""Fan chart: actuals as a solid line, the projected median, and 50/80/95% bands.

Examples
--------
>>> import numpy as np, pandas as pd
>>> from demandmodel import Forecast
>>> from demandmodel.plotting import fan_chart
>>> rng = np.random.default_rng(3)
>>> steps = rng.normal(8, 15, size=(1000, 4)).cumsum(axis=1)
>>> hist = pd.DataFrame({"la_code": "301", "measure": "cla_31mar",
...                      "period": [2019, 2020, 2021, 2022], "value": [380.0, 395, 410, 420]})
>>> fc = Forecast(samples=420 + steps, periods=(2023, 2024, 2025, 2026),
...               series=pd.DataFrame({"la_code": ["301"], "measure": ["cla_31mar"]}),
...               model="drift", origin=2022, seed=3, history=hist)
>>> ax = fan_chart(fc, source="DfE, Children looked after in England", synthetic=True)
>>> [c.get_label() for c in ax.collections]
['95% range', '80% range', '50% range']
>>> ax.get_figure().get_suptitle()
'Children looked after projected to rise to 450 by 2026 (80% range 410-490)'
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from demandmodel import columns as C
from demandmodel.errors import DemandModelError
from demandmodel.plotting import _style as S

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from demandmodel.forecast import Forecast

MEASURE_LABELS: dict[str, tuple[str, str]] = {
    "cla_31mar": ("Children looked after", "Children looked after at 31 March"),
    "cla_starts": ("Children starting to be looked after", "Children starting care in the year"),
    "cla_ceases": ("Children leaving care", "Children ceasing to be looked after in the year"),
    "cp_31mar": ("Children on child protection plans", "Child protection plans at 31 March"),
    "cp_starts": ("Child protection plans started", "Child protection plans starting in the year"),
    "cin_31mar": ("Children in need", "Children in need at 31 March"),
    "referrals": ("Referrals", "Referrals to children's social care in the year"),
    "s47": ("Section 47 enquiries", "Section 47 enquiries started in the year"),
    "sw_fte": ("Social workers (FTE)", "Children and family social workers, full-time equivalent"),
    "sw_caseload": ("Average caseload", "Cases per case-holding social worker (FTE)"),
}
"""Plain-English ``(subject, subtitle)`` for measure codes; unknown codes are shown as they are."""

LEVELS: tuple[float, ...] = (0.95, 0.80, 0.50)


def describe(forecast: Forecast) -> tuple[str, str]:
    """``(subject, description)`` of a single-series forecast, from its ``measure`` and LA labels."""
    row = forecast.series.iloc[0]
    measure = str(row[C.MEASURE]) if C.MEASURE in forecast.series.columns else ""
    if not measure and "level" in forecast.series.columns:  # an episode-level (Markov) series
        return _describe_state(row)
    subject, desc = MEASURE_LABELS.get(measure, (measure or "Value", measure or "Value"))
    where = ""
    for col in (C.LA_NAME, C.LA_CODE):
        if col in forecast.series.columns:
            where = str(row[col]) if col == C.LA_NAME else f"LA {row[col]}"
            break
    return subject, f"{desc}, {where}" if where else desc


LEVEL_LABELS: dict[str, str] = {
    "looked_after": "Children looked after",
    "cp": "Children on child protection plans",
    "cin_other": "Children in need (not on a plan or in care)",
}
"""Plain-English subjects of the episode-level model's levels (CIN -> CP -> LAC pathway)."""


def _describe_state(row: pd.Series) -> tuple[str, str]:
    """``(subject, description)`` of one series of a Markov projection (level, age band, placement).

    Examples
    --------
    >>> _describe_state(pd.Series({"level": "looked_after", "age_band": "", "placement": "fostering",
    ...                            "kind": "placement", "state": "total"}))
    ('Children looked after in fostering', 'Children looked after, placement: fostering')
    """
    level = str(row.get("level", "") or "")
    subject = LEVEL_LABELS.get(level, level.replace("_", " ").capitalize() or "Value")
    kind = str(row.get("kind", ""))
    if kind == "state":
        return subject, f"{subject}, state {row.get('state', '')}"
    age, place = (str(row.get(c, "") or "").replace("_", " ") for c in ("age_band", "placement"))
    if kind == "placement" and place:
        return f"{subject} in {place}", f"{subject}, placement: {place}"
    if kind == "age_band" and age:
        return f"{subject} aged {age}", f"{subject}, age band {age}"
    return subject, f"{subject}, all ages and placements"


def single_series(forecast: Forecast, what: str = "A fan chart") -> None:
    """Raise unless ``forecast`` holds exactly one series."""
    if forecast.samples.shape[2] != 1:
        labels = forecast.series.head(3).to_dict("records")
        raise DemandModelError(
            f"{what} shows one series but this forecast has {forecast.samples.shape[2]} "
            f"(first: {labels}). Pick one with forecast.select(la_code=..., measure=...), "
            "or use demandmodel.plotting.small_multiples for many."
        )


def actuals(forecast: Forecast) -> pd.DataFrame:
    """The forecast's history as ``period, value`` sorted by period (empty when there is none)."""
    hist = forecast.history
    if hist is None or len(hist) == 0:
        return pd.DataFrame({C.PERIOD: pd.Series(dtype=object), C.VALUE: pd.Series(dtype=float)})
    missing = {C.PERIOD, C.VALUE} - set(hist.columns)
    if missing:
        raise DemandModelError(
            f"Forecast.history needs columns 'period' and 'value'; missing {sorted(missing)}."
        )
    out = hist[[C.PERIOD, C.VALUE]].dropna(subset=[C.VALUE]).sort_values(C.PERIOD)
    return out.reset_index(drop=True)


def origin_point(forecast: Forecast, hist: pd.DataFrame) -> tuple[Any, float] | None:
    """The last actual at the forecast origin (or the latest actual if the origin is unknown)."""
    if hist.empty:
        return None
    if forecast.origin is not None:
        at = hist[hist[C.PERIOD] == forecast.origin]
        if not at.empty:
            return forecast.origin, float(at[C.VALUE].iloc[-1])
        return None
    return hist[C.PERIOD].iloc[-1], float(hist[C.VALUE].iloc[-1])


def draw_fan(
    ax: Axes,
    forecast: Forecast,
    *,
    levels: Sequence[float] = LEVELS,
    history: bool = True,
    compact: bool = False,
) -> dict[str, Any]:
    """Draw bands, median, actuals and origin marker of a one-series forecast on ``ax``."""
    hist = actuals(forecast) if history else actuals(forecast).iloc[0:0]
    x = np.asarray(forecast.periods, dtype=object)
    med = forecast.quantile(0.5)[:, 0]
    start = origin_point(forecast, hist)
    xs = np.concatenate([[start[0]], x]) if start else x
    for level in sorted(levels, reverse=True):
        if not 0 < level < 1:
            raise DemandModelError(f"Band level {level} must be between 0 and 1, e.g. 0.8.")
        lo, hi = forecast.quantile([(1 - level) / 2, (1 + level) / 2])[:, :, 0]
        if start:
            lo, hi = np.concatenate([[start[1]], lo]), np.concatenate([[start[1]], hi])
        colour = S.BANDS.get(round(level, 2), S.BANDS[0.80])
        ax.fill_between(
            list(xs), lo, hi, color=colour, linewidth=0, label=f"{level * 100:.0f}% range"
        )
    y_med = np.concatenate([[start[1]], med]) if start else med
    ax.plot(list(xs), y_med, color=S.MEDIAN_COLOUR, ls="--", label="Projection (median)")
    if not hist.empty:
        ax.plot(
            list(hist[C.PERIOD]),
            hist[C.VALUE].to_numpy(),
            color=S.ACTUAL_COLOUR,
            label="Actual",
        )
    if start:
        ax.plot(
            [start[0]],
            [start[1]],
            marker="o",
            ms=5 if compact else 7,
            color=S.ACTUAL_COLOUR,
            markerfacecolor="white",
            markeredgewidth=2,
            ls="none",
            label=f"Forecast origin ({S.period_label(start[0])})",
            gid="forecast-origin",
            zorder=5,
        )
    elif forecast.origin is not None:
        ax.axvline(
            forecast.origin,
            color=S.MUTED,
            ls=":",
            lw=1.2,
            label=f"Forecast origin ({S.period_label(forecast.origin)})",
            gid="forecast-origin",
        )
    return {"median": med, "origin": start, "history": hist}


def default_title(forecast: Forecast, *, level: float = 0.8, subject: str | None = None) -> str:
    """The finding of a one-series forecast at its last period, via :func:`finding_title`."""
    single_series(forecast)
    subj = subject or describe(forecast)[0]
    lo, med, hi = forecast.quantile([(1 - level) / 2, 0.5, (1 + level) / 2])[:, -1, 0]
    hist = actuals(forecast)
    last = float(hist[C.VALUE].iloc[-1]) if not hist.empty else None
    return S.finding_title(
        subj,
        median=float(med),
        low=float(lo),
        high=float(hi),
        period=forecast.periods[-1],
        last=last,
        level=level,
    )


def default_source(forecast: Forecast, source: str | None, synthetic: bool | None) -> str:
    """Source note naming the data, the model, the simulations and the seed."""
    synth = bool(forecast.metadata.get("synthetic", False)) if synthetic is None else synthetic
    bits = [f"'{forecast.model}' projection from {S.period_label(forecast.origin)}"]
    bits[0] += f", {S.thousands(forecast.n_samples)} simulations"
    if forecast.seed is not None:
        bits[0] += f", seed {forecast.seed}"
    if forecast.vintage is not None:
        bits[0] += f", data released {forecast.vintage}"
    return S.source_note(source, synthetic=synth, extra=bits[0])


def fan_chart(
    forecast: Forecast,
    *,
    ax: Axes | None = None,
    title: str | None = None,
    subtitle: str | None = None,
    ylabel: str | None = None,
    source: str | None = None,
    synthetic: bool | None = None,
    levels: Sequence[float] = LEVELS,
    history: bool = True,
    legend: bool = True,
) -> Axes:
    """Fan chart of a one-series forecast: actuals solid, median dashed, 50/80/95% bands.

    Parameters
    ----------
    forecast
        A :class:`~demandmodel.Forecast` with one series (use ``forecast.select(...)`` first);
        its ``history`` (``period``, ``value``) is drawn as the actual line.
    ax
        Axes to draw on; a new 7.5 x 4.5 inch figure when omitted.
    title
        The finding, e.g. "Children looked after projected to rise to 460 by 2025 (80% range
        410-510)"; written from the forecast by :func:`~demandmodel.plotting.finding_title` when
        omitted. Pass ``""`` for no title.
    subtitle, ylabel
        Measure and units; defaults come from the ``measure`` label (:data:`MEASURE_LABELS`).
    source
        Where the data came from; the note adds model, simulations, seed and vintage.
    synthetic
        Say in the note that the data are synthetic (default: ``forecast.metadata["synthetic"]``).
    levels
        Central interval coverages shown as bands.
    history
        Draw the actuals.
    legend
        Draw a legend under the plot.

    Returns
    -------
    matplotlib.axes.Axes
        The axes drawn on (``ax.get_figure()`` is the figure).
    """
    single_series(forecast)
    with S.house_style():
        fig, ax, own = S.figure_and_axes(ax)
        subject, desc = describe(forecast)
        draw_fan(ax, forecast, levels=levels, history=history)
        ax.yaxis.set_major_formatter(S.thousands_formatter())
        if isinstance(forecast.periods[0], (int, np.integer)):
            S.year_axis(ax)
            ax.set_xlabel("Year ending 31 March")
        ax.set_ylabel(ylabel if ylabel is not None else subject)
        ax.set_ylim(bottom=0)
        if legend:
            h, labels = ax.get_legend_handles_labels()
            order = sorted(range(len(h)), key=lambda i: ("range" in labels[i], labels[i]))
            S.legend_below(ax, ncol=3, handles=[h[i] for i in order])
        S.decorate(
            fig,
            ax,
            own_figure=own,
            title=default_title(forecast) if title is None else title,
            subtitle=subtitle if subtitle is not None else desc,
            source=default_source(forecast, source, synthetic),
        )
    return ax
