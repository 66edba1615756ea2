"""The model interface: spec -> ``fit()`` -> immutable fitted result -> :class:`~demandmodel.Forecast`.

Every forecasting model for published series (DESIGN section 4.1-4.2) follows one small contract,
statsmodels style, so the batch layer, backtests and ensembles can treat them all alike::

    spec = NaiveSpec()                                   # frozen dataclass: only parameters
    ctx = spec.prepare(panel, measure=m, origin=2019)   # optional shared "pool context" (or None)
    fit = spec.fit(panel, la_code="301", measure=m, origin=2019, context=ctx)
    paths = fit.sample(3, n_samples=1000, rng=seed)     # ndarray (n_samples, horizon), >= 0
    fc = fit.forecast(3, n_samples=1000, rng=seed)      # a one-series Forecast

**ModelSpec** (protocol; a frozen ``slots``/``kw_only`` dataclass in practice)
    ``name: str`` - the registry name (``"naive"``, ``"ets"``, ``"aggregate"``, ...).
    ``min_history: int`` - how many observed years the model needs.
    ``prepare(panel, *, measure, origin) -> object | None`` - work shared by every LA of one measure
    and origin (pooled models estimate the pool here); per-series models return ``None``. The batch
    layer calls it once per (measure, origin) and passes the result to every ``fit``.
    ``fit(panel, *, la_code, measure, origin, context=None) -> FittedModel`` - uses only rows with
    ``period <= origin``; raises :class:`~demandmodel.InsufficientHistoryError` (naming LA and
    measure) when the series is too short, :class:`~demandmodel.ModelFitError` when fitting fails.
    ``panel`` is the long Panel of DESIGN section 3 (``la_code, period, measure, value, ...``), so
    a model may read other measures of the same LA (e.g. ``cla_starts``, ``pop_0_17``) or other LAs.

**FittedModel** (protocol; :class:`FittedSeries` is a ready base class)
    ``spec``, ``la_code``, ``measure``, ``origin`` and ``history`` (the observed ``pd.Series`` of the
    measure, indexed by period, ``period <= origin``).
    ``sample(horizon, *, n_samples, rng) -> ndarray (n_samples, horizon)``: simulated paths for
    periods ``origin + 1 ... origin + horizon``; finite and non-negative.
    ``forecast(horizon, *, n_samples=1000, rng=None) -> Forecast``.

Per-series models subclass :class:`SeriesModel` and implement only ``_fit_series(y, ...)``.
Models are found by name through a registry: :func:`register_model` (called at import by each model
module) and :func:`get_model`; :func:`available_models` lists the names. The modules
``demandmodel.models.{baselines,timeseries,ensemble,aggregate,pooled,global_model}`` are imported on first look-up.

Examples
--------
>>> import pandas as pd
>>> from demandmodel.models.base import get_model, panel_series
>>> panel = pd.DataFrame({"la_code": "301", "measure": "cla_31mar", "period": range(2015, 2023),
...                       "value": [100.0, 104, 110, 108, 115, 120, 118, 125]})
>>> panel_series(panel, la_code="301", measure="cla_31mar", origin=2020).index.tolist()
[2015, 2016, 2017, 2018, 2019, 2020]
>>> fit = get_model("naive").fit(panel, la_code="301", measure="cla_31mar", origin=2022)
>>> fc = fit.forecast(3, n_samples=200, rng=1)
>>> fc.periods, fc.model, fc.origin
((2023, 2024, 2025), 'naive', 2022)
>>> bool((fc.samples >= 0).all())
True
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar, runtime_checkable

import numpy as np
import pandas as pd

from demandmodel import columns as C
from demandmodel._random import RNGLike, as_generator
from demandmodel.errors import DemandModelError, InsufficientHistoryError
from demandmodel.forecast import Forecast

__all__ = [
    "FittedModel",
    "FittedSeries",
    "ModelSpec",
    "NoValueAtOriginError",
    "SeriesModel",
    "available_models",
    "get_model",
    "is_series_model",
    "panel_series",
    "register_model",
]


@runtime_checkable
class FittedModel(Protocol):
    """A fitted model of one series (one LA, one measure) at one origin."""

    @property
    def la_code(self) -> str: ...

    @property
    def measure(self) -> str: ...

    @property
    def origin(self) -> int: ...

    @property
    def history(self) -> pd.Series: ...

    def sample(self, horizon: int, *, n_samples: int, rng: RNGLike = None) -> np.ndarray:
        """Simulated paths, shape ``(n_samples, horizon)``, finite and non-negative."""
        ...

    def forecast(self, horizon: int, *, n_samples: int = 1000, rng: RNGLike = None) -> Forecast:
        """A one-series :class:`~demandmodel.Forecast` for ``origin + 1 ... origin + horizon``."""
        ...


@runtime_checkable
class ModelSpec(Protocol):
    """The parameters of a model; ``fit`` returns an immutable :class:`FittedModel`."""

    @property
    def name(self) -> str: ...

    @property
    def min_history(self) -> int: ...

    def prepare(self, panel: pd.DataFrame, *, measure: str, origin: int) -> Any:
        """Shared work for every LA of one measure and origin (``None`` for per-series models)."""
        ...

    def fit(
        self,
        panel: pd.DataFrame,
        *,
        la_code: str,
        measure: str,
        origin: int,
        context: Any = None,
    ) -> FittedModel:
        """Fit to ``panel`` rows with ``period <= origin``."""
        ...


ContextT = TypeVar("ContextT")


def shared_context(
    model: ModelSpec,
    panel: pd.DataFrame,
    context: Any,
    kind: type[ContextT],
    *,
    measure: str,
    origin: int,
) -> ContextT:
    """``context`` when it is a ``kind`` prepared for this measure and origin, else ``model.prepare``'s.

    Models that share work across LAs (:meth:`ModelSpec.prepare`) accept the context from the
    caller but must not use one prepared for another measure or origin.
    """
    if (
        isinstance(context, kind)
        and getattr(context, "measure", None) == measure
        and getattr(context, "origin", None) == origin
    ):
        return context
    fresh = model.prepare(panel, measure=measure, origin=origin)
    if not isinstance(fresh, kind):
        raise TypeError(
            f"{type(model).__name__}.prepare returned {type(fresh).__name__}, not {kind.__name__}"
        )
    return fresh


def panel_series(panel: pd.DataFrame, *, la_code: str, measure: str, origin: int) -> pd.Series:
    """The observed values of one measure of one LA up to ``origin``, indexed by ``period``.

    Suppressed and missing years (NaN) are kept as NaN; years are sorted. Duplicate periods are an
    error (the Panel should carry one row per LA, measure and period).

    Examples
    --------
    >>> import pandas as pd
    >>> p = pd.DataFrame({"la_code": ["301"] * 3, "measure": ["cp_31mar"] * 3,
    ...                   "period": [2021, 2019, 2020], "value": [5.0, 3.0, None]})
    >>> panel_series(p, la_code="301", measure="cp_31mar", origin=2021).tolist()
    [3.0, nan, 5.0]
    """
    missing = [c for c in (C.LA_CODE, C.MEASURE, C.PERIOD, C.VALUE) if c not in panel.columns]
    if missing:
        raise DemandModelError(
            f"The panel has no column(s) {missing}; a Panel needs la_code, measure, period and "
            "value (read it with demandmodel.read_dfe)."
        )
    mask = (
        (panel[C.LA_CODE].astype(str) == str(la_code))
        & (panel[C.MEASURE].astype(str) == str(measure))
        & (pd.to_numeric(panel[C.PERIOD]) <= origin)
    )
    rows = panel.loc[mask, [C.PERIOD, C.VALUE]]
    periods = pd.to_numeric(rows[C.PERIOD]).astype(int).to_numpy()
    if len(np.unique(periods)) != len(periods):
        dup = sorted({int(p) for p in periods if (periods == p).sum() > 1})
        raise DemandModelError(
            f"LA {la_code}, measure {measure}: more than one row for period(s) {dup}; "
            "keep one row per LA, measure and period (the newest release)."
        )
    values = pd.to_numeric(rows[C.VALUE], errors="coerce").to_numpy(dtype=float)
    y = pd.Series(values, index=pd.Index(periods, name=C.PERIOD), name=measure, dtype=float)
    return y.sort_index()


class NoValueAtOriginError(InsufficientHistoryError):
    """The series has no value for the origin year (suppressed, missing, or the LA ended).

    A model must not pretend to know the current level, so the series is not forecast from that
    origin; the message names the last observed year (a boundary change often explains it).
    """

    def __init__(self, *, la_code: str, measure: str, origin: int, last: int | None) -> None:
        self.la_code = la_code
        self.measure = measure
        self.n = 0
        self.needed = 1
        self.origin = origin
        self.last = last
        seen = "no observed year" if last is None else f"the last observed year is {last}"
        ValueError.__init__(
            self,
            f"LA {la_code}, measure {measure}: no value for {origin}, the last year used "
            f"({seen}). Forecast from a year the LA has data for, or use its successor's code "
            "after a boundary change.",
        )


def usable_history(
    y: pd.Series, *, la_code: str, measure: str, needed: int, origin: int | None = None
) -> pd.Series:
    """The series from its first observed year to its last, interior gaps filled on the log scale.

    Raises :class:`NoValueAtOriginError` when the year ``origin`` (default: the series' last
    year) is not observed - a model must not pretend to know the current level - and
    :class:`~demandmodel.InsufficientHistoryError` when fewer than ``needed`` years are observed.

    Examples
    --------
    >>> import pandas as pd
    >>> y = pd.Series([100.0, None, 121.0], index=[2020, 2021, 2022])
    >>> usable_history(y, la_code="301", measure="cla_31mar", needed=2).round(1).tolist()
    [100.0, 110.0, 121.0]
    """
    obs = y.dropna()
    last = int(obs.index[-1]) if len(obs) else None
    at = int(y.index[-1]) if origin is None and len(y) else origin
    if at is None or last != at:
        raise NoValueAtOriginError(
            la_code=la_code, measure=measure, origin=at if at is not None else 0, last=last
        )
    if len(obs) < needed:
        raise InsufficientHistoryError(la_code=la_code, measure=measure, n=len(obs), needed=needed)
    full = y.loc[obs.index[0] :].reindex(range(int(obs.index[0]), int(obs.index[-1]) + 1))
    if full.isna().any():
        logged = np.log1p(full.clip(lower=0.0)).interpolate()
        full = np.expm1(logged)
    return full.astype(float)


def is_series_model(spec: object) -> bool:
    """True when ``spec`` needs only the LA's own series of the measure (plus its context).

    Such specs have ``fit_series(y, *, la_code, measure, origin, context=None)``; the batch and
    backtest layers then skip searching the whole panel for every LA. Other specs get the panel.
    """
    return bool(getattr(spec, "series_only", False)) and hasattr(spec, "fit_series")


class SeriesModel:
    """Base of per-series specs: extracts the LA's series and calls ``_fit_series``.

    Subclasses are frozen ``slots``/``kw_only`` dataclasses that set ``name`` and ``min_history``
    and implement ``_fit_series(y, *, la_code, measure, origin) -> FittedModel`` where ``y`` is the
    usable history (see :func:`usable_history`).
    """

    __slots__ = ()
    name: str
    min_history: int
    series_only = True

    def prepare(self, panel: pd.DataFrame, *, measure: str, origin: int) -> Any:
        """Per-series models share nothing: ``None``."""
        return None

    def fit(
        self,
        panel: pd.DataFrame,
        *,
        la_code: str,
        measure: str,
        origin: int,
        context: Any = None,
    ) -> FittedModel:
        """Fit to the LA's series of ``measure`` up to ``origin``."""
        raw = panel_series(panel, la_code=la_code, measure=measure, origin=origin)
        return self.fit_series(
            raw, la_code=la_code, measure=measure, origin=origin, context=context
        )

    def fit_series(
        self, y: pd.Series, *, la_code: str, measure: str, origin: int, context: Any = None
    ) -> FittedModel:
        """Fit to one series already extracted (``period``-indexed; later years are ignored).

        The fast path of the batch and backtest layers (see :func:`is_series_model`).
        """
        raw = y.loc[y.index <= origin]
        y = usable_history(
            raw, la_code=la_code, measure=measure, needed=self.min_history, origin=origin
        )
        return self._fit_series(y, la_code=la_code, measure=measure, origin=origin)

    def _fit_series(self, y: pd.Series, *, la_code: str, measure: str, origin: int) -> FittedModel:
        raise NotImplementedError


