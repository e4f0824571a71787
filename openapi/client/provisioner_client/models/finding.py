from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.finding_severity import FindingSeverity
from ..types import UNSET, Unset

T = TypeVar("T", bound="Finding")


@_attrs_define
class Finding:
    """
    Attributes:
        code (str):
        message (str):
        severity (FindingSeverity):
        attribute (None | str | Unset):
        count (int | None | Unset): Users affected (user findings)
        example_user_ids (list[int] | None | Unset): A few of the users affected
    """

    code: str
    message: str
    severity: FindingSeverity
    attribute: None | str | Unset = UNSET
    count: int | None | Unset = UNSET
    example_user_ids: list[int] | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        code = self.code

        message = self.message

        severity = self.severity.value

        attribute: None | str | Unset
        if isinstance(self.attribute, Unset):
            attribute = UNSET
        else:
            attribute = self.attribute

        count: int | None | Unset
        if isinstance(self.count, Unset):
            count = UNSET
        else:
            count = self.count

        example_user_ids: list[int] | None | Unset
        if isinstance(self.example_user_ids, Unset):
            example_user_ids = UNSET
        elif isinstance(self.example_user_ids, list):
            example_user_ids = self.example_user_ids

        else:
            example_user_ids = self.example_user_ids

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "code": code,
                "message": message,
                "severity": severity,
            }
        )
        if attribute is not UNSET:
            field_dict["attribute"] = attribute
        if count is not UNSET:
            field_dict["count"] = count
        if example_user_ids is not UNSET:
            field_dict["example_user_ids"] = example_user_ids

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        code = d.pop("code")

        message = d.pop("message")

        severity = FindingSeverity(d.pop("severity"))

        def _parse_attribute(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        attribute = _parse_attribute(d.pop("attribute", UNSET))

        def _parse_count(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        count = _parse_count(d.pop("count", UNSET))

        def _parse_example_user_ids(data: object) -> list[int] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                example_user_ids_type_0 = cast(list[int], data)

                return example_user_ids_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[int] | None | Unset, data)

        example_user_ids = _parse_example_user_ids(d.pop("example_user_ids", UNSET))

        finding = cls(
            code=code,
            message=message,
            severity=severity,
            attribute=attribute,
            count=count,
            example_user_ids=example_user_ids,
        )

        finding.additional_properties = d
        return finding

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
