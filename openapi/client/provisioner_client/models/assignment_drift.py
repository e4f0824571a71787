from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.drift_kind import DriftKind

T = TypeVar("T", bound="AssignmentDrift")


@_attrs_define
class AssignmentDrift:
    """One open difference between the tenant and what we applied (`GET /apps/{id}/drift`
    lists them per app).

        Attributes:
            applied_value (Any): What we last applied and believed the tenant held
            first_seen_at (datetime.datetime):
            kind (DriftKind): What differs between the snapshot and what we applied (see `App.drift_policy`).
            target (str): The attribute's Graph name, the skuId or the group id; empty for the account's enabled or deleted
                state
            task_id (int | None): The task planned to put the tenant back (enforce)
            tenant_value (Any): What the tenant holds (as the last delta round saw)
    """

    applied_value: Any
    first_seen_at: datetime.datetime
    kind: DriftKind
    target: str
    task_id: int | None
    tenant_value: Any
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        applied_value = self.applied_value

        first_seen_at = self.first_seen_at.isoformat()

        kind = self.kind.value

        target = self.target

        task_id: int | None
        task_id = self.task_id

        tenant_value = self.tenant_value

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "applied_value": applied_value,
                "first_seen_at": first_seen_at,
                "kind": kind,
                "target": target,
                "task_id": task_id,
                "tenant_value": tenant_value,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        applied_value = d.pop("applied_value")

        first_seen_at = datetime.datetime.fromisoformat(d.pop("first_seen_at"))

        kind = DriftKind(d.pop("kind"))

        target = d.pop("target")

        def _parse_task_id(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        task_id = _parse_task_id(d.pop("task_id"))

        tenant_value = d.pop("tenant_value")

        assignment_drift = cls(
            applied_value=applied_value,
            first_seen_at=first_seen_at,
            kind=kind,
            target=target,
            task_id=task_id,
            tenant_value=tenant_value,
        )

        assignment_drift.additional_properties = d
        return assignment_drift

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