@dataclass(frozen=True, slots=True, kw_only=True)
class FittedSeries:
    """Base of fitted results: stores the labels and builds a Forecast from ``sample``.

    Subclasses add their fitted parameters as fields and implement ``_draw(horizon, n, gen)``
    returning an array ``(n, horizon)``.
    """

    model_name: str
    la_code: str
    measure: str
    origin: int
    history: pd.Series

    def _draw(self, horizon: int, n_samples: int, gen: np.random.Generator) -> np.ndarray:
        raise NotImplementedError

    def sample(self, horizon: int, *, n_samples: int, rng: RNGLike = None) -> np.ndarray:
        """Simulated paths ``(n_samples, horizon)``, clipped at zero; NaN becomes an error."""
        if horizon < 1 or n_samples < 1:
            raise DemandModelError(
                f"horizon and n_samples must be >= 1; got horizon={horizon}, n_samples={n_samples}."
            )
        paths = np.asarray(self._draw(horizon, n_samples, as_generator(rng)), dtype=float)
        if not np.isfinite(paths).all():
            from demandmodel.errors import ModelFitError

            raise ModelFitError(
                f"LA {self.la_code}, measure {self.measure}: model {self.model_name!r} produced "
                "non-finite paths; use a simpler model (e.g. 'naive')."
            )
        return np.asarray(np.clip(paths, 0.0, None))

    def forecast(self, horizon: int, *, n_samples: int = 1000, rng: RNGLike = None) -> Forecast:
        """A one-series Forecast with history and metadata."""
        paths = self.sample(horizon, n_samples=n_samples, rng=rng)
        return make_forecast(
            paths[:, :, None],
            la_codes=[self.la_code],
            measures=[self.measure],
            origin=self.origin,
            model=self.model_name,
            seed=rng if isinstance(rng, int) else None,
            history=history_frame(self.history, la_code=self.la_code, measure=self.measure),
        )


