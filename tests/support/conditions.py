"""Condition shorthands for the tables of the rule-matching tests."""

from __future__ import annotations

from provider.elbv2.model import Condition, ConditionField, QueryPair

P, H, HDR, M, IP, Q = (
    ConditionField.PATH_PATTERN,
    ConditionField.HOST_HEADER,
    ConditionField.HTTP_HEADER,
    ConditionField.HTTP_REQUEST_METHOD,
    ConditionField.SOURCE_IP,
    ConditionField.QUERY_STRING,
)


def cond(field: ConditionField, *values: str, header: str | None = None) -> Condition:
    return Condition(field=field, values=values, header_name=header)


def query(*pairs: tuple[str | None, str]) -> Condition:
    return Condition(field=ConditionField.QUERY_STRING, query=tuple(QueryPair(k, v) for k, v in pairs))
