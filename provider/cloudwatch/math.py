"""Metric math: a parser and an evaluator over time series aligned on their timestamps (pure, no I/O).

Grammar: comparisons (< <= > >= == !=) over + - over * / over unary minus; numbers, 'strings', query ids,
and the functions METRICS([filter]), SUM, AVG, MIN, MAX, ABS, FILL(x, value), IF(cond, a[, b]) and
ANOMALY_DETECTION_BAND(id[, stddevs]) (two series, upper and lower, from the Env's ``bands``: band.py).
Arithmetic between two series keeps the timestamps both have; with a scalar it applies to every point. A
division by zero (or any non-finite result) leaves no point. SUM/AVG/MIN/MAX of one series give a scalar, of
an array of series one series (per timestamp, over the series that have a point there).

>>> evaluate(parse("errors / requests"), Env({"errors": {0: 5.0}, "requests": {0: 100.0}}))
{0: 0.05}
"""

from __future__ import annotations

import math
import operator
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from provider.cloudwatch.band import DEFAULT_STDDEVS

Series = dict[int, float]  # timestamp (ms) -> value, ascending
Value = float | Series | list[Series]


class MathError(Exception):
    """The expression cannot be parsed or evaluated; the message says why."""


@dataclass(frozen=True, slots=True)
class Num:
    value: float


@dataclass(frozen=True, slots=True)
class Str:
    value: str


@dataclass(frozen=True, slots=True)
class Ref:
    id: str


@dataclass(frozen=True, slots=True)
class Call:
    name: str
    args: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Binary:
    op: str
    left: Node
    right: Node


@dataclass(frozen=True, slots=True)
class Neg:
    operand: Node


Node = Num | Str | Ref | Call | Binary | Neg

_TOKEN = re.compile(r"\s*(?:(\d+\.?\d*(?:[eE][-+]?\d+)?|\.\d+)|([A-Za-z_][A-Za-z0-9_]*)|'([^']*)'|\"([^\"]*)\""
                    r"|(<=|>=|==|!=|[-+*/(),<>]))")
_COMPARE = ("<", "<=", ">", ">=", "==", "!=")
BAND = "ANOMALY_DETECTION_BAND"


def parse(text: str) -> Node:
    """'a / (b + 1)' -> Binary('/', Ref('a'), Binary('+', Ref('b'), Num(1.0)))."""
    return _Parser(_tokens(text)).parse()


