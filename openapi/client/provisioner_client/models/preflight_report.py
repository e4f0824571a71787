from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.finding import Finding


T = TypeVar("T", bound="PreflightReport")


@_attrs_define
class PreflightReport:
    """
    Attributes:
        app_id (int):
        checked_at (datetime.datetime):
        findings (list[Finding]):
        ok (bool): True when no finding is an error
        users_checked (int):
    """

    app_id: int
    checked_at: datetime.datetime
    findings: list[Finding]
    ok: bool
    users_checked: int
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        app_id = self.app_id

        checked_at = self.checked_at.isoformat()

        findings = []
        for findings_item_data in self.findings:
            findings_item = findings_item_data.to_dict()
            findings.append(findings_item)

        ok = self.ok

        users_checked = self.users_checked

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "app_id": app_id,
                "checked_at": checked_at,
                "findings": findings,
                "ok": ok,
                "users_checked": users_checked,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.finding import Finding  # noqa: PLC0415

        d = dict(src_dict)
        app_id = d.pop("app_id")

        checked_at = datetime.datetime.fromisoformat(d.pop("checked_at"))

        findings = []
        _findings = d.pop("findings")
        for findings_item_data in _findings:
            findings_item = Finding.from_dict(findings_item_data)

            findings.append(findings_item)

        ok = d.pop("ok")

        users_checked = d.pop("users_checked")

        preflight_report = cls(
            app_id=app_id,
            checked_at=checked_at,
            findings=findings,
            ok=ok,
            users_checked=users_checked,
        )

        preflight_report.additional_properties = d
        return preflight_report

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
