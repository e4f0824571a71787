"""The executor's plain data: what goes in (`Work`, `AppInfo`), what comes out (`Outcome`), and
each item's progress through the phases (`ItemState`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from app.evaluation.desired import DesiredState
from app.graph.errors import GraphError
from app.provisioning.outcome import Decision, decide


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


@dataclass
class AppInfo:
    id: int
    graph_base: str
    domain: str
    federated_domains: frozenset[str]


@dataclass
class Outcome:
    """What became of one task. `cause` is whatever stopped it (None: it succeeded); status,
    error and reason are what `outcome.decide` makes of it, so they cannot disagree with the
    decision the runner takes when it asks again with the task's attempt count."""

    task_id: int
    applied: DesiredState | None = None
    tenant_object_id: str | None = None
    deleted: bool = False
    tenant_immutable_id: str | None = None
    events: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    request_ids: list[str] = field(default_factory=list)
    cause: BaseException | None = None
    # What a task that succeeded left alone on purpose (attributes mastered on premises); the
    # runner makes it the task's reason.
    notes: list[str] = field(default_factory=list)
    # The account is mastered on premises: the engine removed what it granted and let go of
    # it instead of deleting or disabling it; nothing of ours is applied there any more.
    released: bool = False

    @property
    def decision(self) -> Decision:
        return decide(self.cause)

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
    attrs_ok: bool = False
    licenses_ok: bool = False
    groups_added: set[str] = field(default_factory=set)
    groups_removed: set[str] = field(default_factory=set)
    groups_failed: bool = False
    done: bool = False  # failed/blocked/retry: skip later phases
    look_in_deleted: bool = False  # once had a tenant object id: check deleted items first

    @classmethod
    def start(cls, work: Work) -> ItemState:
        return cls(work, Outcome(work.task_id, tenant_object_id=work.tenant_object_id))

    @property
    def tenant_id(self) -> str:
        """The tenant object id of a user this item has found, created or restored."""
        assert self.tenant is not None, "no tenant user yet"
        return str(self.tenant["id"])

    def stop(self, failure: BaseException) -> None:
        """End this item here because of `failure`; later phases skip it."""
        if self.done:
            return
        self.done = True
        self.outcome.cause = failure
