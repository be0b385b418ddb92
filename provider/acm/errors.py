"""ACM's error codes (botocore's acm model), one small class each."""

from __future__ import annotations

from provider.errors import ApiError


class ResourceNotFound(ApiError):
    code = "ResourceNotFoundException"


class InvalidArn(ApiError):
    code = "InvalidArnException"


class Validation(ApiError):
    code = "ValidationException"


class InvalidParameter(ApiError):
    code = "InvalidParameterException"


class InvalidDomainValidationOptions(ApiError):
    code = "InvalidDomainValidationOptionsException"


class RequestInProgress(ApiError):
    code = "RequestInProgressException"


class ResourceInUse(ApiError):
    code = "ResourceInUseException"


class InvalidTag(ApiError):
    code = "InvalidTagException"


class TooManyTags(ApiError):
    code = "TooManyTagsException"


class InvalidArgs(ApiError):
    code = "InvalidArgsException"


class LimitExceeded(ApiError):
    code = "LimitExceededException"


def not_found(arn: str) -> ResourceNotFound:
    return ResourceNotFound(f"Could not find certificate {arn}.")
