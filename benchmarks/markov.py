"""Benchmark the child-level Markov model against cs-demand-model 0.5.1 (speed, memory, accuracy).

Run:  .venv/bin/python benchmarks/markov.py [--runs 3] [--skip-peer] [--skip-speed] [--skip-accuracy]

* **Speed, end to end** on ``shared/data/ssda903_synthetic/d2i_cs_demand_model_combined``: ours is
  ``demandmodel project`` (read, clean, fit, project 2 years daily with 1,000 Monte Carlo paths,
  write CSV); the peer is ``demand-model predict`` (read, analyse, deterministic daily prediction
  for 2 years) from the same reference window. Both run as fresh processes under ``/usr/bin/time``;
  wall time, CPU time (user + sys) and peak RSS are reported as medians over ``--runs`` runs.
* **Projection alone**: 1,000 paths x 5 years x daily x 30 states, timed in-process (the LA's stock
  and a 10x larger stock), and its peak RSS from a separate process.
* **Accuracy** on synthetic LAs (``demandmodel.data.synthetic``, when present): the embedded one and
  ``--las - 1`` more with other seeds and sizes (30,000-120,000 children), written as annual
  returns. At 7 origins per LA both tools are rewound, fitted on the same 2-year window and
  project 1-3 years; the total and placement-category stocks are compared with what the latest
  returns show. Categories are the peer's (its residential is K2 and R1 only, so for this
  comparison our K1 and S1 placements count as "other"). Reported: mean absolute errors, in how
  many LAs and forecasts ours is the lower, and the coverage of our 80% / 95% intervals.

The peer needs pandas < 2, so it lives in its own virtual environment (``--peer-venv``, default
``/tmp/csdm-venv``); the script creates it with ``pip install "cs-demand-model[cli]==0.5.1"`` when
absent. Nothing here is asserted: the numbers are printed (and written to ``--out`` as JSON).
"""

from __future__ import annotations

import argparse
import ast
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "data"
D2I = SHARED / "ssda903_synthetic" / "d2i_cs_demand_model_combined"
PEER_CATEGORY = {"fostering": "Fostering", "residential": "Residential", "supported": "Supported"}


def ensure_peer(venv: Path) -> Path:
    """The peer's ``demand-model`` executable, installing it into ``venv`` when absent."""
    exe = venv / "bin" / "demand-model"
    if not exe.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run(
            [str(venv / "bin" / "pip"), "install", "-q", "cs-demand-model[cli]==0.5.1"], check=True
        )
    return exe


def timed(cmd: list[str]) -> dict[str, float]:
    """Wall, CPU seconds and peak RSS (MiB) of one run of ``cmd`` under /usr/bin/time."""
    with tempfile.NamedTemporaryFile("r", suffix=".time") as tf:
        t0 = time.perf_counter()
        subprocess.run(
            ["/usr/bin/time", "-f", "%U %S %M", "-o", tf.name, *cmd],
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wall = time.perf_counter() - t0
        user, system, rss_kb = tf.read().split()[-3:]
    return {"wall_s": wall, "cpu_s": float(user) + float(system), "peak_mib": float(rss_kb) / 1024}


def median_runs(cmd: list[str], runs: int) -> dict[str, Any]:
    res = [timed(cmd) for _ in range(runs)]
    return {k: statistics.median(r[k] for r in res) for k in res[0]} | {"runs": runs}


def speed_end_to_end(runs: int, peer: Path | None, tmp: Path) -> dict[str, Any]:
    ref = ("2019-04-01", "2021-03-31")
    ours = [
        sys.executable, "-m", "demandmodel", "project", "--ssda903", str(D2I), "--repair",
        "--reference-start", ref[0], "--reference-end", ref[1], "--start", ref[1],
        "--years", "2", "--samples", "1000", "--seed", "1", "--out", str(tmp / "ours.csv"),
    ]  # fmt: skip
    # Both run from byte-compiled modules, as after a normal pip install (the peer's were compiled
    # when pip installed it; ours is an editable install, and with PYTHONDONTWRITEBYTECODE set, as
    # on this machine, every run would otherwise recompile our modules: about 0.03 s).
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(REPO / "src")], check=True)
    out: dict[str, Any] = {"ours": median_runs(ours, runs)}
    if peer is not None:
        theirs = [str(peer), "predict", str(D2I), "-s", ref[0], "-e", ref[1], "--pd", "2023-03-31"]
        out["peer"] = median_runs(theirs, runs)
        out["speedup_wall"] = out["peer"]["wall_s"] / out["ours"]["wall_s"]
        out["speedup_cpu"] = out["peer"]["cpu_s"] / out["ours"]["cpu_s"]
    return out


