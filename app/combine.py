"""Group commit for requests that each write a little: requests that arrive while a batch of
their kind is being written wait, and go together in the next batch, one transaction for all.

A single `POST /users` spends most of its time on what does not grow with the number of users
written: the round trips of its statements, the reads of the configuration every evaluation
needs (mappings, rules, apps), the commit and the wake-up sent after it. Eight clients posting
one user each paid all of that eight times over. Here the first request of a kind writes at
once (no waiting window, so one client alone sees no added latency); the requests arriving
meanwhile queue, and when the batch is done one of them leads the next batch with everything
queued by then. Under load a batch holds about as many requests as arrived during the last
one, which is what group commit in databases does with their log flushes.

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

import threading
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from typing import Generic, TypeVar

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
    ready: threading.Event = field(default_factory=threading.Event)
    lead: bool = False
    """Set when this request is woken to lead the next batch rather than with its answer."""
    result: R | None = None
    error: BaseException | None = None


class Combiner(Generic[K, T, R]):
    """Batches of at most `max_batch` items of the same key, run by `run(key, items)`, which
    returns one result (or exception) per item, in order. Items of different keys (different
    actors, whose audit entries must name each its own) never share a batch."""

    def __init__(
        self, run: Callable[[K, Sequence[T]], Sequence[R | BaseException]], max_batch: int
    ) -> None:
        if max_batch < 1:
            raise ValueError("max_batch must be at least 1")
        self._run = run
        self._max = max_batch
        self._lock = threading.Lock()
        self._queued: dict[K, list[_Slot[T, R]]] = {}
        self._busy: set[K] = set()

    def submit(self, key: K, item: T) -> R:
        """Run `item` in a batch of its key and return its result, or raise its exception.
        Blocks the calling thread until its batch has run (its transaction committed)."""
        slot: _Slot[T, R] = _Slot(item)
        with self._lock:
            self._queued.setdefault(key, []).append(slot)
            leads = key not in self._busy
            if leads:
                self._busy.add(key)
        if not leads:
            slot.ready.wait()
        if slot.lead or leads:
            self._lead(key)
        if slot.error is not None:
            raise slot.error
        return slot.result  # type: ignore[return-value]

    def _lead(self, key: K) -> None:
        """Run one batch of `key` (the queue's head, the leader's own item among it), then hand
        the lead to the first request still queued, or give the key up."""
        with self._lock:
            queue = self._queued[key]
            batch, self._queued[key] = queue[: self._max], queue[self._max :]
        try:
            self._answer(key, batch)
        finally:
            with self._lock:
                rest = self._queued.get(key)
                if rest:
                    successor = rest[0]
                    successor.lead = True
                    successor.ready.set()
                else:
                    self._queued.pop(key, None)
                    self._busy.discard(key)

    def _answer(self, key: K, batch: list[_Slot[T, R]]) -> None:
        try:
            outcomes = self._outcomes(key, batch)
        except Unsplit as shared:
            outcomes = [shared.cause] * len(batch)
        except BaseException as exc:
            # One item may have broken the batch for all: alone, only it fails.
            alone = len(batch) == 1
            outcomes = [exc] if alone else [self._alone(key, slot) for slot in batch]
        for slot, outcome in zip(batch, outcomes, strict=True):
            if isinstance(outcome, BaseException):
                slot.error = outcome
            else:
                slot.result = outcome
            slot.lead = False
            slot.ready.set()

    def _outcomes(self, key: K, batch: list[_Slot[T, R]]) -> Sequence[R | BaseException]:
        outcomes = self._run(key, [slot.item for slot in batch])
        if len(outcomes) != len(batch):
            raise RuntimeError(f"a batch of {len(batch)} items gave {len(outcomes)} results")
        return outcomes

    def _alone(self, key: K, slot: _Slot[T, R]) -> R | BaseException:
        try:
            return self._outcomes(key, [slot])[0]
        except Unsplit as shared:
            return shared.cause
        except BaseException as exc:
            return exc
