"""Ensembles, conformal calibration of intervals, and the ``auto`` model.

- :class:`EnsembleSpec`: fits several member models and combines their sample paths path by path
  (median or mean across members). Members are sampled with common random numbers (the same seed),
  so combining keeps the spread of the paths instead of averaging it away.
- :class:`CalibratedSpec`: wraps a model and rescales the log-scale spread of its paths around
  their median, per horizon, by a factor estimated from a rolling-origin backtest of that model on
  the data *before* the origin (all LAs of the measure, origins ``origin - window ... origin - 1``,
  only forecasts whose actual is ``<= origin``): no peeking. Two factors per horizon make the 80%
  and 95% intervals of those past forecasts cover 80% and 95% (see :func:`rescale`).
- :class:`SelectSpec` (``select``): per measure and origin, the candidate with the lowest MASE
  in a backtest on the data before the origin (selection by backtest, never by in-sample fit).
- :class:`AutoSpec` (``auto``): the project's default: per measure, the registered model that won
  backtests at origins up to 2016 (:data:`AUTO_CHOICE`, else :data:`AUTO_DEFAULT`), calibrated as
  above (see ``docs/backtest-results.md``); other models plug in by name through the registry.

Examples
--------
>>> import numpy as np, pandas as pd
>>> from demandmodel.models.ensemble import CalibratedSpec, EnsembleSpec
>>> rng = np.random.default_rng(0)
>>> panel = pd.DataFrame({
...     "la_code": np.repeat([f"{i}" for i in range(301, 311)], 12), "measure": "cp_31mar",
...     "period": np.tile(np.arange(2011, 2023), 10),
...     "value": np.exp(5 + np.cumsum(rng.normal(0, 0.1, 120))).round()})
>>> ens = EnsembleSpec(members=("naive", "drift"))
>>> fc = ens.fit(panel, la_code="301", measure="cp_31mar", origin=2022).forecast(2, rng=1)
>>> fc.model
'ensemble'
>>> cal = CalibratedSpec(base="naive", horizon=2)
>>> ctx = cal.prepare(panel, measure="cp_31mar", origin=2022)
>>> sorted(ctx.factors)
[1, 2]
>>> fit = cal.fit(panel, la_code="301", measure="cp_31mar", origin=2022, context=ctx)
>>> bool((fit.sample(2, n_samples=100, rng=1) >= 0).all())
True
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from demandmodel import columns as C
from demandmodel.errors import DemandModelError, ModelFitError
from demandmodel.models.base import (
    FittedModel,
    FittedSeries,
    NoValueAtOriginError,
    available_models,
    get_model,
    is_series_model,
    register_model,
)

__all__ = [
    "AUTO_CHOICE",
    "AUTO_DEFAULT",
    "AutoSpec",
    "CalibratedSpec",
    "Calibration",
    "EnsembleSpec",
    "SelectSpec",
    "Selection",
    "calibration_factors",
    "rescale",
]


def _fit_any(
    spec: Any, panel_or_series: Any, *, la_code: str, measure: str, origin: int, context: Any
) -> FittedModel:
    if isinstance(panel_or_series, pd.Series):
        return spec.fit_series(  # type: ignore[no-any-return]
            panel_or_series, la_code=la_code, measure=measure, origin=origin, context=context
        )
    return spec.fit(  # type: ignore[no-any-return]
        panel_or_series, la_code=la_code, measure=measure, origin=origin, context=context
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class FittedEnsemble(FittedSeries):
    """Fitted members; paths combined path by path."""

    members: tuple[Any, ...]
    combine: str

    def _draw(self, horizon: int, n_samples: int, gen: np.random.Generator) -> np.ndarray:
        seed = int(gen.integers(2**63))
        paths = [
            m.sample(horizon, n_samples=n_samples, rng=np.random.default_rng(seed))
            for m in self.members
        ]
        stack = np.log1p(np.stack(paths))
        z = np.median(stack, axis=0) if self.combine == "median" else np.mean(stack, axis=0)
        return np.asarray(np.expm1(z))


@dataclass(frozen=True, slots=True, kw_only=True)
class EnsembleSpec:
    """Combine member models' sample paths (on the log scale) by median or mean.

    Parameters
    ----------
    members
        Registered model names or specs.
    combine
        ``"median"`` or ``"mean"`` across members, path by path.
    name
        Registry label of the ensemble.
    """

    members: tuple[Any, ...] = ("naive", "drift", "theta")
    combine: str = "median"
    name: str = "ensemble"

    @property
    def min_history(self) -> int:
        """The smallest history any member accepts."""
        return min(get_model(m).min_history for m in self.members)

    @property
    def series_only(self) -> bool:
        """True when every member needs only the LA's own series."""
        return all(is_series_model(get_model(m)) for m in self.members)

    def prepare(self, panel: pd.DataFrame, *, measure: str, origin: int) -> Any:
        """The members' contexts, in order."""
        return tuple(
            get_model(m).prepare(panel, measure=measure, origin=origin) for m in self.members
        )

    def _fit(
        self, data: Any, *, la_code: str, measure: str, origin: int, context: Any
    ) -> FittedModel:
        if self.combine not in ("median", "mean"):
            raise DemandModelError(f"combine must be 'median' or 'mean'; got {self.combine!r}.")
        ctxs = context if context is not None else (None,) * len(self.members)
        fitted: list[Any] = []
        errors: list[str] = []
        for m, ctx in zip(self.members, ctxs, strict=True):
            try:
                fitted.append(
                    _fit_any(
                        get_model(m),
                        data,
                        la_code=la_code,
                        measure=measure,
                        origin=origin,
                        context=ctx,
                    )
                )
            except DemandModelError as err:
                errors.append(str(err))
        if not fitted:
            raise ModelFitError(
                f"LA {la_code}, measure {measure}: no member of the ensemble could be fitted "
                f"({'; '.join(errors)})."
            )
        return FittedEnsemble(
            model_name=self.name,
            la_code=la_code,
            measure=measure,
            origin=origin,
            history=fitted[0].history,
            members=tuple(fitted),
            combine=self.combine,
        )

    def fit(
        self, panel: pd.DataFrame, *, la_code: str, measure: str, origin: int, context: Any = None
    ) -> FittedModel:
        """Fit every member (members that cannot fit the series are left out)."""
        return self._fit(panel, la_code=la_code, measure=measure, origin=origin, context=context)

    def fit_series(
        self, y: pd.Series, *, la_code: str, measure: str, origin: int, context: Any = None
    ) -> FittedModel:
        """Fit every member to one extracted series."""
        return self._fit(y, la_code=la_code, measure=measure, origin=origin, context=context)


