from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.drift_kind import DriftKind

T = TypeVar("T", bound="DriftItemRead")


@_attrs_define
class DriftItemRead:
    """One open drift item of an app, with whose assignment it is.

    Attributes:
        applied_value (Any): What we last applied and believed the tenant held
        first_seen_at (datetime.datetime):
        id (int):
        kind (DriftKind): What differs between the snapshot and what we applied (see `App.drift_policy`).
        last_seen_at (datetime.datetime):
        object_id (str): The tenant user's object id
        target (str): The attribute's Graph name, the skuId or the group id; empty for the account's enabled or deleted
            state
        task_id (int | None): The task planned to put the tenant back (enforce)
        tenant_value (Any): What the tenant holds (as the last delta round saw)
        user_id (int):
        user_name (None | str): The directory user's username
    """

    applied_value: Any
    first_seen_at: datetime.datetime
    id: int
    kind: DriftKind
    last_seen_at: datetime.datetime
    object_id: str
    target: str
    task_id: int | None
    tenant_value: Any
    user_id: int
    user_name: None | str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        applied_value = self.applied_value

        first_seen_at = self.first_seen_at.isoformat()

        id = self.id

        kind = self.kind.value

        last_seen_at = self.last_seen_at.isoformat()

        object_id = self.object_id

        target = self.target

        task_id: int | None
        task_id = self.task_id

        tenant_value = self.tenant_value

        user_id = self.user_id

        user_name: None | str
        user_name = self.user_name

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "applied_value": applied_value,
                "first_seen_at": first_seen_at,
                "id": id,
                "kind": kind,
                "last_seen_at": last_seen_at,
                "object_id": object_id,
                "target": target,
                "task_id": task_id,
                "tenant_value": tenant_value,
                "user_id": user_id,
                "user_name": user_name,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        applied_value = d.pop("applied_value")

        first_seen_at = datetime.datetime.fromisoformat(d.pop("first_seen_at"))

        id = d.pop("id")

        kind = DriftKind(d.pop("kind"))

        last_seen_at = datetime.datetime.fromisoformat(d.pop("last_seen_at"))

        object_id = d.pop("object_id")

        target = d.pop("target")

        def _parse_task_id(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        task_id = _parse_task_id(d.pop("task_id"))

        tenant_value = d.pop("tenant_value")

        user_id = d.pop("user_id")

        def _parse_user_name(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        user_name = _parse_user_name(d.pop("user_name"))

        drift_item_read = cls(
            applied_value=applied_value,
            first_seen_at=first_seen_at,
            id=id,
            kind=kind,
            last_seen_at=last_seen_at,
            object_id=object_id,
            target=target,
            task_id=task_id,
            tenant_value=tenant_value,
            user_id=user_id,
            user_name=user_name,
        )

        drift_item_read.additional_properties = d
        return drift_item_read

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
