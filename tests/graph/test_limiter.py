from __future__ import annotations

import asyncio
import dataclasses
import heapq
import random
import time

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from app.graph.limiter import (
    BucketSpec,
    BucketState,
    Budget,
    InProcessLimiter,
    Pause,
    balance,
    commit,
    plan,
    reserve,
)

pytestmark = pytest.mark.anyio


class FakeTime:
    """A clock that only moves when someone sleeps, for exact limiter arithmetic."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def test_default_budget_mirrors_the_published_identity_limits() -> None:
    budget = Budget()
    assert budget.write_ceiling == pytest.approx(20.0)  # 3,000 writes / 150 s
    assert budget.unit_ceiling == pytest.approx(800.0)  # 8,000 RU / 10 s (L tenant)
    assert budget.writes().rate == pytest.approx(19.6)
    assert budget.writes().capacity == pytest.approx(19.6)
    scaled = Budget(scale=0.5, headroom=1.0, burst_s=2.0)
    assert scaled.writes().rate == pytest.approx(10.0)
    assert scaled.writes().capacity == pytest.approx(20.0)
    # The burst never exceeds half of what Graph itself would bank.
    assert Budget(burst_s=1000).writes().capacity == pytest.approx(1500)


@settings(max_examples=200, deadline=None)
@given(
    steps=st.lists(
        st.tuples(st.floats(min_value=0, max_value=2), st.integers(min_value=1, max_value=25)),
        min_size=1,
        max_size=60,
    ),
    rate=st.floats(min_value=0.5, max_value=50),
    burst=st.floats(min_value=1, max_value=30),
)
def test_reservations_never_exceed_the_bucket(
    steps: list[tuple[float, int]], rate: float, burst: float
) -> None:
    spec = BucketSpec(rate=rate, capacity=burst)
    state: BucketState | None = None
    now = 0.0
    grants: list[tuple[float, int]] = []
    for gap, need in steps:
        now += gap
        state, at = reserve(state, spec, now, need)
        assert at >= now
        if grants:
            assert at >= grants[-1][0]  # first come, first served
        grants.append((at, need))
    # Any window [a, b] may hold at most one burst plus what refills in it, plus one request
    # larger than the burst (it goes once the bucket is full and leaves a debt behind).
    for i, (start, _) in enumerate(grants):
        taken = 0
        for end, need in grants[i:]:
            taken += need
            allowed = burst + rate * (end - start) + max(0, max(n for _, n in grants) - burst)
            assert taken <= allowed + 1e-6


def test_an_idle_bucket_lets_a_burst_through_then_paces() -> None:
    spec = BucketSpec(rate=10, capacity=5)
    state: BucketState | None = None
    times = []
    for _ in range(8):
        state, at = reserve(state, spec, 0.0, 1)
        times.append(round(at, 6))
    assert times == [0.0, 0.0, 0.0, 0.0, 0.0, 0.1, 0.2, 0.3]


def test_a_request_bigger_than_the_burst_waits_for_a_full_bucket_and_leaves_a_debt() -> None:
    spec = BucketSpec(rate=10, capacity=5)
    state, first = reserve(None, spec, 0.0, 3)
    state, big = reserve(state, spec, 0.0, 20)
    state, after = reserve(state, spec, 0.0, 1)
    assert (first, big) == (0.0, pytest.approx(0.3))
    assert after == pytest.approx(0.3 + 1.6)  # 15 tokens of debt then one more


async def test_in_process_limiter_paces_both_budgets() -> None:
    fake = FakeTime()
    budget = Budget(write_capacity=150, write_window_s=15, unit_capacity=100, unit_window_s=10,
                    headroom=1.0, burst_s=1.0)  # fmt: skip
    limiter = InProcessLimiter(budget, clock=fake.clock, sleep=fake.sleep)
    start = fake.now
    for _ in range(30):  # 10 writes/s is the binding limit (10 RU/s too, 2 RU each: 5/s)
        await limiter.acquire("app:tenant", writes=1, units=2)
    elapsed = fake.now - start
    # 5 requests go in the first burst of 10 RU; the other 25 take 2 RU at 10 RU/s each.
    assert elapsed == pytest.approx(25 * 0.2)


async def test_keys_are_independent() -> None:
    fake = FakeTime()
    limiter = InProcessLimiter(Budget(scale=0.05, headroom=1.0), clock=fake.clock, sleep=fake.sleep)
    for _ in range(5):
        await limiter.acquire("a", writes=1, units=1)
    before = fake.now
    await limiter.acquire("b", writes=1, units=1)
    assert fake.now == before


async def test_pause_holds_new_and_already_reserved_callers() -> None:
    fake = FakeTime()
    limiter = InProcessLimiter(Budget(), clock=fake.clock, sleep=fake.sleep)
    await limiter.pause("k", 2.5)
    await limiter.pause("k", 1.0)  # a shorter pause never cuts a longer one short
    usage = await limiter.usage("k")
    assert usage["paused_s"] == pytest.approx(2.5)
    start = fake.now
    await limiter.acquire("k", writes=1, units=1)
    assert fake.now - start == pytest.approx(2.5)


async def test_each_429_slows_the_key_down_and_the_pace_recovers() -> None:
    fake = FakeTime()
    budget = Budget(write_capacity=10, write_window_s=1, headroom=1.0, burst_s=0.1)
    limiter = InProcessLimiter(budget, clock=fake.clock, sleep=fake.sleep)
    await limiter.pause("k", 0)
    await limiter.pause("k", 0)
    assert (await limiter.usage("k"))["pace"] == pytest.approx(0.75 * 0.75)
    await limiter.acquire("k", writes=1, units=1)  # the one-token burst
    start = fake.now
    await limiter.acquire("k", writes=1, units=1)
    assert fake.now - start == pytest.approx(1 / (10 * 0.5625), rel=0.05)
    fake.now += 10  # 0.1 of the ceiling back per second
    assert (await limiter.usage("k"))["pace"] == 1.0
    assert (await limiter.usage("other"))["pace"] == 1.0


async def test_usage_reports_balances_and_debt() -> None:
    fake = FakeTime()
    budget = Budget(scale=0.1, headroom=1.0)  # 2 writes/s, burst 2
    limiter = InProcessLimiter(budget, clock=fake.clock, sleep=fake.sleep)
    fresh = await limiter.usage("k")
    assert fresh["writes_available"] == pytest.approx(2.0)
    assert fresh["writes_per_s"] == pytest.approx(2.0)
    for _ in range(2):
        await limiter.acquire("k", writes=1, units=1)
    assert (await limiter.usage("k"))["writes_available"] == pytest.approx(0.0)
    # Slots held ahead show as debt: what is already promised to waiting callers.
    spec = budget.writes()
    state, _ = reserve(None, spec, 0.0, 2)
    state, at = reserve(state, spec, 0.0, 1)
    assert at == pytest.approx(0.5)
    assert balance(state, spec, 0.0) == pytest.approx(-1.0)


async def test_a_slot_further_ahead_than_the_queue_is_not_held() -> None:
    """Callers hold slots at most `queue_s` ahead: the rest wait and ask again, so a pause
    never finds seconds of held slots that would all go the moment it ends."""
    fake = FakeTime()
    budget = Budget(scale=0.1, headroom=1.0, queue_s=0.25)  # 2 writes/s, burst 2
    limiter = InProcessLimiter(budget, clock=fake.clock, sleep=fake.sleep)
    start = fake.now
    for _ in range(5):
        await limiter.acquire("k", writes=1, units=1)
    assert fake.now - start == pytest.approx(1.5)  # two at once, then one each 0.5 s
    # A slot was held only with at most the queue ahead of it (0.25 s) plus its own refill.
    assert all(s <= 0.25 + 0.5 + 1e-9 for s in fake.slept)
    assert (await limiter.usage("k"))["writes_available"] == pytest.approx(0.0)


async def test_real_time_throughput_is_close_to_the_ceiling() -> None:
    # 100 writes/s ceiling, 20 concurrent callers for ~1.5 s of wall clock.
    budget = Budget(write_capacity=100, write_window_s=1, unit_capacity=10_000, unit_window_s=1)
    limiter = InProcessLimiter(budget)
    stamps: list[float] = []
    stop = time.monotonic() + 1.5

    async def worker() -> None:
        while time.monotonic() < stop:
            await limiter.acquire("k", writes=1, units=1)
            stamps.append(time.monotonic())

    await asyncio.gather(*(worker() for _ in range(20)))
    # Steady state: skip the first burst, count what went out after it.
    stamps.sort()
    steady = [t for t in stamps if t >= stamps[0] + 0.25]
    rate = (len(steady) - 1) / (steady[-1] - steady[0])
    assert 0.9 * budget.write_ceiling <= rate <= budget.write_ceiling * 1.01


async def test_the_odd_429_in_a_busy_stream_does_not_slow_the_key() -> None:
    """1 request in 100 throttled says nothing about our pace (a busy service): cutting it
    for each would outrun the recovery and leave a fraction of the budget in use."""
    fake = FakeTime()
    limiter = InProcessLimiter(Budget(), clock=fake.clock, sleep=fake.sleep)
    for _ in range(10):
        for _ in range(5):
            await limiter.acquire("k", writes=1, units=1, requests=20)  # $batch envelopes
        await limiter.pause("k", 0, throttled=1)
        fake.now += 0.5
    assert (await limiter.usage("k"))["pace"] == 1.0


async def test_a_large_share_of_429s_slows_the_key() -> None:
    fake = FakeTime()
    limiter = InProcessLimiter(Budget(), clock=fake.clock, sleep=fake.sleep)
    for _ in range(10):
        await limiter.acquire("k", writes=1, units=1, requests=20)
    await limiter.pause("k", 0, throttled=15)  # 15 of 200 recent requests: over 5%
    assert (await limiter.usage("k"))["pace"] == pytest.approx(0.75)


async def test_a_503_pauses_the_key_without_slowing_it() -> None:
    fake = FakeTime()
    limiter = InProcessLimiter(Budget(), clock=fake.clock, sleep=fake.sleep)
    await limiter.pause("k", 1.0, throttled=0)
    usage = await limiter.usage("k")
    assert (usage["paused_s"], usage["pace"]) == (pytest.approx(1.0), 1.0)


def test_a_pause_banks_its_refill_beyond_the_burst_up_to_the_pause_capacity() -> None:
    spec = BucketSpec(rate=10, capacity=5, pause_capacity=18)
    state, _ = reserve(None, spec, 0.0, 5)  # the burst spent at 0
    # Paused from 0.1 to 3.0: 30 tokens refilled, 18 may be banked and go at once.
    times = []
    for _ in range(20):
        state, at = reserve(state, spec, 3.0, 1, pause=Pause(until=3.0))
        times.append(round(at, 6))
    assert times[:18] == [3.0] * 18
    assert times[18:] == [3.1, 3.2]
    # Without the pause only the burst would have gone at once.
    plain, _ = reserve(None, spec, 0.0, 5)
    slots = []
    for _ in range(6):
        plain, at = reserve(plain, spec, 3.0, 1)
        slots.append(round(at, 6))
    assert slots == [3.0] * 5 + [3.1]


def _at_once(
    state: BucketState | None, spec: BucketSpec, now: float, paused_until: float | None = None
) -> int:
    """How many one-token requests go at `now` (the rest are queued behind them)."""
    n = 0
    while True:
        pause = None if paused_until is None else Pause(until=paused_until)
        state, at = reserve(state, spec, now, 1, pause=pause)
        if at > now:
            return n
        n += 1


def test_the_bank_counts_from_no_more_than_an_empty_bucket_and_after_the_debt() -> None:
    spec = BucketSpec(rate=10, capacity=5, pause_capacity=50)
    # Paused 0..1 with a full bucket: it banks the 10 that refilled, not 5 + 10, since Graph
    # may have been empty when it said 429.
    assert _at_once(BucketState(tokens=5, stamp=0.0), spec, 1.0, paused_until=1.0) == 10
    # Reservations queued until 0.5 (a debt of 4 then) eat into the refill: 15 - 4.
    assert _at_once(BucketState(tokens=-4, stamp=0.5), spec, 2.0, paused_until=2.0) == 11
    # Those 4 go when the pause ends as well: with them, no more than the pause capacity.
    small = BucketSpec(rate=10, capacity=5, pause_capacity=12)
    assert _at_once(BucketState(tokens=-4, stamp=0.5), small, 3.0, paused_until=3.0) == 8
    # A pause that ended before the last reservation banks nothing more.
    assert _at_once(BucketState(tokens=0, stamp=2.5), spec, 3.0, paused_until=2.0) == 5
    # A surplus is kept until spent but never refilled outside a pause.
    assert _at_once(BucketState(tokens=9, stamp=2.0), spec, 5.0) == 9


def _going_at(state: BucketState, spec: BucketSpec, pause: Pause) -> int:
    """How many one-token requests go the moment `pause` ends."""
    n = 0
    while True:
        state, at = reserve(state, spec, pause.until, 1, pause=pause)
        if at > pause.until:
            return n
        n += 1


def test_the_bank_counts_what_the_requests_a_pause_holds_take_not_a_bound() -> None:
    """An envelope waiting for its slot when a pause begins goes when it ends, with the bank:
    the bank leaves Graph's bucket room for that envelope's tokens, no fewer and no more."""
    spec = BucketSpec(rate=100, capacity=50, pause_capacity=100, largest_need=20)
    state, _ = reserve(None, spec, 0.0, 50)  # the burst, spent at 0
    state, at = reserve(state, spec, 0.0, 14)  # an envelope of 14 writes waits for its slot
    assert at == pytest.approx(0.14)
    pause = Pause(until=1.05, since=0.05, settled=0.05)
    # Beside the held 14, Graph's 100: 86.
    assert _going_at(state, spec, pause) == 86
    # A bucket that does not remember back to the pause's start counts the bound: the
    # refill from the pause's start to the slot (9) and a whole `$batch` (20).
    assert _going_at(dataclasses.replace(state, recent=()), spec, pause) == 71
    # Two envelopes held: both count; one whose slot came before the pause does not.
    state, at = reserve(state, spec, 0.0, 6)
    assert _going_at(state, spec, pause) == 80
    assert _going_at(state, spec, Pause(until=1.15, since=0.14, settled=0.14)) == 94


def test_what_a_pause_holds_and_banks_fits_what_refilled_since_it_began() -> None:
    """A 429 may mean Graph's bucket was empty when the pause began: the held envelope and the
    bank together take no more than what refilled since (from `settled`), even when the pause
    is shorter than Graph's whole window; and a queue holding more than Graph's bucket less
    our burst gets no full burst on top of it (the usual refill counts against the room)."""
    spec = BucketSpec(rate=100, capacity=50, pause_capacity=100, largest_need=20)
    state, _ = reserve(None, spec, 0.0, 50)
    state, _ = reserve(state, spec, 0.0, 14)  # held, slot 0.14
    # Refilled from 0.05 to 1.0: 95, of which the held envelope takes 14.
    assert _going_at(state, spec, Pause(until=1.0, since=0.05, settled=0.05)) == 81
    queued, _ = reserve(None, spec, 0.0, 50)
    for _ in range(3):
        queued, _ = reserve(queued, spec, 0.0, 20)  # slots 0.2, 0.4, 0.6
    # 60 held; Graph's 100 leaves 40, though our own bucket refilled to its burst of 50.
    assert _going_at(queued, spec, Pause(until=1.2, since=0.1, settled=0.1)) == 40


def test_a_request_the_other_bucket_held_back_counts_where_it_went() -> None:
    """A request whose write slot lay before the pause but whose units slot lay inside it
    goes when the pause ends: it is counted at the moment it went, not at its write slot."""
    writes = BucketSpec(rate=100, capacity=50, pause_capacity=100, largest_need=20)
    units = BucketSpec(rate=100, capacity=50, pause_capacity=400, largest_need=100)
    w_state, _ = reserve(None, writes, 0.0, 50)
    u_state, _ = reserve(None, units, 0.0, 50)
    w_slot, u_slot = plan(w_state, writes, 0.0, 20), plan(u_state, units, 0.0, 30)
    assert (w_slot.at, u_slot.at) == (pytest.approx(0.2), pytest.approx(0.3))
    w_state = commit(w_slot, writes, u_slot.at, w_state)  # it goes at 0.3, the later slot
    w_state, at = reserve(w_state, writes, 0.0, 10)
    assert at == pytest.approx(0.3)
    # Paused from 0.25: both went when it ended, 30 writes; Graph's 100 leaves 70.
    assert _going_at(w_state, writes, Pause(until=1.25, since=0.25, settled=0.25)) == 70


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 2**32),
    writers=st.integers(1, 12),
    pause_at=st.floats(0.0, 0.6),
    seconds=st.floats(0.05, 1.5),
)
def test_graph_has_room_for_the_bank_and_the_requests_a_pause_holds(
    seed: int, writers: int, pause_at: float, seconds: float
) -> None:
    """Envelopes of 1-20 writes from several callers, as the workers send them, and a pause
    at any moment: what goes when it ends (the bank and the held envelopes) fits Graph's
    bucket, which is full at the start and refills at its own rate."""
    rng = random.Random(seed)
    budget = Budget(write_capacity=100, write_window_s=1, unit_capacity=10**6)

    async def run() -> list[tuple[float, int]]:
        vt = VirtualTime()
        limiter = InProcessLimiter(budget, clock=vt.clock, sleep=vt.sleep)
        start = vt.now
        sends: list[tuple[float, int]] = []

        async def writer() -> None:
            while True:
                need = rng.randint(1, 20)
                await limiter.acquire("k", writes=need, units=1)
                sends.append((vt.now, need))

        async def pauser() -> None:
            await vt.sleep(pause_at)
            await limiter.pause("k", seconds, throttled=0)

        tasks = [asyncio.create_task(writer()) for _ in range(writers)]
        tasks.append(asyncio.create_task(pauser()))
        await vt.run(start + pause_at + seconds + 0.5)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        return [(at - start, need) for at, need in sends]

    level, clock = 100.0, 0.0  # Graph's write bucket
    for at, need in sorted(asyncio.run(run())):
        level = min(100.0, level + (at - clock) * 100.0)
        clock = at
        level -= need
        assert level >= -1e-9, (at, level)


_gaps = st.one_of(st.just(0.0), st.just(0.0), st.floats(0, 0.5))
# How much of the latency a request takes: the extremes are where arrivals bunch up.
_shares = st.one_of(st.just(0.0), st.just(1.0), st.floats(0, 1))


@settings(max_examples=500, deadline=None)
@given(
    events=st.lists(
        st.one_of(
            # Mostly back to back: what queues up behind a pause is what tests the bank.
            st.tuples(st.just("send"), _gaps, st.integers(1, 20), _shares),
            st.tuples(st.just("pause"), _gaps, st.floats(0.05, 3.0), st.just(0.0)),
        ),
        min_size=1,
        max_size=120,
    ),
    window=st.floats(0.5, 5.0),
    latency=st.one_of(st.just(0.0), st.floats(0, 0.3)),
)
# A bank spent in full by requests that were slow to arrive, then a short pause: what the
# normal refill lets go at its end reaches Graph at once, before Graph has refilled as long
# as we have (the bank must leave Graph a latency's worth of refill).
@example(
    events=[("send", 0.0, 1, 0.0), ("pause", 0.01, 1.99, 0.0)]
    + [("send", 1.99, 20, 1.0)]
    + [("send", 0.0, 20, 1.0)] * 4
    + [("pause", 0.05, 0.5, 0.0)]
    + [("send", 0.0, 20, 0.0), ("send", 0.0, 20, 0.0), ("send", 0.0, 10, 0.0)],
    window=1.0,
    latency=0.1,
)
def test_graph_never_throttles_what_the_limiter_lets_through(
    events: list[tuple[str, float, float, float]], window: float, latency: float
) -> None:
    """Graph's bucket (capacity = rate x window, full at the start) against our reservations
    under pauses: a request goes at its slot, or when the pause it falls into ends, and
    reaches Graph up to `latency` later (each request its own share of it); a pause knows
    that requests may take that long. Graph must always have room for what arrives (the
    same headroom as in production)."""
    budget = Budget(write_capacity=100, write_window_s=window, unit_capacity=10**6)
    spec = budget.writes()
    graph_rate, graph_cap = 100 / window, 100.0
    now, state, paused_until, paused_from = 0.0, None, None, None
    sends: list[tuple[float, float, float]] = []
    pauses: list[tuple[float, float]] = []
    for kind, gap, value, share in events:
        now += gap
        if paused_until is not None and now < paused_until:
            now = paused_until  # callers wait out a pause before reserving
        if kind == "pause":
            if paused_until is None or paused_until <= now:
                paused_from = now  # a new pause, not one prolonged
            end = max(paused_until or 0.0, now + value)
            pauses.append((now, end))
            paused_until = end
            continue
        pause = None
        if paused_until is not None and paused_from is not None:
            pause = Pause(paused_until, paused_from, paused_from + latency, latency)
        state, at = reserve(state, spec, now, value, 1.0, pause)
        sends.append((at, value, share * latency))
    # A send whose slot falls inside a pause leaves when the pause ends; one whose slot came
    # when the pause was set had already left (a pause is set by an answer that came back).
    arriving = []
    for at, need, delay in sends:
        for start, end in pauses:
            if start < at < end:
                at = end
        arriving.append((at + delay, need))
    level, clock = graph_cap, 0.0
    for at, need in sorted(arriving):
        level = min(graph_cap, level + (at - clock) * graph_rate)
        clock = at
        level -= need
        # A request bigger than our burst may leave a debt at most its own size.
        assert level >= -max(0.0, need - spec.capacity) - 1e-6


async def test_in_process_limiter_banks_the_refill_of_a_pause() -> None:
    fake = FakeTime()
    # 10 writes/s against Graph's 10-write bucket: burst 5, a pause may bank 9.
    budget = Budget(
        write_capacity=10, write_window_s=1, unit_capacity=10**6, headroom=1.0, pause_fill=0.9
    )
    limiter = InProcessLimiter(budget, clock=fake.clock, sleep=fake.sleep)
    assert (budget.writes().capacity, budget.writes().pause_capacity) == (5, 9)
    for _ in range(5):
        await limiter.acquire("k", writes=1, units=1)
    await limiter.pause("k", 2.0, throttled=0)
    start = fake.now
    await limiter.acquire("k", writes=1, units=1)
    paused_end = fake.now
    assert paused_end - start == pytest.approx(2.0)
    for _ in range(8):
        await limiter.acquire("k", writes=1, units=1)
    assert fake.now == paused_end  # nine went at once
    await limiter.acquire("k", writes=1, units=1)
    assert fake.now - paused_end == pytest.approx(0.1)


@pytest.mark.parametrize(
    ("in_flight", "spread", "banked"),
    [
        (0.0, 0.0, 10),  # 1 s paused at 10 writes/s: all of Graph's bucket
        (0.3, 0.0, 7),  # requests on their way for 0.3 s of it: 7 refilled after them
        (0.0, 0.3, 7),  # arrivals that vary by 0.3 s: 3 of Graph's bucket left to them
        (0.3, 0.3, 7),  # both (the refill after them is 7, and the bank at most 10 - 3)
    ],
)
async def test_requests_still_on_their_way_take_from_the_bank(
    in_flight: float, spread: float, banked: int
) -> None:
    """Graph charges requests when they arrive: those sent just before a pause may arrive
    during it, and arrivals vary. The bank counts no refill of their round trip, and leaves
    Graph the refill of the variation."""
    fake = FakeTime()
    budget = Budget(write_capacity=10, write_window_s=1, unit_capacity=10**6, headroom=1.0)
    assert budget.writes().pause_capacity == 10  # all of Graph's bucket by default
    limiter = InProcessLimiter(budget, clock=fake.clock, sleep=fake.sleep)
    for _ in range(5):
        await limiter.acquire("k", writes=1, units=1)
    await limiter.pause("k", 0.5, throttled=0, in_flight_s=in_flight / 2, spread_s=spread / 3)
    # A later answer of the same pause knew longer round trips: the longest counts.
    await limiter.pause("k", 1.0, throttled=0, in_flight_s=in_flight, spread_s=spread)
    await limiter.pause("k", 0.1, throttled=0)
    await limiter.acquire("k", writes=1, units=1)
    assert 1 + await _more_going_now(limiter, fake) == banked


class VirtualTime:
    """Many callers on one virtual clock: each sleep is a timer, run in time order."""

    def __init__(self) -> None:
        self.now = 1000.0
        self._timers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._seq = 0

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._seq += 1
        heapq.heappush(self._timers, (self.now + max(0.0, seconds), self._seq, future))
        await future

    async def run(self, until: float) -> None:
        while True:
            for _ in range(30):
                await asyncio.sleep(0)
            if not self._timers or self._timers[0][0] > until:
                return
            at, _, future = heapq.heappop(self._timers)
            self.now = max(self.now, at)
            future.set_result(None)


async def test_a_full_batch_is_not_starved_by_a_stream_of_small_requests() -> None:
    """A `$batch` needing a whole burst gets its turn: callers hold slots by how long the
    queue ahead of them is, not by how far off their own slot lies."""
    vt = VirtualTime()
    limiter = InProcessLimiter(Budget(), clock=vt.clock, sleep=vt.sleep)  # 19.6 writes/s
    waited: list[float] = []

    async def small() -> None:
        while True:
            await limiter.acquire("k", writes=1, units=1)

    async def batch() -> None:
        await vt.sleep(0.5)
        asked = vt.now
        await limiter.acquire("k", writes=20, units=20, requests=20)
        waited.append(vt.now - asked)

    tasks = [asyncio.create_task(small()) for _ in range(16)] + [asyncio.create_task(batch())]
    await vt.run(vt.now + 30)
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    assert waited and waited[0] < 3.0


async def test_requests_held_by_the_other_bucket_count_against_the_bank() -> None:
    """Writers whose writes were free but whose units slot lay inside a pause go when it
    ends, with the bank: together they must fit Graph's write bucket."""
    vt = VirtualTime()
    budget = Budget(write_capacity=100, write_window_s=1, unit_capacity=1000, unit_window_s=1)
    limiter = InProcessLimiter(budget, clock=vt.clock, sleep=vt.sleep)
    start = vt.now
    pause_at = start + 2.0
    sends: list[tuple[float, int]] = []

    async def reader() -> None:  # look-ups keep the units bucket busy
        while True:
            await limiter.acquire("k", writes=0, units=50)

    async def writer() -> None:
        await vt.sleep(pause_at - 0.001 - vt.now)
        while True:
            await limiter.acquire("k", writes=2, units=1)
            sends.append((vt.now, 2))

    async def pauser() -> None:
        await vt.sleep(pause_at - vt.now)
        await limiter.pause("k", 2.0, throttled=0)

    tasks = [asyncio.create_task(reader()) for _ in range(3)]
    tasks += [asyncio.create_task(writer()) for _ in range(25)]
    tasks.append(asyncio.create_task(pauser()))
    await vt.run(start + 6)
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    level, clock = 100.0, start  # Graph's write bucket, full at the start
    for at, need in sorted(sends):
        level = min(100.0, level + (at - clock) * 100.0)
        clock = at
        level -= need
        assert level >= 0, (at - pause_at, level)


