from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.held_read_counts import HeldReadCounts
    from ..models.held_read_deletes_item import HeldReadDeletesItem
    from ..models.held_read_disables_item import HeldReadDisablesItem


T = TypeVar("T", bound="HeldRead")


@_attrs_define
class HeldRead:
    """
    Attributes:
        counts (HeldReadCounts):
        deletes (list[HeldReadDeletesItem]): People the sync would delete (id, anchor)
        disables (list[HeldReadDisablesItem]): People the sync would disable
        reason (str):
    """

    counts: HeldReadCounts
    deletes: list[HeldReadDeletesItem]
    disables: list[HeldReadDisablesItem]
    reason: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        counts = self.counts.to_dict()

        deletes = []
        for deletes_item_data in self.deletes:
            deletes_item = deletes_item_data.to_dict()
            deletes.append(deletes_item)

        disables = []
        for disables_item_data in self.disables:
            disables_item = disables_item_data.to_dict()
            disables.append(disables_item)

        reason = self.reason

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "counts": counts,
                "deletes": deletes,
                "disables": disables,
                "reason": reason,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.held_read_counts import HeldReadCounts  # noqa: PLC0415
        from ..models.held_read_deletes_item import HeldReadDeletesItem  # noqa: PLC0415
        from ..models.held_read_disables_item import HeldReadDisablesItem  # noqa: PLC0415

        d = dict(src_dict)
        counts = HeldReadCounts.from_dict(d.pop("counts"))

        deletes = []
        _deletes = d.pop("deletes")
        for deletes_item_data in _deletes:
            deletes_item = HeldReadDeletesItem.from_dict(deletes_item_data)

            deletes.append(deletes_item)

        disables = []
        _disables = d.pop("disables")
        for disables_item_data in _disables:
            disables_item = HeldReadDisablesItem.from_dict(disables_item_data)

            disables.append(disables_item)

        reason = d.pop("reason")

        held_read = cls(
            counts=counts,
            deletes=deletes,
            disables=disables,
            reason=reason,
        )

        held_read.additional_properties = d
        return held_read

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
