"""Leases kept while their holder works: a claimed task or job is its worker's until its lease
runs out, and the sweeper then hands it to another worker as lost. A holder that is alive but
slow (a batch waiting its turn at Graph's rate limit, a job between two progress reports) must
not lose it that way, so it renews the lease while it runs; one that dies stops renewing, and
its work goes back to the queue one lease after the last renewal."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager, suppress

log = logging.getLogger("app.leases")


@asynccontextmanager
async def kept(renew: Callable[[], object], lease_s: float, what: str) -> AsyncIterator[None]:
    """Run `renew` (blocking: it runs in a thread) every third of `lease_s` seconds until the
    block ends. A renewal that fails (the database away for a moment) is logged and the next
    one tries again: the work itself goes on. `what` names the holder in that log line."""

    async def keep() -> None:
        while True:
            await asyncio.sleep(lease_s / 3)
            try:
                await asyncio.to_thread(renew)
            except Exception:
                log.warning("renewing the lease of %s failed", what, exc_info=True)

    keeper = asyncio.create_task(keep())
    try:
        yield
    finally:
        keeper.cancel()
        with suppress(asyncio.CancelledError):
            await keeper
