"""House style for charts people read: one place for colours, type, titles, notes and saving.

Every chart states its finding in the title (the caller passes it; :func:`finding_title` writes a
default), names the measure and units in a subtitle, uses thousands separators, and ends with a source
note that says when the data are synthetic. Colours are the Okabe-Ito palette (safe for the common
colour-vision deficiencies) and uncertainty bands are one blue hue at clearly different lightness, so
every chart also reads in greyscale.

matplotlib is imported inside functions only, and figures are built with
:class:`matplotlib.figure.Figure` directly (never :mod:`matplotlib.pyplot`), so nothing here opens a
window, touches global figure state or needs a display: it works under any backend, including Agg.

Examples
--------
>>> from demandmodel.plotting import thousands, finding_title
>>> thousands(12345.6)
'12,346'
>>> thousands(2_500_000, prefix="£", scale=1e6, decimals=1, suffix="m")
'£2.5m'
>>> thousands(0, prefix="£", scale=1e6, suffix="m")
'£0'
>>> finding_title("Children looked after", last=430, median=461, low=409, high=512, period=2025)
'Children looked after projected to rise to 460 by 2025 (80% range 410-510)'
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from demandmodel.errors import DemandModelError

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure
    from matplotlib.ticker import Formatter

# Okabe & Ito (2008) colour-blind-safe palette, ordered so neighbours differ in lightness too.
OKABE_ITO: dict[str, str] = {
    "blue": "#0072B2",
    "orange": "#E69F00",
    "bluish_green": "#009E73",
    "vermillion": "#D55E00",
    "sky_blue": "#56B4E9",
    "reddish_purple": "#CC79A7",
    "yellow": "#F0E442",
    "black": "#000000",
}
CATEGORICAL: tuple[str, ...] = tuple(OKABE_ITO.values())
"""Colours for categories (placements, scenarios), in the order they are used."""

HATCHES: tuple[str, ...] = ("", "//", "", "..", "", "\\\\", "", "xx")
"""Every other category is hatched, so categories differ without colour (greyscale print)."""

BANDS: dict[float, str] = {0.95: "#DCE9F5", 0.80: "#A9CCE8", 0.50: "#5E9FD1"}
"""Fill colour of each central interval: one blue hue, lightness clearly stepped (95% palest)."""
MEDIAN_COLOUR = "#08306B"
ACTUAL_COLOUR = "#000000"
INK = "#222222"
MUTED = "#595959"
GRID = "#E0E0E0"
INCREASE = OKABE_ITO["vermillion"]
DECREASE = OKABE_ITO["blue"]
TOTAL = "#4D4D4D"

FIGSIZE: tuple[float, float] = (7.5, 4.5)
DPI = 300

HOUSE_RC: dict[str, Any] = {
    "font.size": 11,
    "axes.titlesize": 11,
    "axes.labelsize": 11,
    "xtick.labelsize": 10,
    "ytick.labelsize": 10,
    "legend.fontsize": 10,
    "figure.titlesize": 13,
    "figure.titleweight": "bold",
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.edgecolor": MUTED,
    "axes.labelcolor": INK,
    "axes.titlecolor": MUTED,
    "xtick.color": MUTED,
    "ytick.color": MUTED,
    "text.color": INK,
    "axes.grid": True,
    "axes.grid.axis": "y",
    "grid.color": GRID,
    "grid.linewidth": 0.8,
    "axes.axisbelow": True,
    "legend.frameon": False,
    "lines.linewidth": 2.0,
    "svg.hashsalt": "demandmodel",
    "svg.fonttype": "path",
}
"""matplotlib settings of the house style (applied only while a chart is built)."""

SYNTHETIC_NOTE = "Synthetic data for illustration, not real children."


@contextlib.contextmanager
def house_style() -> Iterator[None]:
    """Apply :data:`HOUSE_RC` while building a chart, restoring the caller's settings after."""
    import matplotlib

    rc: Any = HOUSE_RC
    with matplotlib.rc_context(rc):
        yield


