from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.task_action import TaskAction
from ..models.task_status import TaskStatus

T = TypeVar("T", bound="OpenTask")


@_attrs_define
class OpenTask:
    """
    Attributes:
        action (TaskAction):
        id (int):
        status (TaskStatus): Where a task is in its life. Open: pending_approval, queued, running, blocked.
    """

    action: TaskAction
    id: int
    status: TaskStatus
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        action = self.action.value

        id = self.id

        status = self.status.value

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "action": action,
                "id": id,
                "status": status,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        action = TaskAction(d.pop("action"))

        id = d.pop("id")

        status = TaskStatus(d.pop("status"))

        open_task = cls(
            action=action,
            id=id,
            status=status,
        )

        open_task.additional_properties = d
        return open_task

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
