"""A synthetic local authority: every input an analyst has, realistic, seeded (the embedded default).

:func:`make_synthetic_la` simulates the life histories of the children of a fictional LA
("Synthetic Borough (SYNTHETIC)", DfE code ``999``, about 60,000 children aged 0-17) from 1995 and
keeps the TRUE process: its parameters (:class:`~demandmodel.data.synthetic_spec.SyntheticSpec`),
the state log of every child in care, and the true stock by date and state
(:meth:`SyntheticLA.true_stock`). :func:`write_synthetic_la` writes what an analyst really has for
the collection years 2014-2023 (years ending 31 March): SSDA903 returns, CIN census tables,
workforce, DfE-style published tables and population estimates and projections, with a few
data-quality faults listed in ``SYNTHETIC_faults.csv``. Every file written is named
``SYNTHETIC_...`` so that none can pass for (or share a name with) a real return or table. See the modules ``synthetic_spec`` (the
model), ``synthetic_sim``, ``synthetic_episodes``, ``synthetic_cin`` (the simulation),
``synthetic_write`` and ``synthetic_published`` (the files).

One generated dataset ships with the package; :func:`demo_data_path` returns its folder, and
``python data/make_demo.py`` (or :func:`write_demo`) regenerates it byte for byte.

Examples
--------
>>> import demandmodel
>>> la = demandmodel.make_synthetic_la(demandmodel.SyntheticSpec(pop_0_17=5000.0), rng=1)
>>> stock = la.true_stock(["2022-03-31"])
>>> int(stock["count"].sum()) > 0
True
>>> (demandmodel.demo_data_path() / "ssda903" / "2023" / "SYNTHETIC_episodes.csv").is_file()
True
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from demandmodel._random import RNGLike, as_generator
from demandmodel.data import synthetic_published as pub
from demandmodel.data import synthetic_write as sw
from demandmodel.data.synthetic_cin import simulate_cin
from demandmodel.data.synthetic_episodes import build_episodes
from demandmodel.data.synthetic_extra import EXTRA_TABLES, extra_events, extra_year
from demandmodel.data.synthetic_sim import (
    ENTRY,
    EXIT,
    add_years,
    end_day,
    simulate_care,
    simulate_population,
    simulate_uasc,
    to_day,
)
from demandmodel.data.synthetic_spec import (
    AGE_BAND_EDGES,
    AGE_BANDS,
    CATEGORIES,
    DURATION_BANDS,
    DURATION_EDGES_DAYS,
    SyntheticSpec,
)
from demandmodel.data.synthetic_xml import cin_census_xml

__all__ = [
    "DEMO_SEED",
    "SyntheticLA",
    "SyntheticSpec",
    "demo_data_path",
    "make_synthetic_la",
    "write_demo",
    "write_synthetic_la",
]

DEMO_SEED = 2022
"""The seed of the dataset shipped with the package."""
DEMO_FOLDER = "SYNTHETIC_borough_999"
DEMO_CIN_YEARS = 4
"""The demo ships the CIN census of its last 4 years only (about 0.75 MB a year)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class SyntheticLA:
    """A simulated LA: the truth, and the clean child-level records the files are written from.

    Attributes
    ----------
    spec
        The true parameters.
    children
        ``child, dob, sex, ethnic, uasc, arrival, mc_dob`` (days since 1970-01-01).
    states
        The true in-care state log: ``child, day, kind (0 entry, 1 move, 2 exit), category, rec``.
    episodes
        Clean SSDA903 episodes (days; ``dec`` NA while open; ``respite`` marks V3/V4 breaks).
    cin
        Clean CIN census frames ``cin``, ``s47``, ``cpp``.
    """

    spec: SyntheticSpec
    children: pd.DataFrame
    states: pd.DataFrame
    episodes: pd.DataFrame
    cin: dict[str, pd.DataFrame]

    def true_stock(self, dates: Sequence[str] | None = None) -> pd.DataFrame:
        """Children in care on each date by age band, placement category, duration band and UASC.

        Parameters
        ----------
        dates
            ISO dates; default every 31 March from ``first_year - 1`` to ``last_year``.

        Returns
        -------
        DataFrame ``date, age_band, placement_category, duration_band, uasc, count`` (only
        non-empty cells). Respite and temporary episodes are not states, so never counted.
        """
        spec = self.spec
        if dates is None:
            dates = [f"{y}-03-31" for y in range(spec.first_year - 1, spec.last_year + 1)]
        st = self.states
        kids = self.children.set_index("child")
        # Spells of constant category: from each entry/move to the next event of the child.
        nxt_day = st["day"].shift(-1)
        same = st["child"].shift(-1) == st["child"]
        spells = st.loc[st["kind"] != EXIT].copy()
        spells["until"] = np.where(same.loc[spells.index], nxt_day.loc[spells.index], np.inf)
        entry_day = st["day"].where(st["kind"] == ENTRY).ffill()
        spells["entry"] = entry_day.loc[spells.index]
        out = []
        for iso in dates:
            d = to_day(iso)
            on = spells.loc[(spells["day"] <= d) & (spells["until"] > d)]
            dob = kids.loc[on["child"], "dob"].to_numpy()
            edges = np.stack([add_years(dob, a) for a in AGE_BAND_EDGES[1:5]], axis=1)
            band = (d >= edges).sum(axis=1)
            dur = d - on["entry"].to_numpy()
            dband = np.searchsorted(np.array(DURATION_EDGES_DAYS[1:]), dur, side="right")
            frame = pd.DataFrame(
                {
                    "date": iso,
                    "age_band": np.array(AGE_BANDS)[band],
                    "placement_category": np.array(CATEGORIES)[on["category"].to_numpy()],
                    "duration_band": np.array(DURATION_BANDS)[dband],
                    "uasc": kids.loc[on["child"], "uasc"].to_numpy(),
                }
            )
            out.append(frame.value_counts(sort=False).rename("count").reset_index())
        res = pd.concat(out, ignore_index=True)
        return res.sort_values(list(res.columns[:-1])).reset_index(drop=True)

    def true_levels(self, dates: Sequence[str] | None = None) -> pd.DataFrame:
        """Children at each level of the hierarchy LAC > CP > CIN on each date (the truth).

        ``lac``: looked after (respite excluded); ``cp``: on a child protection plan and not looked
        after; ``cin``: an accepted (not NFA) CIN referral open, neither CP nor LAC. Returns
        ``date, level, count``.

        Examples
        --------
        >>> import demandmodel
        >>> la = demandmodel.make_synthetic_la(demandmodel.SyntheticSpec(pop_0_17=5000.0), rng=1)
        >>> la.true_levels(["2022-03-31"])["level"].tolist()
        ['lac', 'cp', 'cin']
        """
        spec = self.spec
        if dates is None:
            dates = [f"{y}-03-31" for y in range(spec.first_year - 1, spec.last_year + 1)]
        big = 10**9
        eps = self.episodes.loc[~self.episodes["respite"]]
        eps_end = eps["dec"].astype("Float64").fillna(big)
        cin = self.cin["cin"].loc[~self.cin["cin"]["nfa"]]
        cin_end = cin["close"].astype("Float64").fillna(big)
        cpp = self.cin["cpp"]
        cpp_end = cpp["end"].astype("Float64").fillna(big)
        rows = []
        for iso in dates:
            d = to_day(iso)
            lac = set(eps.loc[(eps["decom"] <= d) & (eps_end > d), "child"])
            cp = set(cpp.loc[(cpp["start"] <= d) & (cpp_end > d), "child"]) - lac
            need = set(cin.loc[(cin["ref"] <= d) & (cin_end > d), "child"]) - lac - cp
            rows += [(iso, "lac", len(lac)), (iso, "cp", len(cp)), (iso, "cin", len(need))]
        return pd.DataFrame(rows, columns=["date", "level", "count"])

    def write(
        self,
        folder: str | Path,
        *,
        rng: RNGLike = 0,
        cin_years: Sequence[int] | None = None,
        cin_xml: bool = False,
    ) -> list[Path]:
        """Write the dataset to ``folder``; see :func:`write_synthetic_la`."""
        return write_synthetic_la(self, folder, rng=rng, cin_years=cin_years, cin_xml=cin_xml)


