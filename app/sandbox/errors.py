"""Error shapes of the sandbox tenant: Graph's error envelope and Azure AD's token errors.

Clients branch on `error.code` and the HTTP status, so those must match Microsoft's exactly;
messages are copied from real responses where the contract (graph-contract.md) names them.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

# Messages quoted by the contract; kept together so tests and handlers use one spelling.
MSG_NOT_FOUND = (
    "Resource '{id}' does not exist or one of its queried reference-property objects "
    "are not present."
)
MSG_FORBIDDEN = "Insufficient privileges to complete the operation."
MSG_INVALID_VALUES = "One or more properties contains invalid values."
MSG_REQUIRED = "Property {prop} value is required but is empty or missing."
MSG_INVALID_PROPERTY = "Invalid value specified for property '{prop}' of resource 'User'."
MSG_WEAK_PASSWORD = (
    "The specified password does not comply with password complexity requirements. "
    "Please provide a different password."
)
MSG_UNVERIFIED_DOMAIN = (
    "The domain portion of the userPrincipalName property is invalid. "
    "You must use one of the verified domain names in your organization."
)
MSG_CONFLICT = "Another object with the same value for property {prop} already exists."
MSG_EMPTY_PAYLOAD = "Empty Payload. JSON content expected."
MSG_USAGE_LOCATION = "License assignment cannot be done for user with invalid usage location."
MSG_NO_SEATS = "Subscription with SKU {sku} does not have any available licenses."
MSG_UNKNOWN_SKU = "License {sku} does not correspond to a valid company License."
MSG_NOT_LICENSED = "User does not have a corresponding license."
MSG_ALREADY_MEMBER = (
    "One or more added object references already exist for the following modified "
    "properties: 'members'."
)
MSG_READ_ONLY_GROUP = "Cannot Update a mail-enabled security groups and or distribution list."
MSG_BAD_MEMBER_REF = (
    "Unsupported referenced-object resource identifier for link property 'members'."
)
MSG_THROTTLED = "Please retry again later."
MSG_UNSUPPORTED_CLAUSE = (
    "Unsupported or invalid query filter clause specified for property '{prop}' "
    "of resource '{res}'."
)
MSG_ENDSWITH_ADVANCED = (
    "Operator 'endsWith' is not supported because the required parameters might be missing. "
    "Try adding $count=true query parameter and ConsistencyLevel:eventual header. "
    "Refer to https://aka.ms/graph-docs/advanced-queries for more information"
)
MSG_SEARCH_ADVANCED = (
    "Request with $search query parameter only works through MSGraph with a special request "
    "header: 'ConsistencyLevel: eventual'"
)
MSG_COUNT_UNSUPPORTED = "$count is not currently supported."
MSG_PAGE_SIZE = "Invalid page size specified: '{value}'. Must be between 1 and 999 inclusive."


class GraphError(Exception):
    """A Graph failure raised by a handler and rendered into the error envelope by the pipeline."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        details: list[dict[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
        inner_extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.details = details
        self.headers = headers or {}
        self.inner_extra = inner_extra or {}


def bad_request(
    message: str, code: str = "Request_BadRequest", details: list[dict[str, Any]] | None = None
) -> GraphError:
    return GraphError(400, code, message, details=details)


def not_found(object_id: str) -> GraphError:
    return GraphError(404, "Request_ResourceNotFound", MSG_NOT_FOUND.format(id=object_id))


def forbidden() -> GraphError:
    return GraphError(403, "Authorization_RequestDenied", MSG_FORBIDDEN)


def conflict(prop: str) -> GraphError:
    message = MSG_CONFLICT.format(prop=prop)
    return bad_request(
        message, details=[{"code": "ObjectConflict", "target": prop, "message": message}]
    )


def graph_timestamp(now: datetime | None = None) -> str:
    """Graph's innerError date: second precision, no zone suffix."""
    return (now or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%S")


def graph_error_body(
    code: str,
    message: str,
    request_id: str,
    client_request_id: str,
    *,
    details: list[dict[str, Any]] | None = None,
    inner_extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    inner: dict[str, Any] = dict(inner_extra or {})
    inner.update(
        {
            "date": graph_timestamp(),
            "request-id": request_id,
            "client-request-id": client_request_id,
        }
    )
    error: dict[str, Any] = {"code": code, "message": message}
    if details:
        error["details"] = details
    error["innerError"] = inner
    return {"error": error}


def aad_error_body(
    error: str, aadsts: int, description: str, correlation_id: str | None = None
) -> dict[str, Any]:
    """Azure AD's token-endpoint error: OAuth2 fields plus Microsoft's diagnostics."""
    trace_id = str(uuid.uuid4())
    correlation = correlation_id or str(uuid.uuid4())
    now = datetime.now(UTC)
    stamp = now.strftime("%Y-%m-%d %H:%M:%SZ")
    return {
        "error": error,
        "error_description": (
            f"AADSTS{aadsts}: {description} Trace ID: {trace_id} "
            f"Correlation ID: {correlation} Timestamp: {stamp}"
        ),
        "error_codes": [aadsts],
        "timestamp": stamp,
        "trace_id": trace_id,
        "correlation_id": correlation,
        "error_uri": f"https://login.microsoftonline.com/error?code={aadsts}",
    }
