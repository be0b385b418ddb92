"""PURE: State + routable servers -> Traefik v3 dynamic configuration (the contract is DESIGN.md's mapping table).

No I/O, no clock, no randomness: the same inputs give the same bytes (``serialize``), so Traefik's body hash
skips unchanged polls. Traefik's camelCase vocabulary lives here and in provider/matchers.py only.

Decisions (see README "Data plane"):
- all ForwardConfig weights 0: the rule matches and answers 503, like a target group without targets (Traefik's
  weighted service with no positive child answers 503 "no available server"); the rule does not fall through.
- query-string keys: Traefik looks keys up case-sensitively, so each key is tried in several spellings
  (matchers.key_variants); pairs without a key or with a wildcard key cannot be expressed and never match.
- two load balancers on one port: the oldest (created_time, arn) answers requests naming neither LB's host;
  the others' routers are qualified with ``Host(dns_name) || Host(<name>.localhost)`` and outrank it.
- fixed-response: the router rewrites the path to ``/__fixed/<rule-id>`` and forwards to this server, which
  answers with the rule's stored status, content type and body.
- redirect: ``redirectRegex``; Traefik answers the configured 301/302 for GET only and 308/307 for other methods
  (ALB answers 301/302 for every method). The Location always carries the port, as ALB's does.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from provider.elbv2.model import (
    Action,
    ActionType,
    FixedResponse,
    Forward,
    Listener,
    LoadBalancer,
    Protocol,
    Redirect,
    Rule,
    State,
    TargetGroup,
)
from provider.matchers import go_quote, rule_expr

Config = dict[str, Any]
Servers = Mapping[str, Sequence[tuple[str, int]]]

FIXED_PATH_PREFIX = "/__fixed/"
FIXED_SERVICE = "elbv2-fixed-response"
PLACEHOLDER_SERVICE = "elbv2-placeholder"
UNAVAILABLE_SERVICE = "elbv2-unavailable"  # a loadBalancer without servers: Traefik answers 503
INSECURE_TRANSPORT = "elbv2-insecure"  # ALB does not verify target certificates
RULE_PRIORITY_BASE = 100_000  # ALB priority p (1..50000) -> 100000 - p; the default rule gets 1
QUALIFIED_BOOST = 200_000  # routers qualified by LB host outrank every unqualified router on the port
_UNSAFE_NAME = re.compile(r"[^A-Za-z0-9_.-]")
# scheme://host[:port]/path?query as Traefik's redirectRegex sees it (host may be an IPv6 literal)
_REDIRECT_REGEX = r"^[A-Za-z][A-Za-z0-9+.-]*://(\[[^\]]*\]|[^/:?]*)(?::[0-9]*)?/?([^?]*)(\?(.*))?$"


@dataclass(frozen=True)
class CompileOptions:
    """``fixed_response_url``: how Traefik reaches this server, e.g. ``http://127.0.0.1:8080``."""

    fixed_response_url: str


def entry_point(port: int) -> str:
    """``80`` -> ``listener80``."""
    return f"listener{port}"


def rule_key(rule: Rule) -> str:
    """The id at the end of a rule ARN, used in names and in ``/__fixed/<key>``."""
    return _safe(rule.arn.rsplit("/", 1)[-1])


def fixed_responses(state: State) -> dict[str, FixedResponse]:
    """``/__fixed/<key>`` -> the response to give: ``{"9683b2d02a6cabee": FixedResponse("404", ...)}``."""
    return {rule_key(r): a.fixed_response for r in state.rules.values() for a in r.actions if a.fixed_response}


def compile_config(state: State, servers: Servers, options: CompileOptions, port: int | None = None) -> Config:
    """The whole dynamic config, or only listener ``port``'s part; never empty (see ``_complete``).

    ``servers`` maps a target group ARN to its routable ``(host, port)`` endpoints, already sorted.
    """
    builder = _Builder(state, servers, options)
    for listener in sorted(state.listeners.values(), key=lambda li: (li.port, li.arn)):
        if port is None or listener.port == port:
            builder.add_listener(listener)
    return _complete(builder.http, options)


def for_port(config: Config, port: int) -> Config:
    """The routers on ``listener<port>`` and only the services, middlewares and transports they use
    (plus the placeholder service, so a port without routers still gets a complete config)."""
    http = config["http"]
    routers = {n: r for n, r in http.get("routers", {}).items() if r.get("entryPoints") == [entry_point(port)]}
    services: dict[str, Any] = {}
    pending = [r["service"] for r in routers.values()]
    while pending:
        name = pending.pop()
        if name in services or name not in http.get("services", {}):
            continue
        services[name] = http["services"][name]
        pending.extend(child["name"] for child in services[name].get("weighted", {}).get("services", []))
    used_mw = {m for r in routers.values() for m in r.get("middlewares", [])}
    middlewares = {n: m for n, m in http.get("middlewares", {}).items() if n in used_mw}
    used_tr = {s["loadBalancer"].get("serversTransport") for s in services.values() if "loadBalancer" in s}
    transports = {n: t for n, t in http.get("serversTransports", {}).items() if n in used_tr}
    services[PLACEHOLDER_SERVICE] = http["services"][PLACEHOLDER_SERVICE]
    part = {"routers": routers, "services": services, "middlewares": middlewares, "serversTransports": transports}
    return {"http": {k: v for k, v in part.items() if v}}


