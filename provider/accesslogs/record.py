"""One request as ALB would log it: the row of the ``requests`` table (provider/store/telemetry_schema.py), with the
same field names in the same order.

>>> COLUMNS[:4]
('ts_ms', 'load_balancer', 'listener_port', 'rule_priority')
"""

from __future__ import annotations

from dataclasses import dataclass, fields


@dataclass(frozen=True, slots=True)
class Request:
    ts_ms: int  # when the response was complete, epoch milliseconds
    load_balancer: str  # 'app/<name>/<id>'
    listener_port: int
    rule_priority: int  # 0 for the default rule
    action: str  # ActionType value: forward | fixed-response | redirect
    target_group: str | None  # 'targetgroup/<name>/<id>'
    target: str | None  # 'ip:port'
    elb_status: int
    target_status: int | None  # None: the target did not answer
    request_s: float
    target_s: float | None
    response_s: float
    received_bytes: int
    sent_bytes: int
    client: str  # 'ip:port'
    method: str
    url: str  # 'http://host:80/path?query'
    protocol: str  # 'HTTP/1.1'
    user_agent: str
    connection_error: bool

    @property
    def created_ms(self) -> float:
        """When the request arrived: the response time less the time spent on it."""
        return self.ts_ms - 1000 * (self.request_s + (self.target_s or 0.0) + self.response_s)


COLUMNS = tuple(f.name for f in fields(Request))
