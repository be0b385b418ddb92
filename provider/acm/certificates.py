"""ACM's operations: request (signed by the local CA), import, describe, list, get, export, renew, delete, tags."""

from __future__ import annotations

import re
import uuid
from dataclasses import replace
from typing import Any

from cryptography.hazmat.primitives import serialization

from provider import partitions
from provider.acm import checks, shapes, tags
from provider.acm.ca import KEY_ALGORITHMS
from provider.acm.context import Context, Handler, Params, Result
from provider.acm.errors import (
    InvalidArgs,
    InvalidArn,
    InvalidDomainValidationOptions,
    InvalidParameter,
    RequestInProgress,
    ResourceInUse,
    Validation,
    not_found,
)
from provider.acm.model import AMAZON_ISSUED, IMPORTED, ISSUED, PENDING, Certificate

MAX_NAMES = 10  # DomainName and SubjectAlternativeNames together: ACM's default quota
DEFAULT_KEY_TYPES = ("RSA_1024", "RSA_2048")  # what ListCertificates shows unless Includes.keyTypes says otherwise
_LABEL = r"(?!-)[A-Za-z0-9-]{1,63}(?<!-)"
_DOMAIN = re.compile(rf"^(\*\.)?({_LABEL}\.)+{_LABEL}$")
_ARN = re.compile(r"^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate/[A-Za-z0-9-]+$")


def lookup(ctx: Context, arn: str) -> Certificate:
    if not _ARN.match(arn):
        raise InvalidArn(f"String '{arn}' is not a valid ARN.")
    cert = ctx.certificates.get(arn)
    if cert is None or cert.region != ctx.region:
        raise not_found(arn)
    return cert


def _names(domain: str, sans: list[str] | None) -> tuple[str, ...]:
    names = tuple(dict.fromkeys([domain, *(sans or ())]))
    for name in names:
        if len(name) > 253 or not _DOMAIN.match(name):
            raise InvalidDomainValidationOptions(f"Domain name '{name}' is not valid.")
    if len(names) > MAX_NAMES:
        raise Validation(f"A certificate can have at most {MAX_NAMES} domain names; {len(names)} were given.")
    return names


def request_certificate(ctx: Context, p: Params) -> Result:
    if p.get("certificate_authority_arn"):
        raise Validation("Private certificate authorities (CertificateAuthorityArn) are not served by elbv2-provider.")
    names = _names(p["domain_name"], p.get("subject_alternative_names"))
    algorithm = p.get("key_algorithm") or "RSA_2048"
    if algorithm not in KEY_ALGORITHMS:
        raise Validation(f"Key algorithm {algorithm} is not supported for public certificates: use one of "
                         f"{', '.join(KEY_ALGORITHMS)}.")
    method = p.get("validation_method") or "EMAIL"
    if method not in ("DNS", "EMAIL"):
        raise Validation(f"Validation method {method} is not supported here: use DNS or EMAIL.")
    options = p.get("options") or {}
    now = ctx.now()
    pem, key = ctx.ca().issue(names, algorithm, now)
    found = checks.details(checks.certificates(pem.encode(), "certificate")[0])
    arn = partitions.arn("acm", ctx.region, ctx.account, f"certificate/{uuid.uuid4()}")
    cert = Certificate(
        arn=arn, region=ctx.region, domain_name=names[0], names=names, type=AMAZON_ISSUED, created_at=now,
        issued_at=now + ctx.validation_delay, not_before=found.not_before, not_after=found.not_after,
        key_algorithm=algorithm, signature_algorithm=found.signature_algorithm, validation_method=method,
        token=uuid.uuid4().hex, serial=found.serial, subject=found.subject, issuer=found.issuer,
        certificate=pem, chain=ctx.ca().pem, private_key=key,
        export=options.get("export") or "DISABLED",
        transparency=options.get("certificate_transparency_logging_preference") or "ENABLED",
        tags=tags.validated(p.get("tags")),
    )
    with ctx.certificates.write() as tx:
        tx[arn] = cert
    return {"certificate_arn": arn}


def import_certificate(ctx: Context, p: Params) -> Result:
    now = ctx.now()
    found, pem, key, chain = checks.checked(p["certificate"], p["private_key"], p.get("certificate_chain"), now)
    old = lookup(ctx, p["certificate_arn"]) if p.get("certificate_arn") else None
    if old is not None and p.get("tags"):
        raise InvalidParameter("Tags cannot be specified when reimporting a certificate.")
    if old is not None and old.type != IMPORTED:
        raise Validation(f"Certificate {old.arn} was not imported: only imported certificates can be reimported.")
    arn = old.arn if old else partitions.arn("acm", ctx.region, ctx.account, f"certificate/{uuid.uuid4()}")
    cert = Certificate(
        arn=arn, region=ctx.region, domain_name=found.domain_name, names=found.names, type=IMPORTED,
        created_at=old.created_at if old else now, imported_at=now, not_before=found.not_before,
        not_after=found.not_after, key_algorithm=found.key_algorithm, signature_algorithm=found.signature_algorithm,
        serial=found.serial, subject=found.subject, issuer=found.issuer, certificate=pem, chain=chain,
        private_key=key, tags=old.tags if old else tags.validated(p.get("tags")),
    )
    with ctx.certificates.write() as tx:
        tx[arn] = cert
    return {"certificate_arn": arn}


