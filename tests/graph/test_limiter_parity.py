"""The Redis limiter's Lua script against the Python functions it mirrors, on one clock.

`RedisLimiter` reads the time from Redis; here both scripts get it as an argument instead, so a
random sequence of requests and pauses can be replayed through `plan`/`commit` and through the
script, and every slot and stored bucket compared. The real-time tests in
test_redis_limiter.py cannot pin what the script banks after a pause to the token.
"""

from __future__ import annotations

import dataclasses
import random
import uuid
from collections.abc import Iterator

import pytest
import redis

from app.graph import limiter as lim
from app.graph.limiter import BucketSpec, BucketState, Budget, Pause, Share, commit, plan

US = 1_000_000.0
_TIME = "local t = redis.call('TIME')\nlocal now = tonumber(t[1]) * 1000000 + tonumber(t[2])"
# Pauses are followed on the script's own record of them (`until`), not on a key's expiry.
_PTTL = "local paused = redis.call('PTTL', KEYS[3])\n"
_ACQUIRE = lim._ACQUIRE_LUA.replace(
    _PTTL + "if paused > 0 then return {1, paused * 1000, 0} end\n", ""
).replace(_TIME, "local now = tonumber(ARGV[15])")
_PAUSE = lim._PAUSE_LUA.replace(_TIME, "local now = tonumber(ARGV[10])").replace(
    "local left = redis.call('PTTL', KEYS[1])",
    "local left = -2\nlocal u = tonumber(redis.call('HGET', KEYS[4], 'until'))\n"
    "if u and u > now then left = math.ceil((u - now) / 1000) end",
)

BUDGETS = [
    Budget(write_capacity=200, write_window_s=1, unit_capacity=1000, unit_window_s=1),
    Budget(write_capacity=100, write_window_s=0.5, unit_capacity=10**6),
    Budget(),
    Budget(
        write_capacity=20,
        write_window_s=1,
        unit_capacity=10**6,
        unit_window_s=1,
        headroom=1.0,
        burst_s=0.5,
    ),
]


@pytest.fixture(scope="module")
def client(redis_url: str) -> Iterator[redis.Redis]:
    connection = redis.Redis.from_url(redis_url)
    assert "TIME" not in _ACQUIRE and "TIME" not in _PAUSE and "PTTL" not in _ACQUIRE
    yield connection
    connection.close()


def _per_us(spec: BucketSpec) -> BucketSpec:
    return dataclasses.replace(spec, rate=spec.rate / US)


def _stored(client: redis.Redis, key: str) -> tuple[float, float, list[tuple[float, float]]]:
    saved = client.hgetall(key)
    # The list counts only while written with the balance there now (as the script reads it).
    fresh = saved.get(b"recent_tokens") == saved[b"tokens"]
    words = saved.get(b"recent", b"").decode().split() if fresh else []
    pairs = [(float(words[i]), float(words[i + 1])) for i in range(0, len(words), 2)]
    return float(saved[b"tokens"]), float(saved[b"stamp"]), pairs


