"""Scale benchmark: every LA x 3 measures x 5 scenarios x 1,000 samples, serial vs 2 workers.

Each task is one (LA, measure, scenario): fit the published-data stock-and-flow model
(``AggregateSpec``, whose pool context is prepared once per measure in the parent and shipped with
the tasks) to the LA, run the scenario on it with :class:`~demandmodel.scenarios.engines.AggregateEngine`
(1,000 paths, 5 years) and return only the mean and seven quantiles per year. CLA, CP and CIN all
have flows in ``FLOWS`` (CP's exits are derived from the stock change), so all three measures run
through the same engine; the scenarios are entry and exit changes at the measure's own level.

The same tasks run three ways - serially, on a 2-process pool (``map_tasks(n_jobs=2)``) and on a
2-worker ``distributed.LocalCluster`` - and the outputs are checked to be identical. Reported:
wall time (median of ``--repeats`` runs), speed-up over serial, and peak resident memory per
worker process (``ru_maxrss`` read inside each task; the serial "worker" is this process, which
also holds the Panel). The load average before and after is printed: the machine is shared. "Cores
used by tasks" is the tasks' summed CPU time over the wall time: near 2 when both workers got a
core, lower when other processes took the CPU.

Usage::

    .venv/bin/python benchmarks/scale.py --data ../shared/data/dfe [--repeats 3] [--samples 1000]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import resource
import statistics
import sys
import time
import warnings
from collections.abc import Hashable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

MEASURES = ("cla_31mar", "cp_31mar", "cin_31mar")
LEVEL = {"cla_31mar": "lac", "cp_31mar": "cp", "cin_31mar": "cin"}
QLEVELS = (0.025, 0.1, 0.25, 0.5, 0.75, 0.9, 0.975)


def scenarios(measure: str, origin: int) -> list[Any]:
    """Baseline and four variants acting at the measure's level."""
    from demandmodel.scenarios.effects import Effect
    from demandmodel.scenarios.scenario import EntryChange, ExitChange, Scenario, Target

    start = dt.date(origin, 4, 1)
    target = Target(level=LEVEL[measure])

    def entry(value: float, sd: float = 0.0, ramp: float = 0.0) -> EntryChange:
        eff = Effect.point(value) if sd == 0 else Effect.normal(value, sd)
        return EntryChange(start=start, ramp_months=ramp, target=target, relative=eff)

    return [
        Scenario(name="baseline"),
        Scenario(name="entries -10%", interventions=(entry(-0.10),)),
        Scenario(name="entries +10%", interventions=(entry(0.10),)),
        Scenario(name="entries -20% (uncertain, 12m ramp)", interventions=(entry(-0.2, 0.05, 12),)),
        Scenario(
            name="exits +10%",
            interventions=(ExitChange(start=start, target=target, relative=Effect.point(0.10)),),
        ),
    ]


def scenario_task(
    key: Hashable, payload: dict[str, Any], rng: np.random.Generator
) -> dict[str, Any]:
    """One (LA, measure, scenario): fit, simulate, reduce to quantiles; report this process's RSS.

    The seed is the payload's ``seed_for(root, la, measure)`` - shared by the scenarios of one
    series (common random numbers, as the engine expects) - not the task-keyed ``rng``.
    """
    from demandmodel.scenarios.engines import AggregateEngine

    cpu0 = time.process_time()
    fit = payload["spec"].fit(
        payload["rows"],
        la_code=payload["la"],
        measure=payload["measure"],
        origin=payload["origin"],
        context=payload["context"],
    )
    engine = AggregateEngine(fit=fit, horizon=payload["horizon"], measure=payload["measure"])
    fc = engine.simulate(payload["scenario"], n_samples=payload["n_samples"], rng=payload["seed"])
    paths = fc.samples[:, :, 0]
    return {
        "mean": paths.mean(axis=0),
        "q": np.quantile(paths, QLEVELS, axis=0),
        "pid": os.getpid(),
        "maxrss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "cpu_s": time.process_time() - cpu0,
    }


def series_task(key: Hashable, payload: dict[str, Any], rng: np.random.Generator) -> dict[str, Any]:
    """One (LA, measure) with all its scenarios (``--per series``): one fit, five simulations."""
    out: dict[str, Any] = {}
    for sc in payload["scenarios"]:
        out[sc.name] = scenario_task(key, {**payload, "scenario": sc}, rng)
    return {
        "by_scenario": out,
        "pid": os.getpid(),
        "maxrss_mib": max(r["maxrss_mib"] for r in out.values()),
        "cpu_s": sum(r["cpu_s"] for r in out.values()),
    }


def build_tasks(
    panel: pd.DataFrame,
    *,
    origin: int,
    horizon: int,
    n_samples: int,
    root: int,
    per: str = "scenario",
) -> dict[Hashable, Any]:
    from demandmodel import columns as C
    from demandmodel._random import seed_for
    from demandmodel.batch import plain_panel
    from demandmodel.models.aggregate import FLOWS, POP_MEASURE, AggregateSpec

    regions = dict(panel.attrs["regions"])
    cut = plain_panel(panel.loc[pd.to_numeric(panel[C.PERIOD]) <= origin])
    spec = AggregateSpec()
    tasks: dict[Hashable, Any] = {}
    for measure in MEASURES:
        ctx = spec.prepare(cut, measure=measure, origin=origin)
        # ship only the rows the fit reads: the stock, its flows and the population
        needed = {measure, *(m for m in FLOWS[measure] if m), POP_MEASURE}
        rows = cut.loc[cut[C.MEASURE].astype(str).isin(needed)]
        by_la = {
            str(k): g for k, g in rows.groupby(rows[C.LA_CODE].astype(str)) if str(k) in regions
        }
        for la in sorted(by_la):
            seed = seed_for(root, la, measure)
            if per == "series":
                tasks[(la, measure)] = {
                    "spec": spec, "context": ctx, "rows": by_la[la], "la": la,
                    "measure": measure, "origin": origin, "horizon": horizon,
                    "n_samples": n_samples, "scenarios": scenarios(measure, origin), "seed": seed,
                }  # fmt: skip
                continue
            for sc in scenarios(measure, origin):
                tasks[(la, measure, sc.name)] = {
                    "spec": spec, "context": ctx, "rows": by_la[la], "la": la,
                    "measure": measure, "origin": origin, "horizon": horizon,
                    "n_samples": n_samples, "scenario": sc, "seed": seed,
                }  # fmt: skip
    return tasks