def _tokens(text: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    pos, text = 0, text.rstrip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None:
            raise MathError(f"Unrecognized token at position {pos + 1}: {text[pos:pos + 10]!r}")
        number, name, single, double, symbol = m.groups()
        if number is not None:
            out.append(("num", number))
        elif name is not None:
            out.append(("name", name))
        elif symbol is not None:
            out.append(("sym", symbol))
        else:
            out.append(("str", single if single is not None else double))
        pos = m.end()
    return out


class _Parser:
    def __init__(self, tokens: list[tuple[str, str]]) -> None:
        self._tokens = tokens
        self._i = 0

    def parse(self) -> Node:
        if not self._tokens:
            raise MathError("The expression is empty")
        node = self._compare()
        if self._i != len(self._tokens):
            raise MathError(f"Unexpected {self._tokens[self._i][1]!r}")
        return node

    def _peek(self) -> str | None:
        return self._tokens[self._i][1] if self._i < len(self._tokens) else None

    def _take(self) -> tuple[str, str]:
        if self._i >= len(self._tokens):
            raise MathError("Unexpected end of the expression")
        self._i += 1
        return self._tokens[self._i - 1]

    def _expect(self, symbol: str) -> None:
        if self._take() != ("sym", symbol):
            raise MathError(f"Expected {symbol!r}")

    def _compare(self) -> Node:
        node = self._sum()
        if self._peek() in _COMPARE:
            node = Binary(self._take()[1], node, self._sum())
        return node

    def _sum(self) -> Node:
        node = self._product()
        while self._peek() in ("+", "-"):
            node = Binary(self._take()[1], node, self._product())
        return node

    def _product(self) -> Node:
        node = self._unary()
        while self._peek() in ("*", "/"):
            node = Binary(self._take()[1], node, self._unary())
        return node

    def _unary(self) -> Node:
        if self._peek() == "-" and self._tokens[self._i][0] == "sym":
            self._take()
            return Neg(self._unary())
        return self._primary()

    def _primary(self) -> Node:
        kind, text = self._take()
        if kind == "num":
            return Num(float(text))
        if kind == "str":
            return Str(text)
        if kind == "sym" and text == "(":
            node = self._compare()
            self._expect(")")
            return node
        if kind == "name":
            if self._peek() != "(":
                return Ref(text)
            self._take()
            args: list[Node] = []
            if self._peek() != ")":
                args.append(self._compare())
                while self._peek() == ",":
                    self._take()
                    args.append(self._compare())
            self._expect(")")
            return Call(text.upper(), tuple(args))
        raise MathError(f"Unexpected {text!r}")


@dataclass
class Env:
    """What an expression can see: the other queries' values by id, the metric-stat series (for METRICS()) with
    their labels, and the period grid (timestamps) that FILL fills and scalars stand on."""

    refs: Mapping[str, Value]
    metrics: Sequence[tuple[str, str, Series]] = ()  # (id, label, series)
    grid: Sequence[int] = ()
    resolve: Callable[[str], Value] | None = field(default=None)  # evaluates another expression on demand
    bands: Callable[[str, float], list[Series]] | None = field(default=None)  # (id, stddevs) -> [upper, lower]


_OPS: dict[str, Callable[[float, float], float]] = {
    "+": operator.add, "-": operator.sub, "*": operator.mul, "/": lambda a, b: a / b if b else math.nan,
    "<": lambda a, b: float(a < b), "<=": lambda a, b: float(a <= b), ">": lambda a, b: float(a > b),
    ">=": lambda a, b: float(a >= b), "==": lambda a, b: float(a == b), "!=": lambda a, b: float(a != b),
}


def evaluate(node: Node, env: Env) -> Value:
    if isinstance(node, Num):
        return node.value
    if isinstance(node, Ref):
        if node.id in env.refs:
            return env.refs[node.id]
        if env.resolve is not None:
            return env.resolve(node.id)
        raise MathError(f"Unknown metric or expression id {node.id!r}")
    if isinstance(node, Neg):
        return _apply(operator.mul, -1.0, evaluate(node.operand, env))
    if isinstance(node, Binary):
        return _apply(_OPS[node.op], evaluate(node.left, env), evaluate(node.right, env))
    if isinstance(node, Call):
        return _call(node, env)
    raise MathError(f"A string ({node.value!r}) is not a value")


def _apply(op: Callable[[float, float], float], a: Value, b: Value) -> Value:
    if isinstance(a, list):
        return [_series(_apply(op, s, b)) for s in a]
    if isinstance(b, list):
        return [_series(_apply(op, a, s)) for s in b]
    if isinstance(a, dict) and isinstance(b, dict):
        return _finite({t: op(v, b[t]) for t, v in a.items() if t in b})
    if isinstance(a, dict):
        return _finite({t: op(v, float(b)) for t, v in a.items()})  # type: ignore[arg-type]  # b is a float
    if isinstance(b, dict):
        return _finite({t: op(float(a), v) for t, v in b.items()})
    return op(a, b)


def _finite(s: Series) -> Series:
    return {t: v for t, v in s.items() if math.isfinite(v)}


def _series(v: Value) -> Series:
    if not isinstance(v, dict):
        raise MathError("Expected a time series")
    return v


_REDUCE: dict[str, Callable[[list[float]], float]] = {
    "SUM": math.fsum, "AVG": lambda xs: math.fsum(xs) / len(xs), "MIN": min, "MAX": max,
}


def _call(node: Call, env: Env) -> Value:
    name, args = node.name, node.args
    if name == BAND:
        return _band(args, env)
    if name == "METRICS":
        if len(args) > 1 or (args and not isinstance(args[0], Str)):
            raise MathError("METRICS takes no argument or one string")
        needle = args[0].value if args and isinstance(args[0], Str) else ""
        return [dict(s) for qid, label, s in env.metrics if needle in qid or needle in label]
    values = [evaluate(a, env) for a in args]
    if name in _REDUCE and len(values) == 1:
        return _reduce(_REDUCE[name], values[0])
    if name == "ABS" and len(values) == 1:
        return _apply(lambda a, _: abs(a), values[0], 0.0)
    if name == "FILL" and len(values) == 2 and isinstance(values[1], float):
        fill = values[1]
        if isinstance(values[0], list):
            return [{t: s.get(t, fill) for t in env.grid} for s in values[0]]
        return {t: _series(values[0]).get(t, fill) for t in env.grid}
    if name == "IF" and len(values) in (2, 3):
        return _if(*values)
    raise MathError(f"Unsupported function or arguments: {name}")


def band_call(node: Node) -> str | None:
    """The id an expression's outermost ANOMALY_DETECTION_BAND is of: 'ANOMALY_DETECTION_BAND(m1, 3)' -> 'm1'."""
    if isinstance(node, Call) and node.name == BAND and node.args and isinstance(node.args[0], Ref):
        return node.args[0].id
    return None


def _band(args: tuple[Node, ...], env: Env) -> Value:
    if not 1 <= len(args) <= 2 or not isinstance(args[0], Ref) or (len(args) == 2 and not isinstance(args[1], Num)):
        raise MathError(f"{BAND} takes the id of a metric or expression and a number of standard deviations")
    if env.bands is None:
        raise MathError(f"{BAND} is not available here")
    stddevs = args[1].value if len(args) == 2 and isinstance(args[1], Num) else DEFAULT_STDDEVS
    return list(env.bands(args[0].id, stddevs))


def _reduce(f: Callable[[list[float]], float], v: Value) -> Value:
    if isinstance(v, list):
        stamps = sorted({t for s in v for t in s})
        return _finite({t: f([s[t] for s in v if t in s]) for t in stamps})
    if isinstance(v, dict):
        return f(list(v.values())) if v else {}
    return v


def _if(cond: Value, a: Value, b: Value | None = None) -> Value:
    """IF(cond, a, b): per timestamp of cond, a where cond is non-zero, else b (no point when b is absent)."""
    def pick(chosen: Value | None, t: int) -> float | None:
        if chosen is None or isinstance(chosen, float):
            return chosen
        if isinstance(chosen, dict):
            return chosen.get(t)
        raise MathError("IF takes series or scalars")

    if isinstance(cond, float):
        return a if cond else (b if b is not None else {})
    out: Series = {}
    for t, c in _series(cond).items():
        v = pick(a if c else b, t)
        if v is not None:
            out[t] = v
    return out
