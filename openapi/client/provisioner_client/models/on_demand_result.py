from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.task_action import TaskAction

if TYPE_CHECKING:
    from ..models.graph_call_read import GraphCallRead
    from ..models.on_demand_step import OnDemandStep


T = TypeVar("T", bound="OnDemandResult")


@_attrs_define
class OnDemandResult:
    """
    Attributes:
        action (None | TaskAction):
        app_id (int):
        assignment_id (int):
        calls (list[GraphCallRead]): Every Graph request of the run, in order
        reason (None | str):
        result (str): succeeded, failed, blocked (waits for an admin), retry (a transient failure; the worker tries
            again), pending_approval (the app's policy: not run), or nothing_to_do
        steps (list[OnDemandStep]):
        task_id (int | None):
        tenant_object_id (None | str):
        user_id (int):
    """

    action: None | TaskAction
    app_id: int
    assignment_id: int
    calls: list[GraphCallRead]
    reason: None | str
    result: str
    steps: list[OnDemandStep]
    task_id: int | None
    tenant_object_id: None | str
    user_id: int
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        action: None | str
        if isinstance(self.action, TaskAction):
            action = self.action.value
        else:
            action = self.action

        app_id = self.app_id

        assignment_id = self.assignment_id

        calls = []
        for calls_item_data in self.calls:
            calls_item = calls_item_data.to_dict()
            calls.append(calls_item)

        reason: None | str
        reason = self.reason

        result = self.result

        steps = []
        for steps_item_data in self.steps:
            steps_item = steps_item_data.to_dict()
            steps.append(steps_item)

        task_id: int | None
        task_id = self.task_id

        tenant_object_id: None | str
        tenant_object_id = self.tenant_object_id

        user_id = self.user_id

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "action": action,
                "app_id": app_id,
                "assignment_id": assignment_id,
                "calls": calls,
                "reason": reason,
                "result": result,
                "steps": steps,
                "task_id": task_id,
                "tenant_object_id": tenant_object_id,
                "user_id": user_id,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.graph_call_read import GraphCallRead  # noqa: PLC0415
        from ..models.on_demand_step import OnDemandStep  # noqa: PLC0415

        d = dict(src_dict)

        def _parse_action(data: object) -> None | TaskAction:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                action_type_0 = TaskAction(data)

                return action_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | TaskAction, data)

        action = _parse_action(d.pop("action"))

        app_id = d.pop("app_id")

        assignment_id = d.pop("assignment_id")

        calls = []
        _calls = d.pop("calls")
        for calls_item_data in _calls:
            calls_item = GraphCallRead.from_dict(calls_item_data)

            calls.append(calls_item)

        def _parse_reason(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        reason = _parse_reason(d.pop("reason"))

        result = d.pop("result")

        steps = []
        _steps = d.pop("steps")
        for steps_item_data in _steps:
            steps_item = OnDemandStep.from_dict(steps_item_data)

            steps.append(steps_item)

        def _parse_task_id(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        task_id = _parse_task_id(d.pop("task_id"))

        def _parse_tenant_object_id(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        tenant_object_id = _parse_tenant_object_id(d.pop("tenant_object_id"))

        user_id = d.pop("user_id")

        on_demand_result = cls(
            action=action,
            app_id=app_id,
            assignment_id=assignment_id,
            calls=calls,
            reason=reason,
            result=result,
            steps=steps,
            task_id=task_id,
            tenant_object_id=tenant_object_id,
            user_id=user_id,
        )

        on_demand_result.additional_properties = d
        return on_demand_result

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
