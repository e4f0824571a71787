"""Exception classes for Microsoft Graph failures, chosen from status + `error.code`.

Callers decide what to do by exception class (retry, skip the object, relink, abort), so the
mapping from a response to a class lives in one place: `error_from_response`.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Mapping
from email.utils import parsedate_to_datetime
from http import HTTPStatus
from typing import Any


class GraphError(Exception):
    """A Graph call that failed, with Graph's own code, message and request ids."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        request_id: str | None = None,
        client_request_id: str | None = None,
        details: list[dict[str, Any]] | None = None,
    ) -> None:
        self.status = status
        self.code = code
        self.message = message
        self.request_id = request_id
        self.client_request_id = client_request_id
        self.details: list[dict[str, Any]] = details or []
        super().__init__(str(self))

    def __str__(self) -> str:
        text = f"{self.status} {self.code}: {self.message}"
        if self.request_id:
            text += f" (request-id {self.request_id})"
        return text


class GraphTransientError(GraphError):
    """Timeouts, connection failures and 5xx: the same call may succeed later.

    `retry_after` is the server's Retry-After in seconds when it sent one: a 503 may carry it,
    and it means what a 429's does (contract §11): wait that long, for the whole tenant.
    """

    def __init__(self, *args: Any, retry_after: float | None = None, **kwargs: Any) -> None:
        self.retry_after = retry_after
        super().__init__(*args, **kwargs)


class GraphThrottledError(GraphTransientError):
    """429 Too Many Requests; `retry_after` is the server's Retry-After in seconds, if sent."""


class GraphOutcomeUnknownError(GraphTransientError):
    """A write went out but its answer was lost (timeout, dropped connection, 5xx gateway
    answer): it may or may not have taken effect. The client does not resend it blindly;
    whoever sent it re-reads the tenant before deciding what is still needed."""


class GraphNotFoundError(GraphError):
    """404: the object does not exist, or has not replicated yet (contract §0)."""


class GraphConflictError(GraphError):
    """The object or reference already exists (400 ObjectConflict, "already exist", or 409)."""

    @property
    def target(self) -> str | None:
        """The property Graph says is taken: `details[].target` of the ObjectConflict detail,
        else the name in the message ("... same value for property proxyAddresses ...")."""
        return conflict_target(self)


_PROPERTY_IN_MESSAGE = re.compile(r"for property '?([A-Za-z]+)'?")


def conflict_target(error: GraphError) -> str | None:
    for detail in error.details:
        if detail.get("code") == "ObjectConflict" and detail.get("target"):
            return str(detail["target"])
    for detail in error.details:
        if detail.get("target"):
            return str(detail["target"])
    found = _PROPERTY_IN_MESSAGE.search(error.message)
    return found.group(1) if found else None


class GraphBadRequestError(GraphError):
    """Any other 400, including Request_UnsupportedQuery: retrying will not help."""


class GraphRuleViolation(GraphError):
    """A value the engine did not send because Graph would refuse it (a rule of
    `app.graph.rules`, or a precondition such as a usageLocation before a license). No
    request went out, so there is no request id; `status` is the 400 Graph would have given.
    The task is held (`blocked`) until the user or the app's parameters change."""

    CODE = "GraphRuleViolation"

    def __init__(self, message: str, *, rules: list[str] | None = None) -> None:
        self.rules = rules or []
        super().__init__(400, self.CODE, message)


class CreateNeedsApproval(GraphError):
    """A task that is not a create (an update, a reactivation) found its tenant user gone
    (deleted outside this service, nothing left to restore) and would have to create the
    person again, while the app's policy says creates wait for an admin's approval. Nothing
    was sent; the runner turns the task into a create waiting for approval."""

    CODE = "CreateNeedsApproval"

    def __init__(self, message: str) -> None:
        super().__init__(409, self.CODE, message)


