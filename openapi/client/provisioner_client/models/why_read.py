from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.why_group import WhyGroup
    from ..models.why_license import WhyLicense
    from ..models.why_parameter import WhyParameter
    from ..models.why_role import WhyRole


T = TypeVar("T", bound="WhyRead")


@_attrs_define
class WhyRead:
    """Why an assignment wants what it wants: each role with the mapping that granted it, and
    each license, group and parameter with the rules that set it, by name and by id.

        Attributes:
            groups (list[WhyGroup]):
            licenses (list[WhyLicense]):
            lines (list[str]): The same, one sentence per grant
            parameters (list[WhyParameter]):
            roles (list[WhyRole]):
            target (None | str):
    """

    groups: list[WhyGroup]
    licenses: list[WhyLicense]
    lines: list[str]
    parameters: list[WhyParameter]
    roles: list[WhyRole]
    target: None | str
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

        lines = self.lines

        parameters = []
        for parameters_item_data in self.parameters:
            parameters_item = parameters_item_data.to_dict()
            parameters.append(parameters_item)

        roles = []
        for roles_item_data in self.roles:
            roles_item = roles_item_data.to_dict()
            roles.append(roles_item)

        target: None | str
        target = self.target

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "groups": groups,
                "licenses": licenses,
                "lines": lines,
                "parameters": parameters,
                "roles": roles,
                "target": target,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.why_group import WhyGroup  # noqa: PLC0415
        from ..models.why_license import WhyLicense  # noqa: PLC0415
        from ..models.why_parameter import WhyParameter  # noqa: PLC0415
        from ..models.why_role import WhyRole  # noqa: PLC0415

        d = dict(src_dict)
        groups = []
        _groups = d.pop("groups")
        for groups_item_data in _groups:
            groups_item = WhyGroup.from_dict(groups_item_data)

            groups.append(groups_item)

        licenses = []
        _licenses = d.pop("licenses")
        for licenses_item_data in _licenses:
            licenses_item = WhyLicense.from_dict(licenses_item_data)

            licenses.append(licenses_item)

        lines = cast(list[str], d.pop("lines"))

        parameters = []
        _parameters = d.pop("parameters")
        for parameters_item_data in _parameters:
            parameters_item = WhyParameter.from_dict(parameters_item_data)

            parameters.append(parameters_item)

        roles = []
        _roles = d.pop("roles")
        for roles_item_data in _roles:
            roles_item = WhyRole.from_dict(roles_item_data)

            roles.append(roles_item)

        def _parse_target(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        target = _parse_target(d.pop("target"))

        why_read = cls(
            groups=groups,
            licenses=licenses,
            lines=lines,
            parameters=parameters,
            roles=roles,
            target=target,
        )

        why_read.additional_properties = d
        return why_read

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
