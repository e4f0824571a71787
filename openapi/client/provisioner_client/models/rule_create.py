from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define

from ..models.rule_create_match import RuleCreateMatch
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.action_in import ActionIn
    from ..models.condition_in import ConditionIn


T = TypeVar("T", bound="RuleCreate")


@_attrs_define
class RuleCreate:
    """
    Attributes:
        actions (list[ActionIn]): set_licenses values are "<skuId>" or "<skuId>:<planId>,<planId>" (the service plans to
            disable); set_groups values are Microsoft 365 group ids; set_parameter takes [parameter name, value].
        conditions (list[ConditionIn]):
        name (str):
        enabled (bool | Unset):  Default: True.
        match (RuleCreateMatch | Unset):  Default: RuleCreateMatch.ALL.
        position (int | None | Unset): Defaults to after the app's last rule
    """

    actions: list[ActionIn]
    conditions: list[ConditionIn]
    name: str
    enabled: bool | Unset = True
    match: RuleCreateMatch | Unset = RuleCreateMatch.ALL
    position: int | None | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        actions = []
        for actions_item_data in self.actions:
            actions_item = actions_item_data.to_dict()
            actions.append(actions_item)

        conditions = []
        for conditions_item_data in self.conditions:
            conditions_item = conditions_item_data.to_dict()
            conditions.append(conditions_item)

        name = self.name

        enabled = self.enabled

        match: str | Unset = UNSET
        if not isinstance(self.match, Unset):
            match = self.match.value

        position: int | None | Unset
        if isinstance(self.position, Unset):
            position = UNSET
        else:
            position = self.position

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "actions": actions,
                "conditions": conditions,
                "name": name,
            }
        )
        if enabled is not UNSET:
            field_dict["enabled"] = enabled
        if match is not UNSET:
            field_dict["match"] = match
        if position is not UNSET:
            field_dict["position"] = position

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

        name = d.pop("name")

        enabled = d.pop("enabled", UNSET)

        _match = d.pop("match", UNSET)
        match: RuleCreateMatch | Unset
        if isinstance(_match, Unset):
            match = UNSET
        else:
            match = RuleCreateMatch(_match)

        def _parse_position(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        position = _parse_position(d.pop("position", UNSET))

        rule_create = cls(
            actions=actions,
            conditions=conditions,
            name=name,
            enabled=enabled,
            match=match,
            position=position,
        )

        return rule_create
