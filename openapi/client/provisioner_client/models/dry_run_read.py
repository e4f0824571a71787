from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.dry_run_user import DryRunUser


T = TypeVar("T", bound="DryRunRead")


@_attrs_define
class DryRunRead:
    """
    Attributes:
        mapping_id (int):
        users (list[DryRunUser]):
    """

    mapping_id: int
    users: list[DryRunUser]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        mapping_id = self.mapping_id

        users = []
        for users_item_data in self.users:
            users_item = users_item_data.to_dict()
            users.append(users_item)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "mapping_id": mapping_id,
                "users": users,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.dry_run_user import DryRunUser  # noqa: PLC0415

        d = dict(src_dict)
        mapping_id = d.pop("mapping_id")

        users = []
        _users = d.pop("users")
        for users_item_data in _users:
            users_item = DryRunUser.from_dict(users_item_data)

            users.append(users_item)

        dry_run_read = cls(
            mapping_id=mapping_id,
            users=users,
        )

        dry_run_read.additional_properties = d
        return dry_run_read

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
