"""EC2's error codes, one small class each (the shape of provider/errors.py); all sender faults with HTTP 400.

>>> error = VpcNotFound("The vpc ID 'vpc-1' does not exist"); error.code, error.status
('InvalidVpcID.NotFound', 400)
"""

from __future__ import annotations

from provider.errors import ApiError


class VpcNotFound(ApiError):
    code = "InvalidVpcID.NotFound"


class SubnetNotFound(ApiError):
    code = "InvalidSubnetID.NotFound"


class GroupNotFound(ApiError):
    code = "InvalidGroup.NotFound"


class DuplicateGroup(ApiError):
    code = "InvalidGroup.Duplicate"


class ReservedGroup(ApiError):
    code = "InvalidGroup.Reserved"


class SubnetConflict(ApiError):
    code = "InvalidSubnet.Conflict"


class SubnetRange(ApiError):
    code = "InvalidSubnet.Range"


class VpcRange(ApiError):
    code = "InvalidVpc.Range"


class DuplicatePermission(ApiError):
    code = "InvalidPermission.Duplicate"


class PermissionNotFound(ApiError):
    code = "InvalidPermission.NotFound"


class MalformedPermission(ApiError):
    code = "InvalidPermission.Malformed"


class DependencyViolation(ApiError):
    code = "DependencyViolation"


class CannotDelete(ApiError):
    code = "CannotDelete"


class InvalidId(ApiError):
    code = "InvalidID"


class InvalidParameterCombination(ApiError):
    code = "InvalidParameterCombination"


class TagLimitExceeded(ApiError):
    code = "TagLimitExceeded"


class OperationNotPermitted(ApiError):
    code = "OperationNotPermitted"
