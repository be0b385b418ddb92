"""What fixed-response and redirect rules answer, the transforms rules apply and the tokens they check, as options
of the ``alb`` Traefik plugin (pure).

The plugin (provider/traefik/plugin/alb.go, loaded from disk by every Traefik we start) answers inside Traefik,
so every request Traefik accepts gets the answer, whatever its method token (``get``, ``M-SEARCH``), as a forward
would; no hop through this server. The router of such a rule points at ``elbv2-answered``, a loadBalancer without
servers that never runs (not Traefik's ``noop@internal``: routers to internal services are not access-logged).

>>> fixed_options(FixedResponse("404", "application/json", "{}"))
{'fixed': {'statusCode': 404, 'contentType': 'application/json', 'body': '{}'}}
"""

from __future__ import annotations

import base64

from provider.compiler.dynamic import DynamicConfig, safe_name
from provider.elbv2.model import AuthenticateOidc, FixedResponse, JwtValidation, Listener, Redirect, Rule
from provider.elbv2.regex import go_replacement
from provider.elbv2.transforms import Transform, TransformType

ANSWERED_SERVICE = "elbv2-answered"  # the plugin answers before it


def rule_key(rule: Rule) -> str:
    """The id at the end of a rule ARN, used in router, service and middleware names."""
    return safe_name(rule.arn.rsplit("/", 1)[-1])


def fixed_options(fixed: FixedResponse) -> DynamicConfig:
    """A text/* type gets ``; charset=utf-8`` in the plugin, as ALB sends it."""
    return {
        "fixed": {
            "statusCode": int(fixed.status_code),
            "contentType": fixed.content_type or "text/plain",
            "body": fixed.message_body or "",
        }
    }


def redirect_options(redirect: Redirect, listener: Listener) -> DynamicConfig:
    """ALB's Location, built by the plugin: placeholders expand once, from the request and the listener;
    ``#{path}`` has no leading slash; an empty query adds no ``?``; the port is always written; bytes outside
    printable ASCII are percent-encoded. 301/302 for every method, as ALB (Traefik's redirectRegex would answer
    307/308 to non-GET requests)."""
    return {
        "redirect": {
            "statusCode": 301 if redirect.status_code == "HTTP_301" else 302,
            "protocol": redirect.protocol,
            "host": redirect.host,
            "port": redirect.port,
            "path": redirect.path,
            "query": redirect.query,
            "listenerProtocol": listener.protocol.value,
            "listenerPort": str(listener.port),
        }
    }


_TRANSFORM_KEY = {TransformType.HOST_HEADER_REWRITE: "hostRewrites", TransformType.URL_REWRITE: "urlRewrites"}


def transform_options(transforms: tuple[Transform, ...]) -> DynamicConfig:
    """Rewrites the plugin applies before the request goes on (routing already matched the original): the host
    rewrite runs on the Host header as sent, the URL rewrite on the path and query string together (``?`` in the
    replacement starts a new query string); ``$1`` becomes Go's ``${1}``. A rewrite whose regex does not match
    leaves the request as it was; one whose result is not a path answers 500, as ALB."""
    return {
        _TRANSFORM_KEY[t.type]: [{"regex": r.regex, "replace": go_replacement(r.replace)} for r in t.rewrites]
        for t in transforms
    }


def jwt_options(jwt: JwtValidation) -> DynamicConfig:
    """The token check the plugin makes before the rule's last action: RS256 only, ``iss`` equal to the issuer,
    ``exp`` required, ``nbf`` and ``iat`` when present, then each additional claim; keys from the JWKS endpoint,
    cached and fetched again for an unknown ``kid``. Anything else gets 401 with ``WWW-Authenticate: Bearer``."""
    options: DynamicConfig = {"jwksEndpoint": jwt.jwks_endpoint, "issuer": jwt.issuer}
    if jwt.additional_claims:  # no empty list: Traefik reads none back
        options["claims"] = [
            {"format": c.format.value, "name": c.name, "values": list(c.values)} for c in jwt.additional_claims
        ]
    return {"jwt": options}


SIGNIN_SERVICE = "elbv2-signin"  # this server: /oauth2/idpresponse and refreshes
CALLBACK_PATH = "/oauth2/idpresponse"


def oidc_options(oidc: AuthenticateOidc, rule: Rule, signer: str, session_key: bytes, server_url: str) -> DynamicConfig:
    """The session check the plugin makes before the rule's last action: the sealed cookie opened with the server's
    key (it must name this IdP, client and load balancer and be within its SessionTimeout and its access token's
    life), the three x-amzn-oidc-* headers set from it and the client's removed; without one, a 302 to the IdP
    (state sealed with the same key, bound to the AWSALBAuthNonce cookie), a 401 or a plain forward. The client
    secret stays on the server, which answers the callback."""
    options: DynamicConfig = {
        "authorizationEndpoint": oidc.authorization_endpoint,
        "clientId": oidc.client_id,
        "issuer": oidc.issuer,
        "scope": oidc.scope,
        "cookieName": oidc.session_cookie_name,
        "onUnauthenticated": oidc.on_unauthenticated_request.value,
        "rule": rule.arn,
        "signer": signer,
        "key": base64.b64encode(session_key).decode(),
        "refreshUrl": f"{server_url}/oauth2/refresh",
    }
    if oidc.extra_params:  # no empty list: Traefik reads none back
        options["extraParams"] = [{"name": k, "value": v} for k, v in oidc.extra_params]
    return {"oidc": options}
