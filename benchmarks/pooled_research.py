"""Rolling-origin evaluation of the pooled and aggregate models against naive, on every English LA.

Run: ``.venv/bin/python benchmarks/pooled_research.py [tune|final|holdout]`` (results also go to
``/tmp/demandmodel_pooled_research_<mode>.csv``; the Panel is cached in ``/tmp``).

- ``tune``: the grid (pooled damping / window / learn, aggregate damping) on origins 2012-2016;
- ``final``: the chosen models (and naive, drift, auto) on origins 2012-2016;
- ``holdout``: the chosen models on origins 2017-2019, never used for choosing.

Measures cla_31mar, cp_31mar, cin_31mar; horizons 1-3; every LA that read_dfe places in a region.
Hyperparameters are chosen on origins <= 2016 only; origins 2017-2019 are held out. Models are
compared on the cells (measure, LA, origin, horizon) that all of them forecast.
Point forecast = the sample median; MASE scale = the LA's in-sample mean absolute yearly change up
to the origin; coverage = share of actuals inside the central 80% / 95% sample intervals.
"""

from __future__ import annotations

import itertools
import sys
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

import demandmodel
from demandmodel.data.geography import la_lookup
from demandmodel.errors import DemandModelError
from demandmodel.models.base import get_model

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "dfe"
CACHE = Path("/tmp/demandmodel_pooled_research_panel.pkl")
KEEP = ("cla_31mar", "cla_starts", "cla_ceases", "cp_31mar", "cp_starts", "cin_31mar")
KEEP += ("cin_starts", "cin_ends", "pop_0_17")


def load() -> pd.DataFrame:
    """The real Panel (``read_dfe`` of shared/data/dfe), LA rows, with a ``region`` column."""
    if CACHE.exists():
        return pd.read_pickle(CACHE)
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        panel = demandmodel.read_dfe(DATA)
    geo = la_lookup(panel)
    regions = dict(zip(geo["la_code"], geo["region_name"], strict=True))
    out = panel.loc[panel["measure"].isin(KEEP), ["la_code", "period", "measure", "value"]].copy()
    out["region"] = out["la_code"].map(regions)
    out = out[out["region"].notna() & (out["region"] != "")].reset_index(drop=True)
    out.attrs = {}
    out.to_pickle(CACHE)
    return out


MEASURES = ("cla_31mar", "cp_31mar", "cin_31mar")
H = 3
N_SAMPLES = 1000


def evaluate(
    make_spec: Callable[[], Any],
    panel: pd.DataFrame,
    *,
    measures: Iterable[str] = MEASURES,
    origins: Iterable[int],
    horizon: int = H,
) -> pd.DataFrame:
    """One row per (measure, LA, origin, h) with actual, quantiles and the MASE scale."""
    rows: list[dict[str, Any]] = []
    origins = list(origins)
    for measure in measures:
        sub = panel[panel["measure"].isin([measure, *AUX.get(measure, ())])]
        wide = panel[panel["measure"] == measure].pivot_table(
            index="la_code", columns="period", values="value"
        )
        for origin in origins:
            if origin - 2 < int(wide.columns.min()):
                continue
            spec = make_spec()
            try:
                ctx = spec.prepare(sub, measure=measure, origin=origin)
            except DemandModelError:
                continue
            for code in wide.index:
                fut = [origin + h for h in range(1, horizon + 1)]
                actual = wide.loc[code].reindex(fut).to_numpy(dtype=float)
                if not np.isfinite(actual).any():
                    continue
                try:
                    fit = spec.fit(sub, la_code=code, measure=measure, origin=origin, context=ctx)
                except DemandModelError:
                    continue
                paths = fit.sample(horizon, n_samples=N_SAMPLES, rng=int(code) * 10_000 + origin)
                q = np.quantile(paths, [0.025, 0.1, 0.5, 0.9, 0.975], axis=0)
                hist = wide.loc[code, :origin].dropna().to_numpy(dtype=float)
                scale = float(np.mean(np.abs(np.diff(hist)))) if len(hist) > 1 else np.nan
                for h in range(horizon):
                    if np.isfinite(actual[h]):
                        rows.append(
                            {
                                "measure": measure,
                                "la_code": code,
                                "origin": origin,
                                "h": h + 1,
                                "actual": actual[h],
                                "q025": q[0, h],
                                "q10": q[1, h],
                                "q50": q[2, h],
                                "q90": q[3, h],
                                "q975": q[4, h],
                                "scale": scale,
                            }
                        )
    return pd.DataFrame(rows)