@dataclass(frozen=True, slots=True, kw_only=True)
class Calibration:
    """The pool context of :class:`CalibratedSpec`: base context and per-horizon factors."""

    base_context: Any
    factors: Mapping[int, tuple[float, float]] = field(default_factory=dict)
    n: Mapping[int, int] = field(default_factory=dict)


@dataclass(frozen=True, slots=True, kw_only=True)
class FittedCalibrated(FittedSeries):
    """A fitted base model whose log-scale spread is multiplied by a factor per horizon."""

    base: Any
    factors: Mapping[int, tuple[float, float]]

    def _draw(self, horizon: int, n_samples: int, gen: np.random.Generator) -> np.ndarray:
        paths = self.base.sample(horizon, n_samples=n_samples, rng=gen)
        z = np.log1p(paths)
        med = np.median(z, axis=0, keepdims=True)
        ident = (1.0, 1.0)
        last = self.factors[max(self.factors)] if self.factors else ident
        f = np.array([self.factors.get(h, last) for h in range(1, horizon + 1)])
        return np.asarray(np.expm1(med + rescale(z - med, z, f[:, 0], f[:, 1])))


def rescale(dev: np.ndarray, z: np.ndarray, f80: np.ndarray, f95: np.ndarray) -> np.ndarray:
    """Map deviations from the median so the 80% / 95% half-widths grow by ``f80`` / ``f95``.

    Piecewise linear in ``|dev|`` (monotone): ``|dev| <= w80`` is multiplied by ``f80``; beyond,
    the slope takes the 95% half-width ``w95`` to ``f95 * w95``. Half-widths are those of ``z``
    (``(z90 - z10) / 2`` and ``(z975 - z025) / 2``), per column.

    Examples
    --------
    >>> import numpy as np
    >>> z = np.random.default_rng(0).normal(size=(20000, 1))
    >>> d = rescale(z - np.median(z), z, np.array([2.0]), np.array([2.0]))
    >>> round(float(np.std(d) / np.std(z)), 1)
    2.0
    """
    qs = np.quantile(z, [0.025, 0.1, 0.9, 0.975], axis=0)
    w80 = np.maximum((qs[2] - qs[1]) / 2, 1e-9)
    w95 = np.maximum((qs[3] - qs[0]) / 2, w80 * (1 + 1e-6))
    slope = np.maximum((f95 * w95 - f80 * w80) / (w95 - w80), 0.1 * f80)
    a = np.abs(dev)
    inner = a * f80
    outer = w80 * f80 + (a - w80) * slope
    return np.asarray(np.sign(dev) * np.where(a <= w80, inner, outer))


