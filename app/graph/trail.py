"""Which Graph exchanges a piece of work made, for the logs that show them per operation.

A caller opens `collecting()` around an operation (verifying an app's domain, refreshing its
entitlements, a preflight) and gets the list of every exchange the clients made meanwhile,
each retry its own `GraphCallRecord`. A context variable rather than an argument: the
operation goes through several helpers and may fan out into concurrent requests (asyncio
copies the context into each task, and the copies share the same list), and clients are
shared by every operation of an app. Outside `collecting()` nothing is kept.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from app.graph.models import GraphCallRecord

_CALLS: ContextVar[list[GraphCallRecord] | None] = ContextVar("graph_calls", default=None)


@contextmanager
def collecting() -> Iterator[list[GraphCallRecord]]:
    calls: list[GraphCallRecord] = []
    token = _CALLS.set(calls)
    try:
        yield calls
    finally:
        _CALLS.reset(token)


def note(record: GraphCallRecord) -> None:
    calls = _CALLS.get()
    if calls is not None:
        calls.append(record)