PLACEMENT_LABELS: dict[str, str] = {
    "fostering": "Fostering",
    "residential": "Residential",
    "supported": "Supported accommodation",
    "placed_with_parents": "Placed with parents",
    "adoption": "Placed for adoption",
    "other": "Other",
    "in_house_fostering": "In-house fostering",
    "ifa_fostering": "Agency (IFA) fostering",
    "friends_family_fostering": "Friends and family fostering",
    "in_house_residential": "In-house residential",
    "external_residential": "External residential",
    "secure": "Secure",
}
"""Readable names of placement categories and cost sub-types for legends and titles."""


def category_label(name: Any) -> str:
    """A readable label: ``"placed_with_parents"`` -> ``"Placed with parents"``.

    Examples
    --------
    >>> category_label("ifa_fostering"), category_label("kinship_care")
    ('Agency (IFA) fostering', 'Kinship care')
    """
    text = str(name)
    if text in PLACEMENT_LABELS:
        return PLACEMENT_LABELS[text]
    text = text.replace("_", " ")
    return text[:1].upper() + text[1:]


def category_styles(names: Iterable[Any]) -> dict[Any, tuple[str, str]]:
    """``{name: (colour, hatch)}``, assigned in sorted-name order.

    The same set of categories (placement types, say) gets the same colours on every chart,
    whatever order each chart stacks them in.

    Examples
    --------
    >>> from demandmodel.plotting._style import category_styles
    >>> a = category_styles(["Residential", "Foster care"])
    >>> a == category_styles(["Foster care", "Residential"])
    True
    >>> a["Foster care"]
    ('#0072B2', '')
    """
    uniq = sorted({str(n): n for n in names}.items())
    return {
        n: (CATEGORICAL[i % len(CATEGORICAL)], HATCHES[i % len(HATCHES)])
        for i, (_k, n) in enumerate(uniq)
    }


