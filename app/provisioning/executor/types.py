"""The executor's plain data: what goes in (`Work`, `AppInfo`), what comes out (`Outcome` and
its `StepResult`s), and each item's progress through the phases (`ItemState`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from app.evaluation.desired import DesiredState
from app.graph.errors import GraphError, GraphTransientError
from app.models import StepKind, StepStatus
from app.provisioning.outcome import Blocked, Decision, Failed, Retry, Succeeded, decide
from app.provisioning.steps import Refusal, Refusals, error_from_json, error_json


@dataclass
class Work:
    """One claimed task with everything needed to carry it out."""

    task_id: int
    action: str
    desired: DesiredState | None
    applied: DesiredState | None
    tenant_object_id: str | None
    user_key: int
    immutable_id: str | None  # what our directory holds (the app's ImmutableID attribute)
    refused: Refusals = field(default_factory=Refusals)  # step values Graph refused for good
    username: str | None = None  # our directory's name for the person, for messages
    attempt: int = 1  # this run's number: above 1, an earlier run may have left its mark
    # False for a tenant account that belongs to no directory user (its deprovisioning): if
    # it is gone there is nothing to suspend, and nobody to create.
    may_create: bool = True
    # The assignment's desired state when the task was claimed: the runner compares it with
    # the one it finds when recording, to re-plan what moved while the task ran.
    desired_fingerprint: str | None = None

    def who(self) -> str:
        """The person, as an admin finds them: username and directory id."""
        return (
            f"user {self.username!r} (id {self.user_key})"
            if self.username
            else (f"user {self.user_key}")
        )


@dataclass
class AppInfo:
    id: int
    graph_base: str
    domain: str
    federated_domains: frozenset[str]
    # The app's policy: creates wait for an admin's approval. A task of another action that
    # finds its tenant user gone must not create them without one.
    create_needs_approval: bool = False


@dataclass
class StepResult:
    """One step of a task and what became of it. `value` is what was sent (JSON-ready), the
    value a refusal remembers; `cause` is Graph's answer when it failed (None: succeeded);
    `held` is set when the step was not sent because Graph refused the same value before."""

    task_id: int
    kind: StepKind
    target: str | None
    value: Any = None
    cause: BaseException | None = None
    answered: bool = False
    held: Refusal | None = None

    @property
    def decision(self) -> Decision:
        return decide(self.cause)

    @property
    def status(self) -> StepStatus:
        if self.held is not None and self.held.task_id != self.task_id:
            return StepStatus.skipped  # refused in an earlier task; that task keeps the failure
        return StepStatus(self.decision.status)

    @property
    def succeeded(self) -> bool:
        return self.held is None and self.answered and self.cause is None

    @property
    def sent(self) -> bool:
        """Graph answered this step in this run (it was not held back)."""
        return self.held is None and self.answered

    def refusals(self) -> list[Refusal]:
        """What to remember if Graph refused this step for good."""
        decision = self.decision
        if not self.sent or not isinstance(decision, Failed):
            return []
        error = error_json(decision.error)
        return [Refusal(self.kind, self.target, self.value, error, self.task_id)]

    def answered_keys(self) -> set[tuple[str, str | None]]:
        """The (kind, target) keys Graph answered this run (attributes: one per name)."""
        if not self.sent:
            return set()
        if self.kind == StepKind.attributes:
            return {(self.kind, name) for name in dict(self.value or {})}
        return {(self.kind, self.target)}

    def to_json(self) -> dict[str, Any]:
        status = self.status
        error: dict[str, Any] | None = None
        reason: str | None = None
        if self.held is not None:
            error = dict(self.held.error)
            reason = (
                f"Graph refused this value in task {self.held.task_id}; it is not sent again "
                "until its desired value changes or an admin retries the task"
            )
        else:
            decision = self.decision
            if decision.error is not None:
                error = error_json(decision.error)
            if isinstance(decision, Blocked | Retry):
                reason = decision.reason
        return {
            "kind": str(self.kind),
            "target": self.target,
            "status": str(status),
            "error": error,
            "reason": reason,
        }


# Which failure decides the task when several steps failed: the one that resolves soonest.
_URGENCY = {Retry: 0, Blocked: 1, Failed: 2, Succeeded: 3}


@dataclass
class Outcome:
    """What became of one task. `cause` is whatever stopped the whole item (no tenant user, a
    failed exchange); `steps` are its steps. `failure` picks what decides the task, and
    status, error and reason are what `outcome.decide` makes of it, so they cannot disagree
    with the decision the runner takes when it asks again with the task's attempt count."""

    task_id: int
    applied: DesiredState | None = None
    tenant_object_id: str | None = None
    deleted: bool = False
    tenant_immutable_id: str | None = None
    events: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    request_ids: list[str] = field(default_factory=list)
    calls: list[dict[str, Any]] = field(default_factory=list)
    """Each Graph request sent for this task and Graph's answer, for the provisioning log."""
    cause: BaseException | None = None
    # What a task that succeeded left alone on purpose (attributes mastered on premises); the
    # runner makes it the task's reason.
    notes: list[str] = field(default_factory=list)
    # The account is mastered on premises: the engine removed what it granted and let go of
    # it instead of deleting or disabling it; nothing of ours is applied there any more.
    released: bool = False
    steps: list[StepResult] = field(default_factory=list)
    desired_fingerprint: str | None = None  # the Work's: the desired state this run carried out

    @property
    def failure(self) -> BaseException | None:
        """What decides the task: what stopped the item, else the most urgent failed step
        (retry before blocked before failed: a task retried or released later runs again)."""
        if self.cause is not None:
            return self.cause
        failed = [s for s in self.steps if s.cause is not None]
        if not failed:
            return None
        return min(failed, key=lambda s: _URGENCY[type(s.decision)]).cause

    @property
    def complete(self) -> bool:
        """Every step applied: nothing failed, waits, or was held back."""
        return self.failure is None and all(s.succeeded for s in self.steps)

    @property
    def decision(self) -> Decision:
        return decide(self.failure)

    @property
    def status(self) -> str:
        """succeeded | retry | failed | blocked"""
        return self.decision.status

    @property
    def error(self) -> GraphError | None:
        """Graph's code, message and request id (or an equivalent for a non-Graph failure)."""
        return self.decision.error

    @property
    def reason(self) -> str | None:
        return self.decision.reason


