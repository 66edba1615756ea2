"""Run many independent tasks (LA x measure x scenario) serially, on processes, or on Dask.

Three rules make the results the same whatever runs them:

1. each task's random numbers come from a seed derived from one root seed and the task's *key*
   (:func:`demandmodel._random.seed_for`), never from the order tasks are submitted or finish in;
2. each worker uses one BLAS thread (two processes each running a multi-threaded BLAS on a 2-core
   machine would fight for the cores and make floating-point reductions order-dependent);
3. each task reduces its own output (quantiles, compact samples) before returning, so memory in the
   parent stays flat however many tasks there are.

Any :class:`concurrent.futures.Executor` works, including a Dask cluster's
(``distributed.Client(address).get_executor()``), so the same call scales from a laptop to a cluster.

Examples
--------
>>> import numpy as np
>>> from demandmodel.parallel import map_tasks
>>> def draw(key, payload, rng):
...     return float(rng.normal(payload))
>>> tasks = {("301", "cla_31mar"): 0.0, ("302", "cla_31mar"): 10.0}
>>> serial = map_tasks(draw, tasks, rng=7)
>>> serial.failures.empty
True
>>> again = map_tasks(draw, dict(reversed(list(tasks.items()))), rng=7)
>>> again.results == serial.results
True
"""

from __future__ import annotations

import os
import sys
import traceback
from collections.abc import Callable, Hashable, Iterator, Mapping
from concurrent.futures import Executor, Future, ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import numpy as np
import pandas as pd

from demandmodel._random import seed_for
from demandmodel.errors import DemandModelError

R = TypeVar("R")
TaskFn = Callable[[Hashable, Any, np.random.Generator], R]

_BLAS_ENV = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "BLIS_NUM_THREADS")


@dataclass(frozen=True, slots=True, kw_only=True)
class TaskResults(Generic[R]):
    """What :func:`map_tasks` returns.

    Attributes
    ----------
    results
        Task key -> the task's return value, in the order the tasks were given (failed tasks absent).
    failures
        One row per failed task: ``task``, ``error`` (exception class) and ``message``.
    """

    results: dict[Hashable, R]
    failures: pd.DataFrame

    def __iter__(self) -> Iterator[tuple[Hashable, R]]:
        return iter(self.results.items())


_PINNED = False


def _pin_blas_threads() -> None:
    """Limit BLAS/OpenMP to one thread in this process (once: threadpoolctl scans libraries)."""
    global _PINNED
    if _PINNED:
        return
    _PINNED = True
    for name in _BLAS_ENV:
        os.environ[name] = "1"
    try:
        from threadpoolctl import threadpool_limits

        threadpool_limits(limits=1)
    except ImportError:  # pragma: no cover - threadpoolctl is a core dependency
        pass


def _run_one(
    fn: TaskFn[R], key: Hashable, payload: Any, seed: np.random.SeedSequence
) -> tuple[bool, Any]:
    """Run one task; return ``(ok, value-or-error-description)`` so one failure never stops a batch."""
    _pin_blas_threads()
    try:
        return True, fn(key, payload, np.random.default_rng(seed))
    except Exception as err:  # any failure is reported, never raised into the batch
        last = traceback.extract_tb(err.__traceback__)[-1:]
        where = f" (at {last[0].filename}:{last[0].lineno})" if last else ""
        return False, (type(err).__name__, f"{err}{where}")


def _as_task_mapping(tasks: Mapping[Hashable, Any] | list[Hashable]) -> dict[Hashable, Any]:
    if isinstance(tasks, Mapping):
        return dict(tasks)
    out: dict[Hashable, Any] = {}
    for key in tasks:
        if key in out:
            raise DemandModelError(f"Task key {key!r} appears twice; task keys must be unique.")
        out[key] = None
    return out


def _key_tuple(key: Hashable) -> tuple[Hashable, ...]:
    return key if isinstance(key, tuple) else (key,)


def map_tasks(
    fn: TaskFn[R],
    tasks: Mapping[Hashable, Any] | list[Hashable],
    *,
    n_jobs: int = 1,
    executor: Executor | None = None,
    rng: int | np.random.SeedSequence | None = None,
    progress: bool | None = None,
    description: str = "tasks",
) -> TaskResults[R]:
    """Run ``fn(key, payload, rng)`` for every task, reproducibly, in parallel if asked.

    Parameters
    ----------
    fn
        A module-level function (it must pickle) taking the task key, its payload and a
        ``numpy.random.Generator`` seeded for that key. It should return something small
        (quantiles, a summary frame), not every sample.
    tasks
        Task key -> payload, or a list of keys (payload ``None``). Keys are usually tuples such as
        ``(la_code, measure, scenario)``.
    n_jobs
        Worker processes when no ``executor`` is given; 1 runs in this process.
    executor
        Any ``concurrent.futures.Executor``, e.g. ``distributed.Client(addr).get_executor()``.
        It is used as given and not shut down.
    rng
        Root seed. The same root gives bit-identical results for any ``n_jobs`` or executor.
    progress
        Show a progress bar; by default only when standard error is a terminal.
    description
        Label of the progress bar.

    Returns
    -------
    TaskResults
        Results in the order of ``tasks``, and a failure report.
    """
    if n_jobs < 1:
        raise DemandModelError(f"n_jobs must be at least 1, got {n_jobs}.")
    task_map = _as_task_mapping(tasks)
    root = rng if isinstance(rng, np.random.SeedSequence) else np.random.SeedSequence(rng)
    seeds = {key: seed_for(root, *_key_tuple(key)) for key in task_map}
    show = sys.stderr.isatty() if progress is None else progress

    outcomes: dict[Hashable, tuple[bool, Any]] = {}
    if executor is None and n_jobs == 1:
        for key in _progress(list(task_map), show, description, len(task_map)):
            outcomes[key] = _run_one(fn, key, task_map[key], seeds[key])
    else:
        own = executor is None
        pool: Executor = executor or ProcessPoolExecutor(
            max_workers=n_jobs, initializer=_pin_blas_threads
        )
        try:
            futures: dict[Future[tuple[bool, Any]], Hashable] = {
                pool.submit(_run_one, fn, key, payload, seeds[key]): key
                for key, payload in task_map.items()
            }
            for fut in _progress(as_completed(futures), show, description, len(futures)):
                try:
                    outcomes[futures[fut]] = fut.result()
                except Exception as err:  # e.g. a worker that cannot import the task function
                    outcomes[futures[fut]] = (
                        False,
                        (type(err).__name__, f"{err} (on the executor)"),
                    )
        finally:
            if own:
                pool.shutdown()

    results: dict[Hashable, R] = {}
    failed: list[dict[str, Any]] = []
    for key in task_map:
        ok, value = outcomes[key]
        if ok:
            results[key] = value
        else:
            failed.append({"task": key, "error": value[0], "message": value[1]})
    failures = pd.DataFrame(failed, columns=["task", "error", "message"])
    return TaskResults(results=results, failures=failures)


def _progress(items: Any, show: bool, description: str, total: int) -> Any:
    if not show:
        return items
    from tqdm.auto import tqdm

    return tqdm(items, total=total, desc=description, unit="task", leave=False)
