"""Marker/PageSize paging shared by every Describe* that the model pages.

>>> page(["a", "b", "c"], marker=None, page_size=2)
(['a', 'b'], '2')
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

from provider.errors import ValidationError

T = TypeVar("T")
DEFAULT_PAGE_SIZE = 400


def page(items: Sequence[T], marker: str | None, page_size: int | None) -> tuple[list[T], str | None]:
    size = page_size or DEFAULT_PAGE_SIZE
    start = 0
    if marker:
        if not (marker.isascii() and marker.isdigit()) or int(marker) > len(items):  # "²".isdigit() is True
            raise ValidationError("The marker is not valid")
        start = int(marker)
    end = start + size
    return list(items[start:end]), (str(end) if end < len(items) else None)