def _graph_overrun(
    events: list[tuple[str, float, float, float, float]],
    window: float,
    latency: float,
    take_a_new_slot: bool,
) -> float:
    """Replay `events` as callers that are held up after their slot (`hold`: waiting for a
    token, or for the CPU) and report by how much Graph's bucket was overrun (0: never).
    A pause that begins while a caller is held up after its slot holds it until the pause
    ends; with `take_a_new_slot` the caller then reserves again (what the client and both
    limiters do), without it it goes on the slot it held, on top of the pause's bank."""
    budget = Budget(write_capacity=100, write_window_s=window, unit_capacity=10**6)
    spec = budget.writes()
    graph_rate, graph_cap = 100 / window, 100.0
    now, state = 0.0, None
    paused_until: float | None = None
    paused_from: float | None = None
    pauses: list[tuple[float, float]] = []
    admitted: list[list[float]] = []  # [slot, need, delay, hold, gone] (gone: 1 = replaced)
    requeued: list[tuple[float, float, float]] = []

    def reserve_at(t: float, need: float, delay: float, hold: float) -> None:
        nonlocal state
        pause = None
        if paused_until is not None and paused_from is not None:
            pause = Pause(paused_until, paused_from, paused_from + latency, latency)
        state, at = reserve(state, spec, t, need, 1.0, pause)
        admitted.append([at, need, delay, hold, 0.0])

    def after_pause() -> None:
        # Callers that gave up their slot reserve again when the pause ends, in order.
        nonlocal requeued
        pending, requeued = requeued, []
        for need, delay, hold in pending:
            reserve_at(now, need, delay, hold)

    for kind, gap, value, share, hold in events:
        now += gap
        if paused_until is not None and now >= paused_until and requeued:
            held_now, now = now, paused_until
            after_pause()
            now = held_now
        if paused_until is not None and now < paused_until:
            now = paused_until  # callers wait out a pause before reserving
            after_pause()
        if kind == "pause":
            if paused_until is None or paused_until <= now:
                paused_from = now
            end = max(paused_until or 0.0, now + value)
            pauses.append((now, end))
            paused_until = end
            if take_a_new_slot:
                for entry in admitted:
                    slot, need, delay, held, gone = entry
                    if not gone and slot <= now < slot + held:
                        entry[4] = 1.0
                        requeued.append((need, delay, held))
            continue
        reserve_at(now, value, share * latency, hold)
    if requeued and paused_until is not None:
        now = max(now, paused_until)
        after_pause()
    arriving = []
    for slot, need, delay, held, gone in admitted:
        if gone:
            continue
        leaves = slot + held
        for start, end in sorted(pauses):
            # A slot inside a pause, or a caller still held up when one began: it leaves
            # when the pause ends.
            if start < slot < end or slot <= start < leaves:
                leaves = max(leaves, end)
        arriving.append((leaves + delay, need))
    level, clock, worst = graph_cap, 0.0, 0.0
    for at, need in sorted(arriving):
        level = min(graph_cap, level + (at - clock) * graph_rate)
        clock = at
        level -= need
        worst = max(worst, -level - max(0.0, need - spec.capacity))
    return worst


