"""map_tasks gives bit-identical results serially, on processes and on a Dask cluster."""

from __future__ import annotations

from collections.abc import Hashable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import numpy as np
import pytest

from demandmodel.errors import DemandModelError
from demandmodel.parallel import map_tasks
from demandmodel.testing import simulate_stock_task

TASKS = {(f"{300 + i}", m): {"start": 100.0 + 37 * i, "years": 4} for i in range(6) for m in "ab"}


def _fails_for_one(key: Hashable, payload: Any, rng: np.random.Generator) -> float:
    if key == "bad":
        raise ValueError("this series is broken")
    return float(rng.random())


def _assert_same(a: dict[Hashable, np.ndarray], b: dict[Hashable, np.ndarray]) -> None:
    assert list(a) == list(b)
    for key in a:
        np.testing.assert_array_equal(a[key], b[key])


def test_serial_and_process_pool_identical() -> None:
    serial = map_tasks(simulate_stock_task, TASKS, rng=11)
    pooled = map_tasks(simulate_stock_task, TASKS, n_jobs=2, rng=11)
    assert serial.failures.empty and pooled.failures.empty
    _assert_same(serial.results, pooled.results)


def test_results_keyed_by_task_not_order() -> None:
    forward = map_tasks(simulate_stock_task, TASKS, rng=3).results
    backward = map_tasks(simulate_stock_task, dict(reversed(list(TASKS.items()))), rng=3).results
    for key in TASKS:
        np.testing.assert_array_equal(forward[key], backward[key])


def test_different_roots_differ() -> None:
    a = map_tasks(simulate_stock_task, TASKS, rng=1).results
    b = map_tasks(simulate_stock_task, TASKS, rng=2).results
    assert any(not np.array_equal(a[k], b[k]) for k in TASKS)


def test_one_failure_is_reported_and_does_not_stop_the_batch() -> None:
    out = map_tasks(_fails_for_one, ["good", "bad", "other"], rng=0)
    assert list(out.results) == ["good", "other"]
    assert out.failures["task"].tolist() == ["bad"]
    assert out.failures["error"].tolist() == ["ValueError"]
    assert "this series is broken" in out.failures["message"].iloc[0]


def test_duplicate_keys_and_bad_n_jobs_rejected() -> None:
    with pytest.raises(DemandModelError, match="appears twice"):
        map_tasks(_fails_for_one, ["a", "a"])
    with pytest.raises(DemandModelError, match="n_jobs"):
        map_tasks(_fails_for_one, ["a"], n_jobs=0)


@pytest.mark.slow
def test_dask_local_cluster_identical_to_serial() -> None:
    distributed = pytest.importorskip("distributed", reason="the dask extra is not installed")
    serial = map_tasks(simulate_stock_task, TASKS, rng=11)
    with (
        distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        on_dask = map_tasks(simulate_stock_task, TASKS, executor=client.get_executor(), rng=11)
    assert on_dask.failures.empty
    _assert_same(serial.results, on_dask.results)


class _BrokenTransport(ThreadPoolExecutor):
    """An executor whose futures fail before the task runs (like a worker missing the package)."""

    def submit(self, fn: Any, /, *args: Any, **kwargs: Any) -> Future[Any]:
        fut: Future[Any] = Future()
        fut.set_exception(ModuleNotFoundError("No module named 'demandmodel'"))
        return fut


def test_executor_failures_are_reported_not_raised() -> None:
    with _BrokenTransport(max_workers=1) as pool:
        out = map_tasks(simulate_stock_task, dict(list(TASKS.items())[:2]), executor=pool, rng=1)
    assert out.results == {}
    assert out.failures["error"].tolist() == ["ModuleNotFoundError"] * 2
    assert "on the executor" in out.failures["message"].iloc[0]
