"""The common result of every model: simulated paths first, quantiles derived.

A :class:`Forecast` holds an array of sample paths ``(sample, period, series)``; each series is
labelled by a row of :attr:`Forecast.series` (for example ``la_code`` and ``measure``, or ``state``,
``age_band`` and ``placement``). Counts are never negative.

Examples
--------
>>> import numpy as np, pandas as pd
>>> from demandmodel import Forecast
>>> rng = np.random.default_rng(1)
>>> paths = rng.poisson(400, size=(500, 3, 1)).astype(float)
>>> fc = Forecast(
...     samples=paths,
...     periods=(2023, 2024, 2025),
...     series=pd.DataFrame({"la_code": ["301"], "measure": ["cla_31mar"]}),
...     model="example",
...     origin=2022,
...     seed=1,
... )
>>> fc.to_frame().columns.tolist()
['la_code', 'measure', 'period', 'model', 'mean', 'q025', 'q10', 'q25', 'q50', 'q75', 'q90', 'q975']
>>> bool((fc.to_frame()["q975"] >= fc.to_frame()["q025"]).all())
True
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from demandmodel import columns as C
from demandmodel.errors import DemandModelError

if TYPE_CHECKING:
    from matplotlib.axes import Axes


@dataclass(frozen=True, slots=True, kw_only=True)
class Forecast:
    """Simulated future paths of one or more series, with metadata.

    Parameters
    ----------
    samples
        Array ``(n_samples, n_periods, n_series)`` of simulated values; clipped at zero on creation.
    periods
        Labels of the forecast periods (years ending 31 March as ``int``, or dates).
    series
        One row per series; its columns label the series (e.g. ``la_code``, ``measure``).
    model
        Name of the model that made the forecast.
    origin
        The last period of data used.
    seed
        The seed the samples were drawn with, if any.
    vintage
        Release year of the data used, if known.
    history
        Optional actuals: long frame with the ``series`` columns, ``period`` and ``value``.
    metadata
        Anything else worth keeping (parameters, fallbacks...).
    """

    samples: np.ndarray
    periods: tuple[Any, ...]
    series: pd.DataFrame
    model: str
    origin: Any = None
    seed: int | None = None
    vintage: int | None = None
    history: pd.DataFrame | None = None
    metadata: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        arr = np.asarray(self.samples, dtype=float)
        if arr.ndim == 2:
            arr = arr[:, :, None]
        if arr.ndim != 3:
            raise DemandModelError(
                f"Forecast samples must be (sample, period, series); got shape {arr.shape}."
            )
        if arr.shape[1] != len(self.periods):
            raise DemandModelError(
                f"Forecast has {arr.shape[1]} periods in samples but {len(self.periods)} labels."
            )
        if arr.shape[2] != len(self.series):
            raise DemandModelError(
                f"Forecast has {arr.shape[2]} series in samples but {len(self.series)} labels."
            )
        if np.isnan(arr).any():
            raise DemandModelError("Forecast samples contain NaN; a model produced invalid paths.")
        arr = np.clip(arr, 0.0, None)
        arr.setflags(write=False)
        object.__setattr__(self, "samples", arr)
        object.__setattr__(self, "periods", tuple(self.periods))
        object.__setattr__(self, "series", self.series.reset_index(drop=True))

    @property
    def n_samples(self) -> int:
        """Number of simulated paths."""
        return int(self.samples.shape[0])

    def mean(self) -> np.ndarray:
        """Mean over samples, shape ``(period, series)``."""
        return np.asarray(self.samples.mean(axis=0))

    def quantile(self, q: float | Sequence[float]) -> np.ndarray:
        """Quantiles over samples, shape ``(len(q), period, series)`` (or without the first axis)."""
        return np.asarray(np.quantile(self.samples, q, axis=0))

    def to_frame(self, *, samples: bool = False) -> pd.DataFrame:
        """Long rows: the series columns, ``period``, ``model``, ``mean`` and the quantiles.

        With ``samples=True`` the rows are per sample instead: series columns, ``period``,
        ``sample`` and ``value``.
        """
        n_s, n_p, n_k = self.samples.shape
        keys = self.series.loc[np.tile(np.arange(n_k), n_p)].reset_index(drop=True)
        periods = np.repeat(np.array(self.periods, dtype=object), n_k)
        if samples:
            rep = keys.loc[np.tile(np.arange(n_p * n_k), n_s)].reset_index(drop=True)
            rep[C.PERIOD] = np.tile(periods, n_s)
            rep["sample"] = np.repeat(np.arange(n_s), n_p * n_k)
            rep[C.VALUE] = self.samples.reshape(n_s, n_p * n_k).ravel()
            return rep
        out = keys.copy()
        out[C.PERIOD] = periods
        out[C.MODEL] = self.model
        out[C.MEAN] = self.mean().ravel()
        qs = self.quantile(list(C.QUANTILES.values()))
        for name, qv in zip(C.QUANTILES, qs, strict=True):
            out[name] = qv.ravel()
        return out

    def summary(self) -> pd.DataFrame:
        """A compact table: median and 80% / 95% intervals by series and period, rounded."""
        f = self.to_frame()
        cols = [c for c in self.series.columns] + [C.PERIOD, "q50", "q10", "q90", "q025", "q975"]
        return f[cols].round(0)

    def select(self, **labels: Any) -> Forecast:
        """The sub-forecast of series whose label columns equal the given values.

        Examples
        --------
        >>> import numpy as np, pandas as pd
        >>> fc = Forecast(samples=np.ones((2, 1, 2)), periods=(2023,),
        ...               series=pd.DataFrame({"measure": ["a", "b"]}), model="m")
        >>> fc.select(measure="b").series["measure"].tolist()
        ['b']
        """
        mask = np.ones(len(self.series), dtype=bool)
        for key, val in labels.items():
            if key not in self.series.columns:
                raise DemandModelError(
                    f"Forecast has no label column {key!r}; it has {list(self.series.columns)}."
                )
            mask &= (self.series[key] == val).to_numpy()
        if not mask.any():
            raise DemandModelError(f"No series in this forecast matches {labels}.")
        hist = self.history
        if hist is not None:
            hmask = np.ones(len(hist), dtype=bool)
            for key, val in labels.items():
                if key in hist.columns:
                    hmask &= (hist[key] == val).to_numpy()
            hist = hist[hmask]
        return Forecast(
            samples=self.samples[:, :, mask],
            periods=self.periods,
            series=self.series[mask],
            model=self.model,
            origin=self.origin,
            seed=self.seed,
            vintage=self.vintage,
            history=hist,
            metadata=self.metadata,
        )

    def plot(self, *, ax: Axes | None = None, **kwargs: Any) -> Axes:
        """A fan chart of a single-series forecast (see :func:`demandmodel.plotting.fan_chart`)."""
        from demandmodel import plotting

        return plotting.fan_chart(self, ax=ax, **kwargs)
