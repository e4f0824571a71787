from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.assignment_state import AssignmentState
from ..models.assignment_target import AssignmentTarget
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.assignment_drift import AssignmentDrift
    from ..models.assignment_read_applied_type_0 import AssignmentReadAppliedType0
    from ..models.assignment_read_desired_type_0 import AssignmentReadDesiredType0
    from ..models.assignment_read_last_error_type_0 import AssignmentReadLastErrorType0
    from ..models.assignment_step_error import AssignmentStepError
    from ..models.open_task import OpenTask
    from ..models.why_read import WhyRead


T = TypeVar("T", bound="AssignmentRead")


@_attrs_define
class AssignmentRead:
    """
    Attributes:
        active (bool): The user holds a role granting the app
        app_id (int):
        applied (AssignmentReadAppliedType0 | None):
        desired (AssignmentReadDesiredType0 | None):
        id (int):
        immutable_id (None | str):
        last_error (AssignmentReadLastErrorType0 | None): The first of `step_errors` (kept for clients that read one
            error)
        open_task (None | OpenTask):
        state (AssignmentState): What the tenant holds for an assignment, as far as we applied it.
        target (AssignmentTarget): What should exist in the tenant for an assignment.
        tenant_object_id (None | str):
        updated_at (datetime.datetime):
        user_id (int):
        username (None | str):
        why (None | WhyRead): Roles (and the mappings granting them), and the rules behind each license, group and
            parameter, by name and id
        drift (list[AssignmentDrift] | Unset): Open drift: where the tenant no longer holds what we applied (an account
            deleted or disabled by hand, a license or group removed, an attribute changed), oldest first. `state` says what
            we applied; this says what the tenant did since. Empty when the last delta round found the tenant as we left it
        step_errors (list[AssignmentStepError] | Unset): Every step of the last run that did not apply, with Graph's
            error; empty when the tenant holds the whole desired state
    """

    active: bool
    app_id: int
    applied: AssignmentReadAppliedType0 | None
    desired: AssignmentReadDesiredType0 | None
    id: int
    immutable_id: None | str
    last_error: AssignmentReadLastErrorType0 | None
    open_task: None | OpenTask
    state: AssignmentState
    target: AssignmentTarget
    tenant_object_id: None | str
    updated_at: datetime.datetime
    user_id: int
    username: None | str
    why: None | WhyRead
    drift: list[AssignmentDrift] | Unset = UNSET
    step_errors: list[AssignmentStepError] | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.assignment_read_applied_type_0 import AssignmentReadAppliedType0  # noqa: PLC0415
        from ..models.assignment_read_desired_type_0 import AssignmentReadDesiredType0  # noqa: PLC0415
        from ..models.assignment_read_last_error_type_0 import AssignmentReadLastErrorType0  # noqa: PLC0415
        from ..models.open_task import OpenTask  # noqa: PLC0415
        from ..models.why_read import WhyRead  # noqa: PLC0415

        active = self.active

        app_id = self.app_id

        applied: dict[str, Any] | None
        if isinstance(self.applied, AssignmentReadAppliedType0):
            applied = self.applied.to_dict()
        else:
            applied = self.applied

        desired: dict[str, Any] | None
        if isinstance(self.desired, AssignmentReadDesiredType0):
            desired = self.desired.to_dict()
        else:
            desired = self.desired

        id = self.id

        immutable_id: None | str
        immutable_id = self.immutable_id

        last_error: dict[str, Any] | None
        if isinstance(self.last_error, AssignmentReadLastErrorType0):
            last_error = self.last_error.to_dict()
        else:
            last_error = self.last_error

        open_task: dict[str, Any] | None
        if isinstance(self.open_task, OpenTask):
            open_task = self.open_task.to_dict()
        else:
            open_task = self.open_task

        state = self.state.value

        target = self.target.value

        tenant_object_id: None | str
        tenant_object_id = self.tenant_object_id

        updated_at = self.updated_at.isoformat()

        user_id = self.user_id

        username: None | str
        username = self.username

        why: dict[str, Any] | None
        if isinstance(self.why, WhyRead):
            why = self.why.to_dict()
        else:
            why = self.why

        drift: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.drift, Unset):
            drift = []
            for drift_item_data in self.drift:
                drift_item = drift_item_data.to_dict()
                drift.append(drift_item)

        step_errors: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.step_errors, Unset):
            step_errors = []
            for step_errors_item_data in self.step_errors:
                step_errors_item = step_errors_item_data.to_dict()
                step_errors.append(step_errors_item)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "active": active,
                "app_id": app_id,
                "applied": applied,
                "desired": desired,
                "id": id,
                "immutable_id": immutable_id,
                "last_error": last_error,
                "open_task": open_task,
                "state": state,
                "target": target,
                "tenant_object_id": tenant_object_id,
                "updated_at": updated_at,
                "user_id": user_id,
                "username": username,
                "why": why,
            }
        )
        if drift is not UNSET:
            field_dict["drift"] = drift
        if step_errors is not UNSET:
            field_dict["step_errors"] = step_errors

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.assignment_drift import AssignmentDrift  # noqa: PLC0415
        from ..models.assignment_read_applied_type_0 import AssignmentReadAppliedType0  # noqa: PLC0415
        from ..models.assignment_read_desired_type_0 import AssignmentReadDesiredType0  # noqa: PLC0415
        from ..models.assignment_read_last_error_type_0 import AssignmentReadLastErrorType0  # noqa: PLC0415
        from ..models.assignment_step_error import AssignmentStepError  # noqa: PLC0415
        from ..models.open_task import OpenTask  # noqa: PLC0415
        from ..models.why_read import WhyRead  # noqa: PLC0415

        d = dict(src_dict)
        active = d.pop("active")

        app_id = d.pop("app_id")

        def _parse_applied(data: object) -> AssignmentReadAppliedType0 | None:
            if data is None:
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                applied_type_0 = AssignmentReadAppliedType0.from_dict(data)

                return applied_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(AssignmentReadAppliedType0 | None, data)

        applied = _parse_applied(d.pop("applied"))

        def _parse_desired(data: object) -> AssignmentReadDesiredType0 | None:
            if data is None:
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                desired_type_0 = AssignmentReadDesiredType0.from_dict(data)

                return desired_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(AssignmentReadDesiredType0 | None, data)

        desired = _parse_desired(d.pop("desired"))

        id = d.pop("id")

        def _parse_immutable_id(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        immutable_id = _parse_immutable_id(d.pop("immutable_id"))

        def _parse_last_error(data: object) -> AssignmentReadLastErrorType0 | None:
            if data is None:
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                last_error_type_0 = AssignmentReadLastErrorType0.from_dict(data)

                return last_error_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(AssignmentReadLastErrorType0 | None, data)

        last_error = _parse_last_error(d.pop("last_error"))

        def _parse_open_task(data: object) -> None | OpenTask:
            if data is None:
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                open_task_type_0 = OpenTask.from_dict(data)

                return open_task_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | OpenTask, data)

        open_task = _parse_open_task(d.pop("open_task"))

        state = AssignmentState(d.pop("state"))

        target = AssignmentTarget(d.pop("target"))

        def _parse_tenant_object_id(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        tenant_object_id = _parse_tenant_object_id(d.pop("tenant_object_id"))

        updated_at = datetime.datetime.fromisoformat(d.pop("updated_at"))

        user_id = d.pop("user_id")

        def _parse_username(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        username = _parse_username(d.pop("username"))

        def _parse_why(data: object) -> None | WhyRead:
            if data is None:
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                why_type_0 = WhyRead.from_dict(data)

                return why_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | WhyRead, data)

        why = _parse_why(d.pop("why"))

        _drift = d.pop("drift", UNSET)
        drift: list[AssignmentDrift] | Unset = UNSET
        if _drift is not UNSET:
            drift = []
            for drift_item_data in _drift:
                drift_item = AssignmentDrift.from_dict(drift_item_data)

                drift.append(drift_item)

        _step_errors = d.pop("step_errors", UNSET)
        step_errors: list[AssignmentStepError] | Unset = UNSET
        if _step_errors is not UNSET:
            step_errors = []
            for step_errors_item_data in _step_errors:
                step_errors_item = AssignmentStepError.from_dict(step_errors_item_data)

                step_errors.append(step_errors_item)

        assignment_read = cls(
            active=active,
            app_id=app_id,
            applied=applied,
            desired=desired,
            id=id,
            immutable_id=immutable_id,
            last_error=last_error,
            open_task=open_task,
            state=state,
            target=target,
            tenant_object_id=tenant_object_id,
            updated_at=updated_at,
            user_id=user_id,
            username=username,
            why=why,
            drift=drift,
            step_errors=step_errors,
        )

        assignment_read.additional_properties = d
        return assignment_read

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
