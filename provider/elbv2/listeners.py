"""Listeners: Create/Describe/Modify/Delete, their attributes and certificates.

A listener's DefaultActions live on its default rule (priority None), so DescribeRules and the compiler see
one list of rules per listener.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from provider import texts
from provider.elbv2 import arns, attributes, lookup, tags
from provider.elbv2.actions import check_protocol, parse_actions, render_action
from provider.elbv2.context import Context, Handler, Params, Result, Writes
from provider.elbv2.model import Action, Certificate, Listener, MutualAuthentication, ProtocolName, Rule, State
from provider.elbv2.paging import page
from provider.elbv2.response_headers import LISTENER_ATTRIBUTES
from provider.elbv2.ssl_policies import DEFAULT_SSL_POLICY, SSL_POLICY_NAMES
from provider.errors import (
    CertificateNotFound,
    DuplicateListener,
    OperationNotPermitted,
    SSLPolicyNotFound,
    TooManyListeners,
    TrustStoreNotFound,
    UnsupportedProtocol,
    ValidationError,
)


def create_listener(ctx: Context, p: Params) -> Result:
    if p.get("port") is None:  # optional in the model (for Gateway Load Balancers), required for an ALB
        raise ValidationError(texts.LISTENER_PORT_REQUIRED)
    with ctx.store.write() as tx:
        state = tx.state
        lb_arn = p["load_balancer_arn"]
        lookup.load_balancer(state, lb_arn)
        protocol = _protocol(p.get("protocol") or "HTTP")
        wanted = Listener(
            arn="",
            load_balancer_arn=lb_arn,
            port=p["port"],
            protocol=protocol,
            ssl_policy=_ssl_policy(protocol, p.get("ssl_policy")),
            certificates=_certificates(ctx, protocol, p.get("certificates")),
            alpn_policy=tuple(p.get("alpn_policy") or ()),
            mutual_authentication=_mutual(ctx, state, protocol, p.get("mutual_authentication")),
        )
        actions = parse_actions(state, lb_arn, protocol, p["default_actions"])
        siblings = [listener for listener in state.listeners.values() if listener.load_balancer_arn == lb_arn]
        existing = next((x for x in siblings if x.port == wanted.port), None)
        if existing is not None:
            if replace(existing, arn="") == wanted and default_rule(state, existing.arn).actions == actions:
                return {"listeners": [render_listener(state, existing)]}  # identical: idempotent, like AWS
            raise DuplicateListener(f"A listener already exists on port {wanted.port} of this load balancer")
        if len(siblings) >= ctx.quotas.listeners_per_load_balancer:
            raise TooManyListeners(ctx.quotas.exceeded("listeners_per_load_balancer"))
        listener = replace(wanted, arn=arns.listener(lb_arn))
        tx.put(listener)
        tx.put(Rule(arns.rule(listener.arn), listener.arn, None, (), actions))
        tx.set_tags(listener.arn, tags.validate_tags(p.get("tags")))
        return {"listeners": [render_listener(tx.state, listener)]}


def describe_listeners(ctx: Context, p: Params) -> Result:
    state = ctx.store.snapshot()
    lb_arn, listener_arns = p.get("load_balancer_arn"), p.get("listener_arns")
    if bool(lb_arn) == (listener_arns is not None):
        raise ValidationError("You must specify either listener ARNs or a load balancer ARN, but not both")
    if listener_arns is None:
        lb = lookup.load_balancer(state, str(lb_arn))
        found = sorted((x for x in state.listeners.values() if x.load_balancer_arn == lb.arn), key=lambda x: x.port)
    else:
        found = [lookup.listener(state, arn) for arn in listener_arns]
    shown, marker = page(found, p.get("marker"), p.get("page_size"))
    return {"listeners": [render_listener(state, x) for x in shown], "next_marker": marker}


def modify_listener(ctx: Context, p: Params) -> Result:
    with ctx.store.write() as tx:
        state = tx.state
        listener = lookup.listener(state, p["listener_arn"])
        protocol = _protocol(p["protocol"]) if p.get("protocol") else listener.protocol
        port = p.get("port") or listener.port
        clash = any(
            x.port == port and x.arn != listener.arn and x.load_balancer_arn == listener.load_balancer_arn
            for x in state.listeners.values()
        )
        if clash:
            raise DuplicateListener(f"A listener already exists on port {port} of this load balancer")
        certificates = listener.certificates
        if p.get("certificates") is not None:
            certificates = _certificates(ctx, protocol, p["certificates"]) + tuple(
                c for c in listener.certificates if not c.is_default
            )
        elif protocol is ProtocolName.HTTPS and not certificates:
            raise ValidationError("A certificate must be specified for HTTPS listeners")
        policy = p.get("ssl_policy") or listener.ssl_policy
        listener = replace(
            listener,
            port=port,
            protocol=protocol,
            ssl_policy=_ssl_policy(protocol, policy),
            certificates=certificates if protocol is ProtocolName.HTTPS else (),
            alpn_policy=tuple(p["alpn_policy"]) if p.get("alpn_policy") is not None else listener.alpn_policy,
            mutual_authentication=(
                _mutual(ctx, state, protocol, p["mutual_authentication"])
                if p.get("mutual_authentication") is not None
                else listener.mutual_authentication if protocol is ProtocolName.HTTPS else None
            ),
        )
        rules = state.rules_by_listener.get(listener.arn, ())
        if p.get("default_actions") is not None:
            current = default_rule(state, listener.arn)
            actions = parse_actions(state, listener.load_balancer_arn, protocol, p["default_actions"], current.actions)
            tx.put(replace(current, actions=actions))
            rules = tuple(r for r in rules if not r.is_default)
        check_protocol(rules, protocol)
        tx.put(listener)
        return {"listeners": [render_listener(tx.state, listener)]}


def delete_listener(ctx: Context, p: Params) -> Result:
    with ctx.store.write() as tx:
        listener = lookup.listener(tx.state, p["listener_arn"])
        delete_with_rules(tx, listener)
    return {}


def delete_with_rules(tx: Writes, listener: Listener) -> None:
    """Delete a listener and its rules (the store drops their tags); also used when a load balancer goes."""
    for rule in tx.state.rules_by_listener.get(listener.arn, ()):
        tx.delete(rule)
    tx.delete(listener)


_ATTRIBUTES = attributes.Operations("listener_arn", lookup.listener, LISTENER_ATTRIBUTES)


def add_listener_certificates(ctx: Context, p: Params) -> Result:
    with ctx.store.write() as tx:
        listener = lookup.listener(tx.state, p["listener_arn"])
        added = tuple(Certificate(c["certificate_arn"]) for c in p["certificates"] if c.get("certificate_arn"))
        for c in added:
            _check_certificate(ctx, c.arn)
        known = {c.arn for c in listener.certificates}
        certificates = listener.certificates + tuple(c for c in added if c.arn not in known)
        if len(certificates) > ctx.quotas.certificates_per_listener:
            raise ValidationError(ctx.quotas.exceeded("certificates_per_listener"))
        tx.put(replace(listener, certificates=certificates))
    return {"certificates": [_render_certificate(c) for c in added]}


def describe_listener_certificates(ctx: Context, p: Params) -> Result:
    listener = lookup.listener(ctx.store.snapshot(), p["listener_arn"])
    shown, marker = page(listener.certificates, p.get("marker"), p.get("page_size"))
    return {"certificates": [_render_certificate(c) for c in shown], "next_marker": marker}


def remove_listener_certificates(ctx: Context, p: Params) -> Result:
    with ctx.store.write() as tx:
        listener = lookup.listener(tx.state, p["listener_arn"])
        removed = {c.get("certificate_arn") for c in p["certificates"]}
        if any(c.is_default and c.arn in removed for c in listener.certificates):
            raise OperationNotPermitted("The default certificate of a listener cannot be removed")
        tx.put(replace(listener, certificates=tuple(c for c in listener.certificates if c.arn not in removed)))
    return {}


def certificate_users(state: State, arn: str) -> list[str]:
    """The load balancers whose listeners serve certificate ``arn`` (ACM's InUseBy)."""
    listeners = state.listeners.values()
    return sorted({li.load_balancer_arn for li in listeners if any(c.arn == arn for c in li.certificates)})


def default_rule(state: State, listener_arn: str) -> Rule:
    return state.rules_by_listener[listener_arn][-1]


def _protocol(value: str) -> ProtocolName:
    try:
        return ProtocolName(value)
    except ValueError:
        raise UnsupportedProtocol(f"Protocol '{value}' is not supported by an Application Load Balancer") from None


def _ssl_policy(protocol: ProtocolName, policy: str | None) -> str | None:
    if protocol is not ProtocolName.HTTPS:
        return None
    policy = policy or DEFAULT_SSL_POLICY
    if policy not in SSL_POLICY_NAMES:
        raise SSLPolicyNotFound(f"SSL policy '{policy}' not found")
    return policy


def _check_certificate(ctx: Context, arn: str | None) -> None:
    """AWS's answer to a certificate that does not exist (or is not ISSUED, or of another region)."""
    known = ctx.certificates.issued(ctx.region, arn or "") if ctx.certificates is not None else True
    if not arn or not arn.startswith("arn:") or not known:
        raise CertificateNotFound(f"Certificate '{arn}' not found")


def _certificates(
    ctx: Context, protocol: ProtocolName, raw: Sequence[Mapping[str, Any]] | None
) -> tuple[Certificate, ...]:
    if protocol is not ProtocolName.HTTPS:
        return ()
    arns_given = [c.get("certificate_arn") for c in raw or ()]
    if not arns_given:
        raise ValidationError("A certificate must be specified for HTTPS listeners")
    if len(arns_given) > 1:
        raise ValidationError("Only one default certificate can be given; add more with AddListenerCertificates")
    arn = arns_given[0]
    _check_certificate(ctx, arn)
    assert arn is not None
    return (Certificate(arn, is_default=True),)


MUTUAL_MODES = ("off", "passthrough", "verify")


def _mutual(
    ctx: Context, state: State, protocol: ProtocolName, raw: Mapping[str, Any] | None
) -> MutualAuthentication | None:
    """MutualAuthentication as given: ``verify`` names a trust store of the region; HTTPS listeners only."""
    if raw is None:
        return None
    mode = raw.get("mode") or "off"
    if mode not in MUTUAL_MODES:
        raise ValidationError(f"Mutual authentication mode '{mode}' is not valid; use one of off, passthrough, verify")
    if protocol is not ProtocolName.HTTPS and mode != "off":
        raise ValidationError("Mutual authentication can only be set on HTTPS listeners")
    store_arn = raw.get("trust_store_arn") or None
    if mode == "verify":
        store = state.trust_stores.get(store_arn or "")
        if store is None or arns.region_of(store.arn) != ctx.region:
            raise TrustStoreNotFound(f"Trust store '{store_arn}' not found")
    elif store_arn:
        raise ValidationError(f"A trust store can only be given in verify mode, not in '{mode}' mode")
    advertise = raw.get("advertise_trust_store_ca_names")
    if advertise not in (None, "on", "off"):
        raise ValidationError(f"AdvertiseTrustStoreCaNames '{advertise}' is not valid; use on or off")
    return MutualAuthentication(
        mode, store_arn, bool(raw.get("ignore_client_certificate_expiry")),
        (advertise or "off") if mode == "verify" else None,
    )


def _render_mutual(m: MutualAuthentication | None) -> dict[str, Any] | None:
    if m is None:
        return None
    shown: dict[str, Any] = {"mode": m.mode}
    if m.mode == "verify":
        shown |= {
            "trust_store_arn": m.trust_store_arn,
            "ignore_client_certificate_expiry": m.ignore_client_certificate_expiry,
            "trust_store_association_status": "active",
            "advertise_trust_store_ca_names": m.advertise_trust_store_ca_names,
        }
    return shown


def _render_certificate(c: Certificate) -> dict[str, Any]:
    return {"certificate_arn": c.arn, "is_default": c.is_default}


def render_listener(state: State, listener: Listener) -> dict[str, Any]:
    actions: Sequence[Action] = default_rule(state, listener.arn).actions
    return {
        "listener_arn": listener.arn,
        "load_balancer_arn": listener.load_balancer_arn,
        "port": listener.port,
        "protocol": listener.protocol.value,
        "certificates": [{"certificate_arn": c.arn} for c in listener.certificates if c.is_default] or None,
        "ssl_policy": listener.ssl_policy,
        "default_actions": [render_action(a) for a in actions],
        "alpn_policy": list(listener.alpn_policy) or None,
        "mutual_authentication": _render_mutual(listener.mutual_authentication),
    }


OPERATIONS: dict[str, Handler] = {
    "CreateListener": create_listener,
    "DescribeListeners": describe_listeners,
    "ModifyListener": modify_listener,
    "DeleteListener": delete_listener,
    "DescribeListenerAttributes": _ATTRIBUTES.describe,
    "ModifyListenerAttributes": _ATTRIBUTES.modify,
    "AddListenerCertificates": add_listener_certificates,
    "DescribeListenerCertificates": describe_listener_certificates,
    "RemoveListenerCertificates": remove_listener_certificates,
}
