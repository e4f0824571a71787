"""How the sandbox misbehaves on purpose: throttling, replication delay and injected faults.

Throttling follows the identity and access service limits of Microsoft Graph
(https://learn.microsoft.com/graph/throttling-limits#identity-and-access-service-limits):
token buckets per (application, tenant) pair, one for resource units and one for writes.

Base resource-unit costs from that page's table; anything not listed costs 1:
    GET users 2, GET groups/{id}/members 3, GET subscribedSkus 3,
    GET me/licenseDetails 2 and GET me/memberOf 2 (the same for users/{id}/...),
    POST/PATCH/PUT/DELETE 1 resource unit plus 1 write.
Modifiers: `$select` -1, `$expand` +1, `$top` below 20 -1; a request never costs less than 1.
Limits: 3,500 / 5,000 / 8,000 RU per 10 s for S / M / L tenants; 3,000 writes per 150 s.
"""

from __future__ import annotations

import math
import random
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from app.sandbox.errors import MSG_THROTTLED, GraphError

if TYPE_CHECKING:
    from app.sandbox.graph_core import GraphRequest
    from app.sandbox.state import SandboxState, TokenGrant, User


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass
class TokenBucket:
    capacity: float
    rate: float  # units refilled per second
    level: float
    updated: float

    def refill(self, now: float) -> None:
        self.level = min(self.capacity, self.level + (now - self.updated) * self.rate)
        self.updated = now

    def wait_for(self, cost: float) -> float:
        """Seconds until `cost` units are available (0 when they are now)."""
        if self.level >= cost:
            return 0.0
        if self.rate <= 0:
            return math.inf
        return (min(cost, self.capacity) - self.level) / self.rate


def _bucket(
    state: SandboxState, key: tuple[str, str, str], capacity: float, window: float
) -> TokenBucket:
    now = state.clock()
    rate = capacity / window if window > 0 else math.inf
    bucket = state.buckets.get(key)
    if not isinstance(bucket, TokenBucket) or (bucket.capacity, bucket.rate) != (capacity, rate):
        # New pair, or the limits were changed at runtime: start from a full bucket.
        bucket = TokenBucket(capacity=capacity, rate=rate, level=capacity, updated=now)
        state.buckets[key] = bucket
    bucket.refill(now)
    return bucket


def resource_units(base_cost: int, request: GraphRequest) -> int:
    cost = base_cost
    names = {k.lstrip("$").lower(): v for k, v in request.query.items()}
    if request.method == "GET":
        if "select" in names:
            cost -= 1
        if "expand" in names:
            cost += 1
        top = names.get("top")
        if top is not None and top.isdigit() and int(top) < 20:
            cost -= 1
    return max(1, cost)


def format_retry_after(state: SandboxState, seconds: float) -> str:
    """Graph sends whole seconds in practice; the fractional form exists for fast test runs."""
    if state.behaviour.fractional_retry_after:
        return f"{max(seconds, 0.001):.3f}"
    return str(max(1, math.ceil(seconds)))


def throttled_error(
    state: SandboxState, seconds: float, reason: str, scope: str | None = None
) -> GraphError:
    headers = {"Retry-After": format_retry_after(state, seconds)}
    if scope:
        headers["x-ms-throttle-scope"] = scope
    headers["x-ms-throttle-information"] = reason
    return GraphError(
        429,
        "TooManyRequests",
        MSG_THROTTLED,
        headers=headers,
        inner_extra={"code": "429", "status": "429", "message": "Please retry after"},
    )


def charge(state: SandboxState, grant: TokenGrant, units: int, is_write: bool) -> None:
    """Take the request's cost from both buckets, or raise 429 with the wait until it fits.

    Throttled requests are not charged: only the requests exceeding the limits fail, and the
    budget they did not use stays for the next attempt.
    """
    settings = state.behaviour
    if not settings.throttling_enabled:
        return
    scale = settings.throttle_scale
    pair = (grant.client_id, grant.tenant_id)
    ru = _bucket(state, (*pair, "ru"), settings.ru_capacity * scale, settings.ru_window_s)
    writes = _bucket(
        state, (*pair, "write"), settings.write_capacity * scale, settings.write_window_s
    )
    wait_ru = ru.wait_for(units)
    wait_write = writes.wait_for(1) if is_write else 0.0
    if wait_ru > 0 or wait_write > 0:
        limit = "Write" if wait_write >= wait_ru else "ReadWrite"
        reason = "WriteLimitExceeded" if wait_write >= wait_ru else "ResourceUnitLimitExceeded"
        scope = f"Tenant_Application/{limit}/{grant.client_id}/{grant.tenant_id}"
        raise throttled_error(state, max(wait_ru, wait_write), reason, scope)
    ru.level -= units
    if is_write:
        writes.level -= 1


def is_replicated(state: SandboxState, user: User) -> bool:
    delay = state.behaviour.replication_delay_s
    return delay <= 0 or time.monotonic() - user.created_mono >= delay


def draw_fault(state: SandboxState, method: str, path: str) -> str | None:
    """Pick an injected fault for this call, from a seeded RNG so runs are reproducible."""
    settings = state.behaviour
    total = settings.fault_rate_429 + settings.fault_rate_503 + settings.fault_rate_timeout
    if total <= 0:
        return None
    if settings.fault_methods and method.upper() not in {m.upper() for m in settings.fault_methods}:
        return None
    if settings.fault_path_prefix and not path.lower().startswith(
        settings.fault_path_prefix.lower()
    ):
        return None
    if state.fault_rng is None:
        state.fault_rng = random.Random(settings.fault_seed)
    roll = state.fault_rng.random()
    if roll < settings.fault_rate_429:
        return "429"
    if roll < settings.fault_rate_429 + settings.fault_rate_503:
        return "503"
    if roll < total:
        return "timeout"
    return None