@dataclass
class ItemState:
    """Progress of one work item through the phases."""

    work: Work
    outcome: Outcome
    tenant: dict[str, Any] | None = None  # the tenant user as last read or created
    created: bool = False
    attrs_ok: bool = False  # the attribute step was answered (or had nothing to send)
    licenses_ok: bool = False  # the license phase reached this item
    done: bool = False  # no tenant user (or the exchange failed): skip later phases
    # The step under way while the tenant user is being established (link, restore, create,
    # delete): what `stop` records a failure as. None once the user is there.
    phase: StepKind | None = None
    look_in_deleted: bool = False  # once had a tenant object id: check deleted items first

    @classmethod
    def start(cls, work: Work) -> ItemState:
        outcome = Outcome(
            work.task_id,
            tenant_object_id=work.tenant_object_id,
            desired_fingerprint=work.desired_fingerprint,
        )
        return cls(work, outcome)

    @property
    def tenant_id(self) -> str:
        """The tenant object id of a user this item has found, created or restored."""
        assert self.tenant is not None, "no tenant user yet"
        return str(self.tenant["id"])

    # --- steps --------------------------------------------------------------------------

    def begin(self, kind: StepKind, target: str | None, value: Any = None) -> StepResult:
        """A step about to be sent; `settle` it with Graph's answer."""
        step = StepResult(self.work.task_id, kind, target, value)
        self.outcome.steps.append(step)
        return step

    @staticmethod
    def settle(step: StepResult, failure: BaseException | None) -> None:
        step.cause, step.answered = failure, True

    def record(
        self, kind: StepKind, target: str | None, value: Any, failure: BaseException | None
    ) -> StepResult:
        step = self.begin(kind, target, value)
        self.settle(step, failure)
        return step

    def hold(self, refusal: Refusal, kind: StepKind, target: str | None, value: Any) -> None:
        """Not sent: Graph refused this very value before. Refused by this same task (an
        earlier attempt), it still fails the task; refused by another, that task keeps it."""
        step = self.begin(kind, target, value)
        step.held, step.answered = refusal, True
        if refusal.task_id == self.work.task_id:
            step.cause = error_from_json(refusal.error)

    def steps_of(self, *kinds: StepKind) -> list[StepResult]:
        return [s for s in self.outcome.steps if s.kind in kinds]

    def unrefused_attributes(self, changes: dict[str, Any]) -> dict[str, Any]:
        """The PATCH body without the properties of a PATCH Graph refused before, as long as
        they are all still wanted with the refused values (those are held back, not sent)."""
        if not self.work.refused or self.work.desired is None:
            return changes
        kept = dict(changes)
        for r in self.work.refused.held_attributes(self.work.desired):
            values = {name: kept.pop(name) for name in sorted(r.value) if name in kept}
            if values:
                self.hold(r, StepKind.attributes, ", ".join(values), values)
        return kept

    def patched(self, sent: dict[str, Any], failure: BaseException | None) -> None:
        """Graph's answer to the attribute PATCH: a refusal stops no other step."""
        self.record(StepKind.attributes, ", ".join(sorted(sent)), dict(sent), failure)
        self.attrs_ok = True

    def stop(self, failure: BaseException) -> None:
        """End this item here because of `failure` (no tenant user, or the exchange failed);
        later phases skip it, and steps still waiting for an answer share the failure."""
        if self.done:
            return
        self.done = True
        self.outcome.cause = failure
        for step in self.outcome.steps:
            if not step.answered:
                self.settle(step, failure)
        if self.phase is not None:
            self.record(self.phase, self.phase_target(), self.phase_value(), failure)

    def phase_target(self) -> str | None:
        if self.phase in (StepKind.link, StepKind.create):
            attributes = self.work.desired.attributes if self.work.desired else {}
            return str(attributes.get("userPrincipalName") or "") or None
        return self.work.tenant_object_id or self.outcome.tenant_object_id

    def phase_value(self) -> Any:
        """What a refused link or create is remembered by: the person's desired attributes."""
        if self.phase in (StepKind.link, StepKind.create) and self.work.desired is not None:
            return self.work.desired.to_json()["attributes"]
        return None


def not_answered() -> GraphError:
    return GraphTransientError(0, "NoAnswer", "the step was sent but no answer was read")
