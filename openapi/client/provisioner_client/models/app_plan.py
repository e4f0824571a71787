from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.app_plan_actions import AppPlanActions
    from ..models.app_plan_totals import AppPlanTotals


T = TypeVar("T", bound="AppPlan")


@_attrs_define
class AppPlan:
    """
    Attributes:
        actions (AppPlanActions):
        app_id (int):
        blocked (int):
        pending_approval (int):
        provisioning_enabled (bool):
        totals (AppPlanTotals): Assignments that would get each action; `link` counts people the plan would create who
            already exist in the tenant (per the tenant snapshot and the app's match order): they are linked and updated,
            not created
    """

    actions: AppPlanActions
    app_id: int
    blocked: int
    pending_approval: int
    provisioning_enabled: bool
    totals: AppPlanTotals
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        actions = self.actions.to_dict()

        app_id = self.app_id

        blocked = self.blocked

        pending_approval = self.pending_approval

        provisioning_enabled = self.provisioning_enabled

        totals = self.totals.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "actions": actions,
                "app_id": app_id,
                "blocked": blocked,
                "pending_approval": pending_approval,
                "provisioning_enabled": provisioning_enabled,
                "totals": totals,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.app_plan_actions import AppPlanActions  # noqa: PLC0415
        from ..models.app_plan_totals import AppPlanTotals  # noqa: PLC0415

        d = dict(src_dict)
        actions = AppPlanActions.from_dict(d.pop("actions"))

        app_id = d.pop("app_id")

        blocked = d.pop("blocked")

        pending_approval = d.pop("pending_approval")

        provisioning_enabled = d.pop("provisioning_enabled")

        totals = AppPlanTotals.from_dict(d.pop("totals"))

        app_plan = cls(
            actions=actions,
            app_id=app_id,
            blocked=blocked,
            pending_approval=pending_approval,
            provisioning_enabled=provisioning_enabled,
            totals=totals,
        )

        app_plan.additional_properties = d
        return app_plan

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
