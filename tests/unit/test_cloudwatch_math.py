"""Metric math: parse and evaluate, table-driven (provider/cloudwatch/math.py)."""

from __future__ import annotations

import pytest

from provider.cloudwatch.band import band
from provider.cloudwatch.math import Binary, Call, Env, MathError, Neg, Num, Ref, Str, Value, band_call, evaluate, parse

ERRORS = {0: 5.0, 60_000: 1.0}
REQUESTS = {0: 100.0, 60_000: 0.0, 120_000: 4.0}
ENV = Env(
    {"errors": ERRORS, "requests": REQUESTS, "half": 0.5},
    metrics=[("errors", "Errors", ERRORS), ("requests", "Requests", REQUESTS)],
    grid=[0, 60_000, 120_000, 180_000],
)


@pytest.mark.parametrize(
    ("text", "tree"),
    [
        pytest.param("a / b", Binary("/", Ref("a"), Ref("b")), id="division"),
        pytest.param("a + b * 2", Binary("+", Ref("a"), Binary("*", Ref("b"), Num(2.0))), id="precedence"),
        pytest.param("(a + b) * 2", Binary("*", Binary("+", Ref("a"), Ref("b")), Num(2.0)), id="parentheses"),
        pytest.param("a - b - c", Binary("-", Binary("-", Ref("a"), Ref("b")), Ref("c")), id="left-assoc"),
        pytest.param("-a", Neg(Ref("a")), id="unary-minus"),
        pytest.param("a >= 0.5", Binary(">=", Ref("a"), Num(0.5)), id="comparison"),
        pytest.param("fill(m, 0)", Call("FILL", (Ref("m"), Num(0.0))), id="function-any-case"),
        pytest.param("METRICS('err')", Call("METRICS", (Str("err"),)), id="string-arg"),
        pytest.param("METRICS()", Call("METRICS", ()), id="no-args"),
        pytest.param("1e3", Num(1000.0), id="exponent"),
    ],
)
def test_parse(text: str, tree: object) -> None:
    assert parse(text) == tree


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("", id="empty"),
        pytest.param("a /", id="dangling-operator"),
        pytest.param("(a + b", id="unclosed"),
        pytest.param("a b", id="two-operands"),
        pytest.param("a $ b", id="unknown-token"),
        pytest.param("SUM(a,)", id="trailing-comma"),
    ],
)
def test_parse_rejects(text: str) -> None:
    with pytest.raises(MathError):
        parse(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("errors / requests", {0: 0.05}, id="argo-rate: aligned, division by zero leaves no point"),
        pytest.param("errors / requests * 100", {0: 5.0}, id="percent"),
        pytest.param("errors + 1", {0: 6.0, 60_000: 2.0}, id="series-plus-scalar"),
        pytest.param("10 - errors", {0: 5.0, 60_000: 9.0}, id="scalar-minus-series"),
        pytest.param("-errors", {0: -5.0, 60_000: -1.0}, id="negate"),
        pytest.param("errors * half", {0: 2.5, 60_000: 0.5}, id="scalar-ref"),
        pytest.param("2 * (3 + 4)", 14.0, id="scalars-only"),
        pytest.param("errors > 2", {0: 1.0, 60_000: 0.0}, id="comparison-gives-1-or-0"),
        pytest.param("errors != 5", {0: 0.0, 60_000: 1.0}, id="not-equal"),
        pytest.param("SUM(METRICS())", {0: 105.0, 60_000: 1.0, 120_000: 4.0}, id="sum-across-series"),
        pytest.param("MAX(METRICS())", {0: 100.0, 60_000: 1.0, 120_000: 4.0}, id="max-across-series"),
        pytest.param("MIN(METRICS('Err'))", {0: 5.0, 60_000: 1.0}, id="metrics-filter-by-label"),
        pytest.param("SUM(errors)", 6.0, id="sum-of-one-series-is-scalar"),
        pytest.param("AVG(requests)", 104.0 / 3, id="avg-of-one-series"),
        pytest.param("MIN(requests)", 0.0, id="min-of-one-series"),
        pytest.param("FILL(errors, 0)", {0: 5.0, 60_000: 1.0, 120_000: 0.0, 180_000: 0.0}, id="fill-gaps"),
        pytest.param("FILL(errors, 0) / requests", {0: 0.05, 120_000: 0.0}, id="fill-then-divide"),
        pytest.param("IF(requests > 1, errors / requests, 0)", {0: 0.05, 60_000: 0.0}, id="if-else"),
        pytest.param("IF(requests > 1, requests)", {0: 100.0, 120_000: 4.0}, id="if-without-else-drops"),
        pytest.param("IF(1, errors, requests)", ERRORS, id="if-scalar-condition"),
        pytest.param("ABS(-errors)", ERRORS, id="abs"),
        pytest.param("METRICS() * 2", [{0: 10.0, 60_000: 2.0}, {0: 200.0, 60_000: 0.0, 120_000: 8.0}], id="array-op"),
    ],
)
def test_evaluate(text: str, expected: Value) -> None:
    got = evaluate(parse(text), ENV)
    if isinstance(expected, float):
        assert got == pytest.approx(expected)
    else:
        assert got == expected


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("nothing * 2", id="unknown-id"),
        pytest.param("FOO(errors)", id="unknown-function"),
        pytest.param("FILL(errors)", id="fill-needs-a-value"),
        pytest.param("METRICS(errors)", id="metrics-takes-a-string"),
        pytest.param("'text' + 1", id="string-is-no-value"),
        pytest.param("ANOMALY_DETECTION_BAND(errors)", id="band-needs-a-source"),
        pytest.param("ANOMALY_DETECTION_BAND(2)", id="band-of-a-number"),
        pytest.param("ANOMALY_DETECTION_BAND(errors, 'two')", id="band-stddevs-a-string"),
    ],
)
def test_evaluate_rejects(text: str) -> None:
    with pytest.raises(MathError):
        evaluate(parse(text), ENV)