@pytest.mark.parametrize("seed", range(24))
def test_the_lua_script_takes_the_slots_and_keeps_the_buckets_the_python_functions_do(
    client: redis.Redis, seed: int
) -> None:
    """Requests of 0-20 writes and 0-400 units, urgent or not, and pauses announced by 429s
    and 503s with round trips and spreads, on one clock: the same slot for every request in
    both, the same balance, stamp and remembered slots in both buckets. Every third run a
    worker of a version without `recent` writes the buckets halfway (both fall back on the
    bound for what a pause holds)."""
    rng = random.Random(seed)
    budget = BUDGETS[seed % len(BUDGETS)]
    acquire, pause_script = client.register_script(_ACQUIRE), client.register_script(_PAUSE)
    base = f"graph:ratelimit:{{parity-{uuid.uuid4().hex[:8]}}}"
    keys = [f"{base}:{name}" for name in ("writes", "units", "pause", "pace", "share", "until")]
    writes_spec, units_spec = budget.writes(), budget.units()
    specs = (_per_us(writes_spec), _per_us(units_spec))
    window, recovery = budget.share_window_s * US, budget.recovery_per_s / US
    now = 1.7e15 + rng.randint(0, 10**6)
    states: list[BucketState | None] = [None, None]
    pause: Pause | None = None
    pace: tuple[float, float] | None = None  # (factor, stamp)
    share = Share(0.0, 0.0, now)

    def pace_at(t: float) -> float:
        return 1.0 if pace is None else min(1.0, pace[0] + recovery * (t - pace[1]))

    for step in range(300):
        now += rng.choice([0, 0, 0, rng.randint(0, 2000), rng.randint(0, 10**5), 6 * 10**5])
        if seed % 3 == 0 and step == 150:
            # An older worker's write: the balance moves, `recent` does not.
            for i, key in enumerate(keys[:2]):
                if client.exists(key):
                    client.hset(key, "recent_tokens", "-12345.5")  # another balance
                    states[i] = dataclasses.replace(states[i], recent=())  # type: ignore[arg-type]
        if rng.random() < 0.03:
            ms, throttled = rng.randint(50, 1200), rng.choice([0, 1, 1, 3])
            in_flight = rng.choice([0, rng.randint(0, 200_000)])
            spread = rng.randint(0, in_flight) if in_flight else 0
            pause_script(
                keys=[keys[2], keys[3], keys[4], keys[5], keys[0], keys[1]],
                args=[ms, repr(budget.slowdown), repr(budget.min_pace), repr(recovery),
                      throttled, repr(budget.throttle_share), repr(window),
                      repr(float(in_flight)), repr(float(spread)), repr(now)],
            )  # fmt: skip
            if pause is None or pause.until <= now:
                pause = Pause(until=now, since=now, settled=now)
            since = pause.since if pause.since is not None else now
            pause = Pause(
                until=max(now + ms * 1000, pause.until),
                since=since,
                settled=max(pause.settled or since, since + in_flight),
                spread_s=max(pause.spread_s, spread),
            )
            if throttled:
                share = share.at(now, window)
                share = Share(share.sent, share.throttled + throttled, now)
                if share.throttled > budget.throttle_share * share.sent:
                    pace = (max(budget.min_pace, pace_at(now) * budget.slowdown), now)
            continue
        writes = rng.choice([0, 1, 1, 2, 5, 20, rng.randint(1, 20)])
        units = rng.choice([0, 1, 5, 100, rng.randint(1, 100)]) if writes else rng.randint(1, 400)
        urgent, requests = rng.random() < 0.2, rng.randint(1, 20)
        horizon = budget.horizon(urgent) * US
        paused, _, at = acquire(
            keys=keys,
            args=[writes, repr(specs[0].rate), repr(writes_spec.capacity), units,
                  repr(specs[1].rate), repr(units_spec.capacity), repr(recovery), requests,
                  repr(window), repr(writes_spec.pause_capacity),
                  repr(units_spec.pause_capacity), repr(horizon),
                  repr(writes_spec.largest_need), repr(units_spec.largest_need), repr(now)],
        )  # fmt: skip
        if pause is not None and now < pause.until:
            assert int(paused) == 1, (step, "the script let a request through a pause")
            continue
        factor = pace_at(now)
        slots = [
            plan(state, spec, now, need, factor, pause) if need > 0 else None
            for state, spec, need in zip(states, specs, (writes, units), strict=True)
        ]
        ahead = max((s.start for s in slots if s is not None), default=now) - now
        if ahead > horizon + 1e-6:
            assert int(paused) == 1, (step, "the script took a slot beyond the horizon")
            continue
        assert int(paused) == 0, (step, "the script refused a slot the functions give")
        goes = max((s.at for s in slots if s is not None), default=now)
        assert float(at) == pytest.approx(goes, abs=1e-3), step
        for i, slot in enumerate(slots):
            if slot is not None:
                states[i] = commit(slot, specs[i], goes, states[i])
        share = share.at(now, window)
        share = Share(share.sent + requests, share.throttled, now)
        for key, state in zip(keys[:2], states, strict=True):
            if state is None:
                assert not client.exists(key)
                continue
            tokens, stamp, recent = _stored(client, key)
            assert tokens == pytest.approx(state.tokens, rel=1e-6, abs=1e-6), (step, key)
            assert stamp == pytest.approx(state.stamp, abs=1e-3), (step, key)
            assert [at for at, _ in recent] == pytest.approx([at for at, _ in state.recent])
            assert [need for _, need in recent] == [need for _, need in state.recent], step
    client.delete(*keys)