def _fit_d2i(duration_edges: tuple[int, ...] | None = ()) -> Any:
    """Fit on the d2i returns: 30 states by default (the speed target's); ``None``: default space."""
    from demandmodel import MarkovModel, read_ssda903
    from demandmodel.models.states import StateSpace

    data = read_ssda903(D2I, repair=True)
    space = StateSpace() if duration_edges is None else StateSpace(duration_edges=duration_edges)
    return MarkovModel(space=space).fit(
        data.episodes, reference_start="2019-04-01", reference_end="2021-03-31"
    )


def projection_only(runs: int) -> dict[str, Any]:
    fit = _fit_d2i()
    x0 = fit.stock_at("2021-03-31").to_numpy()
    default = _fit_d2i(None)
    x0d = default.stock_at("2021-03-31").to_numpy()
    out: dict[str, Any] = {"states": len(x0), "default_states": len(x0d)}
    cases = (("la_stock", fit, x0), ("stock_x10", fit, x0 * 10), ("default_space", default, x0d))
    for label, model_fit, init in cases:
        times, cpu = [], []
        for r in range(runs):
            t0, c0 = time.perf_counter(), time.process_time()
            model_fit.project(start="2021-03-31", years=5, samples=1000, rng=r, initial=init)
            times.append(time.perf_counter() - t0)
            cpu.append(time.process_time() - c0)
        out[label] = {
            "children": float(init.sum()),
            "median_wall_s": statistics.median(times),
            "median_cpu_s": statistics.median(cpu),
        }
    cmd = [sys.executable, __file__, "--_projection-child"]
    out["peak_mib"] = median_runs(cmd, 1)["peak_mib"]
    return out


def _projection_child() -> None:
    fit = _fit_d2i()
    x0 = fit.stock_at("2021-03-31").to_numpy() * 10
    fit.project(start="2021-03-31", years=5, samples=1000, rng=0, initial=x0)


# -- uncertainty: exact vs Monte Carlo vs the additive daily-variance band -------------------------


def additive_band(
    chain: Any, initial: np.ndarray, start: str, end: str, record: list[str]
) -> np.ndarray:
    """Variance of the total when each day's flow variance is simply added up (no propagation
    through later days, no covariance, no parameter uncertainty), as in simpler tools' bands."""
    from demandmodel.models.markov import record_points, time_grid

    grid = time_grid(start, end, "day")
    rec = set(record_points(grid, record).tolist())
    fr, er = chain._rates(1, None)
    fm, em = np.ones(len(chain.flows)), np.ones(len(chain.entries))
    pf, lam_eff = chain._transition(fr, fm, 1.0, chain._entry_rates(er, em)[:, :, None])
    lam = lam_eff[0, :, 0]
    n = chain.n_states
    p = pf[0, :n, :n]
    m, v, out = initial.astype(float), 0.0, []
    for k in range(len(grid)):
        if k in rec:
            out.append(v)
        if k == len(grid) - 1:
            break
        one_day = np.diag(p @ m) - (p * m[None, :]) @ p.T + np.diag(lam)
        v += float(one_day.sum())
        m = p @ m + lam
    return np.array(out)


