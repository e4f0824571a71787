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

Two guards for when Graph's real budget is smaller than the configured one (an S or M tenant,
other apps using the tenant-wide write limit):
- our burst never exceeds half of Graph's bucket, so the other half absorbs the jitter
  between our schedule and Graph's clock even when a benchmark shrinks the window to 1 s;
- a 429 (`pause`) also cuts the key's pace by `slowdown` (additive recovery of
  `recovery_per_s` of the ceiling per second), so a budget that is too generous converges on
  what the tenant really allows instead of hammering it (AIMD, as in TCP congestion control).
  Only when 429s are more than `throttle_share` of the key's recent requests (counts decaying
  over `share_window_s`): a budget that is too generous gets a large share of its requests
  throttled, while the odd 429 of a busy service (1 in 100) says nothing about our pace, and
  cutting it for each would leave a fifth of the budget in use (the cuts outrun the recovery).
  A 503's Retry-After pauses the key but never slows it: the service was unavailable, the
  budget was not spent.

The bucket reserves: a caller that finds no room takes its tokens anyway (the balance goes
negative) and is told how long to wait for its slot, behind the callers before it, and a
request bigger than the burst (a `$batch` of 20 writes) is simply paced by the debt it leaves
behind. A request takes from both buckets and goes at the later of its two slots; both
buckets record it there.

