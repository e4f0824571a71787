from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator

import pytest
import redis.asyncio as aioredis

from app.graph.limiter import Budget, RedisLimiter

pytestmark = pytest.mark.anyio


@pytest.fixture
async def redis_clients(redis_url: str) -> AsyncIterator[list[aioredis.Redis]]:
    # Two connections stand for two worker processes sharing one tenant budget.
    clients = [aioredis.Redis.from_url(redis_url) for _ in range(2)]
    yield clients
    for client in clients:
        await client.aclose()


def fresh_key() -> str:
    return f"app-{uuid.uuid4().hex[:8]}:tenant"


async def test_workers_in_two_processes_share_one_budget(
    redis_clients: list[aioredis.Redis],
) -> None:
    budget = Budget(write_capacity=50, write_window_s=1, unit_capacity=10_000, unit_window_s=1,
                    burst_s=0.2)  # fmt: skip
    limiters = [RedisLimiter(client, budget) for client in redis_clients]
    key = fresh_key()
    stamps: list[float] = []
    stop = time.monotonic() + 1.2

    async def worker(limiter: RedisLimiter) -> None:
        while time.monotonic() < stop:
            await limiter.acquire(key, writes=1, units=1)
            stamps.append(time.monotonic())

    await asyncio.gather(*(worker(limiters[i % 2]) for i in range(10)))
    stamps.sort()
    elapsed = stamps[-1] - stamps[0]
    spec = budget.writes()
    # Together the workers get the budget's rate, never more than burst + rate * time.
    assert len(stamps) <= spec.capacity + spec.rate * elapsed + 2
    assert len(stamps) >= 0.85 * spec.rate * elapsed


async def test_pause_is_shared_and_honoured(redis_clients: list[aioredis.Redis]) -> None:
    first, second = (RedisLimiter(c, Budget()) for c in redis_clients)
    key = fresh_key()
    await first.pause(key, 0.4)
    await first.pause(key, 0.05)  # shorter pauses do not shorten it
    usage = await second.usage(key)
    assert usage["paused_s"] > 0.3
    # What the client asks right before a request leaves, from another process.
    assert 0.3 < await second.paused_for(key) <= 0.4
    assert await second.paused_for(fresh_key()) == 0
    assert usage["pace"] == pytest.approx(0.75 * 0.75, abs=0.01)  # each 429 slows the key
    started = time.monotonic()
    await second.acquire(key, writes=1, units=1)
    assert time.monotonic() - started >= 0.35


async def test_caller_waiting_for_a_slot_also_honours_a_later_pause(
    redis_clients: list[aioredis.Redis],
) -> None:
    budget = Budget(write_capacity=10, write_window_s=1, burst_s=0.1, headroom=1.0)
    limiter = RedisLimiter(redis_clients[0], budget)
    key = fresh_key()
    await limiter.acquire(key, writes=1, units=1)  # empties the one-token burst
    started = time.monotonic()
    waiter = asyncio.create_task(limiter.acquire(key, writes=1, units=1))  # slot in ~0.1 s
    await asyncio.sleep(0.02)
    await limiter.pause(key, 0.3)
    await waiter
    assert time.monotonic() - started >= 0.3


async def test_usage_and_expiry(redis_clients: list[aioredis.Redis]) -> None:
    budget = Budget(write_capacity=10, write_window_s=1, unit_capacity=100, unit_window_s=1,
                    headroom=1.0, burst_s=0.5)  # fmt: skip
    limiter = RedisLimiter(redis_clients[0], budget, prefix="test:rl")
    key = fresh_key()
    untouched = await limiter.usage(key)
    assert untouched["writes_available"] == pytest.approx(5.0)
    assert untouched["units_available"] == pytest.approx(50.0)
    await limiter.acquire(key, writes=3, units=20)
    usage = await limiter.usage(key)
    assert usage["writes_available"] == pytest.approx(2.0, abs=0.2)
    assert usage["units_available"] == pytest.approx(30.0, abs=2)
    ttl = await redis_clients[0].pttl(f"test:rl:{{{key}}}:writes")
    assert 0 < ttl <= 2000  # forgotten once it would have refilled anyway


async def test_the_check_before_sending_sees_a_pause_from_another_process_within_its_freshness(
    redis_clients: list[aioredis.Redis],
) -> None:
    here, there = (RedisLimiter(c, Budget(), pause_fresh_s=0.05) for c in redis_clients)
    key = fresh_key()
    await here.acquire(key, writes=1, units=1)
    assert await here.paused_for(key) == 0  # just checked by acquire: no round trip needed
    await there.pause(key, 0.5)
    assert await there.paused_for(key) > 0.4  # the process that paused knows at once
    await asyncio.sleep(0.06)
    assert 0.3 < await here.paused_for(key) <= 0.5  # the other one, once its view is stale


