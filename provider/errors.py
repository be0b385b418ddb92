"""API errors: one small class per AWS error code; provider/aws renders each in the protocol's envelope.

>>> error = PriorityInUse("Priority '10' is currently in use"); error.code, error.status
('PriorityInUse', 400)
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


class ApiError(Exception):
    code = "InternalFailure"
    status = 400

    def __init__(self, message: str, details: Mapping[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details: Mapping[str, Any] = details or {}  # the modeled error's other members, snake_case

    @property
    def fault(self) -> str:
        return "Sender" if self.status < 500 else "Receiver"


# Generic errors real ELBv2 uses that are not in the service model.
class ValidationError(ApiError):
    code = "ValidationError"


class InvalidAction(ApiError):
    code = "InvalidAction"


class MissingAction(ApiError):
    code = "MissingAction"


class InvalidParameterValue(ApiError):
    code = "InvalidParameterValue"


class MalformedQueryString(ApiError):
    code = "MalformedQueryString"


class PayloadTooLarge(ApiError):
    code = "RequestEntityTooLarge"
    status = 413


class UnsupportedOperation(ApiError):
    """An operation the service's model has and this provider does not serve."""

    code = "UnsupportedOperation"

    @classmethod
    def named(cls, operation: str) -> UnsupportedOperation:
        return cls(f"{operation} is not supported by elbv2-provider")


class MissingParameter(ApiError):
    code = "MissingParameter"


class SerializationException(ApiError):
    code = "SerializationException"  # a json or cbor body that cannot be read, or a value of the wrong type in it


class UnknownOperation(ApiError):
    code = "UnknownOperationException"  # an X-Amz-Target or rpc-v2-cbor path naming no operation served here


class AccessDenied(ApiError):
    code = "AccessDenied"
    status = 403


# Modeled ELBv2 errors (service-2.json), all sender faults with HTTP 400.
class LoadBalancerNotFound(ApiError):
    code = "LoadBalancerNotFound"


class TargetGroupNotFound(ApiError):
    code = "TargetGroupNotFound"


class ListenerNotFound(ApiError):
    code = "ListenerNotFound"


class RuleNotFound(ApiError):
    code = "RuleNotFound"


class PriorityInUse(ApiError):
    code = "PriorityInUse"


class DuplicateLoadBalancerName(ApiError):
    code = "DuplicateLoadBalancerName"


class DuplicateTargetGroupName(ApiError):
    code = "DuplicateTargetGroupName"


class DuplicateListener(ApiError):
    code = "DuplicateListener"


class DuplicateTagKeys(ApiError):
    code = "DuplicateTagKeys"


class TooManyTags(ApiError):
    code = "TooManyTags"


class TooManyTargetGroups(ApiError):
    code = "TooManyTargetGroups"


class TooManyRules(ApiError):
    code = "TooManyRules"


class TooManyActions(ApiError):
    code = "TooManyActions"


class TooManyTargets(ApiError):
    code = "TooManyTargets"


class TooManyListeners(ApiError):
    code = "TooManyListeners"


class TooManyLoadBalancers(ApiError):
    code = "TooManyLoadBalancers"


class TargetGroupAssociationLimit(ApiError):
    code = "TargetGroupAssociationLimit"


class InvalidConfigurationRequest(ApiError):
    code = "InvalidConfigurationRequest"


class InvalidLoadBalancerAction(ApiError):
    code = "InvalidLoadBalancerAction"


class IncompatibleProtocols(ApiError):
    code = "IncompatibleProtocols"


class UnsupportedProtocol(ApiError):
    code = "UnsupportedProtocol"


class OperationNotPermitted(ApiError):
    code = "OperationNotPermitted"


class ResourceInUse(ApiError):
    code = "ResourceInUse"


class InvalidTarget(ApiError):
    code = "InvalidTarget"


class SSLPolicyNotFound(ApiError):
    code = "SSLPolicyNotFound"


class CertificateNotFound(ApiError):
    code = "CertificateNotFound"


class TrustStoreNotFound(ApiError):
    code = "TrustStoreNotFound"


class DuplicateTrustStoreName(ApiError):
    code = "DuplicateTrustStoreName"


class TrustStoreInUse(ApiError):
    code = "TrustStoreInUse"


class TooManyTrustStores(ApiError):
    code = "TooManyTrustStores"


class InvalidCaCertificatesBundle(ApiError):
    code = "InvalidCaCertificatesBundle"


class CaCertificatesBundleNotFound(ApiError):
    code = "CaCertificatesBundleNotFound"


class InvalidRevocationContent(ApiError):
    code = "InvalidRevocationContent"


class RevocationContentNotFound(ApiError):
    code = "RevocationContentNotFound"


class RevocationIdNotFound(ApiError):
    code = "RevocationIdNotFound"


class AssociationNotFound(ApiError):
    code = "AssociationNotFound"


class DeleteAssociationSameAccount(ApiError):
    code = "DeleteAssociationSameAccount"


class InvalidScheme(ApiError):
    code = "InvalidScheme"


class InvalidSubnet(ApiError):
    code = "InvalidSubnet"


class InvalidSecurityGroup(ApiError):
    code = "InvalidSecurityGroup"