def run_once(
    tasks: dict[Hashable, Any], mode: str, executor: Any = None, per: str = "scenario"
) -> tuple[float, Any]:
    from demandmodel.parallel import map_tasks

    kw: dict[str, Any] = {"n_jobs": 2} if mode == "2 processes" else {}
    if executor is not None:
        kw = {"executor": executor}
    t0 = time.perf_counter()
    fn = series_task if per == "series" else scenario_task
    out = map_tasks(fn, tasks, rng=0, progress=False, **kw)
    return time.perf_counter() - t0, out


def same(a: Any, b: Any) -> bool:
    if list(a.results) != list(b.results) or len(a.failures) != len(b.failures):
        return False

    def flat(r: dict[str, Any]) -> list[dict[str, Any]]:
        return list(r["by_scenario"].values()) if "by_scenario" in r else [r]

    return all(
        np.array_equal(x["q"], y["q"]) and np.array_equal(x["mean"], y["mean"])
        for k in a.results
        for x, y in zip(flat(a.results[k]), flat(b.results[k]), strict=True)
    )


def peak_per_worker(out: Any) -> float:
    by_pid: dict[int, float] = {}
    for r in out.results.values():
        by_pid[r["pid"]] = max(by_pid.get(r["pid"], 0.0), r["maxrss_mib"])
    return max(by_pid.values())


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--data", type=Path, default=Path("../shared/data/dfe"))
    ap.add_argument("--panel", type=Path, help="a pickled Panel (skips read_dfe)")
    ap.add_argument("--origin", type=int, default=2022)
    ap.add_argument("--horizon", type=int, default=5)
    ap.add_argument("--samples", type=int, default=1000)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--modes", default="serial,2 processes,dask LocalCluster (2 workers)")
    ap.add_argument(
        "--per",
        choices=("scenario", "series"),
        default="series",
        help="one task per (LA, measure, scenario), or per (LA, measure) running its 5 scenarios",
    )
    args = ap.parse_args(argv)

    load0 = os.getloadavg()
    if args.panel:
        panel = pd.read_pickle(args.panel)
    else:
        from demandmodel import read_dfe

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            panel = read_dfe(args.data)
    t0 = time.perf_counter()
    tasks = build_tasks(
        panel,
        origin=args.origin,
        horizon=args.horizon,
        n_samples=args.samples,
        root=2022,
        per=args.per,
    )
    t_build = time.perf_counter() - t0
    n_las = len({k[0] for k in tasks})  # type: ignore[index]
    print(
        f"{len(tasks)} tasks (one per {args.per}) over {n_las} LAs x {len(MEASURES)} measures x 5 scenarios x "
        f"{args.samples} samples x {args.horizon} years; contexts + payloads built in {t_build:.1f} s",
        flush=True,
    )
    times: dict[str, list[float]] = {}
    cores: dict[str, list[float]] = {}
    peaks: dict[str, float] = {}
    outs: dict[str, Any] = {}
    modes = [m.strip() for m in args.modes.split(",")]
    for mode in modes:
        times[mode] = []
        cores[mode] = []
        for _ in range(args.repeats):
            if mode.startswith("dask"):
                import distributed

                with (
                    distributed.LocalCluster(  # type: ignore[no-untyped-call]
                        n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                        dashboard_address=None,
                    ) as cluster,
                    distributed.Client(cluster) as client,  # type: ignore[no-untyped-call]
                ):  # fmt: skip
                    wall, out = run_once(tasks, mode, client.get_executor(), args.per)
            else:
                wall, out = run_once(tasks, mode, per=args.per)
            times[mode].append(wall)
            cores[mode].append(sum(r["cpu_s"] for r in out.results.values()) / wall)
            peaks[mode] = max(peaks.get(mode, 0.0), peak_per_worker(out))
            outs[mode] = out
            print(
                f"  {mode}: {wall:.1f} s, tasks' CPU time / wall = {cores[mode][-1]:.2f} cores, "
                f"{len(out.failures)} failed task(s)",
                flush=True,
            )
    base = statistics.median(times[modes[0]])
    print(
        f"\nload average (1, 5, 15 min): before {load0}, after {os.getloadavg()}; {os.cpu_count()} CPUs"
    )
    print(
        f"\n| run | wall time (median of {args.repeats}) | runs | speed-up | cores used by tasks "
        "| peak RSS per worker |"
    )
    print("|---|---|---|---|---|---|")
    for mode in modes:
        med = statistics.median(times[mode])
        runs = ", ".join(f"{t:.1f}" for t in times[mode])
        used = statistics.median(cores[mode])
        print(
            f"| {mode} | {med:.1f} s | {runs} | {base / med:.2f}x | {used:.2f} "
            f"| {peaks[mode]:.0f} MiB |"
        )
    first = outs[modes[0]]
    for mode in modes[1:]:
        print(f"identical to {modes[0]}: {mode}: {same(first, outs[mode])}")
    if len(first.failures):
        print(f"\nfailed tasks ({len(first.failures)}), e.g.:")
        print(first.failures.head(5).to_string(index=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
