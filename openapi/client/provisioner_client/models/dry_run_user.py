from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.dry_run_user_result import DryRunUserResult

if TYPE_CHECKING:
    from ..models.change_read import ChangeRead


T = TypeVar("T", bound="DryRunUser")


@_attrs_define
class DryRunUser:
    """
    Attributes:
        changes (list[ChangeRead]):
        result (DryRunUserResult):
        user_id (int):
        will_be_mapped (bool):
    """

    changes: list[ChangeRead]
    result: DryRunUserResult
    user_id: int
    will_be_mapped: bool
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        changes = []
        for changes_item_data in self.changes:
            changes_item = changes_item_data.to_dict()
            changes.append(changes_item)

        result = self.result.value

        user_id = self.user_id

        will_be_mapped = self.will_be_mapped

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "changes": changes,
                "result": result,
                "user_id": user_id,
                "will_be_mapped": will_be_mapped,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.change_read import ChangeRead  # noqa: PLC0415

        d = dict(src_dict)
        changes = []
        _changes = d.pop("changes")
        for changes_item_data in _changes:
            changes_item = ChangeRead.from_dict(changes_item_data)

            changes.append(changes_item)

        result = DryRunUserResult(d.pop("result"))

        user_id = d.pop("user_id")

        will_be_mapped = d.pop("will_be_mapped")

        dry_run_user = cls(
            changes=changes,
            result=result,
            user_id=user_id,
            will_be_mapped=will_be_mapped,
        )

        dry_run_user.additional_properties = d
        return dry_run_user

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
