from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.check_user_result import CheckUserResult

if TYPE_CHECKING:
    from ..models.check_group import CheckGroup
    from ..models.check_license import CheckLicense
    from ..models.check_user_parameters import CheckUserParameters


T = TypeVar("T", bound="CheckUser")


@_attrs_define
class CheckUser:
    """
    Attributes:
        groups (list[CheckGroup]):
        licenses (list[CheckLicense]):
        parameters (CheckUserParameters):
        result (CheckUserResult):
        user_id (int):
        will_be_mapped (bool):
    """

    groups: list[CheckGroup]
    licenses: list[CheckLicense]
    parameters: CheckUserParameters
    result: CheckUserResult
    user_id: int
    will_be_mapped: bool
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        groups = []
        for groups_item_data in self.groups:
            groups_item = groups_item_data.to_dict()
            groups.append(groups_item)

        licenses = []
        for licenses_item_data in self.licenses:
            licenses_item = licenses_item_data.to_dict()
            licenses.append(licenses_item)

        parameters = self.parameters.to_dict()

        result = self.result.value

        user_id = self.user_id

        will_be_mapped = self.will_be_mapped

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "groups": groups,
                "licenses": licenses,
                "parameters": parameters,
                "result": result,
                "user_id": user_id,
                "will_be_mapped": will_be_mapped,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.check_group import CheckGroup  # noqa: PLC0415
        from ..models.check_license import CheckLicense  # noqa: PLC0415
        from ..models.check_user_parameters import CheckUserParameters  # noqa: PLC0415

        d = dict(src_dict)
        groups = []
        _groups = d.pop("groups")
        for groups_item_data in _groups:
            groups_item = CheckGroup.from_dict(groups_item_data)

            groups.append(groups_item)

        licenses = []
        _licenses = d.pop("licenses")
        for licenses_item_data in _licenses:
            licenses_item = CheckLicense.from_dict(licenses_item_data)

            licenses.append(licenses_item)

        parameters = CheckUserParameters.from_dict(d.pop("parameters"))

        result = CheckUserResult(d.pop("result"))

        user_id = d.pop("user_id")

        will_be_mapped = d.pop("will_be_mapped")

        check_user = cls(
            groups=groups,
            licenses=licenses,
            parameters=parameters,
            result=result,
            user_id=user_id,
            will_be_mapped=will_be_mapped,
        )

        check_user.additional_properties = d
        return check_user

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