def uncertainty(samples: int = 2000) -> dict[str, Any]:
    """Sd of the projected total at 1, 2 and 5 years by four methods, on two chains."""
    from demandmodel.models.markov import MarkovChain

    toy = MarkovChain.from_generator(np.array([[-0.002]]), states=["in care"], entries=[1.0])
    fit = _fit_d2i()
    cases = {
        "toy_one_state": (toy, np.array([500.0])),
        "d2i_fitted_30_states": (fit.chain(), fit.stock_at("2021-03-31").to_numpy()),
    }
    start = "2021-03-31"
    record = ["2022-03-31", "2023-03-31", "2026-03-31"]
    out: dict[str, Any] = {"horizons": ["1y", "2y", "5y"]}
    for name, (chain, x0) in cases.items():
        kw = dict(initial=x0, start=start, end="2026-03-31", record=record)
        mom = chain.moments(**kw)
        exact = np.sqrt(mom.cov.sum(axis=(1, 2)))
        tot = [
            i
            for i, k in enumerate(chain.simulate(**kw, samples=2, rng=0).series["kind"])
            if k == "total"
        ]
        sel = tot[-1] if tot else 0
        mc = chain.simulate(**kw, samples=samples, rng=1, parameter_uncertainty=False)
        mcp = chain.simulate(**kw, samples=samples, rng=2, parameter_uncertainty=True)
        add = np.sqrt(additive_band(chain, x0, start, "2026-03-31", record))
        out[name] = {
            "mean_exact": np.round(mom.mean.sum(axis=1), 1).tolist(),
            "sd_exact": np.round(exact, 2).tolist(),
            "sd_mc_fixed_rates": np.round(mc.samples[:, :, sel].std(axis=0), 2).tolist(),
            "sd_mc_with_parameter_uncertainty": np.round(
                mcp.samples[:, :, sel].std(axis=0), 2
            ).tolist(),
            "sd_additive_daily_band": np.round(add, 2).tolist(),
        }
    return out


# -- accuracy --------------------------------------------------------------------------------------


def _rewound_peer_folder(src: Path, origin: pd.Timestamp, dest: Path) -> Path:
    """The SSDA903 returns as known on ``origin``, flattened to ``YEAR-table.csv`` for the peer."""
    dest.mkdir(parents=True, exist_ok=True)
    last_year = origin.year + (origin.month > 3)
    for year_dir in sorted(p for p in src.iterdir() if p.is_dir()):
        year = int(year_dir.name)
        if year > last_year:
            continue
        for table in ("episodes", "header", "uasc"):
            # demo files are named SYNTHETIC_<table>.csv (issue 2); written returns <table>.csv
            found = [year_dir / f"{table}.csv", year_dir / f"SYNTHETIC_{table}.csv"]
            f = next((c for c in found if c.exists()), None)
            if f is None:
                continue
            df = pd.read_csv(f, dtype=str, keep_default_na=False)
            if table == "episodes":
                start = pd.to_datetime(df["DECOM"], format="%d/%m/%Y", errors="coerce")
                end = pd.to_datetime(df["DEC"], format="%d/%m/%Y", errors="coerce")
                df = df[~(start > origin)].copy()
                later = (end > origin).reindex(df.index, fill_value=False)
                df.loc[later, ["DEC", "REC", "REASON_PLACE_CHANGE"]] = ""
            df.to_csv(dest / f"{year}-{table}.csv", index=False)
    return dest


PEER_RESIDENTIAL: tuple[str, ...] = ("K2", "R1")
"""The peer's residential codes; ours (K1, K2, R1, S1) is wider, so the accuracy runs relabel."""
COMPARED = ("total", "fostering", "residential", "supported")
EXTRA_LAS: tuple[tuple[int, float], ...] = (
    (101, 60_000.0), (102, 40_000.0), (103, 90_000.0), (104, 60_000.0), (105, 30_000.0),
    (106, 120_000.0), (107, 50_000.0),
)  # fmt: skip
"""(seed, children aged 0-17) of the synthetic LAs generated beside the embedded one."""


