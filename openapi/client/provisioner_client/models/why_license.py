from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.named_ref import NamedRef


T = TypeVar("T", bound="WhyLicense")


@_attrs_define
class WhyLicense:
    """
    Attributes:
        product_name (None | str): Microsoft's name, e.g. `Office 365 E3`
        rules (list[NamedRef]):
        sku_id (str):
        sku_part_number (None | str):
        text (str): e.g. rule 'Josh' granted Office 365 E3
    """

    product_name: None | str
    rules: list[NamedRef]
    sku_id: str
    sku_part_number: None | str
    text: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        product_name: None | str
        product_name = self.product_name

        rules = []
        for rules_item_data in self.rules:
            rules_item = rules_item_data.to_dict()
            rules.append(rules_item)

        sku_id = self.sku_id

        sku_part_number: None | str
        sku_part_number = self.sku_part_number

        text = self.text

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "product_name": product_name,
                "rules": rules,
                "sku_id": sku_id,
                "sku_part_number": sku_part_number,
                "text": text,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.named_ref import NamedRef  # noqa: PLC0415

        d = dict(src_dict)

        def _parse_product_name(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        product_name = _parse_product_name(d.pop("product_name"))

        rules = []
        _rules = d.pop("rules")
        for rules_item_data in _rules:
            rules_item = NamedRef.from_dict(rules_item_data)

            rules.append(rules_item)

        sku_id = d.pop("sku_id")

        def _parse_sku_part_number(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        sku_part_number = _parse_sku_part_number(d.pop("sku_part_number"))

        text = d.pop("text")

        why_license = cls(
            product_name=product_name,
            rules=rules,
            sku_id=sku_id,
            sku_part_number=sku_part_number,
            text=text,
        )

        why_license.additional_properties = d
        return why_license

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
