"""Benchmark the child-level Markov model against cs-demand-model 0.5.1 (speed, memory, accuracy).

Run:  .venv/bin/python benchmarks/markov.py [--runs 3] [--skip-peer] [--skip-accuracy]

* **Speed, end to end** on ``shared/data/ssda903_synthetic/d2i_cs_demand_model_combined``: ours is
  ``demandmodel project`` (read, clean, fit, project 2 years daily with 1,000 Monte Carlo paths,
  write CSV); the peer is ``demand-model predict`` (read, analyse, deterministic daily prediction
  for 2 years) from the same reference window. Both run as fresh processes under ``/usr/bin/time``;
  wall time, CPU time (user + sys) and peak RSS are reported as medians over ``--runs`` runs.
* **Projection alone**: 1,000 paths x 5 years x daily x 30 states, timed in-process (the LA's stock
  and a 10x larger stock), and its peak RSS from a separate process.
* **Accuracy** on the synthetic LA (``demandmodel.data.synthetic``, when present): rewind to several
  origins, fit both tools on the same 2-year window before each origin, project 1-3 years, compare
  total and placement-category stocks with the truth; coverage of our 80% / 95% intervals.

The peer needs pandas < 2, so it lives in its own virtual environment (``--peer-venv``, default
``/tmp/csdm-venv``); the script creates it with ``pip install "cs-demand-model[cli]==0.5.1"`` when
absent. Nothing here is asserted: the numbers are printed (and written to ``--out`` as JSON).
"""

from __future__ import annotations

import argparse
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
    out: dict[str, Any] = {"ours": median_runs(ours, runs)}
    if peer is not None:
        theirs = [str(peer), "predict", str(D2I), "-s", ref[0], "-e", ref[1], "--pd", "2023-03-31"]
        out["peer"] = median_runs(theirs, runs)
        out["speedup_wall"] = out["peer"]["wall_s"] / out["ours"]["wall_s"]
        out["speedup_cpu"] = out["peer"]["cpu_s"] / out["ours"]["cpu_s"]
    return out


def _fit_d2i() -> Any:
    from demandmodel import MarkovModel, read_ssda903

    data = read_ssda903(D2I, repair=True)
    return MarkovModel().fit(
        data.episodes, reference_start="2019-04-01", reference_end="2021-03-31"
    )


def projection_only(runs: int) -> dict[str, Any]:
    fit = _fit_d2i()
    x0 = fit.stock_at("2021-03-31").to_numpy()
    out: dict[str, Any] = {"states": len(x0)}
    for label, init in (("la_stock", x0), ("stock_x10", x0 * 10)):
        times = []
        for r in range(runs):
            t0 = time.perf_counter()
            fit.project(start="2021-03-31", years=5, samples=1000, rng=r, initial=init)
            times.append(time.perf_counter() - t0)
        out[label] = {"children": float(init.sum()), "median_s": statistics.median(times)}
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
    pf, g = chain._transition(fr, fm, 1.0)
    lam = chain._entries(g, er, em)[0]
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