A pause (Retry-After) banks what refills during it, beyond the burst, up to `pause_fill` of
Graph's bucket (all of it by default). Nothing is sent while a key is paused, so Graph's
bucket refills all that time too; capping the bank at one burst threw that refill away, and
when Retry-After is long next to the burst (a 1 s Retry-After against a bucket of 1 s, as in
bench/provision.py) each pause cost its whole length in lost budget. The bank starts from no
more than an empty bucket (a 429 may mean Graph's was empty whatever ours said), and what it
holds above the burst is spent first and never refilled outside a pause.

Graph charges a request when it arrives, not when we send it, and our buckets count it when
it leaves. A steady delay between the two changes nothing; two things about it do:
- requests that left just before a pause began may still be on their way and be charged
  during it. The caller says how long that can last (`in_flight_s`, the round trip of the
  answer that announced the pause) and only the refill after it is banked;
- the delay varies between requests. Our burst is half of Graph's bucket, so the other half
  absorbs that; a bank of all of Graph's bucket would not, and a request that arrives sooner
  than the bank's slowest would find Graph empty. The bank leaves Graph the refill of that
  variation (`spread_s`: the round trip less the fastest earlier one, all of it with none).
With both, Graph's bucket is at least as full as the bank when the pause ends, so the bank
may be all of it. (It was capped at a tenth below instead: each post-pause burst in
bench/provision.py's run with faults then carried 168 calls rather than ~185, and the run
made 0.75 of the fault-free rate.)

Every caller holding a slot inside a pause goes when it ends, so those slots are counted
against the bank: each bucket remembers the slots and sizes of its last few requests
(`recent`) and counts those after the pause's start. When it does not remember that far
back, it counts the refill from the pause's start to the queue's tail, plus one request that
may have been paid before the pause began, plus the requests the other bucket made wait past
their slot here (`lag`); that bound took up to a whole `$batch` too many from every bank.

A caller takes a slot only while the queue ahead of it is at most `queue_s` long, and
otherwise sleeps and asks again: under heavy demand the queue held seconds of budget, every
slot of it inside a pause went at once when it ended, and Graph's bucket was overrun.
(Holding by the caller's own slot instead starved a `$batch` needing a whole burst behind a
stream of single writes.)

An urgent request (one that takes access away: a suspension, a deletion; see
`app.graph.urgency`) may take its slot while the queue ahead is `urgent_lead_s` longer than
that. The callers that sleep and ask again all find the queue short enough at the same moment,
and which of them came first was chance; with the lead, the urgent one takes the next slot
that falls free (the queue is longer by the lead at most, inside the pause accounting above).
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
    pause_capacity: float = 0.0  # most tokens a pause may bank (see the module docstring)
    largest_need: float = 0.0  # most tokens one request takes (a full `$batch`)


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
    slowdown: float = 0.75
    min_pace: float = 0.1
    recovery_per_s: float = 0.1
    throttle_share: float = 0.05
    share_window_s: float = 5.0
    pause_fill: float = 1.0
    queue_s: float = 0.1
    urgent_lead_s: float = 0.1

    def __post_init__(self) -> None:
        if min(self.write_capacity, self.write_window_s, self.unit_capacity) <= 0:
            raise ValueError("budget capacities and windows must be positive")
        if self.unit_window_s <= 0 or self.scale <= 0 or self.burst_s <= 0:
            raise ValueError("unit window, scale and burst must be positive")
        if not 0 < self.headroom <= 1:
            raise ValueError("headroom must be in (0, 1]")
        if not 0 <= self.pause_fill <= 1:
            raise ValueError("pause_fill must be in [0, 1]")
        if self.queue_s <= 0:
            raise ValueError("queue_s must be positive")
        if self.urgent_lead_s < 0:
            raise ValueError("urgent_lead_s must not be negative")
        if not 0 < self.min_pace <= self.slowdown <= 1 or self.recovery_per_s < 0:
            raise ValueError("need 0 < min_pace <= slowdown <= 1 and recovery_per_s >= 0")

    def horizon(self, urgent: bool) -> float:
        """How long the queue ahead of a caller may be for it to take a slot, seconds."""
        return self.queue_s + (self.urgent_lead_s if urgent else 0.0)

    @property
    def write_ceiling(self) -> float:
        """Graph's sustained write rate for this budget, in writes per second."""
        return self.write_capacity * self.scale / self.write_window_s

    @property
    def unit_ceiling(self) -> float:
        """Graph's sustained resource-unit rate for this budget, per second."""
        return self.unit_capacity * self.scale / self.unit_window_s

    def writes(self) -> BucketSpec:
        # A `$batch` carries at most 20 requests of one write each (graph/batching.py).
        return self._spec(self.write_ceiling, self.write_capacity * self.scale, 20)

    def units(self) -> BucketSpec:
        # ... and at most 5 resource units each (graph/costs.py, the published table).
        return self._spec(self.unit_ceiling, self.unit_capacity * self.scale, 100)

    def _spec(self, ceiling: float, server_capacity: float, largest: float) -> BucketSpec:
        rate = ceiling * self.headroom
        capacity = min(server_capacity / 2, rate * self.burst_s)
        return BucketSpec(
            rate=rate,
            capacity=capacity,
            pause_capacity=max(capacity, server_capacity * self.pause_fill),
            largest_need=min(capacity, largest),
        )

    def pace(self, pace: float, since: float) -> float:
        """The pace factor `since` seconds after it was last cut to `pace`."""
        return min(1.0, pace + self.recovery_per_s * max(0.0, since))


@dataclass(frozen=True)
class Pace:
    factor: float  # share of the budget's rate in use after the last 429
    stamp: float


@dataclass(frozen=True)
class Share:
    """Requests sent and requests throttled lately, both decaying with the same clock."""

    sent: float
    throttled: float
    stamp: float

    def at(self, now: float, window_s: float) -> Share:
        keep = math.exp(-max(0.0, now - self.stamp) / window_s)
        return Share(self.sent * keep, self.throttled * keep, now)


@dataclass(frozen=True)
class BucketState:
    tokens: float  # balance at `stamp`; negative while callers wait for reserved slots
    stamp: float  # seconds; may lie in the future when slots are reserved ahead
    # Tokens of queued requests the other bucket made wait past their slot here (they were
    # paid earlier than their slot says), and the last of those slots.
    lag: float = 0.0
    lag_until: float = 0.0
    # (slot, tokens) of the last `RECENT` requests, oldest first: which of them a pause that
    # began at a given time holds (see `_held`).
    recent: tuple[tuple[float, float], ...] = ()


# How many of the last requests a bucket remembers. Slots are taken no more than the queue's
# horizon ahead (0.2 s at most), and after a burst the budget paces `$batch` envelopes of up to
# 20 writes 0.1 s apart: a pause holds one or two of them. A queue of single requests holds
# more than 8 and falls back on the bound (as safe as before, with none of the gain).
RECENT = 8


@dataclass(frozen=True)
class Slot:
    """Where a request would queue in one bucket: from `start` (the queue's tail, or now)
    with `available` tokens, going at `at`. Nothing is taken until `commit`."""

    start: float
    available: float
    at: float
    need: float
    rate: float


@dataclass(frozen=True)
class Pause:
    """A key's last pause as the bank sees it, on the buckets' clock.

    `until`: when it ends. `since`: when it began (None: count from the last slot).
    `settled`: when the requests sent before it had all reached Graph (None: at once), the
    pause's start plus the longest round trip an answer announcing it took. `spread_s`: how
    much the time to reach Graph varied between those requests (the round trip less the
    fastest earlier one the caller saw; all of it when there was none).
    """

    until: float
    since: float | None = None
    settled: float | None = None
    spread_s: float = 0.0


def plan(
    state: BucketState | None,
    spec: BucketSpec,
    now: float,
    need: float,
    pace: float = 1.0,
    pause: Pause | None = None,
) -> Slot:
    """Where a request taking `need` tokens would queue (see `reserve`)."""
    rate = spec.rate * pace
    if state is None:
        state = BucketState(tokens=spec.capacity, stamp=now)
    start = max(now, state.stamp)
    available = _refilled(state, spec, start, rate)
    if pause is not None and state.stamp < pause.until <= start:
        available = _after_pause(state, spec, rate, pause, available)
    wanted = min(need, spec.capacity)
    at = start if available >= wanted else start + (wanted - available) / rate
    return Slot(start, available, at, need, rate)


def _after_pause(
    state: BucketState, spec: BucketSpec, rate: float, pause: Pause, refilled: float
) -> float:
    """The balance at the end of a pause (`refilled`: what the usual refill would give).

    Only the pause's own refill is banked, from no more than an empty bucket (a 429 may mean
    Graph's was empty when the pause began), and only from `settled` on: until then requests
    sent before the pause may still reach Graph and take what refilled there. The bank leaves
    Graph `spread_s` of refill: spent at once, it may empty Graph's bucket, and a request that
    reaches Graph sooner than the bank's slowest (by up to the spread) must still find room.

    Callers holding slots inside the pause go when it ends too: what they take (`_held`, or
    a bound of it) comes off the room Graph has then, and so does a debt in the balance. The
    usual refill counts against the same room: with more held than Graph's bucket less our
    burst, a full burst on top of them would overrun it."""
    since = state.stamp if pause.since is None else pause.since
    # The refill Graph may have spent on requests that reached it after the pause began.
    late = 0.0 if pause.settled is None else max(0.0, pause.settled - since)
    most = spec.pause_capacity - max(0.0, pause.spread_s) * rate
    if state.stamp > since:
        held = _held(state, since)
        if held is None:
            # The refill from the pause's start to the last held slot paid for them, and the
            # first may have been paid partly before the pause began (one request at most).
            held = (state.stamp - since) * rate + spec.largest_need
            if state.lag_until > since:
                held += state.lag
        room = min(most, max(0.0, pause.until - since - late) * rate) - held
        refill = max(0.0, pause.until - state.stamp - late) * rate
        debt = min(state.tokens, 0.0)
        return max(debt + min(room, refill), min(refilled, debt + room))
    before = min(_refilled(state, spec, since, rate), 0.0)
    return max(refilled, before + min(most, max(0.0, pause.until - since - late) * rate))


def _held(state: BucketState, since: float) -> float | None:
    """The tokens of the requests whose slots lie after `since` (they go when a pause that
    began then ends), when the bucket remembers back that far; None when it does not.

    Without it the bank counted the refill from the pause's start to the queue's tail, plus
    a whole `$batch` (`largest_need`) for the first held request's share paid before the
    pause: exact for a 20-write envelope that had just waited for its slot, up to 20 tokens
    too many otherwise. In bench/provision.py's run with faults, Graph's write bucket still
    held 12-40 of its 200 at the end of each burst after a pause."""
    recent = state.recent
    if not recent or recent[0][0] > since or recent[-1][0] != state.stamp:
        return None
    return sum(need for at, need in recent if at > since)


def commit(
    slot: Slot, spec: BucketSpec, at: float, state: BucketState | None = None
) -> BucketState:
    """Take the slot's tokens at `at` (its own time, or later when another bucket makes the
    request wait longer): the bucket's queue then ends at `at`, where the request goes. A
    request made to wait past its own slot is noted as lag (`_after_pause` counts it as held)."""
    refilled = slot.available + (at - slot.start) * slot.rate
    tokens = min(max(spec.capacity, slot.available), refilled) - slot.need
    lag, lag_until = (state.lag, state.lag_until) if state is not None else (0.0, 0.0)
    if at > slot.at:
        # Still queued lag (its last slot not yet past) adds up; a past one is forgotten.
        lag = (lag if lag_until >= slot.start else 0.0) + slot.need
        lag_until = at
    kept = state.recent[max(0, len(state.recent) + 1 - RECENT) :] if state is not None else ()
    recent = (*kept, (at, slot.need))
    return BucketState(tokens=tokens, stamp=at, lag=lag, lag_until=lag_until, recent=recent)


def reserve(
    state: BucketState | None,
    spec: BucketSpec,
    now: float,
    need: float,
    pace: float = 1.0,
    pause: Pause | None = None,
) -> tuple[BucketState | None, float]:
    """Take `need` tokens; return the new state and the time the caller may go.

    A caller may go once the balance covers its need (or the whole capacity, for needs larger
    than the burst). Slots are handed out in order: a new caller queues behind the last
    reservation. `pace` scales the refill rate after 429s. `pause`: the key's last pause
    (callers never reserve during one); what refilled during it is banked so that, with the
    slots already held inside it, no more than `spec.pause_capacity` goes when it ends (see
    `Pause` and `_after_pause`). A request that takes from two buckets goes at the later of its
    two slots and is committed there in both (`plan`, `commit`). The Lua script in
    `RedisLimiter` is a line-for-line copy of these functions and of the caller's `queue_s`
    check.
    """
    if need <= 0:
        return state, now
    slot = plan(state, spec, now, need, pace, pause)
    return commit(slot, spec, slot.at, state), slot.at


def _after_slot(since: float | None, at: float) -> bool:
    """Whether a pause that began at `since` began at or after a slot at `at`: the pause's
    bank then counted the slot as spent before it (`_after_pause` leaves room only for slots
    inside the pause), so the request must not go when the pause ends on that slot."""
    return since is not None and since >= at


def _refilled(state: BucketState, spec: BucketSpec, at: float, rate: float) -> float:
    """The balance at `at` by the usual refill: up to the burst, while a surplus a pause
    banked is kept until spent but never grows."""
    return min(max(spec.capacity, state.tokens), state.tokens + (at - state.stamp) * rate)


def balance(state: BucketState | None, spec: BucketSpec, now: float, pace: float = 1.0) -> float:
    """Tokens available now (negative: that many are already promised to waiting callers)."""
    if state is None:
        return spec.capacity
    return _refilled(state, spec, now, spec.rate * pace)


class RateLimiter(Protocol):
    """Shared pacing for one Graph budget key ("app id + tenant")."""

    async def acquire(
        self, key: str, *, writes: int, units: int, requests: int = 1, urgent: bool = False
    ) -> None:
        """Wait until both budgets have room for this request, then take it. `requests`: how
        many Graph requests it carries (a `$batch` envelope carries its items). `urgent`: it
        takes access away, and takes a slot ahead of callers that are waiting for the queue
        to shorten (`Budget.urgent_lead_s`).

        A pause that begins while the caller waits for its slot holds it until the pause
        ends. If the pause began at or after the slot, the slot is given up and a new one
        taken: the pause's bank counts such a slot as spent before it, so going on it when
        the pause ends would go on top of the bank (Graph's bucket overrun). The caller must
        do the same with a pause it finds after this returns and before the request leaves."""

    async def pause(
        self,
        key: str,
        seconds: float,
        *,
        throttled: int = 1,
        in_flight_s: float = 0.0,
        spread_s: float = 0.0,
    ) -> None:
        """Hold every request for `key` for `seconds` (Graph answered 429, or 503 with a
        Retry-After, for this tenant). `throttled`: how many requests Graph answered 429
        (0 for a 503), which slow the key's pace when they are a large share of its traffic.
        `in_flight_s`: how long requests sent before now may still take to reach Graph (the
        round trip of the answer that announced the pause), `spread_s` how much that time
        varies between requests (that round trip less the fastest seen): see `Pause`."""

    async def paused_for(self, key: str) -> float:
        """Seconds left of the pause on `key` (0 when none): the client asks again right
        before a request leaves, so one admitted before a 429 came back waits too."""

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
        self._pauses: dict[str, Pause] = {}
        self._pace: dict[str, Pace] = {}
        self._share: dict[str, Share] = {}

    async def acquire(
        self, key: str, *, writes: int, units: int, requests: int = 1, urgent: bool = False
    ) -> None:
        while not await self._admit(key, writes, units, requests, self.budget.horizon(urgent)):
            pass

    async def _admit(
        self, key: str, writes: int, units: int, requests: int, horizon: float
    ) -> bool:
        """Reserve a slot and wait for it; False when a pause that began at or after the slot
        must be waited out and a new slot taken (see `RateLimiter.acquire`)."""
        while True:
            while (paused := self._paused_for(key)) > 0:
                await self._sleep(paused)
            now = self._clock()
            pace = self._pace_at(key, now)
            write_state, unit_state = self._state.get(key, (None, None))
            pause = self._pauses.get(key)
            # As the Lua script: a bucket the request takes nothing from has no slot.
            write_slot = (
                plan(write_state, self._writes, now, writes, pace, pause) if writes > 0 else None
            )
            unit_slot = (
                plan(unit_state, self._units, now, units, pace, pause) if units > 0 else None
            )
            taking = [slot for slot in (write_slot, unit_slot) if slot is not None]
            # The queue ahead must be within reach (see the module docstring); the request's
            # own slot may lie further, by what it takes itself.
            ahead = max((slot.start for slot in taking), default=now) - now
            if ahead <= horizon + 1e-6:
                break
            await self._sleep(max(ahead - horizon, 1e-3))
        at = max((slot.at for slot in taking), default=now)
        wait = at - now
        self._state[key] = (
            commit(write_slot, self._writes, at, write_state) if write_slot else write_state,
            commit(unit_slot, self._units, at, unit_state) if unit_slot else unit_state,
        )
        share = self._share.get(key, Share(0.0, 0.0, now)).at(now, self.budget.share_window_s)
        self._share[key] = Share(share.sent + requests, share.throttled, now)
        if wait > 0:
            await self._sleep(wait)
        # A 429 may have paused the tenant while we waited for our slot, or while we waited
        # out a pause the slot lies in (a new pause may begin after the first ended).
        while (paused := self._paused_for(key)) > 0:
            pause = self._pauses.get(key)
            if pause is not None and _after_slot(pause.since, at):
                return False
            await self._sleep(paused)
        return True

    async def pause(
        self,
        key: str,
        seconds: float,
        *,
        throttled: int = 1,
        in_flight_s: float = 0.0,
        spread_s: float = 0.0,
    ) -> None:
        now = self._clock()
        until = now + max(0.0, seconds)
        last = self._pauses.get(key)
        if last is None or last.until <= now:
            last = Pause(until=until, since=now, settled=now)
        # Nothing is sent during a pause: what can still arrive left before it began, and
        # the longest round trip any answer announcing it took says how long that can take.
        since = now if last.since is None else last.since
        self._pauses[key] = Pause(
            until=max(until, last.until),
            since=since,
            settled=max(last.settled or since, since + max(0.0, in_flight_s)),
            spread_s=max(last.spread_s, spread_s),
        )
        if throttled <= 0:
            return
        share = self._share.get(key, Share(0.0, 0.0, now)).at(now, self.budget.share_window_s)
        share = Share(share.sent, share.throttled + throttled, now)
        self._share[key] = share
        if share.throttled > self.budget.throttle_share * share.sent:
            slower = max(self.budget.min_pace, self._pace_at(key, now) * self.budget.slowdown)
            self._pace[key] = Pace(factor=slower, stamp=now)

    async def paused_for(self, key: str) -> float:
        return self._paused_for(key)

    def _pace_at(self, key: str, now: float) -> float:
        last = self._pace.get(key)
        return 1.0 if last is None else self.budget.pace(last.factor, now - last.stamp)

    async def usage(self, key: str) -> dict[str, float]:
        now = self._clock()
        write_state, unit_state = self._state.get(key, (None, None))
        pace = self._pace_at(key, now)
        return _usage(
            balance(write_state, self._writes, now, pace),
            balance(unit_state, self._units, now, pace),
            self._paused_for(key),
            pace,
            self.budget,
        )

    def _paused_for(self, key: str) -> float:
        pause = self._pauses.get(key)
        return 0.0 if pause is None else max(0.0, pause.until - self._clock())


# Mirrors `reserve` above. Times are integer microseconds from Redis TIME so every worker
# process shares one clock; balances and stamps are stored with %.17g so no precision is lost.
_ACQUIRE_LUA = """
if redis.replicate_commands then pcall(redis.replicate_commands) end
local paused = redis.call('PTTL', KEYS[3])
if paused > 0 then return {1, paused * 1000, 0} end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local pace = 1
local saved_pace = redis.call('HMGET', KEYS[4], 'factor', 'stamp')
if saved_pace[1] then
  pace = math.min(1, tonumber(saved_pace[1]) + tonumber(ARGV[7]) * (now - tonumber(saved_pace[2])))
end
local pause_log = redis.call('HMGET', KEYS[6], 'from', 'until', 'settled', 'spread')
local paused_from = tonumber(pause_log[1])
local paused_until = tonumber(pause_log[2])
local paused_settled = tonumber(pause_log[3])
local paused_spread = math.max(0, tonumber(pause_log[4]) or 0)
-- The pause key expires on a whole millisecond; the recorded end is exact.
if paused_until ~= nil and now < paused_until then
  return {1, math.max(1000, paused_until - now), 0}
end

local function refilled(tokens, stamp, at, rate, capacity)
  return math.min(math.max(capacity, tokens), tokens + (at - stamp) * rate)
end

-- The (slot, tokens) pairs of `recent`, oldest first, kept as "slot tokens slot tokens ...".
local function parse_recent(text)
  local pairs_ = {}
  if text then
    for at, need in string.gmatch(text, '(%S+) (%S+)') do
      pairs_[#pairs_ + 1] = {tonumber(at), tonumber(need)}
    end
  end
  return pairs_
end

local function held_after(recent, stamp, since)
  local n = #recent
  if n == 0 or recent[1][1] > since or recent[n][1] ~= stamp then return nil end
  local held = 0
  for i = 1, n do
    if recent[i][1] > since then held = held + recent[i][2] end
  end
  return held
end

local function plan(key, need, rate, capacity, pause_capacity, largest_need)
  if need <= 0 then return nil end
  rate = rate * pace
  local saved = redis.call('HMGET', key, 'tokens', 'stamp', 'lag', 'lag_until', 'recent',
                           'recent_tokens')
  local tokens = tonumber(saved[1])
  local stamp = tonumber(saved[2])
  local lag = tonumber(saved[3]) or 0
  local lag_until = tonumber(saved[4]) or 0
  local recent = {}
  if tokens == nil or stamp == nil then
    tokens = capacity
    stamp = now
  elseif tonumber(saved[6]) == tokens then
    -- Only while it was written with the balance there now: a worker of a version that did
    -- not keep `recent` writes the bucket without it, and a request it added must not go
    -- uncounted (the list starts afresh; `held_after` falls back on the bound meanwhile).
    recent = parse_recent(saved[5])
  end
  local start = math.max(now, stamp)
  local available = refilled(tokens, stamp, start, rate, capacity)
  if paused_until ~= nil and stamp < paused_until and paused_until <= start then
    local since = paused_from or stamp
    local late = 0
    if paused_settled ~= nil then late = math.max(0, paused_settled - since) end
    local most = pause_capacity - paused_spread * rate
    if stamp > since then
      local held = held_after(recent, stamp, since)
      if held == nil then
        held = (stamp - since) * rate + largest_need
        if lag_until > since then held = held + lag end
      end
      local room = math.min(most, math.max(0, paused_until - since - late) * rate) - held
      local refill = math.max(0, paused_until - stamp - late) * rate
      local debt = math.min(tokens, 0)
      available = math.max(debt + math.min(room, refill), math.min(available, debt + room))
    else
      local before = math.min(refilled(tokens, stamp, since, rate, capacity), 0)
      available = math.max(available,
                           before + math.min(most, math.max(0, paused_until - since - late) * rate))
    end
  end
  local wanted = math.min(need, capacity)
  local at = start
  if available < wanted then at = start + (wanted - available) / rate end
  return {key, start, available, at, need, rate, capacity, lag, lag_until, recent}
end

local function commit(slot, at)
  if slot == nil then return end
  local refill = slot[3] + (at - slot[2]) * slot[6]
  local balance = math.min(math.max(slot[7], slot[3]), refill) - slot[5]
  local lag, lag_until = slot[8], slot[9]
  if at > slot[4] then
    if lag_until < slot[2] then lag = 0 end
    lag = lag + slot[5]
    lag_until = at
  end
  local recent = slot[10]
  local kept = {}
  for i = math.max(1, #recent - RECENT_COUNT + 2), #recent do
    kept[#kept + 1] = string.format('%.17g %.17g', recent[i][1], recent[i][2])
  end
  kept[#kept + 1] = string.format('%.17g %.17g', at, slot[5])
  redis.call('HSET', slot[1], 'tokens', string.format('%.17g', balance),
             'stamp', string.format('%.17g', at), 'lag', string.format('%.17g', lag),
             'lag_until', string.format('%.17g', lag_until), 'recent', table.concat(kept, ' '),
             'recent_tokens', string.format('%.17g', balance))
  -- An idle bucket refills to full, so it can expire once it would be full again (a
  -- surplus a pause banked expires with it: the bucket comes back at its burst).
  local idle_us = (at - now) + math.max(0, slot[7] - balance) / slot[6]
  redis.call('PEXPIRE', slot[1], math.ceil(idle_us / 1000) + 1000)
end

local write_slot = plan(KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]),
                        tonumber(ARGV[10]), tonumber(ARGV[13]))
local unit_slot = plan(KEYS[2], tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6]),
                       tonumber(ARGV[11]), tonumber(ARGV[14]))
-- The queue ahead must be within reach; the request's own slot may lie further, by what it
-- takes itself. It goes at the later of its two slots, and is committed there in both.
local ahead = now
local at = now
for _, slot in pairs({write_slot or false, unit_slot or false}) do
  if slot then
    ahead = math.max(ahead, slot[2])
    at = math.max(at, slot[4])
  end
end
local horizon = tonumber(ARGV[12])
if ahead - now > horizon then return {1, math.max(1000, math.ceil(ahead - now - horizon)), 0} end
commit(write_slot, at)
commit(unit_slot, at)
-- Requests sent lately (decaying over the share window): what a 429's share is taken of.
local window = tonumber(ARGV[9])
local share = redis.call('HMGET', KEYS[5], 'sent', 'throttled', 'stamp')
local keep = math.exp(-math.max(0, now - (tonumber(share[3]) or now)) / window)
redis.call('HSET', KEYS[5],
           'sent', string.format('%.17g', (tonumber(share[1]) or 0) * keep + tonumber(ARGV[8])),
           'throttled', string.format('%.17g', (tonumber(share[2]) or 0) * keep),
           'stamp', string.format('%.17g', now))
redis.call('PEXPIRE', KEYS[5], math.ceil(window * 10 / 1000))
-- The slot's time as well, on this clock: a pause beginning at or after it (`from`) leaves
-- no room for the request in its bank.
return {0, math.ceil(at - now), string.format('%.17g', at)}
""".replace("RECENT_COUNT", str(RECENT))

# KEYS: pause, pace, share, pause end, writes, units. ARGV: pause ms, slowdown, min pace,
# recovery per microsecond, requests throttled, throttle share, share window in microseconds,
# in-flight and spread in microseconds.
_PAUSE_LUA = """
if redis.replicate_commands then pcall(redis.replicate_commands) end
local ms = tonumber(ARGV[1])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local left = redis.call('PTTL', KEYS[1])
if ms > 0 and left < ms then
  redis.call('SET', KEYS[1], '1', 'PX', ms)
end
-- When the pause began and ends, on the buckets' clock: what refills during it may be
-- banked (acquire).
local ends = now + ms * 1000
local log = redis.call('HMGET', KEYS[4], 'until', 'from', 'settled', 'spread')
local known = tonumber(log[1])
local from = tonumber(log[2])
local settled = tonumber(log[3])
local spread = tonumber(log[4]) or 0
if left <= 0 or from == nil then
  from = now
  settled = now
  spread = 0
  redis.call('HSET', KEYS[4], 'from', string.format('%.17g', now))
end
-- Nothing is sent during a pause: what can still reach Graph left before it began, and the
-- longest round trip any answer announcing it took says how long that can take.
settled = math.max(settled or from, from + math.max(0, tonumber(ARGV[8])))
spread = math.max(spread, tonumber(ARGV[9]))
redis.call('HSET', KEYS[4], 'settled', string.format('%.17g', settled),
           'spread', string.format('%.17g', spread))
if known == nil or known < ends then
  redis.call('HSET', KEYS[4], 'until', string.format('%.17g', ends))
end
redis.call('PEXPIRE', KEYS[4], ms + 600000)
-- An idle bucket expires once it would be full again; what a pause banks is worked out
-- from the bucket's last slot when the next request comes, so the buckets outlive the pause
-- by a minute (in process they never expire).
for i = 5, 6 do
  local ttl = redis.call('PTTL', KEYS[i])
  if ttl >= 0 and ttl < ms + 60000 then redis.call('PEXPIRE', KEYS[i], ms + 60000) end
end
local throttled = tonumber(ARGV[5])
if throttled <= 0 then return 0 end
local window = tonumber(ARGV[7])
local share = redis.call('HMGET', KEYS[3], 'sent', 'throttled', 'stamp')
local keep = math.exp(-math.max(0, now - (tonumber(share[3]) or now)) / window)
local sent = (tonumber(share[1]) or 0) * keep
local hits = (tonumber(share[2]) or 0) * keep + throttled
redis.call('HSET', KEYS[3], 'sent', string.format('%.17g', sent),
           'throttled', string.format('%.17g', hits), 'stamp', string.format('%.17g', now))
redis.call('PEXPIRE', KEYS[3], math.ceil(window * 10 / 1000))
if hits <= tonumber(ARGV[6]) * sent then return 0 end
local pace = 1
local saved = redis.call('HMGET', KEYS[2], 'factor', 'stamp')
if saved[1] then
  pace = math.min(1, tonumber(saved[1]) + tonumber(ARGV[4]) * (now - tonumber(saved[2])))
end
pace = math.max(tonumber(ARGV[3]), pace * tonumber(ARGV[2]))
redis.call('HSET', KEYS[2], 'factor', string.format('%.17g', pace),
           'stamp', string.format('%.17g', now))
-- Forget the slowdown once it has fully recovered.
local recover = tonumber(ARGV[4])
if recover > 0 then
  redis.call('PEXPIRE', KEYS[2], math.ceil((1 - pace) / recover / 1000) + 1000)
end
return 0
"""

_USAGE_LUA = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local pace = 1
local saved_pace = redis.call('HMGET', KEYS[4], 'factor', 'stamp')
if saved_pace[1] then
  pace = math.min(1, tonumber(saved_pace[1]) + tonumber(ARGV[5]) * (now - tonumber(saved_pace[2])))
end
local function balance(key, rate, capacity)
  rate = rate * pace
  local saved = redis.call('HMGET', key, 'tokens', 'stamp')
  local tokens = tonumber(saved[1])
  local stamp = tonumber(saved[2])
  if tokens == nil or stamp == nil then return tostring(capacity) end
  return string.format('%.17g',
                       math.min(math.max(capacity, tokens), tokens + (now - stamp) * rate))
end
return {balance(KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2])),
        balance(KEYS[2], tonumber(ARGV[3]), tonumber(ARGV[4])),
        redis.call('PTTL', KEYS[3]), string.format('%.17g', pace)}
