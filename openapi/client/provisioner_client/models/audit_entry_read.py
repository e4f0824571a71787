from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.actor_read import ActorRead
    from ..models.audit_entry_read_after_type_0 import AuditEntryReadAfterType0
    from ..models.audit_entry_read_before_type_0 import AuditEntryReadBeforeType0
    from ..models.object_read import ObjectRead


T = TypeVar("T", bound="AuditEntryRead")


@_attrs_define
class AuditEntryRead:
    """
    Attributes:
        action (str): `<type>.<verb>`, e.g. `app.policy_changed`, `task.approved`
        actor (ActorRead):
        after (AuditEntryReadAfterType0 | None): The changed fields after (null: deleted)
        before (AuditEntryReadBeforeType0 | None): The changed fields before (null for a creation); secrets never appear
        created_at (datetime.datetime):
        id (int):
        object_ (ObjectRead):
        request_id (None | str): The `X-Request-ID` of the request that did it
    """

    action: str
    actor: ActorRead
    after: AuditEntryReadAfterType0 | None
    before: AuditEntryReadBeforeType0 | None
    created_at: datetime.datetime
    id: int
    object_: ObjectRead
    request_id: None | str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.audit_entry_read_after_type_0 import AuditEntryReadAfterType0  # noqa: PLC0415
        from ..models.audit_entry_read_before_type_0 import AuditEntryReadBeforeType0  # noqa: PLC0415

        action = self.action

        actor = self.actor.to_dict()

        after: dict[str, Any] | None
        if isinstance(self.after, AuditEntryReadAfterType0):
            after = self.after.to_dict()
        else:
            after = self.after

        before: dict[str, Any] | None
        if isinstance(self.before, AuditEntryReadBeforeType0):
            before = self.before.to_dict()
        else:
            before = self.before

        created_at = self.created_at.isoformat()

        id = self.id

        object_ = self.object_.to_dict()

        request_id: None | str
        request_id = self.request_id

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "action": action,
                "actor": actor,
                "after": after,
                "before": before,
                "created_at": created_at,
                "id": id,
                "object": object_,
                "request_id": request_id,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.actor_read import ActorRead  # noqa: PLC0415
        from ..models.audit_entry_read_after_type_0 import AuditEntryReadAfterType0  # noqa: PLC0415
        from ..models.audit_entry_read_before_type_0 import AuditEntryReadBeforeType0  # noqa: PLC0415
        from ..models.object_read import ObjectRead  # noqa: PLC0415

        d = dict(src_dict)
        action = d.pop("action")

        actor = ActorRead.from_dict(d.pop("actor"))

        def _parse_after(data: object) -> AuditEntryReadAfterType0 | None:
            if data is None:
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                after_type_0 = AuditEntryReadAfterType0.from_dict(data)

                return after_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(AuditEntryReadAfterType0 | None, data)

        after = _parse_after(d.pop("after"))

        def _parse_before(data: object) -> AuditEntryReadBeforeType0 | None:
            if data is None:
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                before_type_0 = AuditEntryReadBeforeType0.from_dict(data)

                return before_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(AuditEntryReadBeforeType0 | None, data)

        before = _parse_before(d.pop("before"))

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        id = d.pop("id")

        object_ = ObjectRead.from_dict(d.pop("object"))

        def _parse_request_id(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        request_id = _parse_request_id(d.pop("request_id"))

        audit_entry_read = cls(
            action=action,
            actor=actor,
            after=after,
            before=before,
            created_at=created_at,
            id=id,
            object_=object_,
            request_id=request_id,
        )

        audit_entry_read.additional_properties = d
        return audit_entry_read

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
