"""A one-file HTML summary of a run: key figures, charts, tables, assumptions and provenance.

The page carries everything inline (charts as base64 PNG, CSS in a ``<style>`` block, no
scripts, no web fonts, no links out), so it opens offline and can be emailed as one file. All
text is HTML-escaped.

Examples
--------
>>> import tempfile, pathlib
>>> import pandas as pd
>>> from demandmodel import write_html_report
>>> with tempfile.TemporaryDirectory() as d:
...     path = write_html_report(pathlib.Path(d) / "run.html", title="Anytown <demo>",
...                              key_figures={"Children looked after, 2029": 497},
...                              tables={"Forecast": pd.DataFrame({"period": [2029], "q50": [497.0]})},
...                              assumptions={"Model": "drift"}, model="drift", seed=1, vintage=2024)
...     text = path.read_text(encoding="utf-8")
>>> "<h1>Anytown &lt;demo&gt;</h1>" in text, "http" in text.replace("http-equiv", "")
(True, False)
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import io
from collections.abc import Mapping
from pathlib import Path
from string import Template
from typing import TYPE_CHECKING, Any

import pandas as pd

from demandmodel.errors import DemandModelError
from demandmodel.report._format import (
    assumptions_frame,
    column_kind,
    format_value,
    plain,
    tidy_table,
)

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from demandmodel.forecast import Forecast

CSS = """
body{font-family:Arial,Helvetica,sans-serif;color:#222;max-width:60rem;margin:2rem auto;
padding:0 1rem;line-height:1.45;font-size:16px}
h1{font-size:1.8rem;margin-bottom:.2rem}h2{font-size:1.3rem;margin-top:2.2rem;
border-bottom:2px solid #0072B2;padding-bottom:.2rem}
.meta{color:#595959;font-size:.9rem}.synthetic{background:#FFF4D6;border-left:4px solid #E69F00;
padding:.5rem .8rem}
.keys{display:flex;flex-wrap:wrap;gap:1rem;margin:1rem 0}.key{border:1px solid #ccc;
border-radius:4px;padding:.6rem .9rem;min-width:12rem}.key .v{font-size:1.6rem;font-weight:bold}
.key .k{color:#595959;font-size:.9rem}
figure{margin:1.5rem 0}figure img{max-width:100%;height:auto;border:1px solid #eee}
figcaption{color:#595959;font-size:.9rem}
table{border-collapse:collapse;font-size:.9rem;margin:.5rem 0}th,td{padding:.25rem .6rem;
border-bottom:1px solid #ddd}th{background:#DCE9F5;text-align:left;position:sticky;top:0}
td.num{text-align:right;font-variant-numeric:tabular-nums}caption{text-align:left;
color:#595959;caption-side:bottom;padding-top:.3rem}
.scroll{overflow-x:auto}dl{display:grid;grid-template-columns:max-content auto;gap:.2rem 1rem}
dt{font-weight:bold}
"""

PAGE = Template(
    """<!DOCTYPE html>
<html lang="en-GB">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="demandmodel $version">
<title>$title</title>
<style>$css</style>
</head>
<body>
<header>
<h1>$title</h1>
<p class="meta">$provenance</p>
$synthetic
</header>
<main>
$notes
$keys
$figures
$tables
<section id="assumptions">
<h2>Assumptions</h2>
$assumptions
</section>
<section id="provenance">
<h2>About this run</h2>
$about
</section>
</main>
</body>
</html>
"""
)


def figure_png_base64(fig: Figure | Axes, *, dpi: int = 150) -> str:
    """A figure as a base64-encoded PNG (150 dpi keeps pages light while staying sharp)."""
    from matplotlib.axes import Axes as _Axes

    from demandmodel.plotting._style import figure_of, house_style

    figure = figure_of(fig) if isinstance(fig, _Axes) else fig
    buf = io.BytesIO()
    with house_style():
        figure.savefig(buf, format="png", dpi=dpi, facecolor="white", metadata={"Software": None})
    return base64.b64encode(buf.getvalue()).decode("ascii")


def table_html(name: str, frame: pd.DataFrame, *, max_rows: int = 200) -> str:
    """An HTML table with formatted numbers; long tables show the first ``max_rows`` and say so."""
    flat = tidy_table(name, frame)
    kinds = [column_kind(c, flat[c]) for c in flat.columns]
    shown = flat.head(max_rows)
    head = "".join(f'<th scope="col">{html.escape(str(c))}</th>' for c in flat.columns)
    rows = []
    for rec in shown.itertuples(index=False, name=None):
        cells = []
        for v, k in zip(rec, kinds, strict=True):
            cls = ' class="num"' if k not in ("text", "bool", "date") else ""
            cells.append(f"<td{cls}>{html.escape(format_value(v, k))}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    note = (
        f"Showing the first {len(shown):,} of {len(flat):,} rows; the full table is in the workbook."
        if len(flat) > len(shown)
        else f"{len(flat):,} rows."
    )
    return (
        f'<div class="scroll"><table data-table="{html.escape(name, quote=True)}">'
        f"<caption>{html.escape(note)}</caption><thead><tr>{head}</tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table></div>"
    )


def _key_value(value: Any) -> str:
    v = plain(value)
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        return "" if v is None else str(v)
    return f"{v:,.0f}" if float(v).is_integer() or abs(v) >= 100 else f"{v:,.1f}"


def _figure_title(fig: Figure | Axes, fallback: str) -> str:
    from matplotlib.axes import Axes as _Axes

    from demandmodel.plotting._style import figure_of

    figure = figure_of(fig) if isinstance(fig, _Axes) else fig
    text = figure.get_suptitle() if hasattr(figure, "get_suptitle") else ""
    return text or fallback


def write_html_report(
    path: str | Path,
    *,
    title: str,
    figures: Mapping[str, Figure | Axes] | None = None,
    tables: Mapping[str, pd.DataFrame] | None = None,
    key_figures: Mapping[str, Any] | None = None,
    assumptions: Mapping[str, Any] | pd.DataFrame | None = None,
    forecast: Forecast | None = None,
    model: str | None = None,
    seed: int | None = None,
    vintage: int | str | None = None,
    source: str | None = None,
    synthetic: bool = False,
    notes: str | None = None,
    max_rows: int = 200,
    created: dt.datetime | None = None,
) -> Path:
    """Write a self-contained HTML summary of a run and return its path.

    Parameters
    ----------
    path
        Where to write (``.html``); parent folders are created.
    title
        Page heading.
    figures
        ``{caption: Figure or Axes}``, embedded as PNG in this order; the alt text is the
        figure's title (its finding).
    tables
        ``{heading: DataFrame}``; numbers get thousands separators, long tables are cut to
        ``max_rows`` with a note saying how many rows were left out of the page.
    key_figures
        ``{label: value}`` shown as large numbers at the top.
    assumptions
        ``{assumption: value}`` or a DataFrame.
    forecast
        A :class:`~demandmodel.Forecast` to take model, seed, vintage, origin and sample count
        from (explicit ``model``/``seed``/``vintage`` win).
    model, seed, vintage, source
        Provenance shown in the page header and the About section.
    synthetic
        Show a banner saying the data are synthetic.
    notes
        A paragraph of plain text under the heading.
    max_rows
        Rows of each table shown.
    created
        Time stamp shown (default: now, UTC).

    Returns
    -------
    pathlib.Path
    """
    from demandmodel import __version__

    out = Path(path)
    if out.suffix.lower() not in (".html", ".htm"):
        raise DemandModelError(f"Report path {str(out)!r} must end in .html.")
    if max_rows < 1:
        raise DemandModelError(f"max_rows must be at least 1; got {max_rows}.")
    esc = html.escape
    about: dict[str, Any] = {}
    if forecast is not None:
        about.update(
            {
                "Model": forecast.model,
                "Seed": forecast.seed,
                "Data vintage": forecast.vintage,
                "Forecast origin": forecast.origin,
                "Simulated paths": f"{forecast.n_samples:,}",
                "Periods": f"{forecast.periods[0]}-{forecast.periods[-1]}",
            }
        )
    for label, value in (("Model", model), ("Seed", seed), ("Data vintage", vintage)):
        if value is not None:
            about[label] = value
    if source:
        about["Source"] = source
    stamp = (created or dt.datetime.now(dt.UTC)).strftime("%Y-%m-%d %H:%M UTC")
    about["Written"] = f"{stamp} by demandmodel {__version__}"
    about = {k: ("not recorded" if v is None else v) for k, v in about.items()}
    provenance = " · ".join(
        f"{k}: {v}" for k, v in about.items() if k in ("Model", "Seed", "Data vintage")
    )
    keys = ""
    if key_figures:
        items = "".join(
            f'<div class="key"><div class="v">{esc(_key_value(v))}</div>'
            f'<div class="k">{esc(str(k))}</div></div>'
            for k, v in key_figures.items()
        )
        keys = f'<section id="key-figures"><h2>Key figures</h2><div class="keys">{items}</div></section>'
    figs = ""
    if figures:
        parts = []
        for caption, fig in figures.items():
            alt = _figure_title(fig, caption)
            parts.append(
                f'<figure><img alt="{esc(alt, quote=True)}" '
                f'src="data:image/png;base64,{figure_png_base64(fig)}">'
                f"<figcaption>{esc(str(caption))}</figcaption></figure>"
            )
        figs = f'<section id="charts"><h2>Charts</h2>{"".join(parts)}</section>'
    tabs = ""
    if tables:
        tabs = (
            '<section id="tables"><h2>Tables</h2>'
            + "".join(
                f"<h3>{esc(str(name))}</h3>{table_html(str(name), t, max_rows=max_rows)}"
                for name, t in tables.items()
            )
            + "</section>"
        )
    assumed = assumptions_frame(assumptions)
    assumptions_html = (
        table_html("Assumptions", assumed, max_rows=max(max_rows, len(assumed)))
        if len(assumed)
        else "<p>No assumptions were recorded.</p>"
    )
    about_html = (
        "<dl>"
        + "".join(f"<dt>{esc(str(k))}</dt><dd>{esc(str(v))}</dd>" for k, v in about.items())
        + "</dl>"
    )
    page = PAGE.substitute(
        version=esc(__version__),
        title=esc(title),
        css=CSS,
        provenance=esc(provenance),
        synthetic=(
            '<p class="synthetic"><strong>Synthetic data.</strong> These figures are made up '
            "for illustration and describe no real children.</p>"
            if synthetic
            else ""
        ),
        notes=f"<p>{esc(notes)}</p>" if notes else "",
        keys=keys,
        figures=figs,
        tables=tabs,
        assumptions=assumptions_html,
        about=about_html,
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(page, encoding="utf-8")
    return out
