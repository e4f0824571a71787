from __future__ import annotations

import datetime as dt
import json
from email.utils import format_datetime

import pytest

from app.graph.errors import (
    GraphAuthError,
    GraphBadRequestError,
    GraphConflictError,
    GraphError,
    GraphNotFoundError,
    GraphThrottledError,
    GraphTransientError,
    error_from_response,
    parse_retry_after,
)


def body(code: str, message: str = "", details: list[dict[str, str]] | None = None) -> dict:
    error: dict = {
        "code": code,
        "message": message,
        "innerError": {"request-id": "inner-req", "client-request-id": "inner-crid"},
    }
    if details is not None:
        error["details"] = details
    return {"error": error}


@pytest.mark.parametrize(
    ("status", "code", "message", "expected"),
    [
        (404, "Request_ResourceNotFound", "Resource 'x' does not exist", GraphNotFoundError),
        (
            400,
            "Request_UnsupportedQuery",
            "Operator 'endsWith' is not supported",
            GraphBadRequestError,
        ),
        (
            400,
            "Request_BadRequest",
            "One or more properties contains invalid values.",
            GraphBadRequestError,
        ),
        (401, "InvalidAuthenticationToken", "Access token has expired", GraphAuthError),
        (403, "Authorization_RequestDenied", "Insufficient privileges", GraphAuthError),
        (409, "Conflict", "conflict", GraphConflictError),
        (500, "generalException", "boom", GraphTransientError),
        (503, "serviceNotAvailable", "later", GraphTransientError),
        (504, "UnknownError", "", GraphTransientError),
        (429, "TooManyRequests", "Please retry again later.", GraphThrottledError),
        (412, "PreconditionFailed", "etag", GraphError),
    ],
)
def test_class_follows_status_and_code(
    status: int, code: str, message: str, expected: type
) -> None:
    error = error_from_response(status, {}, body(code, message))
    assert type(error) is expected
    assert (error.status, error.code) == (status, code)
    # Graph's own message, or one saying there was none (a task's reason is never empty).
    assert error.message == message if message else code in error.message


def test_upn_conflict_is_recognised_by_its_object_conflict_detail() -> None:
    details = [{"code": "ObjectConflict", "target": "userPrincipalName", "message": "x"}]
    error = error_from_response(
        400,
        {},
        body("Request_BadRequest", "Another object with the same value ...", details),
    )
    assert isinstance(error, GraphConflictError)
    assert error.details == details
    assert error.target == "userPrincipalName"


@pytest.mark.parametrize(
    ("details", "message", "target"),
    [
        (
            [
                {"code": "ConflictingObjects", "target": "0b9e"},
                {"code": "ObjectConflict", "target": "proxyAddresses"},
            ],
            "",
            "proxyAddresses",
        ),
        (
            None,
            "Another object with the same value for property mailNickname already exists.",
            "mailNickname",
        ),
        (None, "One or more added object references already exist for 'members'.", None),
    ],
)
def test_a_conflict_names_the_property_graph_says_is_taken(
    details: list[dict[str, str]] | None, message: str, target: str | None
) -> None:
    error = error_from_response(400, {}, body("Request_BadRequest", message, details))
    assert isinstance(error, GraphConflictError)
    assert error.target == target


def test_a_503_carries_its_retry_after_like_a_429() -> None:
    error = error_from_response(503, {"Retry-After": "5"}, body("serviceNotAvailable"))
    assert type(error) is GraphTransientError and error.retry_after == 5.0
    gateway = error_from_response(504, {}, body("UnknownError"))
    assert isinstance(gateway, GraphTransientError) and gateway.retry_after is None


def test_already_a_member_is_a_conflict_although_only_the_message_says_so() -> None:
    message = (
        "One or more added object references already exist for the following modified "
        "properties: 'members'."
    )
    error = error_from_response(400, {}, body("Request_BadRequest", message))
    assert isinstance(error, GraphConflictError)


def test_throttled_error_carries_fractional_retry_after() -> None:
    error = error_from_response(429, {"Retry-After": "0.5"}, body("TooManyRequests"))
    assert isinstance(error, GraphThrottledError)
    assert error.retry_after == 0.5


def test_request_ids_prefer_headers_and_fall_back_to_inner_error() -> None:
    from_headers = error_from_response(
        404,
        {"request-id": "hdr-req", "client-request-id": "hdr-crid"},
        body("Request_ResourceNotFound"),
    )
    assert (from_headers.request_id, from_headers.client_request_id) == ("hdr-req", "hdr-crid")
    from_body = error_from_response(404, {}, json.dumps(body("Request_ResourceNotFound")))
    assert (from_body.request_id, from_body.client_request_id) == ("inner-req", "inner-crid")
    assert "inner-req" in str(from_body)


def test_unparseable_or_empty_bodies_still_give_a_typed_error() -> None:
    assert isinstance(
        error_from_response(502, {}, b"<html>bad gateway</html>"), GraphTransientError
    )
    empty = error_from_response(404, {}, None)
    assert isinstance(empty, GraphNotFoundError)
    assert empty.code == "NotFound"


@pytest.mark.parametrize(
    ("status", "answer", "code"),
    [
        (504, None, "GatewayTimeout"),
        (504, b"", "GatewayTimeout"),
        (503, {"error": {"code": "ServiceUnavailable", "message": ""}}, "ServiceUnavailable"),
        (500, {"error": {"code": "generalException", "message": "   "}}, "generalException"),
        (400, {"error": {"code": "Request_BadRequest"}}, "Request_BadRequest"),
        (599, None, "HTTP599"),
    ],
)
def test_an_answer_without_a_message_still_says_what_happened(
    status: int, answer: object, code: str
) -> None:
    # A task's reason is the error's message: an empty one left admins with nothing to read.
    error = error_from_response(status, {}, answer)
    assert error.code == code
    assert str(status) in error.message and code in error.message
    assert error.message.strip() == error.message != ""


def test_retry_after_forms() -> None:
    assert parse_retry_after({"Retry-After": "3"}) == 3.0
    assert parse_retry_after({"retry-after": "0.25"}) == 0.25
    assert parse_retry_after({"Retry-After": "-2"}) == 0.0
    assert parse_retry_after({"Retry-After": "soon"}) is None
    assert parse_retry_after({}) is None
    later = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=30)
    seconds = parse_retry_after({"Retry-After": format_datetime(later, usegmt=True)})
    assert seconds is not None and 25 < seconds <= 30
