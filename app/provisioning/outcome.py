"""What a failure means for a provisioning task: the one place that decides.

`decide` turns whatever stopped a step (a Graph error, an app-level problem that needs an
admin, or any other exception) into a small typed decision: succeeded, retry later (and when),
blocked (and why), or failed with Graph's own code, message and request id (design invariant
6). The executor asks it for every item it stops, the runner asks it again with the task's
attempt count before recording, and preflight asks `admin_action` what an admin has to do.
No database, no HTTP: plain values in, plain values out.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from enum import StrEnum
from typing import ClassVar

from app.apps.errors import MissingCredentials
from app.errors import ProblemError
from app.graph.errors import (
    CreateNeedsApproval,
    GraphError,
    GraphRuleViolation,
    GraphTransientError,
)

# Graph has no code of its own for "no seats left": a 400 Request_BadRequest whose message
# says so (contract §4) is the only mark.
NO_SEATS_MARKER = "does not have any available licenses"
BACKOFF_CAP_S = 300


class Blocker(StrEnum):
    """Why a task waits for a person instead of retrying on its own."""

    NO_SEATS = "no_seats"  # buy or free licenses, then retry
    ADMIN_MUST_ACT = "admin_must_act"  # the app cannot reach its tenant (consent, credentials)
    INVALID_VALUE = "invalid_value"  # a computed value breaks a Graph rule: fix user or parameters
    APPROVAL = "approval"  # the tenant user is gone and creating them again needs approval


class AdminAction(StrEnum):
    """What an admin has to do before an app can reach its tenant (preflight finding codes)."""

    ADD_CREDENTIALS = "credentials_missing"
    AUTHENTICATE = "not_authenticated"


@dataclass(frozen=True)
class Succeeded:
    status: ClassVar[str] = "succeeded"

    @property
    def reason(self) -> None:
        return None

    @property
    def error(self) -> None:
        return None


@dataclass(frozen=True)
class Retry:
    """Try the task again in `when` seconds."""

    status: ClassVar[str] = "retry"
    when: float
    error: GraphError

    @property
    def reason(self) -> str:
        return self.error.message


@dataclass(frozen=True)
class Blocked:
    """Hold the task until someone acts: `why` says who and what."""

    status: ClassVar[str] = "blocked"
    why: Blocker
    error: GraphError
    reason: str


@dataclass(frozen=True)
class Failed:
    """Give up: retrying will not help (or the attempts ran out)."""

    status: ClassVar[str] = "failed"
    error: GraphError

    @property
    def reason(self) -> str:
        return self.error.message

    @property
    def code(self) -> str:
        return self.error.code

    @property
    def message(self) -> str:
        return self.error.message

    @property
    def request_id(self) -> str | None:
        return self.error.request_id


Decision = Succeeded | Retry | Blocked | Failed


def decide(
    failure: BaseException | None,
    *,
    attempts: int = 0,
    max_attempts: int | None = None,
    rng: random.Random | None = None,
) -> Decision:
    """What `failure` means for a task on its `attempts`-th run.

    `max_attempts=None` asks only what the failure means (the executor, mid-run); with a
    limit, a transient failure on the last allowed attempt fails the task. A retry waits for
    Graph's Retry-After when it sent one, else `min(2**attempts, 300)` seconds times a jitter
    between 0.5 and 1.5, so many workers do not retry in step.
    """
    if failure is None:
        return Succeeded()
    if isinstance(failure, ProblemError):
        # The app cannot reach its tenant until an admin acts (authenticate, add a secret):
        # hold the task; an entitlements refresh or `retry` releases it.
        held = GraphError(failure.status, type(failure).__name__, failure.detail or failure.title)
        return Blocked(Blocker.ADMIN_MUST_ACT, held, held.message)
    if isinstance(failure, CreateNeedsApproval):
        # Nothing was sent: the runner re-plans the task as a create that waits for an admin.
        return Blocked(Blocker.APPROVAL, failure, failure.message)
    if isinstance(failure, GraphRuleViolation):
        # Never sent: retrying the same value cannot help, but a change of the user or of the
        # app's parameters can, so hold it rather than fail (planning releases it then).
        return Blocked(Blocker.INVALID_VALUE, failure, f"not sent: {failure.message}")
    error: GraphError
    if isinstance(failure, GraphError):
        if _no_seats(failure):
            return Blocked(Blocker.NO_SEATS, failure, f"no free seats: {failure.message}")
        if not isinstance(failure, GraphTransientError):
            return Failed(failure)
        error = failure
    else:
        # Anything else (a bug, a dropped database connection) may pass: retry it.
        error = GraphTransientError(0, type(failure).__name__, str(failure))
    if max_attempts is not None and attempts >= max_attempts:
        return Failed(error)
    retry_after = error.retry_after if isinstance(error, GraphTransientError) else None
    jitter = 0.5 + (rng or random).random()
    return Retry(retry_after or min(2**attempts, BACKOFF_CAP_S) * jitter, error)


def admin_action(problem: ProblemError) -> AdminAction:
    """What an admin must do about a problem that keeps an app from its tenant."""
    if isinstance(problem, MissingCredentials):
        return AdminAction.ADD_CREDENTIALS
    return AdminAction.AUTHENTICATE


def _no_seats(error: GraphError) -> bool:
    bad_request = error.status == 400 and error.code == "Request_BadRequest"
    return bad_request and NO_SEATS_MARKER in error.message
