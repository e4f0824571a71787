from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.disposition import Disposition

if TYPE_CHECKING:
    from ..models.tenant_account_read_attributes import TenantAccountReadAttributes


T = TypeVar("T", bound="TenantAccountRead")


@_attrs_define
class TenantAccountRead:
    """
    Attributes:
        account_enabled (bool | None):
        app_id (int):
        assigned_licenses (list[str]): skuIds, sorted
        attributes (TenantAccountReadAttributes): Other properties, by Graph's names
        changed_at (datetime.datetime):
        deleted (bool): Soft-deleted in the tenant (restorable)
        disposition (Disposition | None):
        first_seen_at (datetime.datetime):
        id (int):
        mail (None | str):
        match_method (None | str): How it was matched: immutable_id, user_principal_name, mail, assignment, manual
        object_id (str): The tenant user's object id
        on_premises_immutable_id (None | str):
        on_premises_sync_enabled (bool | None):
        user_id (int | None): The directory user it is; null: nobody here
        user_principal_name (None | str):
        username (None | str): That user's username
    """

    account_enabled: bool | None
    app_id: int
    assigned_licenses: list[str]
    attributes: TenantAccountReadAttributes
    changed_at: datetime.datetime
    deleted: bool
    disposition: Disposition | None
    first_seen_at: datetime.datetime
    id: int
    mail: None | str
    match_method: None | str
    object_id: str
    on_premises_immutable_id: None | str
    on_premises_sync_enabled: bool | None
    user_id: int | None
    user_principal_name: None | str
    username: None | str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        account_enabled: bool | None
        account_enabled = self.account_enabled

        app_id = self.app_id

        assigned_licenses = self.assigned_licenses

        attributes = self.attributes.to_dict()

        changed_at = self.changed_at.isoformat()

        deleted = self.deleted

        disposition: None | str
        if isinstance(self.disposition, Disposition):
            disposition = self.disposition.value
        else:
            disposition = self.disposition

        first_seen_at = self.first_seen_at.isoformat()

        id = self.id

        mail: None | str
        mail = self.mail

        match_method: None | str
        match_method = self.match_method

        object_id = self.object_id

        on_premises_immutable_id: None | str
        on_premises_immutable_id = self.on_premises_immutable_id

        on_premises_sync_enabled: bool | None
        on_premises_sync_enabled = self.on_premises_sync_enabled

        user_id: int | None
        user_id = self.user_id

        user_principal_name: None | str
        user_principal_name = self.user_principal_name

        username: None | str
        username = self.username

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "account_enabled": account_enabled,
                "app_id": app_id,
                "assigned_licenses": assigned_licenses,
                "attributes": attributes,
                "changed_at": changed_at,
                "deleted": deleted,
                "disposition": disposition,
                "first_seen_at": first_seen_at,
                "id": id,
                "mail": mail,
                "match_method": match_method,
                "object_id": object_id,
                "on_premises_immutable_id": on_premises_immutable_id,
                "on_premises_sync_enabled": on_premises_sync_enabled,
                "user_id": user_id,
                "user_principal_name": user_principal_name,
                "username": username,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.tenant_account_read_attributes import TenantAccountReadAttributes  # noqa: PLC0415

        d = dict(src_dict)

        def _parse_account_enabled(data: object) -> bool | None:
            if data is None:
                return data
            return cast(bool | None, data)

        account_enabled = _parse_account_enabled(d.pop("account_enabled"))

        app_id = d.pop("app_id")

        assigned_licenses = cast(list[str], d.pop("assigned_licenses"))

        attributes = TenantAccountReadAttributes.from_dict(d.pop("attributes"))

        changed_at = datetime.datetime.fromisoformat(d.pop("changed_at"))

        deleted = d.pop("deleted")

        def _parse_disposition(data: object) -> Disposition | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                disposition_type_0 = Disposition(data)

                return disposition_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(Disposition | None, data)

        disposition = _parse_disposition(d.pop("disposition"))

        first_seen_at = datetime.datetime.fromisoformat(d.pop("first_seen_at"))

        id = d.pop("id")

        def _parse_mail(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        mail = _parse_mail(d.pop("mail"))

        def _parse_match_method(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        match_method = _parse_match_method(d.pop("match_method"))

        object_id = d.pop("object_id")

        def _parse_on_premises_immutable_id(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        on_premises_immutable_id = _parse_on_premises_immutable_id(d.pop("on_premises_immutable_id"))

        def _parse_on_premises_sync_enabled(data: object) -> bool | None:
            if data is None:
                return data
            return cast(bool | None, data)

        on_premises_sync_enabled = _parse_on_premises_sync_enabled(d.pop("on_premises_sync_enabled"))

        def _parse_user_id(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        user_id = _parse_user_id(d.pop("user_id"))

        def _parse_user_principal_name(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        user_principal_name = _parse_user_principal_name(d.pop("user_principal_name"))

        def _parse_username(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        username = _parse_username(d.pop("username"))

        tenant_account_read = cls(
            account_enabled=account_enabled,
            app_id=app_id,
            assigned_licenses=assigned_licenses,
            attributes=attributes,
            changed_at=changed_at,
            deleted=deleted,
            disposition=disposition,
            first_seen_at=first_seen_at,
            id=id,
            mail=mail,
            match_method=match_method,
            object_id=object_id,
            on_premises_immutable_id=on_premises_immutable_id,
            on_premises_sync_enabled=on_premises_sync_enabled,
            user_id=user_id,
            user_principal_name=user_principal_name,
            username=username,
        )

        tenant_account_read.additional_properties = d
        return tenant_account_read

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
