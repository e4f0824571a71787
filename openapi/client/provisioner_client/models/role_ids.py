from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

T = TypeVar("T", bound="RoleIds")


@_attrs_define
class RoleIds:
    """
    Attributes:
        role_ids (list[int]):
    """

    role_ids: list[int]

    def to_dict(self) -> dict[str, Any]:
        role_ids = self.role_ids

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "role_ids": role_ids,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        role_ids = cast(list[int], d.pop("role_ids"))

        role_ids = cls(
            role_ids=role_ids,
        )

        return role_ids
