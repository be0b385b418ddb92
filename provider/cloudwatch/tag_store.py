"""CloudWatch resource tags in DuckDB: one document per resource ARN, its tags as [key, value] pairs in the order
they were first set (provider/store/documents.py)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from provider.store import documents

if TYPE_CHECKING:
    from provider.store.duck import Store

KIND = "tags"
Tags = tuple[tuple[str, str], ...]


def get_tags(store: Store, arn: str) -> Tags:
    body = documents.get(store, KIND, arn)
    pairs = body if isinstance(body, list) else []
    return tuple((str(pair[0]), str(pair[1])) for pair in pairs if isinstance(pair, list))


def set_tags(store: Store, arn: str, tags: Tags) -> None:
    if tags:
        documents.put(store, KIND, [(arn, [[k, v] for k, v in tags])])
    else:
        documents.delete(store, KIND, [arn])


def delete_tags(store: Store, arns: Sequence[str]) -> None:
    documents.delete(store, KIND, arns)
