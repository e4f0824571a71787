from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

from ..models.account_action import AccountAction
from ..types import UNSET, Unset

T = TypeVar("T", bound="AccountActionsIn")


@_attrs_define
class AccountActionsIn:
    """
    Attributes:
        account_ids (list[int]):
        action (AccountAction):
        user_id (int | None | Unset): For `link`: the directory user
    """

    account_ids: list[int]
    action: AccountAction
    user_id: int | None | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        account_ids = self.account_ids

        action = self.action.value

        user_id: int | None | Unset
        if isinstance(self.user_id, Unset):
            user_id = UNSET
        else:
            user_id = self.user_id

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "account_ids": account_ids,
                "action": action,
            }
        )
        if user_id is not UNSET:
            field_dict["user_id"] = user_id

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        account_ids = cast(list[int], d.pop("account_ids"))

        action = AccountAction(d.pop("action"))

        def _parse_user_id(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        user_id = _parse_user_id(d.pop("user_id", UNSET))

        account_actions_in = cls(
            account_ids=account_ids,
            action=action,
            user_id=user_id,
        )

        return account_actions_in
