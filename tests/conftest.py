"""The order modules run in: a module with a test marked slow before every other, each group in collection order.
`make test` hands whole modules to its workers in this order (pytest-xdist's --no-loadscope-reorder; its default
orders them by their number of tests, which put the longest, single-test modules last while the other worker
idled)."""

from __future__ import annotations

import pytest


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    slow = {item.nodeid.split("::")[0] for item in items if item.get_closest_marker("slow")}
    items.sort(key=lambda item: item.nodeid.split("::")[0] not in slow)  # stable: collection order within each
