"""Metrics Insights: the `SELECT FUNC(metric) FROM ...` queries of GetMetricData, parsed (pure) and aggregated over
the per-period statistics of every matching metric (stored or computed from requests).

Grammar (keywords in any case; names bare or "double-quoted" with \\" escapes; label values 'single-quoted'):
``SELECT AVG|COUNT|MAX|MIN|SUM(metric) FROM namespace | SCHEMA(namespace[, key ...]) [WHERE key =|!= 'value'
[AND|OR ...]] [GROUP BY key[, ...]] [ORDER BY FUNC() [ASC|DESC]] [LIMIT n]``; in WHERE, AND binds before OR
and parentheses group (AWS documents = != AND; its console and Grafana's query builder also send OR and
parentheses). IN, LIKE and NOT are refused.

>>> q = parse('SELECT SUM(RequestCount) FROM SCHEMA("AWS/ApplicationELB", LoadBalancer) GROUP BY LoadBalancer')
>>> q.function, q.metric, q.namespace, q.schema, q.group_by
('SUM', 'RequestCount', 'AWS/ApplicationELB', frozenset({'LoadBalancer'}), ('LoadBalancer',))
>>> parse("SELECT SUM(m) FROM n WHERE a = '1' OR (b != '2' AND c = '3')").where
Either(parts=(Condition(key='a', op='=', value='1'), Both(parts=(Condition(key='b', op='!=', value='2'), \
Condition(key='c', op='=', value='3')))))
>>> combine("SUM", [(2.0, 3.0, 1.0, 2.0), (1.0, 5.0, 5.0, 5.0)]), combine("MAX", [(2.0, 3.0, 1.0, 2.0)])
(8.0, 2.0)
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from provider import texts
from provider.cloudwatch.model import Aggregates, Metric, SeriesQuery, Statistic

FUNCTIONS = ("AVG", "COUNT", "MAX", "MIN", "SUM")
MAX_SERIES = 500  # AWS's limit of time series a query returns, and of LIMIT
WINDOW_MS = 3 * 3600 * 1000  # AWS: queries read only the most recent three hours
OTHER = "Other"  # AWS's group value for a metric without a GROUP BY key
_KEYWORDS = {"SELECT", "FROM", "SCHEMA", "WHERE", "AND", "GROUP", "BY", "ORDER", "ASC", "DESC", "LIMIT", "OR", "IN",
             "NOT", "LIKE"}
_TOKEN = re.compile(r"""\s*(?:(?P<name>[A-Za-z_][A-Za-z0-9_]*)|"(?P<quoted>(?:[^"\\]|\\.)*)"
                       |'(?P<value>(?:[^'\\]|\\.)*)'|(?P<number>[0-9]+)|(?P<op>!=|[(),=])|(?P<other>\S))""", re.VERBOSE)
_UNESCAPE = re.compile(r"\\(.)")


class InsightsError(Exception):
    """The query cannot be parsed or is not supported; the message says why."""


@dataclass(frozen=True, slots=True)
class Condition:
    key: str
    op: str  # '=' or '!='; '!=' also holds for a metric without the key
    value: str


@dataclass(frozen=True, slots=True)
class Both:
    """AND: every part holds."""

    parts: tuple[Filter, ...]


@dataclass(frozen=True, slots=True)
class Either:
    """OR: some part holds."""

    parts: tuple[Filter, ...]


Filter = Condition | Both | Either


def holds(f: Filter, have: dict[str, str]) -> bool:
    """Whether a metric's dimensions satisfy a WHERE filter."""
    if isinstance(f, Condition):
        return (have.get(f.key) == f.value) == (f.op == "=")
    if isinstance(f, Both):
        return all(holds(p, have) for p in f.parts)
    return any(holds(p, have) for p in f.parts)


@dataclass(frozen=True, slots=True)
class Query:
    function: str
    metric: str
    namespace: str
    schema: frozenset[str] | None = None  # SCHEMA's keys: only metrics with exactly these dimensions
    where: Filter | None = None
    group_by: tuple[str, ...] = ()
    order_by: tuple[str, bool] | None = None  # (function, descending)
    limit: int = MAX_SERIES


