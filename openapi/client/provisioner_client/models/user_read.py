from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.user_status import UserStatus
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.role_grant import RoleGrant
    from ..models.source_ref import SourceRef
    from ..models.user_read_custom_attributes import UserReadCustomAttributes
    from ..models.user_read_effective_attributes import UserReadEffectiveAttributes
    from ..models.user_read_mapped_attributes import UserReadMappedAttributes


T = TypeVar("T", bound="UserRead")


@_attrs_define
class UserRead:
    """
    Attributes:
        company (None | str):
        country (None | str):
        created_at (datetime.datetime):
        custom_attributes (UserReadCustomAttributes): Values set on the user itself
        department (None | str):
        display_name (None | str):
        distinguished_name (None | str):
        effective_attributes (UserReadEffectiveAttributes): Own values overlaid by mapped ones
        effective_group_id (int | None):
        email (str):
        firstname (None | str):
        group_id (int | None): Group set by hand
        id (int):
        lastname (None | str):
        manual_role_ids (list[int]):
        mapped_attributes (UserReadMappedAttributes): Values set by mappings
        mapped_group_id (int | None): Group set by a mapping
        member_of (list[str]):
        phone (None | str):
        roles (list[RoleGrant]): Effective roles, each labelled with its source
        status (UserStatus):
        title (None | str):
        updated_at (datetime.datetime):
        username (str):
        source (None | SourceRef | Unset): The directory source (LDAP, Active Directory) that owns this person: the
            fields it sets, `member_of`, `status` and `distinguished_name` cannot be changed here (409), nor can the person
            be deleted
    """

    company: None | str
    country: None | str
    created_at: datetime.datetime
    custom_attributes: UserReadCustomAttributes
    department: None | str
    display_name: None | str
    distinguished_name: None | str
    effective_attributes: UserReadEffectiveAttributes
    effective_group_id: int | None
    email: str
    firstname: None | str
    group_id: int | None
    id: int
    lastname: None | str
    manual_role_ids: list[int]
    mapped_attributes: UserReadMappedAttributes
    mapped_group_id: int | None
    member_of: list[str]
    phone: None | str
    roles: list[RoleGrant]
    status: UserStatus
    title: None | str
    updated_at: datetime.datetime
    username: str
    source: None | SourceRef | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.source_ref import SourceRef  # noqa: PLC0415

        company: None | str
        company = self.company

        country: None | str
        country = self.country

        created_at = self.created_at.isoformat()

        custom_attributes = self.custom_attributes.to_dict()

        department: None | str
        department = self.department

        display_name: None | str
        display_name = self.display_name

        distinguished_name: None | str
        distinguished_name = self.distinguished_name

        effective_attributes = self.effective_attributes.to_dict()

        effective_group_id: int | None
        effective_group_id = self.effective_group_id

        email = self.email

        firstname: None | str
        firstname = self.firstname

        group_id: int | None
        group_id = self.group_id

        id = self.id

        lastname: None | str
        lastname = self.lastname

        manual_role_ids = self.manual_role_ids

        mapped_attributes = self.mapped_attributes.to_dict()

        mapped_group_id: int | None
        mapped_group_id = self.mapped_group_id

        member_of = self.member_of

        phone: None | str
        phone = self.phone

        roles = []
        for roles_item_data in self.roles:
            roles_item = roles_item_data.to_dict()
            roles.append(roles_item)

        status = self.status.value

        title: None | str
        title = self.title

        updated_at = self.updated_at.isoformat()

        username = self.username

        source: dict[str, Any] | None | Unset
        if isinstance(self.source, Unset):
            source = UNSET
        elif isinstance(self.source, SourceRef):
            source = self.source.to_dict()
        else:
            source = self.source

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "company": company,
                "country": country,
                "created_at": created_at,
                "custom_attributes": custom_attributes,
                "department": department,
                "display_name": display_name,
                "distinguished_name": distinguished_name,
                "effective_attributes": effective_attributes,
                "effective_group_id": effective_group_id,
                "email": email,
                "firstname": firstname,
                "group_id": group_id,
                "id": id,
                "lastname": lastname,
                "manual_role_ids": manual_role_ids,
                "mapped_attributes": mapped_attributes,
                "mapped_group_id": mapped_group_id,
                "member_of": member_of,
                "phone": phone,
                "roles": roles,
                "status": status,
                "title": title,
                "updated_at": updated_at,
                "username": username,
            }
        )
        if source is not UNSET:
            field_dict["source"] = source

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.role_grant import RoleGrant  # noqa: PLC0415
        from ..models.source_ref import SourceRef  # noqa: PLC0415
        from ..models.user_read_custom_attributes import UserReadCustomAttributes  # noqa: PLC0415
        from ..models.user_read_effective_attributes import UserReadEffectiveAttributes  # noqa: PLC0415
        from ..models.user_read_mapped_attributes import UserReadMappedAttributes  # noqa: PLC0415

        d = dict(src_dict)

        def _parse_company(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        company = _parse_company(d.pop("company"))

        def _parse_country(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        country = _parse_country(d.pop("country"))

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        custom_attributes = UserReadCustomAttributes.from_dict(d.pop("custom_attributes"))

        def _parse_department(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        department = _parse_department(d.pop("department"))

        def _parse_display_name(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        display_name = _parse_display_name(d.pop("display_name"))

        def _parse_distinguished_name(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        distinguished_name = _parse_distinguished_name(d.pop("distinguished_name"))

        effective_attributes = UserReadEffectiveAttributes.from_dict(d.pop("effective_attributes"))

        def _parse_effective_group_id(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        effective_group_id = _parse_effective_group_id(d.pop("effective_group_id"))

        email = d.pop("email")

        def _parse_firstname(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        firstname = _parse_firstname(d.pop("firstname"))

        def _parse_group_id(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        group_id = _parse_group_id(d.pop("group_id"))

        id = d.pop("id")

        def _parse_lastname(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        lastname = _parse_lastname(d.pop("lastname"))

        manual_role_ids = cast(list[int], d.pop("manual_role_ids"))

        mapped_attributes = UserReadMappedAttributes.from_dict(d.pop("mapped_attributes"))

        def _parse_mapped_group_id(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        mapped_group_id = _parse_mapped_group_id(d.pop("mapped_group_id"))

        member_of = cast(list[str], d.pop("member_of"))

        def _parse_phone(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        phone = _parse_phone(d.pop("phone"))

        roles = []
        _roles = d.pop("roles")
        for roles_item_data in _roles:
            roles_item = RoleGrant.from_dict(roles_item_data)

            roles.append(roles_item)

        status = UserStatus(d.pop("status"))

        def _parse_title(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        title = _parse_title(d.pop("title"))

        updated_at = datetime.datetime.fromisoformat(d.pop("updated_at"))

        username = d.pop("username")

        def _parse_source(data: object) -> None | SourceRef | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                source_type_0 = SourceRef.from_dict(data)

                return source_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | SourceRef | Unset, data)

        source = _parse_source(d.pop("source", UNSET))

        user_read = cls(
            company=company,
            country=country,
            created_at=created_at,
            custom_attributes=custom_attributes,
            department=department,
            display_name=display_name,
            distinguished_name=distinguished_name,
            effective_attributes=effective_attributes,
            effective_group_id=effective_group_id,
            email=email,
            firstname=firstname,
            group_id=group_id,
            id=id,
            lastname=lastname,
            manual_role_ids=manual_role_ids,
            mapped_attributes=mapped_attributes,
            mapped_group_id=mapped_group_id,
            member_of=member_of,
            phone=phone,
            roles=roles,
            status=status,
            title=title,
            updated_at=updated_at,
            username=username,
            source=source,
        )

        user_read.additional_properties = d
        return user_read

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
