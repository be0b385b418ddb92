"""The ``>>>`` examples in docstrings run: an example that no longer holds fails here, not in a reader's head."""

from __future__ import annotations

import doctest
import importlib
import pkgutil
from types import ModuleType

import pytest

# Every module of provider/, and the test helpers that carry examples.
MODULES = ("tests.support.models",)


def _modules() -> list[str]:
    import provider

    found = [m.name for m in pkgutil.walk_packages(provider.__path__, "provider.") if m.name != "provider.__main__"]
    return [*found, *MODULES]


def _examples(module: ModuleType) -> list[doctest.DocTest]:
    return [t for t in doctest.DocTestFinder().find(module) if t.examples]


WITH_EXAMPLES = [name for name in _modules() if _examples(importlib.import_module(name))]


def test_the_examples_are_found() -> None:
    expected = {"provider.errors", "provider.store.batch", "provider.elbv2.wildcards", "provider.compiler.dynamic"}
    assert expected <= set(WITH_EXAMPLES)


@pytest.mark.parametrize("name", WITH_EXAMPLES)
def test_docstring_examples_run(name: str) -> None:
    module = importlib.import_module(name)
    results = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE, report=True)
    assert results.attempted > 0
    assert results.failed == 0, f"{results.failed} docstring example(s) of {name} failed (printed above)"