class GraphAuthError(GraphError):
    """401/403 from Graph, or a token the identity platform would not issue (AADSTS codes)."""


def parse_retry_after(headers: Mapping[str, str] | None) -> float | None:
    """Retry-After in seconds: Graph sends seconds (maybe fractional); RFC 9110 allows a date."""
    if not headers:
        return None
    raw = _header(headers, "retry-after")
    if raw is None:
        return None
    raw = raw.strip()
    try:
        return max(0.0, float(raw))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(raw)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return max(0.0, (when - dt.datetime.now(dt.UTC)).total_seconds())


def error_from_response(status: int, headers: Mapping[str, str] | None, body: Any) -> GraphError:
    """Build the right `GraphError` subclass for a failed response.

    The class is chosen by HTTP status and `error.code`, as Graph asks
    (https://learn.microsoft.com/graph/errors). The one exception is "already a member":
    Graph answers `POST .../members/$ref` for an existing member with a plain
    400 `Request_BadRequest` whose only distinguishing mark is the message
    ("One or more added object references already exist ..."), so a 400 whose message says
    "already exist" is a conflict too (contract §5).
    """
    error = _error_object(body)
    code = str(error.get("code") or _default_code(status))
    # A task's `reason` is this message: an answer without one (a gateway's bare 504, an
    # error object with an empty message) still says what happened.
    message = str(error.get("message") or "").strip() or _default_message(status, code)
    inner = error.get("innerError") or error.get("innererror") or {}
    if not isinstance(inner, dict):
        inner = {}
    request_id = _header(headers, "request-id") or inner.get("request-id")
    client_request_id = _header(headers, "client-request-id") or inner.get("client-request-id")
    details = [d for d in error.get("details") or [] if isinstance(d, dict)]
    kwargs: dict[str, Any] = {
        "request_id": request_id,
        "client_request_id": client_request_id,
        "details": details,
    }

    if status == 429:
        return GraphThrottledError(
            status, code, message, retry_after=parse_retry_after(headers), **kwargs
        )
    if status >= 500 or status == 408:
        return GraphTransientError(
            status, code, message, retry_after=parse_retry_after(headers), **kwargs
        )
    if status == 404:
        return GraphNotFoundError(status, code, message, **kwargs)
    if status in (401, 403):
        return GraphAuthError(status, code, message, **kwargs)
    if status == 409:
        return GraphConflictError(status, code, message, **kwargs)
    if status == 400:
        if any(d.get("code") == "ObjectConflict" for d in details) or (
            "already exist" in message.lower()
        ):
            return GraphConflictError(status, code, message, **kwargs)
        return GraphBadRequestError(status, code, message, **kwargs)
    return GraphError(status, code, message, **kwargs)


def _error_object(body: Any) -> dict[str, Any]:
    if isinstance(body, bytes | bytearray):
        body = body.decode("utf-8", errors="replace")
    if isinstance(body, str):
        try:
            body = json.loads(body) if body.strip() else None
        except ValueError:
            return {"message": body[:500]}
    if isinstance(body, dict):
        error = body.get("error")
        if isinstance(error, dict):
            return error
    return {}


def _default_message(status: int, code: str) -> str:
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = "an unknown status"
    return f"Graph answered {status} ({phrase}, {code}) without an error message."


def _default_code(status: int) -> str:
    return {
        400: "BadRequest",
        401: "Unauthorized",
        403: "Forbidden",
        404: "NotFound",
        409: "Conflict",
        424: "FailedDependency",
        429: "TooManyRequests",
        503: "ServiceUnavailable",
        504: "GatewayTimeout",
    }.get(status, f"HTTP{status}")


def _header(headers: Mapping[str, str] | None, name: str) -> str | None:
    # Batch item headers are a plain dict whose key case is up to the server.
    if not headers:
        return None
    value = headers.get(name)
    if value is not None:
        return value
    for key, val in headers.items():
        if key.lower() == name:
            return val
    return None
