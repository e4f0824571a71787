"""`app.leases.kept`: renewals on a timer while a block runs, on threads of their own, and a
block that never hides its own task's cancellation."""

from __future__ import annotations

import asyncio
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from app import leases


def test_renews_every_third_of_the_lease_until_the_block_ends() -> None:
    calls: list[float] = []

    async def main() -> None:
        async with leases.kept(lambda: calls.append(time.monotonic()), 0.3, "x"):
            await asyncio.sleep(0.55)
        ended = len(calls)
        await asyncio.sleep(0.3)
        assert len(calls) == ended  # nothing after the block

    asyncio.run(main())
    assert 3 <= len(calls) <= 6


def test_a_failing_renewal_is_logged_and_the_next_one_still_runs(
    caplog: pytest.LogCaptureFixture,
) -> None:
    calls = 0

    def renew() -> None:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise OSError("database away")

    async def main() -> None:
        async with leases.kept(renew, 0.15, "3 tasks"):
            await asyncio.sleep(0.4)

    asyncio.run(main())
    assert calls >= 2
    assert "renewing the lease of 3 tasks failed" in caplog.text


def test_renewals_run_while_every_thread_of_the_default_executor_is_busy() -> None:
    """Long jobs hold default-executor threads for their whole run: renewals must not queue
    behind them, or a running batch is swept as lost."""
    renewed = threading.Event()

    async def main() -> None:
        loop = asyncio.get_running_loop()
        loop.set_default_executor(ThreadPoolExecutor(max_workers=1))
        hog = asyncio.create_task(asyncio.to_thread(time.sleep, 1.5))
        await asyncio.sleep(0.05)  # the one default thread is taken
        async with leases.kept(renewed.set, 0.3, "x"):
            await asyncio.sleep(0.5)
        assert renewed.is_set()
        await hog

    asyncio.run(main())


def test_a_cancellation_of_the_block_while_it_stops_its_keeper_propagates() -> None:
    async def main() -> str:
        body_done = asyncio.Event()

        async def holder() -> str:
            async with leases.kept(lambda: None, 60, "x"):
                body_done.set()
            return "finished normally"

        task = asyncio.create_task(holder())
        await body_done.wait()
        assert task.cancel()
        try:
            return await task
        except asyncio.CancelledError:
            return "cancelled"

    assert asyncio.run(main()) == "cancelled"
