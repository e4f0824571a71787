from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define

from ..models.bulk_mode import BulkMode
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.user_create import UserCreate


T = TypeVar("T", bound="UserBulkCreate")


@_attrs_define
class UserBulkCreate:
    """Many users in one request. Each item is a `UserCreate`, validated on its own so that
    in `per_item` mode one bad item does not refuse the others (hence not `Input`, whose
    checks would refuse the whole request).

        Attributes:
            users (list[UserCreate]): At most 1,000 users
            mode (BulkMode | Unset):
    """

    users: list[UserCreate]
    mode: BulkMode | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        users = []
        for users_item_data in self.users:
            users_item = users_item_data.to_dict()
            users.append(users_item)

        mode: str | Unset = UNSET
        if not isinstance(self.mode, Unset):
            mode = self.mode.value

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "users": users,
            }
        )
        if mode is not UNSET:
            field_dict["mode"] = mode

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.user_create import UserCreate  # noqa: PLC0415

        d = dict(src_dict)
        users = []
        _users = d.pop("users")
        for users_item_data in _users:
            users_item = UserCreate.from_dict(users_item_data)

            users.append(users_item)

        _mode = d.pop("mode", UNSET)
        mode: BulkMode | Unset
        if isinstance(_mode, Unset):
            mode = UNSET
        else:
            mode = BulkMode(_mode)

        user_bulk_create = cls(
            users=users,
            mode=mode,
        )

        return user_bulk_create
