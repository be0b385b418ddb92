"""The typed domain: every ELBv2 resource as a frozen dataclass, snake_case, no wire format.

AWS defaults live next to the type they belong to (HealthCheck, Redirect, the target-group attributes read
here), once. Attribute keys are AWS strings; the properties below give the ones the data plane uses a type.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from functools import cached_property

from provider.elbv2.transforms import Transform

Attributes = tuple[tuple[str, str], ...]  # sorted (key, value) pairs, values as AWS strings
Tags = tuple[tuple[str, str], ...]  # (key, value) pairs in insertion order
TargetKey = tuple[str, str, int]  # (target_group_arn, target id, port)


class ProtocolName(StrEnum):
    HTTP = "HTTP"
    HTTPS = "HTTPS"


class StickinessType(StrEnum):
    LB_COOKIE = "lb_cookie"
    APP_COOKIE = "app_cookie"


class TargetType(StrEnum):
    INSTANCE = "instance"
    IP = "ip"
    LAMBDA = "lambda"
    ALB = "alb"


class ConditionField(StrEnum):
    HOST_HEADER = "host-header"
    PATH_PATTERN = "path-pattern"
    HTTP_HEADER = "http-header"
    HTTP_REQUEST_METHOD = "http-request-method"
    QUERY_STRING = "query-string"
    SOURCE_IP = "source-ip"


class ActionType(StrEnum):
    FORWARD = "forward"
    REDIRECT = "redirect"
    FIXED_RESPONSE = "fixed-response"
    JWT_VALIDATION = "jwt-validation"
    AUTHENTICATE_OIDC = "authenticate-oidc"
    AUTHENTICATE_COGNITO = "authenticate-cognito"


# A rule's last action, exactly one per rule; a jwt-validation or an authenticate action may come before it.
TERMINAL_ACTIONS = frozenset((ActionType.FORWARD, ActionType.REDIRECT, ActionType.FIXED_RESPONSE))


class OnUnauthenticated(StrEnum):
    DENY = "deny"
    ALLOW = "allow"
    AUTHENTICATE = "authenticate"


class ClaimFormat(StrEnum):
    SINGLE_STRING = "single-string"
    STRING_ARRAY = "string-array"
    SPACE_SEPARATED = "space-separated-values"


@dataclass(frozen=True, slots=True)
class LoadBalancer:
    arn: str
    name: str
    dns_name: str
    scheme: str  # internet-facing | internal
    ip_address_type: str  # ipv4 | dualstack
    vpc_id: str
    subnets: tuple[str, ...]
    security_groups: tuple[str, ...]
    created_time: datetime
    attributes: Attributes = ()
    zones: tuple[tuple[str, str], ...] = ()  # (subnet id, zone name) of the subnets EC2 knows
    capacity_units: int | None = None  # the LCU reservation (ModifyCapacityReservation), None: none

    @property
    def id(self) -> str:
        """The 16-hex id at the end of the ARN: ``.../app/web/50dc6c495c0c9188`` -> ``50dc6c495c0c9188``."""
        return self.arn.rsplit("/", 1)[1]


@dataclass(frozen=True, slots=True)
class HealthCheck:
    """ALB health-check settings with AWS's defaults for HTTP/HTTPS instance and ip target groups."""

    enabled: bool = True
    protocol: ProtocolName = ProtocolName.HTTP
    port: str = "traffic-port"  # or a port number as a string
    path: str = "/"
    interval_seconds: int = 30
    timeout_seconds: int = 5
    healthy_threshold_count: int = 5
    unhealthy_threshold_count: int = 2
    matcher: str = "200"  # "200", "200,202", "200-299"


STICKINESS_SECONDS = 86400  # AWS's default cookie duration for target-group stickiness
DEREGISTRATION_DELAY_SECONDS = 300  # AWS's default deregistration_delay.timeout_seconds


@dataclass(frozen=True, slots=True)
class Stickiness:
    """A target group's ``stickiness.*`` attributes when enabled: which cookie, and how long it lasts."""

    type: StickinessType
    duration_seconds: int = STICKINESS_SECONDS


@dataclass(frozen=True, slots=True)
class TargetGroup:
    arn: str
    name: str
    protocol: ProtocolName
    protocol_version: str  # HTTP1 | HTTP2 | GRPC
    port: int
    vpc_id: str
    target_type: TargetType
    ip_address_type: str  # ipv4 | ipv6
    health_check: HealthCheck
    created_time: datetime
    attributes: Attributes = ()

    def attribute(self, key: str) -> str | None:
        return dict(self.attributes).get(key)

    @property
    def stickiness(self) -> Stickiness | None:
        """``stickiness.enabled=true, stickiness.type=lb_cookie`` -> ``Stickiness(LB_COOKIE, 86400)``, else None."""
        attrs = dict(self.attributes)
        if attrs.get("stickiness.enabled") != "true":
            return None
        kind = StickinessType(attrs.get("stickiness.type") or StickinessType.LB_COOKIE)
        duration = attrs.get(f"stickiness.{kind}.duration_seconds")
        return Stickiness(kind, int(duration) if duration else STICKINESS_SECONDS)

    @property
    def deregistration_delay_seconds(self) -> int:
        """How long a deregistered target drains (``deregistration_delay.timeout_seconds``)."""
        raw = self.attribute("deregistration_delay.timeout_seconds")
        return int(raw) if raw is not None else DEREGISTRATION_DELAY_SECONDS