def serialize(config: Config) -> bytes:
    """Canonical bytes: sorted keys, compact separators, ASCII: ``{"b":1,"a":[]}`` -> ``b'{"a":[],"b":1}'``."""
    return json.dumps(config, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()


def _complete(http: Config, options: CompileOptions) -> Config:
    """Drop empty sections (Traefik rejects ``"routers": {}``) and always keep one harmless, unreferenced
    service, so that a state with nothing to route still gives a complete config (``{}`` would be applied)."""
    http["services"][PLACEHOLDER_SERVICE] = _load_balancer([options.fixed_response_url])
    return {"http": {k: v for k, v in http.items() if v}}


def _safe(name: str) -> str:
    return _UNSAFE_NAME.sub("_", name)


def _load_balancer(urls: Sequence[str], sticky: dict[str, Any] | None = None, transport: str | None = None) -> Config:
    lb: dict[str, Any] = {"passHostHeader": True, "servers": [{"url": u} for u in urls]}
    if sticky:
        lb["sticky"] = sticky
    if transport:
        lb["serversTransport"] = transport
    return {"loadBalancer": lb}


def _cookie(name: str, max_age: int, secure: bool) -> dict[str, Any]:
    return {"cookie": {"name": name, "maxAge": max_age, "httpOnly": True, "secure": secure, "path": "/"}}


def _server_url(scheme: str, host: str, port: int) -> str:
    """``("http", "::1", 80)`` -> ``http://[::1]:80``."""
    return f"{scheme}://[{host}]:{port}" if ":" in host else f"{scheme}://{host}:{port}"


def _tg_stickiness(tg: TargetGroup) -> tuple[str, int] | None:
    """(cookie name, max age) when the TG attribute ``stickiness.enabled`` is true."""
    if tg.attribute("stickiness.enabled") != "true":
        return None
    if tg.attribute("stickiness.type") == "app_cookie":  # approximation: Traefik issues its own cookie
        return "AWSALBAPP", int(tg.attribute("stickiness.app_cookie.duration_seconds") or 86400)
    return "AWSALB", int(tg.attribute("stickiness.lb_cookie.duration_seconds") or 86400)


class _Builder:
    def __init__(self, state: State, servers: Servers, options: CompileOptions) -> None:
        self.state, self.servers, self.options = state, servers, options
        self.http: dict[str, dict[str, Any]] = {"routers": {}, "services": {}, "middlewares": {}}
        self.tg_names = self._tg_service_names()
        self.stickiness: dict[str, tuple[str, int] | None] = {}
        by_port: dict[int, dict[str, LoadBalancer]] = {}
        for li in state.listeners.values():
            lb = state.load_balancers.get(li.load_balancer_arn)
            if lb:
                by_port.setdefault(li.port, {})[lb.arn] = lb
        self.lbs_by_port = {
            port: sorted(lbs.values(), key=lambda lb: (lb.created_time, lb.arn)) for port, lbs in by_port.items()
        }

    def _tg_service_names(self) -> dict[str, str]:
        """``tg-<name>``; names shared by several TGs (other regions) get the ARN's id appended."""
        count: dict[str, int] = {}
        for tg in self.state.target_groups.values():
            count[tg.name] = count.get(tg.name, 0) + 1
        return {
            arn: _safe(f"tg-{tg.name}" if count[tg.name] == 1 else f"tg-{tg.name}-{arn.rsplit('/', 1)[-1]}")
            for arn, tg in self.state.target_groups.items()
        }

    def add_listener(self, listener: Listener) -> None:
        lb = self.state.load_balancers.get(listener.load_balancer_arn)
        if lb is None:
            return
        peers = self.lbs_by_port.get(listener.port, [lb])
        qualifier = None
        if peers[0] != lb:
            qualifier = f"(Host({go_quote(lb.dns_name)}) || Host({go_quote(lb.name + '.localhost')}))"
        for rule in self.state.rules_by_listener.get(listener.arn, ()):
            self._add_rule(lb, listener, rule, qualifier)

    def _add_rule(self, lb: LoadBalancer, listener: Listener, rule: Rule, qualifier: str | None) -> None:
        expr = rule_expr(rule.conditions) if rule.priority is not None else 'PathPrefix("/")'
        action = _terminal_action(rule)
        if expr is None or action is None:  # a rule that can never match routes nothing
            return
        key = rule_key(rule)
        priority = 1 if rule.priority is None else RULE_PRIORITY_BASE - rule.priority
        if qualifier:
            expr, priority = f"{expr} && {qualifier}", priority + QUALIFIED_BOOST
        label = "default" if rule.priority is None else f"p{rule.priority}"
        router: dict[str, Any] = {
            "entryPoints": [entry_point(listener.port)],
            "priority": priority,
            "rule": expr,
        }
        if listener.protocol == Protocol.HTTPS:
            router["tls"] = {}
        secure = listener.protocol == Protocol.HTTPS
        if action.forward is not None:
            router["service"] = self._forward(key, action.forward, secure)
        elif action.redirect is not None:
            router["middlewares"] = [self._redirect(key, action.redirect, listener)]
            router["service"] = "noop@internal"
        elif action.fixed_response is not None:
            self.http["middlewares"][f"fixed-{key}"] = {"replacePath": {"path": FIXED_PATH_PREFIX + key}}
            self.http["services"][FIXED_SERVICE] = _load_balancer([self.options.fixed_response_url])
            router["middlewares"] = [f"fixed-{key}"]
            router["service"] = FIXED_SERVICE
        self.http["routers"][_safe(f"{lb.name}-{listener.port}-{label}-{key}")] = router

    def _forward(self, key: str, forward: Forward, secure: bool) -> str:
        children = [(self._tg_service(t.arn, secure), t.weight) for t in forward.target_groups]
        if len(children) == 1 and not forward.stickiness_enabled:
            return children[0][0]
        weighted: dict[str, Any] = {"services": [{"name": n, "weight": w} for n, w in children]}
        if forward.stickiness_enabled:
            weighted["sticky"] = _cookie("AWSALBTG", forward.stickiness_duration or 86400, secure)
        name = f"rule-{key}"
        self.http["services"][name] = {"weighted": weighted}
        return name

    def _tg_service(self, tg_arn: str, secure: bool) -> str:
        """``tg-<name>``; a sticky TG used by an HTTPS listener gets a ``-tls`` variant whose cookie is Secure."""
        tg = self.state.target_groups.get(tg_arn)
        if tg is None:
            self.http["services"][UNAVAILABLE_SERVICE] = _load_balancer([])
            return UNAVAILABLE_SERVICE
        if tg_arn not in self.stickiness:
            self.stickiness[tg_arn] = _tg_stickiness(tg)
        stickiness = self.stickiness[tg_arn]
        name = self.tg_names[tg_arn] + ("-tls" if stickiness and secure else "")
        if name not in self.http["services"]:
            scheme = "https" if tg.protocol == Protocol.HTTPS else "http"
            urls = [_server_url(scheme, h, p) for h, p in self.servers.get(tg_arn, ())]
            sticky = _cookie(stickiness[0], stickiness[1], secure) if stickiness else None
            transport = INSECURE_TRANSPORT if scheme == "https" else None
            if transport:
                self.http.setdefault("serversTransports", {})[transport] = {"insecureSkipVerify": True}
            self.http["services"][name] = _load_balancer(urls, sticky, transport)
        return name

    def _redirect(self, key: str, redirect: Redirect, listener: Listener) -> str:
        name = f"redirect-{key}"
        self.http["middlewares"][name] = {
            "redirectRegex": {
                "regex": _REDIRECT_REGEX,
                "replacement": redirect_replacement(redirect, listener),
                "permanent": redirect.status_code == "HTTP_301",
            }
        }
        return name


_TERMINAL = (ActionType.FORWARD, ActionType.REDIRECT, ActionType.FIXED_RESPONSE)


def _terminal_action(rule: Rule) -> Action | None:
    """The last action by Order (authenticate actions, if any, come before it)."""
    if len(rule.actions) == 1:
        return rule.actions[0] if rule.actions[0].type in _TERMINAL else None
    kinds = _TERMINAL
    terminal = [a for a in rule.actions if a.type in kinds]
    return max(terminal, key=lambda a: a.order or 0) if terminal else None


def redirect_replacement(redirect: Redirect, listener: Listener) -> str:
    """A Go regexp replacement for ``_REDIRECT_REGEX``: groups 1 host, 2 path without '/', 3 '?query', 4 query.

    Protocol and port come from the listener (known when compiling). An empty query adds no ``?``:
    defaults on an HTTP:80 listener with protocol HTTPS, port 443 -> ``https://${1}:443/${2}${3}``.
    """
    protocol = listener.protocol.value.lower()
    listener_port = str(listener.port)
    values = {"#{protocol}": protocol, "#{port}": listener_port}

    def expand(template: str, *, query: str = "${4}") -> str:
        out, i = [], 0
        placeholders = {**values, "#{host}": "${1}", "#{path}": "${2}", "#{query}": query}
        while i < len(template):
            for ph, repl in placeholders.items():
                if template.startswith(ph, i):
                    out.append(repl if ph in ("#{host}", "#{path}", "#{query}") else repl.replace("$", "$$"))
                    i += len(ph)
                    break
            else:
                out.append("$$" if template[i] == "$" else template[i])
                i += 1
        return "".join(out)

    scheme = expand(redirect.protocol).lower()
    query = "${3}" if redirect.query == "#{query}" else ("?" + expand(redirect.query) if redirect.query else "")
    return f"{scheme}://{expand(redirect.host)}:{expand(redirect.port)}{expand(redirect.path)}{query}"