def history_frame(y: pd.Series, *, la_code: str, measure: str) -> pd.DataFrame:
    """Long actuals ``la_code, measure, period, value`` of one series (for Forecast.history)."""
    return pd.DataFrame(
        {
            C.LA_CODE: str(la_code),
            C.MEASURE: str(measure),
            C.PERIOD: np.asarray(y.index, dtype=int),
            C.VALUE: y.to_numpy(dtype=float),
        }
    )


def make_forecast(
    samples: np.ndarray,
    *,
    la_codes: list[str],
    measures: list[str],
    origin: int,
    model: str,
    seed: int | None = None,
    vintage: int | None = None,
    history: pd.DataFrame | None = None,
    metadata: dict[str, Any] | None = None,
) -> Forecast:
    """A Forecast over series labelled by ``la_code`` and ``measure``, periods after ``origin``."""
    horizon = samples.shape[1]
    return Forecast(
        samples=samples,
        periods=tuple(range(origin + 1, origin + horizon + 1)),
        series=pd.DataFrame({C.LA_CODE: la_codes, C.MEASURE: measures}),
        model=model,
        origin=origin,
        seed=seed,
        vintage=vintage,
        history=history,
        metadata=metadata or {},
    )


_REGISTRY: dict[str, Callable[..., ModelSpec]] = {}
_MODEL_MODULES = (
    "demandmodel.models.baselines",
    "demandmodel.models.timeseries",
    "demandmodel.models.ensemble",
    "demandmodel.models.aggregate",
    "demandmodel.models.pooled",
    "demandmodel.models.global_model",
)
_loaded = False


def register_model(name: str, factory: Callable[..., ModelSpec]) -> None:
    """Make a model available by name (``factory(**params)`` returns its spec)."""
    _REGISTRY[name] = factory


def _load_builtin() -> None:
    global _loaded
    if _loaded:
        return
    _loaded = True
    for mod in _MODEL_MODULES:
        try:
            importlib.import_module(mod)
        except ModuleNotFoundError as err:
            if err.name != mod:
                raise


def available_models() -> list[str]:
    """Names of every registered model, sorted.

    Examples
    --------
    >>> from demandmodel.models.base import available_models
    >>> {"naive", "drift", "mean"} <= set(available_models())
    True
    """
    _load_builtin()
    return sorted(_REGISTRY)


def get_model(name: str | ModelSpec, **params: Any) -> ModelSpec:
    """The spec of the model registered as ``name`` (a spec passes through unchanged)."""
    if not isinstance(name, str):
        return name
    _load_builtin()
    if name not in _REGISTRY:
        raise DemandModelError(f"Unknown model {name!r}; choose one of {sorted(_REGISTRY)}.")
    return _REGISTRY[name](**params)
