"""Accuracy benchmark: rolling-origin backtest of our models against statsforecast, side by side.

Every LA (and England/region row) in the DfE data, measures ``cla_31mar``, ``cp_31mar``,
``cin_31mar``; origins 2014-2019 (expanding window, refit at every origin), horizons 1-3. Peers:
statsforecast's AutoETS, AutoARIMA, AutoTheta and Naive fitted to the same series (raw counts, as
a user of statsforecast would), with ``fallback_model=Naive()``.

All models are scored on the same forecasts (rows where every model produced one): MASE of the
median (scaled by each forecast's in-sample naive one-step MAE), 80% and 95% coverage, scaled
CRPS. Our CRPS is computed from samples; the peers give intervals, not samples, so theirs is the
closed-form Gaussian CRPS with ``sigma`` from their 80% interval. ``auto / best peer`` is our
``auto`` MASE divided by the lowest peer MASE. Results are split into SELECTION origins
(<= 2016: what ``auto`` and its calibration were chosen on) and HELD-OUT origins (2017-2019).

Run::

    .venv/bin/python benchmarks/accuracy.py --data ../shared/data/dfe            # full
    .venv/bin/python benchmarks/accuracy.py --data ../shared/data/dfe --models auto naive pooled

Needs the ``bench`` extra (``pip install statsforecast``); without it only our models run.
"""

from __future__ import annotations

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    # one BLAS thread per process: statsmodels/statsforecast fits make many tiny BLAS calls that a
    # multi-threaded BLAS slows down 10-20 times on a busy machine
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

MEASURES = ("cla_31mar", "cp_31mar", "cin_31mar")
QN = ("q025", "q10", "q25", "q50", "q75", "q90", "q975")


def ours(
    panel: pd.DataFrame,
    models: list[str],
    origins: list[int],
    horizon: int,
    n: int,
    measures: tuple[str, ...] = MEASURES,
):
    from demandmodel.backtest import backtest

    rows, times = [], {}
    for m in models:
        for measure in measures:
            t0 = time.perf_counter()
            r = backtest(
                panel,
                model=m,
                measures=[measure],
                origins=origins,
                horizon=horizon,
                n_samples=n,
                rng=2022,
            )
            times[(m, measure)] = time.perf_counter() - t0
            rows.append(r)
    return pd.concat(rows, ignore_index=True), times


def peers(
    panel: pd.DataFrame, origins: list[int], horizon: int, measures: tuple[str, ...] = MEASURES
):
    from scipy import stats
    from statsforecast import StatsForecast
    from statsforecast.models import AutoARIMA, AutoETS, AutoTheta, Naive

    from demandmodel import metrics
    from demandmodel.batch import series_by_la
    from demandmodel.errors import DemandModelError
    from demandmodel.models.base import usable_history

    specs = {
        "AutoETS": AutoETS(),
        "AutoARIMA": AutoARIMA(),
        "AutoTheta": AutoTheta(),
        "Naive": Naive(),
    }
    out, times = [], {}
    for measure in measures:
        full = series_by_la(panel, measure)
        for name, model in specs.items():
            t0 = time.perf_counter()
            for origin in origins:
                train, scale = [], {}
                for la, y in full.items():
                    try:
                        h = usable_history(y.loc[:origin], la_code=la, measure=measure, needed=2)
                    except DemandModelError:
                        continue
                    if int(h.index[-1]) != origin:
                        continue
                    train.append(
                        pd.DataFrame(
                            {"unique_id": la, "ds": h.index.astype(int), "y": h.to_numpy(float)}
                        )
                    )
                    scale[la] = (metrics.naive_scale(h), metrics.naive_scale2(h))
                df = pd.concat(train, ignore_index=True)
                sf = StatsForecast(models=[model], freq=1, fallback_model=Naive())
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    fc = sf.forecast(h=horizon, df=df, level=[50, 80, 95])
                fc = fc.reset_index() if "unique_id" not in fc.columns else fc
                col = next(c for c in fc.columns if c not in ("unique_id", "ds") and "-" not in c)
                f = pd.DataFrame(
                    {
                        "la_code": fc["unique_id"].astype(str),
                        "measure": measure,
                        "model": name,
                        "origin": origin,
                        "period": fc["ds"].astype(int),
                        "mean": fc[col].to_numpy(float),
                        "q025": fc[f"{col}-lo-95"],
                        "q10": fc[f"{col}-lo-80"],
                        "q25": fc[f"{col}-lo-50"],
                        "q50": fc[col],
                        "q75": fc[f"{col}-hi-50"],
                        "q90": fc[f"{col}-hi-80"],
                        "q975": fc[f"{col}-hi-95"],
                    }
                )
                f["horizon"] = f["period"] - origin
                f["actual"] = [
                    full[la].get(p, np.nan) for la, p in zip(f.la_code, f.period, strict=True)
                ]
                f["scale"] = [scale[la][0] for la in f.la_code]
                f["scale2"] = [scale[la][1] for la in f.la_code]
                sd = np.maximum((f["q90"] - f["q10"]) / (2 * stats.norm.ppf(0.9)), 1e-9)
                f["crps"] = metrics.crps_gaussian(f["actual"], f["q50"], sd)
                for q in QN:  # peers' intervals can go below zero; counts cannot
                    f[q] = np.clip(f[q].to_numpy(float), 0, None)
                out.append(f[np.isfinite(f["actual"])])
            times[(name, measure)] = time.perf_counter() - t0
    return pd.concat(out, ignore_index=True), times


