"""PURE: one scrape's counter increments (Traefik's names) -> AWS/ApplicationELB increments (ALB's names).

Where each number comes from:
- a leaf service (a target group): RequestCount, HTTPCode_Target_nXX_Count, TargetResponseTime (its histogram and
  sum), TargetConnectionErrorCount. Traefik answers 502 "Bad Gateway" / 504 "Gateway Timeout" itself when a target
  cannot be reached or times out: a (service, code) increment whose bytes are exactly that text that many times is
  a connection error, not the target's answer; a 499 (the client left) is not the target's either.
- a router (a rule): fixed responses and redirects (RequestCount, HTTP_Fixed_Response_Count, HTTP_Redirect_Count),
  ProcessedBytes, and the status page's per rule and target group counts (RuleRequestCount, rule
  '<port>/<priority>'), split as ``_per_rule`` says.
- HTTPCode_ELB_*: per load balancer and status, what its routers answered minus what its targets answered. The
  two counters of one request are bumped a moment apart, so a scrape may see the target's first: a negative
  difference is carried to the next scrape (``carry``), never written, and the totals stay exact.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field

from provider.elbv2.model import ActionType
from provider.telemetry.buckets import index_of
from provider.telemetry.exposition import Labels, series
from provider.telemetry.names import Names, Route

log = logging.getLogger("elbv2.metrics")
_WARNED: set[str | None] = set()  # services whose unplaceable buckets were logged once

PROXY_TEXT = {502: len(b"Bad Gateway"), 504: len(b"Gateway Timeout")}
CLIENT_CLOSED = 499
RULE_REQUESTS = "RuleRequestCount"  # not a CloudWatch metric: the status page's per-rule count
RESPONSES = "TargetResponseTimeSamples"  # not a CloudWatch metric: TargetResponseTime's SampleCount
ANSWERED = {ActionType.FIXED_RESPONSE: "HTTP_Fixed_Response_Count", ActionType.REDIRECT: "HTTP_Redirect_Count"}

Key = tuple[str, str, str, str]  # (metric, load balancer, target group or '', rule or '')
Carry = dict[tuple[str, int], float]  # (load balancer, status) -> a deficit still to be made up (<= 0)


@dataclass
class Increments:
    counts: dict[Key, float] = field(default_factory=lambda: defaultdict(float))
    latency: dict[tuple[str, str], dict[int, float]] = field(default_factory=dict)  # (lb, tg) -> bucket -> n

    def add(self, metric: str, lb: str, value: float, tg: str = "", rule: str = "") -> None:
        if value:
            self.counts[(metric, lb, tg, rule)] += value


@dataclass
class _Read:
    """One scrape's increments by Traefik name: (name, status) -> value."""

    service: dict[tuple[str, int], float] = field(default_factory=lambda: defaultdict(float))
    service_bytes: dict[tuple[str, int], float] = field(default_factory=lambda: defaultdict(float))
    seconds: dict[tuple[str, int], float] = field(default_factory=lambda: defaultdict(float))
    cumulative: dict[tuple[tuple[str, str], ...], dict[int, float]] = field(default_factory=dict)  # labels -> le -> n
    router: dict[tuple[str, int], float] = field(default_factory=lambda: defaultdict(float))
    router_bytes: dict[str, float] = field(default_factory=lambda: defaultdict(float))

    def add(self, family: str, labels: Labels, delta: float) -> None:
        code = int(labels.get("code") or 0)
        if family == "traefik_service_requests_total":
            self.service[(labels["service"], code)] += delta
        elif family == "traefik_service_responses_bytes_total":
            self.service_bytes[(labels["service"], code)] += delta
        elif family == "traefik_service_request_duration_seconds_sum":
            self.seconds[(labels["service"], code)] += delta
        elif family == "traefik_service_request_duration_seconds_bucket":
            at = index_of(float(labels.pop("le")))
            buckets = self.cumulative.setdefault(tuple(sorted(labels.items())), {})
            if at is None:  # not our bounds: this series' latencies cannot be placed (its counts still can)
                buckets[-1] = delta
            else:
                buckets[at] = delta
        elif family == "traefik_router_requests_total":
            self.router[(labels["router"], code)] += delta
        elif family in ("traefik_router_requests_bytes_total", "traefik_router_responses_bytes_total"):
            self.router_bytes[labels["router"]] += delta

    def histograms(self) -> dict[tuple[str, int], dict[int, float]]:
        """(service, status) -> bucket -> observations, from the cumulative bucket increments of each label set."""
        out: dict[tuple[str, int], dict[int, float]] = {}
        for label_set, cumulative in self.cumulative.items():
            if -1 in cumulative:
                service = dict(label_set).get("service")
                if service not in _WARNED:
                    _WARNED.add(service)
                    log.warning("the latency buckets of %s are not the provider's: set Traefik's"
                                " metrics.prometheus.buckets as traefik/traefik.yml does", service)
                continue
            labels = dict(label_set)
            hist = out.setdefault((labels["service"], int(labels.get("code") or 0)), defaultdict(float))
            for i in sorted(cumulative):
                n = cumulative[i] - cumulative.get(i - 1, 0.0)  # an unchanged lower bucket grew by 0
                if n:
                    hist[i] += n
        return out


