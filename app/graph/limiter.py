"""Per-(app, tenant) pacing that keeps us under Graph's identity-service budgets.

Source: "Identity and access service limits", https://learn.microsoft.com/graph/throttling-limits
(microsoftgraph/microsoft-graph-docs-contrib, includes/throttling-identity-and-access.md), limits
per application+tenant pair:
- writes: 3,000 requests per 2 minutes 30 seconds (POST, PATCH, PUT, DELETE);
- resource units: 3,500 (S, < 50 users), 5,000 (M, 50-500) or 8,000 (L, > 500) per 10 seconds.
(The per-app limits across all tenants, 150,000 RU / 20 s and 35,000 writes / 5 min, and the
per-tenant 18,000 writes / 5 min for all apps are not modelled: the key here is one app+tenant.)

Graph enforces these as token buckets that start full. We do not mirror the full bucket:
bursting its 3,000 writes and then stalling would leave both sides running on empty, where
every bit of clock or network jitter turns into a 429. Instead each key gets a bucket with the
same refill rate (times `headroom`) but only `burst_s` seconds of capacity, so requests go out
evenly spaced, Graph's bucket stays nearly full, and a 429 only happens when something else
(another app, a retry storm) eats the tenant's budget.

The bucket reserves: a caller that finds no room takes its tokens anyway (the balance goes
negative) and is told how long to wait for its slot. Every caller is served in arrival order
with one round trip and no polling, and a request bigger than the burst (a `$batch` of 20
writes) is simply paced by the debt it leaves behind.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Protocol

import redis.asyncio as aioredis


@dataclass(frozen=True)
class BucketSpec:
    rate: float  # tokens per second
    capacity: float  # most tokens that can be banked (the burst)


@dataclass(frozen=True)
class Budget:
    """Graph's published budgets for one app+tenant pair, and how closely we pace them.

    `scale` multiplies both ceilings (benchmarks shrink or grow them together with the
    sandbox tenant's settings); `headroom` is the share of the ceiling we aim for; `burst_s`
    is how many seconds of refill may go out at once after an idle spell.
    """

    write_capacity: float = 3000.0
    write_window_s: float = 150.0
    unit_capacity: float = 8000.0
    unit_window_s: float = 10.0
    scale: float = 1.0
    headroom: float = 0.98
    burst_s: float = 1.0

    def __post_init__(self) -> None:
        if min(self.write_capacity, self.write_window_s, self.unit_capacity) <= 0:
            raise ValueError("budget capacities and windows must be positive")
        if self.unit_window_s <= 0 or self.scale <= 0 or self.burst_s <= 0:
            raise ValueError("unit window, scale and burst must be positive")
        if not 0 < self.headroom <= 1:
            raise ValueError("headroom must be in (0, 1]")

    @property
    def write_ceiling(self) -> float:
        """Graph's sustained write rate for this budget, in writes per second."""
        return self.write_capacity * self.scale / self.write_window_s

    @property
    def unit_ceiling(self) -> float:
        """Graph's sustained resource-unit rate for this budget, per second."""
        return self.unit_capacity * self.scale / self.unit_window_s

    def writes(self) -> BucketSpec:
        return self._spec(self.write_ceiling, self.write_capacity * self.scale)

    def units(self) -> BucketSpec:
        return self._spec(self.unit_ceiling, self.unit_capacity * self.scale)

    def _spec(self, ceiling: float, server_capacity: float) -> BucketSpec:
        rate = ceiling * self.headroom
        return BucketSpec(rate=rate, capacity=min(server_capacity, rate * self.burst_s))


@dataclass(frozen=True)
class BucketState:
    tokens: float  # balance at `stamp`; negative while callers wait for reserved slots
    stamp: float  # seconds; may lie in the future when slots are reserved ahead


def reserve(
    state: BucketState | None, spec: BucketSpec, now: float, need: float
) -> tuple[BucketState | None, float]:
    """Take `need` tokens; return the new state and the time the caller may go.

    A caller may go once the balance covers its need (or the whole capacity, for needs larger
    than the burst). Slots are handed out in order: a new caller queues behind the last
    reservation. The Lua script in `RedisLimiter` is a line-for-line copy of this function.
    """
    if need <= 0:
        return state, now
    if state is None:
        state = BucketState(tokens=spec.capacity, stamp=now)
    start = max(now, state.stamp)
    available = min(spec.capacity, state.tokens + (start - state.stamp) * spec.rate)
    wanted = min(need, spec.capacity)
    at = start if available >= wanted else start + (wanted - available) / spec.rate
    balance = available + (at - start) * spec.rate - need
    return BucketState(tokens=balance, stamp=at), at


def balance(state: BucketState | None, spec: BucketSpec, now: float) -> float:
    """Tokens available now (negative: that many are already promised to waiting callers)."""
    if state is None:
        return spec.capacity
    return min(spec.capacity, state.tokens + (now - state.stamp) * spec.rate)


class RateLimiter(Protocol):
    """Shared pacing for one Graph budget key ("app id + tenant")."""

    async def acquire(self, key: str, *, writes: int, units: int) -> None:
        """Wait until both budgets have room for this request, then take it."""

    async def pause(self, key: str, seconds: float) -> None:
        """Hold every request for `key` for `seconds` (Graph answered 429 for this tenant)."""

    async def usage(self, key: str) -> dict[str, float]:
        """Current balances and pause, for metrics."""


Sleep = Callable[[float], Awaitable[Any]]


class InProcessLimiter:
    """Limiter for the embedded single-process mode.

    No lock: reservation is plain arithmetic with no await in between, so on one event loop it
    is atomic already.
    """

    def __init__(
        self,
        budget: Budget | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.budget = budget or Budget()
        self._writes = self.budget.writes()
        self._units = self.budget.units()
        self._clock = clock
        self._sleep = sleep
        self._state: dict[str, tuple[BucketState | None, BucketState | None]] = {}
        self._paused_until: dict[str, float] = {}

    async def acquire(self, key: str, *, writes: int, units: int) -> None:
        while (paused := self._paused_for(key)) > 0:
            await self._sleep(paused)
        now = self._clock()
        write_state, unit_state = self._state.get(key, (None, None))
        write_state, write_at = reserve(write_state, self._writes, now, writes)
        unit_state, unit_at = reserve(unit_state, self._units, now, units)
        self._state[key] = (write_state, unit_state)
        wait = max(write_at, unit_at) - now
        if wait > 0:
            await self._sleep(wait)
        # A 429 may have paused the tenant while we waited for our slot.
        while (paused := self._paused_for(key)) > 0:
            await self._sleep(paused)

    async def pause(self, key: str, seconds: float) -> None:
        until = self._clock() + max(0.0, seconds)
        self._paused_until[key] = max(until, self._paused_until.get(key, 0.0))

    async def usage(self, key: str) -> dict[str, float]:
        now = self._clock()
        write_state, unit_state = self._state.get(key, (None, None))
        return _usage(
            balance(write_state, self._writes, now),
            balance(unit_state, self._units, now),
            self._paused_for(key),
            self.budget,
        )

    def _paused_for(self, key: str) -> float:
        return max(0.0, self._paused_until.get(key, 0.0) - self._clock())


# Mirrors `reserve` above. Times are integer microseconds from Redis TIME so every worker
# process shares one clock; balances and stamps are stored with %.17g so no precision is lost.
_ACQUIRE_LUA = """
if redis.replicate_commands then pcall(redis.replicate_commands) end
local paused = redis.call('PTTL', KEYS[3])
if paused > 0 then return {1, paused * 1000} end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])

local function reserve(key, need, rate, capacity)
  if need <= 0 then return now end
  local saved = redis.call('HMGET', key, 'tokens', 'stamp')
  local tokens = tonumber(saved[1])
  local stamp = tonumber(saved[2])
  if tokens == nil or stamp == nil then
    tokens = capacity
    stamp = now
  end
  local start = math.max(now, stamp)
  local available = math.min(capacity, tokens + (start - stamp) * rate)
  local wanted = math.min(need, capacity)
  local at = start
  if available < wanted then at = start + (wanted - available) / rate end
  local balance = available + (at - start) * rate - need
  redis.call('HSET', key, 'tokens', string.format('%.17g', balance),
             'stamp', string.format('%.17g', at))
  -- An idle bucket refills to full, so it can expire once it would be full again.
  local idle_us = (at - now) + (capacity - balance) / rate
  redis.call('PEXPIRE', key, math.ceil(idle_us / 1000) + 1000)
  return at
end

local write_at = reserve(KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]))
local unit_at = reserve(KEYS[2], tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6]))
return {0, math.ceil(math.max(write_at, unit_at) - now)}
"""

_PAUSE_LUA = """
local ms = tonumber(ARGV[1])
if redis.call('PTTL', KEYS[1]) < ms then
  redis.call('SET', KEYS[1], '1', 'PX', ms)
end
return 0
"""

_USAGE_LUA = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local function balance(key, rate, capacity)
  local saved = redis.call('HMGET', key, 'tokens', 'stamp')
  local tokens = tonumber(saved[1])
  local stamp = tonumber(saved[2])
  if tokens == nil or stamp == nil then return tostring(capacity) end
  return string.format('%.17g', math.min(capacity, tokens + (now - stamp) * rate))
end
return {balance(KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2])),
        balance(KEYS[2], tonumber(ARGV[3]), tonumber(ARGV[4])),
        redis.call('PTTL', KEYS[3])}
