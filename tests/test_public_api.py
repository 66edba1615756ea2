"""The public API is curated: ``__all__`` is sorted and lists exactly the public names."""

from __future__ import annotations

import types

import demandmodel


def test_all_is_sorted() -> None:
    assert demandmodel.__all__ == sorted(demandmodel.__all__)


def test_all_equals_public_names() -> None:
    public = {
        name
        for name, value in vars(demandmodel).items()
        if not name.startswith("_") and not isinstance(value, types.ModuleType)
    }
    public.discard("annotations")
    assert set(demandmodel.__all__) - {"__version__"} == public


def test_every_error_derives_from_base() -> None:
    for name in demandmodel.__all__:
        obj = getattr(demandmodel, name)
        if isinstance(obj, type) and issubclass(obj, Exception) and not issubclass(obj, Warning):
            assert issubclass(obj, demandmodel.DemandModelError), name
