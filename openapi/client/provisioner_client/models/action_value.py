from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.catalog_item import CatalogItem


T = TypeVar("T", bound="ActionValue")


@_attrs_define
class ActionValue:
    """A value for a rule action; licenses also list their service plans (to disable some).

    Attributes:
        name (str): A label for people
        value (str): What to send in the request
        free_seats (int | None | Unset):
        kind (None | str | Unset):
        needs_value (bool | None | Unset):
        service_plans (list[CatalogItem] | None | Unset):
        value_count (None | str | Unset): How many values the action takes
    """

    name: str
    value: str
    free_seats: int | None | Unset = UNSET
    kind: None | str | Unset = UNSET
    needs_value: bool | None | Unset = UNSET
    service_plans: list[CatalogItem] | None | Unset = UNSET
    value_count: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        name = self.name

        value = self.value

        free_seats: int | None | Unset
        if isinstance(self.free_seats, Unset):
            free_seats = UNSET
        else:
            free_seats = self.free_seats

        kind: None | str | Unset
        if isinstance(self.kind, Unset):
            kind = UNSET
        else:
            kind = self.kind

        needs_value: bool | None | Unset
        if isinstance(self.needs_value, Unset):
            needs_value = UNSET
        else:
            needs_value = self.needs_value

        service_plans: list[dict[str, Any]] | None | Unset
        if isinstance(self.service_plans, Unset):
            service_plans = UNSET
        elif isinstance(self.service_plans, list):
            service_plans = []
            for service_plans_type_0_item_data in self.service_plans:
                service_plans_type_0_item = service_plans_type_0_item_data.to_dict()
                service_plans.append(service_plans_type_0_item)

        else:
            service_plans = self.service_plans

        value_count: None | str | Unset
        if isinstance(self.value_count, Unset):
            value_count = UNSET
        else:
            value_count = self.value_count

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "name": name,
                "value": value,
            }
        )
        if free_seats is not UNSET:
            field_dict["free_seats"] = free_seats
        if kind is not UNSET:
            field_dict["kind"] = kind
        if needs_value is not UNSET:
            field_dict["needs_value"] = needs_value
        if service_plans is not UNSET:
            field_dict["service_plans"] = service_plans
        if value_count is not UNSET:
            field_dict["value_count"] = value_count

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.catalog_item import CatalogItem  # noqa: PLC0415

        d = dict(src_dict)
        name = d.pop("name")

        value = d.pop("value")

        def _parse_free_seats(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        free_seats = _parse_free_seats(d.pop("free_seats", UNSET))

        def _parse_kind(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        kind = _parse_kind(d.pop("kind", UNSET))

        def _parse_needs_value(data: object) -> bool | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(bool | None | Unset, data)

        needs_value = _parse_needs_value(d.pop("needs_value", UNSET))

        def _parse_service_plans(data: object) -> list[CatalogItem] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                service_plans_type_0 = []
                _service_plans_type_0 = data
                for service_plans_type_0_item_data in _service_plans_type_0:
                    service_plans_type_0_item = CatalogItem.from_dict(service_plans_type_0_item_data)

                    service_plans_type_0.append(service_plans_type_0_item)

                return service_plans_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[CatalogItem] | None | Unset, data)

        service_plans = _parse_service_plans(d.pop("service_plans", UNSET))

        def _parse_value_count(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        value_count = _parse_value_count(d.pop("value_count", UNSET))

        action_value = cls(
            name=name,
            value=value,
            free_seats=free_seats,
            kind=kind,
            needs_value=needs_value,
            service_plans=service_plans,
            value_count=value_count,
        )

        action_value.additional_properties = d
        return action_value

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