def _peer_stocks(
    peer: Path, folder: Path, ref: tuple[str, str], dates: list[pd.Timestamp], tmp: Path
) -> pd.DataFrame:
    xlsx = tmp / f"peer_{ref[1]}.xlsx"
    last = max(dates).strftime("%Y-%m-%d")
    subprocess.run(
        [str(peer), "predict", str(folder), "-s", ref[0], "-e", ref[1], "--pd", last, "--export", str(xlsx)],
        check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    code = "import pandas as pd,sys; d=pd.read_excel(sys.argv[1],header=[0,1],index_col=0); d.to_csv(sys.argv[2])"
    csv = tmp / f"peer_{ref[1]}.csv"
    subprocess.run([str(peer.parent / "python"), "-c", code, str(xlsx), str(csv)], check=True)
    raw = pd.read_csv(csv, header=[0, 1], index_col=0)
    raw.index = pd.to_datetime(raw.index)
    rows = []
    for d in dates:
        row = raw.loc[raw.index[raw.index.get_indexer([d], method="nearest")[0]]]
        cats: dict[str, float] = {}
        for (_age, cat), v in row.items():
            name = str(cat).split("'")[-2] if "'" in str(cat) else str(cat)
            if name.upper() == "NOT_IN_CARE":
                continue
            key = name.capitalize()
            cats[key] = cats.get(key, 0.0) + float(v)
        rows += [{"date": d, "series": k, "peer": v} for k, v in cats.items()]
        rows.append({"date": d, "series": "total", "peer": sum(cats.values())})
    return pd.DataFrame(rows)


def accuracy(peer: Path | None, tmp: Path, samples: int) -> dict[str, Any] | None:
    try:
        from demandmodel.data import synthetic
    except ImportError:
        return None
    from demandmodel import MarkovModel, read_ssda903
    from demandmodel.models.markov import aggregation, markov_backtest
    from demandmodel.models.states import care_segments, days, stock_at

    folder = tmp / "synthetic_la"
    la = synthetic.write_synthetic_la(folder)  # noqa: F841 - writes SSDA903 folders per year
    data = read_ssda903(sorted(folder.glob("**/ssda903*")) or folder, repair=True)
    ep = data.episodes
    end = pd.Timestamp(ep["end"].max())
    origins = [
        pd.Timestamp(y, 3, 31)
        for y in range(end.year - 4, end.year)
        if pd.Timestamp(y, 3, 31) < end
    ]
    model = MarkovModel()
    bt = markov_backtest(
        ep, origins=origins, reference_years=2.0, horizon_years=3, samples=samples, rng=1
    )
    ours = bt[bt["kind"].isin(["total", "placement"])].copy()
    ours["series"] = np.where(ours["kind"] == "total", "total", ours["placement"])
    res: dict[str, Any] = {
        "origins": [str(o.date()) for o in origins],
        "ours_coverage80_all_series": float(bt["in80"].mean()),
        "ours_coverage95_all_series": float(bt["in95"].mean()),
        "ours_coverage95_total": float(bt.loc[bt["kind"] == "total", "in95"].mean()),
    }
    if peer is not None:
        seg, _ = care_segments(ep, model.space)
        peer_rows = []
        for o in origins:
            dates = sorted(set(ours.loc[ours["origin"] == o, "date"]))
            ref = (
                (o - pd.DateOffset(years=2) + pd.Timedelta(days=1)).strftime("%Y-%m-%d"),
                o.strftime("%Y-%m-%d"),
            )
            p = _peer_stocks(peer, folder, ref, dates, tmp)
            peer_rows.append(p.assign(origin=o))
        pr = pd.concat(peer_rows, ignore_index=True)
        del seg, aggregation, days, stock_at
        m = ours.merge(pr, on=["origin", "date", "series"], how="left")
        m["abs_err_ours"] = (m["mean"] - m["actual"]).abs()
        m["abs_err_peer"] = (m["peer"] - m["actual"]).abs()
        res["by_series_horizon"] = (
            m.groupby(["series", "horizon"])[["actual", "abs_err_ours", "abs_err_peer"]]
            .mean()
            .round(1)
            .reset_index()
            .to_dict("records")
        )
    return res


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--peer-venv", type=Path, default=Path("/tmp/csdm-venv"))
    parser.add_argument("--skip-peer", action="store_true")
    parser.add_argument("--skip-accuracy", action="store_true")
    parser.add_argument(
        "--samples", type=int, default=500, help="MC paths in the accuracy backtest"
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
        results: dict[str, Any] = {"speed_end_to_end": speed_end_to_end(args.runs, peer, tmp)}
        print(json.dumps(results, indent=2), flush=True)
        results["projection_only"] = projection_only(args.runs)
        print(json.dumps(results["projection_only"], indent=2), flush=True)
        results["uncertainty"] = uncertainty()
        print(json.dumps(results["uncertainty"], indent=2), flush=True)
        if not args.skip_accuracy:
            results["accuracy"] = accuracy(peer, tmp, args.samples)
            print(json.dumps(results["accuracy"], indent=2, default=str), flush=True)
    if args.out:
        args.out.write_text(json.dumps(results, indent=2, default=str))


if __name__ == "__main__":
    main()