_holds = st.one_of(st.just(0.0), st.floats(0, 0.2))

# A caller admitted on a slot just before a 429 pauses the tenant, held up (CPU) until the
# pause is known: on the slot it held it would go with the whole bank when the pause ends.
_HELD_UP = [
    ("send", 0.0, 30.0, 0.0, 0.0),
    ("send", 0.0, 20.0, 0.0, 0.1),
    ("pause", 0.05, 1.0, 0.0, 0.0),
] + [("send", 0.0, 20.0, 0.0, 0.0)] * 6


def test_a_caller_held_up_past_a_pause_would_overrun_graph_on_its_old_slot() -> None:
    assert _graph_overrun(_HELD_UP, 1.0, 0.0, take_a_new_slot=False) > 1
    assert _graph_overrun(_HELD_UP, 1.0, 0.0, take_a_new_slot=True) <= 1e-6


@settings(max_examples=500, deadline=None)
@given(
    events=st.lists(
        st.one_of(
            st.tuples(st.just("send"), _gaps, st.integers(1, 20), _shares, _holds),
            st.tuples(st.just("pause"), _gaps, st.floats(0.05, 3.0), st.just(0.0), st.just(0.0)),
        ),
        min_size=1,
        max_size=120,
    ),
    window=st.floats(0.5, 5.0),
    latency=st.one_of(st.just(0.0), st.floats(0, 0.3)),
)
@example(events=_HELD_UP, window=1.0, latency=0.0)
def test_graph_never_throttles_callers_held_up_after_their_slot(
    events: list[tuple[str, float, float, float, float]], window: float, latency: float
) -> None:
    """As `test_graph_never_throttles_what_the_limiter_lets_through`, with callers that
    leave some time after their slot: a pause that begins meanwhile makes them take a new
    slot when it ends, and Graph always has room for what arrives."""
    assert _graph_overrun(events, window, latency, take_a_new_slot=True) <= 1e-6