async def test_the_odd_429_does_not_slow_the_key_a_large_share_does_and_a_503_never(
    redis_clients: list[aioredis.Redis],
) -> None:
    limiter = RedisLimiter(redis_clients[0], Budget())
    odd, many, unavailable = fresh_key(), fresh_key(), fresh_key()
    for key in (odd, many, unavailable):
        for _ in range(10):
            await limiter.acquire(key, writes=1, units=1, requests=20)
    await limiter.pause(odd, 0.01, throttled=2)  # 2 of 200: 1%
    await limiter.pause(many, 0.01, throttled=15)  # 15 of 200: over 5%
    for _ in range(3):
        await limiter.pause(unavailable, 0.01, throttled=0)
    assert (await limiter.usage(odd))["pace"] > 0.99
    assert (await limiter.usage(many))["pace"] < 0.76
    assert (await limiter.usage(unavailable))["pace"] > 0.99


async def test_a_pause_banks_its_refill_for_every_process(
    redis_clients: list[aioredis.Redis],
) -> None:
    # 50 writes/s against Graph's 50-write bucket: burst 10 (0.2 s), a pause may bank 45.
    budget = Budget(write_capacity=50, write_window_s=1, unit_capacity=10**6, unit_window_s=1,
                    headroom=1.0, burst_s=0.2, pause_fill=0.9)  # fmt: skip
    first, second = (RedisLimiter(c, budget) for c in redis_clients)
    key = fresh_key()
    for _ in range(10):
        await first.acquire(key, writes=1, units=1)
    await first.pause(key, 1.0, throttled=0)
    await asyncio.sleep(1.0)
    started = time.monotonic()
    for i in range(40):  # 45 refilled during the pause: all 40 go at once
        await (first, second)[i % 2].acquire(key, writes=1, units=1)
    assert time.monotonic() - started < 0.25
    usage = await second.usage(key)
    assert 0 < usage["writes_available"] <= 45 - 40 + 0.5 * 50  # the rest of the bank, at most


async def test_a_pause_banks_nothing_of_the_round_trip_of_requests_on_their_way(
    redis_clients: list[aioredis.Redis],
) -> None:
    budget = Budget(write_capacity=50, write_window_s=1, unit_capacity=10**6, unit_window_s=1,
                    headroom=1.0, burst_s=0.2)  # fmt: skip
    first, second = (RedisLimiter(c, budget) for c in redis_clients)
    key = fresh_key()
    for _ in range(10):
        await first.acquire(key, writes=1, units=1)
    await first.pause(key, 1.0, throttled=0, in_flight_s=0.3, spread_s=0.2)
    # The longest round trip and spread of the pause count.
    await second.pause(key, 0.5, throttled=0, in_flight_s=0.6, spread_s=0.1)
    await asyncio.sleep(1.0)
    started = time.monotonic()
    for i in range(20):  # 50 refilled, 30 of it while requests were on their way: 20 banked
        await (first, second)[i % 2].acquire(key, writes=1, units=1)
    assert time.monotonic() - started < 0.15
    for i in range(15):  # the rest at 50/s
        await (first, second)[i % 2].acquire(key, writes=1, units=1)
    assert time.monotonic() - started >= 0.25
    # A new pause starts afresh; a spread of 0.6 s leaves Graph 30 of its 50: 20 banked.
    await first.pause(key, 1.5, throttled=0, spread_s=0.6)
    await asyncio.sleep(1.5)
    started = time.monotonic()
    for i in range(20):
        await (first, second)[i % 2].acquire(key, writes=1, units=1)
    assert time.monotonic() - started < 0.15
    for i in range(15):
        await (first, second)[i % 2].acquire(key, writes=1, units=1)
    assert time.monotonic() - started >= 0.25


async def test_the_bank_counts_what_the_requests_a_pause_holds_take(
    redis_clients: list[aioredis.Redis],
) -> None:
    """As in process: an envelope waiting for its slot when the pause began goes when it
    ends, and the bank leaves room for its tokens, not for the refill to its slot plus a
    whole `$batch`."""
    # 20 writes/s against Graph's 20-write bucket: burst 10, a pause may bank 20.
    budget = Budget(write_capacity=20, write_window_s=1, unit_capacity=10**6, unit_window_s=1,
                    headroom=1.0, burst_s=0.5)  # fmt: skip
    first, second = (RedisLimiter(c, budget) for c in redis_clients)
    key = fresh_key()
    for _ in range(10):
        await first.acquire(key, writes=1, units=1)
    held = asyncio.create_task(second.acquire(key, writes=5, units=1))  # its slot: +0.25 s
    await asyncio.sleep(0.05)
    await first.pause(key, 1.0, throttled=0)
    await held
    started = time.monotonic()
    for i in range(15):  # Graph's 20 less the held 5 (the bound left 6: 20 - 0.2 s - 10)
        await (first, second)[i % 2].acquire(key, writes=1, units=1)
    assert time.monotonic() - started < 0.2
    await first.acquire(key, writes=1, units=1)  # the next waits for the refill
    assert time.monotonic() - started >= 0.04