"""


class RedisLimiter:
    """Limiter shared by every worker process through Redis, one Lua call per request."""

    def __init__(
        self,
        redis: aioredis.Redis,
        budget: Budget | None = None,
        *,
        prefix: str = "graph:ratelimit",
    ) -> None:
        self.budget = budget or Budget()
        self._writes = self.budget.writes()
        self._units = self.budget.units()
        self._redis = redis
        self._prefix = prefix
        self._acquire = redis.register_script(_ACQUIRE_LUA)
        self._pause = redis.register_script(_PAUSE_LUA)
        self._usage = redis.register_script(_USAGE_LUA)

    def _keys(self, key: str) -> list[str]:
        # The hash tag keeps one key's three entries in one slot on Redis Cluster.
        base = f"{self._prefix}:{{{key}}}"
        return [f"{base}:writes", f"{base}:units", f"{base}:pause"]

    async def acquire(self, key: str, *, writes: int, units: int) -> None:
        keys = self._keys(key)
        per_us = 1_000_000.0
        args: list[str | int] = [
            writes,
            repr(self._writes.rate / per_us),
            repr(self._writes.capacity),
            units,
            repr(self._units.rate / per_us),
            repr(self._units.capacity),
        ]
        while True:
            paused, wait_us = await self._acquire(keys=keys, args=args)
            await asyncio.sleep(int(wait_us) / per_us)
            if not int(paused):
                break
        # A 429 may have paused the tenant while we waited for our slot.
        while (pttl := int(await self._redis.pttl(keys[2]))) > 0:
            await asyncio.sleep(pttl / 1000)

    async def pause(self, key: str, seconds: float) -> None:
        ms = math.ceil(max(0.0, seconds) * 1000)
        if ms > 0:
            await self._pause(keys=[self._keys(key)[2]], args=[ms])

    async def usage(self, key: str) -> dict[str, float]:
        per_us = 1_000_000.0
        writes, units, pttl = await self._usage(
            keys=self._keys(key),
            args=[
                repr(self._writes.rate / per_us),
                repr(self._writes.capacity),
                repr(self._units.rate / per_us),
                repr(self._units.capacity),
            ],
        )
        return _usage(float(writes), float(units), max(0, int(pttl)) / 1000, self.budget)


def _usage(writes: float, units: float, paused_s: float, budget: Budget) -> dict[str, float]:
    return {
        "writes_available": writes,
        "writes_burst": budget.writes().capacity,
        "writes_per_s": budget.writes().rate,
        "units_available": units,
        "units_burst": budget.units().capacity,
        "units_per_s": budget.units().rate,
        "paused_s": paused_s,
    }