def describe_certificate(ctx: Context, p: Params) -> Result:
    cert = lookup(ctx, p["certificate_arn"])
    return {"certificate": shapes.describe(cert, ctx.now(), ctx.users(cert.arn))}


def list_certificates(ctx: Context, p: Params) -> Result:
    now = ctx.now()
    statuses = set(p.get("certificate_statuses") or ())
    includes = p.get("includes") or {}
    key_types = set(includes.get("key_types") or DEFAULT_KEY_TYPES)
    export = includes.get("export_option")
    found = [
        c for c in ctx.certificates.all().values()
        if c.region == ctx.region and (not statuses or c.status(now) in statuses) and c.key_algorithm in key_types
        and (export is None or c.export == export)
    ]
    found.sort(key=lambda c: (c.created_at, c.arn), reverse=p.get("sort_order") == "DESCENDING")
    start = 0
    if p.get("next_token"):
        token = p["next_token"]
        if not (token.isascii() and token.isdigit()) or int(token) > len(found):
            raise InvalidArgs("The NextToken is not valid.")
        start = int(token)
    end = start + (p.get("max_items") or 1000)
    return {
        "certificate_summary_list": [shapes.summary(c, now, ctx.users(c.arn)) for c in found[start:end]],
        "next_token": str(end) if end < len(found) else None,
    }


def _issued(ctx: Context, arn: str) -> Certificate:
    cert = lookup(ctx, arn)
    if cert.status(ctx.now()) == PENDING:
        raise RequestInProgress(f"Certificate {arn} is not yet issued; it is still being validated.")
    return cert


def get_certificate(ctx: Context, p: Params) -> Result:
    cert = _issued(ctx, p["certificate_arn"])
    return {"certificate": cert.certificate, "certificate_chain": cert.chain or None}


def export_certificate(ctx: Context, p: Params) -> Result:
    cert = _issued(ctx, p["certificate_arn"])
    if cert.type != AMAZON_ISSUED or cert.export != "ENABLED":
        raise Validation(f"Certificate {cert.arn} cannot be exported: only certificates requested with "
                         "Options.Export=ENABLED can be.")
    passphrase: bytes = p["passphrase"]
    if len(passphrase) < 4:
        raise Validation("The passphrase must be at least 4 characters long.")
    key = serialization.load_pem_private_key(cert.private_key.encode(), password=None)
    encrypted = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                  serialization.BestAvailableEncryption(passphrase))
    return {"certificate": cert.certificate, "certificate_chain": cert.chain, "private_key": encrypted.decode()}


def renew_certificate(ctx: Context, p: Params) -> Result:
    cert = _issued(ctx, p["certificate_arn"])
    if cert.type != AMAZON_ISSUED or cert.status(ctx.now()) != ISSUED:
        raise Validation(f"Certificate {cert.arn} is not eligible for renewal: only issued certificates that ACM "
                         "issued can be renewed.")
    now = ctx.now()
    pem, key = ctx.ca().issue(cert.names, cert.key_algorithm, now)
    found = checks.details(checks.certificates(pem.encode(), "certificate")[0])
    renewed = replace(cert, certificate=pem, private_key=key, chain=ctx.ca().pem, serial=found.serial,
                      not_before=found.not_before, not_after=found.not_after, renewed_at=now)
    with ctx.certificates.write() as tx:
        tx[cert.arn] = renewed
    return {}


def update_certificate_options(ctx: Context, p: Params) -> Result:
    cert = lookup(ctx, p["certificate_arn"])
    options: dict[str, Any] = p["options"]
    with ctx.certificates.write() as tx:
        tx[cert.arn] = replace(
            cert,
            transparency=options.get("certificate_transparency_logging_preference") or cert.transparency,
            export=options.get("export") or cert.export,
        )
    return {}


def delete_certificate(ctx: Context, p: Params) -> Result:
    cert = lookup(ctx, p["certificate_arn"])
    users = ctx.users(cert.arn)
    if users:
        raise ResourceInUse(f"Certificate {cert.arn} in account {ctx.account} is in use by {', '.join(users)}.")
    with ctx.certificates.write() as tx:
        tx[cert.arn] = None
    return {}


OPERATIONS: dict[str, Handler] = {
    "RequestCertificate": request_certificate,
    "ImportCertificate": import_certificate,
    "DescribeCertificate": describe_certificate,
    "ListCertificates": list_certificates,
    "GetCertificate": get_certificate,
    "ExportCertificate": export_certificate,
    "RenewCertificate": renew_certificate,
    "UpdateCertificateOptions": update_certificate_options,
    "DeleteCertificate": delete_certificate,
    **tags.operations(lookup),
}
