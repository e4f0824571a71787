from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.plan_read import PlanRead


T = TypeVar("T", bound="CheckLicense")


@_attrs_define
class CheckLicense:
    """
    Attributes:
        disabled_plans (list[PlanRead]):
        enabled_plans (list[PlanRead]):
        sku_id (str):
        sku_part_number (None | str):
    """

    disabled_plans: list[PlanRead]
    enabled_plans: list[PlanRead]
    sku_id: str
    sku_part_number: None | str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        disabled_plans = []
        for disabled_plans_item_data in self.disabled_plans:
            disabled_plans_item = disabled_plans_item_data.to_dict()
            disabled_plans.append(disabled_plans_item)

        enabled_plans = []
        for enabled_plans_item_data in self.enabled_plans:
            enabled_plans_item = enabled_plans_item_data.to_dict()
            enabled_plans.append(enabled_plans_item)

        sku_id = self.sku_id

        sku_part_number: None | str
        sku_part_number = self.sku_part_number

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "disabled_plans": disabled_plans,
                "enabled_plans": enabled_plans,
                "sku_id": sku_id,
                "sku_part_number": sku_part_number,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.plan_read import PlanRead  # noqa: PLC0415

        d = dict(src_dict)
        disabled_plans = []
        _disabled_plans = d.pop("disabled_plans")
        for disabled_plans_item_data in _disabled_plans:
            disabled_plans_item = PlanRead.from_dict(disabled_plans_item_data)

            disabled_plans.append(disabled_plans_item)

        enabled_plans = []
        _enabled_plans = d.pop("enabled_plans")
        for enabled_plans_item_data in _enabled_plans:
            enabled_plans_item = PlanRead.from_dict(enabled_plans_item_data)

            enabled_plans.append(enabled_plans_item)

        sku_id = d.pop("sku_id")

        def _parse_sku_part_number(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        sku_part_number = _parse_sku_part_number(d.pop("sku_part_number"))

        check_license = cls(
            disabled_plans=disabled_plans,
            enabled_plans=enabled_plans,
            sku_id=sku_id,
            sku_part_number=sku_part_number,
        )

        check_license.additional_properties = d
        return check_license

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