def make_synthetic_la(
    spec: SyntheticSpec | None = None, *, rng: RNGLike = DEMO_SEED
) -> SyntheticLA:
    """Simulate a synthetic LA (deterministic for a seed; a few seconds for 60,000 children).

    Parameters
    ----------
    spec
        True parameters; default :class:`SyntheticSpec` ().
    rng
        Seed, ``numpy.random.Generator`` or ``SeedSequence``.
    """
    spec = SyntheticSpec() if spec is None else spec
    gen = as_generator(rng)
    kids = simulate_population(spec, rng=gen)
    uasc = simulate_uasc(spec, len(kids), rng=gen)
    children = pd.concat([kids, uasc], ignore_index=True)
    children["uasc"] = children["arrival"].notna()
    states = simulate_care(spec, children, rng=gen)
    episodes = build_episodes(spec, children, states, rng=gen)
    # Young mothers in care: a few girls have a child at about 16-17.
    girls = (children["sex"] == 2).to_numpy() & np.isin(children["child"], states["child"])
    mum = girls & (gen.random(len(children)) < 0.05)
    mc = children["dob"].to_numpy() + (16 + gen.random(len(children)) * 1.8) * 365.25
    children["mc_dob"] = pd.array(np.where(mum, np.floor(mc), np.nan), dtype="Float64").astype(
        "Int64"
    )
    cin = simulate_cin(spec, children, states, rng=gen)
    children["arrival"] = children["arrival"].astype("Float64").astype("Int64")
    return SyntheticLA(spec=spec, children=children, states=states, episodes=episodes, cin=cin)


