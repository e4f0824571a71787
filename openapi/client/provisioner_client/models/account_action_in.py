from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

from ..models.account_action import AccountAction
from ..types import UNSET, Unset

T = TypeVar("T", bound="AccountActionIn")


@_attrs_define
class AccountActionIn:
    """One action on one account.

    Attributes:
        action (AccountAction):
        user_id (int | None | Unset): For `link`: the directory user
    """

    action: AccountAction
    user_id: int | None | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        action = self.action.value

        user_id: int | None | Unset
        if isinstance(self.user_id, Unset):
            user_id = UNSET
        else:
            user_id = self.user_id

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "action": action,
            }
        )
        if user_id is not UNSET:
            field_dict["user_id"] = user_id

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        action = AccountAction(d.pop("action"))

        def _parse_user_id(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        user_id = _parse_user_id(d.pop("user_id", UNSET))

        account_action_in = cls(
            action=action,
            user_id=user_id,
        )

        return account_action_in
