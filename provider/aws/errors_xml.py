"""ApiError -> the query-protocol error envelope.

>>> from provider.errors import PriorityInUse
>>> render_error(PriorityInUse("Priority '10' is currently in use"), "req-1")
b'<ErrorResponse xmlns="..."><Error><Type>Sender</Type><Code>PriorityInUse</Code><Message>Priority ...</Message>...'
"""

from __future__ import annotations

from provider.aws.model import ELBV2, ServiceModel
from provider.aws.serialize import writer_for
from provider.aws.xmltext import escape
from provider.errors import ApiError


def render_error(error: ApiError, request_id: str, model: ServiceModel = ELBV2) -> bytes:
    """The envelope, with the modeled error's other members (``error.details``) inside <Error>."""
    parts = [f'<ErrorResponse xmlns="{model.namespace}"><Error><Type>{error.fault}</Type>'
             f"<Code>{escape(error.code)}</Code><Message>{escape(error.message)}</Message>"]
    shape = model.error_shapes.get(error.code)
    if shape is not None and error.details:
        writer_for(shape)(error.details, parts.append)
    parts.append(f"</Error><RequestId>{escape(request_id)}</RequestId></ErrorResponse>")
    return "".join(parts).encode()


def render_ec2_error(error: ApiError, request_id: str) -> bytes:
    """EC2's own envelope: <Response><Errors><Error>...</Error></Errors><RequestID>...</RequestID></Response>."""
    return (
        f"<Response><Errors><Error><Code>{escape(error.code)}</Code><Message>{escape(error.message)}</Message>"
        f"</Error></Errors><RequestID>{escape(request_id)}</RequestID></Response>"
    ).encode()