def calibration_factors(
    rows: pd.DataFrame, *, min_rows: int = 20, bounds: tuple[float, float] = (0.5, 4.0)
) -> tuple[dict[int, tuple[float, float]], dict[int, int]]:
    """Per-horizon factors ``(f80, f95)`` making past 80% / 95% intervals cover 80% / 95%.

    On the log scale (``z = log(1 + .)``), for each past forecast ``u80 = |z - z50| /
    ((z90 - z10) / 2)`` and ``u95 = |z - z50| / ((z975 - z025) / 2)``; ``f80`` is the 80th
    percentile of ``u80`` and ``f95`` the 95th percentile of ``u95``, clipped to ``bounds``.
    Horizons with fewer than ``min_rows`` forecasts reuse the previous horizon's factors (no
    change for the first).

    Examples
    --------
    >>> import pandas as pd
    >>> rows = pd.DataFrame({"horizon": [1] * 40, "actual": [110.0, 90.0] * 20, "q50": 100.0,
    ...     "q10": 95.0, "q90": 105.0, "q025": 90.0, "q975": 110.0})
    >>> f, n = calibration_factors(rows)
    >>> bool(f[1][0] > 1.5), bool(0.9 < f[1][1] < 1.1), n[1]
    (True, True, 40)
    """
    factors: dict[int, tuple[float, float]] = {}
    counts: dict[int, int] = {}
    prev = (1.0, 1.0)
    for h in sorted(int(x) for x in rows["horizon"].unique()):
        g = rows.loc[rows["horizon"] == h]
        z = np.log1p(g["actual"].to_numpy(dtype=float).clip(0))
        zq = {
            k: np.log1p(g[k].to_numpy(dtype=float).clip(0))
            for k in ("q025", "q10", "q50", "q90", "q975")
        }
        dev = np.abs(z - zq["q50"])
        w80 = np.maximum((zq["q90"] - zq["q10"]) / 2, 1e-9)
        w95 = np.maximum((zq["q975"] - zq["q025"]) / 2, 1e-9)
        counts[h] = len(g)
        if len(g) < min_rows:
            factors[h] = prev
            continue
        f80 = float(np.clip(np.quantile(dev / w80, 0.8), *bounds))
        f95 = float(np.clip(np.quantile(dev / w95, 0.95), *bounds))
        prev = (f80, f95)
        factors[h] = prev
    return factors, counts


