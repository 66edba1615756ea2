"""Shared fixtures: where the real data lives, and whether tests may skip without it."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("DEMANDMODEL_SHARED_DATA", REPO.parent / "shared" / "data"))


def _require_shared() -> bool:
    return os.environ.get("DEMANDMODEL_REQUIRE_SHARED_DATA", "") not in ("", "0")


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The ``../shared/data`` folder; skips (or fails in CI) when it is absent."""
    if not (SHARED_DATA / "dfe").is_dir():
        msg = (
            f"real data not found at {SHARED_DATA} (set DEMANDMODEL_SHARED_DATA to its path, "
            "or clone the repo with ../shared beside it)"
        )
        if _require_shared():
            pytest.fail(msg + "; DEMANDMODEL_REQUIRE_SHARED_DATA=1 makes these tests mandatory")
        pytest.skip(msg)
    return SHARED_DATA


@pytest.fixture(scope="session")
def repo_root() -> Path:
    """The repository's root folder."""
    return REPO