def new_figure(
    *, figsize: tuple[float, float] = FIGSIZE, nrows: int = 1, ncols: int = 1, **kw: Any
) -> tuple[Figure, Any]:
    """A constrained-layout figure and its axes, built without :mod:`matplotlib.pyplot`."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=figsize, layout="constrained")
    kw.setdefault("squeeze", True)
    axes = fig.subplots(nrows, ncols, **kw)
    return fig, axes


def figure_and_axes(
    ax: Axes | None, *, figsize: tuple[float, float] = FIGSIZE
) -> tuple[Figure, Axes, bool]:
    """The figure and axes to draw on: ``ax`` and its figure, or a new one-axes figure.

    The flag is ``True`` when the figure is new (the chart owns it: titles and notes go on it).
    """
    if ax is None:
        fig, new_ax = new_figure(figsize=figsize)
        return fig, new_ax, True
    return figure_of(ax), ax, False


def figure_of(ax: Axes) -> Figure:
    """The top-level figure an axes belongs to (through any subfigures; matplotlib >= 3.8)."""
    from matplotlib.figure import Figure as _Figure

    fig: Any = ax.figure
    for _ in range(10):
        if fig is None or isinstance(fig, _Figure):
            break
        fig = fig.figure
    if not isinstance(fig, _Figure):  # pragma: no cover - axes always sit on a figure
        raise DemandModelError("These axes belong to no figure; make them with Figure.subplots().")
    return fig


def thousands(
    value: float, *, prefix: str = "", suffix: str = "", scale: float = 1.0, decimals: int = 0
) -> str:
    """Format a number with thousands separators, e.g. ``12,346`` or ``£2.5m``.

    Negative values keep their sign in front of the prefix (``-£1.2m``); a scaled zero is plain
    (``£0``, not ``£0.0m``).
    """
    v = float(value) / scale
    if scale != 1.0 and round(v, decimals) == 0:
        return f"{prefix}0"
    sign = "-" if v < 0 and round(abs(v), decimals) != 0 else ""
    return f"{sign}{prefix}{abs(v):,.{decimals}f}{suffix}"


def thousands_formatter(
    *, prefix: str = "", suffix: str = "", scale: float = 1.0, decimals: int = 0
) -> Formatter:
    """A tick formatter writing :func:`thousands` labels."""
    from matplotlib.ticker import FuncFormatter

    def fmt(v: float, _pos: int | None = None) -> str:
        return thousands(v, prefix=prefix, suffix=suffix, scale=scale, decimals=decimals)

    return FuncFormatter(fmt)


def money_scale(max_abs: float) -> tuple[float, str, int]:
    """A readable scale for pounds: ``(scale, suffix, decimals)`` - £m, £k or £."""
    if max_abs >= 1e6:
        return 1e6, "m", 1
    if max_abs >= 1e4:
        return 1e3, "k", 0
    return 1.0, "", 0


def year_axis(ax: Axes) -> None:
    """Plain integer year ticks on the x axis (``2025``, never ``2,025`` or ``2024.5``)."""
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    ax.xaxis.set_major_locator(MaxNLocator(integer=True, nbins=8))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _p: f"{v:.0f}"))


def period_label(period: Any) -> str:
    """A period as readers write it: ``2025`` for years, ``March 2025`` for dates.

    Examples
    --------
    >>> import pandas as pd
    >>> period_label(2025), period_label(pd.Timestamp("2025-03-31"))
    ('2025', 'March 2025')
    """
    if hasattr(period, "strftime"):
        return str(period.strftime("%B %Y"))
    if isinstance(period, float) and period.is_integer():
        return f"{period:.0f}"
    return str(period)


def nice_round(value: float) -> int:
    """Round for a headline: to 10 from 100, to 100 from 10,000, else to 1."""
    v = float(value)
    if abs(v) >= 10_000:
        return int(round(v, -2))
    if abs(v) >= 100:
        return int(round(v, -1))
    return round(v)


def finding_title(
    subject: str,
    *,
    median: float,
    low: float,
    high: float,
    period: Any,
    last: float | None = None,
    level: float = 0.8,
    prefix: str = "",
    suffix: str = "",
) -> str:
    """A title stating the finding, e.g. "... projected to rise to 460 by 2025 (80% range 410-510)".

    Parameters
    ----------
    subject
        What is counted, e.g. ``"Children looked after"``.
    median, low, high
        The projected median and the ends of the central ``level`` interval at ``period``.
    period
        The period the finding is about (usually the last projected year).
    last
        The latest actual value; when given the verb says whether the projection rises, falls or
        stays about the same (within 2%).
    level
        Coverage of the interval named in brackets.
    prefix, suffix
        Units written around each number (``"£"``, ``"m"``).
    """

    def num(x: float) -> str:
        return thousands(nice_round(x), prefix=prefix, suffix=suffix)

    if last is None or last == 0:
        verb = "projected to be about"
    else:
        change = (median - last) / abs(last)
        if change > 0.02:
            verb = "projected to rise to"
        elif change < -0.02:
            verb = "projected to fall to"
        else:
            verb = "projected to stay at about"
    pct = f"{level * 100:.0f}%"
    return f"{subject} {verb} {num(median)} by {period_label(period)} ({pct} range {num(low)}-{num(high)})"


def source_note(source: str | None = None, *, synthetic: bool = False, extra: str = "") -> str:
    """The note under a chart: ``Source: ...``, plus a synthetic-data warning when asked.

    Examples
    --------
    >>> source_note("DfE, Children looked after in England", synthetic=True)
    'Source: DfE, Children looked after in England. Synthetic data for illustration, not real children.'
    >>> source_note(extra="'naive' projection from 2024")
    "Source: 'naive' projection from 2024."
    """
    if source:
        parts = [f"Source: {source}"] + ([extra] if extra else [])
    else:
        parts = [f"Source: {extra}" if extra else "Source: demandmodel projection"]
    if synthetic:
        parts.append(SYNTHETIC_NOTE)
    text = ". ".join(p.rstrip(".") for p in parts)
    return text + "."


def decorate(
    fig: Figure,
    ax: Axes,
    *,
    own_figure: bool,
    title: str | None,
    subtitle: str | None,
    source: str | None,
) -> None:
    """Place title, subtitle and source note in the house style.

    On a figure the chart made itself the title is the figure title (bold, left), the subtitle
    the axes title, and the source note sits at the bottom left. On axes the caller supplied, the
    title and subtitle go on those axes only and the source note is left to the caller
    (see :func:`add_source_note`), so a composed figure is not overwritten.
    """
    if title:
        title = title[:1].upper() + title[1:]  # a finding reads as a sentence
    if own_figure:
        if title:
            fig.suptitle(title, x=0.01, ha="left", wrap=True)
        if subtitle:
            ax.set_title(subtitle, loc="left", pad=8)
        if source:
            add_source_note(fig, source)
    else:
        text = "\n".join(t for t in (title, subtitle) if t)
        if text:
            ax.set_title(text, loc="left", color=INK, fontweight="bold" if title else "normal")


def add_source_note(fig: Figure, text: str) -> None:
    """Write ``text`` at the bottom left of ``fig`` in small grey type (kept clear by the layout).

    Long notes are wrapped to the figure's width.
    """
    import textwrap

    width = max(40, int(fig.get_figwidth() * 72 / (9 * 0.52)))
    fig.supxlabel(textwrap.fill(text, width), x=0.01, ha="left", fontsize=9, color=MUTED)


def label_above(ax: Axes, text: str, x: Any, y: Any, *, fontsize: int, **kwargs: Any) -> None:
    """Write ``text`` centred just above the point ``(x, y)`` (3 points up), e.g. over a bar.

    Extra keyword arguments (``color``, ``fontweight`` ...) go to :meth:`~matplotlib.axes.Axes.annotate`.
    """
    ax.annotate(
        text,
        xy=(x, y),
        xytext=(0, 3),
        textcoords="offset points",
        ha="center",
        va="bottom",
        fontsize=fontsize,
        **kwargs,
    )


def bridge_step(ax: Axes, i: float, level: float) -> None:
    """The dotted line joining bar ``i - 1`` of a waterfall to bar ``i`` at ``level``."""
    ax.plot([i - 1.325, i + 0.325], [level, level], color=MUTED, lw=0.8, ls=":")


def legend_below(
    ax: Axes, *, ncol: int | None = None, handles: Sequence[Any] | None = None
) -> None:
    """A frameless legend under the plot area, clear of the tick labels and x-axis label.

    Call it after the axis labels are set.
    """
    from matplotlib.transforms import ScaledTranslation

    h, labels = ax.get_legend_handles_labels()
    if handles is not None:
        h = list(handles)
        labels = [str(x.get_label()) for x in h]
    if not h:
        return
    drop = 0.3 + (0.22 if ax.get_xlabel() else 0.0)  # inches below the axes: ticks, then label
    ax.legend(
        h,
        labels,
        loc="upper left",
        bbox_to_anchor=(0.0, 0.0),
        bbox_transform=ax.transAxes + ScaledTranslation(0, -drop, figure_of(ax).dpi_scale_trans),
        ncol=ncol or min(len(h), 4),
        handlelength=1.6,
        columnspacing=1.2,
    )


def save_figure(fig: Figure | Axes, path_stem: str | Path, *, dpi: int = DPI) -> tuple[Path, Path]:
    """Write ``fig`` as ``<stem>.png`` (``dpi``, default 300) and ``<stem>.svg``; return both paths.

    Any suffix on ``path_stem`` is replaced; parent folders are created. The SVG carries no date,
    so re-running gives identical files.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from matplotlib.figure import Figure
    >>> from demandmodel.plotting import save_figure
    >>> fig = Figure(figsize=(2, 1))
    >>> with tempfile.TemporaryDirectory() as d:
    ...     png, svg = save_figure(fig, pathlib.Path(d) / "chart.png")
    ...     (png.name, svg.name, png.stat().st_size > 0)
    ('chart.png', 'chart.svg', True)
    """
    from matplotlib.axes import Axes as _Axes

    figure = figure_of(fig) if isinstance(fig, _Axes) else fig
    stem = Path(path_stem)
    if stem.suffix.lower() in {".png", ".svg", ".pdf"}:
        stem = stem.with_suffix("")
    stem.parent.mkdir(parents=True, exist_ok=True)
    png, svg = stem.with_suffix(".png"), stem.with_suffix(".svg")
    with house_style():
        figure.savefig(png, dpi=dpi, facecolor="white", metadata={"Software": None})
        figure.savefig(svg, facecolor="white", metadata={"Date": None, "Creator": None})
    return png, svg
