"""Trust stores (mutual TLS): CA bundles and revocation lists read as S3 objects (provider/objects/: an
S3-compatible server, or a local directory laid out as <bucket>/<key>), kept in the state; the listeners that verify
clients against them.

A bundle is read once, when the trust store is created or modified, as on AWS; a revocation list when it is added.
GetTrustStoreCaCertificatesBundle answers a ``data:`` URL holding the bundle (AWS: a presigned S3 URL);
GetTrustStoreRevocationContent a presigned URL of the list's object (S3's, or this server's for the directory).
There are no shared trust stores here (no other accounts): DeleteSharedTrustStoreAssociation finds none.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Sequence
from dataclasses import replace

from cryptography import x509

from provider import texts
from provider.elbv2 import arns, tags
from provider.elbv2.context import Context, Handler, Params, Result
from provider.elbv2.model import Revocation, State, TrustStore
from provider.elbv2.paging import page
from provider.errors import (
    AssociationNotFound,
    CaCertificatesBundleNotFound,
    DeleteAssociationSameAccount,
    DuplicateTrustStoreName,
    InvalidCaCertificatesBundle,
    InvalidRevocationContent,
    RevocationContentNotFound,
    RevocationIdNotFound,
    TooManyTrustStores,
    TrustStoreInUse,
    TrustStoreNotFound,
    ValidationError,
)

_NAME = re.compile(r"^([a-zA-Z0-9]+-)*[a-zA-Z0-9]+$")
TRUST_STORES_PER_REGION = 100  # AWS's default quota


def create_trust_store(ctx: Context, p: Params) -> Result:
    name = p["name"]
    if len(name) > 32 or not _NAME.match(name):
        raise ValidationError(f"Trust store name '{name}' is not valid")
    bundle, count = _bundle(ctx, p)
    with ctx.store.write() as tx:
        mine = [t for t in tx.state.trust_stores.values() if arns.region_of(t.arn) == ctx.region]
        if any(t.name == name for t in mine):
            raise DuplicateTrustStoreName(f"A trust store with the name '{name}' already exists")
        if len(mine) >= TRUST_STORES_PER_REGION:
            raise TooManyTrustStores(f"You have reached the limit of {TRUST_STORES_PER_REGION} trust stores")
        arn = arns.trust_store(ctx.region, ctx.account, name)
        store = TrustStore(arn, name, bundle, p["ca_certificates_bundle_s3_bucket"],
                           p["ca_certificates_bundle_s3_key"], p.get("ca_certificates_bundle_s3_object_version"),
                           count)
        tx.put(store)
        tx.set_tags(arn, tags.validate_tags(p.get("tags")))
    return {"trust_stores": [render(store)]}


def describe_trust_stores(ctx: Context, p: Params) -> Result:
    state = ctx.store.snapshot()
    names, wanted = p.get("names"), p.get("trust_store_arns")
    if names and wanted:
        raise ValidationError("Trust store ARNs and names cannot be specified at the same time")
    mine = sorted((t for t in state.trust_stores.values() if arns.region_of(t.arn) == ctx.region),
                  key=lambda t: t.name)
    if wanted:
        found = [lookup(state, ctx, arn) for arn in dict.fromkeys(wanted)]
    elif names:
        by_name = {t.name: t for t in mine}
        missing = [n for n in names if n not in by_name]
        if missing:
            raise TrustStoreNotFound(f"One or more trust stores not found: {', '.join(missing)}")
        found = [by_name[n] for n in dict.fromkeys(names)]
    else:
        found = mine
    shown, marker = page(found, p.get("marker"), p.get("page_size"))
    return {"trust_stores": [render(t) for t in shown], "next_marker": marker}


def modify_trust_store(ctx: Context, p: Params) -> Result:
    bundle, count = _bundle(ctx, p)
    with ctx.store.write() as tx:
        store = replace(lookup(tx.state, ctx, p["trust_store_arn"]), bundle=bundle, ca_count=count,
                        bucket=p["ca_certificates_bundle_s3_bucket"], key=p["ca_certificates_bundle_s3_key"],
                        version=p.get("ca_certificates_bundle_s3_object_version"))
        tx.put(store)
    return {"trust_stores": [render(store)]}


def delete_trust_store(ctx: Context, p: Params) -> Result:
    with ctx.store.write() as tx:
        store = lookup(tx.state, ctx, p["trust_store_arn"])
        users = associations(tx.state, store.arn)
        if users:
            raise TrustStoreInUse(f"Trust store '{store.arn}' is currently in use by {', '.join(users)}")
        tx.delete(store)
    return {}


def get_trust_store_ca_certificates_bundle(ctx: Context, p: Params) -> Result:
    store = lookup(ctx.store.snapshot(), ctx, p["trust_store_arn"])
    return {"location": "data:application/x-pem-file;base64," + base64.b64encode(store.bundle.encode()).decode()}


def add_trust_store_revocations(ctx: Context, p: Params) -> Result:
    contents = p.get("revocation_contents") or ()
    lists = [(c, _revoked(ctx, c)) for c in contents]
    with ctx.store.write() as tx:
        store = lookup(tx.state, ctx, p["trust_store_arn"])
        authorities = {c.subject for c in x509.load_pem_x509_certificates(store.bundle.encode())}
        added = []
        next_id = store.next_revocation_id
        for content, (issuer, serials) in lists:
            if issuer not in authorities:
                raise InvalidRevocationContent("The revocation list was not issued by a CA of the trust store")
            added.append(Revocation(next_id, content["s3_bucket"], content["s3_key"],
                                    content.get("s3_object_version"), serials))
            next_id += 1
        store = replace(store, revocations=store.revocations + tuple(added), next_revocation_id=next_id)
        tx.put(store)
    return {"trust_store_revocations": [_render_revocation(store, r) for r in added]}


def remove_trust_store_revocations(ctx: Context, p: Params) -> Result:
    with ctx.store.write() as tx:
        store = lookup(tx.state, ctx, p["trust_store_arn"])
        _check_ids(store, p["revocation_ids"])
        gone = set(p["revocation_ids"])
        tx.put(replace(store, revocations=tuple(r for r in store.revocations if r.revocation_id not in gone)))
    return {}


def describe_trust_store_revocations(ctx: Context, p: Params) -> Result:
    store = lookup(ctx.store.snapshot(), ctx, p["trust_store_arn"])
    ids = p.get("revocation_ids")
    if ids:
        _check_ids(store, ids)
    found = [r for r in store.revocations if not ids or r.revocation_id in ids]
    shown, marker = page(found, p.get("marker"), p.get("page_size"))
    return {"trust_store_revocations": [_render_revocation(store, r) for r in shown], "next_marker": marker}


def describe_trust_store_associations(ctx: Context, p: Params) -> Result:
    state = ctx.store.snapshot()
    store = lookup(state, ctx, p["trust_store_arn"])
    shown, marker = page(associations(state, store.arn), p.get("marker"), p.get("page_size"))
    return {"trust_store_associations": [{"resource_arn": arn} for arn in shown], "next_marker": marker}


def get_trust_store_revocation_content(ctx: Context, p: Params) -> Result:
    store = lookup(ctx.store.snapshot(), ctx, p["trust_store_arn"])
    _check_ids(store, [p["revocation_id"]])
    r = next(r for r in store.revocations if r.revocation_id == p["revocation_id"])
    if ctx.objects is None:
        raise RevocationContentNotFound(f"Revocation content 's3://{r.bucket}/{r.key}' not found")
    return {"location": ctx.objects.location(r.bucket, r.key, r.version)}


def delete_shared_trust_store_association(ctx: Context, p: Params) -> Result:
    store = lookup(ctx.store.snapshot(), ctx, p["trust_store_arn"])
    resource = p["resource_arn"]
    if arns.account_of(resource) == ctx.account:
        raise DeleteAssociationSameAccount(texts.ASSOCIATION_SAME_ACCOUNT.format(resource=resource))
    raise AssociationNotFound(texts.ASSOCIATION_NOT_FOUND.format(resource=resource, store=store.arn))


def associations(state: State, arn: str) -> list[str]:
    """The load balancers with a listener verifying clients against trust store ``arn``."""
    return sorted({
        li.load_balancer_arn for li in state.listeners.values()
        if li.mutual_authentication is not None and li.mutual_authentication.trust_store_arn == arn
    })  # fmt: skip


def lookup(state: State, ctx: Context, arn: str) -> TrustStore:
    store = state.trust_stores.get(arn)
    if store is None or arns.region_of(arn) != ctx.region:
        raise TrustStoreNotFound(f"Trust store '{arn}' not found")
    return store


def render(store: TrustStore) -> Result:
    return {"name": store.name, "trust_store_arn": store.arn, "status": "ACTIVE",
            "number_of_ca_certificates": store.ca_count, "total_revoked_entries": len(store.revoked)}


def _render_revocation(store: TrustStore, r: Revocation) -> Result:
    return {"trust_store_arn": store.arn, "revocation_id": r.revocation_id, "revocation_type": "CRL",
            "number_of_revoked_entries": len(r.serials)}


def _check_ids(store: TrustStore, ids: Sequence[int]) -> None:
    known = {r.revocation_id for r in store.revocations}
    missing = [str(i) for i in ids if i not in known]
    if missing:
        raise RevocationIdNotFound(f"Revocation IDs not found: {', '.join(missing)}")


def _read(ctx: Context, bucket: str, key: str, version: str | None) -> bytes | None:
    return ctx.objects.read(bucket, key, version) if ctx.objects is not None else None


def _bundle(ctx: Context, p: Params) -> tuple[str, int]:
    """The CA bundle the call names, as PEM, and how many certificates it holds."""
    bucket, key = p["ca_certificates_bundle_s3_bucket"], p["ca_certificates_bundle_s3_key"]
    data = _read(ctx, bucket, key, p.get("ca_certificates_bundle_s3_object_version"))
    if data is None:
        raise CaCertificatesBundleNotFound(f"CA certificates bundle 's3://{bucket}/{key}' not found")
    try:
        certificates = x509.load_pem_x509_certificates(data)
    except ValueError:
        raise InvalidCaCertificatesBundle("The CA certificates bundle is not valid PEM certificates") from None
    if len(certificates) > 1000 or len(data) > 1_000_000:
        raise InvalidCaCertificatesBundle("The CA certificates bundle is larger than 1 MB or 1,000 certificates")
    return data.decode(), len(certificates)


def _revoked(ctx: Context, content: Params) -> tuple[x509.Name, tuple[str, ...]]:
    """A revocation list's issuer and the serials it revokes (lower hex)."""
    if content.get("revocation_type", "CRL") != "CRL":
        raise InvalidRevocationContent("Only CRL revocation content is supported")
    bucket, key = content.get("s3_bucket"), content.get("s3_key")
    if not bucket or not key:
        raise ValidationError("A revocation content needs S3Bucket and S3Key")
    data = _read(ctx, bucket, key, content.get("s3_object_version"))
    if data is None:
        raise RevocationContentNotFound(f"Revocation content 's3://{bucket}/{key}' not found")
    try:
        crl = x509.load_pem_x509_crl(data) if data.lstrip().startswith(b"-----") else x509.load_der_x509_crl(data)
    except ValueError:
        raise InvalidRevocationContent("The revocation content is not a valid CRL (PEM or DER)") from None
    return crl.issuer, tuple(sorted(format(r.serial_number, "x") for r in crl))


OPERATIONS: dict[str, Handler] = {
    "CreateTrustStore": create_trust_store,
    "DescribeTrustStores": describe_trust_stores,
    "ModifyTrustStore": modify_trust_store,
    "DeleteTrustStore": delete_trust_store,
    "GetTrustStoreCaCertificatesBundle": get_trust_store_ca_certificates_bundle,
    "AddTrustStoreRevocations": add_trust_store_revocations,
    "RemoveTrustStoreRevocations": remove_trust_store_revocations,
    "DescribeTrustStoreRevocations": describe_trust_store_revocations,
    "DescribeTrustStoreAssociations": describe_trust_store_associations,
    "GetTrustStoreRevocationContent": get_trust_store_revocation_content,
    "DeleteSharedTrustStoreAssociation": delete_shared_trust_store_association,
}
