from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.license_read_service_plans_item import LicenseReadServicePlansItem


T = TypeVar("T", bound="LicenseRead")


@_attrs_define
class LicenseRead:
    """
    Attributes:
        available (int):
        consumed (int):
        enabled (int):
        sku_id (str):
        sku_part_number (str):
        applies_to (None | str | Unset):
        capability_status (None | str | Unset):
        product_name (None | str | Unset): Microsoft's product name (e.g. `Office 365 E3` for `ENTERPRISEPACK`), from
            its published licensing table; null for a SKU the table does not know
        service_plans (list[LicenseReadServicePlansItem] | Unset):
    """

    available: int
    consumed: int
    enabled: int
    sku_id: str
    sku_part_number: str
    applies_to: None | str | Unset = UNSET
    capability_status: None | str | Unset = UNSET
    product_name: None | str | Unset = UNSET
    service_plans: list[LicenseReadServicePlansItem] | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        available = self.available

        consumed = self.consumed

        enabled = self.enabled

        sku_id = self.sku_id

        sku_part_number = self.sku_part_number

        applies_to: None | str | Unset
        if isinstance(self.applies_to, Unset):
            applies_to = UNSET
        else:
            applies_to = self.applies_to

        capability_status: None | str | Unset
        if isinstance(self.capability_status, Unset):
            capability_status = UNSET
        else:
            capability_status = self.capability_status

        product_name: None | str | Unset
        if isinstance(self.product_name, Unset):
            product_name = UNSET
        else:
            product_name = self.product_name

        service_plans: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.service_plans, Unset):
            service_plans = []
            for service_plans_item_data in self.service_plans:
                service_plans_item = service_plans_item_data.to_dict()
                service_plans.append(service_plans_item)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "available": available,
                "consumed": consumed,
                "enabled": enabled,
                "sku_id": sku_id,
                "sku_part_number": sku_part_number,
            }
        )
        if applies_to is not UNSET:
            field_dict["applies_to"] = applies_to
        if capability_status is not UNSET:
            field_dict["capability_status"] = capability_status
        if product_name is not UNSET:
            field_dict["product_name"] = product_name
        if service_plans is not UNSET:
            field_dict["service_plans"] = service_plans

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.license_read_service_plans_item import LicenseReadServicePlansItem  # noqa: PLC0415

        d = dict(src_dict)
        available = d.pop("available")

        consumed = d.pop("consumed")

        enabled = d.pop("enabled")

        sku_id = d.pop("sku_id")

        sku_part_number = d.pop("sku_part_number")

        def _parse_applies_to(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        applies_to = _parse_applies_to(d.pop("applies_to", UNSET))

        def _parse_capability_status(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        capability_status = _parse_capability_status(d.pop("capability_status", UNSET))

        def _parse_product_name(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        product_name = _parse_product_name(d.pop("product_name", UNSET))

        _service_plans = d.pop("service_plans", UNSET)
        service_plans: list[LicenseReadServicePlansItem] | Unset = UNSET
        if _service_plans is not UNSET:
            service_plans = []
            for service_plans_item_data in _service_plans:
                service_plans_item = LicenseReadServicePlansItem.from_dict(service_plans_item_data)

                service_plans.append(service_plans_item)

        license_read = cls(
            available=available,
            consumed=consumed,
            enabled=enabled,
            sku_id=sku_id,
            sku_part_number=sku_part_number,
            applies_to=applies_to,
            capability_status=capability_status,
            product_name=product_name,
            service_plans=service_plans,
        )

        license_read.additional_properties = d
        return license_read

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
