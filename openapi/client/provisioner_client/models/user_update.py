from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define

from ..models.user_status import UserStatus
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.user_update_custom_attributes import UserUpdateCustomAttributes


T = TypeVar("T", bound="UserUpdate")


@_attrs_define
class UserUpdate:
    """
    Attributes:
        company (None | str | Unset):
        country (None | str | Unset):
        custom_attributes (UserUpdateCustomAttributes | Unset): Merged into the user's attributes; a null value removes
            that attribute. At most 100 attributes; a name is 1-64 characters, a letter or `_` then letters, digits, `_`,
            `.` or `-`; a value is at most 2048 characters.
        department (None | str | Unset):
        display_name (None | str | Unset):
        distinguished_name (None | str | Unset):
        email (str | Unset):
        firstname (None | str | Unset):
        group_id (int | None | Unset):
        lastname (None | str | Unset):
        member_of (list[str] | Unset):
        phone (None | str | Unset):
        status (UserStatus | Unset):
        title (None | str | Unset):
        username (str | Unset):
    """

    company: None | str | Unset = UNSET
    country: None | str | Unset = UNSET
    custom_attributes: UserUpdateCustomAttributes | Unset = UNSET
    department: None | str | Unset = UNSET
    display_name: None | str | Unset = UNSET
    distinguished_name: None | str | Unset = UNSET
    email: str | Unset = UNSET
    firstname: None | str | Unset = UNSET
    group_id: int | None | Unset = UNSET
    lastname: None | str | Unset = UNSET
    member_of: list[str] | Unset = UNSET
    phone: None | str | Unset = UNSET
    status: UserStatus | Unset = UNSET
    title: None | str | Unset = UNSET
    username: str | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        company: None | str | Unset
        if isinstance(self.company, Unset):
            company = UNSET
        else:
            company = self.company

        country: None | str | Unset
        if isinstance(self.country, Unset):
            country = UNSET
        else:
            country = self.country

        custom_attributes: dict[str, Any] | Unset = UNSET
        if not isinstance(self.custom_attributes, Unset):
            custom_attributes = self.custom_attributes.to_dict()

        department: None | str | Unset
        if isinstance(self.department, Unset):
            department = UNSET
        else:
            department = self.department

        display_name: None | str | Unset
        if isinstance(self.display_name, Unset):
            display_name = UNSET
        else:
            display_name = self.display_name

        distinguished_name: None | str | Unset
        if isinstance(self.distinguished_name, Unset):
            distinguished_name = UNSET
        else:
            distinguished_name = self.distinguished_name

        email = self.email

        firstname: None | str | Unset
        if isinstance(self.firstname, Unset):
            firstname = UNSET
        else:
            firstname = self.firstname

        group_id: int | None | Unset
        if isinstance(self.group_id, Unset):
            group_id = UNSET
        else:
            group_id = self.group_id

        lastname: None | str | Unset
        if isinstance(self.lastname, Unset):
            lastname = UNSET
        else:
            lastname = self.lastname

        member_of: list[str] | Unset = UNSET
        if not isinstance(self.member_of, Unset):
            member_of = self.member_of

        phone: None | str | Unset
        if isinstance(self.phone, Unset):
            phone = UNSET
        else:
            phone = self.phone

        status: str | Unset = UNSET
        if not isinstance(self.status, Unset):
            status = self.status.value

        title: None | str | Unset
        if isinstance(self.title, Unset):
            title = UNSET
        else:
            title = self.title

        username = self.username

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if company is not UNSET:
            field_dict["company"] = company
        if country is not UNSET:
            field_dict["country"] = country
        if custom_attributes is not UNSET:
            field_dict["custom_attributes"] = custom_attributes
        if department is not UNSET:
            field_dict["department"] = department
        if display_name is not UNSET:
            field_dict["display_name"] = display_name
        if distinguished_name is not UNSET:
            field_dict["distinguished_name"] = distinguished_name
        if email is not UNSET:
            field_dict["email"] = email
        if firstname is not UNSET:
            field_dict["firstname"] = firstname
        if group_id is not UNSET:
            field_dict["group_id"] = group_id
        if lastname is not UNSET:
            field_dict["lastname"] = lastname
        if member_of is not UNSET:
            field_dict["member_of"] = member_of
        if phone is not UNSET:
            field_dict["phone"] = phone
        if status is not UNSET:
            field_dict["status"] = status
        if title is not UNSET:
            field_dict["title"] = title
        if username is not UNSET:
            field_dict["username"] = username

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.user_update_custom_attributes import UserUpdateCustomAttributes  # noqa: PLC0415

        d = dict(src_dict)

        def _parse_company(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        company = _parse_company(d.pop("company", UNSET))

        def _parse_country(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        country = _parse_country(d.pop("country", UNSET))

        _custom_attributes = d.pop("custom_attributes", UNSET)
        custom_attributes: UserUpdateCustomAttributes | Unset
        if isinstance(_custom_attributes, Unset):
            custom_attributes = UNSET
        else:
            custom_attributes = UserUpdateCustomAttributes.from_dict(_custom_attributes)

        def _parse_department(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        department = _parse_department(d.pop("department", UNSET))

        def _parse_display_name(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        display_name = _parse_display_name(d.pop("display_name", UNSET))

        def _parse_distinguished_name(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        distinguished_name = _parse_distinguished_name(d.pop("distinguished_name", UNSET))

        email = d.pop("email", UNSET)

        def _parse_firstname(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        firstname = _parse_firstname(d.pop("firstname", UNSET))

        def _parse_group_id(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        group_id = _parse_group_id(d.pop("group_id", UNSET))

        def _parse_lastname(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        lastname = _parse_lastname(d.pop("lastname", UNSET))

        member_of = cast(list[str], d.pop("member_of", UNSET))

        def _parse_phone(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        phone = _parse_phone(d.pop("phone", UNSET))

        _status = d.pop("status", UNSET)
        status: UserStatus | Unset
        if isinstance(_status, Unset):
            status = UNSET
        else:
            status = UserStatus(_status)

        def _parse_title(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        title = _parse_title(d.pop("title", UNSET))

        username = d.pop("username", UNSET)

        user_update = cls(
            company=company,
            country=country,
            custom_attributes=custom_attributes,
            department=department,
            display_name=display_name,
            distinguished_name=distinguished_name,
            email=email,
            firstname=firstname,
            group_id=group_id,
            lastname=lastname,
            member_of=member_of,
            phone=phone,
            status=status,
            title=title,
            username=username,
        )

        return user_update
