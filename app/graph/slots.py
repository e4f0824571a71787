"""`Slots`: how many `$batch` envelopes one client has on their way at once, handed out oldest
work first.

`asyncio.Semaphore` wakes its waiters in the order they came. Under load every envelope a
worker's runs want to send queues there, and the resend of an item Graph throttled (due a
Retry-After later) joined the back of that queue: behind several bursts' worth of fresh
envelopes, while the rest of its run waited for it (issue 15 §3: a create resent 6.5 s, six
pause cycles, after its first try, and its lane's licenses 11 s after its creates). Here a
waiter says how old its work is (when its envelope was first sent) and the oldest goes first,
so a resend goes with the next burst; among equals, first come first served. Urgent work
(`app.graph.urgency`: a suspension, a deletion) goes before all other, oldest first.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager


class Slots:
    def __init__(self, size: int, urgent_reserve: int = 1) -> None:
        """`size` slots for any work, and `urgent_reserve` more that only urgent work takes,
        when every other slot is held: an urgent envelope need not wait for one of `size`
        envelopes queued at the write budget to be answered (at Graph's 20 writes/s, a
        worker's 16 envelopes of 20 writes take 16 s to admit)."""
        if size < 1:
            raise ValueError("Slots needs at least one slot")
        if urgent_reserve < 0:
            raise ValueError("urgent_reserve must not be negative")
        self._free = {False: size, True: urgent_reserve}  # reserve slot? -> free
        self._waiting: list[tuple[bool, float, int, asyncio.Future[bool]]] = []
        self._order = itertools.count()

    @asynccontextmanager
    async def hold(self, since: float, *, urgent: bool = False) -> AsyncIterator[None]:
        """Hold a slot for the block; `since` (any clock, the same for every caller): when the
        caller's work began. The next free slot goes to an urgent caller if one waits, and
        otherwise to the smallest `since` waiting."""
        reserve = await self._take(since, urgent)
        try:
            yield
        finally:
            self._give_back(reserve)

    async def _take(self, since: float, urgent: bool) -> bool:
        turn: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._waiting, (not urgent, since, next(self._order), turn))
        self._hand_out()
        try:
            return await turn
        except asyncio.CancelledError:
            if turn.done() and not turn.cancelled():
                self._give_back(turn.result())  # handed a slot in the same moment: pass it on
            raise

    def _give_back(self, reserve: bool) -> None:
        self._free[reserve] += 1
        self._hand_out()

    def _hand_out(self) -> None:
        while self._waiting:
            not_urgent, *_, turn = self._waiting[0]
            if turn.done():  # a cancelled waiter's turn is skipped
                heapq.heappop(self._waiting)
                continue
            if self._free[False]:
                reserve = False
            elif not not_urgent and self._free[True]:
                reserve = True
            else:
                return
            heapq.heappop(self._waiting)
            self._free[reserve] -= 1
            turn.set_result(reserve)
