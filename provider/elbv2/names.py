"""Resource-name rules shared by load balancers and target groups (elbv2-api.md 2).

>>> validate_load_balancer_name("web")          # a valid name: no answer
>>> validate_target_group_name("-blue")
Traceback (most recent call last):
provider.errors.ValidationError: Target group name '-blue' cannot begin or end with '-' character
"""

from __future__ import annotations

import re

from provider import texts
from provider.elbv2 import limits
from provider.errors import ValidationError

_ALLOWED = re.compile(r"[A-Za-z0-9-]+")


def validate_load_balancer_name(name: str) -> None:
    _validate("Load balancer", name)
    if name.lower().startswith("internal-"):
        raise ValidationError(f"Load balancer name '{name}' cannot begin with 'internal-'")


def validate_target_group_name(name: str) -> None:
    _validate("Target group", name)
    if "--" in name:
        raise ValidationError(texts.NAME_DOUBLE_HYPHEN.format(kind="Target group", name=name))


def _validate(kind: str, name: str) -> None:
    """The rules load balancer and target group names share: 1-32 alphanumerics or hyphens, no edge hyphen."""
    if len(name) > limits.NAME_LENGTH:
        raise ValidationError(texts.NAME_TOO_LONG.format(kind=kind, name=name, limit=limits.NAME_LENGTH))
    if not _ALLOWED.fullmatch(name):
        raise ValidationError(
            f"{kind} name '{name}' can only contain characters that are alphanumeric characters or hyphens(-)"
        )
    if name.startswith("-") or name.endswith("-"):
        raise ValidationError(f"{kind} name '{name}' cannot begin or end with '-' character")