async def test_a_pause_that_begins_after_a_slot_costs_the_caller_that_slot() -> None:
    """A caller sleeping for its slot wakes late (a busy CPU) and a pause begins in the
    meantime, after its slot: the pause's bank counted the slot as spent before it, so the
    caller takes a new slot from the bank; all that goes at the pause's end stays within
    Graph's bucket (10)."""
    fake = FakeTime()
    budget = Budget(write_capacity=10, write_window_s=1, unit_capacity=10**6, headroom=1.0)
    limiter: InProcessLimiter

    async def late_sleep(seconds: float) -> None:
        if not fake.slept:  # the slot's sleep: woken 0.05 s late, a 429 came meanwhile
            await fake.sleep(seconds + 0.05)
            await limiter.pause("k", 1.0, throttled=0)
            return
        await fake.sleep(seconds)

    limiter = InProcessLimiter(budget, clock=fake.clock, sleep=late_sleep)
    # Its slot 0.1 s on, paused at 0.15 s; with it, what goes at the pause's end is Graph's
    # bucket, no more.
    assert await _held_up_caller_then_the_rest(limiter, fake) == (pytest.approx(1.15), 10)


async def _more_going_now(limiter: InProcessLimiter, fake: FakeTime) -> int:
    """How many more one-write callers go at the fake clock's current moment (the first
    that has to wait ends the count)."""
    now, more = fake.now, 0
    while True:
        await limiter.acquire("k", writes=1, units=1)
        if fake.now > now:
            return more
        more += 1


