"""`Slots`: how many `$batch` envelopes one client has on their way at once, handed out oldest
work first.

`asyncio.Semaphore` wakes its waiters in the order they came. Under load every envelope a
worker's runs want to send queues there, and the resend of an item Graph throttled (due a
Retry-After later) joined the back of that queue: behind several bursts' worth of fresh
envelopes, while the rest of its run waited for it (issue 15 §3: a create resent 6.5 s, six
pause cycles, after its first try, and its lane's licenses 11 s after its creates). Here a
waiter says how old its work is (when its envelope was first sent) and the oldest goes first,
so a resend goes with the next burst; among equals, first come first served.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager


class Slots:
    def __init__(self, size: int) -> None:
        if size < 1:
            raise ValueError("Slots needs at least one slot")
        self._free = size
        self._waiting: list[tuple[float, int, asyncio.Future[None]]] = []
        self._order = itertools.count()

    @asynccontextmanager
    async def hold(self, since: float) -> AsyncIterator[None]:
        """Hold a slot for the block; `since` (any clock, the same for every caller): when the
        caller's work began. The smallest `since` waiting gets the next free slot."""
        await self._take(since)
        try:
            yield
        finally:
            self._give_back()

    async def _take(self, since: float) -> None:
        turn: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._waiting, (since, next(self._order), turn))
        self._hand_out()
        try:
            await turn
        except asyncio.CancelledError:
            if turn.done() and not turn.cancelled():
                self._give_back()  # handed a slot in the same moment: pass it on
            raise

    def _give_back(self) -> None:
        self._free += 1
        self._hand_out()

    def _hand_out(self) -> None:
        while self._free and self._waiting:
            _, _, turn = heapq.heappop(self._waiting)
            if not turn.done():  # a cancelled waiter's turn is skipped
                self._free -= 1
                turn.set_result(None)
