"""A certificate as DescribeCertificate and ListCertificates show it (snake_case, as the wire layer expects)."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from provider.acm.model import AMAZON_ISSUED, PENDING, Certificate

SERVER_AUTH = {"name": "TLS_WEB_SERVER_AUTHENTICATION", "oid": "1.3.6.1.5.5.7.3.1"}
CLIENT_AUTH = {"name": "TLS_WEB_CLIENT_AUTHENTICATION", "oid": "1.3.6.1.5.5.7.3.2"}
EMAILS = ("admin", "administrator", "hostmaster", "postmaster", "webmaster")


def base_domain(name: str) -> str:
    """``*.example.com`` -> ``example.com``: what a wildcard's validation names."""
    return name.removeprefix("*.")


def resource_record(cert: Certificate, name: str) -> dict[str, str]:
    """The CNAME that validates ``name``: the same for a name and its wildcard, stable for the certificate."""
    domain = base_domain(name)
    label = hashlib.md5(domain.encode()).hexdigest()  # noqa: S324  # a label, not a secret
    value = hashlib.md5(f"{cert.token}:{domain}".encode()).hexdigest()  # noqa: S324
    return {"name": f"_{label}.{domain}.", "type": "CNAME", "value": f"_{value}.{cert.token[:10]}.acm-validations.aws."}


def validation_options(cert: Certificate, now: datetime) -> list[dict[str, Any]] | None:
    if cert.type != AMAZON_ISSUED:
        return None
    status = "PENDING_VALIDATION" if cert.status(now) == PENDING else "SUCCESS"
    out = []
    for name in cert.names:
        option: dict[str, Any] = {
            "domain_name": name,
            "validation_domain": base_domain(name),
            "validation_status": status,
            "validation_method": cert.validation_method,
        }
        if cert.validation_method == "DNS":
            option["resource_record"] = resource_record(cert, name)
        else:
            option["validation_emails"] = [f"{box}@{base_domain(name)}" for box in EMAILS]
        out.append(option)
    return out


def key_usages(cert: Certificate) -> list[dict[str, str]]:
    rsa = cert.key_algorithm.startswith("RSA")
    return [{"name": "DIGITAL_SIGNATURE"}, *([{"name": "KEY_ENCIPHERMENT"}] if rsa else [])]


def describe(cert: Certificate, now: datetime, used_by: Sequence[str]) -> dict[str, Any]:
    issued = cert.type == AMAZON_ISSUED
    pending = cert.status(now) == PENDING
    shown: dict[str, Any] = {
        "certificate_arn": cert.arn,
        "domain_name": cert.domain_name,
        "subject_alternative_names": list(cert.names),
        "domain_validation_options": validation_options(cert, now),
        "serial": None if pending else cert.serial,
        "subject": None if pending else cert.subject,
        "issuer": "elbv2-provider local CA" if issued else cert.issuer,
        "created_at": cert.created_at,
        "issued_at": cert.issued_at if issued and not pending else None,
        "imported_at": cert.imported_at,
        "status": cert.status(now),
        "not_before": None if pending else cert.not_before,
        "not_after": None if pending else cert.not_after,
        "key_algorithm": cert.key_algorithm,
        "signature_algorithm": cert.signature_algorithm,
        "in_use_by": list(used_by),
        "type": cert.type,
        "key_usages": None if pending else key_usages(cert),
        "extended_key_usages": None if pending else [SERVER_AUTH, CLIENT_AUTH],
        "renewal_eligibility": "ELIGIBLE" if issued and used_by else "INELIGIBLE",
        "options": {"certificate_transparency_logging_preference": cert.transparency, "export": cert.export},
    }
    if cert.renewed_at is not None:
        shown["renewal_summary"] = {
            "renewal_status": "SUCCESS",
            "domain_validation_options": validation_options(cert, now),
            "updated_at": cert.renewed_at,
        }
    return shown


def summary(cert: Certificate, now: datetime, used_by: Sequence[str]) -> dict[str, Any]:
    pending = cert.status(now) == PENDING
    return {
        "certificate_arn": cert.arn,
        "domain_name": cert.domain_name,
        "subject_alternative_name_summaries": list(cert.names[:100]),
        "has_additional_subject_alternative_names": len(cert.names) > 100,
        "status": cert.status(now),
        "type": cert.type,
        "key_algorithm": cert.key_algorithm,
        "key_usages": None if pending else [u["name"] for u in key_usages(cert)],
        "extended_key_usages": None if pending else [SERVER_AUTH["name"], CLIENT_AUTH["name"]],
        "export_option": cert.export,
        "in_use": bool(used_by),
        "renewal_eligibility": "ELIGIBLE" if cert.type == AMAZON_ISSUED and used_by else "INELIGIBLE",
        "not_before": None if pending else cert.not_before,
        "not_after": None if pending else cert.not_after,
        "created_at": cert.created_at,
        "issued_at": cert.issued_at if cert.type == AMAZON_ISSUED and not pending else None,
        "imported_at": cert.imported_at,
    }