def is_query(text: str) -> bool:
    """Whether an expression is a Metrics Insights query rather than metric math."""
    return re.match(r"\s*select\b", text, re.IGNORECASE) is not None


def _tokens(text: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    at = 0
    while at < len(text.rstrip()):
        m = _TOKEN.match(text, at)
        if m is None or m.lastgroup is None:
            break
        kind, raw = m.lastgroup, m.group(m.lastgroup)
        if kind == "name" and raw.upper() in _KEYWORDS:
            kind, raw = "keyword", raw.upper()
        elif kind in ("quoted", "value"):
            kind, raw = ("name" if kind == "quoted" else "value"), _UNESCAPE.sub(r"\1", raw)
        out.append((kind, raw))
        at = m.end()
    return out


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens = _tokens(text)
        self.at = 0

    def peek(self, kind: str, value: str | None = None) -> bool:
        if self.at >= len(self.tokens):
            return False
        k, v = self.tokens[self.at]
        return k == kind and (value is None or v == value)

    def take(self, kind: str, value: str | None = None) -> str:
        if not self.peek(kind, value):
            near = self.tokens[self.at][1] if self.at < len(self.tokens) else "the end of the query"
            raise InsightsError(texts.INSIGHTS_SYNTAX.format(near=near))
        self.at += 1
        return self.tokens[self.at - 1][1]

    def accept(self, kind: str, value: str | None = None) -> bool:
        if self.peek(kind, value):
            self.at += 1
            return True
        return False

    def function(self) -> str:
        name = self.take("name")
        if name.upper() not in FUNCTIONS:
            raise InsightsError(texts.INSIGHTS_FUNCTION.format(name=name, functions=", ".join(FUNCTIONS)))
        return name.upper()

    def names(self) -> list[str]:
        out = [self.take("name")]
        while self.accept("op", ","):
            out.append(self.take("name"))
        return out

    def query(self) -> Query:
        self.take("keyword", "SELECT")
        function = self.function()
        self.take("op", "(")
        metric = self.take("name")
        self.take("op", ")")
        self.take("keyword", "FROM")
        schema: frozenset[str] | None = None
        if self.accept("keyword", "SCHEMA"):
            self.take("op", "(")
            namespace, *keys = self.names()
            self.take("op", ")")
            schema = frozenset(keys)
        else:
            namespace = self.take("name")
        where = self.either() if self.accept("keyword", "WHERE") else None
        group_by: tuple[str, ...] = ()
        if self.accept("keyword", "GROUP"):
            self.take("keyword", "BY")
            group_by = tuple(self.names())
        order_by = None
        if self.accept("keyword", "ORDER"):
            self.take("keyword", "BY")
            order = self.function()
            self.take("op", "(")
            self.take("op", ")")
            descending = self.accept("keyword", "DESC")
            if not descending:
                self.accept("keyword", "ASC")
            order_by = (order, descending)
        limit = MAX_SERIES
        if self.accept("keyword", "LIMIT"):
            limit = int(self.take("number"))
            if not 1 <= limit <= MAX_SERIES:
                raise InsightsError(texts.INSIGHTS_LIMIT.format(limit=MAX_SERIES))
        if self.at < len(self.tokens):
            self.take("end")  # raises: something follows the last clause
        return Query(function, metric, namespace, schema, where, group_by, order_by, limit)

    def either(self) -> Filter:
        parts = [self.both()]
        while self.accept("keyword", "OR"):
            parts.append(self.both())
        return parts[0] if len(parts) == 1 else Either(tuple(parts))

    def both(self) -> Filter:
        parts = [self.operand()]
        while self.accept("keyword", "AND"):
            parts.append(self.operand())
        return parts[0] if len(parts) == 1 else Both(tuple(parts))

    def operand(self) -> Filter:
        if self.accept("op", "("):
            inner = self.either()
            self.take("op", ")")
            return inner
        if self.peek("keyword", "NOT"):
            raise InsightsError(texts.INSIGHTS_OPERATOR.format(operator="NOT"))
        return self.condition()

    def condition(self) -> Condition:
        key = self.take("name")
        if self.peek("keyword"):
            word = self.tokens[self.at][1]
            raise InsightsError(texts.INSIGHTS_OPERATOR.format(operator=word))
        op = self.take("op")
        if op not in ("=", "!="):
            raise InsightsError(texts.INSIGHTS_SYNTAX.format(near=op))
        return Condition(key, op, self.take("value"))


def parse(text: str) -> Query:
    """A query's parts; InsightsError for what does not parse or is not supported here."""
    return _Parser(text).query()


def matches(q: Query, metric: Metric) -> bool:
    """Whether a metric is one the query reads: its namespace and name, SCHEMA's exact dimension names, WHERE."""
    if metric.namespace != q.namespace or metric.name != q.metric:
        return False
    if q.schema is not None and metric.dimension_names != q.schema:
        return False
    return q.where is None or holds(q.where, dict(metric.dimensions))


def group_of(q: Query, metric: Metric) -> tuple[str, ...]:
    """The metric's GROUP BY values, `Other` for a key it does not have."""
    have = dict(metric.dimensions)
    return tuple(have.get(key, OTHER) for key in q.group_by)


Stats = tuple[float, float, float, float]  # one metric's period: sample count, sum, minimum, maximum


def combine(function: str, periods: Sequence[Stats]) -> float:
    """One period of a group from its metrics' statistics of that period."""
    count = sum(p[0] for p in periods)
    total = sum(p[1] for p in periods)
    if function == "SUM":
        return total
    if function == "COUNT":
        return count
    if function == "AVG":
        return total / count
    return min(p[2] for p in periods) if function == "MIN" else max(p[3] for p in periods)


def scalar(function: str, values: Iterable[float]) -> float:
    """ORDER BY's value of one result series: the function over its data points."""
    points = list(values)
    if not points:
        return float("nan")
    return {"SUM": sum(points), "COUNT": float(len(points)), "AVG": sum(points) / len(points), "MIN": min(points),
            "MAX": max(points)}[function]


Group = tuple[tuple[str, ...], dict[int, float]]  # GROUP BY values, the series


def ordered(q: Query, groups: dict[tuple[str, ...], dict[int, float]]) -> list[Group]:
    """Groups in AWS's order (their values ascending, or by ORDER BY's function; series without points last), at
    most LIMIT of them."""
    out = sorted(groups.items())
    if q.order_by is not None:
        function, descending = q.order_by
        keyed = [(scalar(function, s.values()), g, s) for g, s in out]
        with_points = sorted((k for k in keyed if k[0] == k[0]), key=lambda k: k[0], reverse=descending)
        out = [(g, s) for _, g, s in with_points + [k for k in keyed if k[0] != k[0]]]
    return out[: q.limit]


Fetch = Callable[[Sequence[SeriesQuery]], Sequence[Aggregates]]


def run(q: Query, known: Iterable[Metric], fetch: Fetch, period: int, start_ms: int, end_ms: int, now_ms: int
        ) -> list[Group]:
    """The query's result series, one per group in AWS's order: each period of a group combines the statistics of
    its metrics (FUNC over their observations, not over their per-metric results), read only within the three
    hours before ``now_ms``; a period shorter than a minute is read as a minute (no high-resolution data)."""
    period = max(period, 60)
    period_ms = period * 1000
    start_ms = max(start_ms, now_ms - WINDOW_MS) // period_ms * period_ms
    matched = sorted((m for m in known if matches(q, m)), key=lambda m: (m.name, m.dimensions))
    if start_ms >= end_ms or not matched:
        return [] if q.group_by else [((), {})]
    wanted = frozenset({Statistic.SAMPLE_COUNT, Statistic.SUM, Statistic.MINIMUM, Statistic.MAXIMUM})
    fetched = fetch([SeriesQuery(m, period, start_ms, end_ms, statistics=wanted) for m in matched])
    by_group: dict[tuple[str, ...], dict[int, list[Stats]]] = {}
    for metric, a in zip(matched, fetched, strict=True):
        periods = by_group.setdefault(group_of(q, metric), {})
        for row in zip(a.start_ms, a.sample_count, a.sum, a.minimum, a.maximum, strict=True):
            periods.setdefault(row[0], []).append(row[1:])
    groups = {g: {t: combine(q.function, stats) for t, stats in sorted(p.items())} for g, p in by_group.items()}
    if not q.group_by and not groups:
        groups[()] = {}
    return ordered(q, groups)