def write_synthetic_la(
    la: SyntheticLA,
    folder: str | Path,
    *,
    rng: RNGLike = 0,
    cin_years: Sequence[int] | None = None,
    cin_xml: bool = False,
) -> list[Path]:
    """Write every file of the synthetic LA under ``folder``; returns the paths written.

    Every file but the README is named ``SYNTHETIC_<name>`` (the name of the real return or
    table it imitates, marked): ``ssda903/YEAR/SYNTHETIC_{header,episodes,uasc,reviews,missing,
    ad1,placed_adoption,prevperm}.csv``, ``cin_census/YEAR/SYNTHETIC_*.csv``,
    ``SYNTHETIC_workforce.csv``, ``SYNTHETIC_population_projection.csv``,
    ``dfe/{cla,cin,population,workforce}/SYNTHETIC_*.csv``, ``SYNTHETIC_truth_stock_31march.csv``,
    ``SYNTHETIC_truth_levels_31march.csv``, ``SYNTHETIC_spec.json``, ``SYNTHETIC_faults.csv``,
    and a README.md.
    ``rng`` drives only the injected faults and workforce noise. ``cin_years`` limits the CIN
    census folders written (default: every year; the published tables always cover every year).
    ``cin_xml=True`` also writes each of those years as one XML file, ``cin_census_xml/SYNTHETIC_cin_YEAR.xml``.

    Examples
    --------
    >>> import tempfile, demandmodel
    >>> spec = demandmodel.SyntheticSpec(pop_0_17=2000.0, first_year=2021, last_year=2022)
    >>> la = demandmodel.make_synthetic_la(spec, rng=3)
    >>> folder = tempfile.mkdtemp()
    >>> paths = demandmodel.write_synthetic_la(la, folder, rng=3)
    >>> sorted(p.name for p in paths if p.parent.name == "2022" and "ssda903" in str(p))[:3]
    ['SYNTHETIC_ad1.csv', 'SYNTHETIC_episodes.csv', 'SYNTHETIC_header.csv']
    """
    root = Path(folder)
    gen = as_generator(rng)
    spec = la.spec
    years = range(spec.first_year, spec.last_year + 1)
    returns = {y: sw.ssda903_year(la.episodes, la.children, y) for y in years}
    returns, manifest = sw.inject_faults(returns, rng=gen)
    events = extra_events(la.episodes, la.children, end_day(spec), rng=gen)
    paths: list[Path] = []
    for y, tables in returns.items():
        tables = {**tables, **extra_year(events, la.children, y)}
        names = ["header", "episodes", "uasc", *EXTRA_TABLES]
        paths += sw.write_tables(tables, root / "ssda903" / str(y), names)
    for y in years if cin_years is None else cin_years:
        tables = sw.cin_census_year(la.cin, la.children, y, spec.la_code)
        paths += sw.write_tables(tables, root / "cin_census" / str(y), list(tables))
        if cin_xml:
            xml_path = sw.marked(root / "cin_census_xml" / f"cin_{y}.xml")
            xml_path.parent.mkdir(parents=True, exist_ok=True)
            xml_path.write_bytes(cin_census_xml(tables))
            paths.append(xml_path)
    files: dict[str, pd.DataFrame] = {}
    files.update(pub.cla_tables(spec, la))
    files.update(pub.cin_tables(spec, la))
    files.update(pub.population_tables(spec, la))
    files.update(pub.workforce_tables(spec, la, rng=gen))
    files["truth_stock_31march.csv"] = la.true_stock()
    files["truth_levels_31march.csv"] = la.true_levels()
    for name, frame in sorted(files.items()):
        bom = name.endswith(
            ("cla_number_and_rate_per_10k_children.csv", "on_31_march_by_characteristics.csv")
        )
        paths.append(sw.write_csv(frame, sw.marked(root / name), bom=bom))
    paths.append(sw.write_csv(manifest, sw.marked(root / "faults.csv")))
    spec_path = sw.marked(root / "spec.json")
    spec_path.write_text(json.dumps(spec.to_dict(), indent=1) + "\n", encoding="utf-8")
    paths.append(spec_path)
    readme = root / "README.md"
    readme.write_text(_readme(spec, manifest), encoding="utf-8")
    paths.append(readme)
    return sorted(paths)