def test_band_asks_its_source_for_the_id_and_stddevs() -> None:
    asked: list[tuple[str, float]] = []

    def source(qid: str, stddevs: float) -> list[dict[int, float]]:
        asked.append((qid, stddevs))
        return [{0: 3.0}, {0: 1.0}]

    env = Env({}, bands=source)
    assert evaluate(parse("ANOMALY_DETECTION_BAND(m1, 3)"), env) == [{0: 3.0}, {0: 1.0}]
    assert evaluate(parse("ANOMALY_DETECTION_BAND(m1) * 2"), env) == [{0: 6.0}, {0: 2.0}]
    assert asked == [("m1", 3.0), ("m1", 2.0)]
    assert band_call(parse("ANOMALY_DETECTION_BAND(m1, 3)")) == "m1"
    assert band_call(parse("m1 * 2")) is None


@pytest.mark.parametrize(
    ("history", "excluded", "expected"),
    [
        pytest.param({0: 1.0, 1: 1.0}, (), {}, id="too-little-history"),
        pytest.param({0: 2.0, 1: 2.0, 2: 2.0}, (), {3: (2.0, 2.0)}, id="flat-history-is-a-line"),
        pytest.param({0: 4.0, 1: 6.0, 2: 4.0, 3: 6.0}, (), {4: (3.0, 7.0)}, id="mean-and-stddev"),
        pytest.param({0: 4.0, 1: 6.0, 2: 4.0, 3: 6.0, 4: 99.0}, ((4, 5),), {5: (3.0, 7.0)}, id="excluded-range"),
        pytest.param({-100: 50.0, 0: 4.0, 1: 6.0, 2: 4.0, 3: 6.0}, (), {4: (3.0, 7.0)}, id="outside-the-window"),
    ],
)
def test_band_model(history: dict[int, float], excluded: tuple[tuple[int, int], ...],
                    expected: dict[int, tuple[float, float]]) -> None:
    stamp = max(history) + 1
    upper, lower = band(history, [stamp], 2.0, excluded, training_ms=50)
    assert {t: (lower[t], upper[t]) for t in upper} == expected
