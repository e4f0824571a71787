from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define

from ..models.mapping_update_match import MappingUpdateMatch
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.action_in import ActionIn
    from ..models.condition_in import ConditionIn


T = TypeVar("T", bound="MappingUpdate")


@_attrs_define
class MappingUpdate:
    """
    Attributes:
        actions (list[ActionIn] | Unset):
        conditions (list[ConditionIn] | Unset):
        enabled (bool | Unset):
        match (MappingUpdateMatch | Unset):
        name (str | Unset):
        position (int | Unset):
    """

    actions: list[ActionIn] | Unset = UNSET
    conditions: list[ConditionIn] | Unset = UNSET
    enabled: bool | Unset = UNSET
    match: MappingUpdateMatch | Unset = UNSET
    name: str | Unset = UNSET
    position: int | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        actions: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.actions, Unset):
            actions = []
            for actions_item_data in self.actions:
                actions_item = actions_item_data.to_dict()
                actions.append(actions_item)

        conditions: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.conditions, Unset):
            conditions = []
            for conditions_item_data in self.conditions:
                conditions_item = conditions_item_data.to_dict()
                conditions.append(conditions_item)

        enabled = self.enabled

        match: str | Unset = UNSET
        if not isinstance(self.match, Unset):
            match = self.match.value

        name = self.name

        position = self.position

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if actions is not UNSET:
            field_dict["actions"] = actions
        if conditions is not UNSET:
            field_dict["conditions"] = conditions
        if enabled is not UNSET:
            field_dict["enabled"] = enabled
        if match is not UNSET:
            field_dict["match"] = match
        if name is not UNSET:
            field_dict["name"] = name
        if position is not UNSET:
            field_dict["position"] = position

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.action_in import ActionIn  # noqa: PLC0415
        from ..models.condition_in import ConditionIn  # noqa: PLC0415

        d = dict(src_dict)
        _actions = d.pop("actions", UNSET)
        actions: list[ActionIn] | Unset = UNSET
        if _actions is not UNSET:
            actions = []
            for actions_item_data in _actions:
                actions_item = ActionIn.from_dict(actions_item_data)

                actions.append(actions_item)

        _conditions = d.pop("conditions", UNSET)
        conditions: list[ConditionIn] | Unset = UNSET
        if _conditions is not UNSET:
            conditions = []
            for conditions_item_data in _conditions:
                conditions_item = ConditionIn.from_dict(conditions_item_data)

                conditions.append(conditions_item)

        enabled = d.pop("enabled", UNSET)

        _match = d.pop("match", UNSET)
        match: MappingUpdateMatch | Unset
        if isinstance(_match, Unset):
            match = UNSET
        else:
            match = MappingUpdateMatch(_match)

        name = d.pop("name", UNSET)

        position = d.pop("position", UNSET)

        mapping_update = cls(
            actions=actions,
            conditions=conditions,
            enabled=enabled,
            match=match,
            name=name,
            position=position,
        )

        return mapping_update
