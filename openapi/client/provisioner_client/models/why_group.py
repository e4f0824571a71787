from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.named_ref import NamedRef


T = TypeVar("T", bound="WhyGroup")


@_attrs_define
class WhyGroup:
    """
    Attributes:
        group_id (str):
        name (None | str): The group's display name in the tenant
        rules (list[NamedRef]):
        text (str):
    """

    group_id: str
    name: None | str
    rules: list[NamedRef]
    text: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        group_id = self.group_id

        name: None | str
        name = self.name

        rules = []
        for rules_item_data in self.rules:
            rules_item = rules_item_data.to_dict()
            rules.append(rules_item)

        text = self.text

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "group_id": group_id,
                "name": name,
                "rules": rules,
                "text": text,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.named_ref import NamedRef  # noqa: PLC0415

        d = dict(src_dict)
        group_id = d.pop("group_id")

        def _parse_name(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        name = _parse_name(d.pop("name"))

        rules = []
        _rules = d.pop("rules")
        for rules_item_data in _rules:
            rules_item = NamedRef.from_dict(rules_item_data)

            rules.append(rules_item)

        text = d.pop("text")

        why_group = cls(
            group_id=group_id,
            name=name,
            rules=rules,
            text=text,
        )

        why_group.additional_properties = d
        return why_group

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
