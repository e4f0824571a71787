from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.tenant_account_read import TenantAccountRead


T = TypeVar("T", bound="AccountActionResult")


@_attrs_define
class AccountActionResult:
    """What one action did to one account; a refused item carries the problem it met.

    Attributes:
        account_id (int):
        ok (bool):
        status (int): The HTTP status the action alone would have answered
        account (None | TenantAccountRead | Unset):
        detail (None | str | Unset): Why it was refused
        task_id (int | None | Unset): `deprovision`: the task planned
        task_status (None | str | Unset): `deprovision`: queued, or pending_approval (approval policy, threshold)
        user_id (int | None | Unset): `import`: the directory user created
    """

    account_id: int
    ok: bool
    status: int
    account: None | TenantAccountRead | Unset = UNSET
    detail: None | str | Unset = UNSET
    task_id: int | None | Unset = UNSET
    task_status: None | str | Unset = UNSET
    user_id: int | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.tenant_account_read import TenantAccountRead  # noqa: PLC0415

        account_id = self.account_id

        ok = self.ok

        status = self.status

        account: dict[str, Any] | None | Unset
        if isinstance(self.account, Unset):
            account = UNSET
        elif isinstance(self.account, TenantAccountRead):
            account = self.account.to_dict()
        else:
            account = self.account

        detail: None | str | Unset
        if isinstance(self.detail, Unset):
            detail = UNSET
        else:
            detail = self.detail

        task_id: int | None | Unset
        if isinstance(self.task_id, Unset):
            task_id = UNSET
        else:
            task_id = self.task_id

        task_status: None | str | Unset
        if isinstance(self.task_status, Unset):
            task_status = UNSET
        else:
            task_status = self.task_status

        user_id: int | None | Unset
        if isinstance(self.user_id, Unset):
            user_id = UNSET
        else:
            user_id = self.user_id

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "account_id": account_id,
                "ok": ok,
                "status": status,
            }
        )
        if account is not UNSET:
            field_dict["account"] = account
        if detail is not UNSET:
            field_dict["detail"] = detail
        if task_id is not UNSET:
            field_dict["task_id"] = task_id
        if task_status is not UNSET:
            field_dict["task_status"] = task_status
        if user_id is not UNSET:
            field_dict["user_id"] = user_id

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.tenant_account_read import TenantAccountRead  # noqa: PLC0415

        d = dict(src_dict)
        account_id = d.pop("account_id")

        ok = d.pop("ok")

        status = d.pop("status")

        def _parse_account(data: object) -> None | TenantAccountRead | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                account_type_0 = TenantAccountRead.from_dict(data)

                return account_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | TenantAccountRead | Unset, data)

        account = _parse_account(d.pop("account", UNSET))

        def _parse_detail(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        detail = _parse_detail(d.pop("detail", UNSET))

        def _parse_task_id(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        task_id = _parse_task_id(d.pop("task_id", UNSET))

        def _parse_task_status(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        task_status = _parse_task_status(d.pop("task_status", UNSET))

        def _parse_user_id(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        user_id = _parse_user_id(d.pop("user_id", UNSET))

        account_action_result = cls(
            account_id=account_id,
            ok=ok,
            status=status,
            account=account,
            detail=detail,
            task_id=task_id,
            task_status=task_status,
            user_id=user_id,
        )

        account_action_result.additional_properties = d
        return account_action_result

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
