"""``demandmodel project``: child-level Markov projection of looked-after children (and CIN / CP).

Reads SSDA903 returns (and optionally CIN census returns), estimates every rate over the reference
window, projects from ``--start`` for ``--years`` with ``--samples`` Monte Carlo paths, and writes
long rows ``date, state, level, age_band, placement, mean, q025, q10, q25, q50, q75, q90, q975``
at each 31 March and at the end. Totals rows have empty ``age_band`` / ``placement``; rows by age
band or placement have the other one empty.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import pandas as pd

from demandmodel.columns import QUANTILES

OUTPUT_COLUMNS = ("date", "state", "level", "age_band", "placement", "mean", *QUANTILES)


def register(sub: Any) -> None:
    """Add the ``project`` sub-command."""
    p = sub.add_parser(
        "project",
        help="project looked-after children by age band and placement (and CIN / CP) from returns",
        description=(
            "Fit the multi-state Markov model on SSDA903 episodes over a reference window and\n"
            "project stocks with Monte Carlo intervals (rates redrawn from their posteriors).\n\n"
            "Example:\n"
            "  demandmodel project --ssda903 returns/ --reference-start 2019-04-01 \\\n"
            "      --reference-end 2021-03-31 --start 2021-03-31 --years 3 --samples 1000 \\\n"
            "      --seed 1 --out projection.csv"
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "--ssda903",
        type=Path,
        nargs="+",
        required=True,
        metavar="PATH",
        help="SSDA903 files or folders (all years together)",
    )
    p.add_argument(
        "--cin-census",
        type=Path,
        nargs="+",
        metavar="PATH",
        help="CIN census files or folders: adds CIN-other and CP levels",
    )
    p.add_argument("--reference-start", required=True, help="first day of the reference window")
    p.add_argument("--reference-end", required=True, help="last day of the reference window")
    p.add_argument("--start", required=True, help="projection start date (stocks on this day)")
    p.add_argument(
        "--years", type=float, default=3.0, help="projection length in years (default 3)"
    )
    p.add_argument("--samples", type=int, default=1000, help="Monte Carlo paths (default 1000)")
    p.add_argument("--seed", type=int, default=None, help="random seed")
    p.add_argument("--step", choices=("day", "week", "month"), default="day", help="time step")
    p.add_argument("--k", type=float, default=365.0, help="shrinkage prior strength, person-days")
    p.add_argument(
        "--duration-bands",
        type=int,
        nargs="*",
        default=None,
        metavar="DAYS",
        help="duration-in-care band edges in days (tunnel states; default 91 182 365 730 1460; "
        "the flag with no values turns them off)",
    )
    p.add_argument("--separate-uasc", action="store_true", help="UASC as a separate stream")
    p.add_argument(
        "--population",
        type=Path,
        help="CSV of children's population by year (columns period and population or pop_0_17; "
        "optional age_band, variant): entries become a rate per 10,000 scaled by it",
    )
    p.add_argument(
        "--population-variant", default="principal", help="variant to use (default principal)"
    )
    p.add_argument(
        "--repair",
        action="store_true",
        help="apply the readers' documented repairs instead of failing on them",
    )
    p.add_argument("--rates-out", type=Path, help="also write the table of every rate here")
    p.add_argument("--out", type=Path, required=True, help="output CSV")
    p.set_defaults(handler=run)


def _rows(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.rename(columns={"period": "date"})
    out["date"] = pd.to_datetime(out["date"]).dt.strftime("%Y-%m-%d")
    return out[list(OUTPUT_COLUMNS)]


def _population(path: Path, variant: str) -> pd.DataFrame:
    from demandmodel.errors import DataValidationError

    pop = pd.read_csv(path)
    if "population" not in pop.columns and "pop_0_17" in pop.columns:
        pop = pop.rename(columns={"pop_0_17": "population"})
    if "variant" in pop.columns:
        pop = pop[pop["variant"] == variant]
    if not {"period", "population"} <= set(pop.columns) or pop.empty:
        raise DataValidationError(
            f"{path}: population needs columns period and population (or pop_0_17)"
            + (f" and rows of variant {variant!r}" if "variant" in pop.columns else "")
            + f"; it has {list(pd.read_csv(path, nrows=0).columns)}."
        )
    cols = ["period", "population"] + (["age_band"] if "age_band" in pop.columns else [])
    return pop[cols]


def run(args: argparse.Namespace) -> int:
    """Read, fit, project and write the CSV."""
    from demandmodel.data.ssda903 import read_ssda903
    from demandmodel.errors import DemandModelError
    from demandmodel.models.markov import MarkovModel
    from demandmodel.models.states import DEFAULT_DURATION_EDGES, StateSpace

    if args.samples < 1 or args.years <= 0:
        raise DemandModelError("--samples must be >= 1 and --years > 0.")
    population = _population(args.population, args.population_variant) if args.population else None
    data = read_ssda903(args.ssda903, repair=args.repair)
    edges = DEFAULT_DURATION_EDGES if args.duration_bands is None else tuple(args.duration_bands)
    space = StateSpace(duration_edges=edges, separate_uasc=args.separate_uasc)
    fit = MarkovModel(space=space, k=args.k).fit(
        data.episodes,
        reference_start=args.reference_start,
        reference_end=args.reference_end,
        population=population,
    )
    kw = dict(
        start=args.start, years=args.years, step=args.step, record="year", samples=args.samples
    )
    fc = fit.project(**kw, rng=args.seed, with_history=False)  # the CSV has no history rows
    parts = [_rows(fc.to_frame())]
    if args.cin_census:
        from demandmodel.data.cin_census import read_cin_census
        from demandmodel.models.pathway import PathwayModel

        cin_paths: list[Path] = []
        for path in args.cin_census:
            # A folder of year folders (as the synthetic LA writes them) means each year folder.
            subs = sorted(q for q in path.iterdir() if q.is_dir()) if path.is_dir() else []
            direct = path.is_dir() and any(
                q.suffix.lower() in (".csv", ".xml") for q in path.iterdir()
            )
            cin_paths += subs if subs and not direct else [path]
        cin = read_cin_census(cin_paths, repair=args.repair)
        pfit = PathwayModel(k=args.k).fit(
            cin_episodes=cin.cin_episodes,
            cp_plans=cin.cp_plans,
            episodes=data.episodes,
            reference_start=args.reference_start,
            reference_end=args.reference_end,
        )
        seed = None if args.seed is None else args.seed + 1
        pf = _rows(pfit.project(**kw, rng=seed).to_frame())
        # Looked-after detail comes from the placement model; the pathway adds the other levels.
        parts.append(pf[pf["level"] != "looked_after"])
    out = pd.concat(parts, ignore_index=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    out.to_csv(args.out, index=False)
    if args.rates_out:
        fit.rates().to_csv(args.rates_out, index=False)
    total = out[(out["state"] == "total") & (out["level"] == "looked_after")]
    total = total[(total["age_band"] == "") & (total["placement"] == "")]
    print(f"demandmodel project: wrote {len(out)} rows to {args.out}")
    for rec in total.itertuples(index=False):
        print(f"  {rec.date}: looked after {rec.q50:,.0f} (95% {rec.q025:,.0f}-{rec.q975:,.0f})")
    return 0
