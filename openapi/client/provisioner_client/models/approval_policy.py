from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="ApprovalPolicy")


@_attrs_define
class ApprovalPolicy:
    """Which provisioning actions wait for an admin's approval.

    Attributes:
        create (bool | Unset):  Default: False.
        delete (bool | Unset):  Default: False.
        suspend (bool | Unset):  Default: False.
        update (bool | Unset):  Default: False.
    """

    create: bool | Unset = False
    delete: bool | Unset = False
    suspend: bool | Unset = False
    update: bool | Unset = False

    def to_dict(self) -> dict[str, Any]:
        create = self.create

        delete = self.delete

        suspend = self.suspend

        update = self.update

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if create is not UNSET:
            field_dict["create"] = create
        if delete is not UNSET:
            field_dict["delete"] = delete
        if suspend is not UNSET:
            field_dict["suspend"] = suspend
        if update is not UNSET:
            field_dict["update"] = update

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        create = d.pop("create", UNSET)

        delete = d.pop("delete", UNSET)

        suspend = d.pop("suspend", UNSET)

        update = d.pop("update", UNSET)

        approval_policy = cls(
            create=create,
            delete=delete,
            suspend=suspend,
            update=update,
        )

        return approval_policy
