from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.named_ref import NamedRef


T = TypeVar("T", bound="WhyParameter")


@_attrs_define
class WhyParameter:
    """
    Attributes:
        name (str):
        rule (NamedRef):
        text (str):
    """

    name: str
    rule: NamedRef
    text: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        name = self.name

        rule = self.rule.to_dict()

        text = self.text

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "name": name,
                "rule": rule,
                "text": text,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.named_ref import NamedRef  # noqa: PLC0415

        d = dict(src_dict)
        name = d.pop("name")

        rule = NamedRef.from_dict(d.pop("rule"))

        text = d.pop("text")

        why_parameter = cls(
            name=name,
            rule=rule,
            text=text,
        )

        why_parameter.additional_properties = d
        return why_parameter

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
