"""Every analyst notebook in ``notebooks/`` runs from top to bottom and shows what it promises.

Each notebook is executed as a *copy*, from the ``notebooks/`` folder (so relative paths behave as
they do for an analyst), with ``MPLBACKEND=Agg``, in a kernel of the Python running the tests. The
executed copy is written to ``tmp_path``; nothing is saved into the repository. Notebooks run
twice: with the data they find by themselves (the shared DfE tables when present, else the
embedded synthetic LA) and with ``DEMANDMODEL_DFE_DATA`` pointing at the synthetic LA's tables,
the path a fresh install takes.

A cell tagged ``expect-figure`` must show a chart (a PNG output); a cell tagged ``expect-table``
must show a table with at least one row. Every notebook must show at least one chart. Committed
notebooks carry no outputs (small diffs, no stale numbers).
"""

from __future__ import annotations

import re
import sys
import time
from pathlib import Path
from typing import Any

import pytest

import demandmodel

NOTEBOOK_DIR = Path(__file__).resolve().parent.parent / "notebooks"
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("*.ipynb"))
NOTEBOOK_TIMEOUT = 300
"""Seconds a whole notebook may take (a guard against hangs; they take well under a minute)."""

_ROW = re.compile(r"<tbody>\s*<tr", re.IGNORECASE)


def _ids(paths: list[Path]) -> list[str]:
    return [p.stem for p in paths]


def test_there_are_notebooks() -> None:
    assert len(NOTEBOOKS) >= 2, f"expected the analyst notebooks in {NOTEBOOK_DIR}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_committed_without_outputs(path: Path) -> None:
    nbformat = pytest.importorskip("nbformat")
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    dirty = [
        i
        for i, cell in enumerate(nb.cells)
        if cell.cell_type == "code" and (cell.outputs or cell.execution_count is not None)
    ]
    assert not dirty, f"{path.name}: clear the outputs of cells {dirty} before committing"
    assert nb.metadata.get("kernelspec", {}).get("name") == "python3"


def _kernel_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A python3 kernelspec for *this* interpreter, and every Jupyter/IPython write in tmp_path.

    A user-level ``python3`` kernelspec could point at another Python; ``JUPYTER_PATH`` is searched
    first, so the one installed here (``sys.executable``) wins.
    """
    kernelspec = pytest.importorskip("ipykernel.kernelspec")
    prefix = tmp_path / "jupyter"
    kernelspec.install(user=False, prefix=str(prefix), kernel_name="python3")
    monkeypatch.setenv("JUPYTER_PATH", str(prefix / "share" / "jupyter"))
    monkeypatch.setenv("JUPYTER_RUNTIME_DIR", str(tmp_path / "runtime"))
    monkeypatch.setenv("JUPYTER_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("IPYTHONDIR", str(tmp_path / "ipython"))
    monkeypatch.setenv("MPLCONFIGDIR", str(tmp_path / "mpl"))
    monkeypatch.setenv("MPLBACKEND", "Agg")
    monkeypatch.setenv("PYTHONDONTWRITEBYTECODE", "1")


def _execute(path: Path, tmp_path: Path) -> Any:
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    from jupyter_client.kernelspec import KernelSpecManager

    spec = KernelSpecManager().get_kernel_spec("python3")
    assert Path(spec.argv[0]) == Path(sys.executable), spec.argv
    nb = nbformat.read(path, as_version=4)
    deadline = time.monotonic() + NOTEBOOK_TIMEOUT
    client = nbclient.NotebookClient(
        nb,
        kernel_name="python3",
        timeout=NOTEBOOK_TIMEOUT,
        timeout_func=lambda _cell: max(1, int(deadline - time.monotonic())),
        startup_timeout=120,
        resources={"metadata": {"path": str(NOTEBOOK_DIR)}},
    )
    try:
        client.execute()
    finally:
        nbformat.write(nb, tmp_path / f"{path.stem}.executed.ipynb")
    return nb


def _check_outputs(nb: Any, name: str) -> str:
    """Assert no cell errored and tagged cells show their figure/table; return the text shown."""
    figures = 0
    shown: list[str] = []
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        errors = [o for o in cell.outputs if o.output_type == "error"]
        assert not errors, f"{name} cell {i}: {errors[0].ename}: {errors[0].evalue}"
        data = [o.get("data", {}) for o in cell.outputs]
        pngs = sum("image/png" in d for d in data)
        figures += pngs
        html = "".join(d.get("text/html", "") for d in data)
        shown.extend(d.get("text/markdown", "") for d in data)
        shown.extend(o.get("text", "") for o in cell.outputs if o.output_type == "stream")
        tags = cell.metadata.get("tags", [])
        if "expect-figure" in tags:
            assert pngs, f"{name} cell {i} is tagged expect-figure but showed no chart"
        if "expect-table" in tags:
            assert _ROW.search(html), f"{name} cell {i} is tagged expect-table but showed no rows"
    assert figures, f"{name} showed no chart at all"
    return "\n".join(shown)


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
@pytest.mark.parametrize("data", ["found", "synthetic"])
def test_notebook_runs(
    path: Path, data: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _kernel_env(tmp_path, monkeypatch)
    if data == "synthetic":
        monkeypatch.setenv("DEMANDMODEL_DFE_DATA", str(demandmodel.demo_data_path() / "dfe"))
    else:
        monkeypatch.delenv("DEMANDMODEL_DFE_DATA", raising=False)
    before = sorted(p.name for p in NOTEBOOK_DIR.iterdir())
    nb = _execute(path, tmp_path)
    text = _check_outputs(nb, path.name)
    assert sorted(p.name for p in NOTEBOOK_DIR.iterdir()) == before, "a notebook wrote files"
    if "Data used" in text:  # notebooks that read DfE tables say which ones
        shared = NOTEBOOK_DIR.parent.parent / "shared" / "data" / "dfe"
        expect_synthetic = data == "synthetic" or not shared.is_dir()
        assert ("SYNTHETIC" in text) == expect_synthetic, text[:500]