@dataclass(frozen=True, slots=True)
class Target:
    target_group_arn: str
    id: str  # an IP literal (ip targets) or a container name/id (instance targets)
    port: int
    registered_at: datetime
    availability_zone: str | None = None
    draining_since: datetime | None = None  # set by DeregisterTargets while deregistration_delay runs

    @property
    def key(self) -> TargetKey:
        return (self.target_group_arn, self.id, self.port)


@dataclass(frozen=True, slots=True)
class Certificate:
    arn: str
    is_default: bool = False


@dataclass(frozen=True, slots=True)
class MutualAuthentication:
    """An HTTPS listener's MutualAuthentication: ``verify`` against a trust store, ``passthrough``, or ``off``."""

    mode: str = "off"
    trust_store_arn: str | None = None  # verify only
    ignore_client_certificate_expiry: bool = False
    advertise_trust_store_ca_names: str | None = None  # on | off (verify only)


@dataclass(frozen=True, slots=True)
class Listener:
    arn: str
    load_balancer_arn: str
    port: int
    protocol: ProtocolName
    ssl_policy: str | None = None
    certificates: tuple[Certificate, ...] = ()
    alpn_policy: tuple[str, ...] = ()
    attributes: Attributes = ()
    mutual_authentication: MutualAuthentication | None = None  # HTTPS only; None: never given (shown as off)


@dataclass(frozen=True, slots=True)
class Revocation:
    """One revocation list added to a trust store: where it was read, and the serials it revokes (lower hex)."""

    revocation_id: int
    bucket: str
    key: str
    version: str | None
    serials: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class TrustStore:
    """A trust store: its CA bundle as read when created or modified (PEM), where from, and its revocations."""

    arn: str
    name: str
    bundle: str
    bucket: str
    key: str
    version: str | None = None
    ca_count: int = 0
    revocations: tuple[Revocation, ...] = ()
    next_revocation_id: int = 1

    @property
    def revoked(self) -> tuple[str, ...]:
        return tuple(sorted({s for r in self.revocations for s in r.serials}))


@dataclass(frozen=True, slots=True)
class QueryPair:
    key: str | None
    value: str


@dataclass(frozen=True, slots=True)
class Condition:
    field: ConditionField
    values: tuple[str, ...] = ()  # host-header, path-pattern, http-header, method, source-ip values
    header_name: str | None = None  # http-header only
    query: tuple[QueryPair, ...] = ()  # query-string only
    legacy: bool = False  # given through the legacy top-level Values; echoed the same way
    regex_values: tuple[str, ...] = ()  # RegexValues (host-header, path-pattern, http-header): RE2, unanchored


@dataclass(frozen=True, slots=True)
class TargetGroupTuple:
    arn: str
    weight: int = 1


@dataclass(frozen=True, slots=True)
class Forward:
    target_groups: tuple[TargetGroupTuple, ...]
    stickiness_enabled: bool = False
    stickiness_duration: int | None = None  # seconds, 1..604800, required when enabled


@dataclass(frozen=True, slots=True)
class Redirect:
    """Fields not given keep the placeholders, which ALB expands from the request."""

    status_code: str  # HTTP_301 | HTTP_302
    protocol: str = "#{protocol}"
    port: str = "#{port}"
    host: str = "#{host}"
    path: str = "/#{path}"
    query: str = "#{query}"


@dataclass(frozen=True, slots=True)
class FixedResponse:
    status_code: str  # "200", "404", ...
    content_type: str | None = None
    message_body: str | None = None


@dataclass(frozen=True, slots=True)
class JwtClaim:
    format: ClaimFormat
    name: str
    values: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class JwtValidation:
    """A bearer token checked before the rule's last action (provider/elbv2/jwt_validation.py)."""

    jwks_endpoint: str
    issuer: str
    additional_claims: tuple[JwtClaim, ...] = ()


SESSION_COOKIE = "AWSELBAuthSessionCookie"
SESSION_TIMEOUT_SECONDS = 604800  # 7 days