def _peer_stocks(
    peer: Path, folder: Path, ref: tuple[str, str], dates: list[pd.Timestamp], tmp: Path
) -> pd.DataFrame:
    """The peer's predicted stock (total and its placement categories) on each date."""
    xlsx = tmp / f"peer_{ref[1]}.xlsx"
    last = max(dates).strftime("%Y-%m-%d")
    subprocess.run(
        [str(peer), "predict", str(folder), "-s", ref[0], "-e", ref[1], "--pd", last, "--export", str(xlsx)],
        check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    code = "import pandas as pd,sys; pd.read_excel(sys.argv[1],header=0,index_col=0).to_csv(sys.argv[2])"
    csv = tmp / f"peer_{ref[1]}.csv"
    subprocess.run([str(peer.parent / "python"), "-c", code, str(xlsx), str(csv)], check=True)
    raw = pd.read_csv(csv, index_col=0)
    raw.index = pd.to_datetime(raw.index)
    cats = np.array([ast.literal_eval(c)[1] for c in raw.columns])
    rows = []
    for d in dates:
        v = raw.loc[d].to_numpy(dtype=float)
        rows.append({"date": d, "series": "total", "peer": float(v[cats != "NOT_IN_CARE"].sum())})
        for series in COMPARED[1:]:
            rows.append(
                {"date": d, "series": series, "peer": float(v[cats == series.upper()].sum())}
            )
    return pd.DataFrame(rows)


def _synthetic_las(tmp: Path, count: int) -> list[Path]:
    """The embedded synthetic LA and ``count - 1`` more (other seeds and sizes), written to ``tmp``.

    Several LAs, not one: with a handful of origins per LA the error of one LA is mostly its own
    luck, and the model must hold on LAs it was not developed on.
    """
    from demandmodel.data import synthetic
    from demandmodel.data.synthetic_spec import SyntheticSpec

    folders = [Path(synthetic.demo_data_path())]
    for seed, children in EXTRA_LAS[: max(count - 1, 0)]:
        folder = tmp / f"synthetic_la_{seed}"
        la = synthetic.make_synthetic_la(SyntheticSpec(pop_0_17=children), rng=seed)
        synthetic.write_synthetic_la(la, folder, rng=seed)
        folders.append(folder)
    return folders


def _peer_categories(episodes: pd.DataFrame) -> pd.DataFrame:
    """Episodes with the peer's residential category (K2, R1); our other residential codes -> other."""
    out = episodes.copy()
    wider = (out["placement_category"] == "residential") & ~out["placement"].isin(PEER_RESIDENTIAL)
    out.loc[wider, "placement_category"] = "other"
    return out


def _accuracy_la(
    folder: Path, peer: Path | None, tmp: Path, samples: int, failures: list[str]
) -> pd.DataFrame:
    """Rolling origins on one synthetic LA: both tools fitted on the same 2-year window."""
    from demandmodel import MarkovModel, read_ssda903
    from demandmodel.models.markov import rewind as rewind_episodes

    episodes = _peer_categories(read_ssda903(folder / "ssda903", repair=True).episodes)
    last = pd.Timestamp(pd.read_csv(folder / "SYNTHETIC_truth_stock_31march.csv")["date"].max())
    # What the later returns show: the stock on each date in the latest returns, by category.
    latest = MarkovModel().fit(
        episodes, reference_start=last - pd.DateOffset(years=1), reference_end=last
    )
    placement = latest.labels["placement"].to_numpy()
    origins = [pd.Timestamp(y, 3, 31) for y in range(last.year - 7, last.year)]
    rows: list[dict[str, Any]] = []
    for o in origins:
        dates = [
            o + pd.DateOffset(years=h) for h in (1, 2, 3) if o + pd.DateOffset(years=h) <= last
        ]
        ref = (o - pd.DateOffset(years=2) + pd.Timedelta(days=1), o)
        known = rewind_episodes(episodes, o)
        fit = MarkovModel().fit(known, reference_start=ref[0], reference_end=ref[1])
        fc = fit.project(start=o, end=dates[-1], samples=samples, rng=o.year, record=dates)
        f = fc.to_frame()
        f = f[f["kind"].isin(["total", "placement"])]
        peer_rows = None
        if peer is not None:
            pf = _rewound_peer_folder(folder / "ssda903", o, tmp / f"peer_{folder.name}_{o.year}")
            refs = (ref[0].strftime("%Y-%m-%d"), ref[1].strftime("%Y-%m-%d"))
            try:
                got = _peer_stocks(peer, pf, refs, dates, tmp)
                peer_rows = got.set_index(["date", "series"])["peer"]
            except subprocess.CalledProcessError as err:  # reported, not hidden
                failures.append(f"peer failed on {folder.name} at origin {o.date()}: {err}")
        actual = {d: latest.stock_at(d).to_numpy() for d in dates}
        for r in f.itertuples(index=False):
            d = pd.Timestamp(r.period)
            series = "total" if r.kind == "total" else r.placement
            stock = actual[d] if series == "total" else actual[d][placement == series]
            rows.append(
                {
                    "la": folder.name, "origin": o.date(), "horizon": round((d - o).days / 365.25),
                    "series": series, "actual": float(stock.sum()), "ours": r.mean, "ours_median": r.q50,
                    "q10": r.q10, "q90": r.q90, "q025": r.q025, "q975": r.q975,
                    "peer": float(peer_rows.get((d, series), np.nan)) if peer_rows is not None else np.nan,
                }
            )  # fmt: skip
    return pd.DataFrame(rows)


def accuracy(peer: Path | None, tmp: Path, samples: int, las: int) -> dict[str, Any] | None:
    """Rolling origins on ``las`` synthetic LAs; mean absolute errors of both tools and our coverage."""
    try:
        folders = _synthetic_las(tmp, las)
    except ImportError:
        return None
    failures: list[str] = []
    m = pd.concat([_accuracy_la(f, peer, tmp, samples, failures) for f in folders])
    m["err_ours"] = (m["ours"] - m["actual"]).abs()
    m["err_ours_median"] = (m["ours_median"] - m["actual"]).abs()
    m["err_peer"] = (m["peer"] - m["actual"]).abs()
    m["in80"] = (m["actual"] >= m["q10"]) & (m["actual"] <= m["q90"])
    m["in95"] = (m["actual"] >= m["q025"]) & (m["actual"] <= m["q975"])
    cols = ["actual", "err_ours", "err_ours_median", "err_peer", "in80", "in95"]
    table = m.groupby(["series", "horizon"])[cols].mean()
    table["ratio"] = table["err_ours"] / table["err_peer"]
    compared = m[m["series"].isin(COMPARED)].assign(win=lambda x: x["err_ours"] < x["err_peer"])
    by_la = compared.groupby(["series", "horizon", "la"])[["err_ours", "err_peer"]].mean()
    las_better = (
        (by_la["err_ours"] < by_la["err_peer"]).groupby(["series", "horizon"]).sum().astype(int)
    )
    return {
        "las": [f.name for f in folders],
        "origins_per_la": int(m.groupby("la")["origin"].nunique().min()),
        "mean_abs_error_and_coverage": table.round(3).reset_index().to_dict("records"),
        "las_where_ours_is_better": {f"{s} {h}y": int(v) for (s, h), v in las_better.items()},
        "forecasts_where_ours_is_better": {
            f"{s} {h}y": round(float(v), 3)
            for (s, h), v in compared.groupby(["series", "horizon"])["win"].mean().items()
        },
        "coverage80_all": float(m["in80"].mean()),
        "coverage95_all": float(m["in95"].mean()),
        "coverage95_total": float(m.loc[m["series"] == "total", "in95"].mean()),
        "peer_failures": failures,
        "rows": m.astype({"origin": str}).round(2).to_dict("records"),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--peer-venv", type=Path, default=Path("/tmp/csdm-venv"))
    parser.add_argument("--skip-peer", action="store_true")
    parser.add_argument("--skip-accuracy", action="store_true")
    parser.add_argument(
        "--skip-speed", action="store_true", help="skip the speed and uncertainty parts"
    )
    parser.add_argument(
        "--samples", type=int, default=500, help="MC paths in the accuracy backtest"
    )
    parser.add_argument(
        "--las", type=int, default=8, help="synthetic LAs in the accuracy backtest (1-8)"
    )
    parser.add_argument("--out", type=Path, default=None, help="write the results as JSON")
    parser.add_argument("--_projection-child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args._projection_child:
        _projection_child()
        return
    peer = None if args.skip_peer else ensure_peer(args.peer_venv)
    with tempfile.TemporaryDirectory() as td:
        tmp = Path(td)
        results: dict[str, Any] = {}
        if not args.skip_speed:
            results["speed_end_to_end"] = speed_end_to_end(args.runs, peer, tmp)
            print(json.dumps(results, indent=2), flush=True)
            results["projection_only"] = projection_only(args.runs)
            print(json.dumps(results["projection_only"], indent=2), flush=True)
            results["uncertainty"] = uncertainty()
            print(json.dumps(results["uncertainty"], indent=2), flush=True)
        if not args.skip_accuracy:
            results["accuracy"] = accuracy(peer, tmp, args.samples, args.las)
            print(json.dumps(results["accuracy"], indent=2, default=str), flush=True)
    if args.out:
        args.out.write_text(json.dumps(results, indent=2, default=str))


if __name__ == "__main__":
    main()