def increments(deltas: dict[str, float], names: Names, carry: Carry) -> Increments:
    """ALB's increments from ``deltas`` (series key -> increment since the last scrape); ``carry`` is updated."""
    read = _Read()
    for key, delta in deltas.items():
        family, labels = series(key)
        read.add(family, labels, delta)
    out = Increments()
    answered: dict[tuple[str, int], float] = defaultdict(float)  # (lb, status) the targets answered
    histograms = read.histograms()
    for (service, code), n in read.service.items():
        owner = names.service(service)
        if owner is None or not n:
            continue  # the placeholder, or the 503 of a group with no target: the load balancer answered
        lb, tg = owner
        out.add("RequestCount", lb, n, tg)
        if code in PROXY_TEXT and read.service_bytes[(service, code)] == n * PROXY_TEXT[code]:
            out.add("TargetConnectionErrorCount", lb, n, tg)
            continue
        if code == CLIENT_CLOSED:
            continue
        answered[(lb, code)] += n
        if 200 <= code < 600:
            out.add(f"HTTPCode_Target_{code // 100}XX_Count", lb, n, tg)
        out.add("TargetResponseTime", lb, read.seconds[(service, code)], tg)
        out.add(RESPONSES, lb, n, tg)
        if observed := histograms.get((service, code)):
            hist = out.latency.setdefault((lb, tg), defaultdict(float))
            for i, k in observed.items():
                hist[i] += k
    routed: dict[tuple[str, int], float] = defaultdict(float)
    rules: dict[tuple[str, str], tuple[Route, float]] = {}  # (lb, rule) -> its route and requests
    for (router, code), n in read.router.items():
        route = names.router(router)
        if route is None or not n:
            continue
        lb = route.load_balancer
        routed[(lb, code)] += n
        rules[(lb, route.rule)] = route, rules.get((lb, route.rule), (route, 0.0))[1] + n
        if route.action in ANSWERED:
            out.add("RequestCount", lb, n)
            out.add(ANSWERED[route.action], lb, n)
            out.add(RULE_REQUESTS, lb, n, rule=route.rule)
    _per_rule(out, rules)
    for router, size in read.router_bytes.items():
        route = names.router(router)
        if route is not None:
            out.add("ProcessedBytes", route.load_balancer, size)
    _elb(out, routed, answered, carry)
    return out


def _per_rule(out: Increments, rules: dict[tuple[str, str], tuple[Route, float]]) -> None:
    """RuleRequestCount per rule and target group. Traefik counts per rule and per group, not per pair: a rule
    forwarding to one group gets its own count; what is left of a group's count goes to the rules that split
    traffic over it, by the weights in force this second."""
    left = {(lb, tg): n for (m, lb, tg, _), n in out.counts.items() if m == "RequestCount" and tg}
    shared: dict[tuple[str, str], int] = defaultdict(int)  # (lb, group) -> the splitting rules' weights
    splitting: list[tuple[Route, dict[str, int]]] = []
    for route, n in rules.values():
        live = {tg: w for tg, w in route.weights.items() if w > 0}
        if route.action in ANSWERED or not live:
            continue
        if len(live) == 1:
            (tg,) = live
            out.add(RULE_REQUESTS, route.load_balancer, n, tg, route.rule)
            left[(route.load_balancer, tg)] = left.get((route.load_balancer, tg), 0.0) - n
            continue
        splitting.append((route, live))
        for tg, w in live.items():
            shared[(route.load_balancer, tg)] += w
    for route, live in splitting:
        for tg, w in live.items():
            key = (route.load_balancer, tg)
            out.add(RULE_REQUESTS, route.load_balancer, max(left.get(key, 0.0), 0.0) * w / shared[key], tg, route.rule)


def _elb(out: Increments, routed: dict[tuple[str, int], float], answered: dict[tuple[str, int], float],
         carry: Carry) -> None:
    """HTTPCode_ELB_*: routed minus answered per load balancer and status, deficits carried."""
    for lb, code in set(routed) | set(answered) | set(carry):
        if code < 300:
            continue
        made = routed.get((lb, code), 0.0) - answered.get((lb, code), 0.0) + carry.pop((lb, code), 0.0)
        if made < 0:
            carry[(lb, code)] = made
            continue
        if code < 600:
            out.add(f"HTTPCode_ELB_{code // 100}XX_Count", lb, made)
        if code in (500, 502, 503, 504):
            out.add(f"HTTPCode_ELB_{code}_Count", lb, made)