@dataclass(frozen=True, slots=True)
class AuthenticateOidc:
    """Users signed in at an OpenID Connect IdP before the rule's last action (provider/elbv2/authenticate_oidc.py).
    The client secret is kept, never rendered."""

    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    user_info_endpoint: str
    client_id: str
    client_secret: str
    session_cookie_name: str = SESSION_COOKIE
    scope: str = "openid"
    session_timeout: int = SESSION_TIMEOUT_SECONDS
    extra_params: tuple[tuple[str, str], ...] = ()  # AuthenticationRequestExtraParams, sorted by name
    on_unauthenticated_request: OnUnauthenticated = OnUnauthenticated.AUTHENTICATE


@dataclass(frozen=True, slots=True)
class AuthenticateCognito:
    """Users signed in at a Cognito user pool before the rule's last action (provider/elbv2/authenticate_cognito.py):
    the built-in development sign-in of this server, or the Cognito-compatible endpoint a URL domain names."""

    user_pool_arn: str
    user_pool_client_id: str
    user_pool_domain: str
    session_cookie_name: str = SESSION_COOKIE
    scope: str = "openid"
    session_timeout: int = SESSION_TIMEOUT_SECONDS
    extra_params: tuple[tuple[str, str], ...] = ()
    on_unauthenticated_request: OnUnauthenticated = OnUnauthenticated.AUTHENTICATE


@dataclass(frozen=True, slots=True)
class Action:
    type: ActionType
    order: int | None = None
    forward: Forward | None = None
    redirect: Redirect | None = None
    fixed_response: FixedResponse | None = None
    jwt_validation: JwtValidation | None = None
    authenticate_oidc: AuthenticateOidc | None = None
    authenticate_cognito: AuthenticateCognito | None = None


@dataclass(frozen=True)
class Rule:
    arn: str
    listener_arn: str
    priority: int | None  # None for the listener's default rule
    conditions: tuple[Condition, ...]
    actions: tuple[Action, ...]
    transforms: tuple[Transform, ...] = ()  # provider/elbv2/transforms.py

    @property
    def is_default(self) -> bool:
        return self.priority is None

    @cached_property
    def target_group_arns(self) -> tuple[str, ...]:
        """Distinct groups the rule forwards to; cached on the immutable rule, so it outlives state versions."""
        return tuple(dict.fromkeys(tg.arn for a in self.actions if a.forward for tg in a.forward.target_groups))


# What a State keeps by key (besides tags).
Resource = LoadBalancer | TargetGroup | Listener | Rule | Target | TrustStore


@dataclass(frozen=True)
class State:
    """The whole state at one version: what store.snapshot() returns and compiler.py consumes."""

    version: int = 0
    load_balancers: Mapping[str, LoadBalancer] = field(default_factory=dict)
    target_groups: Mapping[str, TargetGroup] = field(default_factory=dict)
    listeners: Mapping[str, Listener] = field(default_factory=dict)
    rules: Mapping[str, Rule] = field(default_factory=dict)
    targets: Mapping[TargetKey, Target] = field(default_factory=dict)
    tags: Mapping[str, Tags] = field(default_factory=dict)
    trust_stores: Mapping[str, TrustStore] = field(default_factory=dict)

    @cached_property
    def rules_by_listener(self) -> Mapping[str, tuple[Rule, ...]]:
        """Each listener's rules in evaluation order: numeric priority ascending, the default rule last."""
        grouped: dict[str, list[Rule]] = {arn: [] for arn in self.listeners}
        for rule in self.rules.values():
            grouped.setdefault(rule.listener_arn, []).append(rule)
        return {arn: tuple(sorted(rs, key=_evaluation_order)) for arn, rs in grouped.items()}

    @cached_property
    def targets_by_group(self) -> Mapping[str, tuple[Target, ...]]:
        grouped: dict[str, list[Target]] = {arn: [] for arn in self.target_groups}
        for target in self.targets.values():
            grouped.setdefault(target.target_group_arn, []).append(target)
        return {arn: tuple(sorted(ts, key=lambda t: (t.id, t.port))) for arn, ts in grouped.items()}

    @cached_property
    def rules_by_target_group(self) -> Mapping[str, tuple[Rule, ...]]:
        """Which rules (default rules included) forward to each target group."""
        grouped: dict[str, list[Rule]] = {}
        for rule in self.rules.values():
            for arn in rule.target_group_arns:
                grouped.setdefault(arn, []).append(rule)
        return {arn: tuple(rs) for arn, rs in grouped.items()}

    @cached_property
    def target_group_owners(self) -> Mapping[str, str]:
        """Target group -> the load balancer whose rules forward to it (a group serves at most one)."""
        owners: dict[str, str] = {}
        for rule in self.rules.values():
            listener = self.listeners.get(rule.listener_arn)
            if listener is not None:
                for arn in rule.target_group_arns:
                    owners.setdefault(arn, listener.load_balancer_arn)
        return owners

    def load_balancer_of_target_group(self, tg_arn: str) -> str | None:
        return self.target_group_owners.get(tg_arn)


def _evaluation_order(rule: Rule) -> tuple[int, int]:
    return (1, 0) if rule.priority is None else (0, rule.priority)