def table(rows: pd.DataFrame) -> pd.DataFrame:
    from demandmodel.backtest import evaluate

    keys = ["la_code", "measure", "origin", "horizon"]
    n_models = rows["model"].nunique()
    common = rows.groupby(keys)["model"].transform("nunique") == n_models
    return evaluate(rows[common], by=["measure", "model"])


def report(rows: pd.DataFrame, times: dict, label: str) -> str:
    t = table(rows)
    lines = [
        f"### {label}",
        "",
        "| measure | model | n | MASE | cov80 | cov95 | CRPS | time (s) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for rec in t.itertuples(index=False):
        lines.append(
            f"| {rec.measure} | {rec.model} | {rec.n} | {rec.mase:.3f} | {rec.cov80:.3f} | "
            f"{rec.cov95:.3f} | {rec.crps:.3f} | {times.get((rec.model, rec.measure), float('nan')):.1f} |"
        )
    lines.append("")
    peer_names = {"AutoETS", "AutoARIMA", "AutoTheta", "Naive"}
    for measure, g in t.groupby("measure"):
        p = g[g["model"].isin(peer_names)]
        a = g[g["model"] == "auto"]
        if len(p) and len(a):
            best = p.loc[p["mase"].idxmin()]
            lines.append(
                f"- {measure}: auto MASE {a['mase'].iloc[0]:.3f} / best peer {best['model']} "
                f"{best['mase']:.3f} = **{a['mase'].iloc[0] / best['mase']:.3f}**"
            )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--data", type=Path, default=Path(__file__).resolve().parents[2] / "shared/data/dfe"
    )
    ap.add_argument("--models", nargs="+", default=["auto", "naive"])
    ap.add_argument("--origins", default="2014-2019")
    ap.add_argument("--horizon", type=int, default=3)
    ap.add_argument("--n-samples", type=int, default=500)
    ap.add_argument("--no-peers", action="store_true")
    ap.add_argument(
        "--measures", nargs="+", default=list(MEASURES), help="Panel measures to backtest"
    )
    ap.add_argument("--save", type=Path, help="write all backtest rows to this CSV")
    ap.add_argument("--markdown", type=Path, help="also write the tables to this Markdown file")
    ap.add_argument(
        "--panel", type=Path, help="a Panel saved as Parquet (instead of reading --data)"
    )
    args = ap.parse_args(argv)
    try:
        from demandmodel import read_dfe
    except ImportError:  # until the reader is exported at the top level
        from demandmodel.data.dfe import read_dfe

    lo, hi = (int(x) for x in args.origins.split("-"))
    origins = list(range(lo, hi + 1))
    t0 = time.perf_counter()
    if args.panel:
        panel = pd.read_parquet(args.panel)
    else:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            panel = read_dfe(args.data)
    t_read = time.perf_counter() - t0
    # keep every measure: the aggregate model reads starts, ceases and population
    t1 = time.perf_counter()
    measures = tuple(args.measures)
    rows, times = ours(panel, args.models, origins, args.horizon, args.n_samples, measures)
    t_ours = time.perf_counter() - t1
    t_peers = 0.0
    if not args.no_peers:
        try:
            t2 = time.perf_counter()
            prow, ptimes = peers(panel, origins, args.horizon, measures)
            t_peers = time.perf_counter() - t2
            rows = pd.concat([rows, prow], ignore_index=True)
            times.update(ptimes)
        except ImportError:
            print("statsforecast not installed: peers skipped", file=sys.stderr)
    if args.save:
        rows.to_csv(args.save, index=False)
    sel = rows[rows["origin"] <= 2016]
    held = rows[rows["origin"] >= 2017]
    head = (
        f"data read {t_read:.1f} s; our models {t_ours:.1f} s; peers {t_peers:.1f} s "
        f"(wall clock, {os.cpu_count()} cpus, shared)"
    )
    parts = [
        report(sel, times, f"Selection origins {lo}-2016 (horizons 1-{args.horizon})"),
        report(held, times, f"Held-out origins 2017-{hi} (horizons 1-{args.horizon})"),
        report(rows, times, f"All origins {lo}-{hi}"),
    ]
    print(head)
    print("\n\n".join(parts))
    if args.markdown:
        cmd = "python benchmarks/accuracy.py " + " ".join(
            argv if argv is not None else sys.argv[1:]
        )
        args.markdown.write_text(
            f"Command: `{cmd}`\n\n{head}\n\n" + "\n\n".join(parts) + "\n", encoding="utf-8"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
