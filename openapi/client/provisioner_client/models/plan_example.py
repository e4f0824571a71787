from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.plan_example_plan import PlanExamplePlan


T = TypeVar("T", bound="PlanExample")


@_attrs_define
class PlanExample:
    """
    Attributes:
        plan (PlanExamplePlan):
        user_id (int):
        username (None | str):
    """

    plan: PlanExamplePlan
    user_id: int
    username: None | str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        plan = self.plan.to_dict()

        user_id = self.user_id

        username: None | str
        username = self.username

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "plan": plan,
                "user_id": user_id,
                "username": username,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.plan_example_plan import PlanExamplePlan  # noqa: PLC0415

        d = dict(src_dict)
        plan = PlanExamplePlan.from_dict(d.pop("plan"))

        user_id = d.pop("user_id")

        def _parse_username(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        username = _parse_username(d.pop("username"))

        plan_example = cls(
            plan=plan,
            user_id=user_id,
            username=username,
        )

        plan_example.additional_properties = d
        return plan_example

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
