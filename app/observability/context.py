"""The request id: one id that follows a piece of work from the HTTP edge to Graph.

It lives in structlog's context variables (key `request_id`), so every log line written while
handling a request, running a job or calling Graph carries it without being passed around:
- the HTTP middleware binds the caller's `X-Request-ID` (or a fresh one) for the request;
- `app.jobs.service.start_job` stores the current id in the job's params as `correlation_id`,
  and the runner binds it again while the job executes in a worker;
- the Graph runtime passes `current_request_id()` as `client_request_id`, so Microsoft's
  `client-request-id` header matches our logs when a support case needs it.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import structlog

REQUEST_ID_HEADER = "X-Request-ID"
LOG_KEY = "request_id"
# What we accept from a caller: short and free of anything that could forge a log line or a
# header. Anything else is replaced, not rejected: a bad id must not fail a request.
_ACCEPTABLE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:/+=-]{0,127}$")


def new_request_id() -> str:
    # A GUID, because Graph expects `client-request-id` to be one.
    return str(uuid.uuid4())


def accept_request_id(value: str | None) -> str:
    """The caller's id when it is safe to log and echo, otherwise a new one."""
    if value and _ACCEPTABLE.match(value):
        return value
    return new_request_id()


def current_request_id() -> str | None:
    value = structlog.contextvars.get_contextvars().get(LOG_KEY)
    return value if isinstance(value, str) else None


@contextmanager
def bound_request_id(request_id: str | None, **extra: Any) -> Iterator[str]:
    """Bind `request_id` (a new one when None) and `extra` for the block; yields the id."""
    rid = request_id or new_request_id()
    with structlog.contextvars.bound_contextvars(**{LOG_KEY: rid}, **extra):
        yield rid