@dataclass(frozen=True, slots=True, kw_only=True)
class CalibratedSpec:
    """A model with intervals widened (or narrowed) by conformal factors from past origins.

    Parameters
    ----------
    base
        The model whose paths are rescaled (name or spec).
    horizon
        Horizons for which factors are estimated (later horizons reuse the last factor).
    window
        How many past origins (``origin - window ... origin - 1``) the factors use.
    n_samples
        Paths per past forecast when estimating the factors.
    name
        Registry label (``auto`` registers a calibrated spec under ``"auto"``).
    """

    base: Any = "naive"
    horizon: int = 5
    window: int = 6
    n_samples: int = 200
    name: str = "calibrated"

    @property
    def min_history(self) -> int:
        """As the base model."""
        return int(get_model(self.base).min_history)

    @property
    def series_only(self) -> bool:
        """As the base model."""
        return is_series_model(get_model(self.base))

    def prepare(self, panel: pd.DataFrame, *, measure: str, origin: int) -> Calibration:
        """Backtest the base model on data up to ``origin`` and estimate the factors."""
        from demandmodel.backtest import forecast_rows
        from demandmodel.batch import series_by_la

        base = get_model(self.base)
        cut = panel.loc[pd.to_numeric(panel[C.PERIOD]) <= origin]
        full = series_by_la(cut, measure)
        frames = [
            forecast_rows(
                base,
                cut,
                measure=measure,
                origin=o,
                horizon=min(self.horizon, origin - o),
                n_samples=self.n_samples,
                rng=o,
                series=full,
            )
            for o in range(origin - self.window, origin)
        ]
        frames = [f for f in frames if len(f)]
        rows = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
        factors, counts = calibration_factors(rows) if len(rows) else ({}, {})
        return Calibration(
            base_context=base.prepare(panel, measure=measure, origin=origin),
            factors=factors,
            n=counts,
        )

    def _fit(
        self, data: Any, *, la_code: str, measure: str, origin: int, context: Any
    ) -> FittedModel:
        if not isinstance(context, Calibration):
            src = data if isinstance(data, pd.DataFrame) else None
            if src is None:
                raise DemandModelError(
                    "CalibratedSpec.fit_series needs the context from prepare(panel, ...)."
                )
            context = self.prepare(src, measure=measure, origin=origin)
        fitted = _fit_any(
            get_model(self.base),
            data,
            la_code=la_code,
            measure=measure,
            origin=origin,
            context=context.base_context,
        )
        return FittedCalibrated(
            model_name=self.name,
            la_code=la_code,
            measure=measure,
            origin=origin,
            history=fitted.history,
            base=fitted,
            factors=dict(context.factors),
        )

    def fit(
        self, panel: pd.DataFrame, *, la_code: str, measure: str, origin: int, context: Any = None
    ) -> FittedModel:
        """Fit the base model; without a context the factors are estimated first."""
        return self._fit(panel, la_code=la_code, measure=measure, origin=origin, context=context)

    def fit_series(
        self, y: pd.Series, *, la_code: str, measure: str, origin: int, context: Any = None
    ) -> FittedModel:
        """Fit the base model to one series, using the factors in ``context``."""
        return self._fit(y, la_code=la_code, measure=measure, origin=origin, context=context)


@dataclass(frozen=True, slots=True, kw_only=True)
class Selection:
    """The pool context of :class:`SelectSpec`: the winner, its context and every score."""

    spec: Any
    context: Any
    scores: Mapping[str, float]


