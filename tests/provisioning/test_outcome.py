"""`outcome.decide`: every kind of failure, and what the task does about it."""

from __future__ import annotations

import random

import pytest

from app.apps.errors import MissingCredentials, NotAuthenticated, SandboxUnavailable
from app.graph.errors import (
    GraphAuthError,
    GraphBadRequestError,
    GraphConflictError,
    GraphError,
    GraphThrottledError,
    GraphTransientError,
)
from app.provisioning.executor import Outcome
from app.provisioning.outcome import (
    AdminAction,
    Blocked,
    Blocker,
    Failed,
    Retry,
    Succeeded,
    admin_action,
    decide,
)

NO_SEATS = (
    "Subscription with SKU 06ebc4ee-1bb5-47dd-8120-11324bc54e06 does not have any available "
    "licenses."
)


def test_no_failure_is_success() -> None:
    assert decide(None, attempts=3, max_attempts=5) == Succeeded()


def test_throttled_with_retry_after_retries_after_exactly_that() -> None:
    throttled = GraphThrottledError(
        429, "TooManyRequests", "Please retry again later.", retry_after=42
    )

    decision = decide(throttled, attempts=1, max_attempts=5)

    assert isinstance(decision, Retry) and decision.when == 42 and decision.error is throttled


@pytest.mark.parametrize(("attempts", "low", "high"), [(1, 1, 3), (4, 8, 24), (20, 150, 450)])
def test_transient_without_retry_after_backs_off_exponentially_with_jitter(
    attempts: int, low: float, high: float
) -> None:
    rng = random.Random(7)
    unavailable = GraphTransientError(503, "serviceNotAvailable", "Service unavailable")

    waits = []
    for _ in range(200):
        decision = decide(unavailable, attempts=attempts, max_attempts=50, rng=rng)
        assert isinstance(decision, Retry)
        waits.append(decision.when)

    assert all(low <= w < high for w in waits)
    assert max(waits) - min(waits) > (high - low) / 2  # jittered, not one fixed delay


def test_transient_on_the_last_attempt_fails_with_that_error() -> None:
    throttled = GraphThrottledError(429, "TooManyRequests", "later", retry_after=1, request_id="r1")

    decision = decide(throttled, attempts=5, max_attempts=5)

    assert isinstance(decision, Failed) and decision.error is throttled
    assert decision.reason == "later"


def test_no_free_seats_blocks() -> None:
    no_seats = GraphBadRequestError(400, "Request_BadRequest", NO_SEATS, request_id="r2")

    decision = decide(no_seats, attempts=1, max_attempts=5)

    assert isinstance(decision, Blocked) and decision.why is Blocker.NO_SEATS
    assert decision.reason == f"no free seats: {NO_SEATS}" and decision.error is no_seats


@pytest.mark.parametrize(
    "problem",
    [NotAuthenticated("authenticate first"), MissingCredentials(), SandboxUnavailable("no")],
)
def test_an_app_that_needs_an_admin_blocks(problem: Exception) -> None:
    decision = decide(problem, attempts=1, max_attempts=5)

    assert isinstance(decision, Blocked) and decision.why is Blocker.ADMIN_MUST_ACT
    assert decision.error.code == type(problem).__name__ and decision.error.status == 409
    assert decision.reason == decision.error.message and decision.reason


@pytest.mark.parametrize(
    "error",
    [
        GraphBadRequestError(
            400,
            "Request_BadRequest",
            "One or more properties contains invalid values.",
            request_id="r3",
        ),
        GraphConflictError(409, "UpnTakenByAnotherPerson", "taken", request_id="r4"),
        GraphAuthError(
            403, "Authorization_RequestDenied", "Insufficient privileges.", request_id="r5"
        ),
        GraphError(
            405, "Request_BadRequest", "Specified HTTP method is not allowed.", request_id="r6"
        ),
    ],
)
def test_a_permanent_graph_error_fails_with_graphs_code_message_and_request_id(
    error: GraphError,
) -> None:
    decision = decide(error, attempts=1, max_attempts=5)

    assert isinstance(decision, Failed)
    assert (decision.code, decision.message, decision.request_id) == (
        error.code,
        error.message,
        error.request_id,
    )


def test_seats_message_outside_a_bad_request_is_not_blocked() -> None:
    odd = GraphError(404, "Request_ResourceNotFound", NO_SEATS)

    assert isinstance(decide(odd, attempts=1, max_attempts=5), Failed)


def test_an_unknown_exception_is_retried_then_fails() -> None:
    boom = ConnectionResetError("database went away")

    first = decide(boom, attempts=1, max_attempts=3)
    last = decide(boom, attempts=3, max_attempts=3)

    assert isinstance(first, Retry) and 1 <= first.when < 3
    assert (first.error.code, first.error.message) == ("ConnectionResetError", "database went away")
    assert isinstance(last, Failed) and last.code == "ConnectionResetError"


def test_without_a_limit_a_transient_failure_is_always_a_retry() -> None:
    unavailable = GraphTransientError(503, "serviceNotAvailable", "Service unavailable")

    assert isinstance(decide(unavailable, attempts=1000), Retry)


def test_an_outcome_reports_what_decide_makes_of_its_cause() -> None:
    no_seats = GraphBadRequestError(400, "Request_BadRequest", NO_SEATS)

    assert Outcome(1).status == "succeeded" and Outcome(1).error is None
    blocked = Outcome(2, cause=no_seats)
    assert (blocked.status, blocked.error, blocked.reason) == (
        "blocked",
        no_seats,
        f"no free seats: {NO_SEATS}",
    )
    assert Outcome(3, cause=GraphTransientError(504, "GatewayTimeout", "")).status == "retry"
    assert Outcome(4, cause=NotAuthenticated()).status == "blocked"


def test_admin_action_names_what_the_admin_must_do() -> None:
    assert admin_action(MissingCredentials()) is AdminAction.ADD_CREDENTIALS
    assert admin_action(NotAuthenticated()) is AdminAction.AUTHENTICATE
    assert AdminAction.ADD_CREDENTIALS.value == "credentials_missing"
    assert AdminAction.AUTHENTICATE.value == "not_authenticated"