def _readme(spec: SyntheticSpec, manifest: pd.DataFrame) -> str:
    faults = "\n".join(
        f"- `{r.file}` row {r.row}: {r.fault} ({r.message})" for r in manifest.itertuples()
    )
    return f"""# SYNTHETIC DATA - {spec.la_name}, LA code {spec.la_code}

NO REAL CHILD IS DESCRIBED HERE. Every record was simulated by `demandmodel.make_synthetic_la`
(see `SYNTHETIC_spec.json` for the true parameters). Every data file is named `SYNTHETIC_...`.
Collection years {spec.first_year}-{spec.last_year} (years ending 31 March).

- `ssda903/YEAR/SYNTHETIC_*.csv`: SSDA903 returns (header, episodes, uasc, reviews, missing, ad1,
  placed_adoption, prevperm); each re-submits every episode open in its year; DD/MM/YYYY dates;
  SEX 1/2.
- `cin_census/YEAR/SYNTHETIC_*.csv`: CIN census, flattened `csc-validator-be-cin` tables, ISO dates.
- `SYNTHETIC_workforce.csv`: la_code, date (30 September), case_holding_fte, agency_fte, cases_held, vacancies.
- `dfe/*/SYNTHETIC_*.csv`: published-style tables (explore-education-statistics layout, this LA only).
- `SYNTHETIC_population_projection.csv`: la_code, period (mid-year), variant (principal/high/low), pop_0_17.
- `SYNTHETIC_truth_stock_31march.csv`: the TRUE stock in care on each 31 March by state (age band,
  placement category, duration band, UASC); `SYNTHETIC_truth_levels_31march.csv`: children at each level
  LAC > CP > CIN on each 31 March.
- `SYNTHETIC_faults.csv`: the data-quality faults injected into the returns (row = 1-based data row):
{faults}

Regenerate byte for byte: `python data/make_demo.py` from the repository root.
"""


def demo_data_path() -> Path:
    """The folder of the SYNTHETIC demo dataset shipped with the package.

    Examples
    --------
    >>> import demandmodel
    >>> demandmodel.demo_data_path().name
    'SYNTHETIC_borough_999'
    """
    return Path(__file__).resolve().parent / "demo" / DEMO_FOLDER


def write_demo(folder: str | Path | None = None) -> list[Path]:
    """Regenerate the demo dataset (seed :data:`DEMO_SEED`) into ``folder`` (default: in place)."""
    target = demo_data_path() if folder is None else Path(folder)
    spec = SyntheticSpec()
    la = make_synthetic_la(spec, rng=DEMO_SEED)
    cin_years = range(spec.last_year - DEMO_CIN_YEARS + 1, spec.last_year + 1)
    return write_synthetic_la(la, target, rng=DEMO_SEED, cin_years=cin_years)