AUX = {
    "cla_31mar": ("cla_starts", "cla_ceases", "pop_0_17"),
    "cp_31mar": ("cp_starts", "pop_0_17"),
    "cin_31mar": ("cin_starts", "cin_ends", "pop_0_17"),
}


def summarise(res: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """MASE (mean of |error| / scale), 80% and 95% coverage, mean log error (bias)."""
    r = res[np.isfinite(res["scale"]) & (res["scale"] > 0)].copy()
    r["ase"] = (r["actual"] - r["q50"]).abs() / r["scale"]
    r["in80"] = (r["actual"] >= r["q10"]) & (r["actual"] <= r["q90"])
    r["in95"] = (r["actual"] >= r["q025"]) & (r["actual"] <= r["q975"])
    r["bias"] = np.log(r["q50"] + 1) - np.log(r["actual"] + 1)
    return r.groupby(by).agg(
        n=("ase", "size"),
        mase=("ase", "mean"),
        cov80=("in80", "mean"),
        cov95=("in95", "mean"),
        bias=("bias", "mean"),
    )


def paired(res: pd.DataFrame, common: list[str]) -> pd.DataFrame:
    """Keep only (measure, LA, origin, h) cells every model forecast, so comparisons are fair."""
    key = ["measure", "la_code", "origin", "h"]
    counts = res.groupby(key)["model"].nunique()
    ok = counts[counts == len(common)].index
    return res.set_index(key).loc[ok].reset_index()


def run(
    models: dict[str, Callable[[], Any]], origins: Iterable[int], panel: pd.DataFrame
) -> pd.DataFrame:
    out = []
    for name, make in models.items():
        t0 = time.perf_counter()
        r = evaluate(make, panel, origins=origins)
        r["model"] = name
        out.append(r)
        print(f"  {name}: {len(r)} cells, {time.perf_counter() - t0:.1f}s", file=sys.stderr)
    return pd.concat(out, ignore_index=True)


def candidates(kind: str) -> dict[str, Callable[[], Any]]:
    """The model grid (``tune``) or the chosen configurations (``holdout``)."""
    from demandmodel.models.aggregate import AggregateSpec
    from demandmodel.models.pooled import PooledSpec

    models: dict[str, Callable[[], Any]] = {
        "naive": lambda: get_model("naive"),
        "drift": lambda: get_model("drift"),
    }
    if kind == "tune-pop":
        for phi, pop in itertools.product((0.3, 0.5, 0.7), (False, True)):
            models[f"pooled phi={phi} per_population={pop}"] = lambda phi=phi, pop=pop: PooledSpec(
                damping=phi, per_population=pop
            )
    elif kind == "tune":
        for phi in (0.0, 0.3, 0.5, 0.7):
            models[f"pooled fixed phi={phi}"] = lambda phi=phi: PooledSpec(damping=phi, learn=False)
        for window, rw in itertools.product((3, 5), (2, 3, 5)):
            models[f"pooled learn w={window} rw={rw}"] = lambda window=window, rw=rw: PooledSpec(
                window=window, reversion_window=rw
            )
        for phi in (0.0, 0.5, 1.0):
            models[f"aggregate phi={phi}"] = lambda phi=phi: AggregateSpec(damping=phi)
    else:
        models["auto"] = lambda: get_model("auto")
        models["pooled"] = lambda: PooledSpec()
        models["pooled learn"] = lambda: PooledSpec(learn=True)
        models["aggregate"] = lambda: AggregateSpec()
        models["aggregate unanchored"] = lambda: AggregateSpec(anchor=False)
    return models


def report(res: pd.DataFrame) -> None:
    """Series models on every cell they all forecast; then everything on the aggregate's cells."""
    series = [m for m in res["model"].unique() if not m.startswith("aggregate")]
    for title, names in (("series models", series), ("all models", list(res["model"].unique()))):
        sub = paired(res[res["model"].isin(names)], names)
        print(f"== {title} (paired cells) ==")
        print(summarise(sub, ["measure", "model"]).round(3).to_string())
        print(summarise(sub, ["measure", "h", "model"]).round(3).to_string())
        print(summarise(sub, ["model"]).round(3).sort_values("mase").to_string())


if __name__ == "__main__":
    mode = sys.argv[1] if len(sys.argv) > 1 else "holdout"
    pd.set_option("display.width", 200)
    pd.set_option("display.max_rows", 500)
    data = load()
    origins = range(2017, 2020) if mode == "holdout" else range(2012, 2017)
    mode_models = "holdout" if mode in ("holdout", "final") else mode
    result = run(candidates(mode_models), origins, data)
    result.to_csv(f"/tmp/demandmodel_pooled_research_{mode}.csv", index=False)
    report(result)
