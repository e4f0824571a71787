"""Wake-ups for background work. The database row is the truth; a dispatcher only says
"look at row N now". Losing a wake-up costs latency, never work: the sweeper finds the row.

Services never talk to a dispatcher. They note wake-ups on their session (`wake`); the edge
that owns the transaction (`app.db.transaction`) sends everything a commit made due in one
call to `Dispatcher.enqueue_many`, after the commit, so a role change that plans N tasks costs
one Redis round trip, not N, and nothing is announced before its row exists.

Two dispatchers run the same job functions (the catalogue in `app.background`):
- `ArqDispatcher` (production): writes arq jobs to Redis for the worker processes;
- `InlineDispatcher` (embedded default): runs them on an event loop in a background thread.

Which one a process uses is decided once, at its start (`app.background.install_dispatcher`):
this module knows no job function, so nothing here imports the domains that make work.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable, Coroutine, Hashable, Mapping, Sequence
from concurrent.futures import Future, wait
from dataclasses import dataclass
from typing import Any, Protocol

from arq import create_pool
from arq.connections import ArqRedis, RedisSettings
from arq.constants import default_queue_name, job_key_prefix, result_key_prefix
from arq.jobs import serialize_job
from arq.utils import timestamp_ms
from sqlalchemy.orm import Session

from app.settings import Settings

log = logging.getLogger("app.queue")

JobFunction = Callable[..., Awaitable[Any]]
Lifecycle = Callable[[dict[str, Any]], Coroutine[Any, Any, None]]

_PENDING = "queue.pending_wakeups"


@dataclass(frozen=True)
class Wake:
    """Run `function(*args)` (after `defer_s` seconds). `job_id` collapses duplicates: a second
    wake-up with the id of one still queued (or whose result arq still keeps) is dropped."""

    function: str
    args: tuple[Any, ...]
    job_id: str | None = None
    defer_s: float = 0
    shared: Shared | None = None
    """Set on a wake-up of one row of many that a single claim may take together."""


@dataclass(frozen=True)
class Shared:
    """A wake-up of one row whose claim takes up to `per` rows of `key` at once. When a
    transaction notes one wake-up of a key, that wake-up is sent as it is; when it notes
    several, they are put in `rank` order (the row's id) and `stand_in` of the highest of
    every `per` is sent instead (`take_pending`): a wake-up that claims whichever rows of the
    key are due (not only its own row, which may be gone by then) and that carries no job id
    of a single row's (so it is never taken for a duplicate of one). The highest, so that
    its claim can take every row it stands for by rank alone (`rank <= its own`), in
    whatever order they were noted (planning notes by assignment, an approval in the order
    asked)."""

    key: Hashable
    per: int
    stand_in: Wake
    rank: int


class Dispatcher(Protocol):
    def enqueue_many(self, wakes: Sequence[Wake]) -> None: ...

    def close(self) -> None: ...


def redis_settings(url: str) -> RedisSettings:
    return RedisSettings.from_dsn(url)


# --- noting wake-ups in a transaction -------------------------------------------------------


def wake(session: Session, wake: Wake | Callable[[], Wake]) -> None:
    """Note a wake-up; it is sent once the session's transaction commits, dropped on rollback.

    A callable is resolved only then, so a wake-up may name a row id the flush has not
    assigned yet."""
    session.info.setdefault(_PENDING, []).append(wake)


def take_pending(session: Session) -> list[Wake]:
    """The wake-ups noted in this transaction (cleared), in order, without duplicates; of
    several noted under one `Shared` key, in `rank` order, a stand-in for the highest of
    every `per`, sent where the key's last was noted."""
    pending: list[Wake | Callable[[], Wake]] = session.info.pop(_PENDING, [])
    wakes = list(dict.fromkeys(w if isinstance(w, Wake) else w() for w in pending))
    grouped: dict[Hashable, list[Shared]] = {}
    for w in wakes:
        if w.shared is not None:
            grouped.setdefault(w.shared.key, []).append(w.shared)
    seen: Counter[Hashable] = Counter()
    sent = []
    for w in wakes:
        shared = w.shared
        if shared is None or len(grouped[shared.key]) == 1:
            sent.append(w)
            continue
        seen[shared.key] += 1
        if seen[shared.key] == len(grouped[shared.key]):
            ranked = sorted(grouped[shared.key], key=lambda s: s.rank)
            chunks = (ranked[i : i + shared.per] for i in range(0, len(ranked), shared.per))
            sent.extend(chunk[-1].stand_in for chunk in chunks)
    return sent


def drop_pending(session: Session) -> None:
    """Forget the transaction's wake-ups (it rolled back). Callables are not resolved: the
    rows they would name were never written, and reading their ids would fail."""
    session.info.pop(_PENDING, None)


def mark(session: Session) -> int:
    """How many wake-ups the transaction holds now (see `rewind`)."""
    return len(session.info.get(_PENDING, []))


def rewind(session: Session, to: int) -> None:
    """Drop wake-ups noted after `mark` returned `to` (their savepoint was rolled back)."""
    del session.info.setdefault(_PENDING, [])[to:]


def send(wakes: Sequence[Wake]) -> None:
    if wakes:
        get_dispatcher().enqueue_many(wakes)


# --- dispatchers ----------------------------------------------------------------------------


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


# arq's own `enqueue_job` spends a WATCH/MULTI round trip per job. This does the same check
# (no job or result under that id yet) and the same writes, atomically per job, for a whole
# commit's wake-ups in one pipelined round trip. Key layout and payload are arq's (its public
# `serialize_job` and key prefixes), so arq workers run these jobs like any other.
_ENQUEUE_LUA = """
if redis.call('exists', KEYS[1], KEYS[2]) > 0 then return 0 end
redis.call('psetex', KEYS[1], ARGV[1], ARGV[2])
redis.call('zadd', KEYS[3], ARGV[3], ARGV[4])
return 1
"""
_EXPIRES_EXTRA_MS = 86_400_000  # arq's default: a job not started within a day is dropped


class ArqDispatcher:
    def __init__(self, redis_url: str) -> None:
        self._redis_url = redis_url
        self._loop = _LoopThread("arq-dispatcher")
        self._pool: ArqRedis | None = None
        self._script: Any = None

    async def _enqueue(self, wakes: Sequence[Wake]) -> None:
        if self._pool is None:
            self._pool = await create_pool(redis_settings(self._redis_url))
            self._script = self._pool.register_script(_ENQUEUE_LUA)
        script = self._script
        now = timestamp_ms()
        async with self._pool.pipeline(transaction=False) as pipe:
            for w in wakes:
                job_id = w.job_id or f"{w.function}:{uuid.uuid4().hex}"
                defer_ms = round(w.defer_s * 1000) if w.defer_s > 0 else 0
                payload = serialize_job(w.function, w.args, {}, None, now)
                await script(
                    keys=[job_key_prefix + job_id, result_key_prefix + job_id, default_queue_name],
                    args=[defer_ms + _EXPIRES_EXTRA_MS, payload, now + defer_ms, job_id],
                    client=pipe,
                )
            await pipe.execute()

    def enqueue_many(self, wakes: Sequence[Wake]) -> None:
        try:
            self._loop.submit(self._enqueue(wakes)).result(timeout=5)
        except Exception as exc:  # the sweeper re-enqueues; a request must not fail for this
            log.warning("queue.enqueue_failed", extra={"count": len(wakes), "error": repr(exc)})

    def close(self) -> None:
        if self._pool is not None:
            self._loop.submit(self._pool.aclose()).result(timeout=5)
        self._loop.stop()


INBOX_POLL_S = 1.0
"""How often the in-process runner looks for wake-ups another process handed over."""


class InlineDispatcher:
    """Runs job functions in-process, with the same context and start-up a worker uses.

    `inbox` returns the wake-ups other processes handed over through the database (the CLI,
    which must not run work itself); polled every INBOX_POLL_S, so work made from a shell runs
    here, with the server's settings, about as soon as the server's own would."""

    def __init__(
        self,
        settings: Settings,
        functions: Mapping[str, JobFunction],
        startup: Lifecycle,
        shutdown: Lifecycle,
        sweep: str,
        inbox: Callable[[], Sequence[Wake]] | None = None,
        periodic: Mapping[str, float] | None = None,
    ) -> None:
        self._settings = settings
        self._functions = functions
        self._shutdown = shutdown
        self._sweep = sweep
        self._inbox = inbox
        self._loop = _LoopThread("inline-runner")
        self._ctx: dict[str, Any] = {"settings": settings, "inline": True}
        self._running: set[Future[Any]] = set()
        self._ready = self._loop.submit(startup(self._ctx))
        self._sweeper = self._loop.submit(self._sweep_forever())
        self._poller = self._loop.submit(self._poll_inbox_forever()) if inbox else None
        # Functions run every N seconds like the worker's other cron jobs (the due-cycles check).
        self._periodic = [
            self._loop.submit(self._every(name, interval))
            for name, interval in (periodic or {}).items()
            if interval > 0
        ]

    async def _run(self, function: str, args: tuple[Any, ...]) -> None:
        await asyncio.wrap_future(self._ready)
        try:
            await self._functions[function](self._ctx, *args)
        except Exception:
            log.exception("inline job %s%r failed", function, args)

    async def _sweep_forever(self) -> None:
        await asyncio.wrap_future(self._ready)
        while True:
            await asyncio.sleep(self._settings.sweeper_interval_s)
            await self._run(self._sweep, ())

    async def _every(self, function: str, interval: float) -> None:
        await asyncio.wrap_future(self._ready)
        while True:
            await asyncio.sleep(interval)
            await self._run(function, ())

    async def _poll_inbox_forever(self) -> None:
        assert self._inbox is not None
        await asyncio.wrap_future(self._ready)
        while True:
            try:
                wakes = await asyncio.to_thread(self._inbox)
            except Exception as exc:  # the database is away: the next poll tries again
                log.warning("queue.inbox_failed", extra={"error": repr(exc)})
            else:
                self.enqueue_many(wakes)
            await asyncio.sleep(INBOX_POLL_S)

    def enqueue_many(self, wakes: Sequence[Wake]) -> None:
        for w in wakes:
            if w.defer_s > 0:
                self._loop.loop.call_soon_threadsafe(
                    self._loop.loop.call_later, w.defer_s, self._submit_now, w.function, w.args
                )
            else:
                self._submit_now(w.function, w.args)

    def _submit_now(self, function: str, args: tuple[Any, ...]) -> None:
        future = self._loop.submit(self._run(function, args))
        self._running.add(future)
        future.add_done_callback(self._running.discard)

    def close(self, timeout: float = 30) -> None:
        self._sweeper.cancel()
        for timer in self._periodic:
            timer.cancel()
        if self._poller is not None:
            self._poller.cancel()
        # Let work in flight finish: stopping the loop under it would leave database work
        # running in threads with nobody to finish (or roll back) its transaction.
        wait(list(self._running), timeout=timeout)
        if self._ready.done() and self._ready.exception() is None:
            self._loop.submit(self._shutdown(self._ctx)).result(timeout=10)
        self._loop.stop()


# --- the process's dispatcher ---------------------------------------------------------------

_dispatcher: Dispatcher | None = None
_factory: Callable[[], Dispatcher] | None = None
_lock = threading.Lock()


def configure(factory: Callable[[], Dispatcher] | None) -> None:
    """Say how this process makes its dispatcher (made on first use, once)."""
    global _factory
    with _lock:
        _factory = factory


def get_dispatcher() -> Dispatcher:
    global _dispatcher
    with _lock:
        if _dispatcher is None:
            if _factory is None:
                raise RuntimeError(
                    "No dispatcher is configured for this process: call "
                    "app.background.install_dispatcher() at start-up."
                )
            _dispatcher = _factory()
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