@dataclass(frozen=True, slots=True, kw_only=True)
class SelectSpec:
    """Choose, per measure and origin, the candidate with the lowest backtest MASE.

    ``prepare`` backtests every candidate on the data up to the origin only (origins
    ``origin - window ... origin - 1``, horizons up to ``horizon``, every LA of the measure) and
    keeps the one with the lowest MASE of the median; ties go to the earlier candidate.

    Parameters
    ----------
    candidates
        Registered model names or specs.
    window, horizon
        Past origins and horizons of the selection backtest.
    n_samples
        Paths per past forecast.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> t = np.arange(2011, 2023)
    >>> panel = pd.DataFrame({"la_code": np.repeat([str(c) for c in range(301, 311)], 12),
    ...     "measure": "cla_31mar", "period": np.tile(t, 10),
    ...     "value": np.tile(100 * 1.1 ** (t - 2011), 10)})
    >>> ctx = SelectSpec(candidates=("naive", "drift")).prepare(panel, measure="cla_31mar",
    ...                                                          origin=2022)
    >>> ctx.spec.name
    'drift'
    """

    candidates: tuple[Any, ...] = ("naive", "drift", "theta")
    window: int = 3
    horizon: int = 3
    n_samples: int = 200
    name: str = "select"
    series_only = False

    @property
    def min_history(self) -> int:
        """The smallest history any candidate accepts."""
        return min(get_model(m).min_history for m in self.candidates)

    def prepare(self, panel: pd.DataFrame, *, measure: str, origin: int) -> Selection:
        """Backtest every candidate on data up to ``origin`` and keep the best."""
        from demandmodel import metrics
        from demandmodel.backtest import forecast_rows
        from demandmodel.batch import series_by_la

        cut = panel.loc[pd.to_numeric(panel[C.PERIOD]) <= origin]
        full = series_by_la(cut, measure)
        scores: dict[str, float] = {}
        best: tuple[float, Any] | None = None
        for cand in self.candidates:
            spec = get_model(cand)
            frames = [
                forecast_rows(
                    spec,
                    cut,
                    measure=measure,
                    origin=o,
                    horizon=min(self.horizon, origin - o),
                    n_samples=self.n_samples,
                    rng=o,
                    series=full,
                    fallbacks=(),
                )
                for o in range(origin - self.window, origin)
            ]
            rows = pd.concat([f for f in frames if len(f)] or [pd.DataFrame()], ignore_index=True)
            score = (
                metrics.mase(rows["actual"], rows["q50"], scale=rows["scale"])
                if len(rows)
                else float("nan")
            )
            scores[str(spec.name)] = score
            if np.isfinite(score) and (best is None or score < best[0]):
                best = (score, spec)
        chosen = get_model(self.candidates[0]) if best is None else best[1]
        return Selection(
            spec=chosen,
            context=chosen.prepare(panel, measure=measure, origin=origin),
            scores=scores,
        )

    def fit(
        self, panel: pd.DataFrame, *, la_code: str, measure: str, origin: int, context: Any = None
    ) -> FittedModel:
        """Fit the selected candidate (selecting first when no context is given)."""
        if not isinstance(context, Selection):
            context = self.prepare(panel, measure=measure, origin=origin)
        return context.spec.fit(  # type: ignore[no-any-return]
            panel, la_code=la_code, measure=measure, origin=origin, context=context.context
        )


AUTO_CHOICE: dict[str, str] = {
    "cla_31mar": "global",
    "cp_31mar": "revert",
    "cin_31mar": "revert",
    **dict.fromkeys(
        ("cla_starts", "cla_ceases", "cp_starts", "cin_starts", "referrals", "s47", "icpc"),
        "revert",
    ),
    "uasc_31mar": "revert",
}
"""Model behind ``auto`` per measure (registry names), chosen by backtests at origins <= 2016.

A national drift (``global``) is used only where it beat ``revert`` by more than 5% there (CLA:
9%); smaller gains (s47 2%, UASC 1.6%, referrals and starts < 1%) are within selection noise."""

AUTO_DEFAULT = "naive"
"""Model behind ``auto`` for measures not in :data:`AUTO_CHOICE` (or whose model is missing)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class AutoContext:
    """The pool context of :class:`AutoSpec`: the spec chosen for the measure and its context."""

    spec: Any
    context: Any
    fallback: dict[str, Any] = field(default_factory=dict)
    """Filled on first use: the default model's spec and context, for series ``spec`` cannot fit."""


