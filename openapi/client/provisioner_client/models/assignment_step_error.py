from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.step_kind import StepKind
from ..models.step_status import StepStatus
from ..types import UNSET, Unset

T = TypeVar("T", bound="AssignmentStepError")


@_attrs_define
class AssignmentStepError:
    """A step of the assignment's last run that did not apply.

    Attributes:
        code (None | str):
        message (None | str):
        outcome (StepStatus): What became of a step: `outcome.decide` of its answer, or `skipped` when it was not
            sent because Graph refused the same value before (in another task).
        request_id (None | str):
        step (None | StepKind): null: the whole run failed, not one step
        target (None | str):
        task_id (int | None): The task whose request Graph answered so
        status (int | None | Unset): HTTP status of Graph's answer
    """

    code: None | str
    message: None | str
    outcome: StepStatus
    request_id: None | str
    step: None | StepKind
    target: None | str
    task_id: int | None
    status: int | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        code: None | str
        code = self.code

        message: None | str
        message = self.message

        outcome = self.outcome.value

        request_id: None | str
        request_id = self.request_id

        step: None | str
        if isinstance(self.step, StepKind):
            step = self.step.value
        else:
            step = self.step

        target: None | str
        target = self.target

        task_id: int | None
        task_id = self.task_id

        status: int | None | Unset
        if isinstance(self.status, Unset):
            status = UNSET
        else:
            status = self.status

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "code": code,
                "message": message,
                "outcome": outcome,
                "request_id": request_id,
                "step": step,
                "target": target,
                "task_id": task_id,
            }
        )
        if status is not UNSET:
            field_dict["status"] = status

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)

        def _parse_code(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        code = _parse_code(d.pop("code"))

        def _parse_message(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        message = _parse_message(d.pop("message"))

        outcome = StepStatus(d.pop("outcome"))

        def _parse_request_id(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        request_id = _parse_request_id(d.pop("request_id"))

        def _parse_step(data: object) -> None | StepKind:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                step_type_0 = StepKind(data)

                return step_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | StepKind, data)

        step = _parse_step(d.pop("step"))

        def _parse_target(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        target = _parse_target(d.pop("target"))

        def _parse_task_id(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        task_id = _parse_task_id(d.pop("task_id"))

        def _parse_status(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        status = _parse_status(d.pop("status", UNSET))

        assignment_step_error = cls(
            code=code,
            message=message,
            outcome=outcome,
            request_id=request_id,
            step=step,
            target=target,
            task_id=task_id,
            status=status,
        )

        assignment_step_error.additional_properties = d
        return assignment_step_error

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
