"""The jwt-validation action (ALB, 2025-11): a bearer token checked before the rule's last action. Parse, validate,
render; the ``alb`` plugin checks the tokens inside Traefik (provider/compiler/answers.py writes its options).

AWS's limits: JwksEndpoint and Issuer at most 256 characters, the endpoint a full https URL; at most 10
AdditionalClaims, none named exp, iss, nbf or iat (always checked), each with at most 10 values of at most 256
characters, without spaces for space-separated-values. Deliberate difference: an ``http://`` JWKS endpoint is
accepted when its host is local (provider/elbv2/endpoints.py).

>>> parse_jwt_validation({"jwks_endpoint": "http://localhost:8180/jwks", "issuer": "https://idp"}).jwks_endpoint
'http://localhost:8180/jwks'
>>> parse_jwt_validation({"jwks_endpoint": "http://idp.example.com/jwks", "issuer": "https://idp"})
Traceback (most recent call last):
provider.errors.ValidationError: The JWKS endpoint 'http://idp.example.com/jwks' must be a full https URL
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from provider.elbv2.endpoints import https_or_local
from provider.elbv2.model import ClaimFormat, JwtClaim, JwtValidation
from provider.errors import ValidationError

MAX_TEXT = 256
MAX_CLAIMS = 10
MAX_VALUES = 10
ALWAYS_CHECKED = ("exp", "iss", "nbf", "iat")


def parse_jwt_validation(raw: Mapping[str, Any] | None) -> JwtValidation:
    if raw is None:
        raise ValidationError("A jwt-validation action needs a 'JwtValidationConfig'")
    endpoint, issuer = raw.get("jwks_endpoint") or "", raw.get("issuer") or ""
    if not https_or_local(endpoint):
        raise ValidationError(f"The JWKS endpoint '{endpoint}' must be a full https URL")
    if len(endpoint) > MAX_TEXT:
        raise ValidationError(f"The JWKS endpoint must be at most {MAX_TEXT} characters")
    if not issuer or len(issuer) > MAX_TEXT:
        raise ValidationError(f"The issuer must be 1-{MAX_TEXT} characters")
    claims = tuple(_claim(c) for c in raw.get("additional_claims") or ())
    if len(claims) > MAX_CLAIMS:
        raise ValidationError(f"A jwt-validation action can have at most {MAX_CLAIMS} additional claims")
    if len({c.name for c in claims}) != len(claims):
        raise ValidationError("An additional claim can appear only once")
    return JwtValidation(endpoint, issuer, claims)


def _claim(raw: Mapping[str, Any]) -> JwtClaim:
    name, values = raw.get("name") or "", tuple(raw.get("values") or ())
    if not name:
        raise ValidationError("An additional claim needs a 'Name'")
    if name in ALWAYS_CHECKED:
        raise ValidationError(f"The claim '{name}' is always validated and cannot be an additional claim")
    try:
        claim_format = ClaimFormat(str(raw.get("format")))
    except ValueError:
        allowed = ", ".join(f.value for f in ClaimFormat)
        raise ValidationError(f"Claim format '{raw.get('format')}' must be one of [{allowed}]") from None
    if not 1 <= len(values) <= MAX_VALUES:
        raise ValidationError(f"The claim '{name}' must have 1-{MAX_VALUES} values")
    for value in values:
        if not value or len(value) > MAX_TEXT:
            raise ValidationError(f"Each value of the claim '{name}' must be 1-{MAX_TEXT} characters")
        if claim_format is ClaimFormat.SPACE_SEPARATED and " " in value:
            raise ValidationError(f"The values of the space-separated claim '{name}' cannot include spaces")
    return JwtClaim(claim_format, name, values)


def render_jwt_validation(jwt: JwtValidation) -> dict[str, Any]:
    return {
        "jwks_endpoint": jwt.jwks_endpoint,
        "issuer": jwt.issuer,
        "additional_claims": [
            {"format": c.format.value, "name": c.name, "values": list(c.values)} for c in jwt.additional_claims
        ],
    }
