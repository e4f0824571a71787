from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

from ..models.parameter_in_source import ParameterInSource
from ..types import UNSET, Unset

T = TypeVar("T", bound="ParameterIn")


@_attrs_define
class ParameterIn:
    """How one target attribute is computed: a user `field`, a `constant` or a `template`.

    Attributes:
        name (str):
        source (ParameterInSource):
        value (str):
        include (bool | Unset): Include in user provisioning Default: True.
    """

    name: str
    source: ParameterInSource
    value: str
    include: bool | Unset = True

    def to_dict(self) -> dict[str, Any]:
        name = self.name

        source = self.source.value

        value = self.value

        include = self.include

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "name": name,
                "source": source,
                "value": value,
            }
        )
        if include is not UNSET:
            field_dict["include"] = include

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        name = d.pop("name")

        source = ParameterInSource(d.pop("source"))

        value = d.pop("value")

        include = d.pop("include", UNSET)

        parameter_in = cls(
            name=name,
            source=source,
            value=value,
            include=include,
        )

        return parameter_in
