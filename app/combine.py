"""Group commit for requests that each write a little: requests that arrive while a batch of
their kind is being written wait, and go together in the next batch, one transaction for all.

A single `POST /users` spends most of its time on what does not grow with the number of users
written: the round trips of its statements, the reads of the configuration every evaluation
needs (mappings, rules, apps), the commit and the wake-up sent after it. Eight clients posting
one user each paid all of that eight times over. Here the first request of a kind writes at
once (no waiting window, so one client alone sees no added latency); the requests arriving
meanwhile queue, and when the batch is done the next one takes everything queued by then.
Under load a batch holds about as many requests as arrived during the last one, which is what
group commit in databases does with their log flushes.

The requests wait on the event loop, not in worker threads: a batch runs in one worker
thread (`anyio.to_thread`), and its requests are answered by a task on the loop. Under load a
thread hand-off per request cost the API as much as a user's share of its batch.

Each request still gets its own answer. The caller's `run` returns one result per item, an
exception for an item refused on its own (that request raises it). An exception raised by
`run` itself (a value the database refused, a bug) may come from one item, so a batch of more
than one is then run again an item at a time, and only the item at fault fails. A failure no
item can cause, or one after which running again would be wrong, `run` raises as `Unsplit`:
every item gets it at once. Two such: the database unreachable or its pool exhausted (each
item alone would wait out the same timeout again, one after the other), and a failure during
or after the commit (the batch may be written; run again, each item would meet itself as
"another user").
"""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from anyio import to_thread

K = TypeVar("K", bound=Hashable)
T = TypeVar("T")
R = TypeVar("R")


class Unsplit(Exception):
    """Raised by a batch runner for a failure that every item of the batch shares and that
    running the items one by one must not follow: each item's caller gets `cause`."""

    def __init__(self, cause: BaseException) -> None:
        super().__init__(str(cause))
        self.cause = cause


@dataclass(eq=False)
class _Slot(Generic[T, R]):
    item: T
    context: contextvars.Context = field(default_factory=contextvars.copy_context)
    """The caller's (its request id, for what the batch logs): a batch runs in its first's."""
    answer: asyncio.Future[R] = field(default_factory=lambda: _future())


def _future() -> asyncio.Future[R]:
    future: asyncio.Future[R] = asyncio.get_running_loop().create_future()
    # A caller cancelled while waiting (its client went away) never reads its answer: mark
    # an exception read, or asyncio logs it as never retrieved.
    future.add_done_callback(lambda f: f.cancelled() or f.exception())
    return future


class Combiner(Generic[K, T, R]):
    """Batches of at most `max_batch` items of the same key, run by `run(key, items)` in a
    worker thread, which returns one result (or exception) per item, in order. Items of
    different keys (different actors, whose audit entries must name each its own) never
    share a batch; batches of different keys run side by side. Each event loop has its own
    queues (a test may run the app on several): a future is answered on its own loop."""

    def __init__(
        self, run: Callable[[K, Sequence[T]], Sequence[R | BaseException]], max_batch: int
    ) -> None:
        if max_batch < 1:
            raise ValueError("max_batch must be at least 1")
        self._run = run
        self._max = max_batch
        self._queued: dict[tuple[asyncio.AbstractEventLoop, K], list[_Slot[T, R]]] = {}
        self._drivers: dict[tuple[asyncio.AbstractEventLoop, K], asyncio.Task[None]] = {}

    def waiting(self, key: K) -> int:
        """How many requests of `key` wait for a batch to take them, on any loop."""
        return sum(len(q) for (_, k), q in list(self._queued.items()) if k == key)

    async def submit(self, key: K, item: T) -> R:
        """Run `item` in a batch of its key and return its result, or raise its exception,
        once its batch has run (its transaction committed). A caller cancelled while it
        waits leaves its item to its batch: it may be written all the same, as a request
        whose client went away after sending it."""
        slot: _Slot[T, R] = _Slot(item)
        loop = asyncio.get_running_loop()
        self._queued.setdefault((loop, key), []).append(slot)
        if (loop, key) not in self._drivers:
            self._drivers[loop, key] = loop.create_task(self._drive(loop, key))
        return await asyncio.shield(slot.answer)

    async def _drive(self, loop: asyncio.AbstractEventLoop, key: K) -> None:
        """Run the key's batches, each the queue's head at the moment the last one ended,
        until none is left; then give the key up."""
        batch: list[_Slot[T, R]] = []
        try:
            while queue := self._queued.get((loop, key)):
                batch, self._queued[loop, key] = queue[: self._max], queue[self._max :]
                items = [s.item for s in batch]
                outcomes = await to_thread.run_sync(batch[0].context.run, self._answer, key, items)
                for slot, outcome in zip(batch, outcomes, strict=True):
                    if isinstance(outcome, BaseException):
                        slot.answer.set_exception(outcome)
                    else:
                        slot.answer.set_result(outcome)
        except BaseException:
            # Cancelled (the loop is going away): no caller may be left waiting.
            for slot in [*batch, *self._queued.pop((loop, key), [])]:
                if not slot.answer.done():
                    slot.answer.set_exception(RuntimeError("the server is stopping"))
            raise
        finally:
            del self._drivers[loop, key]
            if not self._queued.get((loop, key)):
                self._queued.pop((loop, key), None)

    def _answer(self, key: K, items: list[T]) -> list[R | BaseException]:
        """One outcome per item; runs in the worker thread."""
        try:
            return list(self._outcomes(key, items))
        except Unsplit as shared:
            return [shared.cause] * len(items)
        except BaseException as exc:
            # One item may have broken the batch for all: alone, only it fails.
            if len(items) == 1:
                return [exc]
            return [self._alone(key, item) for item in items]

    def _outcomes(self, key: K, items: list[T]) -> Sequence[R | BaseException]:
        outcomes = self._run(key, items)
        if len(outcomes) != len(items):
            raise RuntimeError(f"a batch of {len(items)} items gave {len(outcomes)} results")
        return outcomes

    def _alone(self, key: K, item: T) -> R | BaseException:
        try:
            return self._outcomes(key, [item])[0]
        except Unsplit as shared:
            return shared.cause
        except BaseException as exc:
            return exc
