"""Wake-ups for background work. The database row is the truth; a dispatcher only says
"look at row N now". Losing a wake-up costs latency, never work: the sweeper finds the row.

Two dispatchers share the same job functions (`workers.functions`):
- `ArqDispatcher` (production): enqueues arq jobs on Redis for the worker processes;
- `InlineDispatcher` (embedded default): runs them on an event loop in a background thread.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Coroutine
from concurrent.futures import Future
from typing import Any, Protocol

from app.settings import Settings, get_settings

log = logging.getLogger("app.queue")


class Dispatcher(Protocol):
    def enqueue(
        self, function: str, *args: Any, job_id: str | None = None, defer_s: float = 0
    ) -> None: ...

    def close(self) -> None: ...


class _LoopThread:
    """An asyncio loop on a daemon thread, for calling async code from sync code."""

    def __init__(self, name: str) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, name=name, daemon=True)
        self._thread.start()

    def submit(self, coro: Coroutine[Any, Any, Any]) -> Future[Any]:
        return asyncio.run_coroutine_threadsafe(coro, self.loop)

    def stop(self) -> None:
        if self._thread.is_alive():
            try:
                self.submit(self._drain()).result(timeout=10)
            except Exception as exc:
                log.warning("queue.drain_failed", extra={"error": repr(exc)})
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(timeout=5)
        if not self._thread.is_alive():
            # A stopped loop still holds its selector until closed (ResourceWarning otherwise).
            self.loop.close()

    async def _drain(self) -> None:
        """Cancel what is still scheduled (the sweeper) and wait for the threads it started:
        a cancelled `asyncio.to_thread` call keeps running, and its database session must end
        before the caller disposes of the engine (else its connection is orphaned)."""
        current = asyncio.current_task()
        rest = [t for t in asyncio.all_tasks() if t is not current]
        for task in rest:
            task.cancel()
        await asyncio.gather(*rest, return_exceptions=True)
        await self.loop.shutdown_default_executor()


class ArqDispatcher:
    def __init__(self, redis_url: str) -> None:
        self._redis_url = redis_url
        self._loop = _LoopThread("arq-dispatcher")
        self._pool: Any = None

    async def _enqueue(
        self, function: str, args: tuple[Any, ...], job_id: str | None, defer_s: float
    ) -> None:
        from arq import create_pool

        from workers.settings import redis_settings

        if self._pool is None:
            self._pool = await create_pool(redis_settings(self._redis_url))
        await self._pool.enqueue_job(
            function, *args, _job_id=job_id, _defer_by=defer_s if defer_s > 0 else None
        )

    def enqueue(
        self, function: str, *args: Any, job_id: str | None = None, defer_s: float = 0
    ) -> None:
        try:
            self._loop.submit(self._enqueue(function, args, job_id, defer_s)).result(timeout=5)
        except Exception as exc:  # the sweeper re-enqueues; a request must not fail for this
            log.warning("queue.enqueue_failed", extra={"function": function, "error": repr(exc)})

    def close(self) -> None:
        if self._pool is not None:
            self._loop.submit(self._pool.aclose()).result(timeout=5)
        self._loop.stop()


class InlineDispatcher:
    """Runs job functions in-process with the same context a worker builds."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._loop = _LoopThread("inline-runner")
        self._ctx: dict[str, Any] | None = None
        self._running: set[Future[Any]] = set()
        self._ready = self._loop.submit(self._startup())
        self._sweeper = self._loop.submit(self._sweep_forever())

    async def _startup(self) -> None:
        from workers.functions import startup

        ctx: dict[str, Any] = {"settings": self._settings, "inline": True}
        await startup(ctx)
        self._ctx = ctx

    async def _run(self, function: str, args: tuple[Any, ...]) -> None:
        from workers.functions import FUNCTIONS

        await asyncio.wrap_future(self._ready)
        assert self._ctx is not None
        try:
            await FUNCTIONS[function](self._ctx, *args)
        except Exception:
            log.exception("inline job %s%r failed", function, args)

    async def _sweep_forever(self) -> None:
        await asyncio.wrap_future(self._ready)
        while True:
            await asyncio.sleep(self._settings.sweeper_interval_s)
            await self._run("sweep", ())

    def enqueue(
        self, function: str, *args: Any, job_id: str | None = None, defer_s: float = 0
    ) -> None:
        if defer_s > 0:
            self._loop.loop.call_soon_threadsafe(
                self._loop.loop.call_later, defer_s, self._submit_now, function, args
            )
        else:
            self._submit_now(function, args)

    def _submit_now(self, function: str, args: tuple[Any, ...]) -> None:
        future = self._loop.submit(self._run(function, args))
        self._running.add(future)
        future.add_done_callback(self._running.discard)

    def close(self, timeout: float = 30) -> None:
        from concurrent.futures import wait

        from workers.functions import shutdown

        self._sweeper.cancel()
        # Let work in flight finish: stopping the loop under it would leave database work
        # running in threads with nobody to finish (or roll back) its transaction.
        wait(list(self._running), timeout=timeout)
        if self._ctx is not None:
            self._loop.submit(shutdown(self._ctx)).result(timeout=10)
        self._loop.stop()


_dispatcher: Dispatcher | None = None
_lock = threading.Lock()


def get_dispatcher() -> Dispatcher:
    global _dispatcher
    with _lock:
        if _dispatcher is None:
            settings = get_settings()
            if settings.uses_arq:
                assert settings.redis_url
                _dispatcher = ArqDispatcher(settings.redis_url)
            else:
                _dispatcher = InlineDispatcher(settings)
        return _dispatcher


def set_dispatcher(dispatcher: Dispatcher | None) -> Dispatcher | None:
    """Swap the process-wide dispatcher (tests, CLI); returns the previous one."""
    global _dispatcher
    with _lock:
        previous, _dispatcher = _dispatcher, dispatcher
        return previous


def close_dispatcher() -> None:
    previous = set_dispatcher(None)
    if previous is not None:
        previous.close()
