from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="PlanRead")


@_attrs_define
class PlanRead:
    """
    Attributes:
        service_plan_id (str):
        service_plan_name (None | str):
    """

    service_plan_id: str
    service_plan_name: None | str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        service_plan_id = self.service_plan_id

        service_plan_name: None | str
        service_plan_name = self.service_plan_name

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "service_plan_id": service_plan_id,
                "service_plan_name": service_plan_name,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        service_plan_id = d.pop("service_plan_id")

        def _parse_service_plan_name(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        service_plan_name = _parse_service_plan_name(d.pop("service_plan_name"))

        plan_read = cls(
            service_plan_id=service_plan_id,
            service_plan_name=service_plan_name,
        )

        plan_read.additional_properties = d
        return plan_read

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
