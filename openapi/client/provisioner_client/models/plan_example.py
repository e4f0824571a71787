from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.plan_example_license_names import PlanExampleLicenseNames
    from ..models.plan_example_plan import PlanExamplePlan


T = TypeVar("T", bound="PlanExample")


@_attrs_define
class PlanExample:
    """
    Attributes:
        plan (PlanExamplePlan):
        user_id (int):
        username (None | str):
        license_names (PlanExampleLicenseNames | Unset): sku id -> Microsoft's product name, for each license the plan
            adds or removes (e.g. `Office 365 E3`)
        matched_on (None | str | Unset): For a link: `linked` (already matched to this user), `immutable_id`,
            `user_principal_name` or `mail`
        tenant_object_id (None | str | Unset): For a link: the tenant account the person would be linked to
    """

    plan: PlanExamplePlan
    user_id: int
    username: None | str
    license_names: PlanExampleLicenseNames | Unset = UNSET
    matched_on: None | str | Unset = UNSET
    tenant_object_id: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        plan = self.plan.to_dict()

        user_id = self.user_id

        username: None | str
        username = self.username

        license_names: dict[str, Any] | Unset = UNSET
        if not isinstance(self.license_names, Unset):
            license_names = self.license_names.to_dict()

        matched_on: None | str | Unset
        if isinstance(self.matched_on, Unset):
            matched_on = UNSET
        else:
            matched_on = self.matched_on

        tenant_object_id: None | str | Unset
        if isinstance(self.tenant_object_id, Unset):
            tenant_object_id = UNSET
        else:
            tenant_object_id = self.tenant_object_id

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "plan": plan,
                "user_id": user_id,
                "username": username,
            }
        )
        if license_names is not UNSET:
            field_dict["license_names"] = license_names
        if matched_on is not UNSET:
            field_dict["matched_on"] = matched_on
        if tenant_object_id is not UNSET:
            field_dict["tenant_object_id"] = tenant_object_id

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.plan_example_license_names import PlanExampleLicenseNames  # noqa: PLC0415
        from ..models.plan_example_plan import PlanExamplePlan  # noqa: PLC0415

        d = dict(src_dict)
        plan = PlanExamplePlan.from_dict(d.pop("plan"))

        user_id = d.pop("user_id")

        def _parse_username(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        username = _parse_username(d.pop("username"))

        _license_names = d.pop("license_names", UNSET)
        license_names: PlanExampleLicenseNames | Unset
        if isinstance(_license_names, Unset):
            license_names = UNSET
        else:
            license_names = PlanExampleLicenseNames.from_dict(_license_names)

        def _parse_matched_on(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        matched_on = _parse_matched_on(d.pop("matched_on", UNSET))

        def _parse_tenant_object_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        tenant_object_id = _parse_tenant_object_id(d.pop("tenant_object_id", UNSET))

        plan_example = cls(
            plan=plan,
            user_id=user_id,
            username=username,
            license_names=license_names,
            matched_on=matched_on,
            tenant_object_id=tenant_object_id,
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
