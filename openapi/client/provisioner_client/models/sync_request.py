from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="SyncRequest")


@_attrs_define
class SyncRequest:
    """
    Attributes:
        full (bool | Unset): Read every tenant user (a full reconciliation), not just changes Default: False.
    """

    full: bool | Unset = False

    def to_dict(self) -> dict[str, Any]:
        full = self.full

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if full is not UNSET:
            field_dict["full"] = full

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        full = d.pop("full", UNSET)

        sync_request = cls(
            full=full,
        )

        return sync_request
