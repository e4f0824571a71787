from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.drift_figures_found import DriftFiguresFound


T = TypeVar("T", bound="DriftFigures")


@_attrs_define
class DriftFigures:
    """
    Attributes:
        fixed (int | Unset):  Default: 0.
        found (DriftFiguresFound | Unset): Kind -> open drift items after the cycle
        new (int | Unset):  Default: 0.
        tasks_planned (int | Unset):  Default: 0.
    """

    fixed: int | Unset = 0
    found: DriftFiguresFound | Unset = UNSET
    new: int | Unset = 0
    tasks_planned: int | Unset = 0
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        fixed = self.fixed

        found: dict[str, Any] | Unset = UNSET
        if not isinstance(self.found, Unset):
            found = self.found.to_dict()

        new = self.new

        tasks_planned = self.tasks_planned

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if fixed is not UNSET:
            field_dict["fixed"] = fixed
        if found is not UNSET:
            field_dict["found"] = found
        if new is not UNSET:
            field_dict["new"] = new
        if tasks_planned is not UNSET:
            field_dict["tasks_planned"] = tasks_planned

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.drift_figures_found import DriftFiguresFound  # noqa: PLC0415

        d = dict(src_dict)
        fixed = d.pop("fixed", UNSET)

        _found = d.pop("found", UNSET)
        found: DriftFiguresFound | Unset
        if isinstance(_found, Unset):
            found = UNSET
        else:
            found = DriftFiguresFound.from_dict(_found)

        new = d.pop("new", UNSET)

        tasks_planned = d.pop("tasks_planned", UNSET)

        drift_figures = cls(
            fixed=fixed,
            found=found,
            new=new,
            tasks_planned=tasks_planned,
        )

        drift_figures.additional_properties = d
        return drift_figures

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