"""


class RedisLimiter:
    """Limiter shared by every worker process through Redis, one Lua call per request."""

    def __init__(
        self,
        redis: aioredis.Redis,
        budget: Budget | None = None,
        *,
        prefix: str = "graph:ratelimit",
        pause_fresh_s: float = 0.0,
    ) -> None:
        self.budget = budget or Budget()
        # What this process knows of each key's pause: (when read, paused until), monotonic.
        # `paused_for` answers from it while it is fresher than `pause_fresh_s`; by default
        # it asks Redis right before every request (well under a millisecond), so a pause
        # another worker has just set holds here at once. A pause set here is known at once.
        self._pause_fresh_s = pause_fresh_s
        self._known_pause: dict[str, tuple[float, float]] = {}
        self._writes = self.budget.writes()
        self._units = self.budget.units()
        self._redis = redis
        self._prefix = prefix
        self._acquire = redis.register_script(_ACQUIRE_LUA)
        self._pause = redis.register_script(_PAUSE_LUA)
        self._usage = redis.register_script(_USAGE_LUA)

    def _keys(self, key: str) -> list[str]:
        # The hash tag keeps one key's entries in one slot on Redis Cluster.
        base = f"{self._prefix}:{{{key}}}"
        return [
            f"{base}:writes",
            f"{base}:units",
            f"{base}:pause",
            f"{base}:pace",
            f"{base}:share",
            f"{base}:paused_until",
        ]

    async def acquire(
        self, key: str, *, writes: int, units: int, requests: int = 1, urgent: bool = False
    ) -> None:
        keys = self._keys(key)
        per_us = 1_000_000.0
        args: list[str | int] = [
            writes,
            repr(self._writes.rate / per_us),
            repr(self._writes.capacity),
            units,
            repr(self._units.rate / per_us),
            repr(self._units.capacity),
            repr(self.budget.recovery_per_s / per_us),
            requests,
            repr(self.budget.share_window_s * per_us),
            repr(self._writes.pause_capacity),
            repr(self._units.pause_capacity),
            repr(self.budget.horizon(urgent) * per_us),
            repr(self._writes.largest_need),
            repr(self._units.largest_need),
        ]
        while True:
            paused, wait_us, at_us = await self._acquire(keys=keys, args=args)
            await asyncio.sleep(int(wait_us) / per_us)
            if not int(paused) and await self._wait_out_pauses(keys, float(at_us)):
                break
        now = time.monotonic()
        self._known_pause[key] = (now, now)

    async def _wait_out_pauses(self, keys: list[str], at_us: float) -> bool:
        """Wait out any pause a slot at `at_us` (Redis clock) lies in; False, at once, when a
        pause began at or after the slot (the caller takes a new one; see `acquire`)."""
        while True:
            read = self._redis.pipeline(transaction=False)
            read.pttl(keys[2])
            read.hget(keys[5], "from")
            pttl, since = await read.execute()
            if int(pttl) <= 0:
                return True
            if since is not None and _after_slot(float(since), at_us):
                return False
            await asyncio.sleep(int(pttl) / 1000)

    async def pause(
        self,
        key: str,
        seconds: float,
        *,
        throttled: int = 1,
        in_flight_s: float = 0.0,
        spread_s: float = 0.0,
    ) -> None:
        ms = math.ceil(max(0.0, seconds) * 1000)
        now = time.monotonic()
        checked, until = self._known_pause.get(key, (now, now))
        self._known_pause[key] = (checked, max(until, now + ms / 1000))
        keys = self._keys(key)
        args: list[str | int] = [
            ms,
            repr(self.budget.slowdown),
            repr(self.budget.min_pace),
            repr(self.budget.recovery_per_s / 1_000_000),
            throttled,
            repr(self.budget.throttle_share),
            repr(self.budget.share_window_s * 1_000_000),
            repr(max(0.0, in_flight_s) * 1_000_000),
            repr(max(0.0, spread_s) * 1_000_000),
        ]
        await self._pause(keys=[keys[2], keys[3], keys[4], keys[5], keys[0], keys[1]], args=args)

    async def paused_for(self, key: str) -> float:
        now = time.monotonic()
        checked, until = self._known_pause.get(key, (-math.inf, now))
        if now - checked > self._pause_fresh_s:
            pttl = max(0, int(await self._redis.pttl(self._keys(key)[2])))
            now = time.monotonic()
            # A pause this process has just set may not have reached Redis yet.
            until = max(until, now + pttl / 1000)
            self._known_pause[key] = (now, until)
        return max(0.0, until - now)

    async def usage(self, key: str) -> dict[str, float]:
        per_us = 1_000_000.0
        writes, units, pttl, pace = await self._usage(
            keys=self._keys(key),
            args=[
                repr(self._writes.rate / per_us),
                repr(self._writes.capacity),
                repr(self._units.rate / per_us),
                repr(self._units.capacity),
                repr(self.budget.recovery_per_s / per_us),
            ],
        )
        paused_s = max(0, int(pttl)) / 1000
        return _usage(float(writes), float(units), paused_s, float(pace), self.budget)


def _usage(
    writes: float, units: float, paused_s: float, pace: float, budget: Budget
) -> dict[str, float]:
    return {
        "writes_available": writes,
        "writes_burst": budget.writes().capacity,
        "writes_per_s": budget.writes().rate * pace,
        "units_available": units,
        "units_burst": budget.units().capacity,
        "units_per_s": budget.units().rate * pace,
        "paused_s": paused_s,
        "pace": pace,
    }
