"""The public API is curated: ``__all__`` is sorted, complete, and every name resolves."""

from __future__ import annotations

import ast
import inspect
import types

import demandmodel


def test_all_is_sorted_and_unique() -> None:
    assert demandmodel.__all__ == sorted(set(demandmodel.__all__))


def test_all_equals_public_names() -> None:
    eager = {
        name
        for name, value in vars(demandmodel).items()
        if not name.startswith("_")
        and not isinstance(value, types.ModuleType)
        and name not in ("annotations", "importlib", "TYPE_CHECKING", "Any")
    }
    lazy = set(demandmodel._LAZY)
    assert set(demandmodel.__all__) - {"__version__"} == eager | lazy


def test_every_public_name_resolves_to_its_module() -> None:
    for name in demandmodel.__all__:
        value = getattr(demandmodel, name)
        if name in demandmodel._LAZY:
            module, attribute = demandmodel._LAZY[name]
            assert value is getattr(__import__(module, fromlist=[attribute]), attribute)
    assert set(demandmodel.__all__) <= set(dir(demandmodel))


def test_type_checking_imports_match_lazy_table() -> None:
    tree = ast.parse(inspect.getsource(demandmodel))
    block = next(
        n for n in tree.body if isinstance(n, ast.If) and "TYPE_CHECKING" in ast.dump(n.test)
    )
    seen = {
        (alias.asname or alias.name): (node.module, alias.name)
        for node in block.body
        if isinstance(node, ast.ImportFrom)
        for alias in node.names
    }
    assert seen == demandmodel._LAZY


def test_unknown_name_is_an_attribute_error() -> None:
    try:
        _ = demandmodel.no_such_thing  # type: ignore[attr-defined]
    except AttributeError as err:
        assert "no_such_thing" in str(err)
    else:  # pragma: no cover
        raise AssertionError("expected AttributeError")


def test_every_error_derives_from_base() -> None:
    for name in demandmodel.__all__:
        obj = getattr(demandmodel, name)
        if isinstance(obj, type) and issubclass(obj, Exception) and not issubclass(obj, Warning):
            assert issubclass(obj, demandmodel.DemandModelError), name
