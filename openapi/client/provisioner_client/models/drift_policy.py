from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

from ..models.drift_policy_account_enabled import DriftPolicyAccountEnabled
from ..models.drift_policy_attributes import DriftPolicyAttributes
from ..models.drift_policy_deleted import DriftPolicyDeleted
from ..models.drift_policy_groups import DriftPolicyGroups
from ..models.drift_policy_licenses import DriftPolicyLicenses
from ..types import UNSET, Unset

T = TypeVar("T", bound="DriftPolicy")


@_attrs_define
class DriftPolicy:
    """What a cycle does when the tenant differs from what we applied, per kind of drift:
    `enforce` plans tasks that put the tenant back (through approvals and thresholds like any
    task), `report` records and shows it and changes nothing, and for attributes `adopt`
    accepts the tenant's value as the applied state. Everything is `report` until an admin
    chooses otherwise, so connecting a tenant never changes it by surprise.

        Attributes:
            account_enabled (DriftPolicyAccountEnabled | Unset):  Default: DriftPolicyAccountEnabled.REPORT.
            attributes (DriftPolicyAttributes | Unset):  Default: DriftPolicyAttributes.REPORT.
            deleted (DriftPolicyDeleted | Unset): A user deleted or restored in the tenant by someone else Default:
                DriftPolicyDeleted.REPORT.
            groups (DriftPolicyGroups | Unset):  Default: DriftPolicyGroups.REPORT.
            licenses (DriftPolicyLicenses | Unset):  Default: DriftPolicyLicenses.REPORT.
    """

    account_enabled: DriftPolicyAccountEnabled | Unset = DriftPolicyAccountEnabled.REPORT
    attributes: DriftPolicyAttributes | Unset = DriftPolicyAttributes.REPORT
    deleted: DriftPolicyDeleted | Unset = DriftPolicyDeleted.REPORT
    groups: DriftPolicyGroups | Unset = DriftPolicyGroups.REPORT
    licenses: DriftPolicyLicenses | Unset = DriftPolicyLicenses.REPORT

    def to_dict(self) -> dict[str, Any]:
        account_enabled: str | Unset = UNSET
        if not isinstance(self.account_enabled, Unset):
            account_enabled = self.account_enabled.value

        attributes: str | Unset = UNSET
        if not isinstance(self.attributes, Unset):
            attributes = self.attributes.value

        deleted: str | Unset = UNSET
        if not isinstance(self.deleted, Unset):
            deleted = self.deleted.value

        groups: str | Unset = UNSET
        if not isinstance(self.groups, Unset):
            groups = self.groups.value

        licenses: str | Unset = UNSET
        if not isinstance(self.licenses, Unset):
            licenses = self.licenses.value

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if account_enabled is not UNSET:
            field_dict["account_enabled"] = account_enabled
        if attributes is not UNSET:
            field_dict["attributes"] = attributes
        if deleted is not UNSET:
            field_dict["deleted"] = deleted
        if groups is not UNSET:
            field_dict["groups"] = groups
        if licenses is not UNSET:
            field_dict["licenses"] = licenses

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        _account_enabled = d.pop("account_enabled", UNSET)
        account_enabled: DriftPolicyAccountEnabled | Unset
        if isinstance(_account_enabled, Unset):
            account_enabled = UNSET
        else:
            account_enabled = DriftPolicyAccountEnabled(_account_enabled)

        _attributes = d.pop("attributes", UNSET)
        attributes: DriftPolicyAttributes | Unset
        if isinstance(_attributes, Unset):
            attributes = UNSET
        else:
            attributes = DriftPolicyAttributes(_attributes)

        _deleted = d.pop("deleted", UNSET)
        deleted: DriftPolicyDeleted | Unset
        if isinstance(_deleted, Unset):
            deleted = UNSET
        else:
            deleted = DriftPolicyDeleted(_deleted)

        _groups = d.pop("groups", UNSET)
        groups: DriftPolicyGroups | Unset
        if isinstance(_groups, Unset):
            groups = UNSET
        else:
            groups = DriftPolicyGroups(_groups)

        _licenses = d.pop("licenses", UNSET)
        licenses: DriftPolicyLicenses | Unset
        if isinstance(_licenses, Unset):
            licenses = UNSET
        else:
            licenses = DriftPolicyLicenses(_licenses)

        drift_policy = cls(
            account_enabled=account_enabled,
            attributes=attributes,
            deleted=deleted,
            groups=groups,
            licenses=licenses,
        )

        return drift_policy
