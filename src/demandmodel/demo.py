"""The demo: the whole library on the embedded SYNTHETIC local authority, in one call.

1. Published-data forecasts (children looked after, on child protection plans, in need) from the
   LA's DfE-style published tables, with the project's ``auto`` model: a fan chart and a CSV.
2. The episode-level projection by placement type from its SSDA903 returns (Markov model).
3. The sufficiency strategy run file ``examples/sufficiency_sib.toml`` (shipped in the package):
   baseline, an edge-of-care Social Impact Bond, in-house fostering growth, a high population
   variant and all combined, with costs, sufficiency gaps, SIB finance and caseloads.

Examples
--------
The demo takes about 20 seconds, so this is not executed as a doctest (``tests/test_runner.py``
runs it)::

    from demandmodel.demo import run_demo

    paths = run_demo(out="demo-output", seed=2022)
"""

from __future__ import annotations

import warnings
from importlib import resources
from pathlib import Path

import pandas as pd

ORIGIN = 2023
HORIZON = 5
LA_CODE = "999"


def example_run_file() -> Path:
    """The packaged copy of ``examples/sufficiency_sib.toml``."""
    return Path(str(resources.files("demandmodel") / "examples" / "sufficiency_sib.toml"))


def run_demo(*, out: Path | str, seed: int = 2022, samples: int = 1000) -> list[Path]:
    """Run the demo and return every file written under ``out``."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    import demandmodel as dm
    from demandmodel import plotting
    from demandmodel.run_outputs import placement_series
    from demandmodel.runner import run_file

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    root = dm.demo_data_path()
    files: list[Path] = []

    # 1. Published-data forecasts.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        panel = dm.read_dfe(root / "dfe")
    fc, failures = dm.forecast_panel(
        panel,
        measures=["cla_31mar", "cp_31mar", "cin_31mar"],
        la_codes=[LA_CODE],
        origin=ORIGIN,
        horizon=HORIZON,
        n_samples=samples,
        rng=seed,
    )
    path = out / "SYNTHETIC_published_forecast.csv"
    fc.to_frame().to_csv(path, index=False)
    files.append(path)
    if not failures.empty:
        path = out / "SYNTHETIC_published_forecast_fallbacks.csv"
        failures.to_csv(path, index=False)
        files.append(path)
    ax = plotting.fan_chart(
        fc.select(measure="cla_31mar"),
        synthetic=True,
        ylabel="Children looked after",
        subtitle="Children looked after at 31 March, Synthetic Borough (SYNTHETIC), number",
    )
    files.extend(plotting.save_figure(ax, out / "SYNTHETIC_cla_fan_chart"))

    # 2. Episode-level projection by placement type.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        returns = dm.read_ssda903(root / "ssda903", repair=True)
    fit = dm.MarkovModel().fit(
        returns.episodes,
        reference_start=pd.Timestamp(ORIGIN - 3, 4, 1),
        reference_end=pd.Timestamp(ORIGIN, 3, 31),
    )
    end = pd.Timestamp(ORIGIN + HORIZON, 3, 31)
    projection = fit.project(
        start=pd.Timestamp(ORIGIN, 3, 31),
        end=end,
        samples=samples,
        rng=seed,
        record=[pd.Timestamp(y, 3, 31) for y in range(ORIGIN + 1, ORIGIN + HORIZON + 1)],
    )
    path = out / "SYNTHETIC_episode_projection.csv"
    projection.to_frame().to_csv(path, index=False)
    files.append(path)
    ax = plotting.placement_mix(placement_series(projection), synthetic=True)
    files.extend(plotting.save_figure(ax, out / "SYNTHETIC_placement_mix"))
    plt.close("all")

    # 3. The sufficiency strategy with an edge-of-care SIB, costs and caseloads.
    result = run_file(example_run_file(), out=out / "sufficiency_sib", samples=samples, seed=seed)
    files.extend(result.files)
    return files
