"""PURE: State + routable servers -> Traefik v3 dynamic configuration (the contract: docs/architecture.md).

No I/O, no clock, no randomness, no module state: the same inputs give the same bytes, so Traefik's body hash skips
unchanged polls. The one thing it writes is the memo its caller hands it.

The config is built as JSON text per entry (provider/compiler/dynamic.py). A caller that compiles again and again
(the config endpoint) passes a ``CompileMemo`` (provider/compiler/memo.py), so a recompile after one API change
redoes one rule's work; the output does not depend on it.

Decisions (README, "Where this differs from AWS"):
- all ForwardConfig weights 0: the rule matches and answers 503, like a target group without targets (Traefik's
  weighted service with no positive child answers 503 "no available server"); the rule does not fall through.
- query-string keys: Traefik looks keys up case-sensitively, so each key is tried in several spellings
  (matchers.key_variants); pairs without a key or with a wildcard key cannot be expressed and never match.
- two load balancers on one port: the oldest (created_time, arn) answers requests naming neither LB's host;
  the others' routers are qualified with ``Host(dns_name) || Host(<name>.localhost)`` and outrank it.
- fixed-response, redirect and transforms: one ``alb`` plugin middleware per rule (provider/compiler/answers.py,
  plugin.py), after the listener's response-headers middleware, so those headers are on its answers too.
- sign-in: while any rule signs users in, every listener port also answers the Host
  ``public-keys.auth.elb.<region>.amazonaws.com`` of each signing load balancer's region (this server serves the
  keys by kid), HTTPS ports with a certificate for it from the local CA; so an application that builds AWS's URL
  from its region reaches the keys through one hosts-file line.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from provider.compiler.answers import (
    ANSWERED_SERVICE,
    CALLBACK_PATH,
    SIGNIN_SERVICE,
    fixed_options,
    jwt_options,
    oidc_options,
    redirect_options,
    rule_key,
    transform_options,
)
from provider.compiler.connection import Connection, client_auth, connection
from provider.compiler.dynamic import (
    PLACEHOLDER_SERVICE,
    DynamicConfig,
    DynamicEntries,
    cookie,
    entry,
    for_port,
    load_balancer,
    router_entry,
    safe_name,
    serialize,
    weighted_entry,
)
from provider.compiler.groups import INSECURE_TRANSPORT, Weights, group_service
from provider.compiler.matchers import go_quote, rule_expr
from provider.compiler.memo import CompileMemo, ListenerText, RuleText, TgText
from provider.compiler.public_keys import public_key_routers
from provider.compiler.tls import KeyPair, ListenerTls, listener_tls
from provider.compiler.tls import render as render_tls
from provider.elbv2.arns import region_of
from provider.elbv2.authenticate_cognito import sign_in
from provider.elbv2.load_balancer_attributes import access_logs_enabled, tls_headers_enabled
from provider.elbv2.model import (
    STICKINESS_SECONDS,
    TERMINAL_ACTIONS,
    Action,
    Listener,
    LoadBalancer,
    MutualAuthentication,
    ProtocolName,
    Rule,
    State,
    TrustStore,
)
from provider.elbv2.response_headers import request_header_names, response_headers
from provider.traefik import plugin

__all__ = [
    "PLACEHOLDER_SERVICE",
    "CompileMemo",
    "CompileOptions",
    "KeyPair",
    "compile_config",
    "compile_entries",
    "for_port",
    "serialize",
]

Servers = Mapping[str, Sequence[tuple[str, int]]]

UNAVAILABLE_SERVICE = "elbv2-unavailable"  # a loadBalancer without servers: Traefik answers 503
RULE_PRIORITY_BASE = 100_000  # ALB priority p (1..50000) -> 100000 - p; the default rule gets 1
QUALIFIED_BOOST = 200_000  # routers qualified by LB host outrank every unqualified router on the port
CALLBACK_PRIORITY = 2 * QUALIFIED_BOOST  # ALB answers /oauth2/idpresponse itself, before any rule
PUBLIC_KEYS_PRIORITY = CALLBACK_PRIORITY + 1  # and the signing keys' host name, before that


@dataclass(frozen=True)
class CompileOptions:
    """``fixed_response_url``: how Traefik reaches this server, e.g. ``http://127.0.0.1:8080``; ``session_key``:
    the key sealing authenticate-oidc sessions (the plugin opens them)."""

    fixed_response_url: str
    session_key: bytes = b""


def compile_entries(
    state: State,
    servers: Servers,
    options: CompileOptions,
    memo: CompileMemo | None = None,
    weights: Mapping[str, Weights] | None = None,
    certificates: Mapping[str, KeyPair] | None = None,
    public_keys: Mapping[str, KeyPair] | None = None,
) -> DynamicEntries:
    """``servers``: target group ARN -> routable ``(host, port)`` endpoints, sorted; ``weights``: a group whose
    target ramps up (slow start) -> its servers' weights. ``memo``: the last compile's texts, updated (the config
    endpoint owns one); without it, nothing is reused. ``certificates``: certificate ARN -> what HTTPS listeners
    serve (those not in it are not served). ``public_keys``: region -> the certificate of its signing keys' host
    name (regions without one are answered on HTTP ports only)."""
    builder = _Builder(state, servers, options, memo or CompileMemo(), weights or {}, certificates or {},
                       public_keys or {})
    for listener in sorted(state.listeners.values(), key=lambda li: (li.port, li.arn)):
        builder.add_listener(listener)
    return builder.finish()


def compile_config(
    state: State, servers: Servers, options: CompileOptions, port: int | None = None,
    certificates: Mapping[str, KeyPair] | None = None, public_keys: Mapping[str, KeyPair] | None = None,
) -> DynamicConfig:
    """The whole dynamic config as a dict, or only listener ``port``'s part (for tests and tools; the server
    serves ``compile_entries(...).render()``). Never empty: a placeholder service is always there."""
    entries = compile_entries(state, servers, options, certificates=certificates, public_keys=public_keys)
    result: DynamicConfig = json.loads(entries.render(port))
    return result


def _terminal_action(rule: Rule) -> Action | None:
    """The last action (actions are kept in Order; a jwt-validation, if any, comes before it)."""
    return rule.actions[-1] if rule.actions and rule.actions[-1].type in TERMINAL_ACTIONS else None


class _Builder:
    def __init__(
        self, state: State, servers: Servers, options: CompileOptions, memo: CompileMemo,
        weights: Mapping[str, Weights], certificates: Mapping[str, KeyPair], public_keys: Mapping[str, KeyPair],
    ) -> None:
        self.state, self.servers, self.options, self.memo, self.weights = state, servers, options, memo, weights
        self.certificates, self.public_keys = certificates, public_keys
        self.secure_ports: dict[int, bool] = {}  # listener port -> HTTPS (its first listener's protocol)
        self.signing_regions: set[str] = set()  # regions of the load balancers whose rules sign users in
        self.tls: dict[int, list[tuple[int, ListenerTls]]] = {}  # port -> (rank of its load balancer, part)
        self.entries = DynamicEntries()
        self.tg_names = self._tg_service_names()
        self.tgs: dict[tuple[str, bool], TgText | None] = {}
        self.old_tgs, self.new_tgs = memo.tgs, dict[tuple[int, bool], TgText]()
        self.old_listeners, self.new_listeners = memo.listeners, dict[str, ListenerText]()
        self.unavailable = entry(UNAVAILABLE_SERVICE, load_balancer([]))
        self.answered = entry(ANSWERED_SERVICE, load_balancer([]))
        self.signin = entry(SIGNIN_SERVICE, load_balancer([options.fixed_response_url]))
        self.insecure = entry(INSECURE_TRANSPORT, {"insecureSkipVerify": True})
        by_port: dict[int, dict[str, LoadBalancer]] = {}
        for li in state.listeners.values():
            lb = state.load_balancers.get(li.load_balancer_arn)
            if lb:
                by_port.setdefault(li.port, {})[lb.arn] = lb
        self.lbs_by_port = {
            port: sorted(lbs.values(), key=lambda lb: (lb.created_time, lb.arn)) for port, lbs in by_port.items()
        }

    def finish(self) -> DynamicEntries:
        self.memo.keep(self.new_tgs, self.new_listeners)
        regions = sorted(self.signing_regions)
        extra = [self.public_keys[r] for r in regions if r in self.public_keys]
        for port, (name, router) in public_key_routers(self.secure_ports, regions, self.public_keys,
                                                            PUBLIC_KEYS_PRIORITY).items():
            self.entries.merge(port, "routers", {name: router})
            self.entries.merge(port, "services", {SIGNIN_SERVICE: self.signin})
        every: list[ListenerTls] = []
        for port in sorted(self.tls):
            parts = [part for _, part in sorted(self.tls[port], key=lambda ranked: ranked[0])]
            self.entries.tls[port] = render_tls(parts, extra)
            every.extend(parts)
        if every:
            self.entries.tls[None] = render_tls(every, extra)
        placeholder = load_balancer([self.options.fixed_response_url])
        self.entries.sections["services"][PLACEHOLDER_SERVICE] = entry(PLACEHOLDER_SERVICE, placeholder)
        return self.entries

    def _tg_service_names(self) -> dict[str, str]:
        """``tg-<name>``; names shared by several TGs (other regions) get the ARN's id appended."""
        count: dict[str, int] = {}
        for tg in self.state.target_groups.values():
            count[tg.name] = count.get(tg.name, 0) + 1
        return {
            arn: safe_name(f"tg-{tg.name}" if count[tg.name] == 1 else f"tg-{tg.name}-{arn.rsplit('/', 1)[-1]}")
            for arn, tg in self.state.target_groups.items()
        }

    def _mutual(self, listener: Listener) -> tuple[MutualAuthentication | None, TrustStore | None]:
        """An HTTPS listener's mutual authentication and, in verify mode, its trust store; (None, None) otherwise."""
        m = listener.mutual_authentication
        if listener.protocol != ProtocolName.HTTPS or m is None:
            return None, None
        return m, self.state.trust_stores.get(m.trust_store_arn or "")

    def add_listener(self, listener: Listener) -> None:
        lb = self.state.load_balancers.get(listener.load_balancer_arn)
        if lb is None:
            return
        peers = self.lbs_by_port.get(listener.port, [lb])
        self.secure_ports.setdefault(listener.port, listener.protocol == ProtocolName.HTTPS)
        mutual, store = self._mutual(listener)
        if listener.protocol == ProtocolName.HTTPS:  # the oldest load balancer's listener gives the port's defaults
            ordered = sorted(listener.certificates, key=lambda c: not c.is_default)
            part = listener_tls(listener.ssl_policy, [c.arn for c in ordered], self.certificates,
                                client_auth(mutual, store.bundle if store else None))
            self.tls.setdefault(listener.port, []).append((peers.index(lb) if lb in peers else 0, part))
        qualifier = None
        if peers[0] != lb:
            qualifier = f"(Host({go_quote(lb.dns_name)}) || Host({go_quote(lb.name + '.localhost')}))"
        rules = self.state.rules_by_listener.get(listener.arn, ())
        # Equal when unchanged: the store keeps unchanged objects, so these compare by identity, element-wise.
        logged = access_logs_enabled(lb)
        tls = connection(
            listener.protocol == ProtocolName.HTTPS and tls_headers_enabled(lb), mutual,
            store.bundle if store else None, store.revoked if store else (),
            tuple(sorted(request_header_names(listener.attributes).items())),
        )  # fmt: skip
        context = (rules, lb.name, qualifier, self.state.target_groups, logged, tls)
        out = self.old_listeners.get(listener.arn)
        if out is None or out.listener is not listener or out.context != context:
            # Rule texts carry the LB name, qualifier, port, TLS and logging: reusable only while those stay the same.
            place = (
                lb.name, qualifier, logged, tls, listener.port, listener.protocol,
                bool(response_headers(listener.attributes)),
            )  # fmt: skip
            reusable = out is not None and (
                *out.context[1:3], *out.context[4:6], out.listener.port, out.listener.protocol,
                bool(response_headers(out.listener.attributes)),
            ) == place  # fmt: skip
            out = self._listener(listener, context, out.rules if out is not None and reusable else {})
        self.new_listeners[listener.arn] = out
        if out.signs_in:
            self.signing_regions.add(region_of(lb.arn))
        port = listener.port
        for section, texts in out.texts.items():
            self.entries.merge(port, section, texts)
        shared: dict[str, dict[str, str]] = {"services": {}, "serversTransports": {}}
        for arn, secure in out.target_groups:
            tg = self._tg(arn, secure)
            if tg is None:
                shared["services"][UNAVAILABLE_SERVICE] = self.unavailable
                continue
            shared["services"][tg.name] = tg.text
            if tg.https:
                shared["serversTransports"][INSECURE_TRANSPORT] = self.insecure
        for section, texts in shared.items():
            self.entries.merge(port, section, texts)

    def _listener(self, listener: Listener, context: tuple[Any, ...], memo: dict[int, RuleText]) -> ListenerText:
        rules, lb_name, qualifier, _, logged, tls = context
        secure = listener.protocol == ProtocolName.HTTPS
        texts: dict[str, dict[str, str]] = {"routers": {}, "services": {}, "middlewares": {}}
        routers, used, outs = texts["routers"], set[str](), dict[int, RuleText]()
        names: dict[str, str] = {}  # target group ARN -> its service name on this listener
        headers, headers_name = response_headers(listener.attributes), ""
        if headers:  # first on every router, so the plugin's answers get the headers too
            headers_name = safe_name(f"{lb_name}-{listener.port}-headers")
            texts["middlewares"][headers_name] = entry(headers_name, {"headers": {"customResponseHeaders": headers}})

        def child(arn: str) -> str:
            if arn not in names:
                tg = self._tg(arn, secure)
                names[arn] = UNAVAILABLE_SERVICE if tg is None else tg.name
            return names[arn]

        for rule in rules:
            action = _terminal_action(rule)
            if action is None:
                continue
            forward = action.forward
            arns = [t.arn for t in forward.target_groups] if forward else []
            children = " ".join([child(a) for a in arns])  # service names have no spaces (``_safe``)
            out = memo.get(id(rule))
            if out is None or out.rule is not rule or out.children != children:
                out = self._rule(rule, action, children, lb_name, listener, qualifier, headers_name, logged, tls)
            outs[id(rule)] = out
            if not out.name:  # a rule that can never match routes nothing
                continue
            routers[out.name] = out.router
            if out.extra:
                texts["services"][out.extra_name] = out.extra
            if out.middleware:
                texts["middlewares"][out.middleware_name] = out.middleware
            if forward is None:
                texts["services"][ANSWERED_SERVICE] = self.answered
            used.update(arns)
        signs_in = secure and any(sign_in(r.actions[0], self.options.fixed_response_url) for r in rules)
        if signs_in:
            name = safe_name(f"{lb_name}-{listener.port}-idpresponse")
            routers[name] = router_entry(name, listener.port, CALLBACK_PRIORITY, f"Path({go_quote(CALLBACK_PATH)})",
                                         SIGNIN_SERVICE, [], secure, logged)
            texts["services"][SIGNIN_SERVICE] = self.signin
        return ListenerText(listener, context, texts, tuple((arn, secure) for arn in sorted(used)), outs, signs_in)

    def _rule(
        self,
        rule: Rule,
        action: Action,
        children: str,
        lb_name: str,
        listener: Listener,
        qualifier: str | None,
        headers: str,
        logged: bool,
        tls: Connection | None = None,
    ) -> RuleText:
        expr = rule_expr(rule.conditions) if rule.priority is not None else 'PathPrefix("/")'
        if expr is None:
            return RuleText(rule, children, "", "", "", "", "", "")
        key = rule_key(rule)
        priority = 1 if rule.priority is None else RULE_PRIORITY_BASE - rule.priority
        if qualifier:
            expr, priority = f"{expr} && {qualifier}", priority + QUALIFIED_BOOST
        port, secure = listener.port, listener.protocol == ProtocolName.HTTPS
        extra = ("", "")
        forward = action.forward
        names = children.split(" ") if children else []
        options: DynamicConfig = transform_options(rule.transforms) if rule.transforms else {}
        if tls:  # the TLS and mTLS headers to the targets, revoked or untrusted certificates refused
            options |= tls.options()
        jwt, oidc = rule.actions[0].jwt_validation, sign_in(rule.actions[0], self.options.fixed_response_url)
        if jwt:
            options |= jwt_options(jwt)
        if oidc:
            options |= oidc_options(oidc, rule, listener.load_balancer_arn, self.options.session_key,
                                    self.options.fixed_response_url)
        if action.fixed_response:
            options |= fixed_options(action.fixed_response)
        elif action.redirect:
            options |= redirect_options(action.redirect, listener)
        middleware = ("", "")
        if options:
            middleware = (f"alb-{key}", entry(f"alb-{key}", plugin.middleware(options)))
        if forward is None:
            service = ANSWERED_SERVICE
        elif len(names) == 1 and not forward.stickiness_enabled:
            service = names[0]
        else:
            service = f"rule-{key}"
            weights = [(n, t.weight) for n, t in zip(names, forward.target_groups, strict=True)]
            sticky = None
            if forward.stickiness_enabled:
                sticky = cookie("AWSALBTG", forward.stickiness_duration or STICKINESS_SECONDS, secure)
            extra = (service, weighted_entry(service, weights, sticky))
        label = "default" if rule.priority is None else f"p{rule.priority}"
        name = safe_name(f"{lb_name}-{port}-{label}-{key}")
        middlewares = [m for m in (headers, middleware[0]) if m]
        router = router_entry(name, port, priority, expr, service, middlewares, secure, logged)
        return RuleText(rule, children, name, router, *extra, *middleware)

    def _tg_service(self, arn: str, secure: bool) -> TgText | None:
        """``tg-<name>``; a sticky TG used by an HTTPS listener gets a ``-tls`` variant whose cookie is Secure."""
        tg = self.state.target_groups.get(arn)
        if tg is None:
            return None
        servers = tuple(self.servers.get(arn, ()))
        weights = self.weights.get(arn)
        context = (self.tg_names[arn], servers, weights)
        out = self.old_tgs.get((id(tg), secure))
        if out is None or out.tg is not tg or out.context != context:
            out = TgText(tg, context, *group_service(tg, self.tg_names[arn], servers, secure, weights))
        self.new_tgs[(id(tg), secure)] = out
        return out

    def _tg(self, arn: str, secure: bool) -> TgText | None:
        key = (arn, secure)
        if key not in self.tgs:
            self.tgs[key] = self._tg_service(arn, secure)
        return self.tgs[key]
