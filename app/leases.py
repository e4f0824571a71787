"""Leases kept while their holder works: a claimed task or job is its worker's until its lease
runs out, and the sweeper then hands it to another worker as lost. A holder that is alive but
slow (a batch waiting its turn at Graph's rate limit, a job between two progress reports) must
not lose it that way, so it renews the lease while it runs; one that dies stops renewing, and
its work goes back to the queue one lease after the last renewal.

Renewals run on threads of their own: on the event loop's default executor they queued behind
long jobs (a directory sync, a reapply each hold a thread for their whole run), and with every
thread taken no renewal ran and the sweeper took back a batch still being carried out."""

from __future__ import annotations

import asyncio
import contextvars
import logging
import os
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager

log = logging.getLogger("app.leases")

_renewals: tuple[int, ThreadPoolExecutor] | None = None


def _executor() -> ThreadPoolExecutor:
    """This process's renewal threads: made on first use in each process (a pool inherited
    through fork() believes it has threads the child does not)."""
    global _renewals
    if _renewals is None or _renewals[0] != os.getpid():
        pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="lease-renewal")
        _renewals = (os.getpid(), pool)
    return _renewals[1]


@asynccontextmanager
async def kept(renew: Callable[[], object], lease_s: float, what: str) -> AsyncIterator[None]:
    """Run `renew` (blocking: it runs on a renewal thread) every third of `lease_s` seconds
    until the block ends. A renewal that fails (the database away for a moment) is logged and
    the next one tries again: the work itself goes on. `what` names the holder in that log
    line. `renew` must never wait on a lock its holder's own work may take (the holder
    recording its outcome): the repositories' renewals skip rows another transaction holds."""

    async def keep() -> None:
        loop = asyncio.get_running_loop()
        while True:
            await asyncio.sleep(lease_s / 3)
            try:
                # In the holder's context, as `asyncio.to_thread` would: its request id
                # stays on whatever the renewal logs.
                await loop.run_in_executor(_executor(), contextvars.copy_context().run, renew)
            except Exception:
                log.warning("renewing the lease of %s failed", what, exc_info=True)

    keeper = asyncio.create_task(keep())
    try:
        yield
    finally:
        keeper.cancel()
        # `wait`, not `await keeper`: a cancellation of the block's own task arriving here
        # must propagate, and suppressing the keeper's CancelledError would swallow it too.
        await asyncio.wait({keeper})
