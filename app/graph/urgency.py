"""Urgent Graph calls: those that take access away (a suspension, a deletion).

During an initial load a worker's `$batch` envelopes queue for an envelope slot, oldest work
first (`Slots`), and then for the write budget (`limiter`): at Graph's 3,000 writes per
2.5 minutes that is minutes of creates. A leaver's suspension planned meanwhile must not wait
behind them, since the person keeps their access until it lands. Calls made inside `urgent()`
take the next free envelope slot and the next free budget slot.

A context variable rather than a parameter: the calls are made several layers down (the
executor's phases, the exchange that combines lanes into envelopes), and every call a run
makes for the same claim shares its urgency. Tasks started inside inherit it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_URGENT: ContextVar[bool] = ContextVar("graph_urgent", default=False)


@contextmanager
def urgent() -> Iterator[None]:
    """Graph calls made inside (and in tasks started inside) go ahead of other work."""
    token = _URGENT.set(True)
    try:
        yield
    finally:
        _URGENT.reset(token)


def is_urgent() -> bool:
    """Whether the current call is made inside `urgent()`."""
    return _URGENT.get()
