"""Plain data passed into and out of `GraphClient`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from app.graph.errors import GraphError


@dataclass(frozen=True)
class GraphResponse:
    """A successful Graph response (2xx/3xx); failures raise a `GraphError` instead."""

    status: int
    headers: Mapping[str, str]
    json: dict[str, Any] | None
    request_id: str | None


@dataclass(frozen=True)
class BatchRequest:
    """One request inside `POST /$batch`; `url` is relative to the version (`/users/{id}`)."""

    id: str
    method: str
    url: str
    body: Any = None
    headers: Mapping[str, str] | None = None
    depends_on: Sequence[str] | None = None


@dataclass(frozen=True)
class BatchResult:
    """The final outcome of one batched request; `error` is set when `status` >= 400."""

    id: str
    status: int
    headers: Mapping[str, str]
    body: Any
    error: GraphError | None = None
    # Graph's request id of the `$batch` envelope that carried the item: an item's own answer
    # has none (only an error body names one), so this is what a log quotes for a success.
    batch_request_id: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass(frozen=True)
class GraphCallRecord:
    """One HTTP exchange with Graph (each retry is its own record), for metrics and logs.

    `path` is a template (`/users/{id}/assignLicense`) with no ids, query or tokens in it.
    """

    method: str
    path: str
    status: int  # 0 when no response came back (timeout, connection error)
    duration: float  # seconds on the wire
    attempt: int
    throttled: bool
    retry_after: float | None
    request_id: str | None
    batch_size: int = 0
    client_request_id: str | None = None
    error_code: str | None = field(default=None)