async def test_the_bank_waits_for_a_request_that_comes_well_after_the_pause(
    redis_clients: list[aioredis.Redis],
) -> None:
    """An idle bucket expires once it would be full again; a pause keeps it, so the bank is
    there for the first request after the pause however late it comes (as in process)."""
    budget = Budget(write_capacity=50, write_window_s=1, unit_capacity=10**6, unit_window_s=1,
                    headroom=1.0, burst_s=0.2)  # fmt: skip
    limiter = RedisLimiter(redis_clients[0], budget)
    key = fresh_key()
    for _ in range(10):
        await limiter.acquire(key, writes=1, units=1)
    await limiter.pause(key, 0.5, throttled=0)
    await asyncio.sleep(0.5 + 1.5)  # the bucket alone would have expired 1 s after filling
    started = time.monotonic()
    for _ in range(20):  # 25 refilled during the pause, against a burst of 10
        await limiter.acquire(key, writes=1, units=1)
    assert time.monotonic() - started < 0.15


async def test_a_pause_of_no_time_is_accepted_and_banks_nothing(
    redis_clients: list[aioredis.Redis],
) -> None:
    budget = Budget(write_capacity=50, write_window_s=1, unit_capacity=10**6, unit_window_s=1,
                    headroom=1.0, burst_s=0.2)  # fmt: skip
    limiter = RedisLimiter(redis_clients[0], budget)
    key = fresh_key()
    await limiter.pause(key, 0.0, throttled=0)  # `Retry-After: 0`
    started = time.monotonic()
    for _ in range(10):  # the burst, and no more, goes at once
        await limiter.acquire(key, writes=1, units=1)
    assert time.monotonic() - started < 0.1
    await limiter.acquire(key, writes=1, units=1)
    assert time.monotonic() - started >= 0.015


async def test_a_pause_that_begins_after_a_slot_costs_the_caller_that_slot(
    redis_clients: list[aioredis.Redis], monkeypatch: pytest.MonkeyPatch
) -> None:
    """As in process: a caller sleeping for its slot wakes late while another worker's 429
    pauses the tenant after that slot. The pause's bank counted the slot as spent before
    it, so the caller takes a new one: what goes at the pause's end (it included) stays
    within Graph's bucket of 50."""
    budget = Budget(write_capacity=50, write_window_s=1, unit_capacity=10**6, unit_window_s=1,
                    headroom=1.0, burst_s=0.2)  # fmt: skip
    first, second = (RedisLimiter(c, budget) for c in redis_clients)
    key = fresh_key()
    for _ in range(10):  # the burst, spent at once
        await first.acquire(key, writes=1, units=1)
    real_sleep = asyncio.sleep
    woken_late = False

    async def late(seconds: float) -> None:
        nonlocal woken_late
        if not woken_late and seconds > 0:
            woken_late = True
            await real_sleep(seconds + 0.05)
            await second.pause(key, 1.0, throttled=0)
            return
        await real_sleep(seconds)

    monkeypatch.setattr(asyncio, "sleep", late)
    await first.acquire(key, writes=1, units=1)  # its slot 20 ms on; paused 50 ms after it
    monkeypatch.setattr(asyncio, "sleep", real_sleep)
    assert woken_late
    # What goes at the pause's end: 60 callers at once, counted by when they were let go
    # (within 10 ms of the first: the refill of 10 ms is half a token).
    gone: list[float] = []

    async def caller(limiter: RedisLimiter) -> None:
        await limiter.acquire(key, writes=1, units=1)
        gone.append(time.monotonic())

    await asyncio.gather(*(caller((first, second)[i % 2]) for i in range(60)))
    at_once = sum(1 for t in gone if t - min(gone) < 0.01)
    assert 1 + at_once <= 50


@pytest.mark.parametrize("shared", [False, True], ids=["in-process", "redis"])
async def test_an_urgent_request_takes_the_next_slot_before_callers_already_waiting(
    redis_clients: list[aioredis.Redis], shared: bool
) -> None:
    """Callers that find the queue too long sleep and ask again, and which of them finds it
    short first is chance; an urgent one (a suspension, a deletion: `app.graph.urgency`) may
    take its slot with the queue `urgent_lead_s` longer, so it goes next."""
    from app.graph.limiter import InProcessLimiter

    budget = Budget(write_capacity=10, write_window_s=1, unit_capacity=10_000, unit_window_s=1,
                    headroom=1.0, burst_s=0.1)  # fmt: skip
    limiter = RedisLimiter(redis_clients[0], budget) if shared else InProcessLimiter(budget)
    key = fresh_key()
    order: list[str] = []

    async def caller(name: str, urgent: bool = False) -> None:
        await limiter.acquire(key, writes=1, units=1, urgent=urgent)
        order.append(name)

    waiting = [asyncio.create_task(caller(f"backlog {i}")) for i in range(8)]
    await asyncio.sleep(0.15)  # a few went, the rest ask again as the queue shortens
    went_before = len(order)
    await caller("suspend", urgent=True)
    await asyncio.gather(*waiting)
    # 10 writes/s: one slot each 0.1 s. It goes with the next slot, or the one after when a
    # caller already holds that one.
    assert order.index("suspend") <= went_before + 2, order
    assert order.index("suspend") < len(order) - 3, order
