from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.mapping_read_match import MappingReadMatch

if TYPE_CHECKING:
    from ..models.action_in import ActionIn
    from ..models.condition_in import ConditionIn


T = TypeVar("T", bound="MappingRead")


@_attrs_define
class MappingRead:
    """
    Attributes:
        actions (list[ActionIn]):
        conditions (list[ConditionIn]):
        created_at (datetime.datetime):
        enabled (bool):
        id (int):
        match (MappingReadMatch):
        name (str):
        position (int):
        updated_at (datetime.datetime):
    """

    actions: list[ActionIn]
    conditions: list[ConditionIn]
    created_at: datetime.datetime
    enabled: bool
    id: int
    match: MappingReadMatch
    name: str
    position: int
    updated_at: datetime.datetime
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        actions = []
        for actions_item_data in self.actions:
            actions_item = actions_item_data.to_dict()
            actions.append(actions_item)

        conditions = []
        for conditions_item_data in self.conditions:
            conditions_item = conditions_item_data.to_dict()
            conditions.append(conditions_item)

        created_at = self.created_at.isoformat()

        enabled = self.enabled

        id = self.id

        match = self.match.value

        name = self.name

        position = self.position

        updated_at = self.updated_at.isoformat()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "actions": actions,
                "conditions": conditions,
                "created_at": created_at,
                "enabled": enabled,
                "id": id,
                "match": match,
                "name": name,
                "position": position,
                "updated_at": updated_at,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.action_in import ActionIn  # noqa: PLC0415
        from ..models.condition_in import ConditionIn  # noqa: PLC0415

        d = dict(src_dict)
        actions = []
        _actions = d.pop("actions")
        for actions_item_data in _actions:
            actions_item = ActionIn.from_dict(actions_item_data)

            actions.append(actions_item)

        conditions = []
        _conditions = d.pop("conditions")
        for conditions_item_data in _conditions:
            conditions_item = ConditionIn.from_dict(conditions_item_data)

            conditions.append(conditions_item)

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        enabled = d.pop("enabled")

        id = d.pop("id")

        match = MappingReadMatch(d.pop("match"))

        name = d.pop("name")

        position = d.pop("position")

        updated_at = datetime.datetime.fromisoformat(d.pop("updated_at"))

        mapping_read = cls(
            actions=actions,
            conditions=conditions,
            created_at=created_at,
            enabled=enabled,
            id=id,
            match=match,
            name=name,
            position=position,
            updated_at=updated_at,
        )

        mapping_read.additional_properties = d
        return mapping_read

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
