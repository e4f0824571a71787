from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.task_action import TaskAction
from ..models.task_status import TaskStatus
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.graph_error_read import GraphErrorRead
    from ..models.step_read import StepRead
    from ..models.task_read_plan import TaskReadPlan


T = TypeVar("T", bound="TaskRead")


@_attrs_define
class TaskRead:
    """
    Attributes:
        action (TaskAction):
        app_id (int):
        approved_by (None | str):
        assignment_id (int | None):
        attempts (int):
        correlation_id (None | str):
        created_at (datetime.datetime):
        decided_at (datetime.datetime | None):
        denied_by (None | str):
        error (GraphErrorRead | None):
        finished_at (datetime.datetime | None):
        id (int):
        next_attempt_at (datetime.datetime | None):
        plan (TaskReadPlan): Planned changes: attributes, licenses and groups
        reason (None | str): Why it waits, is blocked, or failed
        request_ids (list[str]): Graph request ids this task used
        started_at (datetime.datetime | None):
        status (TaskStatus): Where a task is in its life. Open: pending_approval, queued, running, blocked.
        updated_at (datetime.datetime):
        user_id (int | None): null for the deprovisioning of a tenant account that belongs to no directory user (the
            plan names the account)
        steps (list[StepRead] | Unset): Each step's outcome, in the order they ran
    """

    action: TaskAction
    app_id: int
    approved_by: None | str
    assignment_id: int | None
    attempts: int
    correlation_id: None | str
    created_at: datetime.datetime
    decided_at: datetime.datetime | None
    denied_by: None | str
    error: GraphErrorRead | None
    finished_at: datetime.datetime | None
    id: int
    next_attempt_at: datetime.datetime | None
    plan: TaskReadPlan
    reason: None | str
    request_ids: list[str]
    started_at: datetime.datetime | None
    status: TaskStatus
    updated_at: datetime.datetime
    user_id: int | None
    steps: list[StepRead] | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.graph_error_read import GraphErrorRead  # noqa: PLC0415

        action = self.action.value

        app_id = self.app_id

        approved_by: None | str
        approved_by = self.approved_by

        assignment_id: int | None
        assignment_id = self.assignment_id

        attempts = self.attempts

        correlation_id: None | str
        correlation_id = self.correlation_id

        created_at = self.created_at.isoformat()

        decided_at: None | str
        if isinstance(self.decided_at, datetime.datetime):
            decided_at = self.decided_at.isoformat()
        else:
            decided_at = self.decided_at

        denied_by: None | str
        denied_by = self.denied_by

        error: dict[str, Any] | None
        if isinstance(self.error, GraphErrorRead):
            error = self.error.to_dict()
        else:
            error = self.error

        finished_at: None | str
        if isinstance(self.finished_at, datetime.datetime):
            finished_at = self.finished_at.isoformat()
        else:
            finished_at = self.finished_at

        id = self.id

        next_attempt_at: None | str
        if isinstance(self.next_attempt_at, datetime.datetime):
            next_attempt_at = self.next_attempt_at.isoformat()
        else:
            next_attempt_at = self.next_attempt_at

        plan = self.plan.to_dict()

        reason: None | str
        reason = self.reason

        request_ids = self.request_ids

        started_at: None | str
        if isinstance(self.started_at, datetime.datetime):
            started_at = self.started_at.isoformat()
        else:
            started_at = self.started_at

        status = self.status.value

        updated_at = self.updated_at.isoformat()

        user_id: int | None
        user_id = self.user_id

        steps: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.steps, Unset):
            steps = []
            for steps_item_data in self.steps:
                steps_item = steps_item_data.to_dict()
                steps.append(steps_item)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "action": action,
                "app_id": app_id,
                "approved_by": approved_by,
                "assignment_id": assignment_id,
                "attempts": attempts,
                "correlation_id": correlation_id,
                "created_at": created_at,
                "decided_at": decided_at,
                "denied_by": denied_by,
                "error": error,
                "finished_at": finished_at,
                "id": id,
                "next_attempt_at": next_attempt_at,
                "plan": plan,
                "reason": reason,
                "request_ids": request_ids,
                "started_at": started_at,
                "status": status,
                "updated_at": updated_at,
                "user_id": user_id,
            }
        )
        if steps is not UNSET:
            field_dict["steps"] = steps

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.graph_error_read import GraphErrorRead  # noqa: PLC0415
        from ..models.step_read import StepRead  # noqa: PLC0415
        from ..models.task_read_plan import TaskReadPlan  # noqa: PLC0415

        d = dict(src_dict)
        action = TaskAction(d.pop("action"))

        app_id = d.pop("app_id")

        def _parse_approved_by(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        approved_by = _parse_approved_by(d.pop("approved_by"))

        def _parse_assignment_id(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        assignment_id = _parse_assignment_id(d.pop("assignment_id"))

        attempts = d.pop("attempts")

        def _parse_correlation_id(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        correlation_id = _parse_correlation_id(d.pop("correlation_id"))

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        def _parse_decided_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                decided_at_type_0 = datetime.datetime.fromisoformat(data)

                return decided_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        decided_at = _parse_decided_at(d.pop("decided_at"))

        def _parse_denied_by(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        denied_by = _parse_denied_by(d.pop("denied_by"))

        def _parse_error(data: object) -> GraphErrorRead | None:
            if data is None:
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                error_type_0 = GraphErrorRead.from_dict(data)

                return error_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(GraphErrorRead | None, data)

        error = _parse_error(d.pop("error"))

        def _parse_finished_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                finished_at_type_0 = datetime.datetime.fromisoformat(data)

                return finished_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        finished_at = _parse_finished_at(d.pop("finished_at"))

        id = d.pop("id")

        def _parse_next_attempt_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                next_attempt_at_type_0 = datetime.datetime.fromisoformat(data)

                return next_attempt_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        next_attempt_at = _parse_next_attempt_at(d.pop("next_attempt_at"))

        plan = TaskReadPlan.from_dict(d.pop("plan"))

        def _parse_reason(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        reason = _parse_reason(d.pop("reason"))

        request_ids = cast(list[str], d.pop("request_ids"))

        def _parse_started_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                started_at_type_0 = datetime.datetime.fromisoformat(data)

                return started_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        started_at = _parse_started_at(d.pop("started_at"))

        status = TaskStatus(d.pop("status"))

        updated_at = datetime.datetime.fromisoformat(d.pop("updated_at"))

        def _parse_user_id(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        user_id = _parse_user_id(d.pop("user_id"))

        _steps = d.pop("steps", UNSET)
        steps: list[StepRead] | Unset = UNSET
        if _steps is not UNSET:
            steps = []
            for steps_item_data in _steps:
                steps_item = StepRead.from_dict(steps_item_data)

                steps.append(steps_item)

        task_read = cls(
            action=action,
            app_id=app_id,
            approved_by=approved_by,
            assignment_id=assignment_id,
            attempts=attempts,
            correlation_id=correlation_id,
            created_at=created_at,
            decided_at=decided_at,
            denied_by=denied_by,
            error=error,
            finished_at=finished_at,
            id=id,
            next_attempt_at=next_attempt_at,
            plan=plan,
            reason=reason,
            request_ids=request_ids,
            started_at=started_at,
            status=status,
            updated_at=updated_at,
            user_id=user_id,
            steps=steps,
        )

        task_read.additional_properties = d
        return task_read

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