async def _held_up_caller_then_the_rest(
    limiter: InProcessLimiter, fake: FakeTime
) -> tuple[float, int]:
    """Spend the burst, let one more caller through (the one the test holds up), then count
    the callers that go at the moment it did. Returns (its wait, it and they together)."""
    for _ in range(5):  # the burst, spent at once
        await limiter.acquire("k", writes=1, units=1)
    start = fake.now
    await limiter.acquire("k", writes=1, units=1)
    return fake.now - start, 1 + await _more_going_now(limiter, fake)


async def test_a_caller_that_outlasts_one_pause_into_the_next_takes_a_new_slot() -> None:
    """A slot inside a pause is held (the bank leaves room for it). But a caller that wakes
    late after that pause, when a second one has begun after its slot, has no room in the
    second's bank: it takes a new slot, and what goes when that pause ends stays within
    Graph's bucket (10)."""
    fake = FakeTime()
    start = fake.now
    budget = Budget(write_capacity=10, write_window_s=1, unit_capacity=10**6, headroom=1.0)
    limiter: InProcessLimiter
    wakes = 0

    async def sleep(seconds: float) -> None:
        nonlocal wakes
        wakes += 1
        if wakes == 1:  # sleeping for its slot (0.1 s on): a 0.2 s pause begins at 0.05 s
            fake.now = start + 0.05
            await limiter.pause("k", 0.2, throttled=0)
            fake.now = start + 0.1
        elif wakes == 2:  # waiting that pause out to 0.25 s: another begins at 0.26 s
            fake.now = start + 0.26
            await limiter.pause("k", 1.0, throttled=0)
            fake.now = start + 0.3
        else:
            await fake.sleep(seconds)

    limiter = InProcessLimiter(budget, clock=fake.clock, sleep=sleep)
    assert await _held_up_caller_then_the_rest(limiter, fake) == (pytest.approx(1.26), 10)
