"""CloudWatch's own error codes (service-2.json), beside the generic ones in provider/errors.py.

>>> error = InvalidParameterCombination("Must specify either Statistics or ExtendedStatistics")
>>> error.code, error.status
('InvalidParameterCombination', 400)
"""

from __future__ import annotations

from provider.errors import ApiError, InvalidParameterValue, MissingParameter, ValidationError

__all__ = ["InvalidNextToken", "InvalidParameterCombination", "InvalidParameterValue", "MissingParameter",
           "ResourceNotFoundException", "ValidationError"]


class InvalidParameterCombination(ApiError):
    code = "InvalidParameterCombination"


class InvalidNextToken(ApiError):
    code = "InvalidNextToken"


class ResourceNotFoundException(ApiError):
    code = "ResourceNotFoundException"
    status = 404
