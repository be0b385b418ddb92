"""LCU capacity reservations (DescribeCapacityReservation, ModifyCapacityReservation): the reserved units are
stored on the load balancer and reported provisioned at once, spread over its zones; nothing else changes
(there is no capacity to reserve locally). Terraform's aws_lb reads the reservation on every refresh.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from provider.elbv2 import lookup
from provider.elbv2.context import Context, Handler, Params, Result
from provider.elbv2.model import LoadBalancer
from provider.errors import ValidationError

DECREASES_PER_DAY = 4  # DecreaseRequestsRemaining: a fresh day's allowance; decreases are not counted here


def shape(lb: LoadBalancer) -> Result:
    """No reservation: no capacity, no per-zone states."""
    if lb.capacity_units is None:
        return {"decrease_requests_remaining": DECREASES_PER_DAY, "capacity_reservation_state": []}
    zones = sorted({zone for _, zone in lb.zones}) or ["-"]
    states: list[dict[str, Any]] = [
        {"availability_zone": z, "effective_capacity_units": lb.capacity_units / len(zones),
         "state": {"code": "provisioned"}}
        for z in zones
    ]  # fmt: skip
    return {
        "decrease_requests_remaining": DECREASES_PER_DAY,
        "minimum_load_balancer_capacity": {"capacity_units": lb.capacity_units},
        "capacity_reservation_state": states,
    }


def describe_capacity_reservation(ctx: Context, p: Params) -> Result:
    return shape(lookup.load_balancer(ctx.store.snapshot(), p["load_balancer_arn"]))


def modify_capacity_reservation(ctx: Context, p: Params) -> Result:
    capacity, reset = p.get("minimum_load_balancer_capacity"), bool(p.get("reset_capacity_reservation"))
    if (capacity is not None) == reset:
        raise ValidationError("Specify either MinimumLoadBalancerCapacity or ResetCapacityReservation")
    units = None if reset else (capacity or {}).get("capacity_units")
    if not reset and (not isinstance(units, int) or units < 1):
        raise ValidationError("MinimumLoadBalancerCapacity needs CapacityUnits of at least 1")
    with ctx.store.write() as tx:
        lb = replace(lookup.load_balancer(tx.state, p["load_balancer_arn"]), capacity_units=units)
        tx.put(lb)
    return shape(lb)


OPERATIONS: dict[str, Handler] = {
    "DescribeCapacityReservation": describe_capacity_reservation,
    "ModifyCapacityReservation": modify_capacity_reservation,
}
