from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="ConditionIn")


@_attrs_define
class ConditionIn:
    """
    Attributes:
        operator (str):
        source (str):
        case_sensitive (bool | Unset):  Default: False.
        value (None | str | Unset):
    """

    operator: str
    source: str
    case_sensitive: bool | Unset = False
    value: None | str | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        operator = self.operator

        source = self.source

        case_sensitive = self.case_sensitive

        value: None | str | Unset
        if isinstance(self.value, Unset):
            value = UNSET
        else:
            value = self.value

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "operator": operator,
                "source": source,
            }
        )
        if case_sensitive is not UNSET:
            field_dict["case_sensitive"] = case_sensitive
        if value is not UNSET:
            field_dict["value"] = value

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        operator = d.pop("operator")

        source = d.pop("source")

        case_sensitive = d.pop("case_sensitive", UNSET)

        def _parse_value(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        value = _parse_value(d.pop("value", UNSET))

        condition_in = cls(
            operator=operator,
            source=source,
            case_sensitive=case_sensitive,
            value=value,
        )

        return condition_in