@dataclass(frozen=True, slots=True, kw_only=True)
class AutoSpec:
    """The project's default: per measure, the model that won honest backtests, calibrated.

    Parameters
    ----------
    choice
        Measure -> registered model name; other measures use ``default``. A name that is not
        registered falls back to ``default``, so models plug in by name.
    default
        The model for other measures.
    calibrate
        Wrap the chosen model in :class:`CalibratedSpec` (conformal factors from past origins),
        unless it is one of ``self_calibrated``.
    self_calibrated
        Models whose spread is already learnt out of sample across LAs (``pooled``): not wrapped.
    window
        Past origins the calibration uses (3 gave the closest 80% / 95% coverage for CLA at
        origins 2014-2016; 3, 4 and 6 tie for CP and CIN, whose data start in 2013).

    Examples
    --------
    >>> AutoSpec().model_for("cp_31mar"), AutoSpec().model_for("cla_rate")
    ('revert', 'naive')
    """

    choice: Mapping[str, str] = field(default_factory=lambda: dict(AUTO_CHOICE))
    default: str = AUTO_DEFAULT
    calibrate: bool = True
    self_calibrated: tuple[str, ...] = ("pooled",)
    window: int = 3
    name: str = "auto"
    min_history: int = 2
    series_only = False

    def model_for(self, measure: str) -> str:
        """The registered name of the model ``auto`` uses for ``measure``."""
        name = self.choice.get(measure, self.default)
        return name if name in available_models() else self.default

    def spec_for(self, measure: str) -> Any:
        """The spec ``auto`` uses for ``measure`` (calibrated unless ``calibrate=False``)."""
        name = self.model_for(measure)
        if name == self.default:
            return self.spec_for_default()
        base = get_model(name)
        if not self.calibrate or name in self.self_calibrated:
            return base
        return CalibratedSpec(base=base, window=self.window, name=self.name)

    def prepare(self, panel: pd.DataFrame, *, measure: str, origin: int) -> AutoContext:
        """Choose the model for ``measure`` and prepare it."""
        spec = self.spec_for(measure)
        return AutoContext(spec=spec, context=spec.prepare(panel, measure=measure, origin=origin))

    def fit(
        self, panel: pd.DataFrame, *, la_code: str, measure: str, origin: int, context: Any = None
    ) -> FittedModel:
        """Fit the chosen model (preparing it first when no context is given).

        A series the chosen model cannot fit (e.g. England and region rows, which the pooled
        model leaves out of its pool) gets the default model, calibrated, before any fallback of
        the batch layer.
        """
        if not isinstance(context, AutoContext):
            context = self.prepare(panel, measure=measure, origin=origin)
        try:
            return context.spec.fit(  # type: ignore[no-any-return]
                panel, la_code=la_code, measure=measure, origin=origin, context=context.context
            )
        except NoValueAtOriginError:
            raise
        except DemandModelError:
            if self.model_for(measure) == self.default:
                raise
        if "spec" not in context.fallback:
            spec = self.spec_for_default()
            context.fallback["spec"] = spec
            context.fallback["context"] = spec.prepare(panel, measure=measure, origin=origin)
        return context.fallback["spec"].fit(  # type: ignore[no-any-return]
            panel,
            la_code=la_code,
            measure=measure,
            origin=origin,
            context=context.fallback["context"],
        )

    def spec_for_default(self) -> Any:
        """The default model as ``auto`` runs it (calibrated unless ``calibrate=False``)."""
        base = get_model(self.default)
        if not self.calibrate or self.default in self.self_calibrated:
            return base
        return CalibratedSpec(base=base, window=self.window, name=self.name)


register_model("ensemble", EnsembleSpec)
register_model("calibrated", CalibratedSpec)
register_model("auto", AutoSpec)
register_model("select", SelectSpec)
